//! ABN AMRO Business Account Insight (v1.0.0-beta): OAuth client credentials + `API-Key`,
//! account details, balances, transactions (50 a page, `nextPageKey`, at most 18 months back),
//! funds check and consent info. The contract is
//! `../shared/seeds/abnamro-business-account-insight-api.txt`.
//!
//! Choices where the seed is silent or leaves room:
//! - Token: `POST {token_url}` (ABN AMRO's path is [`TOKEN_PATH`]), form `grant_type=
//!   client_credentials`, `client_id`, `client_secret`, `scope` = the four documented scopes;
//!   the answer is RFC 6749's `{access_token, token_type, expires_in}`. Cached until 30 s before
//!   it expires; a 401 from the API fetches a new one once, a second 401 is
//!   [`BankError::Reconnect`].
//! - Amounts: balances and funds send a JSON *number*. serde_json would read it as an `f64`, so
//!   every number in an answer is turned into a string token before parsing
//!   ([`numbers_as_strings`]) and read exactly into a `Decimal`.
//! - 18 months: a `from` older than today minus 18 months is refused before any request, with the
//!   documented code `MESSAGE_BAI560_0029`, rather than clamped: a clamp would leave a gap in the
//!   ledger that nothing reports. [`AbnAmro::earliest_book_date`] tells the caller where to start.
//!   `to` after today is clamped to today (there is nothing to lose after today).
//! - `bookDateFrom`/`bookDateTo` are taken as inclusive.
//! - A 500 `MESSAGE_BAI560_0005` ("no data exists for the request") reads as "no transactions" in
//!   [`Provider::transactions`]; elsewhere it is [`BankError::Refused`]. [`Http`] retries every
//!   5xx and keeps no body, so after the retries one more request reads the documented code.
//! - Accounts: client credentials name no account list. [`Provider::accounts`] is the IBAN
//!   consentinfo names plus [`AbnAmroConfig::accounts`] (the IBANs the business registered).

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Months, NaiveDate, Utc};
use folio_ledger::{Currency, Iban, Money};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, RequestBuilder, StatusCode};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::http::{Http, RetryPolicy};
use crate::{BankAccount, BankError, BankTransaction, Provider, TransactionBatch};

/// The provider's name in messages.
pub const PROVIDER: &str = "ABN AMRO";
/// ABN AMRO's token endpoint path (on its authorisation server).
pub const TOKEN_PATH: &str = "/as/token.oauth2";
/// The header carrying the app's API key, as documented.
pub const API_KEY_HEADER: &str = "API-Key";
pub const SCOPE_DETAILS: &str = "account:details:read";
pub const SCOPE_BALANCE: &str = "account:balance:read";
pub const SCOPE_TRANSACTIONS: &str = "account:transaction:read";
pub const SCOPE_FUNDS: &str = "account:funds:read";
/// Every documented scope; the token is asked for all of them.
pub const SCOPES: [&str; 4] = [
    SCOPE_DETAILS,
    SCOPE_BALANCE,
    SCOPE_TRANSACTIONS,
    SCOPE_FUNDS,
];
/// Transactions a page, as documented.
pub const PAGE_SIZE: usize = 50;
/// How far back transactions can be asked for, as documented.
pub const HISTORY_MONTHS: u32 = 18;

/// The documented error codes.
pub mod codes {
    pub const ACCOUNT_NUMBER_EMPTY: &str = "MESSAGE_RST560_0001";
    pub const IBAN_INVALID: &str = "MESSAGE_RST560_0007";
    pub const TO_DATE_INVALID: &str = "MESSAGE_RST560_0008";
    pub const FROM_DATE_INVALID: &str = "MESSAGE_RST560_0009";
    pub const ACCOUNT_NUMBER_TOO_LONG: &str = "MESSAGE_RST560_0010";
    pub const FROM_AFTER_TO: &str = "MESSAGE_RST560_0011";
    pub const TO_DATE_IN_FUTURE: &str = "MESSAGE_RST560_0012";
    pub const FROM_DATE_IN_FUTURE: &str = "MESSAGE_RST560_0013";
    pub const AMOUNT_INVALID: &str = "MESSAGE_RST560_0014";
    pub const CURRENCY_INVALID: &str = "MESSAGE_RST560_0015";
    pub const NO_ACCESS_TO_ACCOUNT: &str = "MESSAGE_RST560_0016";
    pub const AMOUNT_BLANK: &str = "MESSAGE_RST560_0018";
    pub const BOOK_DATE_INVALID: &str = "MESSAGE_RST560_0022";
    pub const BOOK_DATE_IN_FUTURE: &str = "MESSAGE_RST560_0023";
    pub const FROM_DATE_TOO_OLD: &str = "MESSAGE_BAI560_0029";
    pub const NO_DATA: &str = "MESSAGE_BAI560_0005";
    /// Not in the seed: RFC 6750's name for a token without the operation's scope.
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    /// RFC 6749 token endpoint error: a scope the app is not granted.
    pub const INVALID_SCOPE: &str = "invalid_scope";
    /// RFC 6749 token endpoint error: the app may not use the client credentials grant.
    pub const UNAUTHORIZED_CLIENT: &str = "unauthorized_client";
}

