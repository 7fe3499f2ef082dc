//! Folio's ledger file: SQLite encrypted with SQLCipher (AES-256, HMAC per page), through rusqlite.
//!
//! Invariants:
//! - The file is always encrypted: a plain SQLite file is refused, never opened or converted.
//! - A wrong key (or a damaged file) is a typed error and changes no byte of the file: the key is
//!   checked by a read before anything could write.
//! - Every write path is one SQL transaction.
//! - Amounts are integer minor units; dates are ISO text.
//! - Temporary tables and indices stay in memory (`temp_store = MEMORY`), so no plaintext temp file
//!   is ever written next to the ledger.

mod feeds;
mod mappings;
mod migrations;
pub mod queries;
mod statements;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use folio_ledger::{
    Account, AccountId, Currency, Iban, LedgerError, Money, NewAccount, NewTransaction,
    Transaction, TransactionId,
};
use folio_secrets::LedgerKey;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};

pub use feeds::{BankConnection, ConnectionState, FeedBatch, FeedOutcome, FeedTransaction};
pub use mappings::BankFileMapping;
pub use migrations::{latest_version, Migration, MIGRATIONS};
pub use queries::{
    AccountBalance, MonthTotals, TransactionDetail, TransactionQuery, TransactionRow,
    TransactionSort, MAX_QUERY_LIMIT,
};
pub use statements::{
    Coverage, ImportOutcome, StatementFilePart, StatementImport, StatementSummary,
};

/// The first 16 bytes of every unencrypted SQLite file.
const PLAIN_SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no ledger at {0}")]
    NotFound(PathBuf),
    #[error("a ledger already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("the ledger could not be decrypted: the key is wrong or the file is damaged")]
    WrongKey,
    #[error("{0} is an unencrypted SQLite file; Folio only opens encrypted ledgers")]
    NotEncrypted(PathBuf),
    #[error("the ledger has schema version {found}, newer than this Folio knows ({known})")]
    SchemaTooNew { found: u32, known: u32 },
    #[error("this statement file was already filed (statement {statement_id})")]
    DuplicateStatement { statement_id: i64 },
    #[error("statement {0} does not exist")]
    UnknownStatement(i64),
    #[error("bank connection {0} does not exist")]
    UnknownConnection(i64),
    #[error("transaction {0} does not exist")]
    UnknownTransaction(i64),
    #[error("account {0} does not exist")]
    UnknownAccount(AccountId),
    #[error("a {found} transaction cannot be filed in a {account} account")]
    WrongCurrency { account: Currency, found: Currency },
    #[error("the ledger holds a value Folio cannot read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Domain(#[from] LedgerError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the encrypted database engine did not start: {0}")]
    Startup(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// An account with what the ledger knows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    pub account: Account,
    pub transaction_count: u64,
    /// The sum of all its transactions (exact, in minor units).
    pub transactions_total: Money,
    /// The bank connection that feeds it, if any, and when that last brought its transactions.
    pub connection_id: Option<i64>,
    /// RFC 3339, UTC.
    pub last_sync_at: Option<String>,
    /// The balance the bank reported at the last sync, and the day it is for.
    pub bank_balance: Option<Money>,
    pub bank_balance_on: Option<NaiveDate>,
}

