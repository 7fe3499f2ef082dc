//! `folio serve`: Balanzio's statement conversion API (../shared/seeds/
//! balanzio-statement-conversion-api.nl.txt) on 127.0.0.1, answered by Folio's own reader, so
//! scripts written against Balanzio run offline and no statement leaves the machine.
//!
//! - **Conversion only.** The contract uploads, reads and converts; nothing in it files
//!   transactions, so the ledger is never opened (as `folio convert`). The data dir is used only
//!   to name the API key's keychain item.
//! - **The API key** is Folio's: 32 random bytes, hex, kept in the OS keychain as the item
//!   `serve-api-key:<canonical data dir>` (one per data dir, so tests and several ledgers never
//!   share one). It is printed once on stdout (`API_KEY=...`) for the script to use, and nowhere
//!   else; `--new-key` replaces it, and the old one is refused from then on.
//! - **Uploaded files are kept in memory only**, never written to disk: a statement is personal
//!   data, and memory cannot leave a copy behind after a crash, a kill or a full disk. Tesseract
//!   gets its pages on stdin. The contract's "deleted after 24 h" is kept by a sweeper (the span
//!   is `FOLIO_SERVE_RETENTION_SECS`, default 86400, shorter for tests); stopping `folio serve`
//!   forgets everything at once, which only shortens the contract's 24 h. A client then gets
//!   FILE_NOT_FOUND and uploads again. The seed documents no delete endpoint; Folio adds
//!   `DELETE /bank-statement/{uuid}` so a script can forget a file at once (204, else
//!   FILE_NOT_FOUND), without changing anything the seed documents.
//! - **Limits** as documented: 3 MB a file (413 FILE_TOO_LARGE), 60 requests a minute with the
//!   key and 10 without one (429 RATE_LIMIT_EXCEEDED), `X-RateLimit-Limit`, `-Remaining` and
//!   `-Reset` (the window's end, Unix seconds) on every answer. Credits do not exist here, so
//!   403 INSUFFICIENT_CREDITS is never sent and `/user` says unlimited.
//! - **Where the seed is silent**, Folio chooses: a password-protected upload is `READY` with
//!   `pdfType` and `numberOfPages` null and `passwordSet: false` until `set-password` opens it
//!   (Folio cannot see inside before); converting it meanwhile is 422 PASSWORD_REQUIRED;
//!   converting a scan still being read is 409 FILE_PROCESSING; a file that is no statement ends
//!   `ERROR` with Folio's code (STATEMENT_UNSUPPORTED_FORMAT, ...) in `error`; a bad JSON body is
//!   400 INVALID_REQUEST.
//! - **Known limits.** PDFium reads one file at a time in a process, and a scan holds it while
//!   its pages are recognised: an upload arriving meanwhile is answered once that scan is read.
//!   The seed's "up to 5 concurrent uploads" is not counted separately (the rate limit is).

mod api;
mod files;
mod limit;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use folio_app::{AppError, DataDir, ErrorCode, Keychain};
use folio_statements::IntakeLimits;

/// The contract's 24 hours.
const DEFAULT_RETENTION_SECS: u64 = 24 * 60 * 60;

fn retention() -> Result<Duration, AppError> {
    match std::env::var("FOLIO_SERVE_RETENTION_SECS") {
        Err(_) => Ok(Duration::from_secs(DEFAULT_RETENTION_SECS)),
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("FOLIO_SERVE_RETENTION_SECS={text:?} is not a number of seconds"),
                )
            }),
    }
}

/// Runs the API until Ctrl-C. Prints `BASE_URL=` and `API_KEY=` lines on `out` once listening.
pub fn serve(
    data_dir: Option<PathBuf>,
    port: u16,
    new_key: bool,
    out: &mut impl Write,
) -> Result<(), AppError> {
    let retention = retention()?;
    let data_dir = DataDir::resolve(
        data_dir,
        std::env::var_os("FOLIO_DATA_DIR"),
        dirs::data_dir(),
    )?;
    let engine = folio_statements::pdf_engine_from_env()?;
    let key = folio_app::serve_api_key(&Keychain::os(), &data_dir, new_key)?;
    let files = Arc::new(files::Files::new(
        engine,
        IntakeLimits::default(),
        retention,
    ));
    let state = Arc::new(api::Api {
        key,
        files: Arc::clone(&files),
        authenticated: limit::Limiter::per_minute(limit::AUTHENTICATED_PER_MINUTE),
        anonymous: limit::Limiter::per_minute(limit::ANONYMOUS_PER_MINUTE),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("async runtime: {e}")))?;
    rt.block_on(async {
        let io = |e: std::io::Error| AppError::new(ErrorCode::Internal, format!("serve: {e}"));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        // The sweeper: often enough that a file is gone soon after its time (lookups already
        // treat it as gone at the exact moment).
        let every = (retention / 4).clamp(Duration::from_millis(100), Duration::from_secs(60));
        let sweeper = Arc::clone(&files);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let forgotten = sweeper.sweep();
                if forgotten > 0 {
                    eprintln!(
                        "folio serve: forgot {forgotten} file(s) uploaded more than {} s ago",
                        sweeper.retention().as_secs_f64()
                    );
                }
            }
        });
        let written = writeln!(
            out,
            "BASE_URL=http://{addr}{}\nAPI_KEY={}",
            api::BASE_PATH,
            state.key.expose()
        )
        .and_then(|()| out.flush());
        if let Err(e) = written {
            return Err(io(e));
        }
        eprintln!(
            "folio serve: Balanzio's API on http://{addr}{} (Ctrl-C stops it). Files are kept in memory and forgotten after {} s.",
            api::BASE_PATH,
            files.retention().as_secs()
        );
        axum::serve(listener, api::router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(io)
    })
}
