//! Each cloud converter client against its sandbox on 127.0.0.1: the happy paths (upload,
//! progress, password, conversion), every documented error code reaching the client typed, the
//! size limit checked before sending, 429 honoured or reported, 5xx retried only where safe,
//! malformed answers typed.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use folio_banks::http::RetryPolicy;
use folio_converters::balanzio::{self, Balanzio, BalanzioOptions, Format};
use folio_converters::finbox::{self, AccountCategory, FinBox, FinBoxOptions, UploadRequest};
use folio_converters::{
    BalanzioCode, ConvertProgress, ConverterError, FinBoxCode, Service, ServiceDetails,
};
use folio_ledger::{Currency, Money};
use folio_sandbox::balanzio::{self as balanzio_sandbox, BalanzioSandbox};
use folio_sandbox::finbox::{self as finbox_sandbox, FinBoxSandbox};
use folio_sandbox::Running;
use folio_secrets::Sensitive;

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    }
}

/// A file the sandboxes take for a PDF: `pages` page objects, text (`/Font`) or scanned,
/// protected (`/Encrypt`) or not; `salt` makes it another file.
fn pdf(pages: usize, text: bool, encrypted: bool, salt: &str) -> Vec<u8> {
    let mut out = String::from("%PDF-1.7\n1 0 obj << /Type /Pages >> endobj\n");
    for i in 0..pages {
        out.push_str(&format!("{} 0 obj << /Type /Page >> endobj\n", i + 2));
    }
    if text {
        out.push_str("<< /Type /Font /Subtype /Type1 >>\n");
    } else {
        out.push_str("<< /Type /XObject /Subtype /Image >>\n");
    }
    if encrypted {
        out.push_str("trailer << /Encrypt 9 0 R >>\n");
    }
    out.push_str(&format!("% {salt}\n%%EOF\n"));
    out.into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the file");
    path
}

fn password(text: &str) -> Sensitive<String> {
    Sensitive::new(text.to_string())
}

// ---------------------------------------------------------------- Balanzio

async fn start_balanzio(config: BalanzioSandbox) -> Running {
    balanzio_sandbox::start(config).await.expect("sandbox")
}

fn balanzio_with(running: &Running, key: &str, wait: bool) -> Balanzio {
    Balanzio::with_options(
        Sensitive::new(key.to_string()),
        BalanzioOptions {
            base_url: format!("{}{}", running.base_url, balanzio_sandbox::BASE_PATH),
            retry: policy(),
            wait_on_rate_limit: wait,
            poll_interval: Duration::from_millis(5),
            max_processing_wait: Some(Duration::from_secs(10)),
        },
    )
    .expect("client")
}

fn balanzio_client(running: &Running, config: &BalanzioSandbox) -> Balanzio {
    balanzio_with(running, &config.api_key, true)
}

