//! FinBox BankConnect's upload API (the seed: `finbox-bankconnect-upload-api.txt`): a session,
//! then `POST /bank-connect/v1/statement/upload_session/` with the file, `bank_name`,
//! `session_id`, `upload_type` and `pdf_password`, which answers with what FinBox read: the
//! account's identity, the date range, opening and closing balances, months present and missing,
//! fraud flags. The seed documents no transactions in that answer: a FinBox conversion has none.
//!
//! Not in the seed, chosen here (and served the same way by the sandbox):
//! - The Session API has no address or shape in the seed. [`SESSION_PATH`] (`POST
//!   /bank-connect/v1/session/`, JSON `{"link_id"}` → `{"session_id"}`) is Folio's guess, kept
//!   in one constant; [`FinBox::upload`] also takes a session id obtained elsewhere.
//! - The upload is answered when the statement is read, so there is nothing to poll: the
//!   progress reported is Folio's own (uploading, then waiting for the answer). The `progress`
//!   query parameter is not sent: the shape of what it adds is not documented.
//! - `identity=true` is always sent (the identity is what the review screen shows).
//! - A 401/403 without a documented code is `FINBOX_UNAUTHORIZED`.
//! - No size limit is documented: Folio's own statement limit (20 MB) is checked before sending.
//! - No rate limit is documented: a 429 is still honoured (`Retry-After`, `X-RateLimit-*`).
//! - Session creation and the upload are sent once ([`Retry::Once`]): after a timeout or a 5xx
//!   the statement may have arrived, and a second upload would be a `STATEMENT_DUPLICATE` or a
//!   second analysis.

use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use folio_banks::budgea::quote_numbers;
use folio_banks::http::RetryPolicy;
use folio_ledger::{Currency, Money};
use folio_secrets::Sensitive;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::error::{ConverterError, FinBoxCode, FinBoxError, Service};
use crate::transport::{RateLimitStatus, Retry, Transport};
use crate::{read_checked, ConvertProgress, ConvertedStatement, ServiceDetails};

/// The production API.
pub const BASE_URL: &str = "https://apis.bankconnect.finbox.in";
pub const UPLOAD_PATH: &str = "/bank-connect/v1/statement/upload_session/";
/// Not in the seed (see the module's header).
pub const SESSION_PATH: &str = "/bank-connect/v1/session/";
/// Folio's own limit (the seed documents none): the PDF intake's default.
pub const MAX_FILE_BYTES: u64 = 20_000_000;

/// A client's settings; [`FinBoxOptions::default`] is the production service.
#[derive(Clone, Debug)]
pub struct FinBoxOptions {
    pub base_url: String,
    pub retry: RetryPolicy,
    pub wait_on_rate_limit: bool,
}

impl Default for FinBoxOptions {
    fn default() -> Self {
        FinBoxOptions {
            base_url: BASE_URL.to_string(),
            retry: RetryPolicy::default(),
            wait_on_rate_limit: true,
        }
    }
}

/// `account_category`, as the error table names the accepted values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountCategory {
    Savings,
    Current,
    Overdraft,
}

impl AccountCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountCategory::Savings => "SAVINGS",
            AccountCategory::Current => "CURRENT",
            AccountCategory::Overdraft => "OVERDRAFT",
        }
    }
}

/// What an upload carries beside the file.
#[derive(Debug)]
pub struct UploadRequest<'a> {
    /// "a valid bank identifier" (e.g. `hdfc`).
    pub bank_name: &'a str,
    pub session_id: &'a str,
    pub pdf_password: Option<&'a Sensitive<String>>,
    pub account_category: Option<AccountCategory>,
}

/// `identity`
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Identity {
    pub account_number: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub ifsc: Option<String>,
    pub micr: Option<String>,
    pub account_category: Option<String>,
    pub credit_limit: Option<Decimal>,
    pub od_limit: Option<Decimal>,
    pub account_id: Option<String>,
    pub bank_name: Option<String>,
}

