//! Filing statements: one SQL transaction per statement, the account matched by IBAN or number
//! (or created), the same file refused by its SHA-256, and rows already known from another
//! statement (same fingerprint) not filed again.

use chrono::{Datelike, NaiveDate};
use folio_ledger::{fingerprints, Account, AccountId, Iban, Money, NewAccount, NewTransaction};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{Ledger, StoreError};

/// A read statement, ready to file.
pub struct StatementImport<'a> {
    /// Who and which account, as the statement names it.
    pub account: &'a NewAccount,
    /// File into this existing account instead of the one matched by IBAN or number (the person
    /// picked it in the review). Its currency must be the statement's.
    pub into_account: Option<AccountId>,
    pub file_sha256: &'a str,
    pub file_name: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opening: Money,
    pub closing: Money,
    pub reconciled: bool,
    pub pages: u32,
    /// The rows with the page each was printed on.
    pub transactions: &'a [(NewTransaction, u32)],
}

/// One statement of a bank file (OFX, CAMT, MT940, ...), ready to file with the file's others.
pub struct StatementFilePart<'a> {
    /// Pages are 0 and the rows' page numbers are ignored (a bank file has none). Each part of a
    /// file needs its own `file_sha256`: the caller derives the second and later ones.
    pub statement: StatementImport<'a>,
    /// The bank's id of each row (same order as `statement.transactions`), where it has one.
    pub provider_ids: &'a [Option<String>],
    /// False when the file printed no opening/closing balance (QIF, most CSV): `opening` and
    /// `closing` are then placeholders, left out of the account's balance check.
    pub balances_printed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    pub statement_id: i64,
    pub account: Account,
    pub account_created: bool,
    /// Rows filed now.
    pub added: usize,
    /// Rows already in the ledger from an overlapping statement.
    pub already_known: usize,
}

/// A filed statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementSummary {
    pub id: i64,
    pub account_id: AccountId,
    pub file_name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opening: Money,
    pub closing: Money,
    pub reconciled: bool,
    /// False for a bank file without printed balances: `opening`/`closing` are placeholders.
    pub balances_printed: bool,
    pub transactions: u64,
}

/// Months (first days) an account's statements cover, and the missing ones between the first and
/// the last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub account_id: AccountId,
    pub covered: Vec<NaiveDate>,
    pub missing: Vec<NaiveDate>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
}

/// The account a statement belongs to: by IBAN, else by number and currency; `None` means a new one.
pub(crate) fn match_account(
    conn: &rusqlite::Connection,
    account: &NewAccount,
) -> Result<Option<i64>, StoreError> {
    Ok(match (&account.iban, &account.number) {
        (Some(iban), _) => conn
            .query_row(
                "SELECT id FROM accounts WHERE iban = ?1",
                [iban.as_str()],
                |r| r.get(0),
            )
            .optional()?,
        (None, Some(number)) => conn
            .query_row(
                "SELECT id FROM accounts WHERE iban IS NULL AND number = ?1 AND currency = ?2",
                params![number, account.currency.code()],
                |r| r.get(0),
            )
            .optional()?,
        (None, None) => None,
    })
}

impl Ledger {
    /// The existing account a statement of `account` would be filed into, if any.
    pub fn matching_account(&self, account: &NewAccount) -> Result<Option<AccountId>, StoreError> {
        Ok(match_account(&self.conn, account)?.map(AccountId))
    }

