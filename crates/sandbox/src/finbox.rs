//! A FinBox BankConnect upload API stand-in (the seed: `finbox-bankconnect-upload-api.txt`),
//! served as `https://apis.bankconnect.finbox.in`:
//! - `POST /bank-connect/v1/statement/upload_session/` (form-data or x-www-form-urlencoded:
//!   `file`, `bank_name`, `session_id`, `upload_type` = `PDF` | `BASE64`, `pdf_password`;
//!   query `identity`, `progress`) → 200 with the statement's identity, date range, balances,
//!   months and missing months, fraud flags, `status` and `session_id`. `identity` is in the
//!   answer when the query asks `identity=true`.
//! - Every call needs the `x-api-key` header.
//! - Errors are `{"session_id": "", "statement_id": "", "error": {"code", "message"}}` with the
//!   seed's codes, messages and statuses.
//!
//! **A contract server, not an analyser.** It reads nothing of a statement (see
//! [`crate::balanzio::look_at`]): the identity and balances it answers are
//! [`crate::balanzio::statement_for`] the file's bytes, in INR, the same for the same file.
//!
//! Not in the seed, chosen here (and by Folio's client):
//! - The Session API ("create a session using the Session API") has no address or shape in the
//!   seed: the sandbox serves `POST /bank-connect/v1/session/` (JSON, optional `link_id`) →
//!   200 `{"session_id"}`.
//! - `SESSION_NOT_FOUND` (the seed's error example gives no status) is 404.
//! - A missing or wrong `x-api-key` (the seed names no code) is 401 `INVALID_API_KEY`.
//! - The shape of the `progress` answer is not documented: `progress=true` is accepted and
//!   changes nothing (the upload answers when the statement is read; there is nothing to poll).
//! - Natural triggers: a protected PDF (`/Encrypt`) without the right `pdf_password` →
//!   `PASSWORD_INCORRECT`; a scanned one (no `/Font`) → `PDF_IS_IMAGE`; no `bank_name` →
//!   `BANK_NAME_UNDETECTED`; a file carrying `%FolioSandboxBank:NAME` uploaded as another bank →
//!   `BANK_NAME_MISMATCH`; the same file twice in a session → `STATEMENT_DUPLICATE`; an
//!   `account_category` other than the three named → `INVALID_ACCOUNT_CATEGORY`; a `file_url` that
//!   is not an http(s) address → `INVALID_FILE_URL`. `TRIAL_PERIOD_EXPIRED`,
//!   `STATEMENT_UNSUPPORTED_FORMAT` and `OUT_OF_DATE_RANGE` come from knobs.
//! - No size limit and no rate limit are documented: none is enforced (the shared
//!   [`crate::Faults`] still give 429, 500, slow and malformed answers).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::balanzio::{file_hash, look_at, mix, statement_for};
use crate::Running;

pub const UPLOAD_PATH: &str = "/bank-connect/v1/statement/upload_session/";
/// Not in the seed (see the module header).
pub const SESSION_PATH: &str = "/bank-connect/v1/session/";
/// The password that opens every protected sandbox PDF.
pub const PDF_PASSWORD: &str = "sandbox-pdf-password";
/// Put `%FolioSandboxBank:NAME` in a file to make it a statement of bank NAME.
pub const BANK_MARKER: &str = "%FolioSandboxBank:";

/// The documented error codes: (code, message, HTTP status). `INVALID_FILE_OBJECT` has two.
#[rustfmt::skip]
pub const DOCUMENTED: &[(&str, &str, u16)] = &[
    ("TRIAL_PERIOD_EXPIRED", "Your trial period has expired. Please request FinBox to upgrade your plan", 402),
    ("INVALID_FILE_OBJECT", "This field must be present as a form field. Send request with content type x-www-form-urlencoded or form-data", 400),
    ("INVALID_FILE_OBJECT", "File object is invalid", 400),
    ("INVALID_FILE_URL", "This file url is invalid", 400),
    ("MISSING_FILE_OBJECT", "This file object is required", 400),
    ("INVALID_BASE_64", "Invalid Base 64 string", 400),
    ("INVALID_ACCOUNT_CATEGORY", "account_category' should be 'SAVINGS', 'CURRENT' or 'OVERDRAFT'", 400),
    ("PASSWORD_INCORRECT", "The provided password is incorrect", 400),
    ("STATEMENT_UNSUPPORTED_FORMAT", "The statement format is not supported", 400),
    ("BANK_NAME_UNDETECTED", "Unable to detect bank. Please provide BANK NAME.", 400),
    ("PDF_IS_IMAGE", "Scanned images are not supported", 400),
    ("BANK_NAME_MISMATCH", "Not {selected_bank_name} bank statement", 400),
    ("OUT_OF_DATE_RANGE", "No transactions in expected date range", 400),
    ("STATEMENT_DUPLICATE", "A duplicate statement has been detected", 400),
    ("SESSION_NOT_FOUND", "The provided Session ID is invalid", 404),
];

