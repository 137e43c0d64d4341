//! What every bench shares: temporary databases, percentiles, timed requests and the load generator
//! (a minimal HTTP/1.1 client on threads of its own at a lower priority).

use axum::body::Body;
use axum::http::{Request, header};
use std::time::{Duration, Instant};
use tower::ServiceExt;

pub(crate) fn temp_sqlite(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("wushe-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    (format!("sqlite://{}", dir.join("bench.db").display()), dir)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) async fn measure(
    app: &axum::Router,
    uri: &str,
    cookie: &str,
    n: usize,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::get(uri).header(header::COOKIE, cookie).body(Body::empty())?;
        let t = Instant::now();
        let res = app.clone().oneshot(req).await?;
        let status = res.status();
        let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
        times.push(t.elapsed());
        if !status.is_success() {
            return Err(format!("{uri} answered {status}").into());
        }
    }
    times.sort();
    Ok((percentile(&times, 0.5), percentile(&times, 0.95)))
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) struct Load {
    pub(crate) ok: usize,
    pub(crate) failed: usize,
    pub(crate) latencies: Vec<Duration>,
    pub(crate) elapsed: Duration,
}

/// One keep-alive HTTP/1.1 connection of the load generator. It writes a request made in
/// advance and reads the status line, the headers and a `Content-Length` body, nothing more:
/// the generator shares the machine's two cores with the server, and a full client (reqwest)
/// took a third of them, so the server's figures were the client's as much as its own.
pub(crate) struct LoadConn {
    pub(crate) stream: tokio::net::TcpStream,
    pub(crate) buf: Vec<u8>,
    /// The body of the last answer.
    pub(crate) last: Vec<u8>,
}

impl LoadConn {
    pub(crate) async fn connect(addr: &str) -> std::io::Result<LoadConn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(LoadConn { stream, buf: Vec::with_capacity(16 * 1024), last: Vec::new() })
    }

    /// Sends `request` and returns the answer's status code once its whole body has arrived.
    pub(crate) async fn send(&mut self, request: &[u8]) -> std::io::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        self.stream.write_all(request).await?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("header"))?;
                let status = head.get(9..12).and_then(|c| c.parse().ok()).ok_or_else(|| bad("status line"))?;
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| bad("no content-length"))?;
                let total = end + 4 + length;
                while self.buf.len() < total {
                    if self.stream.read_buf(&mut self.buf).await? == 0 {
                        return Err(bad("closed mid-answer"));
                    }
                }
                self.last = self.buf[end + 4..total].to_vec();
                self.buf.drain(..total);
                return Ok(status);
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(bad("closed"));
            }
        }
    }
}

/// A request's bytes: `method path` with a bearer token and, for a body, JSON.
pub(crate) fn request_bytes(method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: bench\r\n");
    if let Some(t) = token {
        r.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        r.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n\r\n{b}", b.len()));
    } else {
        r.push_str("\r\n");
    }
    r.into_bytes()
}

/// The load generator's own threads, at a lower priority than the server's (nice 10): on a
/// machine of its own the generator would take none of the server's CPU; here it shares the
/// two cores and gives way first.
pub(crate) fn generator_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("wushe-load")
        .enable_all()
        .on_thread_start(|| {
            // Linux keeps a nice value per thread; 0 names the calling thread. Raising one's
            // own nice value needs no privilege.
            #[cfg(target_os = "linux")]
            // SAFETY: setpriority takes plain integers and touches no memory of ours.
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, 10);
            }
        })
        .build()
}

/// `clients` connections send requests for `seconds`, each waiting for its answer before the
/// next; `make(client, i)` gives the i-th request's bytes and `expect` the status that counts
/// as success.
pub(crate) async fn hammer<F>(
    load_rt: &tokio::runtime::Handle,
    addr: &str,
    clients: usize,
    seconds: u64,
    expect: u16,
    make: F,
) -> Load
where
    F: Fn(usize, u64) -> Vec<u8> + Send + Sync + Clone + 'static,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (make, addr) = (make.clone(), addr.to_string());
        tasks.push(load_rt.spawn(async move {
            let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
            let mut conn = LoadConn::connect(&addr).await.ok();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let request = make(c, i);
                let t = Instant::now();
                let status = match conn.as_mut() {
                    Some(k) => k.send(&request).await.ok(),
                    None => None,
                };
                if status == Some(expect) {
                    ok += 1
                } else {
                    failed += 1;
                    if status.is_none() {
                        conn = LoadConn::connect(&addr).await.ok();
                    }
                }
                lat.push(t.elapsed());
                i += 1;
            }
            (ok, failed, lat)
        }));
    }
    let mut load = Load { ok: 0, failed: 0, latencies: Vec::new(), elapsed: Duration::ZERO };
    for t in tasks {
        if let Ok((o, f, l)) = t.await {
            load.ok += o;
            load.failed += f;
            load.latencies.extend(l);
        }
    }
    load.elapsed = start.elapsed();
    load.latencies.sort();
    load
}

pub(crate) fn report(label: &str, l: &Load, baseline: Option<f64>) -> f64 {
    let rate = l.ok as f64 / l.elapsed.as_secs_f64();
    let p50 = percentile(&l.latencies, 0.5);
    let p99 = percentile(&l.latencies, 0.99);
    let ratio = baseline.map(|b| format!(" (×{:.2} of baseline throughput)", rate / b)).unwrap_or_default();
    println!("{label}: {rate:.0}/s ok, {} failed, p50 {:.2} ms, p99 {:.2} ms{ratio}", l.failed, ms(p50), ms(p99));
    rate
}
