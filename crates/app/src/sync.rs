//! Bank connections as use cases: record one, file what a sync fetched, remember how it went.
//! Fetching is the caller's (async, `folio-banks`); filing is here (one SQL transaction per
//! account, by the store's feed rules: provider ids make a re-sync idempotent, rows already
//! filed from a statement are linked, not doubled).

use chrono::{Days, NaiveDate};
use folio_banks::any::{fetch_all_reporting, AnyProvider, ConnectionSecrets, FetchProgress};
use folio_banks::{BankAccount, BankError, TransactionBatch};
use folio_ledger::{NewAccount, NewTransaction};
use folio_secrets::{Keychain, Sensitive};
use folio_store::{ConnectionState, FeedBatch, FeedTransaction};
use serde::Serialize;

use crate::{AppError, ErrorCode, Folio};

/// A connection as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionView {
    pub id: i64,
    pub provider: String,
    pub label: String,
    pub base_url: String,
    /// `ok`, `reconnect`, `action_needed` or `error`.
    pub state: String,
    pub state_detail: Option<String>,
    pub last_sync_at: Option<String>,
    pub accounts: u64,
}

/// What one sync filed, per account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub connection_id: i64,
    pub accounts: Vec<AccountSync>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountSync {
    pub account_id: i64,
    pub name: String,
    pub created: bool,
    pub added: usize,
    pub updated: usize,
    pub linked: usize,
    pub removed: usize,
}

impl Folio {
    /// Records a connection whose secrets are already in the keychain item it names.
    pub fn add_connection(
        &mut self,
        provider: &str,
        label: &str,
        base_url: &str,
        keychain_item: &str,
    ) -> Result<i64, AppError> {
        Ok(self
            .ledger
            .add_connection(provider, label, base_url, keychain_item)?)
    }

    pub fn connections(&self) -> Result<Vec<ConnectionView>, AppError> {
        Ok(self
            .ledger
            .connections()?
            .into_iter()
            .map(|c| ConnectionView {
                id: c.id,
                provider: c.provider,
                label: c.label,
                base_url: c.base_url,
                state: c.state.as_str().to_string(),
                state_detail: c.state_detail,
                last_sync_at: c.last_sync_at,
                accounts: c.accounts,
            })
            .collect())
    }

    /// Files what a sync fetched: each account in its own SQL transaction. `synced_at` is
    /// RFC 3339 UTC.
    pub fn apply_sync(
        &mut self,
        connection_id: i64,
        bank: &str,
        fetched: &[(BankAccount, TransactionBatch)],
        synced_at: &str,
    ) -> Result<SyncReport, AppError> {
        let mut accounts = Vec::new();
        for (account, batch) in fetched {
            let new_account = NewAccount {
                name: account.name.clone(),
                bank: Some(bank.to_string()),
                holder: None,
                iban: account.iban.clone(),
                number: account.number.clone(),
                currency: account.currency,
            };
            let transactions: Vec<FeedTransaction> = batch
                .transactions
                .iter()
                .map(|t| FeedTransaction {
                    provider_id: t.provider_id.clone(),
                    transaction: NewTransaction {
                        date: t.date,
                        value_date: t.value_date,
                        description: t.description.clone(),
                        amount: t.amount,
                        balance: None,
                    },
                })
                .collect();
            let out = self.ledger.apply_feed(&FeedBatch {
                connection_id,
                provider_account_id: &account.provider_id,
                account: &new_account,
                transactions: &transactions,
                deleted: &batch.deleted,
                synced_at,
                bank_balance: account.balance,
                bank_balance_on: account.balance_date,
            })?;
            accounts.push(AccountSync {
                account_id: out.account_id.0,
                name: account.name.clone(),
                created: out.account_created,
                added: out.added,
                updated: out.updated,
                linked: out.linked,
                removed: out.removed,
            });
        }
        Ok(SyncReport {
            connection_id,
            accounts,
        })
    }

