//! The Budgea client against the Budgea sandbox: connect flow, accounts, paged transactions,
//! deleted ones, and every fault the sandbox can produce.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::NaiveDate;
use folio_banks::budgea::{parse_connect_redirect, parse_reconnect_redirect, Budgea};
use folio_banks::http::RetryPolicy;
use folio_banks::{BankError, Provider, TransactionBatch};
use folio_ledger::{Currency, Money};
use folio_sandbox::budgea::{self as sandbox, BudgeaSandbox, Dataset};
use folio_sandbox::Running;
use rust_decimal::Decimal;

const REDIRECT: &str = "https://folio.example/budgea/callback";

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn eur(text: &str) -> Money {
    Money::new(Decimal::from_str(text).expect("a decimal"), Currency::EUR)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// Opens `url` like a browser would, without following the redirect; the `Location`.
async fn location_of(url: &str) -> String {
    let resp = no_redirects()
        .get(url)
        .send()
        .await
        .expect("the webview answers");
    assert_eq!(resp.status(), reqwest::StatusCode::FOUND);
    resp.headers()
        .get(reqwest::header::LOCATION)
        .expect("a Location")
        .to_str()
        .expect("ASCII")
        .to_string()
}

/// The whole connect flow; the client holds the token it got.
async fn connect(running: &Running, config: &BudgeaSandbox, policy: RetryPolicy) -> Budgea {
    let client = Budgea::new(&running.base_url, config.client_id.clone(), policy).expect("client");
    let url = client
        .connect_url(REDIRECT, "state-123")
        .expect("connect url");
    let location = location_of(url.as_str()).await;
    let callback = parse_connect_redirect(&location, "state-123").expect("a code");
    let token = client
        .exchange_code(&config.client_secret, &callback.code)
        .await
        .expect("a token");
    client.with_token(token)
}

async fn start(config: &BudgeaSandbox) -> Running {
    sandbox::start(config.clone())
        .await
        .expect("sandbox starts")
}

/// What the sandbox holds for an account between two dates: (booked ids, their sum, deleted ids).
fn expected(
    data: &Dataset,
    account: u64,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<String>, Money, Vec<String>) {
    let rows = data
        .transactions
        .iter()
        .filter(|t| t.id_account == account && t.date >= from && t.date <= to);
    let mut booked = Vec::new();
    let mut deleted = Vec::new();
    let mut sum = Money::zero(Currency::EUR);
    for t in rows {
        if t.deleted {
            deleted.push(t.id.to_string());
        } else if !t.coming {
            booked.push(t.id.to_string());
            sum = sum
                .checked_add(Money::new(t.value, Currency::EUR))
                .expect("same currency");
        }
    }
    (booked, sum, deleted)
}

fn ids(batch: &TransactionBatch) -> Vec<String> {
    batch
        .transactions
        .iter()
        .map(|t| t.provider_id.clone())
        .collect()
}

fn total(batch: &TransactionBatch) -> Money {
    batch
        .transactions
        .iter()
        .try_fold(Money::zero(Currency::EUR), |acc, t| {
            acc.checked_add(t.amount)
        })
        .expect("same currency")
}

#[tokio::test]
async fn connect_flow_then_accounts_and_transactions() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client =
        Budgea::new(&running.base_url, config.client_id.clone(), policy()).expect("client");
    assert!(!client.is_connected());

    let url = client.connect_url(REDIRECT, "s t&ate").expect("url");
    assert_eq!(url.path(), "/2.0/auth/webview/connect");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        vec![
            ("client_id".to_string(), "17473055".to_string()),
            ("redirect_uri".to_string(), REDIRECT.to_string()),
            ("state".to_string(), "s t&ate".to_string()),
        ]
    );

    let location = location_of(url.as_str()).await;
    assert!(location.starts_with(REDIRECT), "{location}");
    let callback = parse_connect_redirect(&location, "s t&ate").expect("code");
    assert_eq!(callback.connection_id.as_deref(), Some("11"));
    let token = client
        .exchange_code(&config.client_secret, &callback.code)
        .await
        .expect("token");
    // A code is good once.
    let again = client
        .exchange_code(&config.client_secret, &callback.code)
        .await;
    assert!(
        matches!(&again, Err(BankError::Refused { status: 400, code, .. }) if code == "invalidCode"),
        "{again:?}"
    );
    let client = client.with_token(token);
    assert!(client.is_connected());

    let accounts = client.accounts().await.expect("accounts");
    let summary: Vec<(String, String, Option<String>, Option<Money>)> = accounts
        .iter()
        .map(|a| {
            (
                a.provider_id.clone(),
                a.name.clone(),
                a.iban.as_ref().map(|i| i.as_str().to_string()),
                a.balance,
            )
        })
        .collect();
    let data = config.dataset();
    let seeded: Vec<(String, String, Option<String>, Option<Money>)> = data
        .accounts
        .iter()
        .filter(|a| !a.deleted)
        .map(|a| {
            (
                a.id.to_string(),
                a.name.clone(),
                Some(a.iban.clone()),
                Some(Money::new(a.balance, Currency::EUR)),
            )
        })
        .collect();
    assert_eq!(summary, seeded);
    // Pinned: the deleted account 202 is left out; IBANs are valid (parsed as `Iban`).
    assert_eq!(
        summary.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        vec!["101", "102", "201"]
    );
    assert_eq!(summary[1].3, Some(eur("9123.45")));
    assert!(accounts
        .iter()
        .all(|a| a.balance_date == Some(day(2024, 7, 1))));
    assert!(accounts.iter().all(|a| a.currency == Currency::EUR));

    let (from, to) = (day(2024, 1, 1), day(2024, 6, 30));
    let batch = client
        .transactions("101", from, to)
        .await
        .expect("transactions");
    let (booked, sum, deleted) = expected(&data, 101, from, to);
    assert_eq!(ids(&batch), booked);
    assert_eq!(total(&batch), sum);
    assert_eq!(batch.deleted, deleted);
    // Pinned numbers of the seeded data, so a change of either side shows.
    assert_eq!(batch.transactions.len(), PINNED_101_COUNT);
    assert_eq!(batch.deleted.len(), PINNED_101_DELETED);
    assert_eq!(total(&batch), eur(PINNED_101_SUM));
    // The coming (not booked) transaction is not reported.
    assert!(batch
        .transactions
        .iter()
        .all(|t| t.description != "CARTE EN COURS AMAZON"));
    // Every deleted id is reported once and never as a transaction too.
    let booked_ids: HashSet<&str> = batch
        .transactions
        .iter()
        .map(|t| t.provider_id.as_str())
        .collect();
    assert!(batch
        .deleted
        .iter()
        .all(|d| !booked_ids.contains(d.as_str())));
}

