//! Belfius PSD2 Account API (AIS): the accounts a person shared with Folio (by their encrypted
//! logical ids), each account's details and balance with its currency compartments
//! (`other_compartments`), and its booked transactions paged by `next_page_key`.
//!
//! Every call carries `Authorization: Bearer`, a fresh `Request-ID` (UUID v4) that the answer's
//! `Response-ID` must repeat, the versioned `Accept` header (`version=1` for accounts, `version=2`
//! for transactions), `Accept-Language` and `Client-ID`; transactions also carry `Redirect-URI`
//! and, when `date_from` is older than 90 days, the `SCA-Token`.
//!
//! Not in the Account API contract, chosen here (and served the same way by the sandbox): the
//! consent page's address (`{base}/consent?client_id&redirect_uri&state&scope=AIS&lang`,
//! answering `redirect_uri?code&state`), the fields of an account-list item (`logical_id`,
//! `iban`, `currency`, `account_name`) and of a booked transaction (`transaction_ref`, `amount`,
//! `currency`, `execution_date`, `value_date`, `communication`, `counterparty_info`,
//! `remittance_info`), the `Accept` version of the details call (1, as the list), and the error
//! codes: 401 is always "reconnect", a 403 whose `error` is `sca_required` (or whose code names
//! SCA) is "action needed", anything else is a refusal carrying the bank's code.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use chrono::{Days, NaiveDate};
use folio_ledger::{Currency, Iban, Money};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::http::{Http, RetryPolicy};
use crate::{BankAccount, BankError, BankTransaction, Provider, TransactionBatch};

/// The provider's name in messages.
pub const PROVIDER: &str = "Belfius";
/// The `Accept` version of `GET /accounts` (and, by choice, `GET /accounts/{logical-id}`).
pub const ACCOUNTS_API_VERSION: u32 = 1;
/// The `Accept` version of `GET /accounts/{logical-id}/transactions`.
pub const TRANSACTIONS_API_VERSION: u32 = 2;
/// History further back than this many days needs an SCA token.
pub const SCA_FREE_DAYS: u64 = 90;
/// The code of [`BankError::ActionNeeded`] when history needs a fresh strong authentication.
pub const SCA_REQUIRED: &str = "SCA_REQUIRED";

/// `application/vnd.belfius.api+json; version=N`, as the contract writes it.
pub fn accept_header(version: u32) -> String {
    format!("application/vnd.belfius.api+json; version={version}")
}

/// A random `state` for a consent request, to keep until the redirect comes back.
pub fn new_consent_state() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The address of the consent page to open in the person's browser.
pub fn consent_url(
    base_url: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    language: &str,
) -> Result<Url, BankError> {
    let mut url = endpoint(&parse_base(base_url)?, &["consent"])?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("scope", "AIS")
        .append_pair("lang", language);
    Ok(url)
}

/// What the consent redirect hands back. `Debug` hides the code.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsentGrant {
    /// The authorization code, to trade for tokens.
    pub code: String,
}

impl fmt::Debug for ConsentGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentGrant")
            .field("code", &"<redacted>")
            .finish()
    }
}

/// Reads the address Belfius redirected the browser to: it must be `redirect_uri` (same scheme,
/// host, port and path), carry the `state` Folio sent, and either a `code` or an `error`.
pub fn parse_consent_redirect(
    redirected_to: &str,
    redirect_uri: &str,
    expected_state: &str,
) -> Result<ConsentGrant, BankError> {
    let malformed = |detail: &str| BankError::Malformed {
        provider: PROVIDER,
        detail: detail.to_string(),
    };
    let got = Url::parse(redirected_to)
        .map_err(|_| malformed("the consent redirect is not a valid address"))?;
    let want = Url::parse(redirect_uri)
        .map_err(|_| malformed("Folio's redirect address is not a valid address"))?;
    if got.scheme() != want.scheme()
        || got.host_str() != want.host_str()
        || got.port_or_known_default() != want.port_or_known_default()
        || got.path() != want.path()
    {
        return Err(malformed(
            "the consent redirect went to another address than Folio's",
        ));
    }
    let param = |name: &str| {
        got.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    match param("state") {
        Some(s) if s == expected_state => {}
        Some(_) => {
            return Err(malformed(
                "the consent answer belongs to another request (its state differs); start the connection again",
            ))
        }
        None => return Err(malformed("the consent answer has no state")),
    }
    if let Some(error) = param("error") {
        let detail = param("error_description").unwrap_or_default();
        return Err(BankError::ActionNeeded {
            provider: PROVIDER,
            code: error,
            message: format!("access was not granted at Belfius. {detail}")
                .trim()
                .to_string(),
        });
    }
    match param("code") {
        Some(code) if !code.is_empty() => Ok(ConsentGrant { code }),
        _ => Err(malformed("the consent answer has no authorization code")),
    }
}

/// An account the person shared, as `GET /accounts` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRef {
    /// The encrypted logical id every other call names the account by.
    pub logical_id: String,
    pub iban: Option<Iban>,
    pub currency: Option<Currency>,
    pub name: Option<String>,
}

