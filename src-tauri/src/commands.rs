//! The IPC commands. Each is listed in build.rs (its permission) and granted to the main window in
//! src-tauri/capabilities/main.json. They are async so the keychain and the database never run on
//! the UI thread.

use std::sync::Arc;

use folio_app::Sensitive;
use tauri::State;

use folio_app::{BalancePoint, LedgerRow, MonthTotalsView, TransactionFilter};

use folio_app::{
    BankFileChoices, BankFileSetupView, BankRegistration, Connections, ErrorView, FiledSummary,
    ImportJob, Imports, SandboxKind, Session, SyncOptions,
};

use crate::dto::{
    AccountDto, ConnectionDto, CoverageDto, DetailDto, LedgerStatus, ReviewDto, StatementDto,
    SyncReportDto,
};

fn status(session: &Session) -> LedgerStatus {
    let data_dir = session.data_dir().map(|d| d.path().display().to_string());
    match session.with_folio(|f| Ok((f.info()?, f.was_created()))) {
        Ok((info, created)) => LedgerStatus::Unlocked {
            data_dir: info.data_dir,
            ledger_file: info.ledger_file,
            cipher: info.cipher,
            schema_version: info.schema_version,
            created,
        },
        Err(e) => LedgerStatus::Locked {
            data_dir,
            error: e.into(),
        },
    }
}

/// Opens the ledger if it is not open yet (the keychain is the login) and says whether it is
/// unlocked. Calling it again retries, after the person fixed what the locked screen said.
#[tauri::command]
#[specta::specta]
pub async fn ledger_status(session: State<'_, Arc<Session>>) -> Result<LedgerStatus, ErrorView> {
    Ok(status(&session))
}

/// The accounts for the sidebar.
#[tauri::command]
#[specta::specta]
pub async fn list_accounts(session: State<'_, Arc<Session>>) -> Result<Vec<AccountDto>, ErrorView> {
    session
        .with_folio(|f| f.accounts())
        .map(|accounts| accounts.into_iter().map(AccountDto::from).collect())
        .map_err(ErrorView::from)
}

/// Queues statement files (dropped on the window or picked) for reading. Progress arrives as
/// `ImportJobChanged` events; the returned jobs are the new rows.
#[tauri::command]
#[specta::specta]
pub async fn import_files(
    imports: State<'_, Imports>,
    paths: Vec<String>,
) -> Result<Vec<ImportJob>, ErrorView> {
    Ok(imports.add(paths))
}

/// The import jobs the window has (after a reload, say).
#[tauri::command]
#[specta::specta]
pub async fn import_jobs(imports: State<'_, Imports>) -> Result<Vec<ImportJob>, ErrorView> {
    Ok(imports.jobs())
}

/// Opens a protected statement with the password the person typed, and reads it again.
#[tauri::command]
#[specta::specta]
pub async fn unlock_import(
    imports: State<'_, Imports>,
    job_id: u64,
    password: String,
) -> Result<ImportJob, ErrorView> {
    imports
        .retry_with_password(job_id, Sensitive::new(password))
        .map_err(ErrorView::from)
}

/// What a job read, for the review screen.
#[tauri::command]
#[specta::specta]
pub async fn import_review(
    imports: State<'_, Imports>,
    job_id: u64,
) -> Result<ReviewDto, ErrorView> {
    Ok(ReviewDto::new(job_id, imports.review(job_id)?))
}

/// Files a reviewed statement: into `account_id` when the person picked one, else the account
/// its IBAN or number matches (or a new one, named `new_account_name` when the person gave one).
/// One SQL transaction; a failure changes nothing and leaves the job in review with the error.
/// `currency` (ISO 4217) is for a statement that names none.
#[tauri::command]
#[specta::specta]
pub async fn file_import(
    imports: State<'_, Imports>,
    job_id: u64,
    account_id: Option<i64>,
    accept_unreconciled: bool,
    new_account_name: Option<String>,
    currency: Option<String>,
) -> Result<FiledSummary, ErrorView> {
    let currency = folio_app::parse_currency(currency.as_deref())?;
    let filed = imports.file(
        job_id,
        account_id,
        accept_unreconciled,
        new_account_name,
        currency,
    )?;
    Ok(FiledSummary::from(&filed))
}

/// What a bank file needs from the person (its column mapping, currency, or how to read its
/// dates and numbers), with Folio's suggestion and a preview of its first rows.
#[tauri::command]
#[specta::specta]
pub async fn bank_file_setup(
    imports: State<'_, Imports>,
    job_id: u64,
) -> Result<BankFileSetupView, ErrorView> {
    Ok(imports.bank_file_setup(job_id)?)
}

/// Reads a bank file again with the person's choices.
#[tauri::command]
#[specta::specta]
pub async fn set_bank_file_choices(
    imports: State<'_, Imports>,
    job_id: u64,
    choices: BankFileChoices,
) -> Result<ImportJob, ErrorView> {
    Ok(imports.set_bank_file_choices(job_id, &choices)?)
}

/// Stops an import being read (scanned pages can take seconds each); nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(imports: State<'_, Imports>, job_id: u64) -> Result<(), ErrorView> {
    Ok(imports.cancel(job_id)?)
}