/// FinBox's upload answer, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinBoxStatement {
    pub bank_name: Option<String>,
    pub statement_id: String,
    pub session_id: Option<String>,
    pub page_count: Option<u32>,
    pub identity: Option<Identity>,
    pub date_range: Option<(NaiveDate, NaiveDate)>,
    pub extracted_date_range: Option<(NaiveDate, NaiveDate)>,
    pub opening_date: Option<NaiveDate>,
    pub opening_balance: Option<Money>,
    pub closing_balance: Option<Money>,
    pub currency: Option<Currency>,
    pub country_code: Option<String>,
    pub is_fraud: bool,
    pub fraud_type: Option<String>,
    pub account_id: Option<String>,
    pub masked_account_number: Option<String>,
    /// `YYYY-MM`
    pub months: Vec<String>,
    pub missing_months: Vec<String>,
    pub status: Option<i64>,
}

/// A FinBox client for one API key.
#[derive(Debug)]
pub struct FinBox {
    transport: Transport,
    base: Url,
    key: Sensitive<String>,
}

impl FinBox {
    /// The production service.
    pub fn new(key: Sensitive<String>) -> Result<FinBox, ConverterError> {
        FinBox::with_options(key, FinBoxOptions::default())
    }

    pub fn with_options(
        key: Sensitive<String>,
        options: FinBoxOptions,
    ) -> Result<FinBox, ConverterError> {
        let bad_key = || ConverterError::InvalidApiKey {
            service: Service::FinBox,
        };
        if key.expose().trim().is_empty() {
            return Err(bad_key());
        }
        HeaderValue::from_str(key.expose()).map_err(|_| bad_key())?;
        let base = Url::parse(&options.base_url).map_err(|e| ConverterError::Malformed {
            service: Service::FinBox,
            detail: format!("{:?} is not a usable address: {e}", options.base_url),
        })?;
        Ok(FinBox {
            transport: Transport::new(Service::FinBox, options.retry, options.wait_on_rate_limit)?,
            base,
            key,
        })
    }

    /// What the latest answer said about the rate limit.
    pub fn rate_limit(&self) -> Option<RateLimitStatus> {
        self.transport.rate_limit()
    }

    fn key_header(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(self.key.expose())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }

    fn endpoint(&self, path: &str) -> Result<Url, ConverterError> {
        let text = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        Url::parse(&text).map_err(|e| self.transport.malformed(format!("{text:?}: {e}")))
    }

    /// The body of a success; the documented error otherwise (also an error object inside a
    /// 200, which the seed's error example does not rule out).
    async fn answer(&self, resp: reqwest::Response) -> Result<Vec<u8>, ConverterError> {
        let (status, body) = self.transport.body(resp).await?;
        if let Some(error) = error_in(status.as_u16(), &body) {
            return Err(error);
        }
        if status.is_success() {
            Ok(body)
        } else {
            Err(ConverterError::Malformed {
                service: Service::FinBox,
                detail: format!("HTTP {status} without the documented error body"),
            })
        }
    }

