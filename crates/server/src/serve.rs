//! Serving the router on a listener, HTTP/1.1 and HTTP/2, plain or over TLS, with the limits
//! that keep one client from holding the server: a deadline for each request's head (which is
//! also how long an idle keep-alive connection stays open), a deadline for a connection that
//! moves no bytes at all, a deadline for the TLS handshake, and a cap on the connections one
//! client address may hold. Over TLS every answer says `Strict-Transport-Security`.

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
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpListener,
    time::{Instant, Sleep},
};
use tower::ServiceExt;
use tower_http::set_header::SetResponseHeaderLayer;

/// How long a client may take, and how many connections it may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From a connection's first byte, or the end of its last answer, to the end of the next
    /// request's head (HTTP/1.1); an idle keep-alive connection closes after it too.
    pub header_read: Duration,
    /// A connection that moves no byte either way for this long is closed (an HTTP/2
    /// connection with no request, a request body that stopped coming). The change feed
    /// sends a keep-alive every 5 seconds, so a live feed never idles.
    pub idle: Duration,
    /// A TLS handshake must finish within this.
    pub tls_handshake: Duration,
    /// Connections open at once from one client address; 0 for no cap (behind a load
    /// balancer, every connection comes from the balancer).
    pub connections_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            tls_handshake: Duration::from_secs(10),
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

/// Serves `app` on `listener` until `shutdown` completes, telling handlers each client's
/// address (`ConnectInfo<SocketAddr>`); then lets open requests finish for up to 10 seconds.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = match &options.tls {
        Some(_) => app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            hsts(options.hsts_include_subdomains),
        )),
        None => app,
    };
    let tls = options.tls.map(tokio_rustls::TlsAcceptor::from);
    let limits = options.limits;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(100);
    let builder = Arc::new(builder);
    let open = OpenConnections::default();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: wait for some to close rather
                    // than spin.
                    tracing::error!("accept error: {error}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                }
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
        let builder = builder.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _slot = slot;
            // The protocol is told from the first bytes, before hyper's own deadlines run: a
            // client that connects and says nothing is closed like one that stops midway.
            let mut first = [0; 1];
            let first_byte = tokio::time::timeout(limits.header_read, stream.peek(&mut first));
            if !matches!(first_byte.await, Ok(Ok(1..))) {
                return;
            }
            let io = IdleTimeout::new(stream, limits.idle);
            let served = match tls {
                None => {
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(io), service);
                    watcher.watch(connection.into_owned()).await
                }
                Some(tls) => {
                    let Ok(Ok(io)) =
                        tokio::time::timeout(limits.tls_handshake, tls.accept(io)).await
                    else {
                        return;
                    };
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(io), service);
                    watcher.watch(connection.into_owned()).await
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

/// A stream that fails with `TimedOut` once no byte has moved either way for a while.
struct IdleTimeout<S> {
    inner: S,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.limit);
    }

    /// Called while the stream has nothing to give: the deadline wakes the task when due.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the connection moved no bytes")
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                self.moved();
                Poll::Ready(Ok(()))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(written)) if written > 0 => {
                self.moved();
                Poll::Ready(Ok(written))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(Ok(written)) if written > 0 => {
                self.moved();
                Poll::Ready(Ok(written))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
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
    fn hsts_lasts_a_year() {
        assert_eq!(hsts(false), "max-age=31536000");
        assert_eq!(hsts(true), "max-age=31536000; includeSubDomains");
    }
}