/// An account's details and balance (`GET /accounts/{logical-id}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDetails {
    pub logical_id: String,
    pub iban: Option<Iban>,
    pub name: String,
    pub product_name: Option<String>,
    pub product_type: Option<String>,
    /// Always in euro for a multi-currency account (the euro compartment or all compartments
    /// together, depending on the account).
    pub balance: Money,
    pub multicurrency: bool,
    /// Each currency compartment's balance, as `other_compartments` lists them.
    pub other_compartments: Vec<Money>,
    pub psu_name: Option<String>,
}

/// Filters of `GET /accounts/{logical-id}/transactions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransactionQuery {
    /// Inclusive.
    pub date_from: Option<NaiveDate>,
    /// Exclusive, as the contract has it.
    pub date_to: Option<NaiveDate>,
    /// A currency compartment; the bank serves euro when none is given.
    pub currency: Option<Currency>,
}

/// A Belfius connection: the base URL, Folio's Client-ID and Redirect-URI, and the person's
/// access token (and SCA token, when there is one) from the keychain. `Debug` hides the tokens.
pub struct Belfius {
    http: Http,
    base_url: Url,
    client_id: String,
    redirect_uri: String,
    language: String,
    access_token: String,
    sca_token: Option<String>,
    accounts_version: u32,
    transactions_version: u32,
    page_size: Option<u32>,
    today: Option<NaiveDate>,
}

impl fmt::Debug for Belfius {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Belfius")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("language", &self.language)
            .field("access_token", &"<redacted>")
            .field("sca_token", &self.sca_token.as_ref().map(|_| "<redacted>"))
            .field("accounts_version", &self.accounts_version)
            .field("transactions_version", &self.transactions_version)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

fn parse_base(base_url: &str) -> Result<Url, BankError> {
    let url = Url::parse(base_url).map_err(|e| BankError::Network {
        provider: PROVIDER,
        detail: format!("the Belfius address is not valid ({e})"),
    })?;
    if url.cannot_be_a_base() {
        return Err(BankError::Network {
            provider: PROVIDER,
            detail: "the Belfius address is not valid".to_string(),
        });
    }
    Ok(url)
}

/// `base` with `segments` appended, each percent-encoded as one path segment.
fn endpoint(base: &Url, segments: &[&str]) -> Result<Url, BankError> {
    let mut url = base.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| BankError::Network {
            provider: PROVIDER,
            detail: "the Belfius address is not valid".to_string(),
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

fn malformed(detail: impl Into<String>) -> BankError {
    BankError::Malformed {
        provider: PROVIDER,
        detail: detail.into(),
    }
}

fn today_utc() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// What the consent's code is traded for. `Debug` hides both tokens.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct ConsentTokens {
    pub access_token: String,
    /// Opens history older than 90 days for an hour after enrolment, when the bank gives one.
    #[serde(default)]
    pub sca_token: Option<String>,
}

impl fmt::Debug for ConsentTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsentTokens { <redacted> }")
    }
}

