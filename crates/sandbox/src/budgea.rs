//! A Budgea (Budget Insight) API 2.0 stand-in over seeded, deterministic data.
//!
//! Served under `/2.0`, as the contract's `https://{domain}.biapi.pro/2.0`:
//! - `GET /auth/webview[/{lang}]/connect?client_id&redirect_uri&state`: the connect webview;
//!   redirects to `redirect_uri?code=..&state=..&connection_id=..` (at once in auto-approve mode,
//!   else after a click on a tiny page; "Cancel" redirects with `error=access_denied`).
//! - `GET /auth/webview[/{lang}]/reconnect?client_id&redirect_uri&state&connection_id&code`:
//!   repairs a connection (clears `wrongpass`) and redirects with `state` only.
//! - `POST /auth/token/access` (`client_id`, `client_secret`, `code`; JSON or form):
//!   `{"access_token", "token_type": "Bearer"}`. Codes are single-use.
//! - `POST|GET /auth/token/code` (bearer): `{"code", "type": "temporary", "expires_in": 1800}`.
//! - `GET|PUT /users/me/connections`, `GET|PUT /users/me/connections/{id}`,
//!   `GET /users/me/connections/{id}/accounts`, `GET /users/me/accounts`,
//!   `GET /users/me/accounts/{id}` (`expand=connection`),
//!   `GET /users/me[/connections/{id}]/accounts/{id}/transactions` (`min_date`, `max_date`,
//!   inclusive, on `date`; default: the last month before [`today`]; deleted transactions only
//!   with `all=true` (with the others) or `deleted=true` (alone), as the published spec says).
//!
//! Every `/users` call needs `Authorization: Bearer <access_token>`; lists take `offset` and
//! `limit` (at most [`BudgeaSandbox::max_limit`]) and answer `{"<name>": [...], "total": N}`.
//! Errors are `{"code": "...", "message": "..."}`. Amounts are JSON numbers written from exact
//! decimals (never through a float).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use url::Url;

use crate::Running;

/// The connection [`BudgeaControl::set_wrongpass`] puts in the `wrongpass` state.
pub const WRONGPASS_CONNECTION: u64 = 12;
/// The account with [`LARGE_ACCOUNT_TRANSACTIONS`] transactions (when `large_account` is on).
pub const LARGE_ACCOUNT: u64 = 203;
pub const LARGE_ACCOUNT_TRANSACTIONS: usize = 10_000;
/// The connection the connect webview reports as added.
pub const CONNECTED_CONNECTION: u64 = 11;

/// The sandbox's "today": data ends here, whatever the clock says.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 7, 1).unwrap_or_default()
}

/// How the server behaves; [`BudgeaControl`] is the handle a test keeps to turn knobs later.
#[derive(Clone, Debug)]
pub struct BudgeaSandbox {
    pub client_id: String,
    pub client_secret: String,
    /// The connect and reconnect pages redirect at once (else they show Approve / Cancel).
    pub auto_approve: bool,
    /// Adds account [`LARGE_ACCOUNT`] with 10,000 transactions.
    pub large_account: bool,
    /// The largest `limit` served; a larger one is cut to it.
    pub max_limit: usize,
    pub control: Arc<BudgeaControl>,
    /// Port to bind on 127.0.0.1 (0: any free port).
    pub port: u16,
}

impl Default for BudgeaSandbox {
    fn default() -> Self {
        BudgeaSandbox {
            client_id: "17473055".to_string(),
            client_secret: "sandbox-client-secret".to_string(),
            auto_approve: true,
            large_account: false,
            max_limit: 1000,
            control: Arc::new(BudgeaControl::default()),
            port: 0,
        }
    }
}

impl BudgeaSandbox {
    pub fn new() -> BudgeaSandbox {
        BudgeaSandbox::default()
    }

    /// The data this configuration serves (what tests check answers against).
    pub fn dataset(&self) -> Dataset {
        dataset(self.large_account)
    }
}

/// Knobs a test turns while the server runs, and the server's issued codes and tokens.
#[derive(Debug, Default)]
pub struct BudgeaControl {
    auth: Mutex<AuthState>,
    wrongpass: AtomicBool,
}