    /// Creates an upload session (address and shape not in the seed: see the module's header).
    pub async fn create_session(&self, link_id: &str) -> Result<String, ConverterError> {
        let url = self.endpoint(SESSION_PATH)?;
        let body = json!({ "link_id": link_id }).to_string();
        let resp = self
            .transport
            .send(Retry::Once, |client| {
                client
                    .post(url.clone())
                    .header("x-api-key", self.key_header())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        let body = self.answer(resp).await?;
        #[derive(Deserialize)]
        struct Raw {
            session_id: String,
        }
        let raw: Raw =
            serde_json::from_slice(&body).map_err(|e| self.transport.malformed(e.to_string()))?;
        if raw.session_id.is_empty() {
            return Err(self.transport.malformed("the session id is empty"));
        }
        Ok(raw.session_id)
    }

    /// Uploads a statement PDF into a session (`upload_type=PDF`, `identity=true`). Over
    /// [`MAX_FILE_BYTES`] it is refused before anything is sent. Sent once.
    pub async fn upload(
        &self,
        filename: &str,
        bytes: &[u8],
        request: &UploadRequest<'_>,
    ) -> Result<FinBoxStatement, ConverterError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > MAX_FILE_BYTES {
            return Err(ConverterError::FileTooLarge {
                service: Service::FinBox,
                size,
                limit: MAX_FILE_BYTES,
            });
        }
        let mut url = self.endpoint(UPLOAD_PATH)?;
        url.query_pairs_mut().append_pair("identity", "true");
        let resp = self
            .transport
            .send(Retry::Once, |client| {
                let part = Part::bytes(bytes.to_vec())
                    .file_name(filename.to_string())
                    .mime_str("application/pdf")
                    .unwrap_or_else(|_| Part::bytes(bytes.to_vec()));
                let mut form = Form::new()
                    .part("file", part)
                    .text("bank_name", request.bank_name.to_string())
                    .text("session_id", request.session_id.to_string())
                    .text("upload_type", "PDF");
                if let Some(password) = request.pdf_password {
                    form = form.text("pdf_password", password.expose().clone());
                }
                if let Some(category) = request.account_category {
                    form = form.text("account_category", category.as_str());
                }
                client
                    .post(url.clone())
                    .header("x-api-key", self.key_header())
                    .multipart(form)
            })
            .await?;
        let body = self.answer(resp).await?;
        parse_statement(&body).map_err(|detail| self.transport.malformed(detail))
    }

    /// The whole flow for one file: size check, a new session, the upload, Folio's statement
    /// (identity, period, balances; FinBox's answer has no transactions).
    pub async fn convert_file(
        &self,
        path: &Path,
        bank_name: &str,
        password: Option<&Sensitive<String>>,
        progress: &mut (dyn FnMut(ConvertProgress) + Send),
    ) -> Result<ConvertedStatement, ConverterError> {
        let bytes = read_checked(path, Service::FinBox, MAX_FILE_BYTES).await?;
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "statement.pdf".to_string());
        let session_id = self.create_session("folio").await?;
        progress(ConvertProgress::Uploading {
            bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        });
        let statement = self
            .upload(
                &filename,
                &bytes,
                &UploadRequest {
                    bank_name,
                    session_id: &session_id,
                    pdf_password: password,
                    account_category: None,
                },
            )
            .await?;
        progress(ConvertProgress::Uploaded {
            pages: statement.page_count,
            scanned: false,
        });
        progress(ConvertProgress::Done);
        Ok(statement.into_converted())
    }
}

