//! Budgea (Budget Insight) aggregation API, version 2.0.
//!
//! The contract (`shared/seeds/budgea-aggregation-api.txt`): every path sits under
//! `https://{domain}.biapi.pro/2.0`; calls carry `Authorization: Bearer <access_token>`; lists are
//! paged with `offset`/`limit` and answer `{"<resources>": [...], "total": N}`; transactions are
//! filtered with `min_date`/`max_date`; errors are `{"code": "...", "message": "..."}` (the text
//! shown by the bank's site, when there is one, in `error_message`); a connection's sync problem
//! is its `error` field (`wrongpass`, `actionNeeded`, ...); a transaction whose `deleted` is set
//! must be deleted from the ledger.
//!
//! Connecting goes through the webview: [`Budgea::connect_url`] opens
//! `/auth/webview/connect?client_id&redirect_uri&state`; the webview comes back to
//! `redirect_uri?code=...&state=...` (or `error=...`), read by [`parse_connect_redirect`]; the
//! code becomes a permanent access token at `POST /auth/token/access` ([`Budgea::exchange_code`]).
//!
//! Amounts are JSON numbers in this API (`"value": -16.22`). They are never read as floats:
//! before parsing, every number literal of an answer is turned into a string with the same digits
//! ([`quote_numbers`]), so amounts become `Decimal`s digit for digit.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use folio_ledger::{Currency, Iban, Money};
use reqwest::{Method, Response, StatusCode};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::http::{Http, RetryPolicy};
use crate::{BankAccount, BankError, BankTransaction, Provider, TransactionBatch};

/// The provider's name in messages.
pub const PROVIDER: &str = "Budgea";

/// Page size asked for on every list (the API may answer fewer; paging follows what comes).
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// A Budgea client: the API domain, the application's `client_id` and, once connected, the
/// user's permanent access token (kept by the caller in the keychain; never shown by `Debug`).
#[derive(Clone)]
pub struct Budgea {
    http: Http,
    /// `{base}/2.0/`, always with the trailing slash, so relative paths join under it.
    api: Url,
    client_id: String,
    token: Option<String>,
    page_size: u32,
}

impl fmt::Debug for Budgea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budgea")
            .field("api", &self.api.as_str())
            .field("client_id", &self.client_id)
            .field(
                "token",
                &if self.token.is_some() {
                    "<redacted>"
                } else {
                    "<none>"
                },
            )
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// What a successful connect flow brings back to the redirect URI.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectCallback {
    /// The temporary code to exchange for the permanent access token (a secret: not in `Debug`).
    pub code: String,
    /// The connection the flow added, when the webview says.
    pub connection_id: Option<String>,
}

impl fmt::Debug for ConnectCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectCallback")
            .field("code", &"<redacted>")
            .field("connection_id", &self.connection_id)
            .finish()
    }
}