#[derive(Debug, Default)]
struct AuthState {
    issued: u64,
    /// Codes from the connect webview, waiting for `/auth/token/access` (single use).
    connect_codes: HashSet<String>,
    /// Temporary codes from `/auth/token/code` (for the reconnect webview).
    temporary_codes: HashSet<String>,
    tokens: HashSet<String>,
}

impl BudgeaControl {
    /// Every access token issued so far stops working: the next calls get 401.
    pub fn expire_tokens(&self) {
        if let Ok(mut auth) = self.auth.lock() {
            auth.tokens.clear();
            auth.temporary_codes.clear();
        }
    }

    /// Puts connection [`WRONGPASS_CONNECTION`] in the `wrongpass` state (or takes it out).
    pub fn set_wrongpass(&self, on: bool) {
        self.wrongpass.store(on, Ordering::SeqCst);
    }

    pub fn wrongpass(&self) -> bool {
        self.wrongpass.load(Ordering::SeqCst)
    }

    /// How many codes and tokens were issued (tests check a flow issued what it should).
    pub fn issued(&self) -> u64 {
        self.auth.lock().map(|a| a.issued).unwrap_or(0)
    }

    fn issue(&self, kind: &str) -> String {
        let Ok(mut auth) = self.auth.lock() else {
            return String::new();
        };
        auth.issued += 1;
        // Deterministic but not guessable-looking: a mixed counter.
        let secret = format!("{kind}{:016x}", splitmix(auth.issued ^ 0x5eed_b0d9));
        match kind {
            "code-" => auth.connect_codes.insert(secret.clone()),
            "tmp-" => auth.temporary_codes.insert(secret.clone()),
            _ => auth.tokens.insert(secret.clone()),
        };
        secret
    }

    fn take_connect_code(&self, code: &str) -> bool {
        self.auth
            .lock()
            .map(|mut a| a.connect_codes.remove(code))
            .unwrap_or(false)
    }

    fn temporary_code_valid(&self, code: &str) -> bool {
        self.auth
            .lock()
            .map(|a| a.temporary_codes.contains(code))
            .unwrap_or(false)
    }

    fn token_valid(&self, token: &str) -> bool {
        self.auth
            .lock()
            .map(|a| a.tokens.contains(token))
            .unwrap_or(false)
    }
}

// ---- Seeded data ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedConnection {
    pub id: u64,
    pub id_bank: u64,
    pub bank_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedAccount {
    pub id: u64,
    pub id_connection: u64,
    pub name: String,
    pub kind: String,
    pub iban: String,
    pub number: String,
    pub balance: Decimal,
    /// Set for an account removed at the bank (served with `deleted`, to be left out).
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedTransaction {
    pub id: u64,
    pub id_account: u64,
    pub date: NaiveDate,
    pub rdate: NaiveDate,
    pub value: Decimal,
    pub wording: String,
    /// Served with `deleted` set: the client must report it as deleted.
    pub deleted: bool,
    /// Served with `coming: true` (not booked yet).
    pub coming: bool,
}

/// Everything the sandbox serves; transactions sorted newest first (the order served).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dataset {
    pub connections: Vec<SeedConnection>,
    pub accounts: Vec<SeedAccount>,
    pub transactions: Vec<SeedTransaction>,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }
    /// In `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }
}

