//! A local HTTP server for release tarballs, with faults on demand.
//!
//! It speaks just enough HTTP/1.1 for `GET`, one request per connection
//! (`Connection: close`), over a plain `std::net::TcpListener`: dropping a
//! connection before any answer is a fault that HTTP server crates rightly
//! do not offer, and it is the fault an installer meets most.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server did with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// Closed the connection without an answer.
    Dropped,
    /// Answered 503 with `Retry-After: 1`.
    Unavailable,
    /// Answered 404: no such file, or a method other than `GET`.
    NotFound,
    /// Answered 200 with the file.
    Ok,
}

/// Faults at a rate, decided by a seeded generator.
#[derive(Debug)]
struct Faults {
    rate: f64,
    rng: fastrand::Rng,
}

#[derive(Debug, Default)]
struct State {
    faults: Option<Faults>,
    log: Vec<Served>,
}

/// A server on `127.0.0.1` (a free port) serving files from memory.
///
/// ```
/// use examples::artifact_server::ArtifactServer;
///
/// let server = ArtifactServer::start([("/hello.txt", b"hi".to_vec())])?;
/// assert!(server.url("/hello.txt").starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ArtifactServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ArtifactServer {
    /// Serves `files`, keyed by URL path (`/name.tar.gz`), until dropped.
    ///
    /// # Errors
    ///
    /// The error of binding the listening socket.
    pub fn start<P: Into<String>>(
        files: impl IntoIterator<Item = (P, Vec<u8>)>,
    ) -> io::Result<ArtifactServer> {
        let files: HashMap<String, Vec<u8>> = files
            .into_iter()
            .map(|(path, bytes)| (path.into(), bytes))
            .collect();
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stopping) = (Arc::clone(&state), Arc::clone(&stopping));
            std::thread::spawn(move || accept(&listener, &files, &state, &stopping))
        };
        Ok(ArtifactServer {
            addr,
            state,
            stopping,
            thread: Some(thread),
        })
    }

    /// From now on, fails each request with probability `rate` (0.0 to
    /// 1.0): half of the faults drop the connection, half answer 503 with
    /// `Retry-After: 1`. The same `seed` gives the same faults in the same
    /// order.
    pub fn flaky(self, rate: f64, seed: u64) -> ArtifactServer {
        self.lock().faults = Some(Faults {
            rate: rate.clamp(0.0, 1.0),
            rng: fastrand::Rng::with_seed(seed),
        });
        self
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// What the server did with each request so far, in order.
    pub fn served(&self) -> Vec<Served> {
        self.lock().log.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ArtifactServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept(
    listener: &TcpListener,
    files: &HashMap<String, Vec<u8>>,
    state: &Mutex<State>,
    stopping: &AtomicBool,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(stream) = stream {
            // Limitation: connections are served one at a time, which is
            // all that an installer downloading one file needs.
            let _ = handle(stream, files, state);
        }
    }
}

fn handle(
    mut stream: TcpStream,
    files: &HashMap<String, Vec<u8>>,
    state: &Mutex<State>,
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let Some((method, path)) = read_request(&stream)? else {
        return Ok(());
    };
    let fault = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let fault = state.faults.as_mut().and_then(|faults| {
            let roll = faults.rng.f64();
            let drop = faults.rng.bool();
            (roll < faults.rate).then_some(if drop {
                Served::Dropped
            } else {
                Served::Unavailable
            })
        });
        let served = match (fault, files.get(&path)) {
            (Some(fault), _) => fault,
            (None, Some(_)) if method == "GET" => Served::Ok,
            (None, _) => Served::NotFound,
        };
        state.log.push(served);
        served
    };
    match fault {
        Served::Dropped => stream.shutdown(Shutdown::Both),
        Served::Unavailable => respond(
            &mut stream,
            "503 Service Unavailable",
            &["Retry-After: 1"],
            b"busy, try again\n",
        ),
        Served::NotFound => respond(&mut stream, "404 Not Found", &[], b"no such file\n"),
        Served::Ok => {
            let body = files.get(&path).map_or(&[][..], Vec::as_slice);
            respond(
                &mut stream,
                "200 OK",
                &["Content-Type: application/gzip"],
                body,
            )
        }
    }
}

/// Reads the request line and skips the headers: `(method, path)`, or
/// `None` when the client hung up first.
fn read_request(stream: &TcpStream) -> io::Result<Option<(String, String)>> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    Ok(Some((method, path)))
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[&str], body: &[u8]) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}
