//! Any provider, chosen at run time from a stored connection, and the secrets each one needs
//! (kept as one JSON value in the OS keychain item the connection names, never elsewhere).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::abnamro::{AbnAmro, AbnAmroConfig, Credentials};
use crate::belfius::Belfius;
use crate::budgea::Budgea;
use crate::http::RetryPolicy;
use crate::{BankAccount, BankError, Provider, TransactionBatch};

/// What a connection needs to reach its bank; serialized into the keychain, nowhere else.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum ConnectionSecrets {
    Budgea {
        client_id: String,
        access_token: String,
        /// Folio's client secret at this Budgea domain, kept so the connect page can run again
        /// when the person must reconnect (absent for connections made before it was kept).
        #[serde(default)]
        client_secret: Option<String>,
    },
    Belfius {
        client_id: String,
        redirect_uri: String,
        access_token: String,
        /// The SCA token of the latest consent (valid one hour) and when it stops being valid
        /// (Unix seconds): it opens history older than 90 days.
        #[serde(default)]
        sca_token: Option<String>,
        #[serde(default)]
        sca_valid_until: Option<i64>,
    },
    Abnamro {
        client_id: String,
        client_secret: String,
        api_key: String,
        /// IBANs beyond the one the consent names (client credentials list no accounts).
        accounts: Vec<String>,
    },
}

impl fmt::Debug for ConnectionSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ConnectionSecrets {{ provider: {}, .. <redacted> }}",
            self.provider()
        )
    }
}

impl ConnectionSecrets {
    pub fn provider(&self) -> &'static str {
        match self {
            ConnectionSecrets::Budgea { .. } => "budgea",
            ConnectionSecrets::Belfius { .. } => "belfius",
            ConnectionSecrets::Abnamro { .. } => "abnamro",
        }
    }

    /// How far back a first sync reaches: Belfius asks for SCA beyond 90 days (a year with a
    /// fresh SCA token), ABN AMRO refuses more than 18 months.
    pub fn max_history_days(&self, now_unix: i64) -> u64 {
        match self {
            ConnectionSecrets::Budgea { .. } => 365,
            ConnectionSecrets::Belfius { .. } if self.fresh_sca(now_unix).is_some() => 365,
            ConnectionSecrets::Belfius { .. } => 89,
            ConnectionSecrets::Abnamro { .. } => 540,
        }
    }

    /// Whether a gap since the last sync that is longer than [`Self::max_history_days`] is the
    /// person's to close (Belfius: a fresh SCA opens older history) rather than a hard limit
    /// of the provider (cut to what it serves).
    pub fn gap_needs_the_person(&self) -> bool {
        matches!(self, ConnectionSecrets::Belfius { .. })
    }

    /// The SCA token while it is still valid (with a five-minute margin).
    pub fn fresh_sca(&self, now_unix: i64) -> Option<&str> {
        match self {
            ConnectionSecrets::Belfius {
                sca_token: Some(token),
                sca_valid_until: Some(until),
                ..
            } if now_unix + 300 < *until => Some(token),
            _ => None,
        }
    }

    /// The client for `base_url`; `today` pins "today" where a provider needs it (tests).
    pub fn client(
        &self,
        base_url: &str,
        today: Option<NaiveDate>,
    ) -> Result<AnyProvider, BankError> {
        Ok(match self {
            ConnectionSecrets::Budgea {
                client_id,
                access_token,
                ..
            } => AnyProvider::Budgea(
                Budgea::new(base_url, client_id.clone(), RetryPolicy::default())?
                    .with_token(access_token.clone()),
            ),
            ConnectionSecrets::Belfius {
                client_id,
                redirect_uri,
                access_token,
                ..
            } => {
                let mut b = Belfius::new(base_url, client_id, redirect_uri, access_token.clone())?;
                if let Some(sca) = self.fresh_sca(now_unix()) {
                    b = b.with_sca_token(sca);
                }
                AnyProvider::Belfius(match today {
                    Some(t) => b.with_today(t),
                    None => b,
                })
            }
            ConnectionSecrets::Abnamro {
                client_id,
                client_secret,
                api_key,
                accounts,
            } => {
                let mut config = AbnAmroConfig::for_base_url(
                    base_url,
                    Credentials::new(client_id.clone(), client_secret.clone(), api_key.clone()),
                )
                .map_err(|e| BankError::Refused {
                    provider: crate::abnamro::PROVIDER,
                    status: 0,
                    code: "invalid_base_url".to_string(),
                    message: format!("{base_url:?} is not a usable API address: {e}"),
                })?;
                config.accounts.clone_from(accounts);
                config.today = today;
                AnyProvider::AbnAmro(AbnAmro::new(config)?)
            }
        })
    }
}