enum Kind {
    Refused,
    ActionNeeded,
}

/// Each documented code: how it reaches the person, and what it means in their terms.
const DOCUMENTED: &[(&str, Kind, &str)] = &[
    (
        codes::ACCOUNT_NUMBER_EMPTY,
        Kind::Refused,
        "no account number was given",
    ),
    (
        codes::IBAN_INVALID,
        Kind::Refused,
        "the account number is not a valid IBAN",
    ),
    (
        codes::TO_DATE_INVALID,
        Kind::Refused,
        "the end date is not a valid date (yyyy-mm-dd)",
    ),
    (
        codes::FROM_DATE_INVALID,
        Kind::Refused,
        "the start date is not a valid date (yyyy-mm-dd)",
    ),
    (
        codes::ACCOUNT_NUMBER_TOO_LONG,
        Kind::Refused,
        "the account number is too long for an IBAN",
    ),
    (
        codes::FROM_AFTER_TO,
        Kind::Refused,
        "the start date is after the end date",
    ),
    (
        codes::TO_DATE_IN_FUTURE,
        Kind::Refused,
        "the end date is after today",
    ),
    (
        codes::FROM_DATE_IN_FUTURE,
        Kind::Refused,
        "the start date is after today",
    ),
    (
        codes::AMOUNT_INVALID,
        Kind::Refused,
        "the amount must be a positive number with at most 3 decimals",
    ),
    (
        codes::CURRENCY_INVALID,
        Kind::Refused,
        "the currency must be EUR or USD",
    ),
    (codes::AMOUNT_BLANK, Kind::Refused, "no amount was given"),
    (
        codes::BOOK_DATE_INVALID,
        Kind::Refused,
        "the book date is not a valid date",
    ),
    (
        codes::BOOK_DATE_IN_FUTURE,
        Kind::Refused,
        "the book date is in the future",
    ),
    (
        codes::FROM_DATE_TOO_OLD,
        Kind::Refused,
        "ABN AMRO gives the transactions of the last 18 months only; choose a later start date",
    ),
    (
        codes::NO_DATA,
        Kind::Refused,
        "ABN AMRO has no bookings for this request yet; try again later or choose other dates",
    ),
    (
        codes::NO_ACCESS_TO_ACCOUNT,
        Kind::ActionNeeded,
        "Folio has no access to this account; ask the account holder to give your app access to it",
    ),
    (
        codes::INSUFFICIENT_SCOPE,
        Kind::ActionNeeded,
        "your app at the ABN AMRO Developer Portal is not allowed this part of Business Account \
         Insight; add it to the app's products",
    ),
];

/// A secret held in memory: never printed.
#[derive(Clone)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The app's credentials from the ABN AMRO Developer Portal (kept in the keychain by the caller).
#[derive(Clone)]
pub struct Credentials {
    client_id: Secret,
    client_secret: Secret,
    api_key: Secret,
}

impl Credentials {
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        api_key: impl Into<String>,
    ) -> Credentials {
        Credentials {
            client_id: Secret(client_id.into()),
            client_secret: Secret(client_secret.into()),
            api_key: Secret(api_key.into()),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "Credentials { client_id: <redacted>, client_secret: <redacted>, api_key: <redacted> }",
        )
    }
}

/// Where and how to reach ABN AMRO.
#[derive(Clone, Debug)]
pub struct AbnAmroConfig {
    /// The token endpoint, in full (`https://…/as/token.oauth2`).
    pub token_url: Url,
    /// The API's base; paths `/v1/…` are added to it.
    pub api_url: Url,
    pub credentials: Credentials,
    /// IBANs the business registered for this app, besides the one consentinfo names.
    pub accounts: Vec<String>,
    pub policy: RetryPolicy,
    /// "Today" for the 18-month rule and balance dates; `None`: the system clock (UTC).
    pub today: Option<NaiveDate>,
}

