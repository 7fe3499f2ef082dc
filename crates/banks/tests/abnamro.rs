//! The ABN AMRO client against the sandbox serving the documented contract.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use folio_banks::abnamro::{codes, AbnAmro, AbnAmroConfig, Credentials};
use folio_banks::http::RetryPolicy;
use folio_banks::{BankError, Provider};
use folio_ledger::{Currency, Iban, Money};
use folio_sandbox::abnamro::{self as sandbox, AbnAmroKnobs, AbnAmroSandbox};
use folio_sandbox::Running;
use rust_decimal::Decimal;

const ACCOUNT_A: &str = "NL91ABNA0417164300";
const ACCOUNT_B: &str = "NL97ABNA0529381746";
const ACCOUNT_LARGE: &str = "NL27ABNA0613907254";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn eur(text: &str) -> Money {
    Money::new(dec(text), Currency::EUR)
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_rate_limit_wait: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    }
}

struct Setup {
    server: Running,
    knobs: Arc<AbnAmroKnobs>,
    config: AbnAmroSandbox,
    client: AbnAmro,
}

impl Setup {
    fn served(&self) -> u32 {
        self.server.faults.served.load(Ordering::SeqCst)
    }
}

fn client_config(server: &Running, config: &AbnAmroSandbox) -> AbnAmroConfig {
    let creds = Credentials::new(&config.client_id, &config.client_secret, &config.api_key);
    let mut client = AbnAmroConfig::for_base_url(&server.base_url, creds).unwrap();
    client.policy = fast_policy();
    client.today = Some(config.today);
    // consentinfo names account A; B is registered by the business (A listed again: once only).
    client.accounts = vec![ACCOUNT_A.to_string(), ACCOUNT_B.to_string()];
    client
}

async fn setup_with(config: AbnAmroSandbox, adjust: impl FnOnce(&mut AbnAmroConfig)) -> Setup {
    let knobs = config.knobs();
    let server = sandbox::start(config.clone()).await.unwrap();
    let mut client_config = client_config(&server, &config);
    adjust(&mut client_config);
    Setup {
        client: AbnAmro::new(client_config).unwrap(),
        server,
        knobs,
        config,
    }
}

async fn setup() -> Setup {
    setup_with(AbnAmroSandbox::default(), |_| {}).await
}