/// `value mod 97` of a string of digits and letters (letters 10..35), as IBANs count.
fn mod97(text: &str) -> u32 {
    let mut rem: u32 = 0;
    for c in text.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => continue,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

/// An IBAN with valid check digits for `country` + `bban`.
pub fn iban(country: &str, bban: &str) -> String {
    let check = 98 - mod97(&format!("{bban}{country}00"));
    format!("{country}{check:02}{bban}")
}

/// A French BBAN: bank (5), branch (5), account (11 digits), RIB key.
fn french_bban(bank: &str, branch: &str, account: &str) -> String {
    let n = |s: &str| s.parse::<u128>().unwrap_or(0);
    let key = 97 - (89 * n(bank) + 15 * n(branch) + 3 * n(account)) % 97;
    format!("{bank}{branch}{account}{key:02}")
}

/// A Belgian BBAN: bank (3), account (7), then the first ten digits mod 97 (97 for 0).
fn belgian_bban(bank: &str, account: &str) -> String {
    let first = format!("{bank}{account}");
    let check = match first.parse::<u64>().unwrap_or(0) % 97 {
        0 => 97,
        c => c,
    };
    format!("{first}{check:02}")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

const SHOPS: &[&str] = &[
    "CARTE CARREFOUR MARKET",
    "CARTE BOULANGERIE PAUL",
    "CARTE SNCF INTERNET",
    "CARTE PHARMACIE DU CENTRE",
    "CARTE FNAC",
    "CARTE TOTALENERGIES",
    "CARTE HALL'S BEER",
    "CARTE DELHAIZE",
    "RETRAIT DAB",
    "PRLV SEPA FREE MOBILE",
];

/// The data for a configuration: 2 connections, their accounts and six months of transactions
/// (plus the large account when asked). Same every run.
pub fn dataset(large_account: bool) -> Dataset {
    let connections = vec![
        SeedConnection {
            id: 11,
            id_bank: 40,
            bank_name: "Banque Sandbox".to_string(),
        },
        SeedConnection {
            id: WRONGPASS_CONNECTION,
            id_bank: 59,
            bank_name: "Banque Exemple Belgique".to_string(),
        },
    ];
    struct Plan {
        id: u64,
        id_connection: u64,
        name: &'static str,
        kind: &'static str,
        iban: String,
        opening_cents: i64,
        deleted: bool,
    }
    let mut plans = vec![
        Plan {
            id: 101,
            id_connection: 11,
            name: "Compte chèque",
            kind: "checking",
            iban: iban("FR", &french_bban("30004", "01255", "00041157244")),
            opening_cents: 125000,
            deleted: false,
        },
        Plan {
            id: 102,
            id_connection: 11,
            name: "Livret A",
            kind: "savings",
            iban: iban("FR", &french_bban("30004", "01255", "00030276417")),
            opening_cents: 800000,
            deleted: false,
        },
        Plan {
            id: 201,
            id_connection: WRONGPASS_CONNECTION,
            name: "Compte à vue",
            kind: "checking",
            iban: iban("BE", &belgian_bban("063", "1234567")),
            opening_cents: 64015,
            deleted: false,
        },
        Plan {
            id: 202,
            id_connection: WRONGPASS_CONNECTION,
            name: "Ancien compte",
            kind: "checking",
            iban: iban("BE", &belgian_bban("063", "7654321")),
            opening_cents: 0,
            deleted: true,
        },
    ];
    if large_account {
        plans.push(Plan {
            id: LARGE_ACCOUNT,
            id_connection: WRONGPASS_CONNECTION,
            name: "Compte joint",
            kind: "checking",
            iban: iban("BE", &belgian_bban("063", "5550001")),
            opening_cents: 2500000,
            deleted: false,
        });
    }

    let mut next_id: u64 = 1000;
    let mut transactions = Vec::new();
    let mut accounts = Vec::new();
    for plan in plans {
        let mut rng = Rng(plan.id.wrapping_mul(7919));
        // (date, cents, wording, coming)
        let mut rows: Vec<(NaiveDate, i64, String, bool)> = Vec::new();
        if plan.id == LARGE_ACCOUNT {
            let start = day(2023, 1, 1);
            for i in 0..LARGE_ACCOUNT_TRANSACTIONS {
                let offset = u64::try_from(i * 547 / LARGE_ACCOUNT_TRANSACTIONS).unwrap_or(0);
                let date = start.checked_add_days(Days::new(offset)).unwrap_or(start);
                let shop = SHOPS[usize::try_from(rng.next() % 10).unwrap_or(0)];
                let cents = if i % 40 == 0 {
                    rng.range(50_000, 300_000)
                } else {
                    -rng.range(150, 15_000)
                };
                rows.push((date, cents, format!("{shop} {:05}", i), false));
            }
        } else if !plan.deleted {
            for month in 1..=6_u32 {
                match plan.kind {
                    "savings" => {
                        rows.push((day(2024, month, 2), 20000, "VIR SEPA EPARGNE".into(), false));
                        if month == 1 {
                            rows.push((day(2024, 1, 1), 12345, "INTERETS 2023".into(), false));
                        }
                    }
                    _ => {
                        let salary = if plan.id == 101 { 245000 } else { 187530 };
                        rows.push((
                            day(2024, month, 27),
                            salary,
                            "VIR SEPA SALAIRE ACME".into(),
                            false,
                        ));
                        rows.push((day(2024, month, 5), -95000, "PRLV SEPA LOYER".into(), false));
                        let card_payments = rng.range(8, 14);
                        for _ in 0..card_payments {
                            let d = u32::try_from(rng.range(1, 28)).unwrap_or(1);
                            let shop = SHOPS[usize::try_from(rng.next() % 10).unwrap_or(0)];
                            rows.push((
                                day(2024, month, d),
                                -rng.range(350, 12_000),
                                shop.to_string(),
                                false,
                            ));
                        }
                    }
                }
            }
            if plan.id == 101 {
                rows.push((
                    day(2024, 6, 30),
                    -4290,
                    "CARTE EN COURS AMAZON".into(),
                    true,
                ));
            }
        }
        rows.sort_by_key(|r| r.0);
        let mut balance = plan.opening_cents;
        let mut index = 0_usize;
        for (date, cents, wording, coming) in rows {
            index += 1;
            let deleted = !coming && index % 13 == 7;
            if !deleted && !coming {
                balance += cents;
            }
            let rdate = date.checked_sub_days(Days::new(1)).unwrap_or(date);
            transactions.push(SeedTransaction {
                id: next_id,
                id_account: plan.id,
                date,
                rdate,
                value: Decimal::new(cents, 2),
                wording,
                deleted,
                coming,
            });
            next_id += 1;
        }
        let number = plan
            .iban
            .get(plan.iban.len().saturating_sub(11)..)
            .unwrap_or("")
            .to_string();
        accounts.push(SeedAccount {
            id: plan.id,
            id_connection: plan.id_connection,
            name: plan.name.to_string(),
            kind: plan.kind.to_string(),
            iban: plan.iban,
            number,
            balance: Decimal::new(balance, 2),
            deleted: plan.deleted,
        });
    }
    transactions.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
    Dataset {
        connections,
        accounts,
        transactions,
    }
}

// ---- The server ----

struct App {
    config: BudgeaSandbox,
    data: Dataset,
    /// Per account, the indexes of its transactions in `data.transactions` (newest first).
    by_account: HashMap<u64, Vec<usize>>,
}

/// Starts the server on 127.0.0.1 (`config.port`, 0 for any).
pub async fn start(config: BudgeaSandbox) -> std::io::Result<Running> {
    let data = config.dataset();
    let mut by_account: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, tx) in data.transactions.iter().enumerate() {
        by_account.entry(tx.id_account).or_default().push(i);
    }
    let port = config.port;
    let app = Arc::new(App {
        config,
        data,
        by_account,
    });
    crate::serve(router(app), port).await
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/2.0/auth/webview/connect", get(connect_page))
        .route("/2.0/auth/webview/{lang}/connect", get(connect_page_lang))
        .route("/2.0/auth/webview/reconnect", get(reconnect_page))
        .route(
            "/2.0/auth/webview/{lang}/reconnect",
            get(reconnect_page_lang),
        )
        .route("/2.0/auth/token/access", axum::routing::post(token_access))
        .route("/2.0/auth/token/code", get(token_code).post(token_code))
        .route(
            "/2.0/users/me/connections",
            get(list_connections).put(sync_all),
        )
        .route(
            "/2.0/users/me/connections/{id}",
            get(get_connection).put(sync_one),
        )
        .route(
            "/2.0/users/me/connections/{id}/accounts",
            get(list_connection_accounts),
        )
        .route(
            "/2.0/users/me/connections/{cid}/accounts/{id}/transactions",
            get(list_connection_transactions),
        )
        .route("/2.0/users/me/accounts", get(list_accounts))
        .route("/2.0/users/me/accounts/{id}", get(get_account))
        .route(
            "/2.0/users/me/accounts/{id}/transactions",
            get(list_transactions),
        )
        .with_state(app)
}

type Params = Query<HashMap<String, String>>;

fn json_response(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The documented error shape: `{"code": "...", "message": "..."}`.
fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        serde_json::json!({ "code": code, "message": message }).to_string(),
    )
}