impl AbnAmroConfig {
    pub fn new(token_url: Url, api_url: Url, credentials: Credentials) -> AbnAmroConfig {
        AbnAmroConfig {
            token_url,
            api_url,
            credentials,
            accounts: Vec::new(),
            policy: RetryPolicy::default(),
            today: None,
        }
    }

    /// Token endpoint and API on one base URL (`{base}/as/token.oauth2`, `{base}/v1/…`), as the
    /// sandbox serves them.
    pub fn for_base_url(
        base_url: &str,
        credentials: Credentials,
    ) -> Result<AbnAmroConfig, url::ParseError> {
        let api_url = Url::parse(base_url)?;
        let token_url = api_url.join(TOKEN_PATH)?;
        Ok(AbnAmroConfig::new(token_url, api_url, credentials))
    }
}

/// `GET /v1/accounts/{accountNumber}/details`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDetails {
    pub account_number: String,
    pub currency: Currency,
    pub holder_name: String,
}

/// `GET /v1/accounts/{accountNumber}/balances`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    pub account_number: String,
    pub balance_type: String,
    pub amount: Money,
}

/// One page of `GET /v1/accounts/{accountNumber}/transactions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionPage {
    /// In the order ABN AMRO sends them (newest first).
    pub transactions: Vec<BankTransaction>,
    /// The key for the next page; `None` when this was the last.
    pub next_page_key: Option<String>,
}

/// `GET /v1/accounts/{accountNumber}/funds`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundsCheck {
    pub account_number: String,
    pub amount: Money,
    pub available: bool,
}

/// `GET /v1/consentinfo`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentInfo {
    pub iban: Option<Iban>,
    pub transaction_id: Option<String>,
    pub scopes: Vec<String>,
    /// Until when the access token is valid.
    pub valid_until: DateTime<Utc>,
}

struct CachedToken {
    value: Secret,
    renew_at: Instant,
}

/// The ABN AMRO Business Account Insight client.
pub struct AbnAmro {
    http: Http,
    config: AbnAmroConfig,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl fmt::Debug for AbnAmro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbnAmro")
            .field("token_url", &self.config.token_url.as_str())
            .field("api_url", &self.config.api_url.as_str())
            .field("credentials", &self.config.credentials)
            .field("accounts", &self.config.accounts)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

fn malformed(detail: impl Into<String>) -> BankError {
    BankError::Malformed {
        provider: PROVIDER,
        detail: detail.into(),
    }
}

/// Today's date on the system clock (UTC), without chrono's clock feature.
fn system_today() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .map_or(NaiveDate::MIN, |d| d.date_naive())
}

/// The earliest book date ABN AMRO answers for on `today`: 18 months back.
pub fn earliest_book_date(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(HISTORY_MONTHS))
        .unwrap_or(NaiveDate::MIN)
}

/// Rewrites every bare JSON number (outside strings) as a string token, so that no number goes
/// through `f64`: `{"amount": 12.30}` becomes `{"amount": "12.30"}`. Anything that is not JSON
/// stays not JSON.
pub fn numbers_as_strings(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 32);
    let mut in_string = false;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if in_string {
            out.push(b);
            if b == b'\\' {
                if let Some(&next) = json.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
        } else if b == b'"' {
            in_string = true;
            out.push(b);
            i += 1;
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < json.len()
                && matches!(json[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                i += 1;
            }
            out.push(b'"');
            out.extend_from_slice(&json[start..i]);
            out.push(b'"');
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// An exact decimal from a JSON number or string: never rounded, never through `f64`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str_exact(t).ok()
    }
}

fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, BankError> {
    serde_json::from_slice(&numbers_as_strings(body))
        .map_err(|e| malformed(format!("the {what} answer is not the documented JSON: {e}")))
}

fn currency(code: &str) -> Result<Currency, BankError> {
    Currency::from_code(code).map_err(|_| malformed(format!("unknown currency {code:?}")))
}

/// An amount with its currency, refusing more decimals than the currency has when `strict`.
fn money(amount: &str, currency_code: &str, what: &str, strict: bool) -> Result<Money, BankError> {
    let currency = currency(currency_code)?;
    let value = parse_decimal(amount)
        .ok_or_else(|| malformed(format!("{what} {amount:?} is not a number")))?;
    let money = Money::new(value, currency);
    if strict && money.to_minor_units().is_err() {
        return Err(malformed(format!(
            "{what} {amount} has more decimals than {currency} has"
        )));
    }
    Ok(money)
}

fn normalise_account(account: &str) -> String {
    account
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn sensitive_header(value: &str) -> Result<HeaderValue, BankError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| BankError::Reconnect {
        provider: PROVIDER,
        detail: "a credential holds characters an HTTP header cannot carry; enter it again"
            .to_string(),
    })?;
    header.set_sensitive(true);
    Ok(header)
}

