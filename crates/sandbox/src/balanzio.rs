//! A Balanzio statement conversion API stand-in (the seed:
//! `balanzio-statement-conversion-api.nl.txt`), served under `/api/v1` as
//! `https://api.balanzio.app/api/v1`:
//! - `POST /bank-statement` (multipart, one or more `files`, at most 3 MB each) → 201
//!   `[{uuid, filename, pdfType, state, numberOfPages}]`; `state` is `READY` for a text PDF,
//!   `PROCESSING` for a scanned one (OCR).
//! - `POST /bank-statement/status` `{"uuids": [...]}` → 200 `[{..., progress}]`; a scanned file's
//!   `progress` grows by [`BalanzioSandbox::progress_step`] at each poll until 100 and `COMPLETED`.
//! - `POST /bank-statement/convert?format=CSV|XLSX|JSON` `{"uuid"}` → the converted file.
//! - `POST /bank-statement/set-password` `{"uuid", "password"}` → `{uuid, state, passwordSet}`.
//! - `GET /user` → the user, credits and plan.
//!
//! Every call needs `Authorization: Bearer <key>`. Every answer carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (a fixed window per key, 60 a minute by
//! default, 10 for a request without a key). Errors are `{"error", "message", "recovery"}` with
//! the seed's statuses and codes.
//!
//! **A contract server, not a converter.** It reads nothing of a statement: a file is a PDF when
//! it starts with `%PDF-`, protected when it holds `/Encrypt`, scanned when it holds no `/Font`,
//! and its pages are its `/Type /Page` objects. What it "converts" to is [`statement_for`]: a small
//! fixed-shape statement derived from a hash of the bytes, the same for the same file.
//!
//! Where the seed says nothing, this sandbox (and Folio's client) choose:
//! - `X-RateLimit-Reset` is a moment in Unix seconds (the client also reads seconds-from-now).
//! - Credits are spent at upload, one per page (free credits first): processing is what costs;
//!   converting a processed file again is free. A file that cannot be paid for is refused whole
//!   (403 `INSUFFICIENT_CREDITS`) and nothing is charged.
//! - A protected PDF is accepted at upload (`READY`, so it gets a uuid for `set-password`); convert
//!   answers 422 `PASSWORD_REQUIRED` until the right password is set; a wrong one is 422
//!   `INVALID_PASSWORD`. After the password a scanned file goes `PROCESSING`.
//! - Converting a file still processing is 409 `FILE_NOT_READY`; one whose processing failed is
//!   422 `PROCESSING_FAILED` (neither code is in the seed). A body that is not the documented JSON
//!   is 400 `BAD_REQUEST`.
//! - 3 MB is read as 3,000,000 bytes (the stricter reading).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::Running;

/// Where the API lives under the server's address.
pub const BASE_PATH: &str = "/api/v1";
/// The most one file may weigh (the seed's "max 3MB elk").
pub const MAX_FILE_BYTES: usize = 3_000_000;
/// The password that opens every protected sandbox PDF.
pub const PDF_PASSWORD: &str = "sandbox-pdf-password";

/// The documented error codes: (code, HTTP status, the seed's description, a recovery).
#[rustfmt::skip]
pub const DOCUMENTED: &[(&str, u16, &str, &str)] = &[
    ("INVALID_FILE_TYPE", 400, "Only PDF files are accepted", "Please upload a PDF file"),
    ("INVALID_FORMAT", 400, "Invalid format parameter (must be CSV, XLSX or JSON)", "Use format=CSV, XLSX or JSON"),
    ("UNAUTHORIZED", 401, "Invalid or missing API key", "Check your API key"),
    ("INSUFFICIENT_CREDITS", 403, "Not enough credits to process the file", "Buy credits or wait for your free credits"),
    ("FILE_NOT_FOUND", 404, "File UUID not found", "Upload the file again"),
    ("FILE_TOO_LARGE", 413, "File exceeds the 3MB limit", "Upload a file of at most 3MB"),
    ("PASSWORD_REQUIRED", 422, "PDF is password protected", "Send the PDF's password to /bank-statement/set-password"),
    ("INVALID_PASSWORD", 422, "Incorrect PDF password", "Check the PDF's password and send it again"),
    ("RATE_LIMIT_EXCEEDED", 429, "Too many requests", "Wait until X-RateLimit-Reset and try again"),
    ("INTERNAL_ERROR", 500, "Server error, please try again", "Try again in a moment"),
];

