//! Balanzio's statement conversion API (the seed: `balanzio-statement-conversion-api.nl.txt`):
//! upload (multipart `files`), status polling for OCR, the PDF password, conversion to CSV,
//! XLSX or JSON, and the user's credits. Its JSON stays in this module; what leaves it is
//! Folio's types (exact [`Decimal`] amounts, [`NaiveDate`] dates, ISO 4217 [`Currency`]).
//!
//! Where the seed says nothing, the client chooses (and the sandbox serves the same way):
//! - Credits are spent when a file is processed (at upload). So the upload is sent once
//!   ([`Retry::Once`]); status, set-password, convert and user are retried after a 5xx or a
//!   timeout: they repeat harmlessly on the same uuid.
//! - A protected PDF is found out at convert (422 `PASSWORD_REQUIRED`): the password is then set
//!   on the uploaded file and the conversion resumed, never uploaded again.
//! - `X-RateLimit-Reset` is read as Unix seconds, or seconds from now when small.
//! - "3MB" is read as 3,000,000 bytes, the stricter reading; checked before anything is sent.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use folio_banks::budgea::quote_numbers;
use folio_banks::http::RetryPolicy;
use folio_ledger::{Currency, Money, NewTransaction};
use folio_secrets::Sensitive;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::error::{BalanzioCode, BalanzioError, ConverterError, Service};
use crate::transport::{RateLimitStatus, Retry, Transport};
use crate::{read_checked, ConvertProgress, ConvertedStatement, ServiceDetails};

/// The production API.
pub const BASE_URL: &str = "https://api.balanzio.app/api/v1";
/// The most one file may weigh ("max 3MB elk").
pub const MAX_FILE_BYTES: u64 = 3_000_000;
/// How long OCR may take per page ("OCR in <30s per pagina"), plus a margin per file.
pub const OCR_SECS_PER_PAGE: u64 = 30;
const OCR_MARGIN_SECS: u64 = 60;

/// A client's settings; [`BalanzioOptions::default`] is the production service.
#[derive(Clone, Debug)]
pub struct BalanzioOptions {
    /// `https://api.balanzio.app/api/v1`, or a sandbox's `http://127.0.0.1:PORT/api/v1`.
    pub base_url: String,
    pub retry: RetryPolicy,
    /// Wait out a rate limit (up to `retry.max_rate_limit_wait`), or report
    /// `CONVERTER_RATE_LIMITED` at once.
    pub wait_on_rate_limit: bool,
    /// Between two status polls (the seed's examples: 3 s).
    pub poll_interval: Duration,
    /// The longest wait for OCR; `None`: 30 s a page plus a minute.
    pub max_processing_wait: Option<Duration>,
}

impl Default for BalanzioOptions {
    fn default() -> Self {
        BalanzioOptions {
            base_url: BASE_URL.to_string(),
            retry: RetryPolicy::default(),
            wait_on_rate_limit: true,
            poll_interval: Duration::from_secs(3),
            max_processing_wait: None,
        }
    }
}

/// `pdfType`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PdfType {
    TextBased,
    ImageBased,
    Other(String),
}

impl PdfType {
    fn parse(text: &str) -> PdfType {
        match text {
            "TEXT_BASED" => PdfType::TextBased,
            "IMAGE_BASED" => PdfType::ImageBased,
            other => PdfType::Other(other.to_string()),
        }
    }
}

/// `state`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    /// Ready to convert (a text PDF at once).
    Ready,
    /// OCR running.
    Processing,
    Completed,
    Error,
    Other(String),
}

impl FileState {
    fn parse(text: &str) -> FileState {
        match text {
            "READY" => FileState::Ready,
            "PROCESSING" => FileState::Processing,
            "COMPLETED" => FileState::Completed,
            "ERROR" => FileState::Error,
            other => FileState::Other(other.to_string()),
        }
    }
}