/// Trades the consent redirect's code for the tokens: an OAuth 2.0 authorization-code grant
/// (RFC 6749 4.1.3) at `POST {base}/oauth2/token`. The account page does not document this step
/// (it starts from "the AISP has received the required token(s)"); Folio follows the standard.
pub async fn exchange_consent_code(
    base_url: &str,
    client_id: &str,
    redirect_uri: &str,
    code: &str,
) -> Result<ConsentTokens, BankError> {
    let url = endpoint(&parse_base(base_url)?, &["oauth2", "token"])?;
    let http = Http::new(PROVIDER, RetryPolicy::default())?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
    ];
    // The code is single-use: never sent twice after it may have arrived.
    let resp = http
        .send_single_use(|client| {
            client
                .post(url.clone())
                .header("Accept", "application/json")
                .form(&form)
        })
        .await?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| BankError::Network {
        provider: PROVIDER,
        detail: e.to_string(),
    })?;
    if !status.is_success() {
        #[derive(Deserialize)]
        struct OAuthError {
            error: String,
            #[serde(default)]
            error_description: String,
        }
        return Err(match serde_json::from_slice::<OAuthError>(&bytes) {
            Ok(e) if e.error == "invalid_grant" => BankError::Reconnect {
                provider: PROVIDER,
                detail: format!(
                    "the consent was not accepted ({}); give it again",
                    e.error_description
                ),
            },
            Ok(e) => BankError::Refused {
                provider: PROVIDER,
                status: status.as_u16(),
                code: e.error,
                message: e.error_description,
            },
            Err(_) => error_from_response(status.as_u16(), &bytes),
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| malformed(format!("unexpected token answer ({e})")))
}

impl Belfius {
    /// A client for `base_url` (e.g. `https://psd2.b2b.belfius.be:8443`), Folio's registered
    /// `client_id` and `redirect_uri`, and the person's access token.
    pub fn new(
        base_url: &str,
        client_id: &str,
        redirect_uri: &str,
        access_token: impl Into<String>,
    ) -> Result<Belfius, BankError> {
        Ok(Belfius {
            http: Http::new(PROVIDER, RetryPolicy::default())?,
            base_url: parse_base(base_url)?,
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            language: "fr".to_string(),
            access_token: access_token.into(),
            sca_token: None,
            accounts_version: ACCOUNTS_API_VERSION,
            transactions_version: TRANSACTIONS_API_VERSION,
            page_size: None,
            today: None,
        })
    }

    /// Timeouts and retries.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Result<Belfius, BankError> {
        self.http = Http::new(PROVIDER, policy)?;
        Ok(self)
    }

    /// The SCA token (valid one hour) that opens history older than 90 days.
    pub fn with_sca_token(mut self, sca_token: impl Into<String>) -> Belfius {
        self.sca_token = Some(sca_token.into());
        self
    }

    /// `Accept-Language` (ISO 639-1; Belfius' screens exist in `fr` and `nl`). Default `fr`.
    pub fn with_language(mut self, language: &str) -> Belfius {
        self.language = language.to_string();
        self
    }

    /// `pagesize` sent with every list call; the bank's own default otherwise.
    pub fn with_page_size(mut self, page_size: u32) -> Belfius {
        self.page_size = Some(page_size);
        self
    }

    /// The day the 90-day rule counts from (default: today, UTC).
    pub fn with_today(mut self, today: NaiveDate) -> Belfius {
        self.today = Some(today);
        self
    }

    /// Other `Accept` versions than the documented 1 (accounts) and 2 (transactions).
    pub fn with_api_versions(mut self, accounts: u32, transactions: u32) -> Belfius {
        self.accounts_version = accounts;
        self.transactions_version = transactions;
        self
    }

    /// The consent page for this client (see [`consent_url`]).
    pub fn consent_url(&self, state: &str) -> Result<Url, BankError> {
        consent_url(
            self.base_url.as_str(),
            &self.client_id,
            &self.redirect_uri,
            state,
            &self.language,
        )
    }

    /// One GET with the common headers (plus `extra`), a fresh Request-ID per attempt, the
    /// Response-ID checked. `Ok(None)` for 204 No Content.
    async fn get<T: DeserializeOwned>(
        &self,
        url: &Url,
        accept: &str,
        extra: &[(&'static str, &str)],
    ) -> Result<Option<T>, BankError> {
        let last_id = Mutex::new(String::new());
        let resp = self
            .http
            .send(|client| {
                let id = uuid::Uuid::new_v4().to_string();
                let mut builder = client
                    .get(url.clone())
                    .bearer_auth(&self.access_token)
                    .header("Request-ID", &id)
                    .header("Accept", accept)
                    .header("Accept-Language", &self.language)
                    .header("Client-ID", &self.client_id);
                for (name, value) in extra {
                    builder = builder.header(*name, *value);
                }
                *last_id.lock().unwrap_or_else(|p| p.into_inner()) = id;
                builder
            })
            .await?;
        let sent_id = last_id.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let status = resp.status();
        let response_id = resp
            .headers()
            .get("response-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await.map_err(|e| BankError::Network {
            provider: PROVIDER,
            detail: e.to_string(),
        })?;
        if !status.is_success() {
            if response_id.as_ref().is_some_and(|r| *r != sent_id) {
                return Err(response_id_mismatch());
            }
            return Err(error_from_response(status.as_u16(), &bytes));
        }
        let value = if status == StatusCode::NO_CONTENT {
            None
        } else {
            Some(
                serde_json::from_slice::<T>(&bytes)
                    .map_err(|e| malformed(format!("unexpected JSON ({e})")))?,
            )
        };
        match response_id {
            Some(r) if r == sent_id => Ok(value),
            Some(_) => Err(response_id_mismatch()),
            None => Err(malformed("the answer has no Response-ID")),
        }
    }

    fn page_query(&self, url: &mut Url, next: Option<&str>) {
        let mut q = url.query_pairs_mut();
        if let Some(n) = self.page_size {
            q.append_pair("pagesize", &n.to_string());
        }
        if let Some(key) = next {
            q.append_pair("next", key);
        }
    }

    /// Every account the person shared (every page of `GET /accounts`).
    pub async fn list_accounts(&self) -> Result<Vec<AccountRef>, BankError> {
        let accept = accept_header(self.accounts_version);
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let mut url = endpoint(&self.base_url, &["accounts"])?;
            self.page_query(&mut url, next.as_deref());
            let page: AccountsPage = self.get(&url, &accept, &[]).await?.unwrap_or_default();
            for item in page.accounts {
                out.push(item.into_ref()?);
            }
            match page.next_page_key.filter(|k| !k.is_empty()) {
                Some(key) if !seen.insert(key.clone()) => {
                    return Err(malformed("the account list repeats a page key"))
                }
                Some(key) => next = Some(key),
                None => return Ok(out),
            }
        }
    }

    /// An account's details, balance and currency compartments.
    pub async fn account_details(&self, logical_id: &str) -> Result<AccountDetails, BankError> {
        let url = endpoint(&self.base_url, &["accounts", logical_id])?;
        let dto: DetailsDto = self
            .get(&url, &accept_header(self.accounts_version), &[])
            .await?
            .ok_or_else(|| malformed("the account details are empty"))?;
        dto.into_details(logical_id)
    }

    /// Whether `date_from` reaches further back than the SCA-free 90 days.
    fn needs_sca(&self, date_from: Option<NaiveDate>) -> bool {
        let today = self.today.unwrap_or_else(today_utc);
        let limit = today
            .checked_sub_days(Days::new(SCA_FREE_DAYS))
            .unwrap_or(NaiveDate::MIN);
        date_from.is_some_and(|d| d < limit)
    }

    /// Every booked transaction matching `query`, all pages. History older than 90 days without
    /// an SCA token is [`BankError::ActionNeeded`] with code [`SCA_REQUIRED`], before any call.
    pub async fn booked_transactions(
        &self,
        logical_id: &str,
        query: &TransactionQuery,
    ) -> Result<Vec<BankTransaction>, BankError> {
        let sca = if self.needs_sca(query.date_from) {
            match &self.sca_token {
                Some(t) => Some(t.as_str()),
                None => return Err(sca_needed()),
            }
        } else {
            None
        };
        let mut extra = vec![("Redirect-URI", self.redirect_uri.as_str())];
        if let Some(t) = sca {
            extra.push(("SCA-Token", t));
        }
        let accept = accept_header(self.transactions_version);
        let fallback = query.currency.unwrap_or(Currency::EUR);
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let mut url = endpoint(&self.base_url, &["accounts", logical_id, "transactions"])?;
            {
                let mut q = url.query_pairs_mut();
                if let Some(d) = query.date_from {
                    q.append_pair("date_from", &d.format("%Y-%m-%d").to_string());
                }
                if let Some(d) = query.date_to {
                    q.append_pair("date_to", &d.format("%Y-%m-%d").to_string());
                }
                if let Some(c) = query.currency {
                    q.append_pair("currency", c.code());
                }
            }
            self.page_query(&mut url, next.as_deref());
            let page = self
                .get::<TransactionsEnvelope>(&url, &accept, &extra)
                .await?
                .map(|e| e.transactions)
                .unwrap_or_default();
            for booked in page.booked {
                out.push(booked.into_transaction(fallback)?);
            }
            match page.next_page_key.filter(|k| !k.is_empty()) {
                Some(key) if !seen.insert(key.clone()) => {
                    return Err(malformed("the transaction pages repeat a page key"))
                }
                Some(key) => next = Some(key),
                None => return Ok(out),
            }
        }
    }
}

