//! Belfius PSD2 Account API (AIS), offline: `GET /accounts`, `GET /accounts/{logical-id}` and
//! `GET /accounts/{logical-id}/transactions` over seeded, deterministic data, plus a consent page
//! (approving at once, or asking a person when `auto_approve` is off) that redirects back, and a
//! token endpoint trading the consent's code for the tokens.
//!
//! What the contract (the Account API page) says and this server enforces: `Authorization:
//! Bearer`, `Request-ID` (a UUID v4) echoed as `Response-ID`, the versioned `Accept` header
//! (`version=1` for the account list, `version=2` for transactions), `Accept-Language`,
//! `Client-ID`, `Redirect-URI` on transactions, `date_from` (inclusive) / `date_to` (exclusive),
//! `pagesize` and `next` (the `next_page_key` of the previous page), `currency`, and the
//! `SCA-Token` rule: checked only when `date_from` is before today - 90 days.
//!
//! What the page leaves open and this server chooses (the client follows the same choices):
//! the consent page's path and parameters (`GET /consent?client_id&redirect_uri&state&scope&lang`
//! redirecting to `redirect_uri?code&state`; the real flow starts with the Consent API's
//! `GET /consent-uris`, which is not part of this contract), the code-for-token exchange
//! (`POST /oauth2/token`, an OAuth 2.0 authorization-code grant as RFC 6749 4.1.3 writes it,
//! answering `access_token`, `token_type`, `expires_in` and the `sca_token` the page says can be
//! had right after enrolment), the fields of an account-list item
//! and of a booked transaction, the `Accept` version of the account details (`version=1`, as the
//! list), and the error tokens and codes: `missing_input`/`10001` and `invalid_input`/`10002`
//! (400, as Belfius' Consent API documents them), `invalid_token` (401, `TOKEN_EXPIRED` or
//! `TOKEN_INVALID`), `sca_required` (403, `SCA_REQUIRED` or `SCA_TOKEN_INVALID`),
//! `invalid_client` (403), `not_acceptable` (406, `INVALID_ACCEPT_HEADER`) and `not_found` (404).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// The `Accept` header of `GET /accounts` and `GET /accounts/{logical-id}`.
pub const ACCEPT_ACCOUNTS: &str = "application/vnd.belfius.api+json; version=1";
/// The `Accept` header of `GET /accounts/{logical-id}/transactions`.
pub const ACCEPT_TRANSACTIONS: &str = "application/vnd.belfius.api+json; version=2";
/// Where the consent page is served.
pub const CONSENT_PATH: &str = "/consent";
/// The authorization code the consent page hands back.
pub const CONSENT_CODE: &str = "sandbox-authorization-code";
/// Where the consent's code is traded for tokens.
pub const TOKEN_PATH: &str = "/oauth2/token";
/// How far back transactions are served without an SCA token.
pub const SCA_FREE_DAYS: u64 = 90;
/// Transactions in the large account (`large_account`).
pub const LARGE_ACCOUNT_TRANSACTIONS: usize = 10_000;

/// Knobs a test turns while the server runs.
#[derive(Debug, Default)]
pub struct BelfiusKnobs {
    tokens_expired: AtomicBool,
    response_id_mismatch: AtomicU32,
}

impl BelfiusKnobs {
    /// Every request with the access token gets 401 `invalid_token` / `TOKEN_EXPIRED` from now on.
    pub fn expire_tokens(&self) {
        self.tokens_expired.store(true, Ordering::SeqCst);
    }

    /// The access token is accepted again.
    pub fn renew_tokens(&self) {
        self.tokens_expired.store(false, Ordering::SeqCst);
    }

    /// The next `n` answers carry a `Response-ID` other than the request's `Request-ID`.
    pub fn mismatch_response_id_next(&self, n: u32) {
        self.response_id_mismatch.store(n, Ordering::SeqCst);
    }