/// A documented error in a FinBox answer: `{"error": {"code", "message"}}` (any status), or a
/// 401/403 without one.
pub fn error_in(status: u16, body: &[u8]) -> Option<ConverterError> {
    #[derive(Deserialize)]
    struct RawError {
        code: String,
        #[serde(default)]
        message: Option<String>,
    }
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        error: Option<RawError>,
        #[serde(default)]
        session_id: Option<String>,
    }
    let raw = serde_json::from_slice::<Raw>(body).ok();
    let session_id = raw
        .as_ref()
        .and_then(|r| r.session_id.clone())
        .filter(|s| !s.is_empty());
    match raw.and_then(|r| r.error) {
        Some(error) => {
            let code = match FinBoxCode::parse(&error.code) {
                FinBoxCode::Other(_) if matches!(status, 401 | 403) => FinBoxCode::Unauthorized,
                code => code,
            };
            Some(ConverterError::FinBox(FinBoxError {
                code,
                status,
                server_message: error.message,
                session_id,
            }))
        }
        None if matches!(status, 401 | 403) => Some(ConverterError::FinBox(FinBoxError {
            code: FinBoxCode::Unauthorized,
            status,
            server_message: None,
            session_id: None,
        })),
        None => None,
    }
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Reads FinBox's upload answer; numbers from their digits (never through `f64`).
pub fn parse_statement(body: &[u8]) -> Result<FinBoxStatement, String> {
    #[derive(Deserialize, Default)]
    struct RawRange {
        #[serde(default)]
        from_date: Option<String>,
        #[serde(default)]
        to_date: Option<String>,
    }
    #[derive(Deserialize)]
    struct RawIdentity {
        account_number: Option<String>,
        name: Option<String>,
        address: Option<String>,
        ifsc: Option<String>,
        micr: Option<String>,
        account_category: Option<String>,
        credit_limit: Option<String>,
        od_limit: Option<String>,
        account_id: Option<String>,
        bank_name: Option<String>,
    }
    #[derive(Deserialize)]
    struct Raw {
        bank_name: Option<String>,
        statement_id: String,
        session_id: Option<String>,
        page_count: Option<String>,
        identity: Option<RawIdentity>,
        date_range: Option<RawRange>,
        extracted_date_range: Option<RawRange>,
        opening_date: Option<String>,
        opening_bal: Option<String>,
        closing_bal: Option<String>,
        #[serde(default)]
        is_fraud: Option<bool>,
        fraud_type: Option<String>,
        country_code: Option<String>,
        currency_code: Option<String>,
        account_id: Option<String>,
        masked_account_number: Option<String>,
        #[serde(default)]
        months: Vec<String>,
        #[serde(default)]
        missing_months: Vec<String>,
        status: Option<String>,
    }
    let raw: Raw = serde_json::from_slice(&quote_numbers(body)).map_err(|e| e.to_string())?;
    let currency = raw
        .currency_code
        .as_deref()
        .map(|c| Currency::from_code(c.trim()).map_err(|e| e.to_string()))
        .transpose()?;
    let decimal = |text: &str| {
        Decimal::from_str(text.trim()).map_err(|_| format!("{text:?} is not an amount"))
    };
    let money = |text: Option<String>| -> Result<Option<Money>, String> {
        let Some(text) = text else {
            return Ok(None);
        };
        let Some(currency) = currency else {
            return Err("a balance without currency_code".to_string());
        };
        let amount = decimal(&text)?.normalize();
        if amount.scale() > currency.minor_units() {
            return Err(format!(
                "{text} has more decimals than {} allows",
                currency.code()
            ));
        }
        Ok(Some(Money::new(amount, currency)))
    };
    let range = |r: Option<RawRange>| {
        r.and_then(|r| Some((date(r.from_date.as_deref()?)?, date(r.to_date.as_deref()?)?)))
    };
    let identity = match raw.identity {
        Some(i) => Some(Identity {
            account_number: i.account_number,
            name: i.name,
            address: i.address,
            ifsc: i.ifsc,
            micr: i.micr,
            account_category: i.account_category,
            credit_limit: i.credit_limit.as_deref().map(decimal).transpose()?,
            od_limit: i.od_limit.as_deref().map(decimal).transpose()?,
            account_id: i.account_id,
            bank_name: i.bank_name,
        }),
        None => None,
    };
    if raw.statement_id.is_empty() {
        return Err("the answer has no statement_id".to_string());
    }
    Ok(FinBoxStatement {
        bank_name: raw.bank_name,
        statement_id: raw.statement_id,
        session_id: raw.session_id,
        page_count: raw
            .page_count
            .as_deref()
            .map(|p| p.parse::<u32>().map_err(|_| format!("page_count {p:?}")))
            .transpose()?,
        identity,
        date_range: range(raw.date_range),
        extracted_date_range: range(raw.extracted_date_range),
        opening_date: raw.opening_date.as_deref().and_then(date),
        opening_balance: money(raw.opening_bal)?,
        closing_balance: money(raw.closing_bal)?,
        currency,
        country_code: raw.country_code,
        is_fraud: raw.is_fraud.unwrap_or(false),
        fraud_type: raw.fraud_type,
        account_id: raw.account_id,
        masked_account_number: raw.masked_account_number,
        months: raw.months,
        missing_months: raw.missing_months,
        status: raw
            .status
            .as_deref()
            .map(|s| s.parse::<i64>().map_err(|_| format!("status {s:?}")))
            .transpose()?,
    })
}

