//! The demo exporter: `GET /metrics` in the Prometheus text format.
//!
//! The binary `demo-exporter` wraps [`Exporter`] with a pid file and a clean
//! exit on `SIGTERM`; the server itself lives here so that it can be tested
//! without a process.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use tiny_http::{Header, Method, Response, Server};

/// The exporter's version, as its release is named.
pub const VERSION: &str = "1.0.0";

/// The content type of the Prometheus text exposition format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// An HTTP server answering `GET /metrics` on a loopback address.
///
/// Every other path gets 404 and every other method 405. The server runs on
/// its own thread until [`Exporter::shutdown`] or drop.
///
/// ```
/// use examples::exporter::Exporter;
///
/// let exporter = Exporter::bind("127.0.0.1:0".parse()?)?;
/// assert!(exporter.addr().ip().is_loopback());
/// exporter.shutdown();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Exporter {
    addr: SocketAddr,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl Exporter {
    /// Listens on `addr`, which must be a loopback address (port 0 picks a
    /// free port), and starts serving.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an address off the loopback, or the error of
    /// binding the socket.
    pub fn bind(addr: SocketAddr) -> io::Result<Exporter> {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the demo exporter listens on loopback only, not on {addr}"),
            ));
        }
        let server = Server::http(addr).map_err(io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("the exporter is not listening on an IP address"))?;
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let thread = std::thread::spawn(move || serve(&serving, started));
        Ok(Exporter {
            addr,
            server,
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting requests and waits for the serving thread to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(server: &Server, started: u64) {
    let scrapes = AtomicU64::new(0);
    for request in server.incoming_requests() {
        let response = match (request.method(), request.url()) {
            (Method::Get, "/metrics") => {
                let count = scrapes.fetch_add(1, Ordering::Relaxed) + 1;
                let mut response = Response::from_string(metrics(count, started));
                if let Ok(header) = Header::from_bytes("Content-Type", METRICS_CONTENT_TYPE) {
                    response.add_header(header);
                }
                response
            }
            (_, "/metrics") => Response::from_string("only GET\n").with_status_code(405),
            _ => Response::from_string("try /metrics\n").with_status_code(404),
        };
        // A client that hung up needs no answer.
        let _ = request.respond(response);
    }
}

/// The metrics page after `scrapes` scrapes (this one included), for an
/// exporter started at `started` seconds since the Unix epoch.
///
/// ```
/// let page = examples::exporter::metrics(3, 1_700_000_000);
/// assert!(page.contains("demo_exporter_scrapes_total 3\n"));
/// ```
pub fn metrics(scrapes: u64, started: u64) -> String {
    format!(
        "# HELP demo_exporter_build_info The exporter's version.\n\
         # TYPE demo_exporter_build_info gauge\n\
         demo_exporter_build_info{{version=\"{VERSION}\"}} 1\n\
         # HELP demo_exporter_scrapes_total Scrapes of /metrics served.\n\
         # TYPE demo_exporter_scrapes_total counter\n\
         demo_exporter_scrapes_total {scrapes}\n\
         # HELP demo_exporter_start_time_seconds When the exporter started, in Unix time.\n\
         # TYPE demo_exporter_start_time_seconds gauge\n\
         demo_exporter_start_time_seconds {started}\n\
         # HELP demo_exporter_up Whether the exporter is up.\n\
         # TYPE demo_exporter_up gauge\n\
         demo_exporter_up 1\n"
    )
}