/// An open, unlocked ledger.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// Creates a new encrypted ledger at `path` with `key`. Refuses to touch an existing file.
    pub fn create(path: &Path, key: &LedgerKey) -> Result<Ledger, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = open_connection(path, flags)?;
        apply_key(&conn, key)?;
        Self::finish_open(conn, path)
    }

    /// Opens the existing ledger at `path`. A wrong key gives [`StoreError::WrongKey`] and leaves
    /// the file exactly as it was.
    pub fn open(path: &Path, key: &LedgerKey) -> Result<Ledger, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        if starts_plain(path)? {
            return Err(StoreError::NotEncrypted(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = open_connection(path, flags)?;
        apply_key(&conn, key)?;
        // The first read decrypts page 1: it fails on a wrong key before anything can write.
        let probe = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        });
        match probe {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
                ) =>
            {
                return Err(StoreError::WrongKey)
            }
            Err(e) => return Err(e.into()),
        }
        Self::finish_open(conn, path)
    }

    fn finish_open(mut conn: Connection, path: &Path) -> Result<Ledger, StoreError> {
        setup_connection(&mut conn)?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::current_version(&self.conn)
    }

    /// SQLCipher's version, e.g. `4.6.1 community`: proof that the ledger runs encrypted.
    pub fn cipher_version(&self) -> Result<String, StoreError> {
        let version: Option<String> = self
            .conn
            .query_row("PRAGMA cipher_version", [], |r| r.get(0))
            .optional()?;
        version.ok_or_else(|| StoreError::Corrupt("SQLCipher is not linked".into()))
    }

    pub fn add_account(&mut self, new: &NewAccount) -> Result<Account, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO accounts (name, bank, holder, iban, number, currency)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.name,
                new.bank,
                new.holder,
                new.iban.as_ref().map(Iban::as_str),
                new.number,
                new.currency.code()
            ],
        )?;
        let id = AccountId(tx.last_insert_rowid());
        tx.commit()?;
        Ok(Account {
            id,
            name: new.name.clone(),
            bank: new.bank.clone(),
            holder: new.holder.clone(),
            iban: new.iban.clone(),
            number: new.number.clone(),
            currency: new.currency,
        })
    }

    /// Files transactions into an account, all or none.
    pub fn add_transactions(
        &mut self,
        account: AccountId,
        new: &[NewTransaction],
    ) -> Result<Vec<TransactionId>, StoreError> {
        let tx = self.conn.transaction()?;
        let currency: Option<String> = tx
            .query_row(
                "SELECT currency FROM accounts WHERE id = ?1",
                [account.0],
                |r| r.get(0),
            )
            .optional()?;
        let currency = Currency::from_code(&currency.ok_or(StoreError::UnknownAccount(account))?)?;
        let mut ids = Vec::with_capacity(new.len());
        {
            let mut insert = tx.prepare(
                "INSERT INTO transactions
                   (account_id, booked_on, value_on, description, amount_minor, currency, balance_minor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for t in new {
                for money in std::iter::once(&t.amount).chain(t.balance.as_ref()) {
                    if money.currency() != currency {
                        return Err(StoreError::WrongCurrency {
                            account: currency,
                            found: money.currency(),
                        });
                    }
                }
                let balance = t.balance.map(|b| b.to_minor_units()).transpose()?;
                insert.execute(params![
                    account.0,
                    t.date.to_string(),
                    t.value_date.map(|d| d.to_string()),
                    t.description,
                    t.amount.to_minor_units()?,
                    currency.code(),
                    balance,
                ])?;
                ids.push(TransactionId(tx.last_insert_rowid()));
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// All accounts, by name, with their transaction count and total.
    pub fn accounts(&self) -> Result<Vec<AccountSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            // From the per-month totals the triggers keep (migration 3): a few hundred rows
            // instead of every transaction, so the sidebar is instant at a million rows.
            "SELECT a.id, a.name, a.bank, a.holder, a.iban, a.number, a.currency,
                    coalesce(m.n, 0), coalesce(m.total, 0),
                    a.connection_id, a.last_sync_at, a.bank_balance_minor, a.bank_balance_on
             FROM accounts a LEFT JOIN (
                 SELECT account_id, sum(tx_count) AS n, sum(income_minor + expense_minor) AS total
                 FROM transaction_months GROUP BY account_id
             ) m ON m.account_id = a.id
             ORDER BY a.name COLLATE NOCASE, a.id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                account_from_row(row)?,
                (row.get(7)?, row.get(8)?),
                (
                    row.get::<_, Option<i64>>(9)?,
                    row.get::<_, Option<String>>(10)?,
                    row.get::<_, Option<i64>>(11)?,
                    row.get::<_, Option<String>>(12)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (account, (count, total), (connection_id, last_sync_at, bank_minor, bank_on)): (
                RawAccount,
                (i64, i64),
                _,
            ) = row?;
            let account = account.into_account()?;
            out.push(AccountSummary {
                transactions_total: Money::from_minor_units(total, account.currency),
                transaction_count: u64::try_from(count).unwrap_or(0),
                connection_id,
                last_sync_at,
                bank_balance: bank_minor.map(|m| Money::from_minor_units(m, account.currency)),
                bank_balance_on: bank_on.as_deref().map(parse_date).transpose()?,
                account,
            });
        }
        Ok(out)
    }

    /// Transactions, oldest first; of one account, or of all.
    pub fn transactions(&self, account: Option<AccountId>) -> Result<Vec<Transaction>, StoreError> {
        if let Some(id) = account {
            let exists: Option<i64> = self
                .conn
                .query_row("SELECT id FROM accounts WHERE id = ?1", [id.0], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::UnknownAccount(id));
            }
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TRANSACTION_COLUMNS}
             FROM transactions t
             WHERE ?1 IS NULL OR t.account_id = ?1
             ORDER BY t.booked_on, t.id"
        ))?;
        let rows = stmt.query_map([account.map(|a| a.0)], transaction_from_row)?;
        rows.map(|r| {
            r.map_err(StoreError::from)
                .and_then(RawTransaction::into_transaction)
        })
        .collect()
    }

    /// One page of transactions matching `query` (filters, full-text search, sort, paging).
    pub fn query_transactions(
        &self,
        query: &TransactionQuery,
    ) -> Result<Vec<TransactionRow>, StoreError> {
        queries::query_transactions(&self.conn, query)
    }

    /// How many transactions match `query`'s filters (its sort, offset and limit are ignored).
    pub fn count_transactions(&self, query: &TransactionQuery) -> Result<u64, StoreError> {
        queries::count_transactions(&self.conn, query)
    }

    /// A transaction with its account and the statement (and page) that brought it.
    pub fn transaction_detail(&self, id: TransactionId) -> Result<TransactionDetail, StoreError> {
        queries::transaction_detail(&self.conn, id)
    }

    /// Income, expense and count per month and currency, months ascending.
    pub fn monthly_totals(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<MonthTotals>, StoreError> {
        queries::monthly_totals(&self.conn, account)
    }

    /// The account's balance at the end of every month from its first to its last transaction.
    pub fn balance_by_month(
        &self,
        account: AccountId,
    ) -> Result<Vec<(NaiveDate, Money)>, StoreError> {
        queries::balance_by_month(&self.conn, account)
    }

    /// Per account: the latest printed closing balance beside the balance the ledger computes.
    pub fn account_balances(&self) -> Result<Vec<AccountBalance>, StoreError> {
        queries::account_balances(&self.conn)
    }
}

/// Prepares an open connection the way every ledger connection is prepared: foreign keys, memory
/// temp store, secure delete, WAL, page cache, then the schema brought up to date. It keys nothing
/// and opens nothing: [`Ledger`] calls it on its own keyed connection only. It is public so the
/// benchmark can give its plain reference file exactly the same setup and schema.
pub fn setup_connection(conn: &mut Connection) -> Result<u32, StoreError> {
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "secure_delete", true)?;
    // WAL pages are encrypted like the main file.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A 64 MiB page cache instead of SQLite's 2 MiB: SQLCipher decrypts (and checks the HMAC of)
    // every page it reads from the file, so a page served from the cache costs no more than in a
    // plain file. At a million transactions the indexes that pages, counts and searches walk fit;
    // the memory is only taken as pages are read.
    conn.pragma_update(None, "cache_size", -65_536)?;
    migrations::migrate_to(conn, latest_version())
}

