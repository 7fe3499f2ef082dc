//! Bank connections in the window: folio-app's connection engine, with the two things only a
//! window can do. A bank's connect or consent page opens in a Folio window of its own, which
//! loads the bank's remote page and has no IPC at all (capabilities grant commands to the main
//! window only); the redirect back, carrying the code, is caught by navigation handling and
//! never loaded. Every sync's progress goes to the UI as `BankSyncChanged` events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use folio_app::{AppError, Approval, ConsentPort, ErrorCode, SyncListener, SyncProgress};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, WebviewUrl, WebviewWindowBuilder};
use tauri_specta::Event;

/// Where the connect and consent pages send the person back. Never loaded: navigation to it is
/// caught.
const REDIRECT_URI: &str = "https://folio.invalid/connected";

/// How long the person has to finish the bank's page.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// How a sync is going, for the connection's row in the window.
#[derive(Clone, Debug, Serialize, Type, Event)]
pub struct BankSyncChanged(pub SyncProgress);

/// The engine's sync progress, forwarded to the window.
pub struct SyncToWindow<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> SyncListener for SyncToWindow<R> {
    fn sync_changed(&self, progress: &SyncProgress) {
        let _ = BankSyncChanged(progress.clone()).emit(&self.0);
    }
}

/// The bank's page in a window of its own.
pub struct ConnectWindow<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> ConsentPort for ConnectWindow<R> {
    fn redirect_uri(&self) -> String {
        REDIRECT_URI.to_string()
    }

    fn approve<'a>(&'a self, page: url::Url, title: &'a str) -> Approval<'a> {
        Box::pin(run_connect_window(&self.0, page, title))
    }
}

/// Opens a bank's page in its own window and waits for the redirect back (or the window closed:
/// cancelled). Returns the URL the bank redirected to.
async fn run_connect_window<R: Runtime>(
    app: &AppHandle<R>,
    page: url::Url,
    title: &str,
) -> Result<String, AppError> {
    let label = format!("connect-{}", uuid::Uuid::new_v4().simple());
    let (tx, rx) = tokio::sync::oneshot::channel::<Option<String>>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let nav_tx = Arc::clone(&tx);
    let window = WebviewWindowBuilder::new(app, &label, WebviewUrl::External(page))
        .title(title)
        .inner_size(720.0, 760.0)
        .on_navigation(move |url| {
            if url.as_str().starts_with(REDIRECT_URI) {
                if let Some(tx) = nav_tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    let _ = tx.send(Some(url.to_string()));
                }
                return false;
            }
            true
        })
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("the connect window: {e}")))?;
    let closed_tx = Arc::clone(&tx);
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Destroyed) {
            if let Some(tx) = closed_tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = tx.send(None);
            }
        }
    });
    let outcome = tokio::time::timeout(CONNECT_TIMEOUT, rx).await;
    let _ = window.close();
    match outcome {
        Ok(Ok(Some(url))) => Ok(url),
        Ok(Ok(None)) | Ok(Err(_)) => Err(AppError::new(
            ErrorCode::Bank("BANK_ACTION_NEEDED"),
            "the bank's window was closed before it sent you back; nothing was connected",
        )),
        Err(_) => Err(AppError::new(
            ErrorCode::Bank("BANK_ACTION_NEEDED"),
            "the bank's page was not finished within 15 minutes; nothing was connected",
        )),
    }
}