    fn take_mismatch(&self) -> bool {
        self.response_id_mismatch
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// How the sandbox is set up. Data depend only on `today` and `large_account`.
#[derive(Clone, Debug)]
pub struct BelfiusSandbox {
    /// The bank's "today": transactions are seeded over the ~6 months before it and the 90-day
    /// SCA rule counts from it.
    pub today: NaiveDate,
    pub client_id: String,
    pub access_token: String,
    pub sca_token: String,
    /// Adds a fourth account with [`LARGE_ACCOUNT_TRANSACTIONS`] transactions.
    pub large_account: bool,
    /// Records per page when the request gives no `pagesize`.
    pub default_page_size: usize,
    /// The largest `pagesize` honoured (larger ones are cut to it).
    pub max_page_size: usize,
    pub knobs: Arc<BelfiusKnobs>,
    /// The consent page redirects back at once (tests, `folio connect`); off, it asks a person
    /// to approve or cancel, as a bank's page does.
    pub auto_approve: bool,
}

impl Default for BelfiusSandbox {
    /// Today (UTC) as the bank's date.
    fn default() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let today = i64::try_from(secs)
            .ok()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map_or(NaiveDate::MIN, |t| t.date_naive());
        BelfiusSandbox::new(today)
    }
}

impl BelfiusSandbox {
    /// A sandbox whose "today" is `today` (tests pin it, so every value is known).
    pub fn new(today: NaiveDate) -> Self {
        BelfiusSandbox {
            today,
            client_id: "folio-sandbox-client".to_string(),
            access_token: "sandbox-access-token-4f1c".to_string(),
            sca_token: "sandbox-sca-token-9b7e".to_string(),
            large_account: false,
            default_page_size: 50,
            max_page_size: 500,
            knobs: Arc::new(BelfiusKnobs::default()),
            auto_approve: true,
        }
    }
}

/// A seeded account, as the sandbox serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedAccount {
    pub logical_id: String,
    pub iban: String,
    pub account_name: String,
    pub product_name: String,
    pub product_type: String,
    pub currency: String,
    pub balance: Decimal,
    pub multicurrency: bool,
    /// (currency, balance) per compartment.
    pub other_compartments: Vec<(String, Decimal)>,
    pub psu_name: String,
    /// Sorted by execution date, then reference.
    pub transactions: Vec<SeedTransaction>,
}

/// A seeded booked transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedTransaction {
    pub transaction_ref: String,
    pub execution_date: NaiveDate,
    pub value_date: NaiveDate,
    pub amount: Decimal,
    pub currency: String,
    pub communication: String,
    pub counterparty_info: String,
}

/// A Belgian IBAN from the first ten digits of the account number: the national check (mod 97
/// of those ten digits, 97 for 0) and then the ISO 13616 check digits.
pub fn belgian_iban(first_ten: u64) -> String {
    let national = match first_ten % 97 {
        0 => 97,
        n => n,
    };
    let bban = format!("{:010}{:02}", first_ten % 10_000_000_000, national);
    // BBAN + "BE00" with B = 11, E = 14.
    let digits = format!("{bban}111400");
    let remainder = digits
        .bytes()
        .fold(0u64, |r, b| (r * 10 + u64::from(b - b'0')) % 97);
    format!("BE{:02}{bban}", 98 - remainder)
}

/// A small deterministic generator (64-bit LCG), so the data never change between runs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn days_before(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

fn days_after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap_or(day)
}

fn logical_id(n: u64) -> String {
    format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJkaXIiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0..sbx{n}.{:016x}",
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    )
}

const SHOPS: [&str; 8] = [
    "Delhaize Bruxelles",
    "Colruyt Gent",
    "SNCB/NMBS",
    "Proximus",
    "Engie Electrabel",
    "Boulangerie Dupont",
    "Pharmacie Centrale",
    "Total Energies",
];

