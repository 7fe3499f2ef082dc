//! Folio's use cases: the one API that the desktop shell (src-tauri) and the CLI call.
//!
//! This layer decides *where* the ledger lives and *how* it is unlocked; the store decides how it is
//! kept, the ledger crate what it means. Nothing here knows about Tauri or the terminal.

mod data_dir;
mod error;
mod views;

use std::path::Path;

use folio_ledger::{AccountId, Money, NewAccount, NewTransaction};
use folio_secrets::{decode_ledger_key, encode_ledger_key, generate_ledger_key, Keychain};
use folio_statements::{IntakeLimits, PdfEngine};
use folio_store::Ledger;
use folio_store::StatementImport;
use sha2::{Digest, Sha256};

pub use data_dir::DataDir;
pub use error::{AppError, ErrorCode};
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

    pub fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        Ok(self
            .ledger
            .accounts()?
            .into_iter()
            .map(AccountView::from)
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

    /// Reads a statement file and files it: the account matched by IBAN or number (or created),
    /// rows already known from an overlapping statement skipped, all in one SQL transaction. The
    /// same file twice (also renamed) is STATEMENT_DUPLICATE; a statement that does not reconcile
    /// is STATEMENT_NOT_RECONCILED unless `accept_unreconciled`. Any failure changes nothing.
    pub fn import_statement_file(
        &mut self,
        engine: &PdfEngine,
        path: &Path,
        password: Option<&str>,
        limits: IntakeLimits,
        accept_unreconciled: bool,
    ) -> Result<ImportReport, AppError> {
        let bytes = folio_statements::read_pdf(path, limits)?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let text = engine.extract_within(&bytes, password, limits)?;
        let s = folio_statements::parse_statement(&text)?;
        let warnings: Vec<String> = s
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.code, w.message))
            .collect();
        if !s.reconciled && !accept_unreconciled {
            return Err(AppError::new(
                ErrorCode::StatementNotReconciled,
                format!("{}: {}", path.display(), warnings.join("; ")),
            ));
        }
        let currency = s.currency;
        let name = match (&s.identity.bank, s.masked_account()) {
            (Some(bank), Some(masked)) => format!("{bank} {masked}"),
            (Some(bank), None) => bank.clone(),
            (None, Some(masked)) => format!("Account {masked}"),
            (None, None) => "Account".to_string(),
        };
        let account = NewAccount {
            name,
            bank: s.identity.bank.clone(),
            holder: s.identity.holder.clone(),
            iban: s.identity.iban.clone(),
            number: s.identity.account_number.clone(),
            currency,
        };
        let rows: Vec<(NewTransaction, u32)> = s
            .transactions
            .iter()
            .map(|t| {
                (
                    NewTransaction {
                        date: t.date,
                        value_date: t.value_date,
                        description: t.description.clone(),
                        amount: Money::new(t.amount, currency),
                        balance: t.balance.map(|b| Money::new(b, currency)),
                    },
                    t.page,
                )
            })
            .collect();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let outcome = self.ledger.import_statement(&StatementImport {
            account: &account,
            file_sha256: &sha,
            file_name: &file_name,
            period_start: s.period_start,
            period_end: s.period_end,
            opening: Money::new(s.opening_balance, currency),
            closing: Money::new(s.closing_balance, currency),
            reconciled: s.reconciled,
            pages: s.pages,
            transactions: &rows,
        })?;
        Ok(ImportReport {
            file: path.display().to_string(),
            statement_id: outcome.statement_id,
            account_id: outcome.account.id.0,
            account_name: outcome.account.name,
            account_created: outcome.account_created,
            added: outcome.added,
            already_known: outcome.already_known,
            reconciled: s.reconciled,
            period_start: s.period_start.to_string(),
            period_end: s.period_end.to_string(),
            warnings,
        })
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