fn balanzio_code(e: &ConverterError) -> Option<BalanzioCode> {
    match e {
        ConverterError::Balanzio(b) => Some(b.code.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn balanzio_text_pdf_converts_to_the_sandbox_statement_and_spends_its_pages() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let bytes = pdf(3, true, false, "happy");
    let path = write(dir.path(), "statement.pdf", &bytes);

    let mut seen = Vec::new();
    let converted = client
        .convert_file(&path, None, &mut |p| seen.push(p))
        .await
        .expect("converted");

    let expected = balanzio_sandbox::statement_for(&bytes, "EUR");
    let eur = |d| Money::new(d, Currency::EUR);
    assert_eq!(converted.service, Service::Balanzio);
    assert_eq!(converted.bank.as_deref(), Some("Banque Sandbox"));
    assert_eq!(
        converted.account_number,
        Some(expected.masked_account_number())
    );
    assert_eq!(converted.currency, Some(Currency::EUR));
    assert_eq!(converted.transactions.len(), expected.rows.len());
    for (got, want) in converted.transactions.iter().zip(&expected.rows) {
        assert_eq!(got.date, want.date);
        assert_eq!(got.description, want.description);
        assert_eq!(got.amount, eur(want.amount));
        assert_eq!(got.balance, Some(eur(want.balance)));
    }
    assert_eq!(
        converted.opening_balance,
        Some(eur(expected.opening_balance))
    );
    assert_eq!(
        converted.closing_balance,
        Some(eur(expected.closing_balance()))
    );
    let statement = converted.to_statement().expect("a whole statement");
    assert!(statement.balance_breaks().expect("one currency").is_empty());
    match &converted.details {
        ServiceDetails::Balanzio {
            pdf_type, pages, ..
        } => {
            assert_eq!(*pdf_type, balanzio::PdfType::TextBased);
            assert_eq!(*pages, Some(3));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        seen,
        vec![
            ConvertProgress::Uploading {
                bytes: bytes.len() as u64
            },
            ConvertProgress::Uploaded {
                pages: Some(3),
                scanned: false
            },
            ConvertProgress::Converting,
            ConvertProgress::Done,
        ]
    );
    // Credits: one a page, free ones first.
    assert_eq!(knobs.credits_spent(), 3);
    let user = client.user().await.expect("user");
    assert_eq!((user.free_credits, user.paid_credits), (47, 1000));
    assert_eq!(user.plan.as_deref(), Some("pro"));
    assert_eq!(knobs.uploads(), 1);
    // Rate-limit headers are read from every answer.
    let rate = client.rate_limit().expect("rate limit headers");
    assert_eq!(rate.limit, Some(60));
    assert!(rate.remaining < 60);
}

#[tokio::test]
async fn balanzio_csv_xlsx_and_json_are_served_for_the_same_file() {
    let config = BalanzioSandbox::new();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    let bytes = pdf(1, true, false, "formats");
    let file = client.upload("s.pdf", &bytes).await.expect("upload");
    assert_eq!(file.state, balanzio::FileState::Ready);
    let csv = client.convert(&file.uuid, Format::Csv).await.expect("csv");
    let csv = String::from_utf8(csv).expect("text");
    assert!(csv.starts_with("date,description,amount,balance,currency\n"));
    assert_eq!(csv.lines().count(), 7);
    let xlsx = client
        .convert(&file.uuid, Format::Xlsx)
        .await
        .expect("xlsx");
    assert!(xlsx.starts_with(b"PK"), "an XLSX is a zip");
    let json = client.convert_json(&file.uuid).await.expect("json");
    assert_eq!(json.transactions.len(), 6);
    assert_eq!(json.statement_period.as_deref(), Some("2024-01"));
}

#[tokio::test]
async fn balanzio_scanned_pdf_reports_progress_increasing_to_100() {
    let mut config = BalanzioSandbox::new();
    config.progress_step = 20;
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "scan.pdf", &pdf(2, false, false, "scan"));

    let mut seen = Vec::new();
    let converted = client
        .convert_file(&path, None, &mut |p| seen.push(p))
        .await
        .expect("converted");
    assert_eq!(converted.transactions.len(), 6);
    assert!(seen.contains(&ConvertProgress::Uploaded {
        pages: Some(2),
        scanned: true
    }));
    let percents: Vec<u8> = seen
        .iter()
        .filter_map(|p| match p {
            ConvertProgress::Processing { percent } => Some(*percent),
            _ => None,
        })
        .collect();
    assert_eq!(percents, vec![20, 40, 60, 80, 100]);
}

#[tokio::test]
async fn balanzio_protected_pdf_asks_for_its_password_and_resumes_without_a_second_upload() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "locked.pdf", &pdf(2, true, true, "locked"));

    let e = client
        .convert_file(&path, None, &mut |_| {})
        .await
        .expect_err("a password is needed");
    let ConverterError::Balanzio(required) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(required.code, BalanzioCode::PasswordRequired);
    assert_eq!(required.status, 422);
    assert_eq!(e.code(), "BALANZIO_PASSWORD_REQUIRED");
    let uuid = required.uuid.clone().expect("the uploaded file's uuid");

    let e = client
        .resume(&uuid, Some(&password("not it")), &mut |_| {})
        .await
        .expect_err("wrong password");
    assert_eq!(balanzio_code(&e), Some(BalanzioCode::InvalidPassword));
    assert_eq!(e.code(), "BALANZIO_INVALID_PASSWORD");

    let mut seen = Vec::new();
    let converted = client
        .resume(
            &uuid,
            Some(&password(balanzio_sandbox::PDF_PASSWORD)),
            &mut |p| seen.push(p),
        )
        .await
        .expect("unlocked");
    assert_eq!(converted.remote_id, uuid);
    assert!(seen.contains(&ConvertProgress::Unlocking));
    assert_eq!(knobs.uploads(), 1, "one upload, whatever the retries");
    assert_eq!(knobs.credits_spent(), 2);

    // A protected scan given its password up front: unlocked, then OCR, then converted.
    let path = write(dir.path(), "locked-scan.pdf", &pdf(1, false, true, "ls"));
    let mut seen = Vec::new();
    client
        .convert_file(
            &path,
            Some(&password(balanzio_sandbox::PDF_PASSWORD)),
            &mut |p| seen.push(p),
        )
        .await
        .expect("converted");
    let unlock = seen.iter().position(|p| *p == ConvertProgress::Unlocking);
    let done = seen
        .iter()
        .position(|p| *p == ConvertProgress::Processing { percent: 100 });
    assert!(unlock < done && unlock.is_some(), "{seen:?}");
}