/// Now, in Unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

/// One of Folio's providers.
#[derive(Debug)]
pub enum AnyProvider {
    Budgea(Budgea),
    Belfius(Belfius),
    AbnAmro(AbnAmro),
}

impl Provider for AnyProvider {
    fn name(&self) -> &'static str {
        match self {
            AnyProvider::Budgea(p) => p.name(),
            AnyProvider::Belfius(p) => p.name(),
            AnyProvider::AbnAmro(p) => p.name(),
        }
    }

    async fn accounts(&self) -> Result<Vec<BankAccount>, BankError> {
        match self {
            AnyProvider::Budgea(p) => p.accounts().await,
            AnyProvider::Belfius(p) => p.accounts().await,
            AnyProvider::AbnAmro(p) => p.accounts().await,
        }
    }

    async fn transactions(
        &self,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TransactionBatch, BankError> {
        match self {
            AnyProvider::Budgea(p) => p.transactions(account_id, from, to).await,
            AnyProvider::Belfius(p) => p.transactions(account_id, from, to).await,
            AnyProvider::AbnAmro(p) => p.transactions(account_id, from, to).await,
        }
    }
}

/// How far a fetch got, for a progress line: account `account` of `accounts` is being fetched
/// (`0` of `n` while the account list itself is asked for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchProgress {
    pub account: usize,
    pub accounts: usize,
    /// The account's name at the bank, once known.
    pub name: Option<String>,
    /// Transactions fetched so far, all accounts together.
    pub transactions: usize,
}

/// Everything a sync fetches: every account and its transactions from `from` to `to`. Nothing
/// is filed until all of it arrived, so a failure half-way files nothing.
pub async fn fetch_all<P: Provider>(
    provider: &P,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(BankAccount, TransactionBatch)>, BankError> {
    fetch_all_reporting(provider, from, to, &mut |_| {}).await
}

/// [`fetch_all`] that reports before each account and once all arrived.
pub async fn fetch_all_reporting<P: Provider>(
    provider: &P,
    from: NaiveDate,
    to: NaiveDate,
    on_progress: &mut (dyn FnMut(FetchProgress) + Send),
) -> Result<Vec<(BankAccount, TransactionBatch)>, BankError> {
    on_progress(FetchProgress {
        account: 0,
        accounts: 0,
        name: None,
        transactions: 0,
    });
    let accounts = provider.accounts().await?;
    let n = accounts.len();
    let mut out = Vec::new();
    let mut fetched = 0;
    for (i, account) in accounts.into_iter().enumerate() {
        on_progress(FetchProgress {
            account: i + 1,
            accounts: n,
            name: Some(account.name.clone()),
            transactions: fetched,
        });
        let mut batch = provider
            .transactions(&account.provider_id, from, to)
            .await?;
        distinct_ids(&mut batch);
        fetched += batch.transactions.len();
        out.push((account, batch));
    }
    on_progress(FetchProgress {
        account: n,
        accounts: n,
        name: None,
        transactions: fetched,
    });
    Ok(out)
}

/// Makes every provider id in a batch distinct: an id the provider repeats (two identical ATM
/// withdrawals the same day, named by their facts) gets `#2`, `#3`, ... by order of appearance,
/// so the ledger keeps both instead of taking the second for the first.
pub fn distinct_ids(batch: &mut TransactionBatch) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for t in &mut batch.transactions {
        let n = seen.entry(t.provider_id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            t.provider_id = format!("{}#{}", t.provider_id, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BankTransaction;
    use folio_ledger::{Currency, Money};
    use rust_decimal::Decimal;

    #[test]
    fn repeated_ids_in_a_batch_become_distinct_in_order() {
        let t = |id: &str| BankTransaction {
            provider_id: id.to_string(),
            date: NaiveDate::from_ymd_opt(2025, 6, 2).unwrap_or_default(),
            value_date: None,
            description: "ATM".to_string(),
            amount: Money::new(Decimal::new(-5000, 2), Currency::EUR),
        };
        let mut batch = TransactionBatch {
            transactions: vec![t("a"), t("atm:1"), t("atm:1"), t("b"), t("atm:1")],
            deleted: vec![],
        };
        distinct_ids(&mut batch);
        let ids: Vec<&str> = batch
            .transactions
            .iter()
            .map(|t| t.provider_id.as_str())
            .collect();
        assert_eq!(ids, ["a", "atm:1", "atm:1#2", "b", "atm:1#3"]);
    }
}