/// The server's configuration.
#[derive(Clone, Debug)]
pub struct BalanzioSandbox {
    /// The one API key accepted (Bearer).
    pub api_key: String,
    pub pdf_password: String,
    /// Requests per window per key (the seed: 60 a minute authenticated).
    pub rate_limit: u32,
    /// Requests per window without a valid key (the seed: 10 a minute anonymous).
    pub anonymous_rate_limit: u32,
    pub window_secs: u64,
    /// Percentage points a scanned file's processing advances at each status poll.
    pub progress_step: u32,
    pub paid_credits: u64,
    pub free_credits: u64,
    knobs: Arc<BalanzioKnobs>,
}

impl Default for BalanzioSandbox {
    fn default() -> Self {
        BalanzioSandbox {
            api_key: "sandbox-balanzio-key-4e1d".to_string(),
            pdf_password: PDF_PASSWORD.to_string(),
            rate_limit: 60,
            anonymous_rate_limit: 10,
            window_secs: 60,
            progress_step: 25,
            paid_credits: 1000,
            free_credits: 50,
            knobs: Arc::new(BalanzioKnobs::default()),
        }
    }
}

impl BalanzioSandbox {
    pub fn new() -> BalanzioSandbox {
        BalanzioSandbox::default()
    }

    /// The knobs of the server this configuration starts (keep a clone before [`start`]).
    pub fn knobs(&self) -> Arc<BalanzioKnobs> {
        Arc::clone(&self.knobs)
    }
}

/// Knobs a test turns while the server runs (besides the shared [`crate::Faults`]).
#[derive(Debug, Default)]
pub struct BalanzioKnobs {
    key_revoked: AtomicBool,
    rate_limited: AtomicU32,
    rate_limit_reset_secs: AtomicU64,
    server_errors: AtomicU32,
    failing_processing: AtomicU32,
    next_errors: Mutex<Vec<String>>,
    /// Files received by `POST /bank-statement` (accepted or not), and requests past the gate.
    uploads: AtomicU32,
    requests: AtomicU32,
    credits_spent: AtomicU64,
    credits_override: Mutex<Option<(u64, u64)>>,
}

impl BalanzioKnobs {
    /// The API key stops working (an expired or revoked key): every call gets 401.
    pub fn revoke_key(&self, revoked: bool) {
        self.key_revoked.store(revoked, Ordering::SeqCst);
    }

    /// The next `n` calls get 429 `RATE_LIMIT_EXCEEDED` with `X-RateLimit-Remaining: 0` and a
    /// `X-RateLimit-Reset` `reset_in_secs` from now (no `Retry-After`: the seed names none).
    pub fn rate_limit_next(&self, n: u32, reset_in_secs: u64) {
        self.rate_limit_reset_secs
            .store(reset_in_secs, Ordering::SeqCst);
        self.rate_limited.store(n, Ordering::SeqCst);
    }

    /// The next `n` calls get 500 `INTERNAL_ERROR` (the documented JSON).
    pub fn fail_next(&self, n: u32) {
        self.server_errors.store(n, Ordering::SeqCst);
    }

    /// The next scanned file to finish processing ends in `ERROR` instead.
    pub fn fail_processing_next(&self) {
        self.failing_processing.fetch_add(1, Ordering::SeqCst);
    }

    /// The next call (past the key check) answers the documented error `code`.
    pub fn answer_next_with(&self, code: &str) {
        self.next_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(code.to_string());
    }

    /// Sets the credits left (paid, free).
    pub fn set_credits(&self, paid: u64, free: u64) {
        *self
            .credits_override
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((paid, free));
        self.credits_spent.store(0, Ordering::SeqCst);
    }

    /// Upload requests received (whatever their outcome).
    pub fn uploads(&self) -> u32 {
        self.uploads.load(Ordering::SeqCst)
    }