/// SQLite flags itself initialised *before* it runs SQLCipher's start-up hook, so a second
/// thread opening its first connection in that window gets a connection whose `PRAGMA key`
/// fails ("An error occurred with PRAGMA key ..."). Every ledger connection therefore waits for
/// one in-memory connection that ran the whole start-up on a single thread.
fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    static STARTED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    STARTED
        .get_or_init(|| {
            Connection::open_in_memory()
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(StoreError::Startup)?;
    Ok(Connection::open_with_flags(path, flags)?)
}

fn apply_key(conn: &Connection, key: &LedgerKey) -> Result<(), StoreError> {
    // A wrong key is reported as a typed error; SQLCipher's own log line on stderr would only
    // confuse a person reading the terminal.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // A raw 256-bit key (no passphrase derivation): SQLCipher's x'...' form.
    let pragma = zeroize::Zeroizing::new(format!(
        "PRAGMA key = \"x'{}'\";",
        hex::encode(key.expose())
    ));
    conn.execute_batch(&pragma)?;
    Ok(())
}

fn starts_plain(path: &Path) -> Result<bool, StoreError> {
    let mut header = [0_u8; 16];
    let mut file = File::open(path)?;
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read == header.len() && &header == PLAIN_SQLITE_HEADER)
}

pub(crate) struct RawAccount {
    id: i64,
    name: String,
    bank: Option<String>,
    holder: Option<String>,
    iban: Option<String>,
    number: Option<String>,
    currency: String,
}