impl Provider for Belfius {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn accounts(&self) -> Result<Vec<BankAccount>, BankError> {
        let mut out = Vec::new();
        for account in self.list_accounts().await? {
            let details = self.account_details(&account.logical_id).await?;
            out.push(BankAccount {
                provider_id: account.logical_id,
                name: details.name,
                iban: details.iban.or(account.iban),
                number: None,
                currency: details.balance.currency(),
                balance: Some(details.balance),
                // The contract gives no date for the balance.
                balance_date: None,
            });
        }
        Ok(out)
    }

    async fn transactions(
        &self,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TransactionBatch, BankError> {
        let query = TransactionQuery {
            date_from: Some(from),
            date_to: to.succ_opt(),
            currency: None,
        };
        Ok(TransactionBatch {
            transactions: self.booked_transactions(account_id, &query).await?,
            deleted: Vec::new(),
        })
    }
}

const SCA_MESSAGE: &str = "Belfius shares transactions older than 90 days only after a fresh \
                           strong authentication; confirm at Belfius, then sync again";

fn sca_needed() -> BankError {
    BankError::ActionNeeded {
        provider: PROVIDER,
        code: SCA_REQUIRED.to_string(),
        message: SCA_MESSAGE.to_string(),
    }
}

fn response_id_mismatch() -> BankError {
    malformed("the answer's Response-ID is not the Request-ID Folio sent")
}

/// The contract's error object.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_code: Option<String>,
    error_description: Option<String>,
}