const PINNED_101_COUNT: usize = 71;
const PINNED_101_DELETED: usize = 6;
const PINNED_101_SUM: &str = "5552.07";

#[tokio::test]
async fn transactions_follow_every_page_and_the_dates_asked() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client = connect(&running, &config, policy()).await;
    let data = config.dataset();

    let (from, to) = (day(2024, 1, 1), day(2024, 6, 30));
    let whole = client
        .transactions("201", from, to)
        .await
        .expect("one page");
    let served_before = running.faults.served.load(Ordering::SeqCst);
    let paged = client
        .clone()
        .with_page_size(7)
        .transactions("201", from, to)
        .await
        .expect("pages");
    let served = running.faults.served.load(Ordering::SeqCst) - served_before;
    assert_eq!(paged, whole);
    let rows = whole.transactions.len() + whole.deleted.len();
    // One call for the account, then ceil(rows / 7) pages.
    assert_eq!(served as usize, 1 + rows.div_ceil(7));
    let (booked, sum, deleted) = expected(&data, 201, from, to);
    assert_eq!(ids(&paged), booked);
    assert_eq!(total(&paged), sum);
    assert_eq!(paged.deleted, deleted);

    // Both bounds are inclusive: March alone.
    let march = client
        .transactions("201", day(2024, 3, 1), day(2024, 3, 31))
        .await
        .expect("march");
    let (booked, sum, deleted) = expected(&data, 201, day(2024, 3, 1), day(2024, 3, 31));
    assert_eq!(ids(&march), booked);
    assert_eq!(total(&march), sum);
    assert_eq!(march.deleted, deleted);
    assert!(march
        .transactions
        .iter()
        .all(|t| t.date >= day(2024, 3, 1) && t.date <= day(2024, 3, 31)));
    assert!(march
        .transactions
        .iter()
        .any(|t| t.date == day(2024, 3, 27)));
}