impl FinBoxStatement {
    /// Folio's statement: no transactions (FinBox's upload answer lists none); the period is
    /// the extracted date range, else the date range; fraud and missing months become warnings.
    pub fn into_converted(self) -> ConvertedStatement {
        let mut warnings = Vec::new();
        if self.is_fraud {
            warnings.push(format!(
                "FinBox flags this statement as possibly tampered with ({})",
                self.fraud_type.as_deref().unwrap_or("no type given")
            ));
        }
        if !self.missing_months.is_empty() {
            warnings.push(format!(
                "FinBox finds months missing: {}",
                self.missing_months.join(", ")
            ));
        }
        let period = self.extracted_date_range.or(self.date_range);
        let identity = self.identity.clone().unwrap_or_default();
        ConvertedStatement {
            service: Service::FinBox,
            remote_id: self.statement_id.clone(),
            bank: self.bank_name.clone().or(identity.bank_name),
            account_number: self
                .masked_account_number
                .clone()
                .or(identity.account_number),
            holder: identity.name,
            currency: self.currency,
            period_start: period.map(|p| p.0),
            period_end: period.map(|p| p.1),
            opening_balance: self.opening_balance,
            closing_balance: self.closing_balance,
            transactions: Vec::new(),
            warnings,
            details: ServiceDetails::FinBox(Box::new(self)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    const SEED_EXAMPLE: &str = r#"{"bank_name": "hdfc", "statement_id": "601f775d-0bee-4817-8469-2f87c02a32e7", "page_count": 17,
        "identity": {"account_number": "45678090383737", "name": "XXXXXXXXXX XXXXXX", "address": "94 LEBRUA . . hgsdgsdfasyt, HP",
          "ifsc": "HDFC000XXX", "micr": "1102400XX", "account_category": "individual", "credit_limit": 0, "od_limit": 0,
          "account_id": "f4f41ec9-af9a-4c4d-8bb6-eaa07f7b49c5", "bank_name": "hdfc"},
        "date_range": {"from_date": "2023-12-01", "to_date": "2024-03-05"},
        "opening_date": null, "opening_bal": null, "closing_bal": null, "is_fraud": false, "fraud_type": null,
        "metadata_analysis": {"name_matches": []}, "country_code": "IN", "currency_code": "INR",
        "extracted_date_range": {"from_date": "2023-12-01", "to_date": "2024-03-05"},
        "account_id": "f4f41ec9-af9a-4c4d-8bb6-eaa07f7b49c5", "masked_account_number": "XXXXXXXXXXXXXX",
        "months": ["2023-12", "2024-01", "2024-02", "2024-03"], "missing_months": ["2023-11", "2024-04"],
        "status": 1, "session_id": "0d10ab33-1c36-471a-9aba-2885c0c103ae"}"#;

    #[test]
    fn the_seeds_example_answer_reads() {
        let s = parse_statement(SEED_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(s.page_count, Some(17));
        assert_eq!(s.currency, Currency::from_code("INR").ok());
        assert_eq!(
            s.identity.as_ref().unwrap().ifsc.as_deref(),
            Some("HDFC000XXX")
        );
        assert_eq!(s.months.len(), 4);
        assert_eq!(s.status, Some(1));
        let c = s.into_converted();
        assert_eq!(c.period_start, date("2023-12-01"));
        assert_eq!(c.warnings.len(), 1);
        assert!(c.transactions.is_empty());
    }

    #[test]
    fn every_documented_code_maps_to_its_typed_error() {
        for code in FinBoxCode::DOCUMENTED {
            let status = code.status().unwrap_or(404);
            let body = format!(
                r#"{{"session_id": "", "statement_id": "", "error": {{"code": "{}", "message": "m"}}}}"#,
                code.as_str()
            );
            let e = error_in(status, body.as_bytes()).unwrap();
            match &e {
                ConverterError::FinBox(f) => {
                    assert_eq!(f.code, code);
                    assert_eq!(f.server_message.as_deref(), Some("m"));
                }
                other => panic!("{code:?} -> {other:?}"),
            }
            assert!(e.code().starts_with("FINBOX_") && !e.recovery().is_empty());
        }
        assert_eq!(error_in(401, b"").unwrap().code(), "FINBOX_UNAUTHORIZED");
        assert!(error_in(200, SEED_EXAMPLE.as_bytes()).is_none());
    }
}
