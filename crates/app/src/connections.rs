//! Bank connections as one engine: connect (the provider's connect or consent page shown to the
//! person through a [`ConsentPort`]), reconnect, sync with progress, one sync per connection at
//! a time, and the resync schedule. The window implements the port with a webview window of its
//! own; the CLI with a headless approval (the sandboxes' auto-approve mode).
//!
//! "Sandbox bank" runs the same flows against local servers started in-process, so the whole
//! path can be tried offline: Budgea's webview connect page and Belfius' consent page ask the
//! person to approve, as a bank's would; ABN AMRO's client credentials need no page. The
//! sandboxes listen on a new port each start, so a sandbox connection is synced against the
//! running sandbox, not its recorded address. Budgea's sandbox issues fresh tokens each start:
//! after a restart that connection asks to be reconnected, like an expired real one.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use folio_banks::any::{ConnectionSecrets, FetchProgress};
use folio_banks::budgea::{parse_connect_redirect, Budgea};
use folio_banks::http::RetryPolicy;
use folio_secrets::Keychain;
use serde::{Deserialize, Serialize};

use crate::{AppError, ErrorCode, ErrorView, Folio, Session, SyncPlan, SyncReport};

/// The provider name of connections to the app's own sandbox banks.
pub const SANDBOX: &str = "sandbox";

/// What [`ConsentPort::approve`] resolves to: the address the bank sent the person back to.
pub type Approval<'a> = Pin<Box<dyn Future<Output = Result<String, AppError>> + Send + 'a>>;

/// Shows a provider's connect or consent page to the person and gives back where it redirected.
pub trait ConsentPort: Send + Sync {
    /// Where the pages send the person back (the address [`ConsentPort::approve`] waits for).
    fn redirect_uri(&self) -> String;
    /// Shows `page` (titled `title`) and resolves with the redirect back, or an error when the
    /// person did not finish (`BANK_ACTION_NEEDED`: nothing is connected).
    fn approve<'a>(&'a self, page: url::Url, title: &'a str) -> Approval<'a>;
}

/// How a sync is going, for the connection's row.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub connection_id: i64,
    /// `fetching`, `filing`, `done` or `failed`.
    pub phase: String,
    /// Account `account` of `accounts` is being fetched (0 of 0 while the list is asked for).
    pub account: u32,
    pub accounts: u32,
    pub account_name: Option<String>,
    /// Transactions fetched so far.
    pub transactions: u32,
    /// What failed, when `phase` is `failed`.
    pub error: Option<ErrorView>,
    /// Started by the schedule rather than by the person.
    pub scheduled: bool,
}

/// Hears every sync's progress.
pub trait SyncListener: Send + Sync {
    fn sync_changed(&self, progress: &SyncProgress);
}

/// No one listening (the CLI prints the report instead).
pub struct Unheard;

impl SyncListener for Unheard {
    fn sync_changed(&self, _: &SyncProgress) {}
}

/// Which sandbox bank to connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum SandboxKind {
    /// An aggregator (Budgea's API): webview connect page.
    Budgea,
    /// A PSD2 bank (Belfius' API): consent page.
    Belfius,
    /// A business account API (ABN AMRO's): client credentials, no page.
    Abnamro,
}

impl SandboxKind {
    fn label(self) -> &'static str {
        match self {
            SandboxKind::Budgea => "Sandbox bank (aggregator)",
            SandboxKind::Belfius => "Sandbox bank (PSD2)",
            SandboxKind::Abnamro => "Sandbox bank (business)",
        }
    }

    fn of(secrets: &ConnectionSecrets) -> SandboxKind {
        match secrets {
            ConnectionSecrets::Budgea { .. } => SandboxKind::Budgea,
            ConnectionSecrets::Belfius { .. } => SandboxKind::Belfius,
            ConnectionSecrets::Abnamro { .. } => SandboxKind::Abnamro,
        }
    }
}