#[derive(Deserialize, Default)]
struct ErrorItem {
    code: Option<String>,
    message: Option<String>,
}

/// The documented error shape, flat; also `{"errors": [...]}` (ABN AMRO's generic errors) and
/// RFC 6749's `{error, error_description}` from the token endpoint.
#[derive(Deserialize, Default)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
    error: Option<String>,
    error_description: Option<String>,
}

fn read_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let parsed: ErrorBody = serde_json::from_slice(&numbers_as_strings(body)).unwrap_or_default();
    let first = parsed.errors.into_iter().next().unwrap_or_default();
    let code = parsed.code.or(first.code).or(parsed.error);
    let message = parsed
        .message
        .or(first.message)
        .or(parsed.error_description);
    let clean = |s: String| {
        let s: String = s.trim().chars().take(300).collect();
        (!s.is_empty()).then_some(s)
    };
    (code.and_then(clean), message.and_then(clean))
}

/// The typed error for an API answer with HTTP `status` and the documented `code`.
pub fn error_for(status: u16, code: Option<&str>, server_message: Option<&str>) -> BankError {
    if let Some(code) = code {
        if let Some((code, kind, message)) = DOCUMENTED.iter().find(|(c, ..)| *c == code) {
            return match kind {
                Kind::Refused => BankError::Refused {
                    provider: PROVIDER,
                    status,
                    code: (*code).to_string(),
                    message: (*message).to_string(),
                },
                Kind::ActionNeeded => BankError::ActionNeeded {
                    provider: PROVIDER,
                    code: (*code).to_string(),
                    message: (*message).to_string(),
                },
            };
        }
    }
    if status >= 500 {
        return BankError::Unavailable {
            provider: PROVIDER,
            status,
        };
    }
    BankError::Refused {
        provider: PROVIDER,
        status,
        code: code.map_or_else(|| format!("HTTP_{status}"), str::to_string),
        message: server_message.map_or_else(
            || format!("ABN AMRO answered HTTP {status} without a documented error"),
            str::to_string,
        ),
    }
}

fn error_from_body(status: u16, body: &[u8]) -> BankError {
    let (code, message) = read_error(body);
    error_for(status, code.as_deref(), message.as_deref())
}

fn reconnect_for(body: &[u8]) -> BankError {
    let (code, _) = read_error(body);
    let code = code.map_or_else(String::new, |c| format!(" ({c})"));
    BankError::Reconnect {
        provider: PROVIDER,
        detail: format!(
            "ABN AMRO refused Folio's access{code} even with a new token; enter the client id, \
             client secret and API key from the ABN AMRO Developer Portal again"
        ),
    }
}

/// The token endpoint's answer to a refusal (RFC 6749 §5.2).
fn token_error(status: u16, body: &[u8]) -> BankError {
    let (code, message) = read_error(body);
    match code.as_deref() {
        Some("invalid_client") => BankError::Reconnect {
            provider: PROVIDER,
            detail: "ABN AMRO did not accept the client id and client secret; enter them again \
                     from the ABN AMRO Developer Portal"
                .to_string(),
        },
        Some(codes::INVALID_SCOPE) => BankError::ActionNeeded {
            provider: PROVIDER,
            code: codes::INVALID_SCOPE.to_string(),
            message: format!(
                "your app at the ABN AMRO Developer Portal is not granted the Business Account \
                 Insight scopes ({}); add the product to the app",
                SCOPES.join(", ")
            ),
        },
        Some(codes::UNAUTHORIZED_CLIENT) => BankError::ActionNeeded {
            provider: PROVIDER,
            code: codes::UNAUTHORIZED_CLIENT.to_string(),
            message: "your app at the ABN AMRO Developer Portal may not use client credentials"
                .to_string(),
        },
        None if status == 401 => BankError::Reconnect {
            provider: PROVIDER,
            detail: "ABN AMRO did not accept the client id and client secret".to_string(),
        },
        _ => BankError::Refused {
            provider: PROVIDER,
            status,
            code: code.unwrap_or_else(|| format!("HTTP_{status}")),
            message: message.unwrap_or_else(|| "the token request was refused".to_string()),
        },
    }
}

