//! Bank connections and what they feed: accounts and transactions with the provider's ids.
//!
//! A sync is filed like a statement: one SQL transaction, all or nothing. The provider's id of a
//! transaction makes a re-sync idempotent; a row already filed from a PDF statement (same
//! fingerprint: date, amount, normalised description, occurrence that day) is linked to its
//! provider id instead of filed twice, and a statement filed after a sync skips the rows the feed
//! brought the same way. Secrets never come here: a connection names its keychain item.

use chrono::NaiveDate;
use folio_ledger::{fingerprints, AccountId, Iban, Money, NewAccount, NewTransaction};
use rusqlite::{params, OptionalExtension};

use crate::{Ledger, StoreError};

/// A connection as the person sees it in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankConnection {
    pub id: i64,
    /// `budgea`, `belfius`, `abnamro`.
    pub provider: String,
    pub label: String,
    pub base_url: String,
    /// Where its secrets live in the OS keychain.
    pub keychain_item: String,
    pub state: ConnectionState,
    pub state_detail: Option<String>,
    /// RFC 3339, UTC.
    pub last_sync_at: Option<String>,
    pub accounts: u64,
}

/// Whether a connection syncs, or what it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    Ok,
    /// The token or consent expired: connect again.
    Reconnect,
    /// The bank needs the person (a wrong password, an action on its site, SCA).
    ActionNeeded,
    /// The last sync failed for another reason (network, the bank's server).
    Error,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Ok => "ok",
            ConnectionState::Reconnect => "reconnect",
            ConnectionState::ActionNeeded => "action_needed",
            ConnectionState::Error => "error",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "ok" => ConnectionState::Ok,
            "reconnect" => ConnectionState::Reconnect,
            "action_needed" => ConnectionState::ActionNeeded,
            "error" => ConnectionState::Error,
            other => return Err(StoreError::Corrupt(format!("connection state {other:?}"))),
        })
    }
}

/// A transaction as a feed brings it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedTransaction {
    pub provider_id: String,
    pub transaction: NewTransaction,
}

/// One account's part of a sync.
#[derive(Clone, Debug)]
pub struct FeedBatch<'a> {
    pub connection_id: i64,
    pub provider_account_id: &'a str,
    /// The account as the provider names it (matched by IBAN or number to an account filed
    /// from statements, else created).
    pub account: &'a NewAccount,
    pub transactions: &'a [FeedTransaction],
    /// Provider ids the provider says were deleted.
    pub deleted: &'a [String],
    /// RFC 3339, UTC.
    pub synced_at: &'a str,
    /// The balance the bank reports for the account, and the day it is for (when it says).
    pub bank_balance: Option<Money>,
    pub bank_balance_on: Option<NaiveDate>,
}

/// What a sync of one account did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedOutcome {
    pub account_id: AccountId,
    pub account_created: bool,
    /// New rows filed.
    pub added: usize,
    /// Rows the provider changed (date, text or amount), updated in place.
    pub updated: usize,
    /// Rows already filed from a statement, now linked to their provider id.
    pub linked: usize,
    /// Rows the provider deleted, removed.
    pub removed: usize,
}