pub(crate) fn account_from_row(row: &Row<'_>) -> rusqlite::Result<RawAccount> {
    Ok(RawAccount {
        id: row.get(0)?,
        name: row.get(1)?,
        bank: row.get(2)?,
        holder: row.get(3)?,
        iban: row.get(4)?,
        number: row.get(5)?,
        currency: row.get(6)?,
    })
}

impl RawAccount {
    pub(crate) fn into_account(self) -> Result<Account, StoreError> {
        Ok(Account {
            id: AccountId(self.id),
            name: self.name,
            bank: self.bank,
            holder: self.holder,
            iban: self.iban.as_deref().map(Iban::parse).transpose()?,
            number: self.number,
            currency: Currency::from_code(&self.currency)?,
        })
    }
}

/// The columns [`transaction_from_row`] reads, in order, from `transactions t`.
pub(crate) const TRANSACTION_COLUMNS: &str = "t.id, t.account_id, t.booked_on, t.value_on, \
     t.description, t.amount_minor, t.currency, t.balance_minor, t.statement_id, t.page";

pub(crate) struct RawTransaction {
    id: i64,
    account_id: i64,
    booked_on: String,
    value_on: Option<String>,
    description: String,
    amount_minor: i64,
    currency: String,
    balance_minor: Option<i64>,
    pub(crate) statement_id: Option<i64>,
    pub(crate) page: Option<u32>,
}

/// Reads [`TRANSACTION_COLUMNS`].
pub(crate) fn transaction_from_row(row: &Row<'_>) -> rusqlite::Result<RawTransaction> {
    Ok(RawTransaction {
        id: row.get(0)?,
        account_id: row.get(1)?,
        booked_on: row.get(2)?,
        value_on: row.get(3)?,
        description: row.get(4)?,
        amount_minor: row.get(5)?,
        currency: row.get(6)?,
        balance_minor: row.get(7)?,
        statement_id: row.get(8)?,
        page: row.get(9)?,
    })
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("date {text:?}")))
}

impl RawTransaction {
    pub(crate) fn into_transaction(self) -> Result<Transaction, StoreError> {
        let currency = Currency::from_code(&self.currency)?;
        Ok(Transaction {
            id: TransactionId(self.id),
            account_id: AccountId(self.account_id),
            date: parse_date(&self.booked_on)?,
            value_date: self.value_on.as_deref().map(parse_date).transpose()?,
            description: self.description,
            amount: Money::from_minor_units(self.amount_minor, currency),
            balance: self
                .balance_minor
                .map(|b| Money::from_minor_units(b, currency)),
        })
    }
}