/// Folio's registration at a provider: what its connect flow needs. From the window's form or
/// the CLI's flags (a person's own API access), or from a running sandbox. Crosses IPC once,
/// then lives in the keychain only. `Debug` hides the secrets.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum BankRegistration {
    /// Budgea (Powens) API domain, e.g. `https://example.biapi.pro/2.0/`.
    #[serde(rename_all = "camelCase")]
    Budgea {
        base_url: String,
        client_id: String,
        client_secret: String,
    },
    /// Belfius PSD2 API, e.g. `https://psd2.b2b.belfius.be:8443`.
    #[serde(rename_all = "camelCase")]
    Belfius { base_url: String, client_id: String },
    /// ABN AMRO Business Account Insight, with the IBANs to read beyond the consent's.
    #[serde(rename_all = "camelCase")]
    Abnamro {
        base_url: String,
        client_id: String,
        client_secret: String,
        api_key: String,
        accounts: Vec<String>,
    },
}

impl std::fmt::Debug for BankRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BankRegistration {{ {}, .. <redacted> }}",
            self.base_url()
        )
    }
}

impl BankRegistration {
    pub fn base_url(&self) -> &str {
        match self {
            BankRegistration::Budgea { base_url, .. }
            | BankRegistration::Belfius { base_url, .. }
            | BankRegistration::Abnamro { base_url, .. } => base_url,
        }
    }

    fn provider(&self) -> &'static str {
        match self {
            BankRegistration::Budgea { .. } => "budgea",
            BankRegistration::Belfius { .. } => "belfius",
            BankRegistration::Abnamro { .. } => "abnamro",
        }
    }

    fn default_label(&self) -> &'static str {
        match self {
            BankRegistration::Budgea { .. } => "Budgea",
            BankRegistration::Belfius { .. } => "Belfius",
            BankRegistration::Abnamro { .. } => "ABN AMRO",
        }
    }

    /// The registration a stored connection was made with, for a reconnect: the keychain keeps
    /// what the flow needs again (Budgea's client secret; Belfius needs only its client id).
    fn of(base_url: &str, secrets: &ConnectionSecrets) -> Result<BankRegistration, AppError> {
        match secrets {
            ConnectionSecrets::Budgea {
                client_id,
                client_secret: Some(client_secret),
                ..
            } => Ok(BankRegistration::Budgea {
                base_url: base_url.to_string(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            }),
            ConnectionSecrets::Belfius { client_id, .. } => Ok(BankRegistration::Belfius {
                base_url: base_url.to_string(),
                client_id: client_id.clone(),
            }),
            ConnectionSecrets::Budgea { .. } | ConnectionSecrets::Abnamro { .. } => {
                Err(AppError::new(
                    ErrorCode::Bank("BANK_RECONNECT"),
                    "this connection needs its API credentials again: remove it and connect it \
                     anew (its accounts and transactions stay and are matched again)",
                ))
            }
        }
    }
}

/// The in-process sandbox banks, each started on first use.
#[derive(Default)]
struct SandboxBanks {
    budgea: tokio::sync::Mutex<Option<(folio_sandbox::Running, String, String)>>,
    belfius: tokio::sync::Mutex<Option<(folio_sandbox::Running, String)>>,
    abnamro: tokio::sync::Mutex<Option<(folio_sandbox::Running, ConnectionSecrets)>>,
}

fn sandbox_error(e: std::io::Error) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("the sandbox bank did not start: {e}"),
    )
}

fn not_running() -> AppError {
    AppError::new(ErrorCode::Internal, "the sandbox bank is not running")
}

fn today_utc() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