    /// The filed statement that came from the file with this SHA-256, if any.
    pub fn statement_with_file(&self, file_sha256: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM statements WHERE file_sha256 = ?1",
                [file_sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Files a statement, all or nothing.
    pub fn import_statement(
        &mut self,
        s: &StatementImport<'_>,
    ) -> Result<ImportOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = file_statement(&tx, s, None)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Files every statement of one bank file (several accounts or days), all or nothing: one
    /// SQL transaction for the whole file. Each part is filed as [`Ledger::import_statement`]
    /// files a statement (its `file_sha256` unique, rows already known by fingerprint skipped),
    /// and rows with a provider id (FITID, AcctSvcrRef, MT940 reference) keep it: a row whose id
    /// the account already holds, on the same day for the same amount, is already known, so an
    /// overlapping export files only its new rows.
    pub fn import_statement_file(
        &mut self,
        parts: &[StatementFilePart<'_>],
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut outcomes = Vec::with_capacity(parts.len());
        for part in parts {
            if part.provider_ids.len() != part.statement.transactions.len() {
                return Err(StoreError::Corrupt(format!(
                    "{} provider ids for {} rows",
                    part.provider_ids.len(),
                    part.statement.transactions.len()
                )));
            }
            outcomes.push(file_statement(&tx, &part.statement, Some(part))?);
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Filed statements, by account and period.
    pub fn statements(&self) -> Result<Vec<StatementSummary>, StoreError> {
        statement_summaries(&self.conn, None)
    }

    /// For each account with statements: the months covered and the months missing between.
    pub fn coverage(&self) -> Result<Vec<Coverage>, StoreError> {
        let mut out: Vec<Coverage> = Vec::new();
        for s in self.statements()? {
            let months = {
                let mut m = month_start(s.period_start);
                let mut v = Vec::new();
                while m <= s.period_end {
                    v.push(m);
                    m = next_month(m);
                }
                v
            };
            match out.iter_mut().find(|c| c.account_id == s.account_id) {
                Some(c) => c.covered.extend(months),
                None => out.push(Coverage {
                    account_id: s.account_id,
                    covered: months,
                    missing: vec![],
                }),
            }
        }
        for c in &mut out {
            c.covered.sort();
            c.covered.dedup();
            if let (Some(first), Some(last)) =
                (c.covered.first().copied(), c.covered.last().copied())
            {
                let mut m = first;
                while m < last {
                    if c.covered.binary_search(&m).is_err() {
                        c.missing.push(m);
                    }
                    m = next_month(m);
                }
            }
        }
        Ok(out)
    }

    /// Deletes a statement and exactly the transactions it brought (rows it found already known
    /// belong to the statement that filed them first and stay). Returns how many were deleted.
    pub fn delete_statement(&mut self, statement_id: i64) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let rows = tx.execute(
            "DELETE FROM transactions WHERE statement_id = ?1",
            [statement_id],
        )?;
        let statements = tx.execute("DELETE FROM statements WHERE id = ?1", [statement_id])?;
        if statements == 0 {
            return Err(StoreError::UnknownStatement(statement_id));
        }
        tx.commit()?;
        Ok(rows)
    }
}

/// Filed statements (all, or the one with id `only`), by account and period.
pub(crate) fn statement_summaries(
    conn: &Connection,
    only: Option<i64>,
) -> Result<Vec<StatementSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.account_id, s.file_name, s.period_start, s.period_end, s.opening_minor,
                s.closing_minor, s.reconciled, a.currency,
                (SELECT count(*) FROM transactions t WHERE t.statement_id = s.id),
                s.balances_printed
         FROM statements s JOIN accounts a ON a.id = s.account_id
         WHERE ?1 IS NULL OR s.id = ?1
         ORDER BY s.account_id, s.period_start, s.id",
    )?;
    let rows = stmt.query_map([only], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, bool>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, i64>(9)?,
            r.get::<_, bool>(10)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, account, file_name, start, end, open, close, reconciled, cur, count, printed) =
            row?;
        let currency = folio_ledger::Currency::from_code(&cur)?;
        out.push(StatementSummary {
            id,
            account_id: AccountId(account),
            file_name,
            period_start: crate::parse_date(&start)?,
            period_end: crate::parse_date(&end)?,
            opening: Money::from_minor_units(open, currency),
            closing: Money::from_minor_units(close, currency),
            reconciled,
            balances_printed: printed,
            transactions: u64::try_from(count).unwrap_or(0),
        });
    }
    Ok(out)
}

/// Files one statement inside the caller's SQL transaction; `part` adds a bank file's provider
/// ids and whether balances were printed.
fn file_statement(
    tx: &rusqlite::Transaction<'_>,
    s: &StatementImport<'_>,
    part: Option<&StatementFilePart<'_>>,
) -> Result<ImportOutcome, StoreError> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM statements WHERE file_sha256 = ?1",
            [s.file_sha256],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(statement_id) = existing {
        return Err(StoreError::DuplicateStatement { statement_id });
    }
    let found: Option<i64> = match s.into_account {
        Some(chosen) => Some(
            tx.query_row("SELECT id FROM accounts WHERE id = ?1", [chosen.0], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(StoreError::UnknownAccount(chosen))?,
        ),
        None => match_account(tx, s.account)?,
    };
    let (account_id, account_created) = match found {
        Some(id) => (id, false),
        None => {
            tx.execute(
                "INSERT INTO accounts (name, bank, holder, iban, number, currency) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    s.account.name,
                    s.account.bank,
                    s.account.holder,
                    s.account.iban.as_ref().map(Iban::as_str),
                    s.account.number,
                    s.account.currency.code()
                ],
            )?;
            (tx.last_insert_rowid(), true)
        }
    };
    let currency_code: String = tx.query_row(
        "SELECT currency FROM accounts WHERE id = ?1",
        [account_id],
        |r| r.get(0),
    )?;
    let currency = folio_ledger::Currency::from_code(&currency_code)?;
    for money in [s.opening, s.closing]
        .iter()
        .chain(s.transactions.iter().map(|(t, _)| &t.amount))
    {
        if money.currency() != currency {
            return Err(StoreError::WrongCurrency {
                account: currency,
                found: money.currency(),
            });
        }
    }
    tx.execute(
        "INSERT INTO statements (account_id, file_sha256, file_name, period_start, period_end,
           opening_minor, closing_minor, reconciled, pages, balances_printed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            account_id,
            s.file_sha256,
            s.file_name,
            s.period_start.to_string(),
            s.period_end.to_string(),
            s.opening.to_minor_units()?,
            s.closing.to_minor_units()?,
            s.reconciled,
            s.pages,
            part.is_none_or(|p| p.balances_printed)
        ],
    )?;
    let statement_id = tx.last_insert_rowid();
    let minor: Vec<i64> = s
        .transactions
        .iter()
        .map(|(t, _)| t.amount.to_minor_units())
        .collect::<Result<_, _>>()?;
    let fps = fingerprints(
        s.transactions
            .iter()
            .zip(&minor)
            .map(|((t, _), m)| (t.date, *m, t.description.as_str())),
    );
    let mut added = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO transactions (account_id, booked_on, value_on, description, amount_minor,
               currency, balance_minor, statement_id, page, fingerprint, provider_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (account_id, fingerprint) WHERE fingerprint IS NOT NULL DO NOTHING",
        )?;
        let mut by_provider_id = tx.prepare_cached(
            "SELECT booked_on, amount_minor FROM transactions
             WHERE account_id = ?1 AND provider_id = ?2",
        )?;
        let mut link = tx.prepare_cached(
            "UPDATE transactions SET provider_id = ?3
             WHERE account_id = ?1 AND fingerprint = ?2 AND provider_id IS NULL",
        )?;
        for (i, (((t, page), amount), fp)) in
            s.transactions.iter().zip(&minor).zip(&fps).enumerate()
        {
            let balance = t.balance.map(|b| b.to_minor_units()).transpose()?;
            let date = t.date.to_string();
            // Bank files have no pages: the page stays empty.
            let page = part.is_none().then_some(*page);
            let mut provider_id = part
                .and_then(|p| p.provider_ids.get(i))
                .and_then(Option::as_deref);
            if let Some(id) = provider_id {
                let known: Option<(String, i64)> = by_provider_id
                    .query_row(params![account_id, id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                match known {
                    // The bank's id for a row the ledger holds: already known.
                    Some((d, a)) if d == date && a == *amount => continue,
                    // The id names another row (a bank reusing references): file this one as a
                    // row of its own, without the id.
                    Some(_) => provider_id = None,
                    None => {}
                }
            }
            let inserted = insert.execute(params![
                account_id,
                date,
                t.value_date.map(|d| d.to_string()),
                t.description,
                amount,
                currency.code(),
                balance,
                statement_id,
                page,
                fp,
                provider_id
            ])?;
            added += inserted;
            if inserted == 0 {
                if let Some(id) = provider_id {
                    // Known by fingerprint (e.g. from a PDF statement): the row keeps the bank's
                    // id from now on.
                    link.execute(params![account_id, fp, id])?;
                }
            }
        }
    }
    // Read back inside the transaction: one row by id, not the aggregate over every account.
    let account = tx
        .query_row(
            "SELECT id, name, bank, holder, iban, number, currency FROM accounts WHERE id = ?1",
            [account_id],
            crate::account_from_row,
        )?
        .into_account()?;
    Ok(ImportOutcome {
        statement_id,
        account,
        account_created,
        added,
        already_known: s.transactions.len() - added,
    })
}