/// Every seeded account (the large one only when `config.large_account`).
pub fn seed_accounts(config: &BelfiusSandbox) -> Vec<SeedAccount> {
    let today = config.today;
    let mut accounts = Vec::new();

    // 1. A multi-currency current account: ~150 EUR movements over 180 days, a USD compartment.
    let mut rng = Lcg(0x0BE1_F105);
    let mut eur = Vec::new();
    for i in 0..150u64 {
        let date = days_before(today, 179 - i * 180 / 150);
        let (amount, counterparty, communication) = if i % 25 == 0 {
            (
                Decimal::new(245_000, 2),
                "Folio Employer SA".to_string(),
                "Salaire / Loon".to_string(),
            )
        } else {
            let cents = i64::try_from(rng.next() % 20_000).unwrap_or(0) + 100;
            let shop = SHOPS[usize::try_from(rng.next() % 8).unwrap_or(0)];
            (
                Decimal::new(-cents, 2),
                shop.to_string(),
                format!("Paiement carte {shop}"),
            )
        };
        eur.push(SeedTransaction {
            transaction_ref: format!("BEL1-{i:05}"),
            execution_date: date,
            value_date: days_after(date, i % 2),
            amount,
            currency: "EUR".to_string(),
            communication,
            counterparty_info: counterparty,
        });
    }
    for k in 0..6u64 {
        let date = days_before(today, 170 - k * 30);
        eur.push(SeedTransaction {
            transaction_ref: format!("BEL1-USD-{k:02}"),
            execution_date: date,
            value_date: date,
            amount: Decimal::new(if k % 2 == 0 { 10_000 } else { -2_525 }, 2),
            currency: "USD".to_string(),
            communication: "USD compartment".to_string(),
            counterparty_info: "Wise Europe".to_string(),
        });
    }
    let eur_sum: Decimal = eur
        .iter()
        .filter(|t| t.currency == "EUR")
        .map(|t| t.amount)
        .sum();
    let usd_sum: Decimal = eur
        .iter()
        .filter(|t| t.currency == "USD")
        .map(|t| t.amount)
        .sum();
    let eur_balance = Decimal::new(150_000, 2) + eur_sum;
    let usd_balance = Decimal::new(12_050, 2) + usd_sum;
    accounts.push(SeedAccount {
        logical_id: logical_id(1),
        iban: belgian_iban(63_0123_4567),
        account_name: "Compte à vue".to_string(),
        product_name: "Belfius Pack Comfort".to_string(),
        product_type: "payment-account".to_string(),
        currency: "EUR".to_string(),
        balance: eur_balance,
        multicurrency: true,
        other_compartments: vec![
            ("EUR".to_string(), eur_balance),
            ("USD".to_string(), usd_balance),
        ],
        psu_name: "Francois Dupont".to_string(),
        transactions: sorted(eur),
    });

    // 2. A second payment account: +50.00 every week for 26 weeks.
    let weekly = (0..26u64)
        .map(|k| {
            let date = days_before(today, 7 * k);
            SeedTransaction {
                transaction_ref: format!("BEL2-{k:05}"),
                execution_date: date,
                value_date: date,
                amount: Decimal::new(50_00, 2),
                currency: "EUR".to_string(),
                communication: format!("Epargne semaine {}", 26 - k),
                counterparty_info: "Francois Dupont".to_string(),
            }
        })
        .collect::<Vec<_>>();
    accounts.push(SeedAccount {
        logical_id: logical_id(2),
        iban: belgian_iban(68_8765_4321),
        account_name: "Compte épargne projets".to_string(),
        product_name: "Belfius Compte à vue".to_string(),
        product_type: "payment-account".to_string(),
        currency: "EUR".to_string(),
        balance: Decimal::new(800_000, 2) + Decimal::new(26 * 5_000, 2),
        multicurrency: false,
        other_compartments: Vec::new(),
        psu_name: "Francois Dupont".to_string(),
        transactions: sorted(weekly),
    });

    // 3. An account with no movements at all.
    accounts.push(SeedAccount {
        logical_id: logical_id(3),
        iban: belgian_iban(7_5500_0001),
        account_name: "Compte commun".to_string(),
        product_name: "Belfius Compte à vue".to_string(),
        product_type: "payment-account".to_string(),
        currency: "EUR".to_string(),
        balance: Decimal::new(-1_234, 2),
        multicurrency: false,
        other_compartments: Vec::new(),
        psu_name: "Francois Dupont".to_string(),
        transactions: Vec::new(),
    });

    if config.large_account {
        let n = u64::try_from(LARGE_ACCOUNT_TRANSACTIONS).unwrap_or(0);
        let big = (0..n)
            .map(|i| {
                let date = days_before(today, 179 - i * 180 / n);
                let mut cents = i64::try_from(i * 7_919 % 20_001).unwrap_or(0) - 10_000;
                if cents == 0 {
                    cents = 1;
                }
                SeedTransaction {
                    transaction_ref: format!("BEL4-{i:05}"),
                    execution_date: date,
                    value_date: date,
                    amount: Decimal::new(cents, 2),
                    currency: "EUR".to_string(),
                    communication: format!("Opération {i}"),
                    counterparty_info: SHOPS[usize::try_from(i % 8).unwrap_or(0)].to_string(),
                }
            })
            .collect::<Vec<_>>();
        let sum: Decimal = big.iter().map(|t| t.amount).sum();
        accounts.push(SeedAccount {
            logical_id: logical_id(4),
            iban: belgian_iban(89_1000_2000),
            account_name: "Compte professionnel".to_string(),
            product_name: "Belfius Business".to_string(),
            product_type: "payment-account".to_string(),
            currency: "EUR".to_string(),
            balance: sum,
            multicurrency: false,
            other_compartments: Vec::new(),
            psu_name: "Dupont SRL".to_string(),
            transactions: sorted(big),
        });
    }
    accounts
}