impl SandboxBanks {
    /// The Budgea sandbox's base URL, client id and client secret.
    async fn budgea(&self) -> Result<(String, String, String), AppError> {
        let mut guard = self.budgea.lock().await;
        if guard.is_none() {
            let config = folio_sandbox::budgea::BudgeaSandbox {
                // A person approves on its page, as with a real bank.
                auto_approve: false,
                ..Default::default()
            };
            // One of its bank logins can start with a refused password, to try the repair
            // flow (the end-to-end test does).
            if std::env::var_os("FOLIO_SANDBOX_WRONGPASS").is_some_and(|v| v == "1") {
                config.control.set_wrongpass(true);
            }
            let (id, secret) = (config.client_id.clone(), config.client_secret.clone());
            let server = folio_sandbox::budgea::start(config)
                .await
                .map_err(sandbox_error)?;
            *guard = Some((server, id, secret));
        }
        let (server, id, secret) = guard.as_ref().ok_or_else(not_running)?;
        Ok((server.base_url.clone(), id.clone(), secret.clone()))
    }

    /// The Belfius sandbox's base URL and client id.
    async fn belfius(&self) -> Result<(String, String), AppError> {
        let mut guard = self.belfius.lock().await;
        if guard.is_none() {
            let config = folio_sandbox::belfius::BelfiusSandbox {
                auto_approve: false,
                ..folio_sandbox::belfius::BelfiusSandbox::new(today_utc())
            };
            let id = config.client_id.clone();
            let server = folio_sandbox::belfius::start(config)
                .await
                .map_err(sandbox_error)?;
            *guard = Some((server, id));
        }
        let (server, id) = guard.as_ref().ok_or_else(not_running)?;
        Ok((server.base_url.clone(), id.clone()))
    }

    /// The ABN AMRO sandbox's base URL and the client credentials it registered.
    async fn abnamro(&self) -> Result<(String, ConnectionSecrets), AppError> {
        let mut guard = self.abnamro.lock().await;
        if guard.is_none() {
            let mut config = folio_sandbox::abnamro::AbnAmroSandbox::new();
            config.today = today_utc();
            let secrets = ConnectionSecrets::Abnamro {
                client_id: config.client_id.clone(),
                client_secret: config.client_secret.clone(),
                api_key: config.api_key.clone(),
                accounts: Vec::new(),
            };
            let server = folio_sandbox::abnamro::start(config)
                .await
                .map_err(sandbox_error)?;
            *guard = Some((server, secrets));
        }
        let (server, secrets) = guard.as_ref().ok_or_else(not_running)?;
        Ok((server.base_url.clone(), secrets.clone()))
    }

    async fn base_url(&self, kind: SandboxKind) -> Result<String, AppError> {
        Ok(match kind {
            SandboxKind::Budgea => self.budgea().await?.0,
            SandboxKind::Belfius => self.belfius().await?.0,
            SandboxKind::Abnamro => self.abnamro().await?.0,
        })
    }

    /// The registration of a running sandbox bank.
    async fn registration(&self, kind: SandboxKind) -> Result<BankRegistration, AppError> {
        Ok(match kind {
            SandboxKind::Budgea => {
                let (base_url, client_id, client_secret) = self.budgea().await?;
                BankRegistration::Budgea {
                    base_url,
                    client_id,
                    client_secret,
                }
            }
            SandboxKind::Belfius => {
                let (base_url, client_id) = self.belfius().await?;
                BankRegistration::Belfius {
                    base_url,
                    client_id,
                }
            }
            SandboxKind::Abnamro => match self.abnamro().await? {
                (
                    base_url,
                    ConnectionSecrets::Abnamro {
                        client_id,
                        client_secret,
                        api_key,
                        accounts,
                    },
                ) => BankRegistration::Abnamro {
                    base_url,
                    client_id,
                    client_secret,
                    api_key,
                    accounts,
                },
                _ => return Err(not_running()),
            },
        })
    }
}

/// Connections being synced now: one sync per connection at a time.
#[derive(Default)]
struct Syncing(Mutex<HashSet<i64>>);

struct SyncSlot<'a> {
    set: &'a Syncing,
    id: i64,
}