#[tokio::test]
async fn balanzio_a_file_over_3_mb_never_reaches_the_server() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let mut big = pdf(1, true, false, "big");
    big.resize(balanzio::MAX_FILE_BYTES as usize + 1, b' ');
    let path = write(dir.path(), "big.pdf", &big);

    let e = client
        .convert_file(&path, None, &mut |_| {})
        .await
        .expect_err("too large");
    assert_eq!(
        e,
        ConverterError::FileTooLarge {
            service: Service::Balanzio,
            size: balanzio::MAX_FILE_BYTES + 1,
            limit: balanzio::MAX_FILE_BYTES
        }
    );
    assert_eq!(e.code(), "CONVERTER_FILE_TOO_LARGE");
    let e = client.upload("big.pdf", &big).await.expect_err("too large");
    assert_eq!(e.code(), "CONVERTER_FILE_TOO_LARGE");
    assert_eq!(knobs.requests(), 0, "nothing was sent");
    assert_eq!(running.faults.served.load(Ordering::SeqCst), 0);

    // Exactly 3,000,000 bytes is allowed.
    big.truncate(balanzio::MAX_FILE_BYTES as usize);
    client
        .upload("limit.pdf", &big)
        .await
        .expect("at the limit");
}

/// Posts `files` straight to the sandbox (what the typed client refuses to send).
async fn raw_balanzio_upload(running: &Running, key: &str, bytes: Vec<u8>) -> ConverterError {
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(bytes).file_name("x.pdf"),
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/bank-statement", running.base_url))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body");
    balanzio::error_from(status, &body, None)
}