/// A 4xx answer (429 is handled before) as a [`BankError`] a person can act on.
pub fn error_from_response(status: u16, body: &[u8]) -> BankError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let token = parsed.error.clone().unwrap_or_default();
    let code = parsed
        .error_code
        .clone()
        .filter(|c| !c.is_empty())
        .or(parsed.error.clone().filter(|e| !e.is_empty()))
        .unwrap_or_else(|| format!("HTTP_{status}"));
    let said: String = parsed
        .error_description
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let with_said = |text: &str| {
        if said.is_empty() {
            text.to_string()
        } else {
            format!("{text} (Belfius says: {said})")
        }
    };
    let is_sca =
        token.eq_ignore_ascii_case("sca_required") || code.to_ascii_uppercase().contains("SCA");
    match status {
        401 => BankError::Reconnect {
            provider: PROVIDER,
            detail: format!(
                "Belfius no longer accepts Folio's access ({code}); connect the account again"
            ),
        },
        403 if is_sca => BankError::ActionNeeded {
            provider: PROVIDER,
            code,
            message: SCA_MESSAGE.to_string(),
        },
        400 => BankError::Refused {
            provider: PROVIDER,
            status,
            code,
            message: with_said("Belfius found the request incomplete or invalid"),
        },
        403 => BankError::Refused {
            provider: PROVIDER,
            status,
            code,
            message: with_said("Belfius does not allow this request for this connection"),
        },
        404 => BankError::Refused {
            provider: PROVIDER,
            status,
            code,
            message: with_said(
                "Belfius does not know this account; it may no longer be shared with Folio",
            ),
        },
        406 => BankError::Refused {
            provider: PROVIDER,
            status,
            code,
            message: with_said(
                "Belfius does not serve the API version Folio asked for; Folio needs an update",
            ),
        },
        _ => BankError::Refused {
            provider: PROVIDER,
            status,
            code,
            message: with_said(&format!("Belfius refused the request (HTTP {status})")),
        },
    }
}