impl Drop for SyncSlot<'_> {
    fn drop(&mut self) {
        self.set
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

impl Syncing {
    fn claim(&self, id: i64) -> Result<SyncSlot<'_>, AppError> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(id) {
            return Err(AppError::new(
                ErrorCode::Bank("BANK_SYNC_RUNNING"),
                "this connection is being synced already; its progress shows beside it",
            ));
        }
        Ok(SyncSlot { set: self, id })
    }
}

/// How to sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Started by the schedule (announced as such).
    pub scheduled: bool,
    /// Ask the provider to fetch from the bank now (a sync the person asked for in the window).
    pub refresh_at_bank: bool,
    /// Sync as if today were this day (sandboxes hold data up to a fixed day).
    pub as_of: Option<NaiveDate>,
}

impl SyncOptions {
    /// A sync the person asked for in the window (or a connect's first sync): the provider is
    /// asked to fetch from the bank now.
    pub fn asked() -> SyncOptions {
        SyncOptions {
            refresh_at_bank: true,
            ..SyncOptions::default()
        }
    }
}

struct Shared {
    session: Arc<Session>,
    consent: Arc<dyn ConsentPort>,
    listener: Arc<dyn SyncListener>,
    sandboxes: SandboxBanks,
    syncing: Syncing,
}

/// The bank connections of one ledger session. Cheap to clone: clones share the state.
#[derive(Clone)]
pub struct Connections {
    shared: Arc<Shared>,
}

fn unknown(connection_id: i64) -> AppError {
    AppError::new(
        ErrorCode::UnknownConnection,
        format!("no bank connection {connection_id}"),
    )
}

fn connection_provider(f: &Folio, connection_id: i64) -> Result<String, AppError> {
    f.connections()?
        .into_iter()
        .find(|c| c.id == connection_id)
        .map(|c| c.provider)
        .ok_or_else(|| unknown(connection_id))
}

impl Connections {
    pub fn new(
        session: Arc<Session>,
        consent: Arc<dyn ConsentPort>,
        listener: Arc<dyn SyncListener>,
    ) -> Connections {
        Connections {
            shared: Arc::new(Shared {
                session,
                consent,
                listener,
                sandboxes: SandboxBanks::default(),
                syncing: Syncing::default(),
            }),
        }
    }

    fn session(&self) -> &Session {
        &self.shared.session
    }

    /// Runs a provider's connect flow (the connect or consent page through the port for Budgea
    /// and Belfius; none for ABN AMRO's client credentials) and returns the secrets it yielded.
    pub async fn authorise(
        &self,
        registration: BankRegistration,
    ) -> Result<ConnectionSecrets, AppError> {
        let port = &self.shared.consent;
        let redirect = port.redirect_uri();
        match registration {
            BankRegistration::Budgea {
                base_url,
                client_id,
                client_secret,
            } => {
                let client = Budgea::new(&base_url, client_id.clone(), RetryPolicy::default())?;
                let state = uuid::Uuid::new_v4().to_string();
                let url = client.connect_url(&redirect, &state)?;
                let back = port.approve(url, "Connect a bank — Folio").await?;
                let callback = parse_connect_redirect(&back, &state)?;
                let token = client.exchange_code(&client_secret, &callback.code).await?;
                Ok(ConnectionSecrets::Budgea {
                    client_id,
                    access_token: token,
                    client_secret: Some(client_secret),
                })
            }
            BankRegistration::Belfius {
                base_url,
                client_id,
            } => {
                let state = folio_banks::belfius::new_consent_state();
                let url = folio_banks::belfius::consent_url(
                    &base_url, &client_id, &redirect, &state, "fr",
                )?;
                let back = port
                    .approve(url, "Give your bank's consent — Folio")
                    .await?;
                let grant = folio_banks::belfius::parse_consent_redirect(&back, &redirect, &state)?;
                let tokens = folio_banks::belfius::exchange_consent_code(
                    &base_url,
                    &client_id,
                    &redirect,
                    &grant.code,
                )
                .await?;
                Ok(ConnectionSecrets::Belfius {
                    client_id,
                    redirect_uri: redirect,
                    access_token: tokens.access_token,
                    // Valid an hour from now: the sync right after consent reaches a year back.
                    sca_valid_until: tokens
                        .sca_token
                        .as_ref()
                        .map(|_| folio_banks::any::now_unix() + 3600),
                    sca_token: tokens.sca_token,
                })
            }
            BankRegistration::Abnamro {
                client_id,
                client_secret,
                api_key,
                accounts,
                ..
            } => Ok(ConnectionSecrets::Abnamro {
                client_id,
                client_secret,
                api_key,
                accounts,
            }),
        }
    }

