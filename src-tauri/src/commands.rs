//! The IPC commands. Each is listed in build.rs (its permission) and granted to the main window in
//! src-tauri/capabilities/main.json. They are async so the keychain and the database never run on
//! the UI thread.

use folio_secrets::Sensitive;
use tauri::{AppHandle, State};

use folio_app::TransactionFilter;

use crate::dto::{
    AccountDto, BalancePointDto, BankFileChoicesDto, BankFileSetupDto, ConnectionDto, CoverageDto,
    DetailDto, ErrorDto, FilterDto, ImportReportDto, LedgerRowDto, LedgerStatus, MonthTotalsDto,
    ReviewDto, StatementDto, SyncReportDto,
};
use crate::imports::{BankRead, Imports, JobDto, JobRead};
use crate::Session;

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
pub async fn ledger_status(session: State<'_, Session>) -> Result<LedgerStatus, ErrorDto> {
    Ok(status(&session))
}

/// The accounts for the sidebar.
#[tauri::command]
#[specta::specta]
pub async fn list_accounts(session: State<'_, Session>) -> Result<Vec<AccountDto>, ErrorDto> {
    session
        .with_folio(|f| f.accounts())
        .map(|accounts| accounts.into_iter().map(AccountDto::from).collect())
        .map_err(ErrorDto::from)
}

/// Queues statement files (dropped on the window or picked) for reading. Progress arrives as
/// `ImportJobChanged` events; the returned jobs are the new rows.
#[tauri::command]
#[specta::specta]
pub async fn import_files(
    app: AppHandle,
    imports: State<'_, Imports>,
    paths: Vec<String>,
) -> Result<Vec<JobDto>, ErrorDto> {
    Ok(imports.add(&app, paths))
}

/// The import jobs the window has (after a reload, say).
#[tauri::command]
#[specta::specta]
pub async fn import_jobs(imports: State<'_, Imports>) -> Result<Vec<JobDto>, ErrorDto> {
    Ok(imports.jobs())
}

/// Opens a protected statement with the password the person typed, and reads it again.
#[tauri::command]
#[specta::specta]
pub async fn unlock_import(
    app: AppHandle,
    imports: State<'_, Imports>,
    job_id: u64,
    password: String,
) -> Result<JobDto, ErrorDto> {
    imports
        .retry_with_password(&app, job_id, Sensitive::new(password))
        .map_err(ErrorDto::from)
}

/// What a job read, for the review screen.
#[tauri::command]
#[specta::specta]
pub async fn import_review(
    session: State<'_, Session>,
    imports: State<'_, Imports>,
    job_id: u64,
) -> Result<ReviewDto, ErrorDto> {
    let review = match imports.read_of(job_id)? {
        JobRead::Pdf(read) => session.with_folio(|f| f.review(&read))?,
        JobRead::Bank(bank) => session.with_folio(|f| f.bank_file_review(&bank.read, bank.into))?,
    };
    Ok(ReviewDto::new(job_id, review))
}

/// Files a reviewed statement: into `account_id` when the person picked one, else the account
/// its IBAN or number matches (or a new one, named `new_account_name` when the person gave one). One SQL transaction; a failure changes nothing
/// and leaves the job in review with the error.
#[tauri::command]
#[specta::specta]
pub async fn file_import(
    app: AppHandle,
    session: State<'_, Session>,
    imports: State<'_, Imports>,
    job_id: u64,
    account_id: Option<i64>,
    accept_unreconciled: bool,
    new_account_name: Option<String>,
) -> Result<ImportReportDto, ErrorDto> {
    // A name only for a new account: filing into an existing one keeps its name.
    let name = new_account_name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let dto = match imports.read_of(job_id)? {
        JobRead::Pdf(mut read) => {
            read.account_name = name;
            ImportReportDto::from(
                session
                    .with_folio_mut(|f| f.file_statement(&read, account_id, accept_unreconciled))?,
            )
        }
        JobRead::Bank(bank) => {
            let BankRead {
                mut read,
                into,
                remember,
            } = *bank;
            if account_id.or(into).is_none() {
                read.account_name = name;
            }
            let report = session.with_folio_mut(|f| {
                let report = f.file_bank_file(&read, account_id.or(into), accept_unreconciled)?;
                // A CSV/XLSX export's mapping is remembered for the account it went to, so the
                // next export with the same header row is read the same way, into the same
                // account. The rows are filed already: a failure here is only reported.
                if let (Some((bytes, mapping, currency)), Some(first)) =
                    (&remember, report.statements.first())
                {
                    if let Err(e) = f.remember_mapping(first.account_id, bytes, mapping, *currency)
                    {
                        eprintln!("Folio could not remember the column mapping: {e}");
                    }
                }
                Ok(report)
            })?;
            ImportReportDto::from(&report)
        }
    };
    imports.filed(&app, job_id, dto.clone());
    Ok(dto)
}

