//! Reading the ledger: filtered, sorted and paged transactions with full-text search, one
//! transaction in detail, monthly totals and balances.
//!
//! The SQL lives in free functions over a `&Connection`; [`Ledger`](crate::Ledger) methods
//! delegate to them on their own (always keyed) connection. The benchmark runs the very same
//! functions on a plain reference file to measure what encryption costs; nothing here opens or
//! keys a file.

use chrono::{Months, NaiveDate};
use folio_ledger::{Account, AccountId, Currency, Money, Transaction, TransactionId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::statements::{statement_summaries, StatementSummary};
use crate::{parse_date, transaction_from_row, RawTransaction, StoreError, TRANSACTION_COLUMNS};

/// The most rows one query returns; a larger `limit` is capped to it.
pub const MAX_QUERY_LIMIT: u32 = 1000;

/// Words of a search beyond this many are ignored (each one only narrows the result further).
const MAX_SEARCH_WORDS: usize = 32;

/// The column a page of transactions is sorted by. Ties are always broken by id, in the same
/// direction, so pages are stable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TransactionSort {
    /// Booking date.
    #[default]
    Date,
    /// Signed amount (by value: 1.00 EUR sorts with 100 JPY's 100, not with its 100 minor units).
    Amount,
    /// Description, ignoring ASCII case.
    Description,
}

/// Which transactions, in which order, which page. Every filter is optional; filters combine with
/// AND.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionQuery {
    pub account: Option<AccountId>,
    /// Booking date on or after.
    pub from: Option<NaiveDate>,
    /// Booking date on or before.
    pub to: Option<NaiveDate>,
    /// Signed, inclusive, in each transaction's own currency units (-12.5 is -12.50 EUR).
    pub min_amount: Option<Decimal>,
    /// Signed, inclusive, in each transaction's own currency units.
    pub max_amount: Option<Decimal>,
    /// Full-text search: every word must start a word of the description (case and accents
    /// ignored). Any text is safe; blank text is no filter.
    pub text: Option<String>,
    pub sort: TransactionSort,
    pub descending: bool,
    pub offset: u64,
    /// Capped at [`MAX_QUERY_LIMIT`].
    pub limit: u32,
}

impl Default for TransactionQuery {
    /// Everything, newest first, the first 100.
    fn default() -> Self {
        TransactionQuery {
            account: None,
            from: None,
            to: None,
            min_amount: None,
            max_amount: None,
            text: None,
            sort: TransactionSort::Date,
            descending: true,
            offset: 0,
            limit: 100,
        }
    }
}

/// A transaction with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionRow {
    pub transaction: Transaction,
    /// The statement that filed it (none when it was added by hand).
    pub statement_id: Option<i64>,
    /// The statement page it was printed on.
    pub page: Option<u32>,
}

/// One transaction with its account and the statement (and page) that brought it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionDetail {
    pub transaction: Transaction,
    pub account: Account,
    pub statement: Option<StatementSummary>,
    pub page: Option<u32>,
}

/// One month's totals in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthTotals {
    /// The first day of the month.
    pub month: NaiveDate,
    /// The sum of the positive amounts.
    pub income: Money,
    /// The sum of the negative amounts, as a positive magnitude.
    pub expense: Money,
    pub count: u64,
}

/// An account's printed balance beside the one the ledger computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountBalance {
    pub account_id: AccountId,
    /// The closing balance of the statement with the latest period end, and that date.
    pub latest_closing: Option<(NaiveDate, Money)>,
    /// The earliest statement's opening balance (zero without statements) plus every transaction.
    pub computed: Money,
    /// `latest_closing` is absent or equals `computed`; false means rows are missing (a month
    /// without its statement) or extra.
    pub matches: bool,
}

