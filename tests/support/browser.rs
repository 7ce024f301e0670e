//! A real browser for the tests that click through a page as an agent does: Debian's headless
//! Chromium, driven over the Chrome DevTools Protocol on a loopback websocket.
//!
//! [`Browser::from_env`] keeps the test command's convention: the browser is
//! [`CHROMIUM_ENV`]; without it the test is skipped with a note, unless [`REQUIRE_CHROMIUM_ENV`]
//! is set, when that is a failure (`cargo xtask test` sets both). Each browser has its own
//! temporary profile and its own page, and is killed when dropped.
//!
//! The methods panic with what went wrong (a missing element, a script's exception, a page that
//! did not load): in a test, that is the failure. Nothing here sleeps but [`Browser::wait_for`],
//! which polls its condition.
//!
//! ```ignore
//! let Some(mut browser) = Browser::from_env().await else { return };
//! browser.goto(&card_url).await;
//! browser.fill("#nc-first", "Anna").await;
//! browser.click("#nc-submit").await;
//! browser.wait_for("document.getElementById('customer').textContent === 'Anna'", Duration::from_secs(10)).await;
//! ```

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Set by the test command to Debian's chromium (`/usr/bin/chromium`).
pub const CHROMIUM_ENV: &str = "CCBRIDGE_TEST_CHROMIUM";
/// Set by the test command so that a missing browser fails the run instead of being skipped.
pub const REQUIRE_CHROMIUM_ENV: &str = "CCBRIDGE_TEST_REQUIRE_CHROMIUM";

/// How long the browser may take to start, and a command to be answered.
const STARTUP: Duration = Duration::from_secs(30);
const ANSWER: Duration = Duration::from_secs(30);
/// How long [`Browser::goto`] waits for the page's `load` event.
const LOAD: Duration = Duration::from_secs(30);
/// How often [`Browser::wait_for`] evaluates its condition.
const POLL: Duration = Duration::from_millis(50);
/// Events kept for a later wait; older ones are dropped.
const MAX_EVENTS: usize = 1_000;

/// One headless Chromium with one page.
pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The page's session: every page command carries it.
    session: String,
    next_id: u64,
    /// Events received while waiting for an answer, for [`Browser::goto`]'s wait.
    events: VecDeque<Value>,
}

impl Browser {
    /// The browser the test command names, started; `None` (with a note) when it names none and
    /// does not require one.
    pub async fn from_env() -> Option<Self> {
        match std::env::var(CHROMIUM_ENV).ok().filter(|b| !b.is_empty()) {
            Some(program) => Some(Self::launch(&program).await),
            None => {
                assert!(
                    std::env::var_os(REQUIRE_CHROMIUM_ENV).is_none(),
                    "{REQUIRE_CHROMIUM_ENV} is set but {CHROMIUM_ENV} is not"
                );
                eprintln!("note: {CHROMIUM_ENV} is not set; the page is not clicked through in a browser");
                None
            }
        }
    }

    /// Starts `program` headless on a temporary profile with DevTools on a free loopback port,
    /// and opens a blank page to drive.
    pub async fn launch(program: &str) -> Self {
        let profile = tempfile::tempdir().expect("browser profile");
        let mut child = Command::new(program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1000,900",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let stderr = child.stderr.take().expect("piped stderr");
        let (found, endpoint) = tokio::sync::oneshot::channel();
        // Reads the DevTools address from the browser's log, then keeps draining it so that a
        // full pipe never blocks the browser.
        std::thread::spawn(move || {
            let mut found = Some(found);
            let mut seen = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split_once("DevTools listening on ").map(|(_, url)| url.trim().to_owned()) {
                    if let Some(found) = found.take() {
                        let _ = found.send(Ok(url));
                    }
                } else if found.is_some() && seen.len() < 16_384 {
                    seen.push_str(&line);
                    seen.push('\n');
                }
            }
            if let Some(found) = found.take() {
                let _ = found.send(Err(seen));
            }
        });
        let url = match tokio::time::timeout(STARTUP, endpoint).await {
            Ok(Ok(Ok(url))) => url,
            Ok(Ok(Err(log))) => panic!("{program} exited before listening for DevTools:\n{log}"),
            Ok(Err(_)) => panic!("{program}'s log reader stopped"),
            Err(_) => {
                let _ = child.kill();
                panic!("{program} did not listen for DevTools within {STARTUP:?}")
            }
        };
        let (socket, _) =
            tokio_tungstenite::connect_async(url.as_str()).await.unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        let mut browser =
            Self { child, _profile: profile, socket, session: String::new(), next_id: 0, events: VecDeque::new() };
        let target = browser.command(None, "Target.createTarget", json!({"url": "about:blank"})).await;
        let target = target["targetId"].as_str().expect("a target id").to_owned();
        let attached =
            browser.command(None, "Target.attachToTarget", json!({"targetId": target, "flatten": true})).await;
        browser.session = attached["sessionId"].as_str().expect("a session id").to_owned();
        browser.call("Page.enable", json!({})).await;
        browser
    }

    /// Opens `url` and waits for its `load` event.
    pub async fn goto(&mut self, url: &str) {
        self.events.clear();
        let navigated = self.call("Page.navigate", json!({"url": url})).await;
        if let Some(error) = navigated["errorText"].as_str().filter(|e| !e.is_empty()) {
            panic!("open {url}: {error}");
        }
        self.wait_event("Page.loadEventFired", LOAD).await;
    }

    /// The value of the JavaScript expression `js`, awaited if it is a promise; a script that
    /// throws fails the test.
    pub async fn eval(&mut self, js: &str) -> Value {
        self.try_eval(js).await.unwrap_or_else(|e| panic!("{js}: {e}"))
    }