/// The server's configuration.
#[derive(Clone, Debug)]
pub struct FinBoxSandbox {
    pub api_key: String,
    pub pdf_password: String,
    knobs: Arc<FinBoxKnobs>,
}

impl Default for FinBoxSandbox {
    fn default() -> Self {
        FinBoxSandbox {
            api_key: "sandbox-finbox-key-90b2".to_string(),
            pdf_password: PDF_PASSWORD.to_string(),
            knobs: Arc::new(FinBoxKnobs::default()),
        }
    }
}

impl FinBoxSandbox {
    pub fn new() -> FinBoxSandbox {
        FinBoxSandbox::default()
    }

    /// The knobs of the server this configuration starts (keep a clone before [`start`]).
    pub fn knobs(&self) -> Arc<FinBoxKnobs> {
        Arc::clone(&self.knobs)
    }
}

/// Knobs a test turns while the server runs (besides the shared [`crate::Faults`]).
#[derive(Debug, Default)]
pub struct FinBoxKnobs {
    trial_expired: AtomicBool,
    key_revoked: AtomicBool,
    next_errors: Mutex<Vec<String>>,
    fraud_next: AtomicU32,
    uploads: AtomicU32,
    requests: AtomicU32,
}

impl FinBoxKnobs {
    /// Every call gets 402 `TRIAL_PERIOD_EXPIRED` (or stops getting it).
    pub fn expire_trial(&self, expired: bool) {
        self.trial_expired.store(expired, Ordering::SeqCst);
    }

    /// The API key stops working: every call gets 401.
    pub fn revoke_key(&self, revoked: bool) {
        self.key_revoked.store(revoked, Ordering::SeqCst);
    }

    /// The next upload (past the key check) answers the documented error `code`.
    pub fn answer_next_with(&self, code: &str) {
        self.next_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(code.to_string());
    }

    /// The next successful upload is flagged `is_fraud` with `fraud_type` "metadata".
    pub fn flag_fraud_next(&self) {
        self.fraud_next.fetch_add(1, Ordering::SeqCst);
    }

    /// Upload requests received (whatever their outcome).
    pub fn uploads(&self) -> u32 {
        self.uploads.load(Ordering::SeqCst)
    }

    /// Requests received (whatever their outcome).
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }

    fn take_next_error(&self) -> Option<String> {
        let mut queue = self
            .next_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (!queue.is_empty()).then(|| queue.remove(0))
    }
}

struct Server {
    config: FinBoxSandbox,
    /// Session id → hashes of the statements uploaded in it.
    sessions: Mutex<HashMap<String, HashSet<u64>>>,
    issued: AtomicU64,
}

/// Starts the server on 127.0.0.1 (a free port).
pub async fn start(config: FinBoxSandbox) -> std::io::Result<Running> {
    start_on(config, 0).await
}

/// Starts the server on 127.0.0.1:`port` (0: any free port).
pub async fn start_on(config: FinBoxSandbox, port: u16) -> std::io::Result<Running> {
    crate::serve(router(config), port).await
}

/// The server's routes, without the shared fault layer.
pub fn router(config: FinBoxSandbox) -> Router {
    let server = Arc::new(Server {
        config,
        sessions: Mutex::new(HashMap::new()),
        issued: AtomicU64::new(0),
    });
    Router::new()
        .route(SESSION_PATH, post(create_session))
        .route(UPLOAD_PATH, post(upload))
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(server)
}

/// The documented error JSON: `which` picks among codes listed twice (`INVALID_FILE_OBJECT`).
fn error_nth(code: &str, which: usize, session_id: &str, fill: &str) -> Response {
    let (message, status) = DOCUMENTED
        .iter()
        .filter(|(c, ..)| *c == code)
        .nth(which)
        .or_else(|| DOCUMENTED.iter().find(|(c, ..)| *c == code))
        .map_or(("Internal error".to_string(), 500), |(_, m, s)| {
            (m.replace("{selected_bank_name}", fill), *s)
        });
    error_with(status, code, &message, session_id)
}

