//! ABN AMRO Business Account Insight (v1.0.0-beta), served over seeded, deterministic data.
//!
//! The contract is `../shared/seeds/abnamro-business-account-insight-api.txt`:
//! `GET /v1/accounts/{accountNumber}/{details,balances,transactions,funds}` and
//! `GET /v1/consentinfo`, each with `Authorization: Bearer <token>` and `API-Key`; transactions in
//! reverse chronological order, 50 a page, `nextPageKey` = the key of the last transaction given,
//! `bookDateFrom`/`bookDateTo` (inclusive here), at most 18 months back; the documented error
//! shape (`code`, `message`, `reference`, `Trace-Id`, `status`, `category`) and codes.
//!
//! What the seed leaves open, and what this server does about it:
//! - Token endpoint: `POST /as/token.oauth2`, form `grant_type=client_credentials`, `client_id`,
//!   `client_secret`, `scope` (space separated); answers `{access_token, token_type, expires_in,
//!   scope}` or an RFC 6749 error (`invalid_client`, `invalid_scope`, `unsupported_grant_type`,
//!   `invalid_request`). The token carries the requested scopes that the client was granted.
//! - Header and token problems (401) use ABN AMRO's generic codes: `ERR_1002_002` (no
//!   Authorization header), `ERR_1001_001` (not a Bearer token, unknown or expired token),
//!   `ERR_1002_003` (no API-Key header); a wrong API key is `API_KEY_INVALID` (sandbox's own).
//!   A token without the operation's scope is 403 `insufficient_scope` (RFC 6750's name).
//!   A `nextPageKey` this server never gave is 400 `ERR_1004_001`.
//! - No bookings: a one-day range (`bookDateFrom` = `bookDateTo`) with none is 500
//!   `MESSAGE_BAI560_0005` ("no payments were processed on the provided bookdate"); a longer range
//!   with none is the documented blank response (200, empty body).
//! - `MESSAGE_RST560_0022`/`0023` (book date) and `0018` are tied to no documented parameter the
//!   client can get wrong; [`AbnAmroKnobs::answer_next_with`] makes any documented code reachable.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::Running;

/// Where the token endpoint is served (ABN AMRO's authorisation server path).
pub const TOKEN_PATH: &str = "/as/token.oauth2";
/// The documented scopes, one per operation.
pub const SCOPE_DETAILS: &str = "account:details:read";
pub const SCOPE_BALANCE: &str = "account:balance:read";
pub const SCOPE_TRANSACTIONS: &str = "account:transaction:read";
pub const SCOPE_FUNDS: &str = "account:funds:read";
pub const SCOPES: [&str; 4] = [
    SCOPE_DETAILS,
    SCOPE_BALANCE,
    SCOPE_TRANSACTIONS,
    SCOPE_FUNDS,
];
/// Transactions a page.
pub const PAGE_SIZE: usize = 50;
/// How far back transactions can be asked for.
pub const HISTORY_MONTHS: u32 = 18;
/// Transactions in the large account ([`AbnAmroSandbox::with_large_account`]).
pub const LARGE_ACCOUNT_TRANSACTIONS: usize = 10_000;

const REFERENCE: &str = "https://developer.abnamro.com/api-products/business-account-insight";

/// The documented error codes: code, HTTP status, category, message.
#[rustfmt::skip]
const DOCUMENTED: &[(&str, u16, &str, &str)] = &[
    ("MESSAGE_RST560_0001", 400, "BAD_REQUEST", "Account number empty or null"),
    ("MESSAGE_RST560_0007", 400, "BAD_REQUEST", "IBAN is invalid"),
    ("MESSAGE_RST560_0008", 400, "BAD_REQUEST", "To date is invalid"),
    ("MESSAGE_RST560_0009", 400, "BAD_REQUEST", "From date is invalid"),
    ("MESSAGE_RST560_0010", 400, "BAD_REQUEST", "Account number too long"),
    ("MESSAGE_RST560_0011", 400, "BAD_REQUEST", "From date is greater than to date"),
    ("MESSAGE_RST560_0012", 400, "BAD_REQUEST", "To date is greater than current date"),
    ("MESSAGE_RST560_0013", 400, "BAD_REQUEST", "From date is greater than current date"),
    ("MESSAGE_RST560_0014", 400, "BAD_REQUEST", "Amount is invalid"),
    ("MESSAGE_RST560_0015", 400, "BAD_REQUEST", "Currency is invalid"),
    ("MESSAGE_RST560_0018", 400, "BAD_REQUEST", "Amount is blank"),
    ("MESSAGE_RST560_0022", 400, "BAD_REQUEST", "Invalid book date"),
    ("MESSAGE_RST560_0023", 400, "BAD_REQUEST", "Book date is in future"),
    ("MESSAGE_BAI560_0029", 400, "BAD_REQUEST", "From date is more than 18 months in the past"),
    ("MESSAGE_RST560_0016", 403, "FORBIDDEN", "No access to account. Contact the account holder for details"),
    ("MESSAGE_BAI560_0005", 500, "BACKEND_ERROR", "Report download service failure. No data exists for the request."),
];

