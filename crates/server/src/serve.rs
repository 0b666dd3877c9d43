//! Serving the router on a listener, HTTP/1.1 and HTTP/2, plain or over TLS, with the limits
//! that keep one client from holding the server: a deadline for the first bytes (which tell
//! HTTP/2's preface from HTTP/1.1), one for each request head (which is also how long an idle
//! keep-alive connection stays open), one for the TLS handshake, HTTP/2 pings that close a
//! connection whose peer is gone, and a cap on the connections one client address may hold.
//! Over TLS every answer says `Strict-Transport-Security`.

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::IpAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    extract::ConnectInfo,
    http::{HeaderValue, Request, header},
};
use hyper::{
    body::Incoming,
    server::conn::{http1, http2},
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf},
    net::TcpListener,
};
use tower::ServiceExt;
use tower_http::set_header::SetResponseHeaderLayer;

/// How long a client may take, and how many connections it may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// For a connection's first bytes, from the start of each request (or the end of the last
    /// answer) to the end of its head (HTTP/1.1), and between two parts of a request body; an
    /// idle keep-alive connection closes after it too.
    pub header_read: Duration,
    /// A TLS handshake must finish within this.
    pub tls_handshake: Duration,
    /// An HTTP/2 connection is pinged this often, and closed when a ping goes unanswered as
    /// long: its peer is gone.
    pub http2_ping: Duration,
    /// Connections open at once from one client address (an IPv6 client's /64, which one
    /// machine usually holds whole); 0 for no cap (behind a load balancer, every connection
    /// comes from the balancer).
    pub connections_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            tls_handshake: Duration::from_secs(10),
            http2_ping: Duration::from_secs(30),
            connections_per_client: 256,
        }
    }
}

/// How a server serves its listener.
#[derive(Clone, Default)]
pub struct Options {
    /// HTTPS with this configuration (`tls::config`); plain HTTP without.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Over TLS, `Strict-Transport-Security` also covers subdomains.
    pub hsts_include_subdomains: bool,
    pub limits: Limits,
}

/// A year: what HSTS preload lists ask for.
const HSTS_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// What an HTTP/2 client sends first (RFC 9113, 3.4).
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves `app` on `listener` until `shutdown` completes, telling handlers each client's
/// address (`ConnectInfo<SocketAddr>`); then lets open requests finish for up to 10 seconds.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = options.limits;
    // A body that stops coming holds its connection like a head that does.
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.header_read,
    ));
    let app = match &options.tls {
        Some(_) => app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            hsts(options.hsts_include_subdomains),
        )),
        None => app,
    };
    let tls = options.tls.map(tokio_rustls::TlsAcceptor::from);
    let protocols = Arc::new(Protocols::new(limits));
    let open = OpenConnections::default();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors: wait for some to close rather than spin.
                Err(error) if out_of_files(&error) => {
                    tracing::error!("accept error: {error}");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(250)) => continue,
                        () = &mut shutdown => break,
                    }
                }
                // One connection's trouble (reset before it was accepted, and the like).
                Err(_) => continue,
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = open.take(peer.ip(), limits.connections_per_client) else {
            tracing::debug!(client = %peer.ip(), "refused a connection over the client's cap");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let service = TowerToHyperService::new(app);
        let protocols = protocols.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _slot = slot;
            let served = match tls {
                None => {
                    let mut stream = stream;
                    let first = first_bytes(&mut stream);
                    let Ok(Ok(first)) = tokio::time::timeout(limits.header_read, first).await
                    else {
                        return;
                    };
                    let http2 = first == HTTP2_PREFACE;
                    protocols
                        .serve(Prefixed::new(first, stream), http2, service, watcher)
                        .await
                }
                Some(tls) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(limits.tls_handshake, tls.accept(stream)).await
                    else {
                        return;
                    };
                    let http2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    protocols
                        .serve(Prefixed::new(Vec::new(), stream), http2, service, watcher)
                        .await
                }
            };
            if let Err(error) = served {
                tracing::debug!(client = %peer.ip(), "connection ended: {error}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open 10 s after shutdown began were cut off");
    }
    Ok(())
}

fn out_of_files(error: &io::Error) -> bool {
    // EMFILE and ENFILE.
    matches!(error.raw_os_error(), Some(23 | 24))
}

