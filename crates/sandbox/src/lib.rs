//! Offline stand-ins for the banks' APIs and the cloud converters' (Balanzio, FinBox): each
//! provider module implements its documented contract (paths, headers, parameters, paging, error
//! shapes and codes) over seeded, deterministic data, including the connect and consent pages that
//! redirect back. Servers bind 127.0.0.1 on a free port; tests and `folio sandbox` start them.
//!
//! [`Faults`] are knobs a test turns while a server runs: the next N answers are 429, 500,
//! slow, or malformed JSON. Provider modules add their own (expired token, wrong password).

pub mod abnamro;
pub mod balanzio;
pub mod belfius;
pub mod budgea;
pub mod finbox;
pub mod pages;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Faults every provider's server can be told to produce, counted down per request.
#[derive(Debug, Default)]
pub struct Faults {
    rate_limited: AtomicU32,
    /// Seconds a 429 asks to wait (`Retry-After`).
    retry_after_secs: AtomicU64,
    server_errors: AtomicU32,
    slow: AtomicU32,
    slow_ms: AtomicU64,
    malformed: AtomicU32,
    /// Requests let through untouched before the faults above apply (to hit a later page).
    pass: AtomicU32,
    /// Requests served (API calls past the faults), for tests to check retries.
    pub served: AtomicU32,
}

impl Faults {
    /// The next `n` requests get 429 asking to wait `retry_after_secs`.
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u64) {
        self.retry_after_secs
            .store(retry_after_secs, Ordering::SeqCst);
        self.rate_limited.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests get 500.
    pub fn fail_next(&self, n: u32) {
        self.server_errors.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests answer after `delay` (longer than a client's timeout: a timeout).
    pub fn slow_next(&self, n: u32, delay: Duration) {
        self.slow_ms.store(
            u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
        self.slow.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests get a 200 whose body is not JSON.
    pub fn malformed_next(&self, n: u32) {
        self.malformed.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests are served normally; the faults set apply after them (a fault on
    /// page 2 of a list, or in the middle of a sync).
    pub fn pass_next(&self, n: u32) {
        self.pass.store(n, Ordering::SeqCst);
    }

    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

async fn apply_faults(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    if Faults::take(&faults.pass) {
        faults.served.fetch_add(1, Ordering::SeqCst);
        return next.run(req).await;
    }
    if Faults::take(&faults.rate_limited) {
        let mut resp = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
        let secs = faults.retry_after_secs.load(Ordering::SeqCst);
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert("retry-after", v);
        }
        return resp;
    }
    if Faults::take(&faults.server_errors) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "sandbox: injected failure",
        )
            .into_response();
    }
    if Faults::take(&faults.slow) {
        tokio::time::sleep(Duration::from_millis(faults.slow_ms.load(Ordering::SeqCst))).await;
    }
    if Faults::take(&faults.malformed) {
        return Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(Body::from("{\"truncated\": [1, 2,"))
            .unwrap_or_else(|_| StatusCode::OK.into_response());
    }
    faults.served.fetch_add(1, Ordering::SeqCst);
    next.run(req).await
}

/// A server running on loopback until dropped.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub faults: Arc<Faults>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `router` (with the fault layer in front) on 127.0.0.1:`port` (0: any free port).
pub async fn serve(router: Router, port: u16) -> std::io::Result<Running> {
    let faults = Arc::new(Faults::default());
    let app = router.layer(axum::middleware::from_fn_with_state(
        Arc::clone(&faults),
        apply_faults,
    ));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        base_url: format!("http://{addr}"),
        faults,
        shutdown: Some(tx),
    })
}