/// Forgets an import job (discarding what it read; nothing was filed).
#[tauri::command]
#[specta::specta]
pub async fn dismiss_import(imports: State<'_, Imports>, job_id: u64) -> Result<(), ErrorView> {
    imports.dismiss(job_id);
    Ok(())
}

/// One page of the ledger table: sorted, filtered and searched (full text) by the store.
#[tauri::command]
#[specta::specta]
pub async fn list_transactions(
    session: State<'_, Arc<Session>>,
    filter: TransactionFilter,
    offset: u32,
    limit: u32,
) -> Result<Vec<LedgerRow>, ErrorView> {
    Ok(session.with_folio(|f| f.ledger_rows(&filter, u64::from(offset), limit))?)
}

/// How many transactions the filter matches (asked apart, so the first page shows first).
#[tauri::command]
#[specta::specta]
pub async fn count_transactions(
    session: State<'_, Arc<Session>>,
    filter: TransactionFilter,
) -> Result<u32, ErrorView> {
    let n = session.with_folio(|f| f.count_rows(&filter))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// One transaction with the statement and page it came from.
#[tauri::command]
#[specta::specta]
pub async fn transaction_detail(
    session: State<'_, Arc<Session>>,
    id: i64,
) -> Result<DetailDto, ErrorView> {
    Ok(session.with_folio(|f| f.transaction_detail(id))?.into())
}

/// The filed statements.
#[tauri::command]
#[specta::specta]
pub async fn list_statements(
    session: State<'_, Arc<Session>>,
) -> Result<Vec<StatementDto>, ErrorView> {
    let statements = session.with_folio(|f| f.statements())?;
    Ok(statements.into_iter().map(StatementDto::from).collect())
}

/// Deletes a statement and exactly the transactions it brought (the window asked first).
/// Returns how many transactions went.
#[tauri::command]
#[specta::specta]
pub async fn delete_statement(
    session: State<'_, Arc<Session>>,
    statement_id: i64,
) -> Result<u32, ErrorView> {
    let n = session.with_folio_mut(|f| f.delete_statement(statement_id))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Per account, the months its statements cover and the months missing.
#[tauri::command]
#[specta::specta]
pub async fn coverage(session: State<'_, Arc<Session>>) -> Result<Vec<CoverageDto>, ErrorView> {
    let coverage = session.with_folio(|f| f.coverage())?;
    Ok(coverage.into_iter().map(CoverageDto::from).collect())
}

/// Money in and out per month (and currency), for one account or all.
#[tauri::command]
#[specta::specta]
pub async fn monthly_totals(
    session: State<'_, Arc<Session>>,
    account_id: Option<i64>,
) -> Result<Vec<MonthTotalsView>, ErrorView> {
    Ok(session.with_folio(|f| f.monthly_totals(account_id))?)
}

/// An account's balance at the end of each month.
#[tauri::command]
#[specta::specta]
pub async fn balance_history(
    session: State<'_, Arc<Session>>,
    account_id: i64,
) -> Result<Vec<BalancePoint>, ErrorView> {
    Ok(session.with_folio(|f| f.balance_history(account_id))?)
}

/// The bank connections, their state and last sync.
#[tauri::command]
#[specta::specta]
pub async fn list_connections(
    session: State<'_, Arc<Session>>,
) -> Result<Vec<ConnectionDto>, ErrorView> {
    let connections = session.with_folio(|f| f.connections())?;
    Ok(connections.into_iter().map(ConnectionDto::from).collect())
}

/// Connects one of the offline sandbox banks through its flow (its page in a window of its own,
/// with no IPC; none for the business API), then syncs it. Returns what the first sync filed.
#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_bank(
    connections: State<'_, Connections>,
    bank: SandboxKind,
) -> Result<SyncReportDto, ErrorView> {
    let (_id, report) = connections.connect_sandbox(bank).await?;
    Ok(report.into())
}

/// Connects a bank with the person's own API registration: its connect or consent page in a
/// window of its own (none for ABN AMRO's client credentials), then the first sync. The secrets
/// go into the keychain only.
#[tauri::command]
#[specta::specta]
pub async fn connect_bank(
    connections: State<'_, Connections>,
    registration: BankRegistration,
    label: Option<String>,
) -> Result<SyncReportDto, ErrorView> {
    let (_id, report) = connections.connect_bank(registration, label).await?;
    Ok(report.into())
}

/// Connects a connection again (expired token or consent, restarted sandbox), keeping its
/// accounts, then syncs it.
#[tauri::command]
#[specta::specta]
pub async fn reconnect_connection(
    connections: State<'_, Connections>,
    connection_id: i64,
) -> Result<SyncReportDto, ErrorView> {
    Ok(connections.reconnect(connection_id).await?.into())
}

/// Syncs one connection now.
#[tauri::command]
#[specta::specta]
pub async fn sync_connection(
    connections: State<'_, Connections>,
    connection_id: i64,
) -> Result<SyncReportDto, ErrorView> {
    Ok(connections
        .sync(connection_id, SyncOptions::asked())
        .await?
        .into())
}

/// Forgets a connection and its secrets in the keychain; its accounts and transactions stay.
#[tauri::command]
#[specta::specta]
pub async fn remove_connection(
    session: State<'_, Arc<Session>>,
    connection_id: i64,
) -> Result<(), ErrorView> {
    Ok(session.with_folio_mut(|f| f.disconnect(&folio_app::Keychain::os(), connection_id))?)
}