/// An amount as the bank writes it: a decimal string (`"123.12"`) or a JSON number
/// (`-123.12`). Numbers are read back from their shortest form, exact for up to 15 significant
/// digits; longer ones are refused rather than guessed.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AmountDto {
    Text(String),
    Number(f64),
}

impl AmountDto {
    fn money(&self, currency: Currency) -> Result<Money, BankError> {
        let text = match self {
            AmountDto::Text(t) => t.trim().to_string(),
            AmountDto::Number(n) => {
                if !n.is_finite() {
                    return Err(malformed("an amount is not a number"));
                }
                let text = format!("{n}");
                let significant = text
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
                    .trim_start_matches('0')
                    .trim_end_matches('0')
                    .len();
                if significant > 15 {
                    return Err(malformed(format!(
                        "the amount {text} has too many digits to read exactly"
                    )));
                }
                text
            }
        };
        let amount = Decimal::from_str(&text)
            .map_err(|_| malformed(format!("'{text}' is not an amount")))?;
        if amount.normalize().scale() > currency.minor_units() {
            return Err(malformed(format!(
                "the amount {text} has more decimals than {currency} has"
            )));
        }
        Ok(Money::new(amount, currency))
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FlagDto {
    Bool(bool),
    Text(String),
}

impl FlagDto {
    fn value(&self) -> bool {
        match self {
            FlagDto::Bool(b) => *b,
            FlagDto::Text(t) => t.trim().eq_ignore_ascii_case("true"),
        }
    }
}

fn currency(code: &str) -> Result<Currency, BankError> {
    Currency::from_code(code).map_err(|_| malformed(format!("unknown currency '{code}'")))
}

fn iban(text: Option<&str>) -> Result<Option<Iban>, BankError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Iban::parse(t)
            .map(Some)
            .map_err(|_| malformed("an account's IBAN does not check out")),
    }
}

fn day(text: &str) -> Result<NaiveDate, BankError> {
    let head = text.split('T').next().unwrap_or(text);
    NaiveDate::parse_from_str(head.trim(), "%Y-%m-%d")
        .map_err(|_| malformed(format!("'{text}' is not a date")))
}