#[derive(Deserialize)]
struct TokenWire {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetailsWire {
    account_number: String,
    currency: String,
    account_holder_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BalanceWire {
    account_number: String,
    balance_type: String,
    currency: String,
    amount: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionsWire {
    account_number: String,
    transactions: Vec<TransactionWire>,
    next_page_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionWire {
    mutation_code: Option<String>,
    transaction_timestamp: Option<String>,
    #[serde(default)]
    description_lines: Vec<String>,
    book_date: String,
    counter_party_name: Option<String>,
    amount: String,
    currency: String,
    transaction_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FundsWire {
    account_number: String,
    amount: String,
    currency: String,
    available: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScopesWire {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsentWire {
    iban: Option<String>,
    transaction_id: Option<String>,
    scopes: Option<ScopesWire>,
    valid: String,
}

impl TransactionWire {
    fn into_transaction(self, account: &str) -> Result<BankTransaction, BankError> {
        let date = NaiveDate::parse_from_str(self.book_date.trim(), "%Y-%m-%d")
            .map_err(|_| malformed(format!("book date {:?} is not yyyy-mm-dd", self.book_date)))?;
        let amount = money(&self.amount, &self.currency, "transaction amount", true)?;
        let provider_id = match self.transaction_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() && id != "null" => id.to_string(),
            // ATM withdrawals carry no transactionId: the booking's own facts name it.
            // The timestamp is only sent for NL accounts, so the book date goes in too; two
            // identical withdrawals on one day are told apart by `fetch_all`'s occurrence suffix.
            _ => format!(
                "{account}:{}:{}:{}:{}",
                self.book_date.trim(),
                self.transaction_timestamp.as_deref().unwrap_or("").trim(),
                self.mutation_code.as_deref().unwrap_or("").trim(),
                amount.amount()
            ),
        };
        let mut description = self
            .description_lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if description.is_empty() {
            description = self
                .counter_party_name
                .or(self.mutation_code)
                .unwrap_or_default()
                .trim()
                .to_string();
        }
        Ok(BankTransaction {
            provider_id,
            date,
            value_date: None,
            description,
            amount,
        })
    }
}

impl AbnAmro {
    pub fn new(config: AbnAmroConfig) -> Result<AbnAmro, BankError> {
        Ok(AbnAmro {
            http: Http::new(PROVIDER, config.policy)?,
            config,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// Today, as this client counts it (the configured date, else the system's UTC date).
    pub fn today(&self) -> NaiveDate {
        self.config.today.unwrap_or_else(system_today)
    }

    /// The earliest `from` [`Provider::transactions`] accepts today.
    pub fn earliest_book_date(&self) -> NaiveDate {
        earliest_book_date(self.today())
    }

    /// A valid access token: the cached one, or a new one when it expired or when `stale` (the
    /// one the API just refused) is still the cached one.
    async fn access_token(&self, stale: Option<&str>) -> Result<String, BankError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref() {
            let refused = stale.is_some_and(|s| s == token.value.0);
            if !refused && Instant::now() < token.renew_at {
                return Ok(token.value.0.clone());
            }
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.0.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    async fn fetch_token(&self) -> Result<CachedToken, BankError> {
        let creds = &self.config.credentials;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &creds.client_id.0)
            .append_pair("client_secret", &creds.client_secret.0)
            .append_pair("scope", &SCOPES.join(" "))
            .finish();
        let resp = self
            .http
            .send(|c| {
                c.post(self.config.token_url.clone())
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(ACCEPT, "application/json")
                    .body(form.clone())
            })
            .await?;
        let status = resp.status();
        let body = self.body(resp).await?;
        if !status.is_success() {
            return Err(token_error(status.as_u16(), &body));
        }
        // No serde message here: it could quote the token.
        let wire: TokenWire = serde_json::from_slice(&numbers_as_strings(&body)).map_err(|e| {
            malformed(format!(
                "the token answer is not the documented JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if wire.access_token.trim().is_empty() {
            return Err(malformed("the token answer holds no access token"));
        }
        if let Some(kind) = wire.token_type.as_deref() {
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(malformed(format!(
                    "the token is of type {kind:?}, not Bearer"
                )));
            }
        }
        let lifetime = match wire.expires_in.as_deref() {
            None => 300,
            Some(text) => text.trim().parse::<u64>().ok().ok_or_else(|| {
                malformed(format!("expires_in {text:?} is not a number of seconds"))
            })?,
        };
        // Renew a little early, so a token does not expire on its way.
        let margin = if lifetime > 60 { 30 } else { 0 };
        Ok(CachedToken {
            value: Secret(wire.access_token),
            renew_at: Instant::now() + Duration::from_secs(lifetime - margin),
        })
    }

    async fn body(&self, resp: reqwest::Response) -> Result<Vec<u8>, BankError> {
        resp.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| BankError::Network {
                provider: PROVIDER,
                detail: e.to_string(),
            })
    }

    fn request(
        &self,
        client: &Client,
        url: &Url,
        auth: &HeaderValue,
        key: &HeaderValue,
    ) -> RequestBuilder {
        client
            .get(url.clone())
            .header(AUTHORIZATION, auth.clone())
            .header(API_KEY_HEADER, key.clone())
            .header(ACCEPT, "application/json")
    }

    /// A GET to the API: the body of a 2xx answer, else the typed error.
    async fn get(&self, url: &Url) -> Result<Vec<u8>, BankError> {
        let key = sensitive_header(&self.config.credentials.api_key.0)?;
        let mut token = self.access_token(None).await?;
        let mut refreshed = false;
        loop {
            let auth = sensitive_header(&format!("Bearer {token}"))?;
            let resp = match self.http.send(|c| self.request(c, url, &auth, &key)).await {
                Ok(resp) => resp,
                Err(BankError::Unavailable { status, .. }) => {
                    return Err(self.explain_server_error(url, &auth, &key, status).await)
                }
                Err(e) => return Err(e),
            };
            let status = resp.status();
            let body = self.body(resp).await?;
            if status.is_success() {
                return Ok(body);
            }
            if status == StatusCode::UNAUTHORIZED {
                if refreshed {
                    return Err(reconnect_for(&body));
                }
                token = self.access_token(Some(&token)).await?;
                refreshed = true;
                continue;
            }
            return Err(error_from_body(status.as_u16(), &body));
        }
    }

    /// [`Http`] keeps no body of a 5xx; ask once more to read a documented code (such as
    /// `MESSAGE_BAI560_0005`). Anything else stays [`BankError::Unavailable`].
    async fn explain_server_error(
        &self,
        url: &Url,
        auth: &HeaderValue,
        key: &HeaderValue,
        status: u16,
    ) -> BankError {
        let unavailable = BankError::Unavailable {
            provider: PROVIDER,
            status,
        };
        let Ok(resp) = self
            .request(self.http.client(), url, auth, key)
            .send()
            .await
        else {
            return unavailable;
        };
        let again = resp.status();
        if !again.is_server_error() {
            return unavailable;
        }
        let Ok(body) = resp.bytes().await else {
            return unavailable;
        };
        match error_from_body(again.as_u16(), &body) {
            e @ BankError::Refused { .. } => e,
            _ => unavailable,
        }
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, BankError> {
        let mut url = self.config.api_url.clone();
        url.path_segments_mut()
            .map_err(|()| BankError::Network {
                provider: PROVIDER,
                detail: "the ABN AMRO API address cannot take a path".to_string(),
            })?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    fn account_url(
        &self,
        account: &str,
        operation: &str,
        query: &[(&str, &str)],
    ) -> Result<Url, BankError> {
        let account = normalise_account(account);
        self.url(&["v1", "accounts", &account, operation], query)
    }

    /// The account's currency and holder (scope `account:details:read`).
    pub async fn details(&self, account: &str) -> Result<AccountDetails, BankError> {
        let body = self
            .get(&self.account_url(account, "details", &[])?)
            .await?;
        let wire: DetailsWire = decode(&body, "details")?;
        Ok(AccountDetails {
            currency: currency(&wire.currency)?,
            account_number: wire.account_number,
            holder_name: wire.account_holder_name,
        })
    }

    /// The account's balance (scope `account:balance:read`); negative for a debit balance.
    pub async fn balance(&self, account: &str) -> Result<Balance, BankError> {
        let body = self
            .get(&self.account_url(account, "balances", &[])?)
            .await?;
        let wire: BalanceWire = decode(&body, "balances")?;
        Ok(Balance {
            amount: money(&wire.amount, &wire.currency, "balance", true)?,
            account_number: wire.account_number,
            balance_type: wire.balance_type,
        })
    }

    /// One page of transactions (scope `account:transaction:read`), parameters passed as given
    /// (no 18-month check here: the server's answer is returned).
    pub async fn transactions_page(
        &self,
        account: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        next_page_key: Option<&str>,
    ) -> Result<TransactionPage, BankError> {
        let from = from.map(|d| d.format("%Y-%m-%d").to_string());
        let to = to.map(|d| d.format("%Y-%m-%d").to_string());
        let mut query = Vec::new();
        if let Some(f) = from.as_deref() {
            query.push(("bookDateFrom", f));
        }
        if let Some(t) = to.as_deref() {
            query.push(("bookDateTo", t));
        }
        if let Some(k) = next_page_key {
            query.push(("nextPageKey", k));
        }
        let body = self
            .get(&self.account_url(account, "transactions", &query)?)
            .await?;
        // "If no transactions are available, a blank response is returned."
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(TransactionPage {
                transactions: Vec::new(),
                next_page_key: None,
            });
        }
        let wire: TransactionsWire = decode(&body, "transactions")?;
        let asked = normalise_account(account);
        if normalise_account(&wire.account_number) != asked {
            return Err(malformed(format!(
                "transactions of {} came for {}",
                wire.account_number, asked
            )));
        }
        let transactions = wire
            .transactions
            .into_iter()
            .map(|t| t.into_transaction(&asked))
            .collect::<Result<Vec<_>, _>>()?;
        let next_page_key = wire
            .next_page_key
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty() && k != "null");
        Ok(TransactionPage {
            transactions,
            next_page_key,
        })
    }

    /// Whether `amount` (positive, at most 3 decimals, EUR or USD) is available on the account,
    /// credit line included (scope `account:funds:read`).
    pub async fn funds(&self, account: &str, amount: Money) -> Result<FundsCheck, BankError> {
        let amount_text = amount.amount().to_string();
        let url = self.account_url(
            account,
            "funds",
            &[
                ("amount", &amount_text),
                ("currency", amount.currency().code()),
            ],
        )?;
        let body = self.get(&url).await?;
        let wire: FundsWire = decode(&body, "funds")?;
        Ok(FundsCheck {
            amount: money(&wire.amount, &wire.currency, "amount", false)?,
            account_number: wire.account_number,
            available: wire.available,
        })
    }

    /// What the access token is good for.
    pub async fn consent_info(&self) -> Result<ConsentInfo, BankError> {
        let body = self.get(&self.url(&["v1", "consentinfo"], &[])?).await?;
        let wire: ConsentWire = decode(&body, "consentinfo")?;
        let iban = match wire.iban.as_deref().map(str::trim) {
            None | Some("") | Some("null") => None,
            Some(text) => Some(
                Iban::parse(text)
                    .map_err(|_| malformed(format!("consentinfo iban {text:?} is not an IBAN")))?,
            ),
        };
        let scopes = match wire.scopes {
            None => Vec::new(),
            Some(ScopesWire::One(s)) => s
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Some(ScopesWire::Many(v)) => v,
        };
        let valid_until = wire
            .valid
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .ok_or_else(|| {
                malformed(format!(
                    "consentinfo valid {:?} is not an epoch time",
                    wire.valid
                ))
            })?;
        Ok(ConsentInfo {
            iban,
            transaction_id: wire
                .transaction_id
                .filter(|t| !t.trim().is_empty() && t.trim() != "null"),
            scopes,
            valid_until,
        })
    }

    /// One account as Folio sees it: details and balance.
    pub async fn account(&self, account: &str) -> Result<BankAccount, BankError> {
        let details = self.details(account).await?;
        let balance = self.balance(account).await?;
        if balance.amount.currency() != details.currency {
            return Err(malformed(format!(
                "the balance is in {} but the account in {}",
                balance.amount.currency(),
                details.currency
            )));
        }
        let number = normalise_account(&details.account_number);
        Ok(BankAccount {
            provider_id: number.clone(),
            name: details.holder_name,
            iban: Iban::parse(&number).ok(),
            number: Some(number),
            currency: details.currency,
            balance: Some(balance.amount),
            balance_date: Some(self.today()),
        })
    }
}

impl Provider for AbnAmro {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    /// The IBAN consentinfo names, then the configured ones, each once.
    async fn accounts(&self) -> Result<Vec<BankAccount>, BankError> {
        let consent = self.consent_info().await?;
        let mut seen = HashSet::new();
        let mut accounts = Vec::new();
        let named = consent.iban.iter().map(|i| i.as_str().to_string());
        for number in named.chain(self.config.accounts.iter().map(|a| normalise_account(a))) {
            if seen.insert(number.clone()) {
                accounts.push(self.account(&number).await?);
            }
        }
        Ok(accounts)
    }

    /// Every page from `from` to `to` (inclusive). `from` older than 18 months is refused with
    /// `MESSAGE_BAI560_0029` before any request; `to` after today is read as today;
    /// `MESSAGE_BAI560_0005` ("no data exists") on the first page is an empty batch.
    async fn transactions(
        &self,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TransactionBatch, BankError> {
        let today = self.today();
        let earliest = earliest_book_date(today);
        if from < earliest {
            return Err(BankError::Refused {
                provider: PROVIDER,
                status: 400,
                code: codes::FROM_DATE_TOO_OLD.to_string(),
                message: format!(
                    "ABN AMRO gives the transactions of the last 18 months only; asked from \
                     {from}, the earliest is {earliest}"
                ),
            });
        }
        let to = if from <= today { to.min(today) } else { to };
        let mut batch = TransactionBatch::default();
        let mut keys = HashSet::new();
        let mut key: Option<String> = None;
        loop {
            let page = match self
                .transactions_page(account_id, Some(from), Some(to), key.as_deref())
                .await
            {
                Ok(page) => page,
                Err(BankError::Refused { code, .. }) if code == codes::NO_DATA && key.is_none() => {
                    break
                }
                Err(e) => return Err(e),
            };
            batch.transactions.extend(page.transactions);
            match page.next_page_key {
                None => break,
                Some(next) => {
                    if !keys.insert(next.clone()) {
                        return Err(malformed(format!("nextPageKey {next:?} came twice")));
                    }
                    key = Some(next);
                }
            }
        }
        Ok(batch)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn numbers_become_strings_outside_strings_only() {
        let json = br#"{"a": -12.30, "b": "x\"1.5", "c": [1e3, 0], "d": true, "e": null}"#;
        let out = String::from_utf8(numbers_as_strings(json)).unwrap();
        assert_eq!(
            out,
            r#"{"a": "-12.30", "b": "x\"1.5", "c": ["1e3", "0"], "d": true, "e": null}"#
        );
    }

    #[test]
    fn json_numbers_are_read_exactly() {
        // 17 significant digits: an f64 would change the last ones.
        let wire: BalanceWire = decode(
            br#"{"accountNumber":"NL91ABNA0417164300","balanceType":"BOOKED","currency":"EUR","amount":123456789012345.67}"#,
            "balances",
        )
        .unwrap();
        assert_eq!(wire.amount, "123456789012345.67");
        let m = money(&wire.amount, &wire.currency, "balance", true).unwrap();
        assert_eq!(m.amount(), Decimal::from_str("123456789012345.67").unwrap());
        assert_eq!(m.to_minor_units().unwrap(), 12_345_678_901_234_567);
        assert!(money("1.005", "EUR", "amount", true).is_err());
        assert_eq!(parse_decimal("1.5E2"), Some(Decimal::from(150)));
    }

    #[test]
    fn every_documented_code_has_its_typed_error() {
        let refused_400 = [
            codes::ACCOUNT_NUMBER_EMPTY,
            codes::IBAN_INVALID,
            codes::TO_DATE_INVALID,
            codes::FROM_DATE_INVALID,
            codes::ACCOUNT_NUMBER_TOO_LONG,
            codes::FROM_AFTER_TO,
            codes::TO_DATE_IN_FUTURE,
            codes::FROM_DATE_IN_FUTURE,
            codes::AMOUNT_INVALID,
            codes::CURRENCY_INVALID,
            codes::AMOUNT_BLANK,
            codes::BOOK_DATE_INVALID,
            codes::BOOK_DATE_IN_FUTURE,
            codes::FROM_DATE_TOO_OLD,
        ];
        for code in refused_400 {
            match error_for(400, Some(code), Some("server text")) {
                BankError::Refused {
                    status: 400,
                    code: c,
                    message,
                    ..
                } => {
                    assert_eq!(c, code);
                    assert_ne!(message, "server text");
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        assert!(matches!(
            error_for(403, Some(codes::NO_ACCESS_TO_ACCOUNT), None),
            BankError::ActionNeeded { code, .. } if code == codes::NO_ACCESS_TO_ACCOUNT
        ));
        assert!(matches!(
            error_for(500, Some(codes::NO_DATA), None),
            BankError::Refused { status: 500, code, .. } if code == codes::NO_DATA
        ));
        assert_eq!(
            error_for(503, Some("MESSAGE_XYZ"), None),
            BankError::Unavailable {
                provider: PROVIDER,
                status: 503
            }
        );
        assert!(matches!(
            error_for(404, None, None),
            BankError::Refused { code, .. } if code == "HTTP_404"
        ));
    }

    #[test]
    fn eighteen_months_back() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(earliest_book_date(d(2025, 6, 30)), d(2023, 12, 30));
        assert_eq!(earliest_book_date(d(2025, 8, 31)), d(2024, 2, 29));
    }
}