/// One page of transactions matching `query`.
pub fn query_transactions(
    conn: &Connection,
    query: &TransactionQuery,
) -> Result<Vec<TransactionRow>, StoreError> {
    let Some(mut filter) = Filter::build(conn, query)? else {
        return Ok(Vec::new());
    };
    let limit = query.limit.min(MAX_QUERY_LIMIT);
    let dir = if query.descending { "DESC" } else { "ASC" };
    let key = match query.sort {
        TransactionSort::Date => "t.booked_on".to_owned(),
        TransactionSort::Amount => filter.amount_sort_key(),
        TransactionSort::Description => "t.description COLLATE NOCASE".to_owned(),
    };
    let order = format!("ORDER BY {key} {dir}, t.id {dir}");
    let mut from = "transactions t";
    if let Some(expr) = filter.search.take() {
        let matches = matching_ids(conn, &expr)?;
        if matches.is_empty() {
            return Ok(Vec::new());
        }
        // Walking the sort order costs about one index step per row passed; reading the matches
        // costs a row lookup (~12 steps, measured) per match. Walk when the estimate says it is
        // cheaper, and give up (to read the matches) once the walk has spent what reading them
        // would have cost: never worse than twice the better plan.
        let budget = (matches.len() as u64).saturating_mul(WALK_STEPS_PER_LOOKUP);
        let wanted = query.offset.saturating_add(u64::from(limit));
        let estimate = u128::from(wanted) * u128::from(total_rows(conn)?) / matches.len() as u128;
        if estimate < u128::from(budget) {
            let walked =
                walk_matches(conn, &filter, &order, &matches, query.offset, limit, budget)?;
            if let Some(ids) = walked {
                return ids.into_iter().map(|id| row_by_id(conn, id)).collect();
            }
        }
        filter.params.insert(0, Value::Text(expr));
        from = FROM_MATCHES;
    }
    let sql = format!(
        "SELECT {TRANSACTION_COLUMNS} FROM {from}{where_sql} {order} LIMIT ? OFFSET ?",
        where_sql = filter.where_sql()
    );
    let mut params = filter.params;
    params.push(Value::Integer(i64::from(limit)));
    params.push(Value::Integer(
        i64::try_from(query.offset).unwrap_or(i64::MAX),
    ));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), transaction_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(into_row(row?)?);
    }
    Ok(out)
}