/// A refusal built before the handler answers (boxed: a `Response` is large).
type Refusal = Box<Response>;

fn refuse(status: StatusCode, code: &str, message: &str) -> Refusal {
    Box::new(api_error(status, code, message))
}

fn refuse_html(status: StatusCode, body: String) -> Refusal {
    Box::new(crate::pages::html(status, body))
}

fn redirect(to: &Url) -> Response {
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, to.as_str())
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn authorize(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        None => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "authFailure",
            "An 'Authorization: Bearer <token>' header is required",
        )),
        Some(t) if app.config.control.token_valid(t) => Ok(()),
        Some(_) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "authFailure",
            "The access token is invalid or has expired",
        )),
    }
}

/// A webview's common checks: the client and an absolute `redirect_uri`.
fn webview_target(app: &App, q: &HashMap<String, String>) -> Result<Url, Refusal> {
    if q.get("client_id") != Some(&app.config.client_id) {
        return Err(refuse_html(
            StatusCode::BAD_REQUEST,
            "<!doctype html><title>Budgea</title><p>Unknown client_id.</p>".to_string(),
        ));
    }
    q.get("redirect_uri")
        .and_then(|r| Url::parse(r).ok())
        .ok_or_else(|| {
            refuse_html(
                StatusCode::BAD_REQUEST,
                "<!doctype html><title>Budgea</title><p>A valid redirect_uri is required.</p>"
                    .to_string(),
            )
        })
}

