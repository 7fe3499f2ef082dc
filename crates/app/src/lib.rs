//! Folio's use cases: the one API that the desktop shell (src-tauri) and the CLI call.
//!
//! This layer decides *where* the ledger lives and *how* it is unlocked; the store decides how it is
//! kept, the ledger crate what it means. Nothing here knows about Tauri or the terminal.

mod api_key;
mod bankfile;
mod bankfile_setup;
mod browse;
mod cloud;
mod connections;
mod convert;
mod data_dir;
mod error;
mod import;
mod insights_view;
mod jobs;
mod session;
mod sync;
mod views;

use std::path::Path;

use folio_ledger::AccountId;
use folio_secrets::{decode_ledger_key, encode_ledger_key, generate_ledger_key};
use folio_statements::PdfEngine;
use folio_store::Ledger;

pub use api_key::{serve_api_key, serve_key_item};
pub use bankfile::{
    bank_file_csv, bank_file_format, bank_file_insights, bank_file_json, parse_bank_file,
    read_bank_bytes, read_bank_file, BankFileOptions, BankFileReport, BankStatementReport, Proof,
    ReadBankFile, RememberedMapping,
};
pub use bankfile_setup::{BankFileChoices, BankFileSetupView, CsvMappingForm};
pub use browse::{
    BalancePoint, LedgerRow, MonthTotalsView, TransactionDetailView, TransactionFilter,
};
pub use cloud::{
    cloud_key, convert_in_cloud, converter_key, converters, forget_converter_key,
    has_converter_key, read_from_converted, service_of, store_converter_key, CloudService,
    ConverterView,
};
pub use connections::{
    due, sync_interval, Approval, BankRegistration, Connections, ConsentPort, SandboxKind,
    SyncListener, SyncOptions, SyncProgress, Unheard, SANDBOX,
};
pub use convert::{bank_file_export, convert_statement_file, export_reading, Converted};
pub use data_dir::DataDir;
pub use error::{AppError, ErrorCode, ErrorView};
pub use folio_bankfiles::Reconciliation;
pub use folio_banks::any::ConnectionSecrets;
pub use folio_converters::Service;
pub use folio_secrets::{Keychain, Sensitive};
pub use folio_statements::ReadStage;
pub use folio_statements::{limit_ocr_threads, release_ocr};
pub use folio_statements::{ExportFormat, IntakeLimits, StatementSummary};
pub use import::{
    parse_currency, read_statement_file, FileOptions, Known, ReadStatement, ReviewRow,
    StatementReview,
};
pub use insights_view::{InsightsView, MissingMonthView, SignalView};
pub use jobs::{
    summary_of, BankRead, Filed, FiledSummary, ImportJob, Imports, JobListener, JobRead, JobStage,
    JobSummary,
};
pub use session::Session;
pub use sync::{AccountSync, ConnectionView, SyncPlan, SyncReport};
pub use views::{
    AccountView, CoverageView, ImportReport, LedgerInfo, StatementView, TransactionView,
};

/// An unlocked ledger and where it lives. Opening it is the login: the key comes from the OS
/// keychain with no prompt while the keychain is unlocked.
#[derive(Debug)]
pub struct Folio {
    ledger: Ledger,
    data_dir: DataDir,
    created: bool,
}

impl Folio {
    /// Opens the ledger in `data_dir`, creating it (and its key) on first start.
    ///
    /// - No key and no ledger: a new random 256-bit key goes into the keychain (and is read back)
    ///   before the encrypted ledger is created with it.
    /// - A key and no ledger (e.g. a first start that stopped half-way): the ledger is created with
    ///   the stored key.
    /// - A ledger and no key: [`ErrorCode::LedgerKeyMissing`]. A new key is never made for an
    ///   existing ledger, and the file is left untouched.
    /// - No keychain: [`ErrorCode::KeychainUnavailable`]; never a fallback to an unencrypted file
    ///   or a key kept anywhere else.
    pub fn open(data_dir: DataDir, keychain: &Keychain) -> Result<Folio, AppError> {
        let path = data_dir.ledger_path();
        let item = data_dir.keychain_item();
        let stored = keychain.get(&item)?;
        let (ledger, created) = match stored {
            Some(text) => {
                let key = decode_ledger_key(&text)?;
                if path.exists() {
                    (Ledger::open(&path, &key)?, false)
                } else {
                    (Ledger::create(&path, &key)?, true)
                }
            }
            None if path.exists() => {
                return Err(AppError::new(
                    ErrorCode::LedgerKeyMissing,
                    format!(
                        "the ledger {} exists but the keychain has no key for it (item \"{}\" / \"{}\")",
                        path.display(),
                        keychain.service(),
                        item
                    ),
                ))
            }
            None => {
                let key = generate_ledger_key()?;
                keychain.set(&item, &encode_ledger_key(&key))?;
                (Ledger::create(&path, &key)?, true)
            }
        };
        Ok(Folio {
            ledger,
            data_dir,
            created,
        })
    }