#[tokio::test]
async fn balanzio_every_documented_error_reaches_the_client_typed() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);

    // Natural triggers.
    let e = client
        .upload("notes.txt", b"hello")
        .await
        .expect_err("not a PDF");
    assert_eq!(balanzio_code(&e), Some(BalanzioCode::InvalidFileType));
    let e = balanzio_with(&running, "wrong-key", true)
        .user()
        .await
        .expect_err("wrong key");
    assert_eq!(balanzio_code(&e), Some(BalanzioCode::Unauthorized));
    knobs.set_credits(0, 1);
    let e = client
        .upload("two.pdf", &pdf(2, true, false, "credits"))
        .await
        .expect_err("one credit for two pages");
    assert_eq!(balanzio_code(&e), Some(BalanzioCode::InsufficientCredits));
    assert_eq!(knobs.credits_spent(), 0, "a refused file costs nothing");
    knobs.set_credits(1000, 50);
    let e = client
        .status(&["00000000-0000-4000-8000-000000000000"])
        .await
        .expect_err("unknown uuid");
    assert_eq!(balanzio_code(&e), Some(BalanzioCode::FileNotFound));
    let mut big = pdf(1, true, false, "server-side");
    big.resize(balanzio::MAX_FILE_BYTES as usize + 10, b' ');
    let e = raw_balanzio_upload(&running, &config.api_key, big).await;
    assert_eq!(balanzio_code(&e), Some(BalanzioCode::FileTooLarge));
    assert_eq!(e.code(), "BALANZIO_FILE_TOO_LARGE");

    // Every documented code, answered by the sandbox's knob, through the typed client.
    for (code, status, ..) in balanzio_sandbox::DOCUMENTED {
        knobs.answer_next_with(code);
        let outcome = client.user().await;
        match *code {
            // A 429 is waited out (1 s: no Reset on an injected code) and the call retried.
            "RATE_LIMIT_EXCEEDED" => assert!(outcome.is_ok(), "{outcome:?}"),
            // A 500 on a safe call is retried, then served.
            "INTERNAL_ERROR" => assert!(outcome.is_ok(), "{outcome:?}"),
            _ => {
                let e = outcome.expect_err(code);
                let ConverterError::Balanzio(b) = &e else {
                    panic!("{code}: {e:?}")
                };
                assert_eq!(b.code.as_str(), *code);
                assert_eq!(b.status, *status);
                assert!(b.server_recovery.is_some());
                assert!(!e.message().is_empty() && !e.recovery().is_empty());
            }
        }
    }
}

#[tokio::test]
async fn balanzio_429_waits_for_the_reset_then_succeeds() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    // Reset in 3 s (whole seconds): at least a second away even on a slow machine.
    knobs.rate_limit_next(1, 3);
    let started = Instant::now();
    client.user().await.expect("served after the reset");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(knobs.requests(), 2);
}

#[tokio::test]
async fn balanzio_429_is_reported_when_told_not_to_wait() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_with(&running, &config.api_key, false);
    knobs.rate_limit_next(1, 30);
    let e = client.user().await.expect_err("rate limited");
    let ConverterError::RateLimited {
        service,
        retry_after_secs,
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(service, Service::Balanzio);
    assert!((28..=31).contains(&retry_after_secs), "{retry_after_secs}");
    assert_eq!(knobs.requests(), 1, "not sent again");
    // A wait longer than the client allows (5 s) is reported too, even when waiting is on.
    knobs.rate_limit_next(1, 30);
    let e = balanzio_client(&running, &config)
        .user()
        .await
        .expect_err("too long to wait");
    assert_eq!(e.code(), "CONVERTER_RATE_LIMITED");
}

#[tokio::test]
async fn balanzio_no_remaining_requests_means_waiting_for_the_window_before_sending() {
    let mut config = BalanzioSandbox::new();
    config.rate_limit = 2;
    config.window_secs = 2;
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;

    // Told not to wait: the third call is refused by the client, not sent.
    let client = balanzio_with(&running, &config.api_key, false);
    client.user().await.expect("1");
    client.user().await.expect("2");
    assert_eq!(client.rate_limit().map(|r| r.remaining), Some(0));
    let e = client.user().await.expect_err("no requests left");
    assert_eq!(e.code(), "CONVERTER_RATE_LIMITED");
    assert_eq!(knobs.requests(), 2, "the third was never sent");

    // Waiting: the client sleeps until the reset, and is served without a 429.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let client = balanzio_client(&running, &config);
    client.user().await.expect("1");
    client.user().await.expect("2");
    client.user().await.expect("3, after the window");
    assert_eq!(knobs.requests(), 5, "no request was refused and sent again");
}