fn refused_code(result: Result<impl std::fmt::Debug, BankError>) -> (u16, String) {
    match result {
        Err(BankError::Refused { status, code, .. }) => (status, code),
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[tokio::test]
async fn credentials_token_accounts_details_and_balances() {
    let s = setup().await;
    assert_eq!(s.client.name(), "ABN AMRO");
    let accounts = s.client.accounts().await.unwrap();
    assert_eq!(s.knobs.token_requests(), 1);
    assert_eq!(accounts.len(), 2);
    let a = &accounts[0];
    assert_eq!(a.provider_id, ACCOUNT_A);
    assert_eq!(a.iban, Some(Iban::parse(ACCOUNT_A).unwrap()));
    assert_eq!(a.number.as_deref(), Some(ACCOUNT_A));
    assert_eq!(a.name, "Bakkerij Van Dijk B.V.");
    assert_eq!(a.currency, Currency::EUR);
    assert_eq!(a.balance, Some(eur("158240.11")));
    assert_eq!(a.balance_date, Some(day(2025, 6, 30)));
    let b = &accounts[1];
    assert_eq!(b.provider_id, ACCOUNT_B);
    assert_eq!(b.name, "Van Dijk Holding B.V.");
    assert_eq!(b.balance, Some(eur("133058.82")));
    // The literal values are the seeded data's.
    let seeded = s.config.accounts();
    assert_eq!(seeded[0].balance(), dec("158240.11"));
    assert_eq!(seeded[1].balance(), dec("133058.82"));
    for account in &seeded {
        assert!(Iban::parse(&account.iban).is_ok(), "{}", account.iban);
    }

    let details = s.client.details(ACCOUNT_B).await.unwrap();
    assert_eq!(details.account_number, ACCOUNT_B);
    assert_eq!(details.currency, Currency::EUR);
    assert_eq!(details.holder_name, "Van Dijk Holding B.V.");
    let balance = s.client.balance(ACCOUNT_A).await.unwrap();
    assert_eq!(balance.amount, eur("158240.11"));
    assert_eq!(balance.balance_type, "BOOKED");
    // One token for everything.
    assert_eq!(s.knobs.token_requests(), 1);
}

#[tokio::test]
async fn transactions_across_pages_with_exact_totals() {
    let s = setup().await;
    let earliest = s.client.earliest_book_date();
    assert_eq!(earliest, day(2023, 12, 30));
    s.client.consent_info().await.unwrap(); // token in hand
    let before = s.served();

    let batch = s
        .client
        .transactions(ACCOUNT_A, earliest, s.config.today)
        .await
        .unwrap();
    assert_eq!(batch.transactions.len(), 545);
    // 545 transactions, 50 a page: 11 requests, no more.
    assert_eq!(s.served() - before, 11);
    let total: Decimal = batch.transactions.iter().map(|t| t.amount.amount()).sum();
    assert_eq!(total, dec("117329.82"));
    assert!(batch.deleted.is_empty());
    let ids: HashSet<&str> = batch
        .transactions
        .iter()
        .map(|t| t.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), 545);
    assert!(batch
        .transactions
        .iter()
        .all(|t| t.date >= earliest && t.date <= s.config.today));
    // Newest first, as sent.
    assert!(batch
        .transactions
        .windows(2)
        .all(|w| w[0].date >= w[1].date));

    // The same as the seeded data: ids, amounts, dates, descriptions.
    let seeded = &s.config.accounts()[0];
    let expected: Vec<_> = seeded
        .transactions
        .iter()
        .rev()
        .filter(|t| t.book_date >= earliest)
        .collect();
    assert_eq!(expected.len(), batch.transactions.len());
    for (got, want) in batch.transactions.iter().zip(&expected) {
        assert_eq!(got.amount, Money::new(want.amount, Currency::EUR));
        assert_eq!(got.date, want.book_date);
        assert_eq!(got.description, want.description_lines.join(" "));
        if want.transaction_id.is_empty() {
            assert!(
                got.provider_id.starts_with(ACCOUNT_A),
                "{}",
                got.provider_id
            );
        } else {
            assert_eq!(got.provider_id, want.transaction_id);
        }
    }
    // The history older than 18 months exists in the sandbox, and is not asked for.
    assert_eq!(seeded.transactions.len(), 610);

    // A narrower range: one month of account B, `to` after today read as today.
    let june = s
        .client
        .transactions(ACCOUNT_B, day(2025, 6, 1), day(2025, 7, 15))
        .await
        .unwrap();
    let want: Vec<_> = s.config.accounts()[1]
        .transactions
        .iter()
        .filter(|t| t.book_date >= day(2025, 6, 1))
        .map(|t| t.amount)
        .collect();
    assert_eq!(june.transactions.len(), want.len());
    assert_eq!(
        june.transactions
            .iter()
            .map(|t| t.amount.amount())
            .sum::<Decimal>(),
        want.iter().copied().sum::<Decimal>()
    );
}

#[tokio::test]
async fn the_18_month_limit_is_refused_before_any_request() {
    let s = setup().await;
    let earliest = s.client.earliest_book_date();
    let before = s.served();
    let too_old = earliest.pred_opt().unwrap();
    let err = s
        .client
        .transactions(ACCOUNT_A, too_old, s.config.today)
        .await
        .unwrap_err();
    match &err {
        BankError::Refused {
            status: 400,
            code,
            message,
            ..
        } => {
            assert_eq!(code, codes::FROM_DATE_TOO_OLD);
            assert!(message.contains("2023-12-30"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.served(), before, "no request was sent");
    // The server says the same when asked directly.
    assert_eq!(
        refused_code(
            s.client
                .transactions_page(ACCOUNT_A, Some(too_old), None, None)
                .await
        ),
        (400, codes::FROM_DATE_TOO_OLD.to_string())
    );
}

#[tokio::test]
async fn ten_thousand_transactions_each_exactly_once() {
    let s = setup_with(AbnAmroSandbox::default().with_large_account(), |_| {}).await;
    s.client.consent_info().await.unwrap();
    let before = s.served();
    let batch = s
        .client
        .transactions(ACCOUNT_LARGE, s.client.earliest_book_date(), s.config.today)
        .await
        .unwrap();
    assert_eq!(batch.transactions.len(), 10_000);
    assert_eq!(s.served() - before, 200);
    let ids: HashSet<&str> = batch
        .transactions
        .iter()
        .map(|t| t.provider_id.as_str())
        .collect();
    assert_eq!(ids.len(), 10_000, "every transaction exactly once");
    let seeded = &s.config.accounts()[2];
    let seeded_ids: HashSet<String> = seeded
        .transactions
        .iter()
        .filter(|t| !t.transaction_id.is_empty())
        .map(|t| t.transaction_id.clone())
        .collect();
    assert_eq!(seeded_ids.len(), 10_000 - 997); // 997 ATM withdrawals have no id
    assert!(seeded_ids.iter().all(|id| ids.contains(id.as_str())));
    let total: Decimal = batch.transactions.iter().map(|t| t.amount.amount()).sum();
    assert_eq!(total, dec("2124188.72"));
    let balance = s.client.balance(ACCOUNT_LARGE).await.unwrap();
    assert_eq!(balance.amount, eur("2374188.72"));
}

#[tokio::test]
async fn expired_token_is_refreshed_transparently() {
    let s = setup().await;
    s.client.details(ACCOUNT_A).await.unwrap();
    assert_eq!(s.knobs.token_requests(), 1);
    s.knobs.expire_tokens();
    let balance = s.client.balance(ACCOUNT_A).await.unwrap();
    assert_eq!(balance.amount, eur("158240.11"));
    assert_eq!(s.knobs.token_requests(), 2);
    s.client.details(ACCOUNT_B).await.unwrap();
    assert_eq!(s.knobs.token_requests(), 2);
}

#[tokio::test]
async fn token_past_its_lifetime_is_renewed_before_use() {
    let config = {
        let mut c = AbnAmroSandbox::default();
        c.token_lifetime_secs = 1;
        c
    };
    let s = setup_with(config, |_| {}).await;
    s.client.details(ACCOUNT_A).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.client.details(ACCOUNT_A).await.unwrap();
    assert_eq!(s.knobs.token_requests(), 2);
    // 2 tokens + 2 calls: no call was refused on the way.
    assert_eq!(s.served(), 4);
}

#[tokio::test]
async fn token_refused_after_a_refresh_is_reconnect() {
    let s = setup().await;
    s.knobs.issue_expired_tokens(true);
    let err = s.client.details(ACCOUNT_A).await.unwrap_err();
    assert!(matches!(err, BankError::Reconnect { .. }), "{err:?}");
    assert_eq!(err.code(), "BANK_RECONNECT");
    assert_eq!(s.knobs.token_requests(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_reconnect() {
    let s = setup_with(AbnAmroSandbox::default(), |c| {
        c.credentials = Credentials::new(
            "folio-sandbox-client",
            "not-the-secret",
            "sandbox-api-key-7c21",
        );
    })
    .await;
    let err = s.client.details(ACCOUNT_A).await.unwrap_err();
    assert!(matches!(err, BankError::Reconnect { .. }), "{err:?}");

    let s = setup_with(AbnAmroSandbox::default(), |c| {
        c.credentials = Credentials::new(
            "folio-sandbox-client",
            "sandbox-client-secret-3f9a",
            "not-the-api-key",
        );
    })
    .await;
    let err = s.client.details(ACCOUNT_A).await.unwrap_err();
    match &err {
        BankError::Reconnect { detail, .. } => {
            assert!(detail.contains("API_KEY_INVALID"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // A fresh token was tried once before giving up.
    assert_eq!(s.knobs.token_requests(), 2);
}

#[tokio::test]
async fn scopes_are_checked() {
    let granted = vec![
        sandbox::SCOPE_DETAILS.to_string(),
        sandbox::SCOPE_BALANCE.to_string(),
        sandbox::SCOPE_TRANSACTIONS.to_string(),
    ];
    let s = setup_with(
        {
            let mut c = AbnAmroSandbox::default();
            c.granted_scopes = granted;
            c
        },
        |_| {},
    )
    .await;
    s.client.details(ACCOUNT_A).await.unwrap();
    let err = s.client.funds(ACCOUNT_A, eur("10.00")).await.unwrap_err();
    match err {
        BankError::ActionNeeded { code, .. } => assert_eq!(code, codes::INSUFFICIENT_SCOPE),
        other => panic!("{other:?}"),
    }
    let info = s.client.consent_info().await.unwrap();
    assert_eq!(info.scopes.len(), 3);

    let s = setup_with(
        {
            let mut c = AbnAmroSandbox::default();
            c.granted_scopes = Vec::new();
            c
        },
        |_| {},
    )
    .await;
    match s.client.details(ACCOUNT_A).await.unwrap_err() {
        BankError::ActionNeeded { code, .. } => assert_eq!(code, codes::INVALID_SCOPE),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rate_limited_then_success() {
    let s = setup().await;
    s.client.consent_info().await.unwrap();
    s.server.faults.rate_limit_next(1, 1);
    let started = std::time::Instant::now();
    let details = s.client.details(ACCOUNT_A).await.unwrap();
    assert_eq!(details.account_number, ACCOUNT_A);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );

    // Asked to wait longer than the policy allows: reported, not waited out.
    s.server.faults.rate_limit_next(1, 3600);
    assert_eq!(
        s.client.details(ACCOUNT_A).await.unwrap_err(),
        BankError::RateLimited {
            provider: "ABN AMRO",
            retry_after_secs: 3600
        }
    );
}

#[tokio::test]
async fn server_error_then_success() {
    let s = setup().await;
    s.client.consent_info().await.unwrap();
    let before = s.served();
    s.server.faults.fail_next(2);
    let balance = s.client.balance(ACCOUNT_B).await.unwrap();
    assert_eq!(balance.amount, eur("133058.82"));
    assert_eq!(s.served() - before, 1);

    // Failing every attempt: unavailable (after the retries and one look at the body).
    s.server.faults.fail_next(5);
    assert_eq!(
        s.client.balance(ACCOUNT_B).await.unwrap_err(),
        BankError::Unavailable {
            provider: "ABN AMRO",
            status: 500
        }
    );
}

#[tokio::test]
async fn timeout_then_success() {
    let s = setup_with(AbnAmroSandbox::default(), |c| {
        c.policy.timeout = Duration::from_millis(300);
    })
    .await;
    s.client.consent_info().await.unwrap();
    s.server.faults.slow_next(1, Duration::from_secs(3));
    let started = std::time::Instant::now();
    let details = s.client.details(ACCOUNT_B).await.unwrap();
    assert_eq!(details.holder_name, "Van Dijk Holding B.V.");
    // Given up after 300 ms and asked again, not waited out.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // Slow every time: a network error after the retries.
    s.server.faults.slow_next(4, Duration::from_secs(3));
    let err = s.client.details(ACCOUNT_B).await.unwrap_err();
    assert!(matches!(err, BankError::Network { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_malformed() {
    let s = setup().await;
    s.client.consent_info().await.unwrap();
    s.server.faults.malformed_next(1);
    let err = s.client.balance(ACCOUNT_A).await.unwrap_err();
    assert!(matches!(err, BankError::Malformed { .. }), "{err:?}");
    s.server.faults.malformed_next(1);
    let err = s
        .client
        .transactions(ACCOUNT_A, day(2025, 6, 1), day(2025, 6, 30))
        .await
        .unwrap_err();
    assert!(matches!(err, BankError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn errors_the_sandbox_gives_for_bad_requests() {
    let s = setup().await;
    let c = &s.client;
    let today = s.config.today;
    assert_eq!(
        refused_code(c.details("").await),
        (400, codes::ACCOUNT_NUMBER_EMPTY.into())
    );
    assert_eq!(
        refused_code(c.details("NL00ABNA0417164300").await),
        (400, codes::IBAN_INVALID.into())
    );
    assert_eq!(
        refused_code(c.details("NL91ABNA04171643001234567890123456789").await),
        (400, codes::ACCOUNT_NUMBER_TOO_LONG.into())
    );
    // A valid IBAN this client has no access to.
    match c.balance(&sandbox::dutch_iban("ABNA", 123_456_789)).await {
        Err(BankError::ActionNeeded { code, message, .. }) => {
            assert_eq!(code, codes::NO_ACCESS_TO_ACCOUNT);
            assert!(message.contains("account holder"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let tomorrow = today.succ_opt().unwrap();
    let page = |from, to| c.transactions_page(ACCOUNT_A, from, to, None);
    assert_eq!(
        refused_code(page(None, Some(tomorrow)).await),
        (400, codes::TO_DATE_IN_FUTURE.into())
    );
    assert_eq!(
        refused_code(page(Some(tomorrow), None).await),
        (400, codes::FROM_DATE_IN_FUTURE.into())
    );
    assert_eq!(
        refused_code(page(Some(day(2025, 6, 2)), Some(day(2025, 6, 1))).await),
        (400, codes::FROM_AFTER_TO.into())
    );
    assert_eq!(
        refused_code(
            c.transactions_page(ACCOUNT_A, None, None, Some("not-a-key"))
                .await
        ),
        (400, "ERR_1004_001".into())
    );
    assert_eq!(
        refused_code(c.funds(ACCOUNT_A, eur("-5.00")).await),
        (400, codes::AMOUNT_INVALID.into())
    );
    assert_eq!(
        refused_code(c.funds(ACCOUNT_A, eur("0.0001")).await),
        (400, codes::AMOUNT_INVALID.into())
    );
    assert_eq!(
        refused_code(
            c.funds(ACCOUNT_A, Money::new(dec("5"), Currency::GBP))
                .await
        ),
        (400, codes::CURRENCY_INVALID.into())
    );
    // The Provider trait refuses too early dates itself; the same mapping for the server's.
    let err = c
        .transactions(ACCOUNT_A, tomorrow, tomorrow)
        .await
        .unwrap_err();
    assert_eq!(
        refused_code(Err::<(), _>(err)),
        (400, codes::FROM_DATE_IN_FUTURE.into())
    );
}

/// What the typed client cannot send (a malformed date, a blank amount): raw requests.
#[tokio::test]
async fn the_sandbox_answers_malformed_parameters_with_their_codes() {
    let s = setup().await;
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}{}", s.server.base_url, sandbox::TOKEN_PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
            s.config.client_id,
            s.config.client_secret,
            sandbox::SCOPES.join("%20")
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let get = |path: String| {
        http.get(format!("{}{path}", s.server.base_url))
            .bearer_auth(&token)
            .header("API-Key", &s.config.api_key)
            .send()
    };
    for (path, status, code) in [
        (
            format!("/v1/accounts/{ACCOUNT_A}/transactions?bookDateFrom=2025-13-01"),
            400,
            codes::FROM_DATE_INVALID,
        ),
        (
            format!("/v1/accounts/{ACCOUNT_A}/transactions?bookDateTo=30-06-2025"),
            400,
            codes::TO_DATE_INVALID,
        ),
        (format!("/v1/accounts/{ACCOUNT_A}/funds?amount="), 400, codes::AMOUNT_BLANK),
        (format!("/v1/accounts/{ACCOUNT_A}/funds"), 400, codes::AMOUNT_BLANK),
        (
            format!("/v1/accounts/{ACCOUNT_A}/funds?amount=1,50"),
            400,
            codes::AMOUNT_INVALID,
        ),
        (
            format!("/v1/accounts/{ACCOUNT_B}/transactions?bookDateFrom=2024-01-01&bookDateTo=2024-01-01"),
            500,
            codes::NO_DATA,
        ),
    ] {
        let resp = get(path.clone()).await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], code, "{path}");
        assert_eq!(body["status"], status.to_string());
        for field in ["message", "reference", "Trace-Id", "category"] {
            assert!(body[field].is_string(), "{field} in {body}");
        }
    }
    // Missing headers: ABN AMRO's generic codes.
    let resp = http
        .get(format!(
            "{}/v1/accounts/{ACCOUNT_A}/details",
            s.server.base_url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "ERR_1002_003");
}

#[tokio::test]
async fn each_documented_code_reaches_the_client_typed() {
    let s = setup().await;
    s.client.consent_info().await.unwrap();
    let refused_400 = [
        codes::ACCOUNT_NUMBER_EMPTY,
        codes::IBAN_INVALID,
        codes::TO_DATE_INVALID,
        codes::FROM_DATE_INVALID,
        codes::ACCOUNT_NUMBER_TOO_LONG,
        codes::FROM_AFTER_TO,
        codes::TO_DATE_IN_FUTURE,
        codes::FROM_DATE_IN_FUTURE,
        codes::AMOUNT_INVALID,
        codes::CURRENCY_INVALID,
        codes::AMOUNT_BLANK,
        codes::BOOK_DATE_INVALID,
        codes::BOOK_DATE_IN_FUTURE,
        codes::FROM_DATE_TOO_OLD,
    ];
    for code in refused_400 {
        s.knobs.answer_next_with(code);
        match s.client.details(ACCOUNT_A).await {
            Err(BankError::Refused {
                status: 400,
                code: got,
                message,
                ..
            }) => {
                assert_eq!(got, code);
                assert!(!message.is_empty());
            }
            other => panic!("{code}: {other:?}"),
        }
    }
    s.knobs.answer_next_with(codes::NO_ACCESS_TO_ACCOUNT);
    match s.client.details(ACCOUNT_A).await {
        Err(err @ BankError::ActionNeeded { .. }) => {
            assert_eq!(err.code(), "BANK_ACTION_NEEDED");
            assert!(err.to_string().contains("account holder"), "{err}");
        }
        other => panic!("{other:?}"),
    }
    // 500 MESSAGE_BAI560_0005: every retry sees it, then the body is read once more.
    for _ in 0..5 {
        s.knobs.answer_next_with(codes::NO_DATA);
    }
    assert_eq!(
        refused_code(s.client.details(ACCOUNT_A).await),
        (500, codes::NO_DATA.into())
    );
    // Any other 5xx code: unavailable.
    for _ in 0..5 {
        s.knobs.answer_next_with("MESSAGE_BAI560_9999");
    }
    assert_eq!(
        s.client.details(ACCOUNT_A).await.unwrap_err(),
        BankError::Unavailable {
            provider: "ABN AMRO",
            status: 500
        }
    );
    // A 500 that passes: retried, then the answer.
    s.knobs.answer_next_with("MESSAGE_BAI560_9999");
    assert!(s.client.details(ACCOUNT_A).await.is_ok());
}

#[tokio::test]
async fn days_without_bookings() {
    let s = setup().await;
    // Account B has no bookings from 2024-01-01 to 2024-01-03 (seeded).
    assert!(!s.config.accounts()[1]
        .transactions
        .iter()
        .any(|t| t.book_date >= day(2024, 1, 1) && t.book_date <= day(2024, 1, 3)));
    // One day: 500 MESSAGE_BAI560_0005, "no data exists": no transactions.
    let one_day = s
        .client
        .transactions(ACCOUNT_B, day(2024, 1, 1), day(2024, 1, 1))
        .await
        .unwrap();
    assert!(one_day.transactions.is_empty());
    assert_eq!(
        refused_code(
            s.client
                .transactions_page(
                    ACCOUNT_B,
                    Some(day(2024, 1, 1)),
                    Some(day(2024, 1, 1)),
                    None
                )
                .await
        ),
        (500, codes::NO_DATA.into())
    );
    // Several days: the blank response.
    let page = s
        .client
        .transactions_page(
            ACCOUNT_B,
            Some(day(2024, 1, 1)),
            Some(day(2024, 1, 3)),
            None,
        )
        .await
        .unwrap();
    assert!(page.transactions.is_empty());
    assert_eq!(page.next_page_key, None);
}

#[tokio::test]
async fn funds_check_and_consent_info() {
    let s = setup().await;
    let check = s.client.funds(ACCOUNT_A, eur("100.50")).await.unwrap();
    assert_eq!(check.account_number, ACCOUNT_A);
    assert_eq!(check.amount, eur("100.50"));
    assert!(check.available);
    // Balance 158,240.11 + credit line 5,000.00.
    assert!(
        s.client
            .funds(ACCOUNT_A, eur("163240.11"))
            .await
            .unwrap()
            .available
    );
    assert!(
        !s.client
            .funds(ACCOUNT_A, eur("163240.12"))
            .await
            .unwrap()
            .available
    );
    // Account B has no credit line; three decimals are allowed.
    assert!(
        !s.client
            .funds(ACCOUNT_B, eur("133058.821"))
            .await
            .unwrap()
            .available
    );
    let exact = s.client.funds(ACCOUNT_B, eur("133058.820")).await.unwrap();
    assert!(exact.available);
    assert_eq!(exact.amount.amount(), dec("133058.820"));
    assert!(
        !s.client
            .funds(ACCOUNT_A, Money::new(dec("1"), Currency::USD))
            .await
            .unwrap()
            .available
    );

    let info = s.client.consent_info().await.unwrap();
    assert_eq!(info.iban, Some(Iban::parse(ACCOUNT_A).unwrap()));
    assert_eq!(info.transaction_id, None);
    assert_eq!(
        info.scopes,
        vec![
            "account:details:read",
            "account:balance:read",
            "account:transaction:read",
            "account:funds:read"
        ]
    );
    let in_an_hour = chrono::DateTime::from_timestamp(
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
            + 3600,
        0,
    )
    .unwrap();
    assert!(info.valid_until > in_an_hour, "token valid for 2 hours");
}

#[tokio::test]
async fn debug_and_errors_hide_the_secrets() {
    let s = setup().await;
    s.client.details(ACCOUNT_A).await.unwrap();
    let secrets = [
        s.config.client_id.as_str(),
        s.config.client_secret.as_str(),
        s.config.api_key.as_str(),
        "sbx-at-",
    ];
    let debug = format!("{:?}", s.client);
    let config_debug = format!("{:?}", client_config(&s.server, &s.config));
    for secret in secrets {
        assert!(!debug.contains(secret), "{debug}");
        assert!(!config_debug.contains(secret), "{config_debug}");
    }
    assert!(debug.contains("<redacted>"));
    s.knobs.issue_expired_tokens(true);
    s.knobs.expire_tokens();
    let err = s.client.details(ACCOUNT_A).await.unwrap_err();
    let text = format!("{err} {err:?}");
    for secret in secrets {
        assert!(!text.contains(secret), "{text}");
    }
}