    /// Requests received (whatever their outcome).
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Credits spent since the start (or the last [`Self::set_credits`]).
    pub fn credits_spent(&self) -> u64 {
        self.credits_spent.load(Ordering::SeqCst)
    }

    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    fn take_next_error(&self) -> Option<String> {
        let mut queue = self
            .next_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (!queue.is_empty()).then(|| queue.remove(0))
    }
}

// ---- What a file "converts" to ----

/// One row of a sandbox statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxRow {
    pub date: NaiveDate,
    pub description: String,
    pub amount: Decimal,
    pub balance: Decimal,
}

/// The statement the sandboxes return for a file: derived from a hash of its bytes only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxStatement {
    pub bank: String,
    /// The full number; Balanzio shows `****` and its last four digits.
    pub account_number: String,
    pub currency: String,
    /// `YYYY-MM`
    pub period: String,
    pub opening_balance: Decimal,
    pub rows: Vec<SandboxRow>,
}

impl SandboxStatement {
    pub fn closing_balance(&self) -> Decimal {
        self.rows.last().map_or(self.opening_balance, |r| r.balance)
    }

    pub fn masked_account_number(&self) -> String {
        let digits = self.account_number.len();
        format!(
            "****{}",
            self.account_number
                .get(digits.saturating_sub(4)..)
                .unwrap_or("")
        )
    }
}

/// FNV-1a, 64 bits: the file's identity in the sandboxes.
pub fn file_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const WORDINGS: &[&str] = &[
    "CARTE SUPERMARCHE",
    "PRLV SEPA ENERGIE",
    "CARTE BOULANGERIE",
    "RETRAIT DAB",
    "CARTE PHARMACIE",
    "VIREMENT LOYER",
];

/// The statement a file converts to in the sandboxes (`currency`: its ISO 4217 code): January
/// 2024, a salary and five card or debit rows, balances that add up.
pub fn statement_for(bytes: &[u8], currency: &str) -> SandboxStatement {
    let hash = file_hash(bytes);
    let mut state = hash;
    let mut next = || {
        state = mix(state);
        state
    };
    let day = |d: u32| NaiveDate::from_ymd_opt(2024, 1, d).unwrap_or_default();
    let opening = Decimal::new(100_000 + i64::try_from(next() % 400_000).unwrap_or(0), 2);
    let mut balance = opening;
    let mut rows = Vec::new();
    let days = [2_u32, 5, 9, 15, 22, 28];
    for (i, d) in days.iter().enumerate() {
        let (description, amount) = if i == 3 {
            (
                "VIREMENT SALAIRE".to_string(),
                Decimal::new(250_000 + i64::try_from(next() % 100_000).unwrap_or(0), 2),
            )
        } else {
            let w = usize::try_from(next() % 6).unwrap_or(0);
            (
                WORDINGS.get(w).copied().unwrap_or("CARTE").to_string(),
                -Decimal::new(150 + i64::try_from(next() % 20_000).unwrap_or(0), 2),
            )
        };
        balance += amount;
        rows.push(SandboxRow {
            date: day(*d),
            description,
            amount,
            balance,
        });
    }
    SandboxStatement {
        bank: "Banque Sandbox".to_string(),
        account_number: format!("{:014}", next() % 100_000_000_000_000),
        currency: currency.to_string(),
        period: "2024-01".to_string(),
        opening_balance: opening,
        rows,
    }
}

/// What the sandboxes see in a file's bytes (they read nothing else).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLook {
    pub is_pdf: bool,
    pub encrypted: bool,
    pub scanned: bool,
    pub pages: u32,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `%PDF-` first, `/Encrypt`, `/Font`, and `/Type /Page` objects (not `/Pages`).
pub fn look_at(bytes: &[u8]) -> FileLook {
    let mut pages = 0_u32;
    for needle in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        for (i, w) in bytes.windows(needle.len()).enumerate() {
            if w == needle && bytes.get(i + needle.len()) != Some(&b's') {
                pages += 1;
            }
        }
    }
    FileLook {
        is_pdf: bytes.starts_with(b"%PDF-"),
        encrypted: contains(bytes, b"/Encrypt"),
        scanned: !contains(bytes, b"/Font"),
        pages: pages.max(1),
    }
}