#[tokio::test]
async fn balanzio_server_errors_are_retried_on_safe_calls_only() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);
    knobs.fail_next(2);
    client.user().await.expect("served on the third try");
    assert_eq!(knobs.requests(), 3);

    // The upload spends credits: after a 500 it is not sent again.
    knobs.fail_next(1);
    let e = client
        .upload("s.pdf", &pdf(1, true, false, "500"))
        .await
        .expect_err("500");
    assert_eq!(
        e,
        ConverterError::Unavailable {
            service: Service::Balanzio,
            status: 500
        }
    );
    assert_eq!(knobs.uploads(), 1);

    // A persisting INTERNAL_ERROR on a safe call: 4 attempts, then CONVERTER_UNAVAILABLE.
    knobs.fail_next(10);
    let before = knobs.requests();
    let e = client.user().await.expect_err("still failing");
    assert_eq!(e.code(), "CONVERTER_UNAVAILABLE");
    assert_eq!(knobs.requests() - before, 4);
}

#[tokio::test]
async fn balanzio_malformed_answers_failed_processing_and_an_expired_key_are_typed() {
    let config = BalanzioSandbox::new();
    let knobs = config.knobs();
    let running = start_balanzio(config.clone()).await;
    let client = balanzio_client(&running, &config);

    running.faults.malformed_next(1);
    let e = client.user().await.expect_err("malformed");
    assert!(matches!(
        e,
        ConverterError::Malformed {
            service: Service::Balanzio,
            ..
        }
    ));
    assert_eq!(e.code(), "CONVERTER_MALFORMED");

    let file = client
        .upload("s.pdf", &pdf(1, true, false, "malformed"))
        .await
        .expect("upload");
    running.faults.malformed_next(1);
    let e = client
        .convert_json(&file.uuid)
        .await
        .expect_err("malformed");
    assert_eq!(e.code(), "CONVERTER_MALFORMED");

    knobs.fail_processing_next();
    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "scan.pdf", &pdf(1, false, false, "bad scan"));
    let e = client
        .convert_file(&path, None, &mut |_| {})
        .await
        .expect_err("processing failed");
    assert_eq!(e.code(), "CONVERTER_PROCESSING_FAILED");

    knobs.revoke_key(true);
    let e = client.user().await.expect_err("revoked");
    assert_eq!(e.code(), "BALANZIO_UNAUTHORIZED");
    assert!(e.recovery().contains("API key"));
    assert!(
        !format!("{client:?}").contains(&config.api_key),
        "key redacted"
    );
}

// ---------------------------------------------------------------- FinBox

async fn start_finbox(config: FinBoxSandbox) -> Running {
    finbox_sandbox::start(config).await.expect("sandbox")
}

fn finbox_with(running: &Running, key: &str, retry: RetryPolicy, wait: bool) -> FinBox {
    FinBox::with_options(
        Sensitive::new(key.to_string()),
        FinBoxOptions {
            base_url: running.base_url.clone(),
            retry,
            wait_on_rate_limit: wait,
        },
    )
    .expect("client")
}

fn finbox_client(running: &Running, config: &FinBoxSandbox) -> FinBox {
    finbox_with(running, &config.api_key, policy(), true)
}

fn finbox_code(e: &ConverterError) -> Option<FinBoxCode> {
    match e {
        ConverterError::FinBox(f) => Some(f.code.clone()),
        _ => None,
    }
}

fn request<'a>(session_id: &'a str, bank: &'a str) -> UploadRequest<'a> {
    UploadRequest {
        bank_name: bank,
        session_id,
        pdf_password: None,
        account_category: None,
    }
}