    /// Remembers why a sync failed, so the list shows "reconnect" or "the bank needs you".
    pub fn record_sync_failure(
        &mut self,
        connection_id: i64,
        error: &BankError,
    ) -> Result<(), AppError> {
        let state = match error {
            BankError::Reconnect { .. } => ConnectionState::Reconnect,
            BankError::ActionNeeded { .. } => ConnectionState::ActionNeeded,
            _ => ConnectionState::Error,
        };
        Ok(self
            .ledger
            .set_connection_state(connection_id, state, Some(&error.to_string()))?)
    }
}

impl From<BankError> for AppError {
    fn from(e: BankError) -> Self {
        AppError::new(crate::ErrorCode::Bank(e.code()), e.to_string())
    }
}

/// A sync about to run: the client and the window of days to fetch.
#[derive(Debug)]
pub struct SyncPlan {
    pub connection_id: i64,
    pub bank: String,
    pub provider: AnyProvider,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Ask the provider to fetch from the bank now before reading (Budgea's manual resync,
    /// `PUT /users/me/connections`); otherwise what it last fetched on its own schedule is read.
    pub refresh_at_bank: bool,
}

impl SyncPlan {
    /// Fetches every account and its transactions in the window (async; files nothing).
    pub async fn fetch(&self) -> Result<Vec<(BankAccount, TransactionBatch)>, BankError> {
        self.fetch_reporting(&mut |_| {}).await
    }

    /// [`SyncPlan::fetch`] reporting each account as it starts.
    pub async fn fetch_reporting(
        &self,
        on_progress: &mut (dyn FnMut(FetchProgress) + Send),
    ) -> Result<Vec<(BankAccount, TransactionBatch)>, BankError> {
        if self.refresh_at_bank {
            if let AnyProvider::Budgea(budgea) = &self.provider {
                // A bank login that needs the person (wrong password, SCA) stops the sync here,
                // with the bank's reason, before anything is read.
                for login in budgea.resync_all().await? {
                    if let Some(problem) = login.problem() {
                        return Err(problem);
                    }
                }
            }
        }
        fetch_all_reporting(&self.provider, self.from, self.to, on_progress).await
    }
}

impl Folio {
    /// Connects a bank: its secrets go into a keychain item of their own (read back), then the
    /// connection is recorded. If recording fails, the keychain item is removed again.
    pub fn connect(
        &mut self,
        keychain: &Keychain,
        base_url: &str,
        label: &str,
        secrets: &ConnectionSecrets,
    ) -> Result<i64, AppError> {
        self.connect_as(secrets.provider(), keychain, base_url, label, secrets)
    }