// ---- The server ----

#[derive(Debug)]
struct StoredFile {
    filename: String,
    scanned: bool,
    pages: u32,
    locked: bool,
    progress: u32,
    state: &'static str,
    statement: SandboxStatement,
}

#[derive(Debug, Default)]
struct Window {
    /// Per key (or "" for no valid key): the window's start (Unix seconds) and requests in it.
    counts: HashMap<String, (u64, u32)>,
}

struct Server {
    config: BalanzioSandbox,
    files: Mutex<HashMap<String, StoredFile>>,
    window: Mutex<Window>,
    issued: AtomicU64,
}

/// Starts the server on 127.0.0.1 (a free port).
pub async fn start(config: BalanzioSandbox) -> std::io::Result<Running> {
    start_on(config, 0).await
}

/// Starts the server on 127.0.0.1:`port` (0: any free port).
pub async fn start_on(config: BalanzioSandbox, port: u16) -> std::io::Result<Running> {
    crate::serve(router(config), port).await
}

/// The server's routes, without the shared fault layer.
pub fn router(config: BalanzioSandbox) -> Router {
    let server = Arc::new(Server {
        config,
        files: Mutex::new(HashMap::new()),
        window: Mutex::new(Window::default()),
        issued: AtomicU64::new(0),
    });
    Router::new()
        .route(&format!("{BASE_PATH}/bank-statement"), post(upload))
        .route(&format!("{BASE_PATH}/bank-statement/status"), post(status))
        .route(
            &format!("{BASE_PATH}/bank-statement/convert"),
            post(convert),
        )
        .route(
            &format!("{BASE_PATH}/bank-statement/set-password"),
            post(set_password),
        )
        .route(&format!("{BASE_PATH}/user"), get(user))
        // Bodies up to 16 MiB reach the handler, so a file over 3 MB gets the documented 413.
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            gate,
        ))
        .with_state(server)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The documented error JSON with its status.
pub fn error_response(code: &str) -> Response {
    let (status, message, recovery) = DOCUMENTED.iter().find(|(c, ..)| *c == code).map_or(
        (
            500,
            "Server error, please try again",
            "Try again in a moment",
        ),
        |(_, s, m, r)| (*s, *m, *r),
    );
    error_with(status, code, message, recovery)
}

fn error_with(status: u16, code: &str, message: &str, recovery: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": code, "message": message, "recovery": recovery }).to_string(),
    )
        .into_response()
}

fn json_ok(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn set_rate_headers(resp: &mut Response, limit: u32, remaining: u32, reset: u64) {
    let headers = resp.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(limit)),
        ("x-ratelimit-remaining", u64::from(remaining)),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, v);
        }
    }
}

/// In front of every route: rate limits (headers on every answer), injected faults, the key.
async fn gate(State(server): State<Arc<Server>>, req: Request, next: Next) -> Response {
    let knobs = &server.config.knobs;
    knobs.requests.fetch_add(1, Ordering::SeqCst);
    if req.uri().path() == format!("{BASE_PATH}/bank-statement") {
        knobs.uploads.fetch_add(1, Ordering::SeqCst);
    }
    let key_ok = bearer(req.headers()) == Some(server.config.api_key.as_str())
        && !knobs.key_revoked.load(Ordering::SeqCst);
    let (bucket, limit) = if key_ok {
        (server.config.api_key.clone(), server.config.rate_limit)
    } else {
        (String::new(), server.config.anonymous_rate_limit)
    };
    let now = now_secs();
    let window_secs = server.config.window_secs.max(1);
    let (start, count) = {
        let mut window = server.window.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = window.counts.entry(bucket).or_insert((now, 0));
        if now >= entry.0 + window_secs {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        *entry
    };
    let reset = start + window_secs;
    let remaining = limit.saturating_sub(count);
    if BalanzioKnobs::take(&knobs.rate_limited) {
        let mut resp = error_response("RATE_LIMIT_EXCEEDED");
        let reset = now + knobs.rate_limit_reset_secs.load(Ordering::SeqCst);
        set_rate_headers(&mut resp, limit, 0, reset);
        return resp;
    }
    if count > limit {
        let mut resp = error_response("RATE_LIMIT_EXCEEDED");
        set_rate_headers(&mut resp, limit, 0, reset);
        return resp;
    }
    let mut resp = if BalanzioKnobs::take(&knobs.server_errors) {
        error_response("INTERNAL_ERROR")
    } else if !key_ok {
        error_response("UNAUTHORIZED")
    } else if let Some(code) = knobs.take_next_error() {
        let mut resp = error_response(&code);
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            // An injected 429 says the window is used up and resets in a second.
            set_rate_headers(&mut resp, limit, 0, now + 1);
            return resp;
        }
        resp
    } else {
        next.run(req).await
    };
    set_rate_headers(&mut resp, limit, remaining, reset);
    resp
}