/// A connection (a bank login) of the user, with its last sync problem, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub id: String,
    pub bank_id: Option<String>,
    /// The documented `error` code (`wrongpass`, `actionNeeded`, `websiteUnavailable`, ...).
    pub error: Option<String>,
    /// The bank site's own words about the error, when given.
    pub error_message: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` of the last successful sync, as the API writes it.
    pub last_update: Option<String>,
}

impl Connection {
    /// The error the person must act on, if this connection's state needs them.
    pub fn problem(&self) -> Option<BankError> {
        let code = self.error.as_deref()?;
        connection_error(code, self.error_message.as_deref())
    }
}

/// Maps a connection `error` code (also the `code` of a 400 on a sync) to what the person must do.
///
/// Codes that need the person become [`BankError::ActionNeeded`]; codes that only say the last
/// sync failed on Budgea's or the bank's side (`websiteUnavailable`, `bug`, `rateLimiting`) are
/// not the person's to fix and give `None` (the data already synced is still served).
pub fn connection_error(code: &str, bank_message: Option<&str>) -> Option<BankError> {
    let what = match code {
        "wrongpass" => "the bank refused the saved login or password; reconnect and enter them again",
        "passwordExpired" => "the password at the bank has expired; change it on the bank's site, then reconnect",
        "actionNeeded" => "the bank asks you to do something on its site (accept terms, read a message), then sync again",
        "additionalInformationNeeded" => "the bank needs more information to go on; reconnect to give it",
        "SCARequired" | "webauthRequired" | "decoupled" => {
            "the bank asks you to confirm it is you (strong authentication); reconnect to do it"
        }
        "websiteUnavailable" | "bug" | "rateLimiting" | "validating" => return None,
        _ => "the connection reports a problem; open it again (reconnect) to fix it",
    };
    let message = match bank_message.map(str::trim).filter(|m| !m.is_empty()) {
        Some(said) => format!("{what} (the bank says: {said})"),
        None => what.to_string(),
    };
    Some(BankError::ActionNeeded {
        provider: PROVIDER,
        code: code.to_string(),
        message,
    })
}

/// Reads the redirect the connect webview ends on. `expected_state` is the value given to
/// [`Budgea::connect_url`]; a different or missing `state` is refused (the redirect is not the
/// answer to this flow). Errors the webview reports (`error`, `error_description`) come back as
/// [`BankError::ActionNeeded`] with the webview's code.
pub fn parse_connect_redirect(
    redirect: &str,
    expected_state: &str,
) -> Result<ConnectCallback, BankError> {
    let params = redirect_params(redirect, expected_state)?;
    let code = params
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| malformed("the connect redirect carries neither a code nor an error"))?;
    Ok(ConnectCallback {
        code,
        connection_id: params.connection_id.filter(|c| !c.is_empty()),
    })
}

/// Reads the redirect the reconnect webview ends on: success carries nothing but `state`.
pub fn parse_reconnect_redirect(redirect: &str, expected_state: &str) -> Result<(), BankError> {
    redirect_params(redirect, expected_state).map(|_| ())
}

#[derive(Default)]
struct RedirectParams {
    code: Option<String>,
    connection_id: Option<String>,
}

fn redirect_params(redirect: &str, expected_state: &str) -> Result<RedirectParams, BankError> {
    let url =
        Url::parse(redirect).map_err(|e| malformed(format!("the redirect is not a URL: {e}")))?;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    let mut params = RedirectParams::default();
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "state" => state = Some(value.into_owned()),
            "code" => params.code = Some(value.into_owned()),
            "connection_id" => params.connection_id = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }
    if state.as_deref() != Some(expected_state) {
        return Err(BankError::Refused {
            provider: PROVIDER,
            status: 0,
            code: "state_mismatch".to_string(),
            message: "the answer from the connect page does not belong to this connection \
                      attempt (its state differs); start connecting again"
                .to_string(),
        });
    }
    if let Some(code) = error.filter(|e| !e.is_empty()) {
        let what = match code.as_str() {
            "access_denied" => "connecting was cancelled or not allowed; start again when ready",
            _ => "connecting did not finish; start again",
        };
        let message = match description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(d) => format!("{what} (Budgea says: {d})"),
            None => what.to_string(),
        };
        return Err(BankError::ActionNeeded {
            provider: PROVIDER,
            code,
            message,
        });
    }
    Ok(params)
}

fn malformed(detail: impl Into<String>) -> BankError {
    BankError::Malformed {
        provider: PROVIDER,
        detail: detail.into(),
    }
}

/// Turns every JSON number literal outside strings into a string with the same characters, so
/// `{"value": -16.22}` reads as `{"value": "-16.22"}` and no number ever passes through `f64`.
/// Text that is not JSON stays not JSON.
pub fn quote_numbers(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + input.len() / 8);
    let mut in_string = false;
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if in_string {
            out.push(b);
            if b == b'\\' {
                if let Some(&next) = input.get(i + 1) {
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
            out.push(b'"');
            while let Some(&c) = input.get(i) {
                if !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                    break;
                }
                out.push(c);
                i += 1;
            }
            out.push(b'"');
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

fn parse_decimal(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|e| format!("{text:?} is not a decimal amount: {e}"))
}

fn de_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(d)?;
    parse_decimal(&text).map_err(serde::de::Error::custom)
}

fn de_opt_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(text) => parse_decimal(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// `"2015-07-04 15:17:30"` (or a bare date) -> the day.
fn day_of(timestamp: &str) -> Option<NaiveDate> {
    let day = timestamp.get(..10)?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

// ---- The API's JSON shapes (after `quote_numbers`: every number is a string) ----

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    error_message: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Deserialize)]
struct CodeAnswer {
    code: String,
}

#[derive(Deserialize)]
struct RawConnection {
    id: String,
    id_bank: Option<String>,
    /// The spec's name for the bank (`id_bank` in the seed's examples); either is read.
    id_connector: Option<String>,
    error: Option<String>,
    error_message: Option<String>,
    last_update: Option<String>,
}

impl From<RawConnection> for Connection {
    fn from(raw: RawConnection) -> Connection {
        Connection {
            id: raw.id,
            bank_id: raw.id_bank.or(raw.id_connector),
            error: raw.error.filter(|e| !e.is_empty()),
            error_message: raw.error_message,
            last_update: raw.last_update,
        }
    }
}

#[derive(Deserialize)]
struct RawCurrency {
    id: String,
}

#[derive(Deserialize)]
struct RawAccount {
    id: String,
    name: Option<String>,
    original_name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_decimal")]
    balance: Option<Decimal>,
    currency: Option<RawCurrency>,
    iban: Option<String>,
    number: Option<String>,
    deleted: Option<String>,
    disabled: Option<serde_json::Value>,
    last_update: Option<String>,
    connection: Option<RawConnection>,
}

#[derive(Deserialize)]
struct RawTransaction {
    id: String,
    date: NaiveDate,
    vdate: Option<NaiveDate>,
    #[serde(deserialize_with = "de_decimal")]
    value: Decimal,
    wording: Option<String>,
    original_wording: Option<String>,
    simplified_wording: Option<String>,
    #[serde(default)]
    coming: Option<bool>,
    deleted: Option<String>,
}

/// Something a list answer holds, with its id (for paging without doubles).
trait Listed: DeserializeOwned {
    fn list_id(&self) -> &str;
}

impl Listed for RawConnection {
    fn list_id(&self) -> &str {
        &self.id
    }
}
impl Listed for RawAccount {
    fn list_id(&self) -> &str {
        &self.id
    }
}
impl Listed for RawTransaction {
    fn list_id(&self) -> &str {
        &self.id
    }
}

impl Budgea {
    /// A client for the API at `base_url`: the domain (`https://{domain}.biapi.pro`, or a
    /// sandbox's `http://127.0.0.1:PORT`); `/2.0` is added unless the URL already ends with it.
    pub fn new(
        base_url: &str,
        client_id: impl Into<String>,
        policy: RetryPolicy,
    ) -> Result<Budgea, BankError> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let with_version = if trimmed.ends_with("/2.0") {
            format!("{trimmed}/")
        } else {
            format!("{trimmed}/2.0/")
        };
        let api = Url::parse(&with_version).map_err(|e| BankError::Refused {
            provider: PROVIDER,
            status: 0,
            code: "invalid_base_url".to_string(),
            message: format!("{base_url:?} is not a usable API address: {e}"),
        })?;
        if !matches!(api.scheme(), "http" | "https") {
            return Err(BankError::Refused {
                provider: PROVIDER,
                status: 0,
                code: "invalid_base_url".to_string(),
                message: format!("{base_url:?} is not an http(s) address"),
            });
        }
        Ok(Budgea {
            http: Http::new(PROVIDER, policy)?,
            api,
            client_id: client_id.into(),
            token: None,
            page_size: DEFAULT_PAGE_SIZE,
        })
    }

    /// The same client, acting for the user whose permanent access token this is.
    pub fn with_token(mut self, access_token: String) -> Budgea {
        self.token = Some(access_token);
        self
    }

    /// The `limit` asked for on each page (at least 1).
    pub fn with_page_size(mut self, page_size: u32) -> Budgea {
        self.page_size = page_size.max(1);
        self
    }

    /// Whether a token is set.
    pub fn is_connected(&self) -> bool {
        self.token.is_some()
    }

    fn endpoint(&self, path: &str) -> Result<Url, BankError> {
        self.api
            .join(path.trim_start_matches('/'))
            .map_err(|e| malformed(format!("bad path {path:?}: {e}")))
    }

    /// The webview page that adds a connection:
    /// `{base}/2.0/auth/webview/connect?client_id=..&redirect_uri=..&state=..`.
    /// `state` should be random per attempt; check it with [`parse_connect_redirect`].
    pub fn connect_url(&self, redirect_uri: &str, state: &str) -> Result<Url, BankError> {
        let mut url = self.endpoint("auth/webview/connect")?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        Ok(url)
    }

    /// The webview page that repairs a connection (new password, strong authentication):
    /// `{base}/2.0/auth/webview/reconnect?client_id&redirect_uri&state&connection_id&code`, with
    /// a temporary code from `POST /auth/token/code` (30 minutes). Needs the token.
    pub async fn reconnect_url(
        &self,
        connection_id: &str,
        redirect_uri: &str,
        state: &str,
    ) -> Result<Url, BankError> {
        let resp = self
            .send(Method::POST, self.endpoint("auth/token/code")?, None)
            .await?;
        let answer: CodeAnswer = self.read(resp).await?;
        let mut url = self.endpoint("auth/webview/reconnect")?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .append_pair("connection_id", connection_id)
            .append_pair("code", &answer.code);
        Ok(url)
    }

    /// Exchanges the webview's code for the user's permanent access token
    /// (`POST /auth/token/access` with `client_id`, `client_secret`, `code`). The caller keeps
    /// the token in the keychain and builds the client with [`Budgea::with_token`].
    pub async fn exchange_code(
        &self,
        client_secret: &str,
        code: &str,
    ) -> Result<String, BankError> {
        // The documented body has the client id as a number; a non-numeric id goes as text.
        let client_id = match self.client_id.parse::<u64>() {
            Ok(n) => serde_json::Value::from(n),
            Err(_) => serde_json::Value::from(self.client_id.as_str()),
        };
        let body = serde_json::json!({
            "client_id": client_id,
            "client_secret": client_secret,
            "code": code,
        });
        let url = self.endpoint("auth/token/access")?;
        // The code is single-use: never sent twice after it may have arrived.
        let resp = self
            .http
            .send_single_use(|c| c.post(url.clone()).json(&body))
            .await?;
        let status = resp.status();
        if !status.is_success() {
            // Here every refusal is the code's or the application's, not a lost connection.
            let (code, message) = self.error_body(resp).await;
            return Err(BankError::Refused {
                provider: PROVIDER,
                status: status.as_u16(),
                code: code.unwrap_or_else(|| "token_exchange_refused".to_string()),
                message: message.unwrap_or_else(|| {
                    "the connection code was not accepted (used already, expired, or the \
                     application's client id/secret are wrong); connect again"
                        .to_string()
                }),
            });
        }
        let answer: TokenAnswer = self.read(resp).await?;
        if answer.access_token.is_empty() {
            return Err(malformed(
                "the token exchange answered an empty access_token",
            ));
        }
        Ok(answer.access_token)
    }

    /// The user's connections with their sync state (`GET /users/me/connections`, every page).
    pub async fn connections(&self) -> Result<Vec<Connection>, BankError> {
        let raw: Vec<RawConnection> = self
            .list("users/me/connections", "connections", &[])
            .await?;
        Ok(raw.into_iter().map(Connection::from).collect())
    }

    /// Synchronises one connection now (`PUT /users/me/connections/{id}`, blocking until done).
    /// A connection the bank refuses answers 400 with `wrongpass`, etc.: [`BankError::ActionNeeded`].
    pub async fn resync(&self, connection_id: &str) -> Result<Connection, BankError> {
        let url = self.endpoint(&format!("users/me/connections/{connection_id}"))?;
        let resp = self.send(Method::PUT, url, None).await?;
        let raw: RawConnection = self.read(resp).await?;
        Ok(raw.into())
    }

    /// Synchronises every connection of the user now (`PUT /users/me/connections`).
    pub async fn resync_all(&self) -> Result<Vec<Connection>, BankError> {
        #[derive(Deserialize)]
        struct Answer {
            connections: Vec<RawConnection>,
        }
        let url = self.endpoint("users/me/connections")?;
        let resp = self.send(Method::PUT, url, None).await?;
        let answer: Answer = self.read(resp).await?;
        Ok(answer
            .connections
            .into_iter()
            .map(Connection::from)
            .collect())
    }

    fn token(&self) -> Result<&str, BankError> {
        self.token.as_deref().ok_or_else(|| BankError::Reconnect {
            provider: PROVIDER,
            detail: "Folio is not connected to Budgea yet; connect first".to_string(),
        })
    }

    /// Sends an authenticated request (retried by [`Http`]); a non-2xx answer becomes its
    /// [`BankError`].
    async fn send(
        &self,
        method: Method,
        url: Url,
        query: Option<&[(&str, String)]>,
    ) -> Result<Response, BankError> {
        let token = self.token()?;
        let resp = self
            .http
            .send(|c| {
                let mut b = c.request(method.clone(), url.clone()).bearer_auth(token);
                if let Some(q) = query {
                    b = b.query(q);
                }
                b
            })
            .await?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.api_error(resp).await)
    }

    async fn error_body(&self, resp: Response) -> (Option<String>, Option<String>) {
        let Ok(bytes) = resp.bytes().await else {
            return (None, None);
        };
        match serde_json::from_slice::<ErrorBody>(&quote_numbers(&bytes)) {
            Ok(body) => (
                body.code.filter(|c| !c.is_empty()),
                body.error_message
                    .or(body.message)
                    .or(body.description)
                    .filter(|m| !m.trim().is_empty()),
            ),
            Err(_) => (None, None),
        }
    }

    async fn api_error(&self, resp: Response) -> BankError {
        let status = resp.status();
        let (code, message) = self.error_body(resp).await;
        if status == StatusCode::UNAUTHORIZED {
            return BankError::Reconnect {
                provider: PROVIDER,
                detail: format!(
                    "Budgea no longer accepts Folio's access ({}); connect again",
                    code.as_deref().unwrap_or("HTTP 401")
                ),
            };
        }
        if let Some(code) = code.as_deref() {
            if let Some(err) = connection_error_for_request(code, message.as_deref()) {
                return err;
            }
        }
        let fallback = match status {
            StatusCode::FORBIDDEN => "Folio's access does not allow this request",
            StatusCode::NOT_FOUND => "Budgea does not know this connection or account (removed?)",
            StatusCode::BAD_REQUEST => "Budgea refused the request as invalid",
            _ => "Budgea refused the request",
        };
        BankError::Refused {
            provider: PROVIDER,
            status: status.as_u16(),
            code: code.unwrap_or_else(|| format!("HTTP_{}", status.as_u16())),
            message: message.unwrap_or_else(|| fallback.to_string()),
        }
    }

    /// Reads a 2xx answer as `T`, numbers kept exact; anything else is [`BankError::Malformed`].
    async fn read<T: DeserializeOwned>(&self, resp: Response) -> Result<T, BankError> {
        let bytes = resp.bytes().await.map_err(|e| BankError::Network {
            provider: PROVIDER,
            detail: e.to_string(),
        })?;
        serde_json::from_slice(&quote_numbers(&bytes)).map_err(|e| malformed(e.to_string()))
    }

    /// Every item of a paged list: `offset` advances by what each page holds, until `total` (or
    /// a short page when there is no total). An item seen twice (the list moved) is kept once.
    async fn list<T: Listed>(
        &self,
        path: &str,
        key: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<T>, BankError> {
        let url = self.endpoint(path)?;
        let mut out: Vec<T> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut offset: u64 = 0;
        loop {
            let mut query: Vec<(&str, String)> = params.to_vec();
            query.push(("offset", offset.to_string()));
            query.push(("limit", self.page_size.to_string()));
            let resp = self.send(Method::GET, url.clone(), Some(&query)).await?;
            let mut page: serde_json::Map<String, serde_json::Value> = self.read(resp).await?;
            let items = page
                .remove(key)
                .ok_or_else(|| malformed(format!("the {key} list has no {key:?} field")))?;
            let items: Vec<T> = serde_json::from_value(items)
                .map_err(|e| malformed(format!("a {key} item: {e}")))?;
            let total = match page.get("total") {
                Some(serde_json::Value::String(t)) => Some(
                    t.parse::<u64>()
                        .map_err(|_| malformed(format!("the {key} total {t:?} is not a count")))?,
                ),
                _ => None,
            };
            let count = items.len() as u64;
            let mut fresh = 0_u64;
            for item in items {
                if seen.insert(item.list_id().to_string()) {
                    out.push(item);
                    fresh += 1;
                }
            }
            offset += count;
            let more = match total {
                Some(total) => offset < total,
                None => count >= u64::from(self.page_size),
            };
            if !more || count == 0 {
                if let Some(total) = total {
                    if offset < total {
                        return Err(malformed(format!(
                            "the {key} list stopped at {offset} of {total}"
                        )));
                    }
                }
                return Ok(out);
            }
            if fresh == 0 {
                return Err(malformed(format!(
                    "the {key} list repeats itself at offset {offset}"
                )));
            }
        }
    }

    fn account_from(raw: RawAccount) -> Result<BankAccount, BankError> {
        let code = raw
            .currency
            .as_ref()
            .map(|c| c.id.as_str())
            .ok_or_else(|| malformed(format!("account {} has no currency", raw.id)))?;
        let currency =
            Currency::from_code(code).map_err(|e| malformed(format!("account {}: {e}", raw.id)))?;
        let iban = raw
            .iban
            .as_deref()
            .filter(|i| !i.trim().is_empty())
            .and_then(|i| Iban::parse(i).ok());
        Ok(BankAccount {
            name: raw
                .name
                .or(raw.original_name)
                .unwrap_or_else(|| format!("Account {}", raw.id)),
            iban,
            number: raw.number.filter(|n| !n.is_empty()),
            currency,
            balance: raw.balance.map(|b| Money::new(b, currency)),
            balance_date: raw.last_update.as_deref().and_then(day_of),
            provider_id: raw.id,
        })
    }
}