/// How many transactions match `query`'s filters; its sort, offset and limit are ignored.
pub fn count_transactions(conn: &Connection, query: &TransactionQuery) -> Result<u64, StoreError> {
    let Some(mut filter) = Filter::build(conn, query)? else {
        return Ok(0);
    };
    let mut from = "transactions t";
    if let Some(expr) = filter.search.take() {
        if filter.clauses.is_empty() {
            // The index mirrors the table exactly (triggers): the matches are the count.
            let count: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM transactions_fts WHERE transactions_fts MATCH ?1",
                )?
                .query_row([expr], |r| r.get(0))?;
            return Ok(u64::try_from(count).unwrap_or(0));
        }
        let matches: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT rowid FROM transactions_fts
                 WHERE transactions_fts MATCH ?1 LIMIT ?2)",
            )?
            .query_row(rusqlite::params![expr, MATCH_COUNT_CAP], |r| r.get(0))?;
        let matches = u64::try_from(matches).unwrap_or(0);
        if matches == 0 {
            return Ok(0);
        }
        // Probing costs building the set of matches plus a step per row the other filters allow
        // (at most every row); reading the matches costs a lookup per match. Measured at a
        // million rows, a lookup is worth about 31 steps more than adding a match to the set.
        if total_rows(conn)? < matches.saturating_mul(31) {
            filter.clauses.push(PROBE_MATCHES.into());
            filter.params.push(Value::Text(expr));
        } else {
            filter.params.insert(0, Value::Text(expr));
            from = FROM_MATCHES;
        }
    }
    let sql = format!("SELECT count(*) FROM {from}{}", filter.where_sql());
    let mut stmt = conn.prepare_cached(&sql)?;
    let count: i64 = stmt.query_row(rusqlite::params_from_iter(filter.params), |r| r.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// A transaction with its account and the statement (and page) that brought it.
pub fn transaction_detail(
    conn: &Connection,
    id: TransactionId,
) -> Result<TransactionDetail, StoreError> {
    let row = row_by_id(conn, id.0)?;
    let account = conn
        .prepare_cached(
            "SELECT id, name, bank, holder, iban, number, currency FROM accounts WHERE id = ?1",
        )?
        .query_row([row.transaction.account_id.0], crate::account_from_row)?
        .into_account()?;
    let statement = match row.statement_id {
        Some(statement_id) => statement_summaries(conn, Some(statement_id))?
            .into_iter()
            .next(),
        None => None,
    };
    Ok(TransactionDetail {
        transaction: row.transaction,
        account,
        statement,
        page: row.page,
    })
}

/// Income, expense and count per month and currency (of one account, or of all), months
/// ascending, then currencies by code. Currencies are never added together.
pub fn monthly_totals(
    conn: &Connection,
    account: Option<AccountId>,
) -> Result<Vec<MonthTotals>, StoreError> {
    if let Some(id) = account {
        account_currency(conn, id)?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT month, currency, sum(income_minor), sum(expense_minor), sum(tx_count)
         FROM transaction_months
         WHERE ?1 IS NULL OR account_id = ?1
         GROUP BY month, currency
         ORDER BY month, currency",
    )?;
    let rows = stmt.query_map([account.map(|a| a.0)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (month, currency, income, expense, count) = row?;
        let currency = Currency::from_code(&currency)?;
        let expense = expense
            .checked_neg()
            .ok_or_else(|| StoreError::Corrupt(format!("expense total {expense}")))?;
        out.push(MonthTotals {
            month: parse_month(&month)?,
            income: Money::from_minor_units(income, currency),
            expense: Money::from_minor_units(expense, currency),
            count: u64::try_from(count).unwrap_or(0),
        });
    }
    Ok(out)
}

/// The account's balance at the end of every month (its last day) from the month of its first
/// transaction to the month of its last: the earliest statement's opening balance (zero without
/// statements) plus the transactions up to that month. Months without transactions carry the
/// balance forward. No transactions, no months.
pub fn balance_by_month(
    conn: &Connection,
    account: AccountId,
) -> Result<Vec<(NaiveDate, Money)>, StoreError> {
    let currency = account_currency(conn, account)?;
    let opening: i64 = conn
        .prepare_cached(
            "SELECT opening_minor FROM statements WHERE account_id = ?1 AND balances_printed = 1
             ORDER BY period_start, id LIMIT 1",
        )?
        .query_row([account.0], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT month, currency, sum(income_minor + expense_minor) FROM transaction_months
         WHERE account_id = ?1 GROUP BY month, currency ORDER BY month",
    )?;
    let rows = stmt.query_map([account.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut nets: Vec<(NaiveDate, i64)> = Vec::new();
    for row in rows {
        let (month, code, net) = row?;
        same_currency(currency, &code)?;
        nets.push((parse_month(&month)?, net));
    }
    let (Some(first), Some(last)) = (nets.first().map(|n| n.0), nets.last().map(|n| n.0)) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut balance = opening;
    let mut next = nets.iter().peekable();
    let mut month = first;
    while month <= last {
        if let Some((_, net)) = next.next_if(|(m, _)| *m == month) {
            balance = balance
                .checked_add(*net)
                .ok_or_else(|| StoreError::Corrupt("balance out of range".into()))?;
        }
        out.push((
            month_end(month)?,
            Money::from_minor_units(balance, currency),
        ));
        month = next_month(month)?;
    }
    Ok(out)
}

/// Every account (by id): its latest printed closing balance beside the computed one.
pub fn account_balances(conn: &Connection) -> Result<Vec<AccountBalance>, StoreError> {
    let mut totals = std::collections::HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT account_id, currency, sum(income_minor + expense_minor)
             FROM transaction_months GROUP BY account_id, currency",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (account, code, total) = row?;
            if totals.insert(account, (code, total)).is_some() {
                return Err(StoreError::Corrupt(format!(
                    "account {account} holds transactions in two currencies"
                )));
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.currency,
                (SELECT s.opening_minor FROM statements s
                 WHERE s.account_id = a.id AND s.balances_printed = 1
                 ORDER BY s.period_start, s.id LIMIT 1),
                (SELECT s.closing_minor || ' ' || s.period_end FROM statements s
                 WHERE s.account_id = a.id AND s.balances_printed = 1
                 ORDER BY s.period_end DESC, s.id DESC LIMIT 1)
         FROM accounts a ORDER BY a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, code, opening, latest) = row?;
        let currency = Currency::from_code(&code)?;
        let total = match totals.get(&id) {
            Some((found, total)) => {
                same_currency(currency, found)?;
                *total
            }
            None => 0,
        };
        let computed = opening
            .unwrap_or(0)
            .checked_add(total)
            .ok_or_else(|| StoreError::Corrupt("balance out of range".into()))?;
        let latest_closing = latest
            .map(|text| -> Result<(NaiveDate, Money), StoreError> {
                let (minor, date) = text
                    .split_once(' ')
                    .ok_or_else(|| StoreError::Corrupt(format!("closing balance {text:?}")))?;
                let minor: i64 = minor
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("closing balance {text:?}")))?;
                Ok((parse_date(date)?, Money::from_minor_units(minor, currency)))
            })
            .transpose()?;
        let computed = Money::from_minor_units(computed, currency);
        out.push(AccountBalance {
            account_id: AccountId(id),
            matches: latest_closing.is_none_or(|(_, closing)| closing == computed),
            latest_closing,
            computed,
        });
    }
    Ok(out)
}

/// Reads the matches first, then each matching row by id: for searches with few matches (and the
/// fallback of a walk that found its rows too sparse).
const FROM_MATCHES: &str =
    "(SELECT rowid AS id FROM transactions_fts WHERE transactions_fts MATCH ?) m \
     CROSS JOIN transactions t ON t.id = m.id";
/// For counts with common words: walks the index that serves the other filters and keeps the rows
/// in the set of matches (built once; the `+` stops SQLite driving the query from the set).
const PROBE_MATCHES: &str =
    "+t.id IN (SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?)";

/// Up to this many matches are counted before a count's plan is chosen.
const MATCH_COUNT_CAP: i64 = 50_000;

/// What one row lookup by id costs, in steps of an index walk (measured at a million rows).
const WALK_STEPS_PER_LOOKUP: u64 = 12;

/// The ids of every transaction matching the FTS5 expression, ascending.
fn matching_ids(conn: &Connection, expr: &str) -> Result<Vec<i64>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?1")?;
    let mut rows = stmt.query([expr])?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next()? {
        ids.push(row.get_ref(0)?.as_i64().map_err(rusqlite::Error::from)?);
    }
    // FTS5 returns rowids in ascending order; the binary search needs it, so make sure.
    if !ids.is_sorted() {
        ids.sort_unstable();
    }
    Ok(ids)
}