fn with_params(mut to: Url, params: &[(&str, &str)]) -> Url {
    {
        let mut pairs = to.query_pairs_mut();
        for (k, v) in params {
            pairs.append_pair(k, v);
        }
    }
    to
}

/// The page shown when not auto-approving: two links back to this page with a decision.
async fn connect_page(State(app): State<Arc<App>>, Query(q): Params) -> Response {
    connect(&app, &q, "/2.0/auth/webview/connect")
}

async fn connect_page_lang(
    State(app): State<Arc<App>>,
    Path(lang): Path<String>,
    Query(q): Params,
) -> Response {
    connect(&app, &q, &format!("/2.0/auth/webview/{lang}/connect"))
}

fn connect(app: &App, q: &HashMap<String, String>, page: &str) -> Response {
    let target = match webview_target(app, q) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let state = q.get("state").map(String::as_str);
    let decision = q.get("decision").map(String::as_str);
    if decision == Some("cancel") {
        let mut params = vec![
            ("error", "access_denied"),
            ("error_description", "The user cancelled the connection"),
        ];
        if let Some(s) = state {
            params.push(("state", s));
        }
        return redirect(&with_params(target, &params));
    }
    if !app.config.auto_approve && decision != Some("approve") {
        return crate::pages::decision_page(
            "Connect a bank",
            "Folio asks to read your accounts and transactions through this aggregator.",
            page,
            q,
        );
    }
    let code = app.config.control.issue("code-");
    let connection = CONNECTED_CONNECTION.to_string();
    let mut params = vec![
        ("code", code.as_str()),
        ("connection_id", connection.as_str()),
    ];
    if let Some(s) = state {
        params.push(("state", s));
    }
    redirect(&with_params(target, &params))
}

async fn reconnect_page(State(app): State<Arc<App>>, Query(q): Params) -> Response {
    reconnect(&app, &q, "/2.0/auth/webview/reconnect")
}

async fn reconnect_page_lang(
    State(app): State<Arc<App>>,
    Path(lang): Path<String>,
    Query(q): Params,
) -> Response {
    reconnect(&app, &q, &format!("/2.0/auth/webview/{lang}/reconnect"))
}

fn reconnect(app: &App, q: &HashMap<String, String>, page: &str) -> Response {
    let target = match webview_target(app, q) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let state = q.get("state").map(String::as_str);
    let with_state = |params: &[(&str, &str)]| {
        let mut all = params.to_vec();
        if let Some(s) = state {
            all.push(("state", s));
        }
        with_params(target.clone(), &all)
    };
    let code_ok = q
        .get("code")
        .is_some_and(|c| app.config.control.temporary_code_valid(c));
    let connection = q.get("connection_id").and_then(|c| c.parse::<u64>().ok());
    if !code_ok || !connection.is_some_and(|c| app.data.connections.iter().any(|k| k.id == c)) {
        return redirect(&with_state(&[
            ("error", "invalid_request"),
            (
                "error_description",
                "A valid temporary code and connection_id are required",
            ),
        ]));
    }
    let decision = q.get("decision").map(String::as_str);
    if decision == Some("cancel") {
        return redirect(&with_state(&[("error", "access_denied")]));
    }
    if !app.config.auto_approve && decision != Some("approve") {
        return crate::pages::decision_page(
            "Reconnect a bank",
            "Enter your bank login again to repair this connection.",
            page,
            q,
        );
    }
    if connection == Some(WRONGPASS_CONNECTION) {
        app.config.control.set_wrongpass(false);
    }
    redirect(&with_state(&[]))
}

