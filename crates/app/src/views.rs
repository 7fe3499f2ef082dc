//! What the use cases hand out: plain, serializable views. Amounts are decimal strings (exact in
//! JSON and in JavaScript, where numbers are floats).

use folio_ledger::{Iban, Transaction};
use folio_store::{AccountSummary, Coverage, StatementSummary};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerInfo {
    pub data_dir: String,
    pub ledger_file: String,
    pub encrypted: bool,
    pub cipher: String,
    pub schema_version: u32,
    pub keychain_item: String,
    pub accounts: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub name: String,
    pub bank: Option<String>,
    pub holder: Option<String>,
    pub iban: Option<String>,
    pub number: Option<String>,
    /// `****1234`, for lists and logs.
    pub masked: Option<String>,
    pub currency: String,
    pub transaction_count: u64,
    /// The sum of the account's transactions, e.g. `"-12.50"`.
    pub balance: String,
    /// The closing balance printed on its latest statement, and that statement's last day.
    pub statement_balance: Option<String>,
    pub statement_date: Option<String>,
    /// The earliest statement's opening balance plus every transaction filed since.
    pub computed_balance: String,
    /// False when the computed balance disagrees with the latest printed one (a statement is
    /// missing, or rows were filed that the bank did not print).
    pub balance_matches: bool,
    /// The bank connection feeding the account, and when it last synced it (RFC 3339, UTC).
    pub connection_id: Option<i64>,
    pub last_synced_at: Option<String>,
    /// The balance the bank reported at that sync, and the day it is for.
    pub bank_balance: Option<String>,
    pub bank_balance_date: Option<String>,
}

impl From<AccountSummary> for AccountView {
    fn from(s: AccountSummary) -> Self {
        let masked = s.account.masked_identifier();
        AccountView {
            id: s.account.id.0,
            name: s.account.name,
            bank: s.account.bank,
            holder: s.account.holder,
            iban: s.account.iban.as_ref().map(Iban::to_string),
            number: s.account.number,
            masked,
            currency: s.account.currency.to_string(),
            transaction_count: s.transaction_count,
            balance: plain_amount(s.transactions_total),
            statement_balance: None,
            statement_date: None,
            computed_balance: plain_amount(s.transactions_total),
            balance_matches: true,
            connection_id: s.connection_id,
            last_synced_at: s.last_sync_at,
            bank_balance: s.bank_balance.map(plain_amount),
            bank_balance_date: s.bank_balance_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransactionView {
    pub id: i64,
    pub account_id: i64,
    /// ISO date, `2024-03-01`.
    pub date: String,
    pub value_date: Option<String>,
    pub description: String,
    pub amount: String,
    pub balance: Option<String>,
    pub currency: String,
}

impl From<Transaction> for TransactionView {
    fn from(t: Transaction) -> Self {
        TransactionView {
            id: t.id.0,
            account_id: t.account_id.0,
            date: t.date.to_string(),
            value_date: t.value_date.map(|d| d.to_string()),
            description: t.description,
            currency: t.amount.currency().to_string(),
            amount: plain_amount(t.amount),
            balance: t.balance.map(plain_amount),
        }
    }
}

/// `-12.50`: the amount at its currency's precision, without the code.
pub(crate) fn plain_amount(m: folio_ledger::Money) -> String {
    plain_decimal(m.amount(), m.currency().minor_units())
}

/// `-12.50`: `d` with exactly `decimals` digits after the point (more are never cut: the
/// statement engine only hands out amounts at the statement's precision).
pub(crate) fn plain_decimal(mut d: rust_decimal::Decimal, decimals: u32) -> String {
    if d.scale() < decimals {
        d.rescale(decimals);
    }
    d.to_string()
}

/// What `import_statement_file` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub statement_id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub account_created: bool,
    /// Rows filed now.
    pub added: usize,
    /// Rows already in the ledger from an overlapping statement.
    pub already_known: usize,
    pub reconciled: bool,
    pub period_start: String,
    pub period_end: String,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatementView {
    pub id: i64,
    pub account_id: i64,
    pub file_name: String,
    pub period_start: String,
    pub period_end: String,
    pub opening: String,
    pub closing: String,
    pub currency: String,
    pub reconciled: bool,
    /// False for a bank file that printed no balances (QIF, most CSV): nothing to prove, and
    /// `opening`/`closing` are placeholders.
    pub balances_printed: bool,
    pub transactions: u64,
}

impl From<StatementSummary> for StatementView {
    fn from(s: StatementSummary) -> Self {
        StatementView {
            id: s.id,
            account_id: s.account_id.0,
            file_name: s.file_name,
            period_start: s.period_start.to_string(),
            period_end: s.period_end.to_string(),
            currency: s.opening.currency().to_string(),
            opening: plain_amount(s.opening),
            closing: plain_amount(s.closing),
            reconciled: s.reconciled,
            balances_printed: s.balances_printed,
            transactions: s.transactions,
        }
    }
}

/// Months as `YYYY-MM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoverageView {
    pub account_id: i64,
    pub covered: Vec<String>,
    pub missing: Vec<String>,
}

impl From<Coverage> for CoverageView {
    fn from(c: Coverage) -> Self {
        let ym = |d: &chrono::NaiveDate| d.format("%Y-%m").to_string();
        CoverageView {
            account_id: c.account_id.0,
            covered: c.covered.iter().map(ym).collect(),
            missing: c.missing.iter().map(ym).collect(),
        }
    }
}