    /// [`Folio::connect`] recorded under another provider name (`sandbox` for the app's own
    /// offline test bank, which speaks Budgea's API).
    pub fn connect_as(
        &mut self,
        provider: &str,
        keychain: &Keychain,
        base_url: &str,
        label: &str,
        secrets: &ConnectionSecrets,
    ) -> Result<i64, AppError> {
        let mut suffix = [0_u8; 8];
        getrandom::fill(&mut suffix)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("no randomness: {e}")))?;
        let item = format!(
            "bank:{}:{}",
            self.data_dir.path().display(),
            hex::encode(suffix)
        );
        let json = serde_json::to_string(secrets)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        keychain.set(&item, &Sensitive::new(json))?;
        match self.ledger.add_connection(provider, label, base_url, &item) {
            Ok(id) => Ok(id),
            Err(e) => {
                let _ = keychain.delete(&item);
                Err(e.into())
            }
        }
    }

    /// Connects a known connection again (its token expired, its consent ended, a sandbox
    /// restarted): the new secrets replace the old ones in the connection's own keychain item,
    /// then its address and state are updated. Its accounts and transactions stay as they are.
    pub fn reconnect(
        &mut self,
        keychain: &Keychain,
        connection_id: i64,
        base_url: &str,
        secrets: &ConnectionSecrets,
    ) -> Result<(), AppError> {
        let conn = self.connection_record(connection_id)?;
        let json = serde_json::to_string(secrets)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        keychain.set(&conn.keychain_item, &Sensitive::new(json))?;
        Ok(self.ledger.reconnected(connection_id, base_url)?)
    }

    /// Forgets a connection: its row goes, then its keychain item. Its accounts and every
    /// transaction stay in the ledger, no longer fed.
    pub fn disconnect(&mut self, keychain: &Keychain, connection_id: i64) -> Result<(), AppError> {
        let item = self.ledger.remove_connection(connection_id)?;
        keychain.delete(&item)?;
        Ok(())
    }

    /// The secrets of a connection, from its keychain item (for a reconnect that keeps some).
    pub fn connection_secrets(
        &self,
        keychain: &Keychain,
        connection_id: i64,
    ) -> Result<ConnectionSecrets, AppError> {
        let conn = self.connection_record(connection_id)?;
        read_secrets(keychain, &conn)
    }

    fn connection_record(
        &self,
        connection_id: i64,
    ) -> Result<folio_store::BankConnection, AppError> {
        self.ledger
            .connections()?
            .into_iter()
            .find(|c| c.id == connection_id)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::UnknownConnection,
                    format!("no bank connection {connection_id}"),
                )
            })
    }

    /// The client of a connection (its secrets read from the keychain) and the days to fetch:
    /// from a week before the last sync (late bookings and changes), or as far back as the
    /// provider allows on the first sync, to `today`.
    pub fn plan_sync(
        &self,
        keychain: &Keychain,
        connection_id: i64,
        today: NaiveDate,
        pinned_today: Option<NaiveDate>,
    ) -> Result<SyncPlan, AppError> {
        self.plan_sync_at(keychain, connection_id, today, pinned_today, None)
    }

    /// [`Folio::plan_sync`] against `base_url` instead of the recorded address (the app's own
    /// sandbox bank listens on a new port each start).
    pub fn plan_sync_at(
        &self,
        keychain: &Keychain,
        connection_id: i64,
        today: NaiveDate,
        pinned_today: Option<NaiveDate>,
        base_url: Option<&str>,
    ) -> Result<SyncPlan, AppError> {
        let conn = self.connection_record(connection_id)?;
        let secrets = read_secrets(keychain, &conn)?;
        let earliest = today - Days::new(secrets.max_history_days(folio_banks::any::now_unix()));
        let from = conn
            .last_sync_at
            .as_deref()
            .and_then(|t| t.get(..10))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|last| last - Days::new(7))
            // A last sync "after today" (a sync pinned to an earlier day) says nothing of today's.
            .filter(|from| *from <= today)
            // A gap longer than the provider serves: cut to its limit, unless the person can
            // open older history (Belfius: the client then asks for SCA, and nothing is lost).
            .map_or(earliest, |from| {
                if secrets.gap_needs_the_person() {
                    from
                } else {
                    from.max(earliest)
                }
            });
        Ok(SyncPlan {
            connection_id,
            bank: conn.label.clone(),
            provider: secrets.client(base_url.unwrap_or(&conn.base_url), pinned_today)?,
            from,
            to: today,
            refresh_at_bank: false,
        })
    }
}

/// A connection's secrets from the keychain item it names.
fn read_secrets(
    keychain: &Keychain,
    conn: &folio_store::BankConnection,
) -> Result<ConnectionSecrets, AppError> {
    let connection_id = conn.id;
    let text = keychain.get(&conn.keychain_item)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::Bank("BANK_RECONNECT"),
            format!(
                "the keychain has no secrets for connection {connection_id} ({}); connect it again",
                conn.label
            ),
        )
    })?;
    serde_json::from_str(text.expose()).map_err(|_| {
        AppError::new(
            ErrorCode::Bank("BANK_RECONNECT"),
            format!("the keychain item of connection {connection_id} is damaged; connect it again"),
        )
    })
}

impl Folio {
    /// Files what `plan` fetched, or records why it failed (and returns that error).
    pub fn finish_sync(
        &mut self,
        plan: &SyncPlan,
        fetched: Result<Vec<(BankAccount, TransactionBatch)>, BankError>,
        synced_at: &str,
    ) -> Result<SyncReport, AppError> {
        match fetched {
            Ok(data) => self.apply_sync(plan.connection_id, &plan.bank, &data, synced_at),
            Err(e) => {
                self.record_sync_failure(plan.connection_id, &e)?;
                Err(e.into())
            }
        }
    }
}