    /// [`Browser::eval`], with the exception (or the protocol's error, while a page loads) as
    /// an `Err`.
    pub async fn try_eval(&mut self, js: &str) -> Result<Value, String> {
        let params = json!({"expression": js, "awaitPromise": true, "returnByValue": true});
        let answer = self.try_call(Some(self.session.clone()), "Runtime.evaluate", params).await?;
        if let Some(exception) = answer.get("exceptionDetails") {
            let description = exception["exception"]["description"].as_str().or(exception["text"].as_str());
            return Err(description.unwrap_or("an exception").to_owned());
        }
        Ok(answer["result"].get("value").cloned().unwrap_or(Value::Null))
    }

    /// Waits until `selector` finds an element: a page that has fired its load event may still
    /// be the one being replaced when the same address is opened again.
    async fn wait_for_element(&mut self, selector: &str) {
        self.wait_for(&format!("document.querySelector({}) !== null", js_string(selector)), LOAD).await;
    }

    /// Types `value` into the field `selector` finds, replacing what it held, as a user would
    /// (focus, then text input, so the page's input events fire).
    pub async fn fill(&mut self, selector: &str, value: &str) {
        self.wait_for_element(selector).await;
        let focus = format!(
            "(() => {{ const e = document.querySelector({s}); if (!e) return false; e.focus(); \
             if (typeof e.select === 'function') e.select(); e.value = ''; return true; }})()",
            s = js_string(selector)
        );
        assert_eq!(self.eval(&focus).await, Value::Bool(true), "no field {selector} to fill");
        if !value.is_empty() {
            self.call("Input.insertText", json!({"text": value})).await;
        }
    }

    /// Clicks the middle of the element `selector` finds with the mouse, scrolled into view
    /// first: what the page does then (a form submitted, a link followed) is up to it, so wait
    /// for its effect with [`Browser::wait_for`].
    pub async fn click(&mut self, selector: &str) {
        self.wait_for_element(selector).await;
        let locate = format!(
            "(() => {{ const e = document.querySelector({s}); if (!e) return null; \
             e.scrollIntoView({{block: 'center', inline: 'center'}}); const r = e.getBoundingClientRect(); \
             return {{x: r.left + r.width / 2, y: r.top + r.height / 2}}; }})()",
            s = js_string(selector)
        );
        let at = self.eval(&locate).await;
        let (Some(x), Some(y)) = (at["x"].as_f64(), at["y"].as_f64()) else {
            panic!("no element {selector} to click");
        };
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            let event = json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1});
            self.call("Input.dispatchMouseEvent", event).await;
        }
    }

    /// The text of the element `selector` finds, `None` when there is none.
    pub async fn text(&mut self, selector: &str) -> Option<String> {
        let js = format!("document.querySelector({})?.textContent ?? null", js_string(selector));
        self.eval(&js).await.as_str().map(str::to_owned)
    }

    /// Evaluates `js_condition` every 50 ms until it is `true`; fails the test with its last
    /// value (or error) after `timeout`. Errors while a page is replaced count as not yet.
    pub async fn wait_for(&mut self, js_condition: &str, timeout: Duration) {
        let started = Instant::now();
        loop {
            let last = self.try_eval(js_condition).await;
            if last == Ok(Value::Bool(true)) {
                return;
            }
            if started.elapsed() > timeout {
                let page =
                    self.try_eval("location.href + '\\n' + (document.body?.innerText ?? '').slice(0, 2000)").await;
                let page = page.ok().and_then(|p| p.as_str().map(str::to_owned)).unwrap_or_default();
                panic!("{js_condition} did not hold within {timeout:?} (last: {last:?}); the page:\n{page}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Sends a command to the page and returns its result.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = Some(self.session.clone());
        self.command(session, method, params).await
    }

    async fn command(&mut self, session: Option<String>, method: &str, params: Value) -> Value {
        self.try_call(session, method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Sends one command (to the browser, or to a page's session) and reads until its answer,
    /// keeping the events that come first.
    async fn try_call(&mut self, session: Option<String>, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = Value::String(session);
        }
        self.socket.send(Message::Text(message.to_string().into())).await.map_err(|e| format!("send: {e}"))?;
        let deadline = Instant::now() + ANSWER;
        loop {
            let message = self.receive(deadline).await.ok_or_else(|| format!("no answer within {ANSWER:?}"))?;
            if message["id"].as_u64() == Some(id) {
                return match message.get("error") {
                    Some(error) => Err(error["message"].as_str().unwrap_or("an error").to_owned()),
                    None => Ok(message["result"].clone()),
                };
            }
            self.keep(message);
        }
    }

    /// Waits for the page's event `method`, seen already or still to come.
    async fn wait_event(&mut self, method: &str, timeout: Duration) {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            self.events.drain(..=at);
            return;
        }
        let deadline = Instant::now() + timeout;
        while let Some(message) = self.receive(deadline).await {
            if message["method"] == method && message["sessionId"].as_str() == Some(&self.session) {
                return;
            }
            self.keep(message);
        }
        panic!("no {method} within {timeout:?}");
    }

    fn keep(&mut self, message: Value) {
        if message.get("method").is_some() && message["sessionId"].as_str() == Some(&self.session) {
            if self.events.len() == MAX_EVENTS {
                self.events.pop_front();
            }
            self.events.push_back(message);
        }
    }

    /// The next protocol message, `None` at `deadline`.
    async fn receive(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = tokio::time::timeout(left, self.socket.next()).await.ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(text.as_str()).expect("DevTools sends JSON"));
                }
                Some(Ok(Message::Close(_))) | None => panic!("the browser closed its DevTools connection"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("DevTools connection: {e}"),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `text` as a JavaScript string literal.
fn js_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}