/// What a bank file needs from the person (its column mapping, currency, or how to read its
/// dates and numbers), with Folio's suggestion and a preview of its first rows.
#[tauri::command]
#[specta::specta]
pub async fn bank_file_setup(
    imports: State<'_, Imports>,
    job_id: u64,
) -> Result<BankFileSetupDto, ErrorDto> {
    let (job, path, options) = imports.setup_of(job_id)?;
    Ok(crate::bankfile_setup::setup(job_id, &job, &path, &options)?)
}

/// Reads a bank file again with the person's choices.
#[tauri::command]
#[specta::specta]
pub async fn set_bank_file_choices(
    app: AppHandle,
    imports: State<'_, Imports>,
    job_id: u64,
    choices: BankFileChoicesDto,
) -> Result<JobDto, ErrorDto> {
    let (_, path, options) = imports.setup_of(job_id)?;
    let options = crate::bankfile_setup::options(&path, &options, &choices)?;
    Ok(imports.retry_with_options(&app, job_id, options)?)
}

/// Stops an import being read (scanned pages can take seconds each); nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(
    app: AppHandle,
    imports: State<'_, Imports>,
    job_id: u64,
) -> Result<(), ErrorDto> {
    Ok(imports.cancel(&app, job_id)?)
}

/// Forgets an import job (discarding what it read; nothing was filed).
#[tauri::command]
#[specta::specta]
pub async fn dismiss_import(imports: State<'_, Imports>, job_id: u64) -> Result<(), ErrorDto> {
    imports.dismiss(job_id);
    Ok(())
}

/// One page of the ledger table: sorted, filtered and searched (full text) by the store.
#[tauri::command]
#[specta::specta]
pub async fn list_transactions(
    session: State<'_, Session>,
    filter: FilterDto,
    offset: u32,
    limit: u32,
) -> Result<Vec<LedgerRowDto>, ErrorDto> {
    let filter = TransactionFilter::from(filter);
    let rows = session.with_folio(|f| f.ledger_rows(&filter, u64::from(offset), limit))?;
    Ok(rows.into_iter().map(LedgerRowDto::from).collect())
}