/// Walks the rows the other filters allow, in the page's order, keeping those in `matches`:
/// skips `offset` of them and returns the ids of the next `limit`. `None` when the walk passed
/// `budget` rows first.
fn walk_matches(
    conn: &Connection,
    filter: &Filter,
    order: &str,
    matches: &[i64],
    offset: u64,
    limit: u32,
    budget: u64,
) -> Result<Option<Vec<i64>>, StoreError> {
    let sql = format!(
        "SELECT t.id FROM transactions t{} {order}",
        filter.where_sql()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(&filter.params))?;
    let mut skip = offset;
    let mut ids = Vec::with_capacity(limit as usize);
    let mut walked: u64 = 0;
    while ids.len() < limit as usize {
        let Some(row) = rows.next()? else { break };
        walked += 1;
        if walked > budget {
            return Ok(None);
        }
        let id: i64 = row.get(0)?;
        if matches.binary_search(&id).is_ok() {
            if skip > 0 {
                skip -= 1;
            } else {
                ids.push(id);
            }
        }
    }
    Ok(Some(ids))
}

/// Every row in the ledger (from the monthly totals: a few hundred rows, not a million).
fn total_rows(conn: &Connection) -> Result<u64, StoreError> {
    let rows: i64 = conn
        .prepare_cached("SELECT coalesce(sum(tx_count), 0) FROM transaction_months")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(rows).unwrap_or(0))
}

fn row_by_id(conn: &Connection, id: i64) -> Result<TransactionRow, StoreError> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {TRANSACTION_COLUMNS} FROM transactions t WHERE t.id = ?1"
        ))?
        .query_row([id], transaction_from_row)
        .optional()?
        .ok_or(StoreError::UnknownTransaction(id))?;
    into_row(raw)
}

/// The WHERE clause of a query and its parameters.
struct Filter {
    clauses: Vec<String>,
    params: Vec<Value>,
    /// The full-text expression, placed by the caller (see [`plan_search`]).
    search: Option<String>,
    /// The currencies the query can return, with their minor-unit exponents.
    currencies: Vec<Currency>,
}