fn sorted(mut transactions: Vec<SeedTransaction>) -> Vec<SeedTransaction> {
    transactions.sort_by(|a, b| {
        (a.execution_date, &a.transaction_ref).cmp(&(b.execution_date, &b.transaction_ref))
    });
    transactions
}

struct AppState {
    config: BelfiusSandbox,
    accounts: Vec<SeedAccount>,
}

type Shared = Arc<AppState>;

/// Serves the Belfius contract on 127.0.0.1:`port` (0: any free port).
pub async fn start_on(config: BelfiusSandbox, port: u16) -> std::io::Result<crate::Running> {
    let accounts = seed_accounts(&config);
    let state = Arc::new(AppState { config, accounts });
    let router = Router::new()
        .route(CONSENT_PATH, get(consent))
        .route(TOKEN_PATH, axum::routing::post(token))
        .route("/accounts", get(list_accounts))
        .route("/accounts/{logical_id}", get(account_details))
        .route("/accounts/{logical_id}/transactions", get(transactions))
        .with_state(state);
    crate::serve(router, port).await
}

/// Serves the Belfius contract on 127.0.0.1, any free port.
pub async fn start(config: BelfiusSandbox) -> std::io::Result<crate::Running> {
    start_on(config, 0).await
}

/// The consent page: approves at once and redirects to `redirect_uri?code=..&state=..`.
async fn consent(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let missing = ["client_id", "redirect_uri", "state", "scope"]
        .into_iter()
        .find(|k| q.get(*k).is_none_or(|v| v.is_empty()));
    if let Some(name) = missing {
        return plain_error(
            StatusCode::BAD_REQUEST,
            "missing_input",
            "10001",
            &format!("Missing required input '{name}'."),
        );
    }
    if q.get("client_id") != Some(&state.config.client_id) {
        return plain_error(
            StatusCode::FORBIDDEN,
            "invalid_client",
            "INVALID_CLIENT",
            "Unknown Client-ID.",
        );
    }
    if q.get("scope").map(String::as_str) != Some("AIS") {
        return plain_error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "10002",
            "Input 'scope' is not valid: only AIS is served.",
        );
    }
    let redirect = q
        .get("redirect_uri")
        .map(String::as_str)
        .unwrap_or_default();
    let Ok(mut target) = url::Url::parse(redirect) else {
        return plain_error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "10002",
            "Input 'redirect_uri' is not a valid URI.",
        );
    };
    let st = q.get("state").map(String::as_str).unwrap_or_default();
    match q.get("decision").map(String::as_str) {
        Some("cancel") => {
            target
                .query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("error_description", "The consent was refused.")
                .append_pair("state", st);
        }
        Some("approve") => {
            target
                .query_pairs_mut()
                .append_pair("code", CONSENT_CODE)
                .append_pair("state", st);
        }
        _ if !state.config.auto_approve => {
            return crate::pages::decision_page(
                "Belfius: give access to your accounts",
                "Folio asks to read your accounts' details, balances and transactions (AIS).",
                CONSENT_PATH,
                &q,
            );
        }
        _ => {
            target
                .query_pairs_mut()
                .append_pair("code", CONSENT_CODE)
                .append_pair("state", st);
        }
    }
    match HeaderValue::from_str(target.as_str()) {
        Ok(location) => {
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut().insert("location", location);
            resp
        }
        Err(_) => plain_error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "10002",
            "Input 'redirect_uri' is not valid.",
        ),
    }
}

