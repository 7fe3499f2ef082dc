//! The routes of Balanzio's statement conversion API (`/api/v1/...`), its JSON shapes, error body
//! (`error`, `message`, `recovery`) and status codes, behind the bearer key and the rate limits.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use folio_app::Sensitive;
use folio_statements::{IntakeLimits, StatementError};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::files::{probe, Failure, Files, Phase, Snapshot};
use super::limit::{Decision, Limiter};

/// Where the contract's paths start.
pub const BASE_PATH: &str = "/api/v1";
/// The contract's per-file limit, "max 3MB elk" (read as 3 MiB).
pub const MAX_FILE_BYTES: u64 = 3 * 1024 * 1024;
/// A whole upload request (several files and the multipart framing).
const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

pub struct Api {
    pub key: Sensitive<String>,
    pub files: Arc<Files>,
    pub authenticated: Limiter,
    pub anonymous: Limiter,
}

type Shared = Arc<Api>;

/// An error answer: the contract's body and status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    recovery: String,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        recovery: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            recovery: recovery.into(),
        }
    }

    fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "FILE_NOT_FOUND",
            format!("no file with UUID {what}"),
            "Upload the file again: files are forgotten 24 hours after upload and when folio serve stops.",
        )
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            message,
            "Check the request body against the API documentation.",
        )
    }

    fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            message,
            "Please try again; if it persists, restart folio serve.",
        )
    }

    fn failure(f: &Failure) -> ApiError {
        ApiError {
            status: status_of(f.code),
            code: f.code,
            message: f.message.clone(),
            recovery: f.recovery.clone(),
        }
    }

    fn statement(e: &StatementError) -> ApiError {
        ApiError::failure(&Failure::from(e))
    }
}

/// The contract's status for each code; Folio's own reading codes (not a statement, damaged PDF)
/// are 422 like the contract's other unreadable-file cases, engine trouble is 500.
fn status_of(code: &str) -> StatusCode {
    match code {
        "INVALID_FILE_TYPE" | "INVALID_FORMAT" | "TRUNCATED_FILE" | "CORRUPT_FILE" => {
            StatusCode::BAD_REQUEST
        }
        "FILE_TOO_LARGE" => StatusCode::PAYLOAD_TOO_LARGE,
        "PDF_ENGINE_MISSING" | "OCR_ENGINE_MISSING" | "FILE_UNREADABLE" | "INTERNAL_ERROR" => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": self.code, "message": self.message, "recovery": self.recovery})),
        )
            .into_response()
    }
}

pub fn router(api: Shared) -> Router {
    let routes = Router::new()
        .route(
            "/bank-statement",
            post(upload).layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES)),
        )
        .route("/bank-statement/status", post(status))
        .route("/bank-statement/convert", post(convert))
        .route("/bank-statement/set-password", post(set_password))
        // Folio's own addition (the contract only deletes after 24 h): forget a file now.
        .route("/bank-statement/{uuid}", delete(forget))
        .route("/user", get(user));
    Router::new()
        .nest(BASE_PATH, routes)
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no such endpoint",
                "The API's paths start with /api/v1 (see the BASE_URL folio serve printed).",
            )
        })
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&api), gate))
        .with_state(api)
}

/// The same key, compared in time that does not depend on where it differs.
fn same_key(given: &[u8], key: &[u8]) -> bool {
    given.len() == key.len()
        && given
            .iter()
            .zip(key)
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Every request: the bearer key picks the bucket, the bucket may refuse (429), a missing or
/// wrong key is 401, and every answer carries the bucket's `X-RateLimit-*` headers.
async fn gate(State(api): State<Shared>, req: Request, next: Next) -> Response {
    let authorised = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110 11.1); the key is not.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .is_some_and(|(_, token)| same_key(token.trim().as_bytes(), api.key.expose().as_bytes()));
    let decision = if authorised {
        api.authenticated.take()
    } else {
        api.anonymous.take()
    };
    let mut response = if !decision.allowed {
        let mut r = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            format!("more than {} requests in a minute", decision.limit),
            format!(
                "Wait {} seconds (X-RateLimit-Reset) and try again.",
                decision.retry_after
            ),
        )
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&decision.retry_after.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    } else if !authorised {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "missing or invalid API key",
            "Send the API_KEY that folio serve printed as 'Authorization: Bearer API_KEY'.",
        )
        .into_response()
    } else {
        next.run(req).await
    };
    rate_headers(response.headers_mut(), decision);
    response
}