/// Knobs a test turns while the server runs (besides the shared [`crate::Faults`]).
#[derive(Debug, Default)]
pub struct AbnAmroKnobs {
    /// Tokens issued before the current epoch are expired.
    token_epoch: AtomicU64,
    born_expired: AtomicBool,
    token_requests: AtomicU32,
    next_errors: Mutex<Vec<String>>,
}

impl AbnAmroKnobs {
    /// Every token issued so far is expired: its next API call gets 401.
    pub fn expire_tokens(&self) {
        self.token_epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// While `yes`, every token issued is already expired (a refresh does not help).
    pub fn issue_expired_tokens(&self, yes: bool) {
        self.born_expired.store(yes, Ordering::SeqCst);
    }

    /// Token requests received (granted or not).
    pub fn token_requests(&self) -> u32 {
        self.token_requests.load(Ordering::SeqCst)
    }

    /// The next API call (past the header and token checks) answers the documented error `code`
    /// (its status from the seed's table; a code not in it is a 500).
    pub fn answer_next_with(&self, code: &str) {
        self.next_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(code.to_string());
    }

    fn take_next_error(&self) -> Option<String> {
        let mut queue = self
            .next_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if queue.is_empty() {
            None
        } else {
            Some(queue.remove(0))
        }
    }
}

/// The server's configuration: the registered client, its grants, the sandbox's "today".
#[derive(Clone, Debug)]
pub struct AbnAmroSandbox {
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
    /// The scopes the client's app is granted; a token gets the requested ones among these.
    pub granted_scopes: Vec<String>,
    pub token_lifetime_secs: u64,
    /// The server's current date: data runs up to it, dates are checked against it.
    pub today: NaiveDate,
    /// Adds a third account with [`LARGE_ACCOUNT_TRANSACTIONS`] transactions.
    pub large_account: bool,
    knobs: Arc<AbnAmroKnobs>,
}

impl Default for AbnAmroSandbox {
    fn default() -> Self {
        AbnAmroSandbox {
            client_id: "folio-sandbox-client".to_string(),
            client_secret: "sandbox-client-secret-3f9a".to_string(),
            api_key: "sandbox-api-key-7c21".to_string(),
            granted_scopes: SCOPES.iter().map(|s| (*s).to_string()).collect(),
            token_lifetime_secs: 7200,
            today: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or(NaiveDate::MIN),
            large_account: false,
            knobs: Arc::new(AbnAmroKnobs::default()),
        }
    }
}

impl AbnAmroSandbox {
    pub fn new() -> AbnAmroSandbox {
        AbnAmroSandbox::default()
    }

    /// With the 10,000-transaction account.
    pub fn with_large_account(mut self) -> AbnAmroSandbox {
        self.large_account = true;
        self
    }

    /// The knobs of the server this configuration starts (keep a clone before [`start`]).
    pub fn knobs(&self) -> Arc<AbnAmroKnobs> {
        Arc::clone(&self.knobs)
    }