#[tokio::test]
async fn ten_thousand_transactions_each_exactly_once() {
    let config = BudgeaSandbox {
        large_account: true,
        max_limit: 250,
        ..BudgeaSandbox::new()
    };
    let running = start(&config).await;
    let client = connect(&running, &config, policy()).await;
    let (from, to) = (day(2023, 1, 1), day(2024, 6, 30));
    let before = running.faults.served.load(Ordering::SeqCst);
    let batch = client
        .transactions(&sandbox::LARGE_ACCOUNT.to_string(), from, to)
        .await
        .expect("all pages");
    let served = running.faults.served.load(Ordering::SeqCst) - before;
    // The client asks for 1000 a page; the sandbox serves 250: 40 pages, plus the account.
    assert_eq!(served, 41);
    let mut all: Vec<String> = ids(&batch);
    all.extend(batch.deleted.iter().cloned());
    assert_eq!(all.len(), sandbox::LARGE_ACCOUNT_TRANSACTIONS);
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), sandbox::LARGE_ACCOUNT_TRANSACTIONS);
    let (booked, sum, deleted) = expected(&config.dataset(), sandbox::LARGE_ACCOUNT, from, to);
    assert_eq!(ids(&batch), booked);
    assert_eq!(total(&batch), sum);
    assert_eq!(batch.deleted, deleted);
}

/// The reference answer, then the same call through `fault`: equal, and `extra` more requests.
async fn same_after_fault(fault: impl Fn(&Running), policy: RetryPolicy) {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client = connect(&running, &config, policy).await;
    let (from, to) = (day(2024, 1, 1), day(2024, 6, 30));
    let reference = client
        .transactions("101", from, to)
        .await
        .expect("reference");
    let accounts = client.accounts().await.expect("accounts");

    fault(&running);
    let before = running.faults.served.load(Ordering::SeqCst);
    let again = client.transactions("101", from, to).await.expect("retried");
    assert_eq!(again, reference);
    fault(&running);
    assert_eq!(client.accounts().await.expect("retried"), accounts);
    let served = running.faults.served.load(Ordering::SeqCst) - before;
    // account + 1 page + accounts: the faults were answered before reaching the API.
    assert_eq!(served, 3);
}

#[tokio::test]
async fn rate_limited_then_served() {
    same_after_fault(|r| r.faults.rate_limit_next(2, 0), policy()).await;
}

#[tokio::test]
async fn server_errors_then_served() {
    same_after_fault(|r| r.faults.fail_next(3), policy()).await;
}

#[tokio::test]
async fn a_timeout_then_served() {
    let short = RetryPolicy {
        timeout: Duration::from_millis(400),
        ..policy()
    };
    same_after_fault(|r| r.faults.slow_next(1, Duration::from_secs(5)), short).await;
}

#[tokio::test]
async fn too_many_server_errors_are_reported() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client = connect(&running, &config, policy()).await;
    running.faults.fail_next(4);
    let err = client.accounts().await;
    assert_eq!(
        err,
        Err(BankError::Unavailable {
            provider: "Budgea",
            status: 500
        })
    );
}

/// The connect code is single-use: a 5xx on its exchange is reported, never sent again (the
/// server may have spent it); the person connects again.
#[tokio::test]
async fn a_failed_code_exchange_is_not_retried() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client =
        Budgea::new(&running.base_url, config.client_id.clone(), policy()).expect("client");
    let url = client.connect_url(REDIRECT, "s-5xx").expect("connect url");
    let location = location_of(url.as_str()).await;
    let callback = parse_connect_redirect(&location, "s-5xx").expect("a code");
    let before = running
        .faults
        .served
        .load(std::sync::atomic::Ordering::SeqCst);
    running.faults.fail_next(1);
    let err = client
        .exchange_code(&config.client_secret, &callback.code)
        .await;
    assert_eq!(
        err,
        Err(BankError::Unavailable {
            provider: "Budgea",
            status: 500
        })
    );
    let after = running
        .faults
        .served
        .load(std::sync::atomic::Ordering::SeqCst);
    // The one attempt met the fault; a retry would have reached the server.
    assert_eq!(after, before, "not sent again");
}