impl Filter {
    /// `None` when the query provably matches nothing (an amount no currency can reach, a search
    /// with nothing searchable in it).
    fn build(conn: &Connection, q: &TransactionQuery) -> Result<Option<Filter>, StoreError> {
        let mut f = Filter {
            clauses: Vec::new(),
            params: Vec::new(),
            search: None,
            currencies: Vec::new(),
        };
        match q.account {
            Some(id) => {
                f.currencies.push(account_currency(conn, id)?);
                f.clauses.push("t.account_id = ?".into());
                f.params.push(Value::Integer(id.0));
            }
            None => {
                let mut stmt =
                    conn.prepare_cached("SELECT DISTINCT currency FROM accounts ORDER BY 1")?;
                let codes = stmt.query_map([], |r| r.get::<_, String>(0))?;
                for code in codes {
                    f.currencies.push(Currency::from_code(&code?)?);
                }
            }
        }
        if let Some(from) = q.from {
            f.clauses.push("t.booked_on >= ?".into());
            f.params.push(Value::Text(from.to_string()));
        }
        if let Some(to) = q.to {
            f.clauses.push("t.booked_on <= ?".into());
            f.params.push(Value::Text(to.to_string()));
        }
        if (q.min_amount.is_some() || q.max_amount.is_some()) && !f.add_amounts(q)? {
            return Ok(None);
        }
        if let Some(text) = &q.text {
            match fts_query(text) {
                Search::Everything => {}
                Search::Nothing => return Ok(None),
                Search::Match(expr) => f.search = Some(expr),
            }
        }
        Ok(Some(f))
    }

    /// Adds the amount bounds, converted to minor units per currency (rounded inwards, so the
    /// comparison stays exact). False when no currency can have such an amount.
    fn add_amounts(&mut self, q: &TransactionQuery) -> Result<bool, StoreError> {
        // (lower, upper) bounds in minor units, and the currencies that share them.
        type MinorBounds = (Option<i64>, Option<i64>);
        let mut groups: Vec<(MinorBounds, Vec<Currency>)> = Vec::new();
        for currency in &self.currencies {
            let exponent = currency.minor_units();
            let lower = match q.min_amount.map(|v| to_minor(v, exponent, true)) {
                None | Some(Bound::Below) => None,
                Some(Bound::At(v)) => Some(v),
                Some(Bound::Above) => continue,
            };
            let upper = match q.max_amount.map(|v| to_minor(v, exponent, false)) {
                None | Some(Bound::Above) => None,
                Some(Bound::At(v)) => Some(v),
                Some(Bound::Below) => continue,
            };
            if matches!((lower, upper), (Some(l), Some(u)) if l > u) {
                continue;
            }
            match groups.iter_mut().find(|g| g.0 == (lower, upper)) {
                Some(group) => group.1.push(*currency),
                None => groups.push(((lower, upper), vec![*currency])),
            }
        }
        let every_currency = groups.len() == 1 && groups[0].1.len() == self.currencies.len();
        let mut alternatives = Vec::new();
        for ((lower, upper), currencies) in groups {
            let mut parts = Vec::new();
            if !every_currency {
                parts.push(format!(
                    "t.currency IN ({})",
                    vec!["?"; currencies.len()].join(", ")
                ));
                self.params
                    .extend(currencies.iter().map(|c| Value::Text(c.code().to_owned())));
            }
            if let Some(l) = lower {
                parts.push("t.amount_minor >= ?".into());
                self.params.push(Value::Integer(l));
            }
            if let Some(u) = upper {
                parts.push("t.amount_minor <= ?".into());
                self.params.push(Value::Integer(u));
            }
            if !parts.is_empty() {
                alternatives.push(parts.join(" AND "));
            }
        }
        match alternatives.len() {
            0 if every_currency => Ok(true),
            0 => Ok(false),
            1 => {
                self.clauses.extend(alternatives);
                Ok(true)
            }
            _ => {
                self.clauses
                    .push(format!("(({}))", alternatives.join(") OR (")));
                Ok(true)
            }
        }
    }

    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// Amounts sort by value: minor units when every currency in reach has the same exponent
    /// (the index serves the sort), else scaled to the largest exponent (exact integers).
    fn amount_sort_key(&self) -> String {
        let exponents = self.currencies.iter().map(Currency::minor_units);
        let (Some(low), Some(high)) = (exponents.clone().min(), exponents.max()) else {
            return "t.amount_minor".into();
        };
        if low == high {
            return "t.amount_minor".into();
        }
        let cases: String = self
            .currencies
            .iter()
            .filter(|c| c.minor_units() != high)
            .map(|c| {
                // Currency codes come from the ISO 4217 table: three ASCII letters.
                format!(
                    " WHEN '{}' THEN {}",
                    c.code(),
                    10_i64.pow(high - c.minor_units())
                )
            })
            .collect();
        format!("t.amount_minor * CASE t.currency{cases} ELSE 1 END")
    }
}