#[tokio::test]
async fn finbox_session_upload_identity_and_balances() {
    let config = FinBoxSandbox::new();
    let knobs = config.knobs();
    let running = start_finbox(config.clone()).await;
    let client = finbox_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let bytes = pdf(4, true, false, "finbox");
    let path = write(dir.path(), "hdfc.pdf", &bytes);

    let mut seen = Vec::new();
    let converted = client
        .convert_file(&path, "hdfc", None, &mut |p| seen.push(p))
        .await
        .expect("read");
    let expected = balanzio_sandbox::statement_for(&bytes, "INR");
    let inr = Currency::from_code("INR").expect("INR");
    assert_eq!(converted.service, Service::FinBox);
    assert_eq!(converted.bank.as_deref(), Some("hdfc"));
    assert_eq!(converted.holder.as_deref(), Some("SANDBOX ACCOUNT HOLDER"));
    assert_eq!(converted.currency, Some(inr));
    assert_eq!(
        converted.opening_balance,
        Some(Money::new(expected.opening_balance, inr))
    );
    assert_eq!(
        converted.closing_balance,
        Some(Money::new(expected.closing_balance(), inr))
    );
    assert!(converted.transactions.is_empty(), "FinBox lists none");
    assert!(converted.to_statement().is_some());
    let ServiceDetails::FinBox(details) = &converted.details else {
        panic!("{:?}", converted.details)
    };
    assert_eq!(details.page_count, Some(4));
    assert_eq!(details.months, vec!["2024-01".to_string()]);
    let identity = details.identity.as_ref().expect("identity=true was sent");
    assert_eq!(
        identity.account_number.as_deref(),
        Some(expected.account_number.as_str())
    );
    assert_eq!(identity.ifsc.as_deref(), Some("SBXN0000001"));
    assert!(!details.is_fraud);
    assert_eq!(
        seen.first(),
        Some(&ConvertProgress::Uploading {
            bytes: bytes.len() as u64
        })
    );
    assert_eq!(seen.last(), Some(&ConvertProgress::Done));
    assert_eq!(knobs.uploads(), 1);

    // A fraud flag becomes a warning.
    knobs.flag_fraud_next();
    let path = write(dir.path(), "other.pdf", &pdf(1, true, false, "fraud"));
    let converted = client
        .convert_file(&path, "hdfc", None, &mut |_| {})
        .await
        .expect("read");
    assert!(converted.warnings.iter().any(|w| w.contains("tampered")));
}

#[tokio::test]
async fn finbox_protected_pdf_needs_its_password() {
    let config = FinBoxSandbox::new();
    let running = start_finbox(config.clone()).await;
    let client = finbox_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "locked.pdf", &pdf(1, true, true, "locked"));
    let e = client
        .convert_file(&path, "hdfc", None, &mut |_| {})
        .await
        .expect_err("password");
    assert_eq!(finbox_code(&e), Some(FinBoxCode::PasswordIncorrect));
    let e = client
        .convert_file(&path, "hdfc", Some(&password("nope")), &mut |_| {})
        .await
        .expect_err("password");
    assert_eq!(e.code(), "FINBOX_PASSWORD_INCORRECT");
    client
        .convert_file(
            &path,
            "hdfc",
            Some(&password(finbox_sandbox::PDF_PASSWORD)),
            &mut |_| {},
        )
        .await
        .expect("unlocked");
}

/// Posts straight to the sandbox's upload (what the typed client never sends).
async fn raw_finbox(key: &str, build: reqwest::RequestBuilder) -> ConverterError {
    let resp = build.header("x-api-key", key).send().await.expect("sent");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body");
    finbox::error_in(status, &body).expect("a documented error")
}