    /// The earliest book date the server answers for: today minus 18 months.
    pub fn earliest_book_date(&self) -> NaiveDate {
        self.today
            .checked_sub_months(Months::new(HISTORY_MONTHS))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The seeded accounts, exactly as served (transactions oldest first).
    pub fn accounts(&self) -> Vec<SeedAccount> {
        let mut accounts = vec![
            seed_account(
                0,
                "Bakkerij Van Dijk B.V.",
                417_164_300,
                1_250_000,
                500_000,
                self.today,
            ),
            seed_account(
                1,
                "Van Dijk Holding B.V.",
                529_381_746,
                8_420_015,
                0,
                self.today,
            ),
        ];
        if self.large_account {
            accounts.push(seed_account(
                2,
                "Groothandel Jansen B.V.",
                613_907_254,
                25_000_000,
                1_000_000,
                self.today,
            ));
        }
        accounts
    }
}

/// A seeded account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedAccount {
    pub iban: String,
    pub holder: String,
    pub currency: String,
    pub opening_balance: Decimal,
    pub credit_line: Decimal,
    /// Oldest first.
    pub transactions: Vec<SeedTransaction>,
}

impl SeedAccount {
    /// The booked balance after every transaction.
    pub fn balance(&self) -> Decimal {
        self.transactions
            .last()
            .map_or(self.opening_balance, |t| t.balance_after)
    }
}

/// A seeded transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedTransaction {
    /// The server's reference (what `nextPageKey` names).
    pub key: String,
    /// Empty for ATM withdrawals (the seed: no transactionId is generated for them).
    pub transaction_id: String,
    pub book_date: NaiveDate,
    /// `yyyy-mm-dd-hh:mm:ss.000`
    pub timestamp: String,
    pub mutation_code: String,
    pub description_lines: Vec<String>,
    pub counterparty_account: String,
    pub counterparty_name: String,
    pub amount: Decimal,
    pub balance_after: Decimal,
    /// `EXECUTED`, or blank for today's real-time bookings.
    pub status: String,
}