enum Bound {
    /// Less than every stored amount.
    Below,
    At(i64),
    /// More than every stored amount.
    Above,
}

/// `value` in minor units of a currency with `exponent` decimals, rounded up (a lower bound) or
/// down (an upper bound) so that comparing integers is exactly comparing the decimal amounts.
fn to_minor(value: Decimal, exponent: u32, round_up: bool) -> Bound {
    let out_of_range = if value.is_sign_negative() {
        Bound::Below
    } else {
        Bound::Above
    };
    let Some(scaled) = value.checked_mul(Decimal::from(10_i64.pow(exponent))) else {
        return out_of_range;
    };
    let rounded = if round_up {
        scaled.ceil()
    } else {
        scaled.floor()
    };
    rounded.to_i64().map_or(out_of_range, Bound::At)
}

enum Search {
    /// Blank text: no filter.
    Everything,
    /// Text without a single letter or digit: nothing to find.
    Nothing,
    /// An FTS5 expression.
    Match(String),
}

/// Each whitespace-separated word becomes a quoted prefix term (`"word"*`, quotes doubled), all
/// of them required. Quoting makes every character literal, so no input is an FTS5 syntax error;
/// a word without letters or digits is dropped (it holds no token to look for).
fn fts_query(text: &str) -> Search {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Search::Everything;
    }
    let terms: Vec<String> = words
        .into_iter()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(MAX_SEARCH_WORDS)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        Search::Nothing
    } else {
        Search::Match(terms.join(" "))
    }
}

fn into_row(raw: RawTransaction) -> Result<TransactionRow, StoreError> {
    let statement_id = raw.statement_id;
    let page = raw.page;
    Ok(TransactionRow {
        transaction: raw.into_transaction()?,
        statement_id,
        page,
    })
}

/// The account's currency; [`StoreError::UnknownAccount`] when there is no such account.
fn account_currency(conn: &Connection, id: AccountId) -> Result<Currency, StoreError> {
    let code: Option<String> = conn
        .prepare_cached("SELECT currency FROM accounts WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    Ok(Currency::from_code(
        &code.ok_or(StoreError::UnknownAccount(id))?,
    )?)
}

fn same_currency(expected: Currency, found: &str) -> Result<(), StoreError> {
    if expected.code() == found {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "a {found} total in a {expected} account"
        )))
    }
}

/// `YYYY-MM` to its first day.
fn parse_month(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("month {text:?}")))
}

fn next_month(first_day: NaiveDate) -> Result<NaiveDate, StoreError> {
    first_day
        .checked_add_months(Months::new(1))
        .ok_or_else(|| StoreError::Corrupt(format!("month after {first_day}")))
}

fn month_end(first_day: NaiveDate) -> Result<NaiveDate, StoreError> {
    next_month(first_day)?
        .pred_opt()
        .ok_or_else(|| StoreError::Corrupt(format!("end of {first_day}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_become_quoted_prefix_terms() {
        let Search::Match(expr) = fts_query("  café \"bar\"  OR NEAR( x* ") else {
            panic!("expected a match expression");
        };
        assert_eq!(
            expr,
            "\"café\"* \"\"\"bar\"\"\"* \"OR\"* \"NEAR(\"* \"x*\"*"
        );
        assert!(matches!(fts_query(" \t\n"), Search::Everything));
        assert!(matches!(fts_query("- * ( \""), Search::Nothing));
    }

    #[test]
    fn amount_bounds_round_inwards() {
        assert!(matches!(
            to_minor(Decimal::new(-125, 1), 2, true),
            Bound::At(-1250)
        ));
        // -12.5 JPY: at least -12.5 is at least -12; at most -12.5 is at most -13.
        assert!(matches!(
            to_minor(Decimal::new(-125, 1), 0, true),
            Bound::At(-12)
        ));
        assert!(matches!(
            to_minor(Decimal::new(-125, 1), 0, false),
            Bound::At(-13)
        ));
        assert!(matches!(to_minor(Decimal::MAX, 2, true), Bound::Above));
        assert!(matches!(to_minor(Decimal::MIN, 2, false), Bound::Below));
    }
}
