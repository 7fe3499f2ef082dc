//! `folio sandbox`, `folio connect`, `folio connections`, `folio sync`: bank connections without
//! a window. Secrets come from environment variables (never the command line, where other users
//! of the machine could read them) and go straight into the OS keychain.

use std::io::Write;

use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use folio_app::{
    AppError, Approval, BankRegistration, ConnectionSecrets, Connections, ConsentPort, ErrorCode,
    Folio, Session, SyncOptions, Unheard,
};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    Budgea,
    Belfius,
    Abnamro,
}

#[derive(Subcommand, Debug)]
pub enum ConnectCommand {
    /// Budgea through its webview connect flow, approved without a browser: only the sandbox's
    /// auto-approve mode answers that way. Client secret from FOLIO_BUDGEA_CLIENT_SECRET.
    Budgea {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, default_value = "Budgea")]
        label: String,
    },
    /// Belfius PSD2: the consent page without a browser (the sandbox's auto-approve mode), its
    /// code traded for the tokens; or an access token already granted, from
    /// FOLIO_BELFIUS_ACCESS_TOKEN.
    Belfius {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, default_value = "folio://connected")]
        redirect_uri: String,
        #[arg(long, default_value = "Belfius")]
        label: String,
    },
    /// ABN AMRO Business Account Insight with client credentials: FOLIO_ABNAMRO_CLIENT_SECRET
    /// and FOLIO_ABNAMRO_API_KEY.
    Abnamro {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        client_id: String,
        /// IBANs to sync beyond the one the consent names.
        #[arg(long = "account", value_name = "IBAN")]
        accounts: Vec<String>,
        #[arg(long, default_value = "ABN AMRO")]
        label: String,
    },
}

fn secret_env(name: &str) -> Result<String, AppError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Internal,
                format!("set {name} to the secret (it goes into your keychain, nowhere else)"),
            )
        })
}

fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("async runtime: {e}")))
}

/// Follows a connect page the way a browser would, without one: the page's redirect is read,
/// not followed (the sandbox's auto-approve mode redirects at once).
struct Headless {
    redirect_uri: String,
}

impl ConsentPort for Headless {
    fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    fn approve<'a>(&'a self, page: url::Url, _title: &'a str) -> Approval<'a> {
        Box::pin(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            let resp = client
                .get(page)
                .send()
                .await
                .map_err(|e| AppError::new(ErrorCode::Bank("BANK_NETWORK"), e.to_string()))?;
            resp.headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Bank("BANK_ACTION_NEEDED"),
                        "the connect page did not redirect back: it needs a person in a browser (the window's Connect)",
                    )
                })
        })
    }
}

/// The connection engine over the open ledger, approving pages headlessly.
fn engine(folio: Folio, redirect_uri: &str) -> Connections {
    Connections::new(
        Arc::new(Session::opened(folio)),
        Arc::new(Headless {
            redirect_uri: redirect_uri.to_string(),
        }),
        Arc::new(Unheard),
    )
}

pub fn connect(
    folio: Folio,
    command: ConnectCommand,
    out: &mut impl Write,
) -> Result<(), AppError> {
    let (base_url, label, registration, redirect) = match command {
        ConnectCommand::Budgea {
            base_url,
            client_id,
            label,
        } => (
            base_url.clone(),
            label,
            BankRegistration::Budgea {
                base_url,
                client_id,
                client_secret: secret_env("FOLIO_BUDGEA_CLIENT_SECRET")?,
            },
            "folio://connected".to_string(),
        ),
        ConnectCommand::Belfius {
            base_url,
            client_id,
            redirect_uri,
            label,
        } => {
            // A token granted already needs no consent page.
            if let Some(access_token) = std::env::var("FOLIO_BELFIUS_ACCESS_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
            {
                let secrets = ConnectionSecrets::Belfius {
                    client_id,
                    redirect_uri: redirect_uri.clone(),
                    access_token,
                    sca_token: None,
                    sca_valid_until: None,
                };
                let id = engine(folio, &redirect_uri).record(None, &base_url, &label, &secrets)?;
                return connected(out, &label, id);
            }
            (
                base_url.clone(),
                label,
                BankRegistration::Belfius {
                    base_url,
                    client_id,
                },
                redirect_uri,
            )
        }
        ConnectCommand::Abnamro {
            base_url,
            client_id,
            accounts,
            label,
        } => (
            base_url.clone(),
            label,
            BankRegistration::Abnamro {
                base_url,
                client_id,
                client_secret: secret_env("FOLIO_ABNAMRO_CLIENT_SECRET")?,
                api_key: secret_env("FOLIO_ABNAMRO_API_KEY")?,
                accounts,
            },
            "folio://connected".to_string(),
        ),
    };
    let engine = engine(folio, &redirect);
    let secrets = runtime()?.block_on(engine.authorise(registration))?;
    let id = engine.record(None, &base_url, &label, &secrets)?;
    connected(out, &label, id)
}

fn connected(out: &mut impl Write, label: &str, id: i64) -> Result<(), AppError> {
    writeln!(
        out,
        "Connected {label} as connection {id}. Run `folio sync {id}` to fetch it."
    )
    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

/// Syncs one connection or all; a failure of one is recorded on it and reported, the others go
/// on. Returns whether every sync succeeded.
pub fn sync(
    folio: Folio,
    only: Option<i64>,
    as_of: Option<NaiveDate>,
    json: bool,
    out: &mut impl Write,
) -> Result<bool, AppError> {
    let connections = folio.connections()?;
    let ids: Vec<i64> = match only {
        Some(id) if !connections.iter().any(|c| c.id == id) => {
            return Err(AppError::new(
                ErrorCode::UnknownConnection,
                format!("no bank connection {id}"),
            ))
        }
        Some(id) => vec![id],
        None => connections.iter().map(|c| c.id).collect(),
    };
    let engine = engine(folio, "folio://connected");
    let options = SyncOptions {
        as_of,
        ..SyncOptions::default()
    };
    let rt = runtime()?;
    let mut reports = Vec::new();
    let mut all_ok = true;
    for id in ids {
        let bank = connections
            .iter()
            .find(|c| c.id == id)
            .map_or_else(String::new, |c| c.label.clone());
        match rt.block_on(engine.sync(id, options)) {
            Ok(report) => {
                if !json {
                    for a in &report.accounts {
                        let _ = writeln!(
                            out,
                            "{bank} #{}: {} new, {} changed, {} linked to statement rows, {} removed{}",
                            a.account_id,
                            a.added,
                            a.updated,
                            a.linked,
                            a.removed,
                            if a.created { " (new account)" } else { "" }
                        );
                    }
                }
                reports.push(report);
            }
            Err(e) => {
                all_ok = false;
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "folio: connection {id}: {}", e.message());
                let _ = writeln!(err, "  code: {}", e.code());
                let _ = writeln!(err, "  fix:  {}", e.hint());
            }
        }
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, &reports)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let _ = writeln!(out);
    }
    Ok(all_ok)
}