/// How many transactions the filter matches (asked apart, so the first page shows first).
#[tauri::command]
#[specta::specta]
pub async fn count_transactions(
    session: State<'_, Session>,
    filter: FilterDto,
) -> Result<u32, ErrorDto> {
    let filter = TransactionFilter::from(filter);
    let n = session.with_folio(|f| f.count_rows(&filter))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// One transaction with the statement and page it came from.
#[tauri::command]
#[specta::specta]
pub async fn transaction_detail(
    session: State<'_, Session>,
    id: i64,
) -> Result<DetailDto, ErrorDto> {
    Ok(session.with_folio(|f| f.transaction_detail(id))?.into())
}

/// The filed statements.
#[tauri::command]
#[specta::specta]
pub async fn list_statements(session: State<'_, Session>) -> Result<Vec<StatementDto>, ErrorDto> {
    let statements = session.with_folio(|f| f.statements())?;
    Ok(statements.into_iter().map(StatementDto::from).collect())
}

/// Deletes a statement and exactly the transactions it brought (the window asked first).
/// Returns how many transactions went.
#[tauri::command]
#[specta::specta]
pub async fn delete_statement(
    session: State<'_, Session>,
    statement_id: i64,
) -> Result<u32, ErrorDto> {
    let n = session.with_folio_mut(|f| f.delete_statement(statement_id))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Per account, the months its statements cover and the months missing.
#[tauri::command]
#[specta::specta]
pub async fn coverage(session: State<'_, Session>) -> Result<Vec<CoverageDto>, ErrorDto> {
    let coverage = session.with_folio(|f| f.coverage())?;
    Ok(coverage.into_iter().map(CoverageDto::from).collect())
}

/// Money in and out per month (and currency), for one account or all.
#[tauri::command]
#[specta::specta]
pub async fn monthly_totals(
    session: State<'_, Session>,
    account_id: Option<i64>,
) -> Result<Vec<MonthTotalsDto>, ErrorDto> {
    let months = session.with_folio(|f| f.monthly_totals(account_id))?;
    Ok(months.into_iter().map(MonthTotalsDto::from).collect())
}

/// An account's balance at the end of each month.
#[tauri::command]
#[specta::specta]
pub async fn balance_history(
    session: State<'_, Session>,
    account_id: i64,
) -> Result<Vec<BalancePointDto>, ErrorDto> {
    let points = session.with_folio(|f| f.balance_history(account_id))?;
    Ok(points.into_iter().map(BalancePointDto::from).collect())
}

/// The bank connections, their state and last sync.
#[tauri::command]
#[specta::specta]
pub async fn list_connections(session: State<'_, Session>) -> Result<Vec<ConnectionDto>, ErrorDto> {
    let connections = session.with_folio(|f| f.connections())?;
    Ok(connections.into_iter().map(ConnectionDto::from).collect())
}

/// Connects one of the offline sandbox banks through its flow (its page in a window of its own,
/// with no IPC; none for the business API), then syncs it. Returns what the first sync filed.
#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_bank(
    app: AppHandle,
    bank: crate::banks::SandboxKind,
) -> Result<SyncReportDto, ErrorDto> {
    let (_id, report) = crate::banks::connect_sandbox(&app, bank).await?;
    Ok(report.into())
}

/// Connects a bank with the person's own API registration: its connect or consent page in a
/// window of its own (none for ABN AMRO's client credentials), then the first sync. The secrets
/// go into the keychain only.
#[tauri::command]
#[specta::specta]
pub async fn connect_bank(
    app: AppHandle,
    registration: crate::banks::BankRegistration,
    label: Option<String>,
) -> Result<SyncReportDto, ErrorDto> {
    let (_id, report) = crate::banks::connect_bank(&app, registration, label).await?;
    Ok(report.into())
}

/// Connects a connection again (expired token or consent, restarted sandbox), keeping its
/// accounts, then syncs it.
#[tauri::command]
#[specta::specta]
pub async fn reconnect_connection(
    app: AppHandle,
    connection_id: i64,
) -> Result<SyncReportDto, ErrorDto> {
    Ok(crate::banks::reconnect(&app, connection_id).await?.into())
}

/// Syncs one connection now.
#[tauri::command]
#[specta::specta]
pub async fn sync_connection(
    app: AppHandle,
    connection_id: i64,
) -> Result<SyncReportDto, ErrorDto> {
    Ok(crate::banks::sync(&app, connection_id, false).await?.into())
}

/// Forgets a connection and its secrets in the keychain; its accounts and transactions stay.
#[tauri::command]
#[specta::specta]
pub async fn remove_connection(
    session: State<'_, Session>,
    connection_id: i64,
) -> Result<(), ErrorDto> {
    Ok(session.with_folio_mut(|f| f.disconnect(&folio_secrets::Keychain::os(), connection_id))?)
}