/// An error `code` in an answer's body that is a connection state (a 400 on a sync).
fn connection_error_for_request(code: &str, message: Option<&str>) -> Option<BankError> {
    const STATES: &[&str] = &[
        "wrongpass",
        "passwordExpired",
        "actionNeeded",
        "additionalInformationNeeded",
        "SCARequired",
        "webauthRequired",
        "decoupled",
    ];
    if STATES.contains(&code) {
        connection_error(code, message)
    } else {
        None
    }
}

impl Provider for Budgea {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    /// `GET /users/me/accounts`, every page; deleted and disabled accounts left out.
    async fn accounts(&self) -> Result<Vec<BankAccount>, BankError> {
        let raw: Vec<RawAccount> = self.list("users/me/accounts", "accounts", &[]).await?;
        raw.into_iter()
            .filter(|a| a.deleted.is_none())
            .filter(|a| matches!(a.disabled, None | Some(serde_json::Value::Null)))
            .map(Budgea::account_from)
            .collect()
    }

    /// First the account with its connection (`GET /users/me/accounts/{id}?expand=connection`):
    /// a connection whose state needs the person is [`BankError::ActionNeeded`]. Then
    /// `GET /users/me/accounts/{id}/transactions?min_date&max_date&all=true`, every page (`all`:
    /// deleted ones included). Transactions with `deleted` set go to
    /// [`TransactionBatch::deleted`]; `coming` (not yet booked) ones are left out.
    async fn transactions(
        &self,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TransactionBatch, BankError> {
        if account_id.is_empty() || !account_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(BankError::Refused {
                provider: PROVIDER,
                status: 0,
                code: "invalid_account_id".to_string(),
                message: format!("{account_id:?} is not a Budgea account id"),
            });
        }
        let url = self.endpoint(&format!("users/me/accounts/{account_id}"))?;
        let query = [("expand", "connection".to_string())];
        let resp = self.send(Method::GET, url, Some(&query)).await?;
        let account: RawAccount = self.read(resp).await?;
        if let Some(problem) = account
            .connection
            .map(Connection::from)
            .and_then(|c| c.problem())
        {
            return Err(problem);
        }
        let currency = Budgea::account_from(RawAccount {
            connection: None,
            ..account
        })?
        .currency;

        // `all`: deleted transactions too (without it the API leaves them out, and Folio
        // would never learn that a transaction it filed was deleted).
        let params = [
            ("min_date", from.format("%Y-%m-%d").to_string()),
            ("max_date", to.format("%Y-%m-%d").to_string()),
            ("all", "true".to_string()),
        ];
        let raw: Vec<RawTransaction> = self
            .list(
                &format!("users/me/accounts/{account_id}/transactions"),
                "transactions",
                &params,
            )
            .await?;
        let mut batch = TransactionBatch::default();
        for tx in raw {
            if tx.deleted.is_some() {
                batch.deleted.push(tx.id);
                continue;
            }
            if tx.coming == Some(true) {
                continue;
            }
            if tx.date < from || tx.date > to {
                return Err(malformed(format!(
                    "transaction {} is dated {}, outside the {from}..{to} asked for",
                    tx.id, tx.date
                )));
            }
            // `value` is in the account's currency (`original_value` would be the foreign one).
            let amount = Money::new(tx.value, currency);
            if amount.to_minor_units().is_err() {
                return Err(malformed(format!(
                    "transaction {} has the amount {} (too precise for {currency})",
                    tx.id, tx.value
                )));
            }
            let description = tx
                .original_wording
                .filter(|w| !w.trim().is_empty())
                .or(tx.wording.filter(|w| !w.trim().is_empty()))
                .or(tx.simplified_wording)
                .unwrap_or_default();
            batch.transactions.push(BankTransaction {
                provider_id: tx.id,
                date: tx.date,
                value_date: tx.vdate,
                description,
                amount,
            });
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_strings_outside_strings_only() {
        let json = br#"{"a": -16.22, "b": "x 1.5 \"2\"", "c": [1e3, 0], "d": null, "e": true}"#;
        let quoted = String::from_utf8(quote_numbers(json)).unwrap_or_default();
        assert_eq!(
            quoted,
            r#"{"a": "-16.22", "b": "x 1.5 \"2\"", "c": ["1e3", "0"], "d": null, "e": true}"#
        );
        assert_eq!(parse_decimal("1e3"), Ok(Decimal::from(1000)));
        assert_eq!(
            parse_decimal("-0.10").map(|d| d.to_string()),
            Ok("-0.10".to_string())
        );
    }

    #[test]
    fn connection_codes_map_to_actions() {
        assert!(matches!(
            connection_error("wrongpass", None),
            Some(BankError::ActionNeeded { code, .. }) if code == "wrongpass"
        ));
        assert_eq!(connection_error("websiteUnavailable", None), None);
        assert!(matches!(
            connection_error("somethingNew", None),
            Some(BankError::ActionNeeded { code, .. }) if code == "somethingNew"
        ));
    }
}