/// SplitMix64: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A Dutch IBAN with valid ISO 7064 mod-97 check digits: `NLkk` + bank code + 10 digits.
pub fn dutch_iban(bank: &str, account: u64) -> String {
    let bban = format!("{bank}{:010}", account % 10_000_000_000);
    let mut remainder: u32 = 0;
    for c in format!("{bban}NL00").chars() {
        let value = c.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    format!("NL{:02}{bban}", 98 - remainder)
}

fn iban_is_valid(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut remainder: u32 = 0;
    for c in text[4..].chars().chain(text[..4].chars()) {
        let value = c.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

const SHOPS: &[&str] = &[
    "Albert Heijn 1403",
    "Makro Amsterdam",
    "Shell Ringweg",
    "Hanos Utrecht",
    "Gamma Zaandam",
    "Bol.com",
];
const CUSTOMERS: &[(&str, &str, u64)] = &[
    ("Hotel De Roode Leeuw", "RABO", 3_011_550_781),
    ("Cafe Het Hoekje", "INGB", 6_528_100_347),
    ("Lunchroom Zonnig", "ABNA", 8_814_220_095),
    ("Gemeente Haarlem", "BNGH", 2_859_670_013),
];
const SUPPLIERS: &[(&str, &str, u64)] = &[
    ("Meelfabriek Noord B.V.", "INGB", 4_102_983_566),
    ("Zuivel Direct", "RABO", 1_447_260_918),
    ("Energie Samen N.V.", "ABNA", 5_530_014_772),
];

fn cents(units: i64) -> Decimal {
    Decimal::new(units, 2)
}

fn seed_account(
    index: u64,
    holder: &str,
    number: u64,
    opening_cents: i64,
    credit_cents: i64,
    today: NaiveDate,
) -> SeedAccount {
    let iban = dutch_iban("ABNA", number);
    let mut rng = Rng(0xABA0_2025 + index * 7919);
    let large = index == 2;
    // Large: 20 a day over the 500 days up to today (well inside 18 months). Others: ~20 months.
    let (start, days) = if large {
        let days = LARGE_ACCOUNT_TRANSACTIONS as u64 / 20;
        (
            today.checked_sub_days(Days::new(days - 1)).unwrap_or(today),
            days,
        )
    } else {
        let start = today.checked_sub_months(Months::new(20)).unwrap_or(today);
        let days = u64::try_from((today - start).num_days()).unwrap_or(0) + 1;
        (start, days)
    };
    let mut balance = cents(opening_cents);
    let mut transactions = Vec::new();
    let mut seq: u64 = 0;
    for day in 0..days {
        let Some(date) = start.checked_add_days(Days::new(day)) else {
            break;
        };
        let count = if large {
            20
        } else if index == 0 {
            rng.below(3)
        } else {
            u64::from(rng.below(5) < 2)
        };
        for slot in 0..count {
            seq += 1;
            // Distinct, increasing times within the day.
            let secs = 6 * 3600 + slot * (57_600 / count.max(1)) + rng.below(30);
            let timestamp = format!(
                "{}-{:02}:{:02}:{:02}.000",
                date.format("%Y-%m-%d"),
                secs / 3600,
                (secs / 60) % 60,
                secs % 60
            );
            let kind = rng.below(10);
            let reference = format!("{:06}", rng.below(1_000_000));
            let (code, amount_cents, lines, cp_account, cp_name): (
                &str,
                i64,
                Vec<String>,
                String,
                String,
            ) = match kind {
                0..=4 => {
                    let shop = SHOPS[usize::try_from(rng.below(SHOPS.len() as u64)).unwrap_or(0)];
                    let amount = -i64::try_from(250 + rng.below(24_750)).unwrap_or(0);
                    (
                        "BEA",
                        amount,
                        vec![
                            "BEA, Betaalpas".to_string(),
                            format!("{shop},PAS{:03}", index + 101),
                            format!("NR:{reference}, {}", date.format("%d.%m.%y")),
                        ],
                        String::new(),
                        shop.to_string(),
                    )
                }
                5 => {
                    let amount =
                        -[2_000_i64, 5_000, 10_000][usize::try_from(rng.below(3)).unwrap_or(0)];
                    (
                        "GEA",
                        amount,
                        vec![
                            "GEA, Betaalpas".to_string(),
                            format!("Geldmaat Centrum,PAS{:03}", index + 101),
                            format!("NR:{reference}"),
                        ],
                        String::new(),
                        String::new(),
                    )
                }
                6 | 7 => {
                    let (name, bank, acct) =
                        CUSTOMERS[usize::try_from(rng.below(CUSTOMERS.len() as u64)).unwrap_or(0)];
                    let amount = i64::try_from(10_000 + rng.below(390_000)).unwrap_or(0);
                    let cp = dutch_iban(bank, acct);
                    (
                        "SEPA",
                        amount,
                        vec![
                            "SEPA Overboeking".to_string(),
                            format!("IBAN: {cp}"),
                            format!("Naam: {name}"),
                            format!("Omschrijving: Factuur {reference}"),
                        ],
                        cp,
                        name.to_string(),
                    )
                }
                8 => {
                    let (name, bank, acct) =
                        SUPPLIERS[usize::try_from(rng.below(SUPPLIERS.len() as u64)).unwrap_or(0)];
                    let amount = -i64::try_from(5_000 + rng.below(245_000)).unwrap_or(0);
                    let cp = dutch_iban(bank, acct);
                    (
                        "SEPA",
                        amount,
                        vec![
                            "SEPA Incasso algemeen doorlopend".to_string(),
                            format!("IBAN: {cp}"),
                            format!("Naam: {name}"),
                            format!("Kenmerk: {reference}"),
                        ],
                        cp,
                        name.to_string(),
                    )
                }
                _ => {
                    let amount = -i64::try_from(100 + rng.below(2_900)).unwrap_or(0);
                    (
                        "KST",
                        amount,
                        vec![
                            "ABN AMRO Bank N.V.".to_string(),
                            "Zakelijk Pakket".to_string(),
                            format!("Periode {}", date.format("%m-%Y")),
                        ],
                        String::new(),
                        "ABN AMRO Bank N.V.".to_string(),
                    )
                }
            };
            let amount = cents(amount_cents);
            balance += amount;
            let transaction_id = if code == "GEA" {
                String::new()
            } else {
                format!("{:016X}", mix((index << 40) | seq))
            };
            transactions.push(SeedTransaction {
                key: format!("K{index}{seq:07}"),
                transaction_id,
                book_date: date,
                timestamp,
                mutation_code: code.to_string(),
                description_lines: lines,
                counterparty_account: cp_account,
                counterparty_name: cp_name,
                amount,
                balance_after: balance,
                status: if date == today {
                    String::new()
                } else {
                    "EXECUTED".to_string()
                },
            });
        }
    }
    SeedAccount {
        iban,
        holder: holder.to_string(),
        currency: "EUR".to_string(),
        opening_balance: cents(opening_cents),
        credit_line: cents(credit_cents),
        transactions,
    }
}

struct IssuedToken {
    scopes: Vec<String>,
    epoch: u64,
    born_expired: bool,
    expires_at: Instant,
    expires_epoch_secs: u64,
}

struct Server {
    config: AbnAmroSandbox,
    accounts: Vec<SeedAccount>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    issued: AtomicU64,
    traces: AtomicU64,
}

/// Starts the server on 127.0.0.1 (a free port).
pub async fn start(config: AbnAmroSandbox) -> std::io::Result<Running> {
    start_on(config, 0).await
}

/// Starts the server on 127.0.0.1:`port` (0: any free port).
pub async fn start_on(config: AbnAmroSandbox, port: u16) -> std::io::Result<Running> {
    crate::serve(router(config), port).await
}

/// The server's routes, without the fault layer.
pub fn router(config: AbnAmroSandbox) -> Router {
    let server = Arc::new(Server {
        accounts: config.accounts(),
        config,
        tokens: Mutex::new(HashMap::new()),
        issued: AtomicU64::new(0),
        traces: AtomicU64::new(0),
    });
    Router::new()
        .route(TOKEN_PATH, post(token))
        .route("/v1/consentinfo", get(consent_info))
        .fallback(api)
        .with_state(server)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": error, "error_description": description }).to_string(),
    )
        .into_response()
}

async fn token(State(server): State<Arc<Server>>, body: String) -> Response {
    let knobs = &server.config.knobs;
    knobs.token_requests.fetch_add(1, Ordering::SeqCst);
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    if field("client_id") != server.config.client_id
        || field("client_secret") != server.config.client_secret
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let requested: Vec<&str> = field("scope").split_whitespace().collect();
    if requested.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "scope is required",
        );
    }
    if let Some(unknown) = requested.iter().find(|s| !SCOPES.contains(s)) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("unknown scope {unknown}"),
        );
    }
    let scopes: Vec<String> = requested
        .iter()
        .filter(|s| server.config.granted_scopes.iter().any(|g| g == *s))
        .map(|s| (*s).to_string())
        .collect();
    if scopes.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "none of the requested scopes is granted to this client",
        );
    }
    let n = server.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let value = format!("sbx-at-{n:06}-{:012x}", mix(n) >> 16);
    let lifetime = server.config.token_lifetime_secs;
    let now_secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let issued = IssuedToken {
        scopes: scopes.clone(),
        epoch: knobs.token_epoch.load(Ordering::SeqCst),
        born_expired: knobs.born_expired.load(Ordering::SeqCst),
        expires_at: Instant::now() + Duration::from_secs(lifetime),
        expires_epoch_secs: now_secs + lifetime,
    };
    server
        .tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(value.clone(), issued);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json!({
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scopes.join(" "),
        })
        .to_string(),
    )
        .into_response()
}