fn rate_headers(headers: &mut HeaderMap, d: Decision) {
    for (name, value) in [
        ("x-ratelimit-limit", d.limit.to_string()),
        ("x-ratelimit-remaining", d.remaining.to_string()),
        ("x-ratelimit-reset", d.reset_epoch.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}

fn item(s: &Snapshot) -> Value {
    let mut v = json!({
        "uuid": s.uuid.to_string(),
        "filename": s.filename,
        "pdfType": s.pdf_type,
        "state": s.phase.state(),
        "numberOfPages": s.pages,
    });
    if let Phase::Locked(_) = s.phase {
        v["passwordSet"] = json!(false);
    }
    v
}

/// A file name safe to echo in a header.
fn header_name(filename: &str, ext: &str) -> String {
    let stem = filename
        .rsplit_once('.')
        .map_or(filename, |(stem, _)| stem)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_ .".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect::<String>();
    let stem = if stem.trim().is_empty() {
        "statement".to_string()
    } else {
        stem
    };
    format!("{stem}.{ext}")
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("request body: {e}")))
}

fn uuid_of(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim()).map_err(|_| ApiError::not_found(text))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("reading the file stopped: {e}")))
}

/// `POST /bank-statement`: multipart field `files`, one or more PDFs. All are checked before any
/// is kept: one refused file refuses the request.
async fn upload(State(api): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::bad_request(format!(
            "{e}: send the PDFs as multipart/form-data in the field 'files'"
        ))
    })?;
    let too_large = |name: &str, size: Option<usize>| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "FILE_TOO_LARGE",
            match size {
                Some(size) => {
                    format!("{name} is {size} bytes, over the {MAX_FILE_BYTES}-byte (3 MB) limit")
                }
                None => format!("the upload is over the {MAX_REQUEST_BYTES}-byte request limit"),
            },
            "Split the PDF into smaller statements (3 MB each at most).",
        )
    };
    let mut received: Vec<(String, Vec<u8>)> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large("", None))
            }
            Err(e) => return Err(ApiError::bad_request(e.body_text())),
        };
        if !matches!(field.name(), Some("files" | "files[]")) {
            continue;
        }
        let name = field
            .file_name()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or("statement.pdf")
            .to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large(&name, None))
            }
            Err(e) => return Err(ApiError::bad_request(e.body_text())),
        };
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(&name, Some(bytes.len())));
        }
        received.push((name, bytes.to_vec()));
    }
    if received.is_empty() {
        return Err(ApiError::bad_request(
            "no file: send the PDFs in the multipart field 'files'",
        ));
    }
    let limits = IntakeLimits {
        max_bytes: MAX_FILE_BYTES,
        ..api.files.limits()
    };
    let engine = api.files.engine();
    let checked = blocking(move || {
        received
            .into_iter()
            .map(|(name, bytes)| {
                folio_statements::check_pdf(&bytes, limits)
                    .and_then(|()| probe(engine, &bytes, None, limits))
                    .map(|p| (name.clone(), Arc::new(bytes), p))
                    .map_err(|e| (name, e))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await?
    .map_err(|(name, e)| {
        let mut err = ApiError::statement(&e);
        err.message = format!("{name}: {}", err.message);
        if let StatementError::InvalidFileType = e {
            err.message = format!("{name}: only PDF files are accepted");
            err.recovery = "Please upload a PDF file.".into();
        }
        err
    })?;
    let items: Vec<Value> = checked
        .into_iter()
        .map(|(name, bytes, p)| item(&api.files.add(name, bytes, p).1))
        .collect();
    Ok((StatusCode::CREATED, Json(Value::Array(items))).into_response())
}

#[derive(Deserialize)]
struct StatusBody {
    uuids: Vec<String>,
}

/// `POST /bank-statement/status`: `{"uuids": [...]}`, answered in the same order.
async fn status(State(api): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let body: StatusBody = parse_body(&body)?;
    let mut items = Vec::new();
    for text in &body.uuids {
        let s = api
            .files
            .get(uuid_of(text)?)
            .ok_or_else(|| ApiError::not_found(text))?;
        let mut v = item(&s);
        v["progress"] = json!(s.phase.progress());
        if let Phase::Failed(f) = &s.phase {
            v["error"] = json!(f.code);
            v["message"] = json!(f.message);
            v["recovery"] = json!(f.recovery);
        }
        items.push(v);
    }
    Ok(Json(Value::Array(items)).into_response())
}

#[derive(Deserialize)]
struct UuidBody {
    uuid: String,
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// `DELETE /bank-statement/{uuid}` (Folio's addition; Balanzio deletes only after 24 h): the
/// file and its reading are forgotten now. 204, or FILE_NOT_FOUND.
async fn forget(
    State(api): State<Shared>,
    axum::extract::Path(text): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    if api.files.forget(uuid_of(&text)?) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(&text))
    }
}

/// `POST /bank-statement/convert?format=CSV|XLSX|JSON`: `{"uuid": ...}`.
async fn convert(
    State(api): State<Shared>,
    Query(query): Query<FormatQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let format = match query
        .format
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("CSV") => folio_statements::ExportFormat::Csv,
        Some("XLSX") => folio_statements::ExportFormat::Xlsx,
        Some("JSON") => folio_statements::ExportFormat::Json,
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_FORMAT",
                match other {
                    Some(f) => format!("unknown format {f:?}"),
                    None => "the format parameter is missing".to_string(),
                },
                "Use format=CSV, format=XLSX or format=JSON.",
            ))
        }
    };
    let body: UuidBody = parse_body(&body)?;
    let s = api
        .files
        .get(uuid_of(&body.uuid)?)
        .ok_or_else(|| ApiError::not_found(&body.uuid))?;
    let statement = match &s.phase {
        Phase::Ready(st) | Phase::Completed(st) => Arc::clone(st),
        Phase::Locked(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "PASSWORD_REQUIRED",
                format!("{} is password-protected", s.filename),
                "Send its password to /bank-statement/set-password, then convert again.",
            ))
        }
        Phase::Processing { percent } => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "FILE_PROCESSING",
                format!("{} is still being read ({percent}%)", s.filename),
                "Poll /bank-statement/status until the state is COMPLETED, then convert.",
            ))
        }
        Phase::Failed(f) => return Err(ApiError::failure(f)),
    };
    let (bytes, content_type, ext) = match format {
        folio_statements::ExportFormat::Json => (
            folio_statements::to_json(&statement).into_bytes(),
            "application/json",
            "json",
        ),
        folio_statements::ExportFormat::Csv => (
            folio_statements::to_csv(&statement).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
        folio_statements::ExportFormat::Xlsx => (
            blocking(move || folio_statements::to_xlsx(&statement))
                .await?
                .map_err(|e| ApiError::internal(format!("writing the workbook: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let disposition = format!("attachment; filename=\"{}\"", header_name(&s.filename, ext));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(Body::from(bytes))
        .map_err(|e| ApiError::internal(e.to_string()))
}

#[derive(Deserialize)]
struct PasswordBody {
    uuid: String,
    password: String,
}

/// `POST /bank-statement/set-password`: `{"uuid", "password"}`. A wrong password is 422
/// INVALID_PASSWORD and the file keeps waiting; the right one starts the reading.
async fn set_password(State(api): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let body: PasswordBody = parse_body(&body)?;
    let password = Sensitive::new(body.password);
    let uuid = uuid_of(&body.uuid)?;
    let s = api
        .files
        .get(uuid)
        .ok_or_else(|| ApiError::not_found(&body.uuid))?;
    let Phase::Locked(bytes) = s.phase else {
        return Ok(Json(json!({
            "uuid": s.uuid.to_string(),
            "state": s.phase.state(),
            "passwordSet": s.password_set,
        }))
        .into_response());
    };
    let (engine, limits) = (api.files.engine(), api.files.limits());
    let (opened, password) = {
        let bytes = Arc::clone(&bytes);
        blocking(move || {
            let opened = probe(engine, &bytes, Some(password.expose()), limits);
            (opened, password)
        })
        .await?
    };
    let opened = opened.map_err(|e| ApiError::statement(&e))?;
    api.files.opened(uuid, bytes, opened, Some(password));
    let s = api
        .files
        .get(uuid)
        .ok_or_else(|| ApiError::not_found(&body.uuid))?;
    Ok(Json(json!({
        "uuid": s.uuid.to_string(),
        "state": s.phase.state(),
        "passwordSet": true,
    }))
    .into_response())
}

/// `GET /user`: Folio has no accounts, credits or plans; the shape is the contract's, the values
/// say "local, unlimited".
async fn user() -> Response {
    Json(json!({
        "user": {
            "userId": 1,
            "firstName": "Folio",
            "lastName": "Local",
            "email": "local@folio.invalid",
            "emailVerified": false,
            "referralCode": "",
        },
        "credits": {"paidCredits": 0, "freeCredits": 0},
        "unlimitedCredits": true,
        "subscriptionCount": 0,
        "plan": "local",
        "saveConvertedFiles": false,
        "hasPaymentMethod": false,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_whole() {
        assert!(same_key(b"abc", b"abc"));
        assert!(!same_key(b"abd", b"abc"));
        assert!(!same_key(b"ab", b"abc"));
        assert!(!same_key(b"", b"abc"));
    }

    #[test]
    fn download_names_are_header_safe() {
        assert_eq!(header_name("jan 2024.pdf", "csv"), "jan 2024.csv");
        assert_eq!(header_name("a\"b\r\n.pdf", "xlsx"), "a_b__.xlsx");
        assert_eq!(header_name("", "json"), "statement.json");
    }
}