fn bad_request(detail: &str) -> Response {
    error_with(400, "BAD_REQUEST", detail, "Send the documented JSON body")
}

async fn upload(State(server): State<Arc<Server>>, req: Request) -> Response {
    let Ok(mut multipart) = Multipart::from_request(req, &()).await else {
        return error_response("INVALID_FILE_TYPE");
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return bad_request("the multipart body could not be read"),
        };
        if field.name() != Some("files") {
            continue;
        }
        let filename = field.file_name().unwrap_or("statement.pdf").to_string();
        match field.bytes().await {
            Ok(bytes) => files.push((filename, bytes.to_vec())),
            Err(_) => return bad_request("the multipart body could not be read"),
        }
    }
    if files.is_empty() {
        return error_response("INVALID_FILE_TYPE");
    }
    let mut looks = Vec::new();
    for (_, bytes) in &files {
        if bytes.len() > MAX_FILE_BYTES {
            return error_response("FILE_TOO_LARGE");
        }
        let look = look_at(bytes);
        if !look.is_pdf {
            return error_response("INVALID_FILE_TYPE");
        }
        looks.push(look);
    }
    let knobs = &server.config.knobs;
    let pages: u64 = looks.iter().map(|l| u64::from(l.pages)).sum();
    let (paid, free) = knobs
        .credits_override
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .unwrap_or((server.config.paid_credits, server.config.free_credits));
    let left = (paid + free).saturating_sub(knobs.credits_spent.load(Ordering::SeqCst));
    if pages > left {
        return error_response("INSUFFICIENT_CREDITS");
    }
    knobs.credits_spent.fetch_add(pages, Ordering::SeqCst);
    let mut out = Vec::new();
    let mut stored = server.files.lock().unwrap_or_else(PoisonError::into_inner);
    for ((filename, bytes), look) in files.into_iter().zip(looks) {
        let n = server.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let uuid = uuid_like(file_hash(&bytes) ^ n, n);
        let state = if look.scanned && !look.encrypted {
            "PROCESSING"
        } else {
            "READY"
        };
        let pdf_type = if look.scanned {
            "IMAGE_BASED"
        } else {
            "TEXT_BASED"
        };
        out.push(json!({
            "uuid": uuid,
            "filename": filename,
            "pdfType": pdf_type,
            "state": state,
            "numberOfPages": look.pages,
        }));
        stored.insert(
            uuid,
            StoredFile {
                filename,
                scanned: look.scanned,
                pages: look.pages,
                locked: look.encrypted,
                progress: if state == "READY" { 100 } else { 0 },
                state,
                statement: statement_for(&bytes, "EUR"),
            },
        );
    }
    json_ok(StatusCode::CREATED, Value::Array(out))
}

/// A version-4-shaped UUID from two numbers (deterministic, distinct per upload).
fn uuid_like(a: u64, b: u64) -> String {
    let x = mix(a);
    let y = mix(b ^ 0x5eed);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0x0fff,
        0x8000 | (y >> 48 & 0x3fff),
        y & 0xffff_ffff_ffff
    )
}