    /// Records a connection whose flow already yielded its secrets (they go to the keychain),
    /// without syncing it. `provider` defaults to the secrets' own.
    pub fn record(
        &self,
        provider: Option<&str>,
        base_url: &str,
        label: &str,
        secrets: &ConnectionSecrets,
    ) -> Result<i64, AppError> {
        let provider = provider.unwrap_or(secrets.provider());
        self.session()
            .with_folio_mut(|f| f.connect_as(provider, &Keychain::os(), base_url, label, secrets))
    }

    /// Records a connection the flow authorised and syncs it. A first sync that fails removes
    /// the connection again (wrong credentials, an unreachable API): nothing half-connected
    /// stays; except when the bank needs the person (a bank login's password, SCA): the access
    /// is good, so the connection stays, marked, for its "Reconnect".
    async fn record_and_sync(
        &self,
        provider: &str,
        base_url: &str,
        label: &str,
        secrets: &ConnectionSecrets,
    ) -> Result<(i64, SyncReport), AppError> {
        let id = self.record(Some(provider), base_url, label, secrets)?;
        match self.sync(id, SyncOptions::asked()).await {
            Ok(report) => Ok((id, report)),
            Err(e) if e.code() == ErrorCode::Bank("BANK_ACTION_NEEDED") => Err(e),
            Err(e) => {
                let _ = self
                    .session()
                    .with_folio_mut(|f| f.disconnect(&Keychain::os(), id));
                Err(AppError::new(
                    e.code(),
                    format!("{} Nothing was connected.", e.message()),
                ))
            }
        }
    }

    /// Connects a sandbox bank through its flow, then syncs it. Returns the connection and what
    /// the first sync filed.
    pub async fn connect_sandbox(&self, kind: SandboxKind) -> Result<(i64, SyncReport), AppError> {
        let registration = self.shared.sandboxes.registration(kind).await?;
        let base_url = registration.base_url().to_string();
        let secrets = self.authorise(registration).await?;
        self.record_and_sync(SANDBOX, &base_url, kind.label(), &secrets)
            .await
    }