/// The code-for-token exchange: `grant_type=authorization_code`, `code`, `redirect_uri` and
/// `client_id` as a form. Answers the access token and an SCA token, or an OAuth error.
async fn token(State(state): State<Shared>, body: axum::body::Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    let missing = ["grant_type", "code", "redirect_uri", "client_id"]
        .into_iter()
        .find(|k| form.get(*k).is_none_or(|v| v.is_empty()));
    if let Some(name) = missing {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Missing required parameter '{name}'."),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only authorization_code is supported.",
        );
    }
    if form.get("client_id") != Some(&state.config.client_id) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client.",
        );
    }
    if form.get("code").map(String::as_str) != Some(CONSENT_CODE) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The authorization code is not valid.",
        );
    }
    Json(json!({
        "access_token": state.config.access_token,
        "token_type": "Bearer",
        "expires_in": 7_776_000,
        "sca_token": state.config.sca_token,
    }))
    .into_response()
}

fn plain_error(status: StatusCode, error: &str, code: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_code": code, "error_description": description})),
    )
        .into_response()
}

/// One request's checked context: its Request-ID, to echo.
struct Ctx<'a> {
    state: &'a AppState,
    request_id: Option<String>,
}

impl Ctx<'_> {
    fn reply(&self, status: StatusCode, body: Value) -> Response {
        let mut resp = (status, Json(body)).into_response();
        let echoed = if self.state.config.knobs.take_mismatch() {
            Some(uuid::Uuid::new_v4().to_string())
        } else {
            self.request_id.clone()
        };
        if let Some(v) = echoed.and_then(|id| HeaderValue::from_str(&id).ok()) {
            resp.headers_mut().insert("response-id", v);
        }
        resp
    }

    fn error(&self, status: StatusCode, error: &str, code: &str, description: &str) -> Response {
        self.reply(
            status,
            json!({"error": error, "error_code": code, "error_description": description}),
        )
    }

    fn missing(&self, name: &str) -> Response {
        self.error(
            StatusCode::BAD_REQUEST,
            "missing_input",
            "10001",
            &format!("Missing required input '{name}'."),
        )
    }

    fn invalid(&self, name: &str, why: &str) -> Response {
        self.error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "10002",
            &format!("Input '{name}' is not valid. {why}"),
        )
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The headers every AIS call needs, checked in order: Request-ID, Accept, Client-ID,
/// Accept-Language, Authorization.
fn check_common<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    accept: &str,
) -> Result<Ctx<'a>, Box<Response>> {
    let mut ctx = Ctx {
        state,
        request_id: None,
    };
    let Some(rid) = header(headers, "request-id") else {
        return Err(Box::new(ctx.missing("Request-ID")));
    };
    ctx.request_id = Some(rid.to_string());
    let is_v4 = uuid::Uuid::parse_str(rid)
        .map(|u| u.get_version() == Some(uuid::Version::Random))
        .unwrap_or(false);
    if !is_v4 {
        return Err(Box::new(
            ctx.invalid("Request-ID", "It has to be a valid UUID in V04 format."),
        ));
    }
    match header(headers, "accept") {
        None => return Err(Box::new(ctx.missing("Accept"))),
        Some(a) if a != accept => {
            return Err(Box::new(ctx.error(
                StatusCode::NOT_ACCEPTABLE,
                "not_acceptable",
                "INVALID_ACCEPT_HEADER",
                &format!("The Accept header must be '{accept}'."),
            )))
        }
        Some(_) => {}
    }
    match header(headers, "client-id") {
        None => return Err(Box::new(ctx.missing("Client-ID"))),
        Some(c) if c != state.config.client_id => {
            return Err(Box::new(ctx.error(
                StatusCode::FORBIDDEN,
                "invalid_client",
                "INVALID_CLIENT",
                "Unknown Client-ID.",
            )))
        }
        Some(_) => {}
    }
    if header(headers, "accept-language").is_none_or(str::is_empty) {
        return Err(Box::new(ctx.missing("Accept-Language")));
    }
    let Some(auth) = header(headers, "authorization") else {
        return Err(Box::new(ctx.missing("Authorization")));
    };
    let token = auth.strip_prefix("Bearer ").unwrap_or_default();
    if token != state.config.access_token {
        return Err(Box::new(ctx.error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "TOKEN_INVALID",
            "The access token is not valid.",
        )));
    }
    if state.config.knobs.tokens_expired.load(Ordering::SeqCst) {
        return Err(Box::new(ctx.error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "TOKEN_EXPIRED",
            "The access token has expired.",
        )));
    }
    Ok(ctx)
}