#[derive(Debug, Default, Deserialize)]
struct AccountsPage {
    #[serde(default)]
    accounts: Vec<AccountItemDto>,
    next_page_key: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AccountItemDto {
    logical_id: String,
    iban: Option<String>,
    currency: Option<String>,
    account_name: Option<String>,
}

impl AccountItemDto {
    fn into_ref(self) -> Result<AccountRef, BankError> {
        if self.logical_id.is_empty() {
            return Err(malformed("an account has no logical id"));
        }
        Ok(AccountRef {
            iban: iban(self.iban.as_deref())?,
            currency: self.currency.as_deref().map(currency).transpose()?,
            name: self.account_name,
            logical_id: self.logical_id,
        })
    }
}

#[derive(Debug, Deserialize)]
struct CompartmentDto {
    currency: String,
    balance: AmountDto,
}

#[derive(Debug, Deserialize)]
struct DetailsDto {
    product_type: Option<String>,
    product_name: Option<String>,
    iban: Option<String>,
    currency: String,
    balance: AmountDto,
    multicurrency: Option<FlagDto>,
    account_name: Option<String>,
    #[serde(default)]
    other_compartments: Vec<CompartmentDto>,
    psu_name: Option<String>,
}

impl DetailsDto {
    fn into_details(self, logical_id: &str) -> Result<AccountDetails, BankError> {
        let cur = currency(&self.currency)?;
        let other_compartments = self
            .other_compartments
            .iter()
            .map(|c| c.balance.money(currency(&c.currency)?))
            .collect::<Result<Vec<_>, _>>()?;
        let name = self
            .account_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or(self.product_name.clone())
            .unwrap_or_else(|| "Belfius account".to_string());
        Ok(AccountDetails {
            logical_id: logical_id.to_string(),
            iban: iban(self.iban.as_deref())?,
            name,
            product_name: self.product_name,
            product_type: self.product_type,
            balance: self.balance.money(cur)?,
            multicurrency: self.multicurrency.is_some_and(|m| m.value()),
            other_compartments,
            psu_name: self.psu_name,
        })
    }
}

#[derive(Debug, Deserialize)]
struct TransactionsEnvelope {
    transactions: TransactionsPage,
}

#[derive(Debug, Default, Deserialize)]
struct TransactionsPage {
    #[serde(default)]
    booked: Vec<BookedDto>,
    next_page_key: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BookedDto {
    transaction_ref: Option<String>,
    amount: AmountDto,
    currency: Option<String>,
    execution_date: String,
    value_date: Option<String>,
    communication: Option<String>,
    counterparty_info: Option<String>,
    remittance_info: Option<String>,
}

impl BookedDto {
    fn into_transaction(self, fallback: Currency) -> Result<BankTransaction, BankError> {
        let provider_id = self
            .transaction_ref
            .filter(|r| !r.is_empty())
            .ok_or_else(|| malformed("a transaction has no transaction_ref"))?;
        let cur = match self.currency.as_deref() {
            Some(c) => currency(c)?,
            None => fallback,
        };
        let description = [
            self.counterparty_info,
            self.communication,
            self.remittance_info,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
        Ok(BankTransaction {
            provider_id,
            date: day(&self.execution_date)?,
            value_date: self.value_date.as_deref().map(day).transpose()?,
            description,
            amount: self.amount.money(cur)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact() {
        let eur = Currency::EUR;
        let m = AmountDto::Text("123.12".into()).money(eur).unwrap();
        assert_eq!(m.amount(), Decimal::new(12312, 2));
        let m = AmountDto::Number(-123.12).money(eur).unwrap();
        assert_eq!(m.amount(), Decimal::new(-12312, 2));
        let m = AmountDto::Number(0.1).money(eur).unwrap();
        assert_eq!(m.amount(), Decimal::new(1, 1));
        assert!(AmountDto::Text("1.234".into()).money(eur).is_err());
        assert!(AmountDto::Text("1,23".into()).money(eur).is_err());
        assert!(AmountDto::Number(1.0e18 + 0.5).money(eur).is_ok());
        assert!(AmountDto::Number(123_456_789_012_345.67)
            .money(eur)
            .is_err());
    }

    #[test]
    fn errors_map_to_what_a_person_can_do() {
        let body = br#"{"error":"invalid_token","error_code":"TOKEN_EXPIRED","error_description":"expired"}"#;
        assert!(matches!(
            error_from_response(401, body),
            BankError::Reconnect { .. }
        ));
        let body =
            br#"{"error":"sca_required","error_code":"SCA_REQUIRED","error_description":"x"}"#;
        assert!(matches!(
            error_from_response(403, body),
            BankError::ActionNeeded { code, .. } if code == "SCA_REQUIRED"
        ));
        let e = error_from_response(404, b"not json");
        assert!(
            matches!(e, BankError::Refused { status: 404, ref code, .. } if code == "HTTP_404")
        );
    }

    #[test]
    fn redirect_checks_address_and_state() {
        let r = "http://127.0.0.1:9/cb";
        let ok =
            parse_consent_redirect("http://127.0.0.1:9/cb?code=abc&state=s1", r, "s1").unwrap();
        assert_eq!(ok.code, "abc");
        assert!(!format!("{ok:?}").contains("abc"));
        assert!(matches!(
            parse_consent_redirect("http://127.0.0.1:9/cb?code=abc&state=s2", r, "s1"),
            Err(BankError::Malformed { .. })
        ));
        assert!(matches!(
            parse_consent_redirect("http://evil.example/cb?code=abc&state=s1", r, "s1"),
            Err(BankError::Malformed { .. })
        ));
        assert!(matches!(
            parse_consent_redirect("http://127.0.0.1:9/cb?error=access_denied&state=s1", r, "s1"),
            Err(BankError::ActionNeeded { code, .. }) if code == "access_denied"
        ));
        assert!(matches!(
            parse_consent_redirect("http://127.0.0.1:9/cb?state=s1", r, "s1"),
            Err(BankError::Malformed { .. })
        ));
    }
}