/// `client_id`, `client_secret`, `code` from a JSON or a form body.
fn token_request(body: &[u8]) -> HashMap<String, String> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        return map
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect();
    }
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn token_access(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let fields = token_request(&body);
    let (Some(client_id), Some(secret), Some(code)) = (
        fields.get("client_id"),
        fields.get("client_secret"),
        fields.get("code"),
    ) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "missingParameter",
            "client_id, client_secret and code are required",
        );
    };
    if *client_id != app.config.client_id || *secret != app.config.client_secret {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalidClient",
            "Unknown client_id or wrong client_secret",
        );
    }
    if !app.config.control.take_connect_code(code) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalidCode",
            "The code is unknown, expired or already used",
        );
    }
    let token = app.config.control.issue("tok-");
    json_response(
        StatusCode::OK,
        serde_json::json!({ "access_token": token, "token_type": "Bearer" }).to_string(),
    )
}

async fn token_code(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(resp) = authorize(&app, &headers) {
        return *resp;
    }
    let code = app.config.control.issue("tmp-");
    json_response(
        StatusCode::OK,
        serde_json::json!({ "code": code, "type": "temporary", "expires_in": 1800 }).to_string(),
    )
}

/// `offset` and `limit` (cut to `max_limit`).
fn paging(app: &App, q: &HashMap<String, String>) -> Result<(usize, usize), Refusal> {
    let number = |name: &str, default: usize| match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "invalidValue",
                &format!("{name} must be a non-negative integer"),
            )
        }),
    };
    let offset = number("offset", 0)?;
    let limit = number("limit", app.config.max_limit)?.min(app.config.max_limit);
    Ok((offset, limit))
}

fn list_json<T>(
    name: &str,
    items: &[T],
    offset: usize,
    limit: usize,
    one: impl Fn(&T) -> String,
) -> String {
    let page: Vec<String> = items.iter().skip(offset).take(limit).map(one).collect();
    format!(
        "{{\"{name}\": [{}], \"total\": {}}}",
        page.join(", "),
        items.len()
    )
}

fn connection_json(app: &App, c: &SeedConnection, with_accounts: bool) -> String {
    let wrongpass = c.id == WRONGPASS_CONNECTION && app.config.control.wrongpass();
    let (error, message, last_update) = if wrongpass {
        ("\"wrongpass\"", "\"Wrong password\"", "2024-06-12 06:30:00")
    } else {
        ("null", "null", "2024-07-01 06:30:00")
    };
    let accounts = if with_accounts {
        let list: Vec<String> = app
            .data
            .accounts
            .iter()
            .filter(|a| a.id_connection == c.id)
            .map(|a| account_json(app, a, false))
            .collect();
        format!(", \"accounts\": [{}]", list.join(", "))
    } else {
        String::new()
    };
    format!(
        "{{\"id\": {}, \"id_user\": 1, \"id_connector\": {}, \"id_bank\": {}, \
         \"bank\": {{\"id\": {}, \"name\": {}}}, \
         \"error\": {error}, \"error_message\": {message}, \"expire\": null, \"active\": true, \
         \"last_update\": \"{last_update}\"{accounts}}}",
        c.id,
        c.id_bank,
        c.id_bank,
        c.id_bank,
        quoted(&c.bank_name),
    )
}