impl Ledger {
    /// Records a new connection; its secrets must already be in the keychain item it names.
    pub fn add_connection(
        &mut self,
        provider: &str,
        label: &str,
        base_url: &str,
        keychain_item: &str,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO connections (provider, label, base_url, keychain_item) VALUES (?1, ?2, ?3, ?4)",
            params![provider, label, base_url, keychain_item],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Every connection, oldest first.
    pub fn connections(&self) -> Result<Vec<BankConnection>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.provider, c.label, c.base_url, c.keychain_item, c.state, c.state_detail,
                    c.last_sync_at, (SELECT count(*) FROM accounts a WHERE a.connection_id = c.id)
             FROM connections c ORDER BY c.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, provider, label, base_url, keychain_item, state, state_detail, last, n) = row?;
            out.push(BankConnection {
                id,
                provider,
                label,
                base_url,
                keychain_item,
                state: ConnectionState::parse(&state)?,
                state_detail,
                last_sync_at: last,
                accounts: u64::try_from(n).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// After the person connected again: the connection's new address (a sandbox restarted on
    /// another port keeps its connection) and a clean state. Its secrets are already renewed in
    /// the keychain item it names.
    pub fn reconnected(&mut self, connection_id: i64, base_url: &str) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE connections SET base_url = ?2, state = 'ok', state_detail = NULL WHERE id = ?1",
            params![connection_id, base_url],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownConnection(connection_id));
        }
        Ok(())
    }

    /// Forgets a connection and returns the keychain item it named (for the caller to delete).
    /// Its accounts and transactions stay, no longer fed (their link is cleared).
    pub fn remove_connection(&mut self, connection_id: i64) -> Result<String, StoreError> {
        let tx = self.conn.transaction()?;
        let item: Option<String> = tx
            .query_row(
                "SELECT keychain_item FROM connections WHERE id = ?1",
                [connection_id],
                |r| r.get(0),
            )
            .optional()?;
        let item = item.ok_or(StoreError::UnknownConnection(connection_id))?;
        tx.execute(
            "UPDATE accounts SET connection_id = NULL, provider_account_id = NULL WHERE connection_id = ?1",
            [connection_id],
        )?;
        tx.execute("DELETE FROM connections WHERE id = ?1", [connection_id])?;
        tx.commit()?;
        Ok(item)
    }

    /// Records how the last sync of a connection went.
    pub fn set_connection_state(
        &mut self,
        connection_id: i64,
        state: ConnectionState,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE connections SET state = ?2, state_detail = ?3 WHERE id = ?1",
            params![connection_id, state.as_str(), detail],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownConnection(connection_id));
        }
        Ok(())
    }

    /// Files one account's sync, all or nothing (see the module's rules).
    pub fn apply_feed(&mut self, b: &FeedBatch<'_>) -> Result<FeedOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let known: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM connections WHERE id = ?1",
                [b.connection_id],
                |r| r.get(0),
            )
            .optional()?;
        if known.is_none() {
            return Err(StoreError::UnknownConnection(b.connection_id));
        }
        // The account: by the provider's id, else the statements' rules (IBAN, number), else new.
        let by_provider: Option<i64> = tx
            .query_row(
                "SELECT id FROM accounts WHERE connection_id = ?1 AND provider_account_id = ?2",
                params![b.connection_id, b.provider_account_id],
                |r| r.get(0),
            )
            .optional()?;
        let (account_id, account_created) = match by_provider {
            Some(id) => (id, false),
            None => match crate::statements::match_account(&tx, b.account)? {
                Some(id) => {
                    tx.execute(
                        "UPDATE accounts SET connection_id = ?2, provider_account_id = ?3 WHERE id = ?1",
                        params![id, b.connection_id, b.provider_account_id],
                    )?;
                    (id, false)
                }
                None => {
                    tx.execute(
                        "INSERT INTO accounts (name, bank, holder, iban, number, currency, connection_id, provider_account_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            b.account.name,
                            b.account.bank,
                            b.account.holder,
                            b.account.iban.as_ref().map(Iban::as_str),
                            b.account.number,
                            b.account.currency.code(),
                            b.connection_id,
                            b.provider_account_id
                        ],
                    )?;
                    (tx.last_insert_rowid(), true)
                }
            },
        };
        let currency_code: String = tx.query_row(
            "SELECT currency FROM accounts WHERE id = ?1",
            [account_id],
            |r| r.get(0),
        )?;
        let currency = folio_ledger::Currency::from_code(&currency_code)?;
        for t in b.transactions {
            if t.transaction.amount.currency() != currency {
                return Err(StoreError::WrongCurrency {
                    account: currency,
                    found: t.transaction.amount.currency(),
                });
            }
        }

        let mut removed = 0;
        for id in b.deleted {
            removed += tx.execute(
                "DELETE FROM transactions WHERE account_id = ?1 AND provider_id = ?2",
                params![account_id, id],
            )?;
        }

        let minor: Vec<i64> = b
            .transactions
            .iter()
            .map(|t| t.transaction.amount.to_minor_units())
            .collect::<Result<_, _>>()?;
        let fps = fingerprints(
            b.transactions
                .iter()
                .zip(&minor)
                .map(|(t, m)| (t.transaction.date, *m, t.transaction.description.as_str())),
        );
        let (mut added, mut updated, mut linked) = (0, 0, 0);
        for ((t, amount), fp) in b.transactions.iter().zip(&minor).zip(&fps) {
            let n = &t.transaction;
            let balance = n.balance.map(|m| m.to_minor_units()).transpose()?;
            let existing: Option<(i64, String, Option<String>, String, i64)> = tx
                .query_row(
                    "SELECT id, booked_on, value_on, description, amount_minor FROM transactions
                     WHERE account_id = ?1 AND provider_id = ?2",
                    params![account_id, t.provider_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let date = n.date.to_string();
            let value_date = n.value_date.map(|d| d.to_string());
            if let Some((id, d, v, desc, amt)) = existing {
                if d != date || v != value_date || desc != n.description || amt != *amount {
                    tx.execute(
                        "UPDATE transactions SET booked_on = ?2, value_on = ?3, description = ?4, amount_minor = ?5
                         WHERE id = ?1",
                        params![id, date, value_date, n.description, amount],
                    )?;
                    updated += 1;
                }
                continue;
            }
            let same: Option<(i64, Option<String>)> = tx
                .query_row(
                    "SELECT id, provider_id FROM transactions WHERE account_id = ?1 AND fingerprint = ?2",
                    params![account_id, fp],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match same {
                Some((id, None)) => {
                    // Filed from a statement already: the same row, now known to the feed too.
                    tx.execute(
                        "UPDATE transactions SET provider_id = ?2 WHERE id = ?1",
                        params![id, t.provider_id],
                    )?;
                    linked += 1;
                }
                same => {
                    // A new row; when another provider id already holds this fingerprint the
                    // provider says they are two, so both stay (the second without one).
                    let fingerprint = if same.is_some() { None } else { Some(fp) };
                    tx.execute(
                        "INSERT INTO transactions (account_id, booked_on, value_on, description, amount_minor,
                           currency, balance_minor, fingerprint, provider_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            account_id,
                            date,
                            value_date,
                            n.description,
                            amount,
                            currency.code(),
                            balance,
                            fingerprint,
                            t.provider_id
                        ],
                    )?;
                    added += 1;
                }
            }
        }
        let bank_balance = match b.bank_balance {
            Some(m) if m.currency() != currency => {
                return Err(StoreError::WrongCurrency {
                    account: currency,
                    found: m.currency(),
                })
            }
            Some(m) => Some(m.to_minor_units()?),
            None => None,
        };
        tx.execute(
            "UPDATE accounts SET last_sync_at = ?2, bank_balance_minor = ?3, bank_balance_on = ?4
             WHERE id = ?1",
            params![
                account_id,
                b.synced_at,
                bank_balance,
                b.bank_balance_on.map(|d| d.to_string())
            ],
        )?;
        tx.execute(
            "UPDATE connections SET last_sync_at = ?2, state = 'ok', state_detail = NULL WHERE id = ?1",
            params![b.connection_id, b.synced_at],
        )?;
        tx.commit()?;
        Ok(FeedOutcome {
            account_id: AccountId(account_id),
            account_created,
            added,
            updated,
            linked,
            removed,
        })
    }
}
