//! The two servers the cold-start measurement talks to: a Lambda Runtime API that hands a
//! function its events and times what it does with them, and an SSM-compatible `GetParameter`
//! that serves the configuration document the way a deployed function reads it.
//!
//! Both speak plain HTTP/1.1 over loopback, one thread per connection, as much of the protocol
//! as the Lambda runtime client and the AWS SDK use.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One HTTP request as read off a connection.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads one request; `None` once the peer closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut request = Request { method, path, headers, body: Vec::new() };
    let length = request.header("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    request.body.resize(length, 0);
    reader.read_exact(&mut request.body)?;
    Ok(Some(request))
}

fn write_response(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn bind() -> Result<(TcpListener, u16), String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("bind a loopback port: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    Ok((listener, port))
}

/// Serves every connection `listener` accepts on its own thread with `handle`.
fn serve(
    listener: TcpListener,
    handle: impl Fn(&Request, &mut TcpStream) -> std::io::Result<()> + Send + Sync + 'static,
) {
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let handle = handle.clone();
            std::thread::spawn(move || {
                let Ok(reading) = stream.try_clone() else { return };
                let mut reader = BufReader::new(reading);
                let mut stream = stream;
                while let Ok(Some(request)) = read_request(&mut reader) {
                    if handle(&request, &mut stream).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

/// What the Runtime API saw of one cold start.
#[derive(Debug, Clone)]
pub struct ColdStart {
    /// Spawn to the first `GET /runtime/invocation/next`.
    pub init: Duration,
    /// Event handed out to its response, for each event, in order.
    pub invocations: Vec<Duration>,
    /// The `statusCode` of each HTTP response (`None` for other functions).
    pub statuses: Vec<Option<u64>>,
}

enum Seen {
    Next(Instant),
    Response(Instant, Vec<u8>),
    Error(String),
}

/// A Lambda Runtime API on loopback that hands out `events` one after the other.
pub struct RuntimeApi {
    pub port: u16,
    seen: Receiver<Seen>,
}

impl RuntimeApi {
    pub fn start(events: Vec<String>) -> Result<Self, String> {
        let (listener, port) = bind()?;
        let (tx, seen) = mpsc::channel();
        let tx = Mutex::new(tx);
        let next = Mutex::new(events.into_iter().enumerate());
        serve(listener, move |request, stream| {
            let send = |seen: Seen| tx.lock().ok().map(|tx: std::sync::MutexGuard<'_, Sender<Seen>>| tx.send(seen));
            let path = request.path.as_str();
            if request.method == "GET" && path.ends_with("/runtime/invocation/next") {
                send(Seen::Next(Instant::now()));
                let event = next.lock().ok().and_then(|mut events| events.next());
                let Some((n, event)) = event else {
                    // No event left: hold the function here until the measurement ends it.
                    std::thread::sleep(Duration::from_secs(3600));
                    return Ok(());
                };
                let deadline =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
                        + 30_000;
                write_response(
                    stream,
                    "200 OK",
                    &[
                        ("content-type", "application/json".into()),
                        ("lambda-runtime-aws-request-id", format!("bench-{n}")),
                        ("lambda-runtime-deadline-ms", deadline.to_string()),
                        (
                            "lambda-runtime-invoked-function-arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:bench".into(),
                        ),
                        ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".into()),
                    ],
                    event.as_bytes(),
                )
            } else if request.method == "POST" && path.ends_with("/response") {
                send(Seen::Response(Instant::now(), request.body.clone()));
                write_response(stream, "202 Accepted", &[], b"{}")
            } else if request.method == "POST" && path.ends_with("/error") {
                send(Seen::Error(String::from_utf8_lossy(&request.body).into_owned()));
                write_response(stream, "202 Accepted", &[], b"{}")
            } else {
                write_response(stream, "404 Not Found", &[], b"{}")
            }
        });
        Ok(Self { port, seen })
    }

    /// Follows a function spawned at `spawned` through `count` invocations.
    pub fn follow(&self, spawned: Instant, count: usize, timeout: Duration) -> Result<ColdStart, String> {
        let deadline = spawned + timeout;
        let wait = || {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.seen.recv_timeout(left) {
                Ok(seen) => Ok(seen),
                Err(RecvTimeoutError::Timeout) => Err(format!("no word from the function within {timeout:?}")),
                Err(RecvTimeoutError::Disconnected) => Err("the Runtime API stopped".to_string()),
            }
        };
        let Seen::Next(first) = wait()? else { return Err("the function failed before asking for an event".into()) };
        let mut result = ColdStart { init: first - spawned, invocations: Vec::new(), statuses: Vec::new() };
        let mut handed = first;
        for _ in 0..count {
            match wait()? {
                Seen::Response(at, body) => {
                    result.invocations.push(at - handed);
                    let status = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|response| response["statusCode"].as_u64());
                    result.statuses.push(status);
                }
                Seen::Error(body) => return Err(format!("the function reported an error: {body}")),
                Seen::Next(_) => return Err("the function asked for an event before answering".into()),
            }
            match wait()? {
                Seen::Next(at) => handed = at,
                Seen::Error(body) => return Err(format!("the function reported an error: {body}")),
                Seen::Response(..) => return Err("a response without an event".into()),
            }
        }
        Ok(result)
    }
}

/// An SSM endpoint that answers `GetParameter` with one document and counts its requests.
pub struct Ssm {
    pub port: u16,
    requests: Arc<Mutex<usize>>,
}

impl Ssm {
    pub fn start(name: &str, document: String) -> Result<Self, String> {
        let (listener, port) = bind()?;
        let requests = Arc::new(Mutex::new(0));
        let counted = requests.clone();
        let name = name.to_owned();
        serve(listener, move |request, stream| {
            if let Ok(mut n) = counted.lock() {
                *n += 1;
            }
            let asked = String::from_utf8_lossy(&request.body);
            if request.header("x-amz-target") != Some("AmazonSSM.GetParameter") || !asked.contains(&name) {
                let body = br#"{"__type":"ParameterNotFound","message":"no such parameter"}"#;
                return write_response(
                    stream,
                    "400 Bad Request",
                    &[("content-type", "application/x-amz-json-1.1".into())],
                    body,
                );
            }
            let body = serde_json::json!({
                "Parameter": {"Name": name, "Type": "SecureString", "Value": document, "Version": 1, "DataType": "text"}
            })
            .to_string();
            write_response(stream, "200 OK", &[("content-type", "application/x-amz-json-1.1".into())], body.as_bytes())
        });
        Ok(Self { port, requests })
    }

    /// Requests served since the last call.
    pub fn take_requests(&self) -> usize {
        self.requests.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or(0)
    }
}