fn account_json(app: &App, a: &SeedAccount, with_connection: bool) -> String {
    let connection = if with_connection {
        app.data
            .connections
            .iter()
            .find(|c| c.id == a.id_connection)
            .map(|c| format!(", \"connection\": {}", connection_json(app, c, false)))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let deleted = if a.deleted {
        "\"2024-03-01 09:00:00\""
    } else {
        "null"
    };
    format!(
        "{{\"id\": {}, \"id_connection\": {}, \"id_user\": 1, \"name\": {}, \"original_name\": {}, \
         \"number\": {}, \"iban\": {}, \"balance\": {}, \"coming\": null, \
         \"currency\": {{\"id\": \"EUR\", \"symbol\": \"€\", \"prefix\": false}}, \
         \"type\": {}, \"deleted\": {deleted}, \"disabled\": null, \"display\": true, \
         \"bookmarked\": 0, \
         \"last_update\": \"2024-07-01 06:30:00\"{connection}}}",
        a.id,
        a.id_connection,
        quoted(&a.name),
        quoted(&a.name),
        quoted(&a.number),
        quoted(&a.iban),
        a.balance,
        quoted(&a.kind),
    )
}

fn transaction_json(t: &SeedTransaction) -> String {
    let deleted = if t.deleted {
        "\"2024-06-30 22:00:00\""
    } else {
        "null"
    };
    let simplified = t.wording.trim_start_matches("CARTE ").to_string();
    format!(
        "{{\"id\": {}, \"id_account\": {}, \"date\": \"{}\", \"rdate\": \"{}\", \
         \"application_date\": \"{}\", \"value\": {}, \"original_value\": null, \
         \"original_currency\": null, \"original_wording\": {}, \"simplified_wording\": {}, \
         \"stemmed_wording\": {}, \"wording\": {}, \"type\": \"card\", \"nature\": \"card\", \
         \"coming\": {}, \
         \"active\": true, \"deleted\": {deleted}, \"state\": \"parsed\", \"comment\": null, \
         \"id_category\": null, \"date_scraped\": \"2024-07-01 06:30:00\", \
         \"last_update\": \"2024-07-01 06:30:00\"}}",
        t.id,
        t.id_account,
        t.date,
        t.rdate,
        t.rdate,
        t.value,
        quoted(&t.wording),
        quoted(&simplified),
        quoted(&simplified),
        quoted(&simplified),
        t.coming,
    )
}

fn parse_id(text: &str, what: &str) -> Result<u64, Refusal> {
    text.parse::<u64>().map_err(|_| {
        refuse(
            StatusCode::NOT_FOUND,
            &format!("{what}NotFound"),
            &format!("No such {what}"),
        )
    })
}

async fn list_connections(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    if let Err(resp) = authorize(&app, &headers) {
        return *resp;
    }
    let (offset, limit) = match paging(&app, &q) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    let expand = q
        .get("expand")
        .is_some_and(|e| e.split(',').any(|x| x.starts_with("accounts")));
    json_response(
        StatusCode::OK,
        list_json("connections", &app.data.connections, offset, limit, |c| {
            connection_json(&app, c, expand)
        }),
    )
}

async fn get_connection(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(resp) = authorize(&app, &headers) {
        return *resp;
    }
    match find_connection(&app, &id) {
        Ok(c) => json_response(StatusCode::OK, connection_json(&app, c, false)),
        Err(resp) => *resp,
    }
}

fn find_connection<'a>(app: &'a App, id: &str) -> Result<&'a SeedConnection, Refusal> {
    let id = parse_id(id, "connection")?;
    app.data
        .connections
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| {
            refuse(
                StatusCode::NOT_FOUND,
                "connectionNotFound",
                "No such connection",
            )
        })
}

async fn sync_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(resp) = authorize(&app, &headers) {
        return *resp;
    }
    let c = match find_connection(&app, &id) {
        Ok(c) => c,
        Err(resp) => return *resp,
    };
    if c.id == WRONGPASS_CONNECTION && app.config.control.wrongpass() {
        return api_error(StatusCode::BAD_REQUEST, "wrongpass", "Wrong password");
    }
    json_response(StatusCode::OK, connection_json(&app, c, false))
}

async fn sync_all(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(resp) = authorize(&app, &headers) {
        return *resp;
    }
    let all = app.data.connections.len();
    json_response(
        StatusCode::OK,
        list_json("connections", &app.data.connections, 0, all, |c| {
            connection_json(&app, c, false)
        }),
    )
}

async fn list_accounts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    accounts_of(&app, &headers, &q, None)
}

async fn list_connection_accounts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let connection = match find_connection(&app, &id) {
        Ok(c) => c.id,
        Err(resp) => return *resp,
    };
    accounts_of(&app, &headers, &q, Some(connection))
}