    /// Connects a provider with the person's own API registration, then syncs it.
    pub async fn connect_bank(
        &self,
        registration: BankRegistration,
        label: Option<String>,
    ) -> Result<(i64, SyncReport), AppError> {
        let base_url = registration.base_url().trim().to_string();
        if url::Url::parse(&base_url).map_or(true, |u| !matches!(u.scheme(), "https" | "http")) {
            return Err(AppError::new(
                ErrorCode::Bank("BANK_REFUSED"),
                format!("{base_url:?} is not an API address (https://...); nothing was connected"),
            ));
        }
        let provider = registration.provider();
        let label = label
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| registration.default_label().to_string());
        let secrets = self.authorise(registration).await?;
        self.record_and_sync(provider, &base_url, &label, &secrets)
            .await
    }

    /// Connects a connection again (its token expired, its consent ended, the sandbox
    /// restarted), keeping it and its accounts, then syncs it.
    pub async fn reconnect(&self, connection_id: i64) -> Result<SyncReport, AppError> {
        let session = self.session();
        let (connection, secrets) = session.with_folio(|f| {
            let connection = f
                .connections()?
                .into_iter()
                .find(|c| c.id == connection_id)
                .ok_or_else(|| unknown(connection_id))?;
            let secrets = f.connection_secrets(&Keychain::os(), connection_id)?;
            Ok((connection, secrets))
        })?;
        let registration = if connection.provider == SANDBOX {
            self.shared
                .sandboxes
                .registration(SandboxKind::of(&secrets))
                .await?
        } else {
            BankRegistration::of(&connection.base_url, &secrets)?
        };
        let base_url = registration.base_url().to_string();
        // A bank login that needs the person (wrong password, SCA at the bank) while the token
        // is still good: Budgea's reconnect page repairs it, keeping the token.
        if connection.state == "action_needed" {
            if let ConnectionSecrets::Budgea {
                client_id,
                access_token,
                ..
            } = &secrets
            {
                self.repair_budgea_logins(&base_url, client_id, access_token)
                    .await?;
                session.with_folio_mut(|f| {
                    f.reconnect(&Keychain::os(), connection_id, &base_url, &secrets)
                })?;
                return self.sync(connection_id, SyncOptions::asked()).await;
            }
        }
        let secrets = self.authorise(registration).await?;
        session
            .with_folio_mut(|f| f.reconnect(&Keychain::os(), connection_id, &base_url, &secrets))?;
        self.sync(connection_id, SyncOptions::asked()).await
    }

    /// Opens Budgea's reconnect page (`/auth/webview/reconnect` with a temporary code) for each
    /// bank login that reports a problem, one after another.
    async fn repair_budgea_logins(
        &self,
        base_url: &str,
        client_id: &str,
        access_token: &str,
    ) -> Result<(), AppError> {
        let port = &self.shared.consent;
        let redirect = port.redirect_uri();
        let client = Budgea::new(base_url, client_id.to_string(), RetryPolicy::default())?
            .with_token(access_token.to_string());
        for login in client.connections().await? {
            if login.problem().is_none() {
                continue;
            }
            let state = uuid::Uuid::new_v4().to_string();
            let url = client.reconnect_url(&login.id, &redirect, &state).await?;
            let back = port.approve(url, "Repair a bank login — Folio").await?;
            folio_banks::budgea::parse_reconnect_redirect(&back, &state)?;
        }
        Ok(())
    }

    /// Syncs one connection: plan (secrets from the keychain), fetch without holding the ledger
    /// (announcing each account), then file, or record the failure. Announces the outcome too.
    pub async fn sync(
        &self,
        connection_id: i64,
        options: SyncOptions,
    ) -> Result<SyncReport, AppError> {
        let _slot = self.shared.syncing.claim(connection_id)?;
        let listener = &self.shared.listener;
        let announce = |phase: &str, p: Option<&FetchProgress>, error: Option<ErrorView>| {
            let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            listener.sync_changed(&SyncProgress {
                connection_id,
                phase: phase.to_string(),
                account: p.map_or(0, |p| count(p.account)),
                accounts: p.map_or(0, |p| count(p.accounts)),
                account_name: p.and_then(|p| p.name.clone()),
                transactions: p.map_or(0, |p| count(p.transactions)),
                error,
                scheduled: options.scheduled,
            });
        };
        let fetched = self
            .fetch(connection_id, options, &mut |p| {
                announce("fetching", Some(&p), None)
            })
            .await;
        let outcome = fetched.and_then(|(plan, fetched)| {
            announce("filing", None, None);
            let synced_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            self.session()
                .with_folio_mut(|f| f.finish_sync(&plan, fetched, &synced_at))
        });
        match &outcome {
            Ok(_) => announce("done", None, None),
            Err(e) => announce("failed", None, Some(e.into())),
        }
        outcome
    }

    /// Plans a connection's sync and fetches it, holding the ledger only to read the plan.
    async fn fetch(
        &self,
        connection_id: i64,
        options: SyncOptions,
        on_progress: &mut (dyn FnMut(FetchProgress) + Send),
    ) -> Result<Fetched, AppError> {
        let session = self.session();
        let secrets = session.with_folio(|f| {
            if connection_provider(f, connection_id)? == SANDBOX {
                Ok(Some(f.connection_secrets(&Keychain::os(), connection_id)?))
            } else {
                Ok(None)
            }
        })?;
        // A sandbox connection syncs against the sandbox running now; Budgea's sandbox data
        // ends on a fixed day, which then counts as today.
        let (base_url, pinned) = match secrets.as_ref().map(SandboxKind::of) {
            Some(kind) => (
                Some(self.shared.sandboxes.base_url(kind).await?),
                (kind == SandboxKind::Budgea).then(folio_sandbox::budgea::today),
            ),
            None => (None, None),
        };
        let pinned = options.as_of.or(pinned);
        let today = pinned.unwrap_or_else(today_utc);
        let mut plan = session.with_folio(|f| {
            f.plan_sync_at(
                &Keychain::os(),
                connection_id,
                today,
                pinned,
                base_url.as_deref(),
            )
        })?;
        plan.refresh_at_bank = options.refresh_at_bank;
        let fetched = plan.fetch_reporting(on_progress).await;
        Ok((plan, fetched))
    }

    /// While the caller runs: every connection in good standing syncs again once `every` has
    /// passed since its last sync. Connections that need the person (reconnect, the bank's
    /// action) wait for them. Nothing runs before the ledger is open: the schedule never
    /// unlocks it. Never returns.
    pub async fn run_schedule(&self, every: Duration) {
        let tick = every.min(Duration::from_secs(60));
        loop {
            tokio::time::sleep(tick).await;
            let session = self.session();
            if !session.is_open() {
                continue;
            }
            let Ok(connections) = session.with_folio(|f| f.connections()) else {
                continue;
            };
            let now = chrono::Utc::now();
            for c in connections {
                if c.state == "ok" && due(c.last_sync_at.as_deref(), now, every) {
                    // A failure is recorded on the connection and announced; the next goes on.
                    let scheduled = SyncOptions {
                        scheduled: true,
                        ..SyncOptions::default()
                    };
                    let _ = self.sync(c.id, scheduled).await;
                }
            }
        }
    }
}