/// A file as the upload and status calls describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStatus {
    pub uuid: String,
    pub filename: String,
    pub pdf_type: PdfType,
    pub state: FileState,
    pub pages: Option<u32>,
    /// 0..=100 (status calls only).
    pub progress: Option<u8>,
    /// Why processing failed (state `ERROR`).
    pub error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFile {
    uuid: String,
    #[serde(default)]
    filename: String,
    #[serde(default)]
    pdf_type: String,
    state: String,
    #[serde(default)]
    number_of_pages: Option<u32>,
    #[serde(default)]
    progress: Option<u32>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

impl RawFile {
    fn typed(self) -> FileStatus {
        FileStatus {
            uuid: self.uuid,
            filename: self.filename,
            pdf_type: PdfType::parse(&self.pdf_type),
            state: FileState::parse(&self.state),
            pages: self.number_of_pages,
            progress: self
                .progress
                .map(|p| u8::try_from(p.min(100)).unwrap_or(100)),
            error: self.error.map(|e| match e {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
        }
    }
}

/// The answer of set-password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordSet {
    pub uuid: String,
    pub state: FileState,
    pub password_set: bool,
}

/// The output formats of `/bank-statement/convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Json => "JSON",
        }
    }
}

/// One row of Balanzio's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanzioTransaction {
    pub date: NaiveDate,
    pub description: String,
    pub amount: Money,
    pub balance: Option<Money>,
}

/// Balanzio's JSON conversion, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanzioStatement {
    pub transactions: Vec<BalanzioTransaction>,
    pub bank: Option<String>,
    /// As Balanzio masks it (`****1234`).
    pub account_number: Option<String>,
    /// `statementPeriod` as sent (`2024-01`).
    pub statement_period: Option<String>,
    pub warnings: Vec<String>,
}

/// The person's account at Balanzio (`GET /user`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanzioUser {
    pub user_id: Option<u64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub paid_credits: u64,
    pub free_credits: u64,
    pub unlimited_credits: bool,
    pub subscription_count: Option<u64>,
    pub plan: Option<String>,
    pub save_converted_files: Option<bool>,
    pub has_payment_method: Option<bool>,
}

/// A Balanzio client for one API key.
#[derive(Debug)]
pub struct Balanzio {
    transport: Transport,
    base: Url,
    key: Sensitive<String>,
    options: BalanzioOptions,
}

/// `base` + `/segment`
fn endpoint(base: &Url, path: &str) -> Result<Url, ConverterError> {
    let text = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&text).map_err(|e| ConverterError::Malformed {
        service: Service::Balanzio,
        detail: format!("{text:?} is not a usable address: {e}"),
    })
}

impl Balanzio {
    /// The production service.
    pub fn new(key: Sensitive<String>) -> Result<Balanzio, ConverterError> {
        Balanzio::with_options(key, BalanzioOptions::default())
    }