/// Starts the three sandboxes on loopback and waits (Ctrl-C stops them).
pub fn sandbox(port: u16, out: &mut impl Write) -> Result<(), AppError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("async runtime: {e}")))?;
    rt.block_on(async {
        let io = |e: std::io::Error| AppError::new(ErrorCode::Internal, format!("sandbox: {e}"));
        let port_at = |n: u16| if port == 0 { 0 } else { port.saturating_add(n) };
        let budgea_config = folio_sandbox::budgea::BudgeaSandbox {
            port: port_at(0),
            ..Default::default()
        };
        let budgea_secret = budgea_config.client_secret.clone();
        let budgea_id = budgea_config.client_id.clone();
        let budgea = folio_sandbox::budgea::start(budgea_config).await.map_err(io)?;
        let belfius_config = folio_sandbox::belfius::BelfiusSandbox::default();
        let belfius_client = belfius_config.client_id.clone();
        let belfius = folio_sandbox::belfius::start_on(belfius_config, port_at(1))
            .await
            .map_err(io)?;
        let mut abn_config = folio_sandbox::abnamro::AbnAmroSandbox::default();
        abn_config.today = chrono::Utc::now().date_naive();
        let (abn_id, abn_secret, abn_key) = (
            abn_config.client_id.clone(),
            abn_config.client_secret.clone(),
            abn_config.api_key.clone(),
        );
        let abn = folio_sandbox::abnamro::start_on(abn_config, port_at(2))
            .await
            .map_err(io)?;
        // The opt-in cloud converters' contract servers (Balanzio, FinBox BankConnect).
        let balanzio_config = folio_sandbox::balanzio::BalanzioSandbox::default();
        let balanzio_key = balanzio_config.api_key.clone();
        let balanzio = folio_sandbox::balanzio::start_on(balanzio_config, port_at(3))
            .await
            .map_err(io)?;
        let finbox_config = folio_sandbox::finbox::FinBoxSandbox::default();
        let finbox_key = finbox_config.api_key.clone();
        let finbox = folio_sandbox::finbox::start_on(finbox_config, port_at(4))
            .await
            .map_err(io)?;
        let _ = writeln!(
            out,
            "Sandbox banks on loopback (test data only; Ctrl-C stops them):\n\
             \n  Budgea    {b}\n    FOLIO_BUDGEA_CLIENT_SECRET={budgea_secret} folio connect budgea --base-url {b} --client-id {budgea_id}\n    (its data ends on {bt}: sync with --as-of {bt})\
             \n  Belfius   {f}\n    folio connect belfius --base-url {f} --client-id {belfius_client}\
             \n  ABN AMRO  {a}\n    FOLIO_ABNAMRO_CLIENT_SECRET={abn_secret} FOLIO_ABNAMRO_API_KEY={abn_key} folio connect abnamro --base-url {a} --client-id {abn_id}\n\
             \nSandbox cloud converters (contract servers: they return a fixed statement per file):\
             \n  Balanzio  {z}{zp}\n    API key {balanzio_key}; protected PDFs open with {pw}\
             \n  FinBox    {x}\n    x-api-key {finbox_key}; protected PDFs open with {pw}\n",
            b = budgea.base_url,
            bt = folio_sandbox::budgea::today(),
            f = belfius.base_url,
            a = abn.base_url,
            z = balanzio.base_url,
            zp = folio_sandbox::balanzio::BASE_PATH,
            x = finbox.base_url,
            pw = folio_sandbox::balanzio::PDF_PASSWORD,
        );
        let _ = out.flush();
        let _ = tokio::signal::ctrl_c().await;
        drop((budgea, belfius, abn, balanzio, finbox));
        Ok(())
    })
}