fn item(uuid: &str, file: &StoredFile) -> Value {
    let mut v = json!({
        "uuid": uuid,
        "filename": file.filename,
        "pdfType": if file.scanned { "IMAGE_BASED" } else { "TEXT_BASED" },
        "state": file.state,
        "numberOfPages": file.pages,
        "progress": file.progress,
    });
    if file.state == "ERROR" {
        v["error"] = Value::String("OCR failed on this file".to_string());
    }
    v
}

async fn status(State(server): State<Arc<Server>>, body: String) -> Response {
    let Ok(request) = serde_json::from_str::<Value>(&body) else {
        return bad_request("the body is not JSON");
    };
    let Some(uuids) = request.get("uuids").and_then(Value::as_array) else {
        return bad_request("uuids (an array) is required");
    };
    let knobs = &server.config.knobs;
    let mut files = server.files.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = Vec::new();
    for uuid in uuids {
        let Some(uuid) = uuid.as_str() else {
            return bad_request("uuids holds strings");
        };
        let Some(file) = files.get_mut(uuid) else {
            return error_response("FILE_NOT_FOUND");
        };
        if file.state == "PROCESSING" {
            file.progress = (file.progress + server.config.progress_step.max(1)).min(100);
            if file.progress >= 100 {
                file.state = if BalanzioKnobs::take(&knobs.failing_processing) {
                    "ERROR"
                } else {
                    "COMPLETED"
                };
            }
        }
        out.push(item(uuid, file));
    }
    json_ok(StatusCode::OK, Value::Array(out))
}

#[allow(clippy::result_large_err)] // An axum Response, built once per refused request.
fn uuid_of(body: &str) -> Result<String, Response> {
    let request: Value =
        serde_json::from_str(body).map_err(|_| bad_request("the body is not JSON"))?;
    request
        .get("uuid")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| bad_request("uuid is required"))
}

async fn set_password(State(server): State<Arc<Server>>, body: String) -> Response {
    let uuid = match uuid_of(&body) {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let password = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("password")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    let mut files = server.files.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(file) = files.get_mut(&uuid) else {
        return error_response("FILE_NOT_FOUND");
    };
    if file.locked {
        if password != server.config.pdf_password {
            return error_response("INVALID_PASSWORD");
        }
        file.locked = false;
        if file.scanned {
            file.state = "PROCESSING";
            file.progress = 0;
        }
    }
    json_ok(
        StatusCode::OK,
        json!({ "uuid": uuid, "state": file.state, "passwordSet": true }),
    )
}

async fn convert(
    State(server): State<Arc<Server>>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let format = query.get("format").map(String::as_str).unwrap_or("");
    if !matches!(format, "CSV" | "XLSX" | "JSON") {
        return error_response("INVALID_FORMAT");
    }
    let uuid = match uuid_of(&body) {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let files = server.files.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(file) = files.get(&uuid) else {
        return error_response("FILE_NOT_FOUND");
    };
    if file.locked {
        return error_response("PASSWORD_REQUIRED");
    }
    match file.state {
        "PROCESSING" => {
            return error_with(
                409,
                "FILE_NOT_READY",
                "The file is still being processed",
                "Poll /bank-statement/status until COMPLETED",
            )
        }
        "ERROR" => {
            return error_with(
                422,
                "PROCESSING_FAILED",
                "The file could not be processed",
                "Upload a clearer scan",
            )
        }
        _ => {}
    }
    let statement = &file.statement;
    match format {
        "JSON" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            statement_json(statement),
        )
            .into_response(),
        "CSV" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            statement_csv(statement),
        )
            .into_response(),
        _ => match statement_xlsx(statement) {
            Ok(bytes) => Response::builder()
                .status(StatusCode::OK)
                .header(
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                .body(Body::from(bytes))
                .unwrap_or_else(|_| error_response("INTERNAL_ERROR")),
            Err(_) => error_response("INTERNAL_ERROR"),
        },
    }
}

/// The seed's JSON shape; amounts are JSON numbers written from exact decimals (two places).
pub fn statement_json(s: &SandboxStatement) -> String {
    let js = |t: &str| Value::String(t.to_string()).to_string();
    let rows: Vec<String> = s
        .rows
        .iter()
        .map(|r| {
            format!(
                "{{\"date\": {}, \"description\": {}, \"amount\": {:.2}, \"balance\": {:.2}, \"currency\": {}}}",
                js(&r.date.to_string()),
                js(&r.description),
                r.amount,
                r.balance,
                js(&s.currency)
            )
        })
        .collect();
    format!(
        "{{\"transactions\": [{}], \"metadata\": {{\"bank\": {}, \"accountNumber\": {}, \"statementPeriod\": {}}}, \"warnings\": []}}",
        rows.join(", "),
        js(&s.bank),
        js(&s.masked_account_number()),
        js(&s.period)
    )
}

fn statement_csv(s: &SandboxStatement) -> String {
    let mut out = String::from("date,description,amount,balance,currency\n");
    for r in &s.rows {
        out.push_str(&format!(
            "{},\"{}\",{:.2},{:.2},{}\n",
            r.date,
            r.description.replace('"', "\"\""),
            r.amount,
            r.balance,
            s.currency
        ));
    }
    out
}

fn statement_xlsx(s: &SandboxStatement) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in ["date", "description", "amount", "balance", "currency"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, u16::try_from(col).unwrap_or(0), *title)?;
    }
    for (i, r) in s.rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_string(row, 0, r.date.to_string())?;
        sheet.write_string(row, 1, &r.description)?;
        // XLSX stores IEEE doubles: the one place a sandbox amount becomes f64.
        sheet.write_number(row, 2, r.amount.to_f64().unwrap_or(0.0))?;
        sheet.write_number(row, 3, r.balance.to_f64().unwrap_or(0.0))?;
        sheet.write_string(row, 4, &s.currency)?;
    }
    book.save_to_buffer()
}