impl Server {
    fn error(&self, status: u16, code: &str, category: &str, message: &str) -> Response {
        let trace = self.traces.fetch_add(1, Ordering::SeqCst) + 1;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "code": code,
                "message": message,
                "reference": REFERENCE,
                "Trace-Id": format!("sandbox-{trace:08}"),
                "status": status.as_u16().to_string(),
                "category": category,
            })
            .to_string(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        resp
    }

    /// The documented error `code` (a code not in the seed's table is a 500).
    fn documented(&self, code: &str) -> Response {
        match DOCUMENTED.iter().find(|(c, ..)| *c == code) {
            Some((c, status, category, message)) => self.error(*status, c, category, message),
            None => self.error(
                500,
                code,
                "INTERNAL_SERVER_ERROR",
                "Use the Contact form if the problem persists",
            ),
        }
    }

    /// Header, token and API key checks; the token's scopes when they pass.
    #[allow(clippy::result_large_err)] // An axum Response, built once per refused request.
    fn authorise(&self, headers: &HeaderMap) -> Result<Vec<String>, Response> {
        let Some(auth) = headers.get(header::AUTHORIZATION) else {
            return Err(self.error(
                401,
                "ERR_1002_002",
                "MISSING_HEADER",
                "Access token header missing",
            ));
        };
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(self.error(
                401,
                "ERR_1001_001",
                "INCORRECT_HEADER",
                "Malformed or incorrect Authorization header",
            ));
        };
        let Some(key) = headers.get("API-Key") else {
            return Err(self.error(
                401,
                "ERR_1002_003",
                "MISSING_HEADER",
                "API Key Header missing",
            ));
        };
        if key.as_bytes() != self.config.api_key.as_bytes() {
            return Err(self.error(
                401,
                "API_KEY_INVALID",
                "UNAUTHORIZED",
                "API key is not valid",
            ));
        }
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let epoch = self.config.knobs.token_epoch.load(Ordering::SeqCst);
        match tokens.get(token) {
            Some(t) if !t.born_expired && t.epoch == epoch && Instant::now() < t.expires_at => {
                Ok(t.scopes.clone())
            }
            _ => Err(self.error(
                401,
                "ERR_1001_001",
                "INCORRECT_HEADER",
                "Access token is invalid or expired",
            )),
        }
    }

    fn token_expiry_epoch(&self, headers: &HeaderMap) -> u64 {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token.trim())
            .map_or(0, |t| t.expires_epoch_secs)
    }

    fn earliest(&self) -> NaiveDate {
        self.config.earliest_book_date()
    }
}