#[tokio::test]
async fn malformed_json_is_reported_not_retried() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client = connect(&running, &config, policy()).await;
    running.faults.malformed_next(1);
    let before = running.faults.served.load(Ordering::SeqCst);
    let err = client.accounts().await;
    assert!(
        matches!(
            &err,
            Err(BankError::Malformed {
                provider: "Budgea",
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(running.faults.served.load(Ordering::SeqCst), before);
    // The next call is answered normally.
    assert_eq!(client.accounts().await.expect("accounts").len(), 3);
}

#[tokio::test]
async fn expired_token_asks_to_reconnect() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client = connect(&running, &config, policy()).await;
    client.accounts().await.expect("works before");
    config.control.expire_tokens();
    let err = client.accounts().await;
    assert!(
        matches!(
            &err,
            Err(BankError::Reconnect {
                provider: "Budgea",
                ..
            })
        ),
        "{err:?}"
    );
    let err = client
        .transactions("101", day(2024, 1, 1), day(2024, 6, 30))
        .await;
    assert!(matches!(&err, Err(BankError::Reconnect { .. })), "{err:?}");
    // Without any token at all: the same, without a request.
    let fresh = Budgea::new(&running.base_url, "17473055", policy()).expect("client");
    assert!(matches!(
        fresh.accounts().await,
        Err(BankError::Reconnect { .. })
    ));
}

#[tokio::test]
async fn wrongpass_needs_the_person_until_reconnected() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client = connect(&running, &config, policy()).await;
    config.control.set_wrongpass(true);
    let (from, to) = (day(2024, 1, 1), day(2024, 6, 30));

    let err = client.transactions("201", from, to).await;
    assert!(
        matches!(&err, Err(BankError::ActionNeeded { provider: "Budgea", code, message })
            if code == "wrongpass" && message.contains("Wrong password")),
        "{err:?}"
    );
    // The other connection's accounts still sync.
    client
        .transactions("101", from, to)
        .await
        .expect("healthy connection");

    let connections = client.connections().await.expect("connections");
    let states: Vec<(String, Option<String>)> = connections
        .iter()
        .map(|c| (c.id.clone(), c.error.clone()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("11".to_string(), None),
            ("12".to_string(), Some("wrongpass".to_string()))
        ]
    );
    assert!(connections[0].problem().is_none());
    assert!(
        matches!(connections[1].problem(), Some(BankError::ActionNeeded { code, .. }) if code == "wrongpass")
    );
    let err = client.resync("12").await;
    assert!(
        matches!(&err, Err(BankError::ActionNeeded { code, .. }) if code == "wrongpass"),
        "{err:?}"
    );
    assert_eq!(client.resync("11").await.expect("resync").error, None);

    // The reconnect webview repairs it.
    let url = client
        .reconnect_url("12", REDIRECT, "again-1")
        .await
        .expect("reconnect url");
    assert_eq!(url.path(), "/2.0/auth/webview/reconnect");
    let location = location_of(url.as_str()).await;
    parse_reconnect_redirect(&location, "again-1").expect("reconnected");
    let batch = client
        .transactions("201", from, to)
        .await
        .expect("repaired");
    let (booked, _, _) = expected(&config.dataset(), 201, from, to);
    assert_eq!(ids(&batch), booked);
}

#[tokio::test]
async fn a_wrong_state_or_a_cancel_is_refused() {
    let config = BudgeaSandbox {
        auto_approve: false,
        ..BudgeaSandbox::new()
    };
    let running = start(&config).await;
    let client =
        Budgea::new(&running.base_url, config.client_id.clone(), policy()).expect("client");
    let url = client.connect_url(REDIRECT, "mine").expect("url");

    // Not auto-approving: a page with Approve and Cancel.
    let page = no_redirects().get(url.as_str()).send().await.expect("page");
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"approve\"") && html.contains("id=\"cancel\""));

    let approve = format!("{url}&decision=approve");
    let location = location_of(&approve).await;
    let err = parse_connect_redirect(&location, "someone-else");
    assert!(
        matches!(&err, Err(BankError::Refused { code, .. }) if code == "state_mismatch"),
        "{err:?}"
    );
    let no_state = location
        .split('&')
        .filter(|p| !p.starts_with("state="))
        .collect::<Vec<_>>()
        .join("&");
    assert!(matches!(
        parse_connect_redirect(&no_state, "mine"),
        Err(BankError::Refused { .. })
    ));
    // The right state goes through.
    assert!(parse_connect_redirect(&location, "mine").is_ok());

    let cancel = format!("{url}&decision=cancel");
    let location = location_of(&cancel).await;
    let err = parse_connect_redirect(&location, "mine");
    assert!(
        matches!(&err, Err(BankError::ActionNeeded { code, message, .. })
            if code == "access_denied" && message.contains("cancelled")),
        "{err:?}"
    );
    // Unknown error codes fall back to a generic message, keeping the code.
    let err = parse_connect_redirect(&format!("{REDIRECT}?error=brandNewCode&state=mine"), "mine");
    assert!(matches!(&err, Err(BankError::ActionNeeded { code, .. }) if code == "brandNewCode"));
    // Neither a code nor an error: malformed.
    assert!(matches!(
        parse_connect_redirect(&format!("{REDIRECT}?state=mine"), "mine"),
        Err(BankError::Malformed { .. })
    ));
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client =
        Budgea::new(&running.base_url, config.client_id.clone(), policy()).expect("client");
    let url = client.connect_url(REDIRECT, "x").expect("url");
    let callback = parse_connect_redirect(&location_of(url.as_str()).await, "x").expect("code");
    let err = client.exchange_code("not-the-secret", &callback.code).await;
    assert!(
        matches!(&err, Err(BankError::Refused { status: 400, code, .. }) if code == "invalidClient"),
        "{err:?}"
    );
}

