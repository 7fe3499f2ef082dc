//! Bank connections in the window: the connect page opens in a Folio window of its own, which
//! loads the bank's remote page and has no IPC at all (capabilities grant commands to the main
//! window only). The redirect back, carrying the code, is caught by navigation handling and never
//! loaded; the window closes and the code is exchanged for a token that goes into the keychain.
//!
//! "Sandbox bank" runs the same flow against a local Budgea-contract server started in-process
//! (its connect page asks the person to approve, like a bank's), so the whole path can be tried
//! offline. Its tokens live as long as the app: after a restart the connection asks to reconnect.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use folio_app::{AppError, ErrorCode, SyncReport};
use folio_banks::any::ConnectionSecrets;
use folio_banks::budgea::{parse_connect_redirect, Budgea};
use folio_banks::http::RetryPolicy;
use folio_secrets::Keychain;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::Session;

/// Where the connect page sends the person back. Never loaded: navigation to it is caught.
const REDIRECT_URI: &str = "https://folio.invalid/connected";

/// How long the person has to finish the bank's page.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The in-process sandbox bank, started on first use.
#[derive(Default)]
pub struct SandboxBank {
    running: tokio::sync::Mutex<Option<SandboxRunning>>,
}

struct SandboxRunning {
    server: folio_sandbox::Running,
    client_id: String,
    client_secret: String,
}

impl SandboxBank {
    /// The sandbox's base URL and Folio's client id and secret with it.
    async fn ensure(&self) -> Result<(String, String, String), AppError> {
        let mut guard = self.running.lock().await;
        if guard.is_none() {
            let config = folio_sandbox::budgea::BudgeaSandbox {
                // A person approves on its page, as with a real bank.
                auto_approve: false,
                ..Default::default()
            };
            let (client_id, client_secret) =
                (config.client_id.clone(), config.client_secret.clone());
            let server = folio_sandbox::budgea::start(config).await.map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("the sandbox bank did not start: {e}"),
                )
            })?;
            *guard = Some(SandboxRunning {
                server,
                client_id,
                client_secret,
            });
        }
        match guard.as_ref() {
            Some(s) => Ok((
                s.server.base_url.clone(),
                s.client_id.clone(),
                s.client_secret.clone(),
            )),
            None => Err(AppError::new(
                ErrorCode::Internal,
                "the sandbox bank is not running",
            )),
        }
    }
}

/// The day a connection's sync counts as today: the sandbox's data ends on a fixed day.
pub fn pinned_today(provider: &str) -> Option<chrono::NaiveDate> {
    (provider == "sandbox").then(folio_sandbox::budgea::today)
}

/// Opens the connect page in its own window and waits for the redirect back (or the window
/// closed: cancelled). Returns the URL the bank redirected to.
async fn run_connect_window<R: Runtime>(
    app: &AppHandle<R>,
    connect_url: url::Url,
) -> Result<String, AppError> {
    let label = format!("connect-{}", uuid::Uuid::new_v4().simple());
    let (tx, rx) = tokio::sync::oneshot::channel::<Option<String>>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let nav_tx = Arc::clone(&tx);
    let window = WebviewWindowBuilder::new(app, &label, WebviewUrl::External(connect_url))
        .title("Connect a bank — Folio")
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
            "the connect window was closed before the bank sent you back; nothing was connected",
        )),
        Err(_) => Err(AppError::new(
            ErrorCode::Bank("BANK_ACTION_NEEDED"),
            "the bank's page was not finished within 15 minutes; nothing was connected",
        )),
    }
}

/// Connects the sandbox bank through its connect page in a Folio window, then syncs it.
pub async fn connect_sandbox<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<(i64, SyncReport), AppError> {
    let (base_url, client_id, client_secret) = app.state::<SandboxBank>().ensure().await?;
    let client = Budgea::new(&base_url, client_id.clone(), RetryPolicy::default())?;
    let state = uuid::Uuid::new_v4().to_string();
    let url = client.connect_url(REDIRECT_URI, &state)?;
    let back = run_connect_window(app, url).await?;
    let callback = parse_connect_redirect(&back, &state)?;
    let token = client.exchange_code(&client_secret, &callback.code).await?;
    let secrets = ConnectionSecrets::Budgea {
        client_id,
        access_token: token,
    };
    let session = app.state::<Session>();
    let id = session.with_folio_mut(|f| {
        f.connect_as(
            "sandbox",
            &Keychain::os(),
            &base_url,
            "Sandbox bank",
            &secrets,
        )
    })?;
    let report = sync(app, id).await?;
    Ok((id, report))
}

/// Syncs one connection: plan (secrets from the keychain), fetch without holding the ledger,
/// then file (or record the failure).
pub async fn sync<R: Runtime>(
    app: &AppHandle<R>,
    connection_id: i64,
) -> Result<SyncReport, AppError> {
    let session = app.state::<Session>();
    let provider = session.with_folio(|f| {
        f.connections()?
            .into_iter()
            .find(|c| c.id == connection_id)
            .map(|c| c.provider)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::UnknownConnection,
                    format!("no bank connection {connection_id}"),
                )
            })
    })?;
    let pinned = pinned_today(&provider);
    let today = pinned.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let plan =
        session.with_folio(|f| f.plan_sync(&Keychain::os(), connection_id, today, pinned))?;
    let fetched = plan.fetch().await;
    let synced_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    session.with_folio_mut(|f| f.finish_sync(&plan, fetched, &synced_at))
}