fn json_response(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// A JSON string literal.
fn js(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

async fn consent_info(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let scopes = match server.authorise(&headers) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    if let Some(code) = server.config.knobs.take_next_error() {
        return server.documented(&code);
    }
    let iban = server.accounts.first().map(|a| a.iban.clone());
    json_response(
        json!({
            "iban": iban,
            "transactionId": null,
            "scopes": scopes.join(" "),
            "valid": server.token_expiry_epoch(&headers),
        })
        .to_string(),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `yyyy-mm-dd`, strictly.
fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

async fn api(
    State(server): State<Arc<Server>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(rest) = uri.path().strip_prefix("/v1/accounts/") else {
        return server.error(404, "NOT_FOUND", "BAD_REQUEST", "No such resource");
    };
    let Some((raw_account, operation)) = rest.rsplit_once('/') else {
        return server.error(404, "NOT_FOUND", "BAD_REQUEST", "No such resource");
    };
    let scope = match operation {
        "details" => SCOPE_DETAILS,
        "balances" => SCOPE_BALANCE,
        "transactions" => SCOPE_TRANSACTIONS,
        "funds" => SCOPE_FUNDS,
        _ => return server.error(404, "NOT_FOUND", "BAD_REQUEST", "No such resource"),
    };
    if method != Method::GET {
        return server.error(
            405,
            "METHOD_NOT_ALLOWED",
            "BAD_REQUEST",
            "Only GET is allowed",
        );
    }
    let scopes = match server.authorise(&headers) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    if let Some(code) = server.config.knobs.take_next_error() {
        return server.documented(&code);
    }
    if !scopes.iter().any(|s| s == scope) {
        return server.error(
            403,
            "insufficient_scope",
            "FORBIDDEN",
            &format!("The access token lacks the scope {scope}"),
        );
    }
    let account_number = percent_decode(raw_account);
    if account_number.trim().is_empty() {
        return server.documented("MESSAGE_RST560_0001");
    }
    if account_number.len() > 34 {
        return server.documented("MESSAGE_RST560_0010");
    }
    if !iban_is_valid(&account_number) {
        return server.documented("MESSAGE_RST560_0007");
    }
    let Some(account) = server.accounts.iter().find(|a| a.iban == account_number) else {
        return server.documented("MESSAGE_RST560_0016");
    };
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    match operation {
        "details" => json_response(
            json!({
                "accountNumber": account.iban,
                "currency": account.currency,
                "accountHolderName": account.holder,
            })
            .to_string(),
        ),
        // `amount` is a JSON number (documented Number), written from the exact decimal.
        "balances" => json_response(format!(
            "{{\"accountNumber\":{},\"balanceType\":\"BOOKED\",\"currency\":{},\"amount\":{}}}",
            js(&account.iban),
            js(&account.currency),
            account.balance()
        )),
        "funds" => funds(&server, account, &query),
        _ => transactions(&server, account, &query),
    }
}

fn funds(server: &Server, account: &SeedAccount, query: &HashMap<String, String>) -> Response {
    let amount_text = query.get("amount").map(|s| s.trim()).unwrap_or("");
    if amount_text.is_empty() {
        return server.documented("MESSAGE_RST560_0018");
    }
    let well_formed = amount_text
        .split_once('.')
        .is_none_or(|(_, fraction)| fraction.len() <= 3)
        && amount_text.chars().all(|c| c.is_ascii_digit() || c == '.');
    let amount = Decimal::from_str(amount_text)
        .ok()
        .filter(|a| well_formed && *a > Decimal::ZERO);
    let Some(amount) = amount else {
        return server.documented("MESSAGE_RST560_0014");
    };
    let currency = query.get("currency").map_or("EUR", String::as_str);
    if currency != "EUR" && currency != "USD" {
        return server.documented("MESSAGE_RST560_0015");
    }
    let available =
        currency == account.currency && amount <= account.balance() + account.credit_line;
    json_response(format!(
        "{{\"accountNumber\":{},\"amount\":{},\"currency\":{},\"available\":{}}}",
        js(&account.iban),
        amount,
        js(currency),
        available
    ))
}

fn transactions(
    server: &Server,
    account: &SeedAccount,
    query: &HashMap<String, String>,
) -> Response {
    let today = server.config.today;
    let param = |name: &str| query.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let from = match param("bookDateFrom").map(parse_date) {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => return server.documented("MESSAGE_RST560_0009"),
    };
    let to = match param("bookDateTo").map(parse_date) {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => return server.documented("MESSAGE_RST560_0008"),
    };
    if from.is_some_and(|f| f > today) {
        return server.documented("MESSAGE_RST560_0013");
    }
    if to.is_some_and(|t| t > today) {
        return server.documented("MESSAGE_RST560_0012");
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return server.documented("MESSAGE_RST560_0011");
        }
    }
    if from.is_some_and(|f| f < server.earliest()) {
        return server.documented("MESSAGE_BAI560_0029");
    }
    let lower = from.unwrap_or_else(|| server.earliest());
    let upper = to.unwrap_or(today);
    // Reverse chronological: the seeded list is oldest first.
    let matching: Vec<&SeedTransaction> = account
        .transactions
        .iter()
        .rev()
        .filter(|t| t.book_date >= lower && t.book_date <= upper)
        .collect();
    if matching.is_empty() {
        if from.is_some() && from == to {
            return server.documented("MESSAGE_BAI560_0005");
        }
        return (StatusCode::OK, "").into_response();
    }
    let start = match param("nextPageKey") {
        None => 0,
        Some(key) => match matching.iter().position(|t| t.key == key) {
            Some(i) => i + 1,
            None => {
                return server.error(
                    400,
                    "ERR_1004_001",
                    "INCORRECT_PARAMETER",
                    "Incorrect or missing value for nextPageKey",
                )
            }
        },
    };
    let end = (start + PAGE_SIZE).min(matching.len());
    let page = matching.get(start..end).unwrap_or(&[]);
    let rows: Vec<Value> = page
        .iter()
        .map(|t| {
            json!({
                "mutationCode": t.mutation_code,
                "transactionTimestamp": t.timestamp,
                "descriptionLines": t.description_lines,
                "bookDate": t.book_date.format("%Y-%m-%d").to_string(),
                "balanceAfterMutation": t.balance_after.to_string(),
                "counterPartyAccountNumber": t.counterparty_account,
                "counterPartyName": t.counterparty_name,
                "amount": t.amount.to_string(),
                "currency": account.currency,
                "transactionId": t.transaction_id,
                "status": t.status,
            })
        })
        .collect();
    let mut body = json!({ "accountNumber": account.iban, "transactions": rows });
    if end < matching.len() {
        if let (Some(last), Some(obj)) = (page.last(), body.as_object_mut()) {
            obj.insert("nextPageKey".to_string(), Value::String(last.key.clone()));
        }
    }
    json_response(body.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn seeded_ibans_are_valid_and_data_is_deterministic() {
        let config = AbnAmroSandbox::default().with_large_account();
        let a = config.accounts();
        let b = config.accounts();
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        for account in &a {
            assert!(iban_is_valid(&account.iban), "{}", account.iban);
            assert!(account.iban.starts_with("NL") && account.iban.contains("ABNA"));
            for t in &account.transactions {
                if !t.counterparty_account.is_empty() {
                    assert!(iban_is_valid(&t.counterparty_account));
                }
                assert!(t.description_lines.len() <= 9);
                assert!(
                    t.description_lines.iter().all(|l| l.chars().count() <= 32),
                    "{:?}",
                    t.description_lines
                );
            }
        }
        assert_eq!(a[2].transactions.len(), LARGE_ACCOUNT_TRANSACTIONS);
        assert_eq!(dutch_iban("ABNA", 417_164_300), "NL91ABNA0417164300");
    }
}