    /// True when this open created the ledger (the very first start with this data dir).
    pub fn was_created(&self) -> bool {
        self.created
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.data_dir
    }

    pub fn info(&self) -> Result<LedgerInfo, AppError> {
        Ok(LedgerInfo {
            data_dir: self.data_dir.path().display().to_string(),
            ledger_file: self.ledger.path().display().to_string(),
            encrypted: true,
            cipher: format!("SQLCipher {}", self.ledger.cipher_version()?),
            schema_version: self.ledger.schema_version()?,
            keychain_item: self.data_dir.keychain_item(),
            accounts: self.ledger.accounts()?.len(),
        })
    }

    /// The accounts, each with its latest printed balance checked against the ledger's own sum.
    pub fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        let balances = self.ledger.account_balances()?;
        Ok(self
            .ledger
            .accounts()?
            .into_iter()
            .map(|summary| {
                let id = summary.account.id;
                let mut view = AccountView::from(summary);
                if let Some(b) = balances.iter().find(|b| b.account_id == id) {
                    view.computed_balance = views::plain_amount(b.computed);
                    view.balance_matches = b.matches;
                    if let Some((date, closing)) = b.latest_closing {
                        view.statement_balance = Some(views::plain_amount(closing));
                        view.statement_date = Some(date.to_string());
                    }
                }
                view
            })
            .collect())
    }

    pub fn transactions(&self, account: Option<i64>) -> Result<Vec<TransactionView>, AppError> {
        Ok(self
            .ledger
            .transactions(account.map(AccountId))?
            .into_iter()
            .map(TransactionView::from)
            .collect())
    }

    /// Reads a statement file and files it at once (the CLI's `folio import`): the same rules as
    /// the window's read-review-file, with the matched account. Any failure changes nothing.
    pub fn import_statement_file(
        &mut self,
        engine: &PdfEngine,
        path: &Path,
        password: Option<&str>,
        limits: IntakeLimits,
        accept_unreconciled: bool,
    ) -> Result<ImportReport, AppError> {
        self.import_statement_file_reporting(
            engine,
            path,
            password,
            limits,
            accept_unreconciled,
            &mut |_| {},
        )
    }

    /// [`Folio::import_statement_file`] telling `progress` how the read goes (pages, OCR).
    pub fn import_statement_file_reporting(
        &mut self,
        engine: &PdfEngine,
        path: &Path,
        password: Option<&str>,
        limits: IntakeLimits,
        accept_unreconciled: bool,
        progress: &mut dyn FnMut(ReadStage),
    ) -> Result<ImportReport, AppError> {
        let prior = self.prior_summaries()?;
        let read = read_statement_file(
            &Known {
                filed_as: &|sha| self.statement_with_file(sha),
                prior: &prior,
            },
            engine,
            path,
            FileOptions {
                password,
                limits,
                currency: None,
            },
            progress,
            &std::sync::atomic::AtomicBool::new(false),
        )?;
        self.file_statement(&read, None, accept_unreconciled)
    }

    /// Filed statements.
    pub fn statements(&self) -> Result<Vec<StatementView>, AppError> {
        Ok(self
            .ledger
            .statements()?
            .into_iter()
            .map(StatementView::from)
            .collect())
    }

    /// Per account, the months its statements cover and the months missing between.
    pub fn coverage(&self) -> Result<Vec<CoverageView>, AppError> {
        Ok(self
            .ledger
            .coverage()?
            .into_iter()
            .map(CoverageView::from)
            .collect())
    }

    /// Deletes a filed statement and exactly the transactions it brought; returns their count.
    pub fn delete_statement(&mut self, statement_id: i64) -> Result<usize, AppError> {
        Ok(self.ledger.delete_statement(statement_id)?)
    }
}