/// The connection builders of both protocols, configured once.
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    fn new(limits: Limits) -> Self {
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .keep_alive_interval(limits.http2_ping)
            .keep_alive_timeout(limits.http2_ping)
            .max_concurrent_streams(100);
        Self { http1, http2 }
    }

    async fn serve<S, Svc>(
        &self,
        io: S,
        http2: bool,
        service: Svc,
        watcher: hyper_util::server::graceful::Watcher,
    ) -> Result<(), hyper::Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        Svc: hyper::service::Service<Request<Incoming>, Response = axum::response::Response>
            + Clone
            + Send
            + 'static,
        Svc::Future: Send + 'static,
        Svc::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let io = TokioIo::new(io);
        if http2 {
            watcher
                .watch(self.http2.serve_connection(io, service))
                .await
        } else {
            watcher
                .watch(self.http1.serve_connection(io, service))
                .await
        }
    }
}

/// Reads a connection's first bytes until they tell the protocol: all of HTTP/2's preface, or
/// anything that departs from it (HTTP/1.1).
async fn first_bytes<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut seen = Vec::with_capacity(HTTP2_PREFACE.len());
    let mut buffer = [0; HTTP2_PREFACE.len()];
    while seen.len() < HTTP2_PREFACE.len() && HTTP2_PREFACE.starts_with(&seen) {
        let read = stream
            .read(&mut buffer[..HTTP2_PREFACE.len() - seen.len()])
            .await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        seen.extend_from_slice(&buffer[..read]);
    }
    Ok(seen)
}

fn hsts(include_subdomains: bool) -> HeaderValue {
    let subdomains = if include_subdomains {
        "; includeSubDomains"
    } else {
        ""
    };
    HeaderValue::from_str(&format!("max-age={HSTS_MAX_AGE_SECS}{subdomains}")).expect("plain ASCII")
}

/// Raises this process's soft limit on open files to its hard limit, so that the connection
/// cap, not the descriptor table, is what a crowd of clients meets first. Answers the limit
/// now in force.
pub fn raise_open_files_limit() -> io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// Connections open per client address.
#[derive(Clone, Default)]
struct OpenConnections(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl OpenConnections {
    /// A slot for one more connection from `client`, unless it holds `cap` already (0: no
    /// cap). The slot is given back when dropped.
    fn take(&self, client: IpAddr, cap: usize) -> Option<Slot> {
        let client = client_key(client);
        let mut open = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(client).or_default();
        if cap != 0 && *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: self.clone(),
            client,
        })
    }
}

/// What the cap counts as one client: an IPv4 address, or an IPv6 address's /64 (a machine
/// or a home usually holds a whole /64, and could take a fresh address per connection).
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

struct Slot {
    open: OpenConnections,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .open
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// A stream whose first bytes, already read, are read again first.
struct Prefixed<S> {
    prefix: Vec<u8>,
    offset: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    fn new(prefix: Vec<u8>, inner: S) -> Self {
        Self {
            prefix,
            offset: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.offset < this.prefix.len() {
            let rest = &this.prefix[this.offset..];
            let taken = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..taken]);
            this.offset += taken;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_counts_per_address_and_gives_slots_back() {
        let open = OpenConnections::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = open.take(a, 2).unwrap();
        let _second = open.take(a, 2).unwrap();
        assert!(open.take(a, 2).is_none(), "a third from the same address");
        assert!(
            open.take(b, 2).is_some(),
            "another address has its own count"
        );
        drop(first);
        assert!(
            open.take(a, 2).is_some(),
            "a closed connection gives its slot back"
        );
        assert!(
            (0..1000).all(|_| open.take(a, 0).is_some()),
            "0 means no cap"
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let elsewhere: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(one), client_key(other));
        assert_ne!(client_key(one), client_key(elsewhere));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[tokio::test]
    async fn the_first_bytes_tell_http2_from_http1() {
        let mut http2 = HTTP2_PREFACE;
        assert_eq!(first_bytes(&mut http2).await.unwrap(), HTTP2_PREFACE);
        let mut http1 = &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..];
        let first = first_bytes(&mut http1).await.unwrap();
        assert!(first.starts_with(b"GET /") && first.len() <= HTTP2_PREFACE.len());
        let mut replayed = Prefixed::new(b"GE".to_vec(), &b"T /"[..]);
        let mut all = Vec::new();
        replayed.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"GET /");
    }

    #[test]
    fn hsts_lasts_a_year() {
        assert_eq!(hsts(false), "max-age=31536000");
        assert_eq!(hsts(true), "max-age=31536000; includeSubDomains");
    }
}