/// The documented error JSON for `code`.
pub fn error_response(code: &str) -> Response {
    error_nth(code, 0, "", "")
}

fn error_with(status: u16, code: &str, message: &str, session_id: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({
            "session_id": session_id,
            "statement_id": "",
            "error": { "code": code, "message": message },
        })
        .to_string(),
    )
        .into_response()
}

fn json_ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

impl Server {
    /// The key and the trial: `Some(answer)` when the call is refused.
    fn refuse(&self, headers: &HeaderMap) -> Option<Response> {
        let knobs = &self.config.knobs;
        knobs.requests.fetch_add(1, Ordering::SeqCst);
        let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if key != Some(self.config.api_key.as_str()) || knobs.key_revoked.load(Ordering::SeqCst) {
            return Some(error_with(
                401,
                "INVALID_API_KEY",
                "The x-api-key header is missing or invalid",
                "",
            ));
        }
        if knobs.trial_expired.load(Ordering::SeqCst) {
            return Some(error_response("TRIAL_PERIOD_EXPIRED"));
        }
        None
    }

    fn uuid(&self, seed: u64) -> String {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let x = mix(seed ^ n);
        let y = mix(n ^ 0xf1b0);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            x >> 32,
            (x >> 16) & 0xffff,
            x & 0x0fff,
            0x8000 | (y >> 48 & 0x3fff),
            y & 0xffff_ffff_ffff
        )
    }
}

async fn create_session(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(refused) = server.refuse(&headers) {
        return refused;
    }
    let link = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("link_id").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let id = server.uuid(file_hash(link.as_bytes()));
    server
        .sessions
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id.clone(), HashSet::new());
    json_ok(json!({ "session_id": id }))
}

/// A form field: text or a file's bytes.
enum FieldValue {
    Text(String),
    File(Vec<u8>),
}

#[allow(clippy::result_large_err)] // An axum Response, built once per refused request.
async fn read_form(req: Request) -> Result<HashMap<String, FieldValue>, Response> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut fields = HashMap::new();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, &())
            .await
            .map_err(|_| error_nth("INVALID_FILE_OBJECT", 0, "", ""))?;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => return Err(error_nth("INVALID_FILE_OBJECT", 1, "", "")),
            };
            let name = field.name().unwrap_or("").to_string();
            let is_file = field.file_name().is_some();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| error_nth("INVALID_FILE_OBJECT", 1, "", ""))?;
            let value = if is_file {
                FieldValue::File(bytes.to_vec())
            } else {
                FieldValue::Text(String::from_utf8_lossy(&bytes).into_owned())
            };
            fields.insert(name, value);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024 * 1024)
            .await
            .map_err(|_| error_nth("INVALID_FILE_OBJECT", 1, "", ""))?;
        for (k, v) in url::form_urlencoded::parse(&bytes) {
            fields.insert(k.into_owned(), FieldValue::Text(v.into_owned()));
        }
    } else {
        return Err(error_nth("INVALID_FILE_OBJECT", 0, "", ""));
    }
    Ok(fields)
}

fn text<'a>(fields: &'a HashMap<String, FieldValue>, name: &str) -> Option<&'a str> {
    match fields.get(name) {
        Some(FieldValue::Text(t)) => Some(t.trim()),
        _ => None,
    }
}