type Fetched = (
    SyncPlan,
    Result<Vec<(folio_banks::BankAccount, folio_banks::TransactionBatch)>, folio_banks::BankError>,
);

/// How often connections sync on their own while the app runs: `FOLIO_SYNC_EVERY_SECS`, else
/// every six hours.
pub fn sync_interval() -> Duration {
    std::env::var("FOLIO_SYNC_EVERY_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(Duration::from_secs(6 * 3600), Duration::from_secs)
}

/// Whether a connection last synced at `last` (RFC 3339 UTC) is due at `now`.
pub fn due(last: Option<&str>, now: chrono::DateTime<chrono::Utc>, every: Duration) -> bool {
    let Some(last) = last.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) else {
        return true;
    };
    let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
    now.signed_duration_since(last.with_timezone(&chrono::Utc)) >= every
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn a_connection_is_due_once_the_interval_has_passed() {
        let six_hours = Duration::from_secs(6 * 3600);
        let now = at("2026-11-23T12:00:00Z");
        assert!(due(None, now, six_hours), "never synced");
        assert!(!due(Some("2026-11-23T06:00:01Z"), now, six_hours));
        assert!(due(Some("2026-11-23T06:00:00Z"), now, six_hours));
        assert!(due(Some("2026-11-20T09:00:00Z"), now, six_hours));
        // A clock set back: a last sync "in the future" is not due.
        assert!(!due(Some("2026-11-24T00:00:00Z"), now, six_hours));
        // An unreadable time counts as never synced.
        assert!(due(Some("yesterday"), now, six_hours));
    }
}