fn accounts_of(
    app: &App,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    connection: Option<u64>,
) -> Response {
    if let Err(resp) = authorize(app, headers) {
        return *resp;
    }
    let (offset, limit) = match paging(app, q) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    let expand = q
        .get("expand")
        .is_some_and(|e| e.split(',').any(|x| x == "connection"));
    let accounts: Vec<&SeedAccount> = app
        .data
        .accounts
        .iter()
        .filter(|a| connection.is_none_or(|c| a.id_connection == c))
        .collect();
    json_response(
        StatusCode::OK,
        list_json("accounts", &accounts, offset, limit, |a| {
            account_json(app, a, expand)
        }),
    )
}

fn find_account<'a>(app: &'a App, id: &str) -> Result<&'a SeedAccount, Refusal> {
    let id = parse_id(id, "account")?;
    app.data
        .accounts
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "accountNotFound", "No such account"))
}

async fn get_account(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    if let Err(resp) = authorize(&app, &headers) {
        return *resp;
    }
    let expand = q
        .get("expand")
        .is_some_and(|e| e.split(',').any(|x| x == "connection"));
    match find_account(&app, &id) {
        Ok(a) => json_response(StatusCode::OK, account_json(&app, a, expand)),
        Err(resp) => *resp,
    }
}

async fn list_transactions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    transactions_of(&app, &headers, &q, None, &id)
}

async fn list_connection_transactions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((cid, id)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    transactions_of(&app, &headers, &q, Some(&cid), &id)
}

fn transactions_of(
    app: &App,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    connection: Option<&str>,
    account: &str,
) -> Response {
    if let Err(resp) = authorize(app, headers) {
        return *resp;
    }
    let account = match find_account(app, account) {
        Ok(a) => a,
        Err(resp) => return *resp,
    };
    if let Some(cid) = connection {
        match find_connection(app, cid) {
            Ok(c) if c.id == account.id_connection => {}
            Ok(_) => return api_error(StatusCode::NOT_FOUND, "accountNotFound", "No such account"),
            Err(resp) => return *resp,
        }
    }
    let (offset, limit) = match paging(app, q) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    let date = |name: &str, default: NaiveDate| match q.get(name) {
        None => Ok(default),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "invalidValue",
                &format!("{name} must be a date (YYYY-MM-DD)"),
            )
        }),
    };
    let last_month = today()
        .checked_sub_months(Months::new(1))
        .unwrap_or(today());
    let (min, max) = match (date("min_date", last_month), date("max_date", today())) {
        (Ok(min), Ok(max)) => (min, max),
        (Err(resp), _) | (_, Err(resp)) => return *resp,
    };
    // As documented: deleted transactions only with `all` (every one) or `deleted` (only those).
    let flag = |name: &str| match q.get(name).map(String::as_str) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalidValue",
            &format!("{name} must be a boolean"),
        )),
    };
    let (all, only_deleted) = match (flag("all"), flag("deleted")) {
        (Ok(all), Ok(deleted)) => (all, deleted),
        (Err(resp), _) | (_, Err(resp)) => return *resp,
    };
    let rows: Vec<&SeedTransaction> = app
        .by_account
        .get(&account.id)
        .map(|ix| {
            ix.iter()
                .filter_map(|&i| app.data.transactions.get(i))
                .filter(|t| t.date >= min && t.date <= max)
                .filter(|t| {
                    if only_deleted {
                        t.deleted
                    } else {
                        all || !t.deleted
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    json_response(
        StatusCode::OK,
        list_json("transactions", &rows, offset, limit, |t| {
            transaction_json(t)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_have_valid_check_digits() {
        let data = dataset(true);
        for a in &data.accounts {
            let rearranged = format!("{}{}", &a.iban[4..], &a.iban[..4]);
            assert_eq!(mod97(&rearranged), 1, "{}", a.iban);
        }
        // The seed's example IBAN checks out with the same arithmetic.
        assert_eq!(mod97("30004012550000041157244FR76"), 1);
    }

    #[test]
    fn data_is_the_same_every_time() {
        assert_eq!(dataset(true), dataset(true));
        let large = dataset(true)
            .transactions
            .iter()
            .filter(|t| t.id_account == LARGE_ACCOUNT)
            .count();
        assert_eq!(large, LARGE_ACCOUNT_TRANSACTIONS);
    }
}