async fn upload(
    State(server): State<Arc<Server>>,
    Query(query): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    if let Some(refused) = server.refuse(req.headers()) {
        return refused;
    }
    let knobs = &server.config.knobs;
    knobs.uploads.fetch_add(1, Ordering::SeqCst);
    let fields = match read_form(req).await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let session_id = text(&fields, "session_id").unwrap_or("").to_string();
    let known = server
        .sessions
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains_key(&session_id);
    if !known {
        return error_response("SESSION_NOT_FOUND");
    }
    let fail = |code: &str| error_nth(code, 0, &session_id, "");
    if let Some(code) = knobs.take_next_error() {
        let which = usize::from(code == "INVALID_FILE_OBJECT");
        return error_nth(&code, which, &session_id, "sandbox");
    }
    if let Some(file_url) = text(&fields, "file_url") {
        let ok = url::Url::parse(file_url)
            .map(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or(false);
        if !ok {
            return fail("INVALID_FILE_URL");
        }
    }
    let upload_type = text(&fields, "upload_type").unwrap_or("");
    let bytes = match (fields.get("file"), upload_type) {
        (None, _) => return fail("MISSING_FILE_OBJECT"),
        (Some(FieldValue::File(b)), "PDF") => b.clone(),
        (Some(FieldValue::Text(t)), "BASE64") => {
            match base64::engine::general_purpose::STANDARD.decode(t.trim()) {
                Ok(b) => b,
                Err(_) => return fail("INVALID_BASE_64"),
            }
        }
        _ => return error_nth("INVALID_FILE_OBJECT", 1, &session_id, ""),
    };
    let look = look_at(&bytes);
    if !look.is_pdf {
        return error_nth("INVALID_FILE_OBJECT", 1, &session_id, "");
    }
    if let Some(category) = text(&fields, "account_category") {
        if !matches!(category, "SAVINGS" | "CURRENT" | "OVERDRAFT") {
            return fail("INVALID_ACCOUNT_CATEGORY");
        }
    }
    let bank_name = text(&fields, "bank_name").unwrap_or("").to_string();
    if bank_name.is_empty() {
        return fail("BANK_NAME_UNDETECTED");
    }
    if look.encrypted && text(&fields, "pdf_password") != Some(server.config.pdf_password.as_str())
    {
        return fail("PASSWORD_INCORRECT");
    }
    if look.scanned {
        return fail("PDF_IS_IMAGE");
    }
    if let Some(marked) = bank_marker(&bytes) {
        if !marked.eq_ignore_ascii_case(&bank_name) {
            return error_nth("BANK_NAME_MISMATCH", 0, &session_id, &bank_name);
        }
    }
    let hash = file_hash(&bytes);
    {
        let mut sessions = server
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let seen = sessions.entry(session_id.clone()).or_default();
        if !seen.insert(hash) {
            return fail("STATEMENT_DUPLICATE");
        }
    }
    let fraud = knobs
        .fraud_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let statement = statement_for(&bytes, "INR");
    let statement_id = server.uuid(hash);
    let account_id = server.uuid(hash ^ 1);
    let number = statement.account_number.clone();
    let masked = format!(
        "{}{}",
        "X".repeat(number.len().saturating_sub(4)),
        number.get(number.len().saturating_sub(4)..).unwrap_or("")
    );
    let money = |d: rust_decimal::Decimal| {
        // A JSON number written from the exact decimal (never through a float).
        serde_json::from_str::<Value>(&format!("{d:.2}")).unwrap_or(Value::Null)
    };
    let range = json!({ "from_date": "2024-01-01", "to_date": "2024-01-31" });
    let mut body = json!({
        "bank_name": bank_name,
        "statement_id": statement_id,
        "page_count": look.pages,
        "date_range": range,
        "opening_date": "2024-01-01",
        "opening_bal": money(statement.opening_balance),
        "closing_bal": money(statement.closing_balance()),
        "is_fraud": fraud,
        "fraud_type": if fraud { Value::String("metadata".into()) } else { Value::Null },
        "metadata_analysis": { "name_matches": [] },
        "country_code": "IN",
        "currency_code": "INR",
        "extracted_date_range": range,
        "account_id": account_id,
        "masked_account_number": masked,
        "months": ["2024-01"],
        "missing_months": [],
        "status": 1,
        "session_id": session_id,
    });
    if query.get("identity").map(String::as_str) == Some("true") {
        body["identity"] = json!({
            "account_number": number,
            "name": "SANDBOX ACCOUNT HOLDER",
            "address": "1 Sandbox Road, Loopback",
            "ifsc": "SBXN0000001",
            "micr": "110240001",
            "account_category": "individual",
            "credit_limit": 0,
            "od_limit": 0,
            "account_id": account_id,
            "bank_name": bank_name,
        });
    }
    json_ok(body)
}

fn bank_marker(bytes: &[u8]) -> Option<String> {
    let marker = BANK_MARKER.as_bytes();
    let at = bytes.windows(marker.len()).position(|w| w == marker)?;
    let rest = bytes.get(at + marker.len()..)?;
    let name: String = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .map(|b| char::from(*b))
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn the_bank_marker_names_the_statements_bank() {
        assert_eq!(
            bank_marker(b"%PDF-1.4\n%FolioSandboxBank:icici\n/Font").as_deref(),
            Some("icici")
        );
        assert_eq!(bank_marker(b"%PDF-1.4 /Font"), None);
    }

    #[test]
    fn every_documented_code_has_a_status() {
        for (code, _, status) in DOCUMENTED {
            assert!((400..500).contains(status), "{code}");
        }
        assert_eq!(DOCUMENTED.len(), 15);
    }
}
