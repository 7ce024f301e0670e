//! A recording provider on loopback, as UIS's media links behave: files by path with their
//! content type and length, scripted failures (a status for the next N requests), redirects,
//! and a count of every request so a test can prove a host was never asked.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;

#[derive(Clone)]
enum File {
    Bytes(Bytes),
    /// `size` bytes repeating `block`, produced as they are sent (for large files); the
    /// connection breaks after `break_after` bytes when set, and each block waits `pause`.
    Generated {
        block: Bytes,
        size: u64,
        break_after: Option<u64>,
        pause: std::time::Duration,
    },
}

#[derive(Default)]
struct ProviderState {
    files: HashMap<String, (String, File)>,
    failures: HashMap<String, VecDeque<u16>>,
    redirects: HashMap<String, String>,
    hits: HashMap<String, u32>,
    /// Every answer waits this long, so concurrent requests overlap and can be counted.
    delay: std::time::Duration,
    in_flight: usize,
    max_in_flight: usize,
}

/// A running provider; it stops when the test's runtime does.
pub struct Provider {
    addr: SocketAddr,
    state: Arc<Mutex<ProviderState>>,
}

impl Provider {
    /// Serves on `ip` (a loopback address) and an ephemeral port.
    pub async fn start(ip: IpAddr) -> Self {
        let state = Arc::new(Mutex::new(ProviderState::default()));
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0)).await.expect("provider binds");
        let addr = listener.local_addr().expect("address");
        let router = axum::Router::new().fallback(handle).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ProviderState> {
        self.state.lock().expect("provider state")
    }

    /// `http://<ip>:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn add_file(&self, path: &str, content_type: &str, bytes: impl Into<Bytes>) {
        self.state().files.insert(path.into(), (content_type.into(), File::Bytes(bytes.into())));
    }

    /// A file of `size` bytes made of `block` repeated, never held in memory whole.
    pub fn add_generated(&self, path: &str, content_type: &str, block: Bytes, size: u64) {
        self.state().files.insert(
            path.into(),
            (content_type.into(), File::Generated { block, size, break_after: None, pause: Default::default() }),
        );
    }

    /// Like [`Provider::add_generated`], but the connection breaks after `break_after` bytes.
    pub fn add_broken(&self, path: &str, content_type: &str, block: Bytes, size: u64, break_after: u64) {
        let file = File::Generated { block, size, break_after: Some(break_after), pause: Default::default() };
        self.state().files.insert(path.into(), (content_type.into(), file));
    }

    /// Like [`Provider::add_generated`], but each block is sent `pause` after the one before:
    /// a download that is still under way when the test acts.
    pub fn add_slow(&self, path: &str, content_type: &str, block: Bytes, size: u64, pause: std::time::Duration) {
        let file = File::Generated { block, size, break_after: None, pause };
        self.state().files.insert(path.into(), (content_type.into(), file));
    }

    /// The next `times` requests for `path` answer `status`.
    pub fn fail_next(&self, path: &str, status: u16, times: usize) {
        self.state().failures.entry(path.into()).or_default().extend(std::iter::repeat_n(status, times));
    }

    /// `path` answers 302 to `location`.
    pub fn redirect(&self, path: &str, location: &str) {
        self.state().redirects.insert(path.into(), location.into());
    }

    /// `path` no longer redirects.
    pub fn unredirect(&self, path: &str) {
        self.state().redirects.remove(path);
    }

    /// Requests made for `path`.
    pub fn hits(&self, path: &str) -> u32 {
        self.state().hits.get(path).copied().unwrap_or(0)
    }

    /// Requests made for any path.
    pub fn total_hits(&self) -> u32 {
        self.state().hits.values().sum()
    }

    /// Makes every answer wait `delay` first.
    pub fn set_delay(&self, delay: std::time::Duration) {
        self.state().delay = delay;
    }

    /// The most requests it was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.state().max_in_flight
    }
}

/// Counts a request in flight until dropped.
struct InFlight(Arc<Mutex<ProviderState>>);

impl InFlight {
    fn start(state: &Arc<Mutex<ProviderState>>) -> (Self, std::time::Duration) {
        let mut locked = state.lock().expect("provider state");
        locked.in_flight += 1;
        locked.max_in_flight = locked.max_in_flight.max(locked.in_flight);
        let delay = locked.delay;
        drop(locked);
        (Self(state.clone()), delay)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.lock() {
            state.in_flight -= 1;
        }
    }
}

async fn handle(State(shared): State<Arc<Mutex<ProviderState>>>, request: Request<Body>) -> Response {
    let (in_flight, delay) = InFlight::start(&shared);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let response = answer(&shared, &request);
    drop(in_flight);
    response
}

fn answer(state: &Arc<Mutex<ProviderState>>, request: &Request<Body>) -> Response {
    let path = request.uri().path().to_owned();
    let mut state = state.lock().expect("provider state");
    *state.hits.entry(path.clone()).or_default() += 1;
    if let Some(status) = state.failures.get_mut(&path).and_then(VecDeque::pop_front) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, "scripted failure").into_response();
    }
    if let Some(location) = state.redirects.get(&path) {
        return (StatusCode::FOUND, [(header::LOCATION, location.clone())]).into_response();
    }
    let Some((content_type, file)) = state.files.get(&path).cloned() else {
        return (StatusCode::NOT_FOUND, "no such recording").into_response();
    };
    drop(state);
    let (length, body) = match file {
        File::Bytes(bytes) => (bytes.len() as u64, Body::from(bytes)),
        File::Generated { block, size, break_after, pause } => {
            let chunks = futures::stream::iter(0..size.div_ceil(block.len() as u64)).then(move |i| {
                let block = block.clone();
                async move {
                    if !pause.is_zero() && i > 0 {
                        tokio::time::sleep(pause).await;
                    }
                    let start = i * block.len() as u64;
                    if break_after.is_some_and(|limit| start >= limit) {
                        return Err(std::io::Error::other("connection broken"));
                    }
                    let take = (size - start).min(block.len() as u64) as usize;
                    Ok::<Bytes, std::io::Error>(block.slice(..take))
                }
            });
            (size, Body::from_stream(chunks))
        }
    };
    let mut response = Response::new(body);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).expect("type"));
    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}