/// `pagesize` and `next` of a request: (offset, page size).
fn paging(
    ctx: &Ctx<'_>,
    q: &HashMap<String, String>,
    default_size: usize,
) -> Result<(usize, usize), Box<Response>> {
    let size = match q.get("pagesize") {
        None => default_size,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n > 0 => n.min(ctx.state.config.max_page_size),
            _ => {
                return Err(Box::new(
                    ctx.invalid("pagesize", "It must be a positive integer."),
                ))
            }
        },
    };
    let offset = match q.get("next") {
        None => 0,
        Some(key) => match key
            .strip_prefix("npk")
            .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        {
            Some(o) => o,
            None => return Err(Box::new(ctx.invalid("next", "Unknown next_page_key."))),
        },
    };
    Ok((offset, size))
}

fn page_key(offset: usize) -> String {
    format!("npk{offset:08x}")
}

fn link(href: Option<String>) -> Value {
    match href {
        Some(h) => json!({"next": {"href": h, "templated": false}}),
        None => json!({}),
    }
}

/// An amount as a JSON number, as the contract shows `other_compartments[].balance`.
fn number(amount: Decimal) -> Value {
    serde_json::from_str::<Value>(&amount.to_string()).unwrap_or(Value::String(amount.to_string()))
}

async fn list_accounts(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match check_common(&state, &headers, ACCEPT_ACCOUNTS) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let (offset, size) = match paging(&ctx, &q, 50) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let end = (offset + size).min(state.accounts.len());
    let items: Vec<Value> = state
        .accounts
        .get(offset..end)
        .unwrap_or_default()
        .iter()
        .map(|a| {
            json!({
                "logical_id": a.logical_id,
                "iban": a.iban,
                "currency": a.currency,
                "account_name": a.account_name,
                "product_type": a.product_type,
                "_links": {"self": {"href": format!("/accounts/{}", a.logical_id), "templated": false}},
            })
        })
        .collect();
    let next = (end < state.accounts.len()).then(|| page_key(end));
    ctx.reply(
        StatusCode::OK,
        json!({
            "accounts": items,
            "next_page_key": next,
            "_links": link(next.as_ref().map(|k| format!("/accounts?next={k}"))),
        }),
    )
}

fn find<'a>(
    state: &'a AppState,
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<&'a SeedAccount, Box<Response>> {
    state
        .accounts
        .iter()
        .find(|a| a.logical_id == id)
        .ok_or_else(|| {
            Box::new(ctx.error(
                StatusCode::NOT_FOUND,
                "not_found",
                "ACCOUNT_NOT_FOUND",
                "No authorized account has this logical-id.",
            ))
        })
}

async fn account_details(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = match check_common(&state, &headers, ACCEPT_ACCOUNTS) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let account = match find(&state, &ctx, &id) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let compartments: Vec<Value> = account
        .other_compartments
        .iter()
        .map(|(c, b)| json!({"currency": c, "balance": number(*b)}))
        .collect();
    ctx.reply(
        StatusCode::OK,
        json!({
            "product_type": account.product_type,
            "product_name": account.product_name,
            "iban": account.iban,
            "currency": account.currency,
            "balance": account.balance.to_string(),
            "multicurrency": if account.multicurrency { "True" } else { "False" },
            "account_name": account.account_name,
            "other_compartments": compartments,
            "psu_name": account.psu_name,
            "_links": {
                "self": {"href": format!("/accounts/{}", account.logical_id), "templated": false},
                "transactions": {"href": format!("/accounts/{}/transactions", account.logical_id), "templated": false},
            },
        }),
    )
}