#[tokio::test]
async fn debug_never_shows_the_token() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let token = "tok-secret-0123456789abcdef".to_string();
    let client = Budgea::new(&running.base_url, "17473055", policy())
        .expect("client")
        .with_token(token.clone());
    let shown = format!("{client:?} {client:#?}");
    assert!(!shown.contains(&token), "{shown}");
    assert!(shown.contains("<redacted>"));
    // Nor in the error an unknown token brings.
    let err = client.accounts().await.expect_err("unknown token");
    assert!(!format!("{err} {err:?}").contains(&token));

    let callback = parse_connect_redirect(&format!("{REDIRECT}?code=abc-secret-code&state=s"), "s")
        .expect("callback");
    assert!(!format!("{callback:?}").contains("abc-secret-code"));
}

/// As Budgea's published spec says: a transaction list leaves deleted transactions out unless
/// asked with `all` (every one) or `deleted` (only those); the client asks with `all=true`.
#[tokio::test]
async fn deleted_transactions_only_when_asked() {
    let config = BudgeaSandbox::new();
    let running = start(&config).await;
    let client =
        Budgea::new(&running.base_url, config.client_id.clone(), policy()).expect("client");
    let url = client.connect_url(REDIRECT, "s").expect("connect url");
    let callback = parse_connect_redirect(&location_of(url.as_str()).await, "s").expect("code");
    let token = client
        .exchange_code(&config.client_secret, &callback.code)
        .await
        .expect("a token");
    let client = client.with_token(token.clone());
    let list = |extra: &'static str| {
        let url = format!(
            "{}/2.0/users/me/accounts/101/transactions?min_date=2024-01-01&max_date=2024-06-30{extra}",
            running.base_url
        );
        let token = token.clone();
        async move {
            let body: serde_json::Value = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("an answer")
                .json()
                .await
                .expect("JSON");
            let rows = body["transactions"].as_array().cloned().unwrap_or_default();
            let deleted = rows.iter().filter(|t| !t["deleted"].is_null()).count();
            (rows.len(), deleted)
        }
    };
    let (default, default_deleted) = list("").await;
    let (all, all_deleted) = list("&all=true").await;
    let (only, only_deleted) = list("&deleted=true").await;
    assert_eq!(default_deleted, 0);
    assert!(all_deleted > 0);
    assert_eq!(all, default + all_deleted);
    assert_eq!((only, only_deleted), (all_deleted, all_deleted));

    let batch = client
        .transactions("101", day(2024, 1, 1), day(2024, 6, 30))
        .await
        .expect("transactions");
    assert_eq!(batch.deleted.len(), all_deleted);
}