#[tokio::test]
async fn finbox_every_documented_error_reaches_the_client_typed() {
    let config = FinBoxSandbox::new();
    let knobs = config.knobs();
    let running = start_finbox(config.clone()).await;
    let client = finbox_client(&running, &config);
    let session = client.create_session("test").await.expect("session");
    let text = pdf(1, true, false, "codes");

    // Natural triggers through the typed client.
    let code_of = |r: Result<_, ConverterError>| finbox_code(&r.expect_err("an error"));
    assert_eq!(
        code_of(
            client
                .upload("s.pdf", &text, &request("no-such-session", "hdfc"))
                .await
        ),
        Some(FinBoxCode::SessionNotFound)
    );
    assert_eq!(
        code_of(
            client
                .upload("s.txt", b"plain text", &request(&session, "hdfc"))
                .await
        ),
        Some(FinBoxCode::InvalidFileObject)
    );
    assert_eq!(
        code_of(client.upload("s.pdf", &text, &request(&session, "")).await),
        Some(FinBoxCode::BankNameUndetected)
    );
    assert_eq!(
        code_of(
            client
                .upload(
                    "scan.pdf",
                    &pdf(1, false, false, "scan"),
                    &request(&session, "hdfc")
                )
                .await
        ),
        Some(FinBoxCode::PdfIsImage)
    );
    let mut icici = pdf(1, true, false, "icici");
    icici.extend_from_slice(b"%FolioSandboxBank:icici\n");
    let e = client
        .upload("icici.pdf", &icici, &request(&session, "hdfc"))
        .await
        .expect_err("mismatch");
    assert_eq!(finbox_code(&e), Some(FinBoxCode::BankNameMismatch));
    let ConverterError::FinBox(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(f.server_message.as_deref(), Some("Not hdfc bank statement"));
    client
        .upload(
            "s.pdf",
            &text,
            &UploadRequest {
                account_category: Some(AccountCategory::Savings),
                ..request(&session, "hdfc")
            },
        )
        .await
        .expect("first time");
    assert_eq!(
        code_of(
            client
                .upload("s.pdf", &text, &request(&session, "hdfc"))
                .await
        ),
        Some(FinBoxCode::StatementDuplicate)
    );
    knobs.expire_trial(true);
    let e = client.create_session("x").await.expect_err("trial");
    assert_eq!(finbox_code(&e), Some(FinBoxCode::TrialPeriodExpired));
    assert_eq!(e.code(), "FINBOX_TRIAL_PERIOD_EXPIRED");
    knobs.expire_trial(false);
    let e = finbox_with(&running, "wrong-key", policy(), true)
        .create_session("x")
        .await
        .expect_err("wrong key");
    assert_eq!(e.code(), "FINBOX_UNAUTHORIZED");

    // What the typed client cannot send, sent raw.
    let http = reqwest::Client::new();
    let upload = format!("{}{}", running.base_url, finbox_sandbox::UPLOAD_PATH);
    let key = config.api_key.as_str();
    let e = raw_finbox(
        key,
        http.post(&upload)
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(finbox_code(&e), Some(FinBoxCode::InvalidFileObject));
    let form = |pairs: &[(&str, &str)]| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let urlencoded = |body: String| {
        http.post(&upload)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let cases: [(&[(&str, &str)], FinBoxCode); 4] = [
        (
            &[
                ("session_id", &session),
                ("bank_name", "hdfc"),
                ("upload_type", "BASE64"),
            ],
            FinBoxCode::MissingFileObject,
        ),
        (
            &[
                ("session_id", &session),
                ("bank_name", "hdfc"),
                ("upload_type", "BASE64"),
                ("file", "%%% not base64 %%%"),
            ],
            FinBoxCode::InvalidBase64,
        ),
        (
            &[("session_id", &session), ("file_url", "not an address")],
            FinBoxCode::InvalidFileUrl,
        ),
        (
            &[
                ("session_id", &session),
                ("bank_name", "hdfc"),
                ("upload_type", "BASE64"),
                // "%PDF-1.4 /Font" in Base64.
                ("file", "JVBERi0xLjQgL0ZvbnQ="),
                ("account_category", "PIGGYBANK"),
            ],
            FinBoxCode::InvalidAccountCategory,
        ),
    ];
    for (pairs, want) in cases {
        let e = raw_finbox(key, urlencoded(form(pairs))).await;
        assert_eq!(finbox_code(&e), Some(want));
    }

    // Every documented code, answered by the sandbox's knob, through the typed client.
    for (code, _, status) in finbox_sandbox::DOCUMENTED {
        if *code == "SESSION_NOT_FOUND" {
            continue; // Answered before the knob is read: covered above.
        }
        knobs.answer_next_with(code);
        let bytes = pdf(1, true, false, &format!("knob {code} {status}"));
        let e = client
            .upload("s.pdf", &bytes, &request(&session, "hdfc"))
            .await
            .expect_err(code);
        let ConverterError::FinBox(f) = &e else {
            panic!("{code}: {e:?}")
        };
        assert_eq!(f.code.as_str(), *code);
        assert_eq!(f.status, *status);
        assert!(!e.message().is_empty() && !e.recovery().is_empty());
    }
}

#[tokio::test]
async fn finbox_rate_limits_server_errors_timeouts_and_malformed_answers() {
    let config = FinBoxSandbox::new();
    let knobs = config.knobs();
    let running = start_finbox(config.clone()).await;
    let client = finbox_client(&running, &config);
    let session = client.create_session("faults").await.expect("session");

    // 429 (refused unread): waited out, the upload sent again and served.
    running.faults.rate_limit_next(1, 1);
    client
        .upload(
            "a.pdf",
            &pdf(1, true, false, "429"),
            &request(&session, "hdfc"),
        )
        .await
        .expect("served after the wait");
    assert_eq!(knobs.uploads(), 1);

    // Told not to wait: RATE_LIMITED at once.
    running.faults.rate_limit_next(1, 20);
    let e = finbox_with(&running, &config.api_key, policy(), false)
        .create_session("x")
        .await
        .expect_err("limited");
    assert_eq!(e.code(), "CONVERTER_RATE_LIMITED");

    // A 500 on the upload is not retried: the second injected 500 is still there afterwards.
    running.faults.fail_next(2);
    let e = client
        .upload(
            "b.pdf",
            &pdf(1, true, false, "500"),
            &request(&session, "hdfc"),
        )
        .await
        .expect_err("500");
    assert_eq!(e.code(), "CONVERTER_UNAVAILABLE");
    let e = client
        .create_session("y")
        .await
        .expect_err("the second 500");
    assert_eq!(e.code(), "CONVERTER_UNAVAILABLE");
    client.create_session("z").await.expect("faults used up");

    // Malformed JSON.
    running.faults.malformed_next(1);
    let e = client
        .upload(
            "c.pdf",
            &pdf(1, true, false, "bad json"),
            &request(&session, "hdfc"),
        )
        .await
        .expect_err("malformed");
    assert_eq!(e.code(), "CONVERTER_MALFORMED");

    // A timeout on the upload is not retried (the statement may have arrived): of two slow
    // answers injected, the upload takes one and the next call still gets the other.
    let impatient = finbox_with(
        &running,
        &config.api_key,
        RetryPolicy {
            timeout: Duration::from_millis(300),
            ..policy()
        },
        true,
    );
    running.faults.slow_next(2, Duration::from_millis(900));
    let e = impatient
        .upload(
            "d.pdf",
            &pdf(1, true, false, "slow"),
            &request(&session, "hdfc"),
        )
        .await
        .expect_err("timed out");
    assert_eq!(e.code(), "CONVERTER_NETWORK");
    let started = Instant::now();
    client
        .create_session("slow")
        .await
        .expect("slow but served");
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "the upload was sent again and took both slow answers"
    );
}

#[tokio::test]
async fn finbox_a_file_over_the_limit_never_reaches_the_server() {
    let config = FinBoxSandbox::new();
    let knobs = config.knobs();
    let running = start_finbox(config.clone()).await;
    let client = finbox_client(&running, &config);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("huge.pdf");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(finbox::MAX_FILE_BYTES + 1).expect("size");
    let e = client
        .convert_file(&path, "hdfc", None, &mut |_| {})
        .await
        .expect_err("too large");
    assert_eq!(e.code(), "CONVERTER_FILE_TOO_LARGE");
    assert_eq!(knobs.requests(), 0);
    assert_eq!(running.faults.served.load(Ordering::SeqCst), 0);
}

#[test]
fn an_unusable_key_is_refused_before_any_request() {
    let empty = Balanzio::new(Sensitive::new("  ".to_string())).expect_err("empty");
    assert_eq!(empty.code(), "CONVERTER_INVALID_API_KEY");
    let newline = FinBox::new(Sensitive::new("a\nb".to_string())).expect_err("newline");
    assert_eq!(newline.code(), "CONVERTER_INVALID_API_KEY");
}