    pub fn with_options(
        key: Sensitive<String>,
        options: BalanzioOptions,
    ) -> Result<Balanzio, ConverterError> {
        let bad_key = || ConverterError::InvalidApiKey {
            service: Service::Balanzio,
        };
        if key.expose().trim().is_empty() {
            return Err(bad_key());
        }
        HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| bad_key())?;
        let base = Url::parse(&options.base_url).map_err(|e| ConverterError::Malformed {
            service: Service::Balanzio,
            detail: format!("{:?} is not a usable address: {e}", options.base_url),
        })?;
        let transport =
            Transport::new(Service::Balanzio, options.retry, options.wait_on_rate_limit)?;
        Ok(Balanzio {
            transport,
            base,
            key,
            options,
        })
    }

    /// What the latest answer said about the rate limit.
    pub fn rate_limit(&self) -> Option<RateLimitStatus> {
        self.transport.rate_limit()
    }

    fn auth(&self) -> HeaderValue {
        // Checked in `with_options`; a key that became unsendable sends an empty header (401).
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.key.expose()))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }

    /// The answer's body when it is a success; the documented error otherwise.
    async fn answer(
        &self,
        resp: reqwest::Response,
        uuid: Option<&str>,
    ) -> Result<Vec<u8>, ConverterError> {
        let (status, body) = self.transport.body(resp).await?;
        if status.is_success() {
            return Ok(body);
        }
        Err(error_from(status.as_u16(), &body, uuid))
    }

    fn json<T: for<'de> Deserialize<'de>>(&self, body: &[u8]) -> Result<T, ConverterError> {
        serde_json::from_slice(body).map_err(|e| self.transport.malformed(e.to_string()))
    }

    /// Uploads one PDF (`POST /bank-statement`). Over 3 MB it is refused before anything is
    /// sent. Sent once (credits are spent on arrival): see the module's words on retries.
    pub async fn upload(&self, filename: &str, bytes: &[u8]) -> Result<FileStatus, ConverterError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > MAX_FILE_BYTES {
            return Err(ConverterError::FileTooLarge {
                service: Service::Balanzio,
                size,
                limit: MAX_FILE_BYTES,
            });
        }
        let url = endpoint(&self.base, "/bank-statement")?;
        let auth = self.auth();
        let resp = self
            .transport
            .send(Retry::Once, |client| {
                let part = Part::bytes(bytes.to_vec())
                    .file_name(filename.to_string())
                    .mime_str("application/pdf")
                    .unwrap_or_else(|_| Part::bytes(bytes.to_vec()));
                client
                    .post(url.clone())
                    .header(AUTHORIZATION, auth.clone())
                    .multipart(Form::new().part("files", part))
            })
            .await?;
        let body = self.answer(resp, None).await?;
        let files: Vec<RawFile> = self.json(&body)?;
        files.into_iter().next().map(RawFile::typed).ok_or_else(|| {
            self.transport
                .malformed("the upload answered an empty list")
        })
    }

    /// The files' states (`POST /bank-statement/status`).
    pub async fn status(&self, uuids: &[&str]) -> Result<Vec<FileStatus>, ConverterError> {
        let url = endpoint(&self.base, "/bank-statement/status")?;
        let body = json!({ "uuids": uuids }).to_string();
        let resp = self
            .transport
            .send(Retry::Safe, |client| {
                client
                    .post(url.clone())
                    .header(AUTHORIZATION, self.auth())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        let body = self.answer(resp, uuids.first().copied()).await?;
        let files: Vec<RawFile> = self.json(&body)?;
        Ok(files.into_iter().map(RawFile::typed).collect())
    }

    /// Polls the file's status until it is ready, reporting each progress; `ERROR` is
    /// [`ConverterError::ProcessingFailed`], a wait longer than the options allow
    /// [`ConverterError::ProcessingTimedOut`].
    pub async fn wait_until_processed(
        &self,
        uuid: &str,
        pages: Option<u32>,
        progress: &mut (dyn FnMut(ConvertProgress) + Send),
    ) -> Result<FileStatus, ConverterError> {
        let limit = self.options.max_processing_wait.unwrap_or_else(|| {
            Duration::from_secs(
                OCR_SECS_PER_PAGE * u64::from(pages.unwrap_or(1).max(1)) + OCR_MARGIN_SECS,
            )
        });
        let started = Instant::now();
        let mut last = None;
        loop {
            let file = self
                .status(&[uuid])
                .await?
                .into_iter()
                .find(|f| f.uuid == uuid)
                .ok_or_else(|| {
                    self.transport
                        .malformed("the status answer does not name the file asked for")
                })?;
            match file.state {
                FileState::Ready | FileState::Completed => {
                    progress(ConvertProgress::Processing { percent: 100 });
                    return Ok(file);
                }
                FileState::Error => {
                    return Err(ConverterError::ProcessingFailed {
                        service: Service::Balanzio,
                        detail: file
                            .error
                            .clone()
                            .unwrap_or_else(|| "no reason given".to_string()),
                    })
                }
                FileState::Processing | FileState::Other(_) => {
                    let percent = file.progress.unwrap_or(0);
                    if last != Some(percent) {
                        progress(ConvertProgress::Processing { percent });
                        last = Some(percent);
                    }
                }
            }
            if started.elapsed() >= limit {
                return Err(ConverterError::ProcessingTimedOut {
                    service: Service::Balanzio,
                    uuid: uuid.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// Sends the PDF's password (`POST /bank-statement/set-password`).
    pub async fn set_password(
        &self,
        uuid: &str,
        password: &Sensitive<String>,
    ) -> Result<PasswordSet, ConverterError> {
        let url = endpoint(&self.base, "/bank-statement/set-password")?;
        let body =
            Sensitive::new(json!({ "uuid": uuid, "password": password.expose() }).to_string());
        let resp = self
            .transport
            .send(Retry::Safe, |client| {
                client
                    .post(url.clone())
                    .header(AUTHORIZATION, self.auth())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.expose().clone())
            })
            .await?;
        let body = self.answer(resp, Some(uuid)).await?;
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            uuid: String,
            state: String,
            #[serde(default)]
            password_set: bool,
        }
        let raw: Raw = self.json(&body)?;
        Ok(PasswordSet {
            uuid: raw.uuid,
            state: FileState::parse(&raw.state),
            password_set: raw.password_set,
        })
    }

    /// The converted file's bytes (`POST /bank-statement/convert?format=`).
    pub async fn convert(&self, uuid: &str, format: Format) -> Result<Vec<u8>, ConverterError> {
        let mut url = endpoint(&self.base, "/bank-statement/convert")?;
        url.query_pairs_mut().append_pair("format", format.as_str());
        let body = json!({ "uuid": uuid }).to_string();
        let resp = self
            .transport
            .send(Retry::Safe, |client| {
                client
                    .post(url.clone())
                    .header(AUTHORIZATION, self.auth())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        self.answer(resp, Some(uuid)).await
    }

    /// The JSON conversion, typed: amounts exact (never through a float), dates, currencies.
    pub async fn convert_json(&self, uuid: &str) -> Result<BalanzioStatement, ConverterError> {
        let body = self.convert(uuid, Format::Json).await?;
        parse_statement(&body).map_err(|detail| self.transport.malformed(detail))
    }

    /// The user, credits and plan (`GET /user`).
    pub async fn user(&self) -> Result<BalanzioUser, ConverterError> {
        let url = endpoint(&self.base, "/user")?;
        let resp = self
            .transport
            .send(Retry::Safe, |client| {
                client.get(url.clone()).header(AUTHORIZATION, self.auth())
            })
            .await?;
        let body = self.answer(resp, None).await?;
        parse_user(&body).map_err(|detail| self.transport.malformed(detail))
    }

    /// The whole flow for one file: size check, upload, OCR progress, password when asked,
    /// JSON conversion, Folio's statement.
    pub async fn convert_file(
        &self,
        path: &Path,
        password: Option<&Sensitive<String>>,
        progress: &mut (dyn FnMut(ConvertProgress) + Send),
    ) -> Result<ConvertedStatement, ConverterError> {
        let bytes = read_checked(path, Service::Balanzio, MAX_FILE_BYTES).await?;
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "statement.pdf".to_string());
        progress(ConvertProgress::Uploading {
            bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        });
        let file = self.upload(&filename, &bytes).await?;
        progress(ConvertProgress::Uploaded {
            pages: file.pages,
            scanned: file.pdf_type == PdfType::ImageBased,
        });
        self.finish(file, password, progress).await
    }

    /// Resumes a file already uploaded (after `PASSWORD_REQUIRED` or `INVALID_PASSWORD`, or a
    /// processing wait that timed out): nothing is uploaded again.
    pub async fn resume(
        &self,
        uuid: &str,
        password: Option<&Sensitive<String>>,
        progress: &mut (dyn FnMut(ConvertProgress) + Send),
    ) -> Result<ConvertedStatement, ConverterError> {
        let file = self
            .status(&[uuid])
            .await?
            .into_iter()
            .find(|f| f.uuid == uuid)
            .ok_or_else(|| {
                self.transport
                    .malformed("the status answer does not name the file asked for")
            })?;
        self.finish(file, password, progress).await
    }

    async fn finish(
        &self,
        mut file: FileStatus,
        password: Option<&Sensitive<String>>,
        progress: &mut (dyn FnMut(ConvertProgress) + Send),
    ) -> Result<ConvertedStatement, ConverterError> {
        let mut password_sent = false;
        loop {
            if matches!(file.state, FileState::Processing | FileState::Other(_)) {
                file = self
                    .wait_until_processed(&file.uuid, file.pages, progress)
                    .await?;
            }
            if file.state == FileState::Error {
                return Err(ConverterError::ProcessingFailed {
                    service: Service::Balanzio,
                    detail: file.error.unwrap_or_else(|| "no reason given".to_string()),
                });
            }
            progress(ConvertProgress::Converting);
            match self.convert_json(&file.uuid).await {
                Ok(statement) => {
                    let converted = statement.into_converted(&file)?;
                    progress(ConvertProgress::Done);
                    return Ok(converted);
                }
                Err(ConverterError::Balanzio(e))
                    if e.code == BalanzioCode::PasswordRequired && !password_sent =>
                {
                    let Some(password) = password else {
                        return Err(ConverterError::Balanzio(e));
                    };
                    progress(ConvertProgress::Unlocking);
                    let set = self.set_password(&file.uuid, password).await?;
                    password_sent = true;
                    file.state = set.state;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Balanzio's error answer as a typed error (`{error, message, recovery}`; by status when the
/// body is not that).
pub fn error_from(status: u16, body: &[u8], uuid: Option<&str>) -> ConverterError {
    #[derive(Deserialize)]
    struct Raw {
        error: String,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        recovery: Option<String>,
    }
    let raw = serde_json::from_slice::<Raw>(body).ok();
    let code = match &raw {
        Some(r) => BalanzioCode::parse(&r.error),
        None => match BalanzioCode::for_status(status) {
            Some(code) => code,
            None => {
                return ConverterError::Malformed {
                    service: Service::Balanzio,
                    detail: format!("HTTP {status} without the documented error body"),
                }
            }
        },
    };
    if code == BalanzioCode::RateLimitExceeded {
        // Reaches here only when the transport gave up waiting.
        return ConverterError::RateLimited {
            service: Service::Balanzio,
            retry_after_secs: 60,
        };
    }
    let keeps_uuid = matches!(
        code,
        BalanzioCode::PasswordRequired | BalanzioCode::InvalidPassword
    );
    ConverterError::Balanzio(BalanzioError {
        code,
        status,
        server_message: raw.as_ref().and_then(|r| r.message.clone()),
        server_recovery: raw.and_then(|r| r.recovery),
        uuid: if keeps_uuid {
            uuid.map(str::to_string)
        } else {
            None
        },
    })
}

fn parse_decimal(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| format!("{text:?} is not an amount"))
}

/// Reads Balanzio's JSON conversion. Numbers are read from their digits (never through `f64`);
/// an amount with more decimals than its currency has is refused, not rounded.
pub fn parse_statement(body: &[u8]) -> Result<BalanzioStatement, String> {
    #[derive(Deserialize)]
    struct RawTx {
        date: String,
        #[serde(default)]
        description: Option<String>,
        amount: String,
        #[serde(default)]
        balance: Option<String>,
        currency: String,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct RawMeta {
        #[serde(default)]
        bank: Option<String>,
        #[serde(default)]
        account_number: Option<String>,
        #[serde(default)]
        statement_period: Option<String>,
    }
    #[derive(Deserialize)]
    struct Raw {
        transactions: Vec<RawTx>,
        #[serde(default)]
        metadata: Option<RawMeta>,
        #[serde(default)]
        warnings: Vec<serde_json::Value>,
    }
    let raw: Raw = serde_json::from_slice(&quote_numbers(body)).map_err(|e| e.to_string())?;
    let mut transactions = Vec::with_capacity(raw.transactions.len());
    for (i, t) in raw.transactions.into_iter().enumerate() {
        let row = i + 1;
        let currency =
            Currency::from_code(t.currency.trim()).map_err(|e| format!("row {row}: {e}"))?;
        let money = |text: &str| -> Result<Money, String> {
            let amount = parse_decimal(text)?.normalize();
            if amount.scale() > currency.minor_units() {
                return Err(format!(
                    "row {row}: {text} has more decimals than {} allows",
                    currency.code()
                ));
            }
            Ok(Money::new(amount, currency))
        };
        transactions.push(BalanzioTransaction {
            date: NaiveDate::parse_from_str(t.date.trim(), "%Y-%m-%d")
                .map_err(|_| format!("row {row}: {:?} is not a YYYY-MM-DD date", t.date))?,
            description: t.description.unwrap_or_default(),
            amount: money(&t.amount)?,
            balance: t.balance.as_deref().map(money).transpose()?,
        });
    }
    let meta = raw.metadata.unwrap_or_default();
    Ok(BalanzioStatement {
        transactions,
        bank: meta.bank,
        account_number: meta.account_number,
        statement_period: meta.statement_period,
        warnings: raw
            .warnings
            .into_iter()
            .map(|w| match w {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
    })
}

fn parse_user(body: &[u8]) -> Result<BalanzioUser, String> {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct RawUser {
        user_id: Option<u64>,
        first_name: Option<String>,
        last_name: Option<String>,
        email: Option<String>,
        email_verified: Option<bool>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct RawCredits {
        #[serde(default)]
        paid_credits: u64,
        #[serde(default)]
        free_credits: u64,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raw {
        #[serde(default)]
        user: Option<RawUser>,
        #[serde(default)]
        credits: Option<RawCredits>,
        #[serde(default)]
        unlimited_credits: bool,
        subscription_count: Option<u64>,
        plan: Option<String>,
        save_converted_files: Option<bool>,
        has_payment_method: Option<bool>,
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let user = raw.user.unwrap_or_default();
    let credits = raw.credits.unwrap_or_default();
    Ok(BalanzioUser {
        user_id: user.user_id,
        first_name: user.first_name,
        last_name: user.last_name,
        email: user.email,
        email_verified: user.email_verified,
        paid_credits: credits.paid_credits,
        free_credits: credits.free_credits,
        unlimited_credits: raw.unlimited_credits,
        subscription_count: raw.subscription_count,
        plan: raw.plan,
        save_converted_files: raw.save_converted_files,
        has_payment_method: raw.has_payment_method,
    })
}

/// `YYYY-MM` → its first and last day.
fn month_bounds(period: &str) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::parse_from_str(&format!("{}-01", period.trim()), "%Y-%m-%d").ok()?;
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)?
    };
    Some((start, next.pred_opt()?))
}

impl BalanzioStatement {
    /// Folio's statement: the opening balance is the first row's balance before its amount,
    /// the closing balance the last row's; the period is `statementPeriod`, else the rows' dates.
    pub fn into_converted(self, file: &FileStatus) -> Result<ConvertedStatement, ConverterError> {
        let malformed = |detail: String| ConverterError::Malformed {
            service: Service::Balanzio,
            detail,
        };
        let currency = self.transactions.first().map(|t| t.amount.currency());
        let mut warnings = self.warnings;
        let single_currency = self
            .transactions
            .iter()
            .all(|t| Some(t.amount.currency()) == currency);
        if !single_currency {
            warnings.push("the rows are in more than one currency".to_string());
        }
        let opening_balance = match self.transactions.first() {
            Some(BalanzioTransaction {
                balance: Some(balance),
                amount,
                ..
            }) if single_currency => Some(
                balance
                    .checked_sub(*amount)
                    .map_err(|e| malformed(e.to_string()))?,
            ),
            _ => None,
        };
        let closing_balance = if single_currency {
            self.transactions.last().and_then(|t| t.balance)
        } else {
            None
        };
        let (period_start, period_end) =
            match self.statement_period.as_deref().and_then(month_bounds) {
                Some((a, b)) => (Some(a), Some(b)),
                None => (
                    self.transactions.iter().map(|t| t.date).min(),
                    self.transactions.iter().map(|t| t.date).max(),
                ),
            };
        Ok(ConvertedStatement {
            service: Service::Balanzio,
            remote_id: file.uuid.clone(),
            bank: self.bank,
            account_number: self.account_number,
            holder: None,
            currency: if single_currency { currency } else { None },
            period_start,
            period_end,
            opening_balance,
            closing_balance,
            transactions: self
                .transactions
                .into_iter()
                .map(|t| NewTransaction {
                    date: t.date,
                    value_date: None,
                    description: t.description,
                    amount: t.amount,
                    balance: t.balance,
                })
                .collect(),
            warnings,
            details: ServiceDetails::Balanzio {
                pdf_type: file.pdf_type.clone(),
                pages: file.pages,
                statement_period: self.statement_period,
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn the_seeds_json_example_reads_exactly() {
        let body = br#"{"transactions": [
            {"date": "2024-01-15", "description": "VIREMENT SALAIRE", "amount": 3500.00, "balance": 4250.50, "currency": "EUR"},
            {"date": "2024-01-16", "description": "CARTE 12/01 SUPERMARCHE", "amount": -85.30, "balance": 4165.20, "currency": "EUR"}],
            "metadata": {"bank": "BNP Paribas", "accountNumber": "****1234", "statementPeriod": "2024-01"},
            "warnings": []}"#;
        let s = parse_statement(body).unwrap();
        assert_eq!(s.transactions.len(), 2);
        assert_eq!(s.transactions[1].amount.amount(), Decimal::new(-8530, 2));
        assert_eq!(s.account_number.as_deref(), Some("****1234"));
        let file = FileStatus {
            uuid: "u".into(),
            filename: "statement.pdf".into(),
            pdf_type: PdfType::TextBased,
            state: FileState::Ready,
            pages: Some(3),
            progress: None,
            error: None,
        };
        let c = s.into_converted(&file).unwrap();
        assert_eq!(
            c.opening_balance,
            Some(Money::new(Decimal::new(75050, 2), Currency::EUR))
        );
        assert_eq!(c.period_end, NaiveDate::from_ymd_opt(2024, 1, 31));
        // Opening 4250.50 - 3500.00; the second row's balance follows from the first.
        assert!(c
            .to_statement()
            .unwrap()
            .balance_breaks()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn too_many_decimals_or_an_unknown_currency_are_refused() {
        let row = |amount: &str, currency: &str| {
            format!(
                r#"{{"transactions": [{{"date": "2024-01-15", "description": "x", "amount": {amount}, "balance": null, "currency": "{currency}"}}]}}"#
            )
        };
        assert!(parse_statement(row("1.005", "EUR").as_bytes()).is_err());
        assert!(parse_statement(row("1.5", "XXX").as_bytes()).is_err());
        assert!(parse_statement(row("1.005", "KWD").as_bytes()).is_ok());
        assert!(parse_statement(b"{\"transactions\": [1, 2,").is_err());
    }

    #[test]
    fn every_documented_code_maps_to_its_typed_error() {
        for code in BalanzioCode::DOCUMENTED {
            let status = code.status().unwrap();
            let body = format!(
                r#"{{"error": "{}", "message": "m", "recovery": "r"}}"#,
                code.as_str()
            );
            let e = error_from(status, body.as_bytes(), Some("u-1"));
            match (&code, &e) {
                (BalanzioCode::RateLimitExceeded, ConverterError::RateLimited { .. }) => {}
                (_, ConverterError::Balanzio(b)) => {
                    assert_eq!(b.code, code);
                    assert_eq!(b.status, status);
                    assert_eq!(b.server_recovery.as_deref(), Some("r"));
                    assert!(!e.recovery().is_empty() && !e.message().is_empty());
                    assert!(e.code().starts_with("BALANZIO_"));
                }
                _ => panic!("{code:?} -> {e:?}"),
            }
        }
        // A body that is not the documented shape: by status, else malformed.
        assert!(matches!(
            error_from(401, b"nope", None),
            ConverterError::Balanzio(BalanzioError {
                code: BalanzioCode::Unauthorized,
                ..
            })
        ));
        assert!(matches!(
            error_from(418, b"nope", None),
            ConverterError::Malformed { .. }
        ));
        assert_eq!(
            error_from(400, br#"{"error": "NEW_CODE"}"#, None).code(),
            "BALANZIO_REFUSED"
        );
    }
}