/// `YYYY-MM-DD`, or the contract's example form `2020-08-23T00:00:00.0000000`.
fn parse_day(text: &str) -> Option<NaiveDate> {
    let day = text.split('T').next().unwrap_or(text);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

async fn transactions(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ctx = match check_common(&state, &headers, ACCEPT_TRANSACTIONS) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if header(&headers, "redirect-uri").is_none_or(str::is_empty) {
        return ctx.missing("Redirect-URI");
    }
    let account = match find(&state, &ctx, &id) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let mut bounds = [None, None];
    for (slot, name) in bounds.iter_mut().zip(["date_from", "date_to"]) {
        if let Some(text) = q.get(name) {
            match parse_day(text) {
                Some(d) => *slot = Some(d),
                None => return ctx.invalid(name, "Expected YYYY-MM-DD."),
            }
        }
    }
    let [from, to] = bounds;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return ctx.invalid("date_to", "It must not be before date_from.");
        }
    }
    let currency = q.get("currency").map_or("EUR", String::as_str);
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return ctx.invalid("currency", "Expected an ISO 4217 Alpha 3 code.");
    }
    // The SCA token is checked only when date_from is before today - 90 days.
    let sca_limit = days_before(state.config.today, SCA_FREE_DAYS);
    if from.is_some_and(|f| f < sca_limit) {
        match header(&headers, "sca-token") {
            None => {
                return ctx.error(
                    StatusCode::FORBIDDEN,
                    "sca_required",
                    "SCA_REQUIRED",
                    "Transactions older than 90 days need a valid SCA-Token.",
                )
            }
            Some(t) if t != state.config.sca_token => {
                return ctx.error(
                    StatusCode::FORBIDDEN,
                    "sca_required",
                    "SCA_TOKEN_INVALID",
                    "The SCA-Token is not valid or has expired.",
                )
            }
            Some(_) => {}
        }
    }
    let (offset, size) = match paging(&ctx, &q, state.config.default_page_size) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let matching: Vec<&SeedTransaction> = account
        .transactions
        .iter()
        .filter(|t| t.currency == currency)
        .filter(|t| from.is_none_or(|f| t.execution_date >= f))
        .filter(|t| to.is_none_or(|d| t.execution_date < d))
        .collect();
    if offset > matching.len() {
        return ctx.invalid("next", "Unknown next_page_key.");
    }
    let end = (offset + size).min(matching.len());
    let booked: Vec<Value> = matching
        .get(offset..end)
        .unwrap_or_default()
        .iter()
        .map(|t| {
            json!({
                "transaction_ref": t.transaction_ref,
                "execution_date": t.execution_date.to_string(),
                "value_date": t.value_date.to_string(),
                "amount": t.amount.to_string(),
                "currency": t.currency,
                "communication": t.communication,
                "counterparty_info": t.counterparty_info,
            })
        })
        .collect();
    let next = (end < matching.len()).then(|| page_key(end));
    let href = next
        .as_ref()
        .map(|k| format!("/accounts/{}/transactions?next={k}", account.logical_id));
    ctx.reply(
        StatusCode::OK,
        json!({
            "transactions": {
                "booked": booked,
                "next_page_key": next,
                "_links": link(href),
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iban_ok(iban: &str) -> bool {
        let b = iban.as_bytes();
        let rearranged = b[4..].iter().chain(&b[..4]);
        let mut r: u32 = 0;
        for c in rearranged {
            let v = if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c - b'A') + 10
            };
            r = if v >= 10 {
                (r * 100 + v) % 97
            } else {
                (r * 10 + v) % 97
            };
        }
        r == 1
    }

    #[test]
    fn ibans_are_valid_belgian_ibans() {
        // The ECBS example of a Belgian IBAN (the contract's own example fails mod 97).
        assert_eq!(belgian_iban(53_9007_5470), "BE68539007547034");
        let config = BelfiusSandbox {
            large_account: true,
            ..BelfiusSandbox::new(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default())
        };
        for a in seed_accounts(&config) {
            assert_eq!(a.iban.len(), 16);
            assert!(iban_ok(&a.iban), "{}", a.iban);
        }
    }

    #[test]
    fn data_are_the_same_every_time() {
        let config = BelfiusSandbox::new(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default());
        assert_eq!(seed_accounts(&config), seed_accounts(&config));
    }
}