async fn user(State(server): State<Arc<Server>>) -> Response {
    let knobs = &server.config.knobs;
    let (paid, free) = knobs
        .credits_override
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .unwrap_or((server.config.paid_credits, server.config.free_credits));
    // Free credits are spent first.
    let spent = knobs.credits_spent.load(Ordering::SeqCst);
    let free_left = free.saturating_sub(spent);
    let paid_left = paid.saturating_sub(spent.saturating_sub(free));
    json_ok(
        StatusCode::OK,
        json!({
            "user": {
                "userId": 123,
                "firstName": "Sandbox",
                "lastName": "User",
                "email": "sandbox@example.invalid",
                "emailVerified": true,
                "referralCode": "SBX123"
            },
            "credits": { "paidCredits": paid_left, "freeCredits": free_left },
            "unlimitedCredits": false,
            "subscriptionCount": 1,
            "plan": "pro",
            "saveConvertedFiles": false,
            "hasPaymentMethod": true
        }),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn a_file_always_converts_to_the_same_balanced_statement() {
        let a = statement_for(b"%PDF-1.7 one", "EUR");
        assert_eq!(a, statement_for(b"%PDF-1.7 one", "EUR"));
        assert_ne!(a, statement_for(b"%PDF-1.7 two", "EUR"));
        let mut balance = a.opening_balance;
        for r in &a.rows {
            balance += r.amount;
            assert_eq!(balance, r.balance);
        }
        assert_eq!(a.masked_account_number().len(), 8);
        let json: Value = serde_json::from_str(&statement_json(&a)).unwrap();
        assert_eq!(json["transactions"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn files_are_looked_at_not_read() {
        let text = look_at(b"%PDF-1.4 /Type /Pages /Type /Page /Font /Type/Page");
        assert_eq!(
            text,
            FileLook {
                is_pdf: true,
                encrypted: false,
                scanned: false,
                pages: 2
            }
        );
        let scan = look_at(b"%PDF-1.4 /Encrypt /XObject");
        assert!(scan.scanned && scan.encrypted && scan.pages == 1);
        assert!(!look_at(b"PK\x03\x04").is_pdf);
        assert!(xlsx_works());
    }

    fn xlsx_works() -> bool {
        statement_xlsx(&statement_for(b"x", "EUR"))
            .map(|b| b.starts_with(b"PK"))
            .unwrap_or(false)
    }
}
