//! The Belfius client against the Belfius sandbox: consent, accounts, balances, paged
//! transactions, the 90-day SCA rule, and every fault the sandbox can produce.

use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use folio_banks::belfius::{
    parse_consent_redirect, AccountDetails, Belfius, TransactionQuery, SCA_REQUIRED,
};
use folio_banks::http::RetryPolicy;
use folio_banks::{BankError, BankTransaction, Provider};
use folio_ledger::{Currency, Money};
use folio_sandbox::belfius::{
    self as sandbox, BelfiusSandbox, SeedAccount, SeedTransaction, CONSENT_CODE,
    LARGE_ACCOUNT_TRANSACTIONS,
};
use folio_sandbox::Running;
use rust_decimal::Decimal;

const REDIRECT: &str = "http://127.0.0.1:1/folio/belfius/callback";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).expect("a date")
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).expect("a date")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("an amount")
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    }
}

async fn start(large_account: bool) -> (Running, BelfiusSandbox) {
    let config = BelfiusSandbox {
        large_account,
        ..BelfiusSandbox::new(today())
    };
    let running = sandbox::start(config.clone()).await.expect("sandbox");
    (running, config)
}

fn client(running: &Running, config: &BelfiusSandbox) -> Belfius {
    Belfius::new(
        &running.base_url,
        &config.client_id,
        REDIRECT,
        config.access_token.clone(),
    )
    .expect("client")
    .with_retry_policy(policy())
    .expect("client")
    .with_today(today())
}

fn seeded(config: &BelfiusSandbox, n: usize) -> SeedAccount {
    sandbox::seed_accounts(config).swap_remove(n)
}

/// What the client should make of the seeded transactions in [from, to] (inclusive), in EUR.
fn expected(account: &SeedAccount, from: NaiveDate, to: NaiveDate) -> Vec<BankTransaction> {
    account
        .transactions
        .iter()
        .filter(|t| t.currency == "EUR" && t.execution_date >= from && t.execution_date <= to)
        .map(|t: &SeedTransaction| BankTransaction {
            provider_id: t.transaction_ref.clone(),
            date: t.execution_date,
            value_date: Some(t.value_date),
            description: format!("{} / {}", t.counterparty_info, t.communication),
            amount: Money::new(t.amount, Currency::EUR),
        })
        .collect()
}

fn total(transactions: &[BankTransaction]) -> Decimal {
    transactions.iter().map(|t| t.amount.amount()).sum()
}

fn served(running: &Running) -> u32 {
    running.faults.served.load(Ordering::SeqCst)
}

#[tokio::test]
async fn consent_redirects_back_with_the_state_checked() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    let state = folio_banks::belfius::new_consent_state();
    let url = bank.consent_url(&state).unwrap();
    assert_eq!(url.path(), "/consent");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    for (k, v) in [
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", state.as_str()),
        ("scope", "AIS"),
        ("lang", "fr"),
    ] {
        assert!(
            pairs.contains(&(k.to_string(), v.to_string())),
            "{k} in {url}"
        );
    }

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(url).send().await.unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT), "{location}");

    let grant = parse_consent_redirect(&location, REDIRECT, &state).unwrap();
    assert_eq!(grant.code, CONSENT_CODE);
    assert!(!format!("{grant:?}").contains(CONSENT_CODE));

    let other = parse_consent_redirect(&location, REDIRECT, "another-state");
    assert!(
        matches!(other, Err(BankError::Malformed { .. })),
        "{other:?}"
    );
}

/// The consent page a person sees (auto-approve off): nothing is granted until they approve;
/// approving hands back a code that trades for tokens; cancelling says so, typed.
#[tokio::test]
async fn a_person_approves_the_consent_and_the_code_trades_for_tokens() {
    let config = BelfiusSandbox {
        auto_approve: false,
        ..BelfiusSandbox::new(today())
    };
    let running = sandbox::start(config.clone()).await.expect("sandbox");
    let bank = client(&running, &config);
    let state = folio_banks::belfius::new_consent_state();
    let url = bank.consent_url(&state).unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser.get(url.clone()).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    let link = |id: &str| {
        let needle = format!("id=\"{id}\" href=\"");
        let start = html.find(&needle).unwrap() + needle.len();
        let end = start + html[start..].find('"').unwrap();
        format!(
            "{}{}",
            running.base_url.trim_end_matches('/'),
            html[start..end].replace("&amp;", "&")
        )
    };

    let cancelled = browser.get(link("cancel")).send().await.unwrap();
    let back = cancelled.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let refused = parse_consent_redirect(&back, REDIRECT, &state);
    assert!(
        matches!(&refused, Err(BankError::ActionNeeded { code, .. }) if code == "access_denied"),
        "{refused:?}"
    );

    let approved = browser.get(link("approve")).send().await.unwrap();
    assert_eq!(approved.status(), reqwest::StatusCode::FOUND);
    let back = approved.headers()["location"].to_str().unwrap().to_string();
    let grant = parse_consent_redirect(&back, REDIRECT, &state).unwrap();
    let tokens = folio_banks::belfius::exchange_consent_code(
        &running.base_url,
        &config.client_id,
        REDIRECT,
        &grant.code,
    )
    .await
    .unwrap();
    assert_eq!(tokens.access_token, config.access_token);
    assert_eq!(tokens.sca_token.as_deref(), Some(config.sca_token.as_str()));
    assert!(!format!("{tokens:?}").contains(&config.access_token));

    // The token works; a wrong code asks for the consent again.
    let synced = Belfius::new(
        &running.base_url,
        &config.client_id,
        REDIRECT,
        tokens.access_token,
    )
    .unwrap()
    .with_today(today())
    .accounts()
    .await
    .unwrap();
    assert_eq!(synced.len(), sandbox::seed_accounts(&config).len());
    let wrong = folio_banks::belfius::exchange_consent_code(
        &running.base_url,
        &config.client_id,
        REDIRECT,
        "not-the-code",
    )
    .await;
    assert!(
        matches!(wrong, Err(BankError::Reconnect { .. })),
        "{wrong:?}"
    );
}

#[tokio::test]
async fn accounts_come_with_balances_and_compartments() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    let seeds = sandbox::seed_accounts(&config);

    let refs = bank.list_accounts().await.unwrap();
    assert_eq!(refs.len(), 3);
    for (r, s) in refs.iter().zip(&seeds) {
        assert_eq!(r.logical_id, s.logical_id);
        assert_eq!(r.iban.as_ref().map(|i| i.as_str()), Some(s.iban.as_str()));
        assert_eq!(r.currency, Some(Currency::EUR));
    }

    let accounts = bank.accounts().await.unwrap();
    assert_eq!(accounts.len(), 3);
    let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["Compte à vue", "Compte épargne projets", "Compte commun"]
    );
    // Balances: opening + every seeded movement, pinned.
    let balances: Vec<Decimal> = accounts
        .iter()
        .map(|a| a.balance.unwrap().amount())
        .collect();
    assert_eq!(balances[1], dec("9300.00"));
    assert_eq!(balances[2], dec("-12.34"));
    assert_eq!(
        balances[0],
        dec("1500.00")
            + seeds[0]
                .transactions
                .iter()
                .filter(|t| t.currency == "EUR")
                .map(|t| t.amount)
                .sum::<Decimal>()
    );
    assert_eq!(balances[0], dec("861.26"));
    for (a, s) in accounts.iter().zip(&seeds) {
        assert_eq!(a.provider_id, s.logical_id);
        assert_eq!(a.currency, Currency::EUR);
        assert_eq!(a.iban.as_ref().unwrap().as_str(), s.iban);
        assert_eq!(a.number, None);
    }

    let details: AccountDetails = bank.account_details(&seeds[0].logical_id).await.unwrap();
    assert!(details.multicurrency);
    assert_eq!(
        details.product_name.as_deref(),
        Some("Belfius Pack Comfort")
    );
    assert_eq!(details.product_type.as_deref(), Some("payment-account"));
    assert_eq!(details.psu_name.as_deref(), Some("Francois Dupont"));
    assert_eq!(
        details.other_compartments,
        vec![
            Money::new(dec("861.26"), Currency::EUR),
            Money::new(dec("344.75"), Currency::USD),
        ]
    );
    let single = bank.account_details(&seeds[1].logical_id).await.unwrap();
    assert!(!single.multicurrency);
    assert!(single.other_compartments.is_empty());

    let unknown = bank.account_details("no-such-account").await;
    assert!(
        matches!(&unknown, Err(BankError::Refused { status: 404, code, .. }) if code == "ACCOUNT_NOT_FOUND"),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn transactions_are_read_across_pages_with_exact_totals() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config).with_page_size(7);
    let seed = seeded(&config, 0);

    let before = served(&running);
    let batch = bank
        .transactions(&seed.logical_id, days_ago(90), today())
        .await
        .unwrap();
    let want = expected(&seed, days_ago(90), today());
    assert_eq!(batch.transactions, want);
    assert!(batch.deleted.is_empty());
    assert_eq!(batch.transactions.len(), 75);
    assert_eq!(total(&batch.transactions), dec("-513.48"));
    // 75 transactions, 7 a page: 11 requests.
    assert_eq!(served(&running) - before, 11);

    // date_to is exclusive on the wire, `to` inclusive in the trait: one day.
    let one_day = bank
        .transactions(&seed.logical_id, days_ago(1), days_ago(1))
        .await
        .unwrap();
    assert_eq!(
        one_day.transactions,
        expected(&seed, days_ago(1), days_ago(1))
    );
    assert_eq!(one_day.transactions.len(), 1);

    // The weekly account: 13 deposits of 50.00 within 90 days.
    let weekly = seeded(&config, 1);
    let batch = bank
        .transactions(&weekly.logical_id, days_ago(90), today())
        .await
        .unwrap();
    assert_eq!(batch.transactions.len(), 13);
    assert_eq!(total(&batch.transactions), dec("650.00"));

    // The USD compartment, asked for by currency.
    let usd = bank
        .booked_transactions(
            &seed.logical_id,
            &TransactionQuery {
                date_from: Some(days_ago(90)),
                date_to: None,
                currency: Some(Currency::USD),
            },
        )
        .await
        .unwrap();
    assert_eq!(usd.len(), 3);
    assert!(usd.iter().all(|t| t.amount.currency() == Currency::USD));
    assert_eq!(total(&usd), dec("49.50"));

    // No movements: an empty batch, not an error.
    let empty = bank
        .transactions(&seeded(&config, 2).logical_id, days_ago(90), today())
        .await
        .unwrap();
    assert!(empty.transactions.is_empty());
}

#[tokio::test]
async fn a_large_account_gives_every_transaction_exactly_once() {
    let (running, config) = start(true).await;
    let bank = client(&running, &config)
        .with_page_size(500)
        .with_sca_token(config.sca_token.clone());
    let seed = seeded(&config, 3);
    assert_eq!(seed.transactions.len(), LARGE_ACCOUNT_TRANSACTIONS);

    let before = served(&running);
    let batch = bank
        .transactions(&seed.logical_id, days_ago(400), today())
        .await
        .unwrap();
    assert_eq!(served(&running) - before, 20);
    assert_eq!(batch.transactions.len(), 10_000);
    let mut ids: Vec<&str> = batch
        .transactions
        .iter()
        .map(|t| t.provider_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10_000);
    assert_eq!(batch.transactions, expected(&seed, days_ago(400), today()));
    assert_eq!(total(&batch.transactions), seed.balance);
    assert_eq!(total(&batch.transactions), dec("354.72"));
}

#[tokio::test]
async fn history_older_than_90_days_needs_the_sca_token() {
    let (running, config) = start(false).await;
    let seed = seeded(&config, 0);
    let bank = client(&running, &config);

    // Refused by the client itself, before any call.
    let before = served(&running);
    let err = bank
        .transactions(&seed.logical_id, days_ago(91), today())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BankError::ActionNeeded { code, .. } if code == SCA_REQUIRED),
        "{err:?}"
    );
    assert_eq!(served(&running), before);

    // A client whose clock lags: the bank's own refusal maps the same way.
    let lagging = client(&running, &config).with_today(days_ago(10));
    let err = lagging
        .transactions(&seed.logical_id, days_ago(95), today())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BankError::ActionNeeded { code, .. } if code == "SCA_REQUIRED"),
        "{err:?}"
    );
    assert_eq!(served(&running), before + 1);

    // A wrong SCA token: action needed too.
    let wrong = client(&running, &config).with_sca_token("not-the-token");
    let err = wrong
        .transactions(&seed.logical_id, days_ago(180), today())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BankError::ActionNeeded { code, .. } if code == "SCA_TOKEN_INVALID"),
        "{err:?}"
    );

    // Exactly 90 days back needs none.
    let ok = bank
        .transactions(&seed.logical_id, days_ago(90), today())
        .await
        .unwrap();
    assert_eq!(ok.transactions.len(), 75);

    // With the SCA token, the whole history.
    let full = client(&running, &config)
        .with_sca_token(config.sca_token.clone())
        .transactions(&seed.logical_id, days_ago(180), today())
        .await
        .unwrap();
    assert_eq!(full.transactions, expected(&seed, days_ago(180), today()));
    assert_eq!(full.transactions.len(), 150);
    assert_eq!(total(&full.transactions), dec("-638.74"));
    assert!(full.transactions.iter().any(|t| t.date < days_ago(90)));
}

#[tokio::test]
async fn a_429_is_waited_out_then_served() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    let id = seeded(&config, 1).logical_id;
    running.faults.rate_limit_next(1, 1);
    let before = served(&running);
    let started = Instant::now();
    let details = bank.account_details(&id).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(details.balance, Money::new(dec("9300.00"), Currency::EUR));
    assert_eq!(served(&running) - before, 1);
}

#[tokio::test]
async fn a_500_is_retried_then_served() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    running.faults.fail_next(2);
    let before = served(&running);
    let accounts = bank.list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 3);
    assert_eq!(served(&running) - before, 1);

    running.faults.fail_next(10);
    let err = bank.list_accounts().await.unwrap_err();
    assert_eq!(
        err,
        BankError::Unavailable {
            provider: "Belfius",
            status: 500
        }
    );
}

#[tokio::test]
async fn a_timeout_is_retried_then_served() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config)
        .with_retry_policy(RetryPolicy {
            timeout: Duration::from_millis(300),
            ..policy()
        })
        .unwrap();
    running.faults.slow_next(1, Duration::from_secs(2));
    let started = Instant::now();
    let accounts = bank.list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 3);
    // One attempt ran into the 300 ms timeout; the retry answered well before the slow 2 s.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Slow every time: reported as no answer.
    running.faults.slow_next(10, Duration::from_secs(2));
    let err = bank.list_accounts().await.unwrap_err();
    assert!(matches!(err, BankError::Network { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_malformed() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    running.faults.malformed_next(1);
    let err = bank.list_accounts().await.unwrap_err();
    match &err {
        BankError::Malformed { detail, .. } => {
            assert!(detail.contains("JSON"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_expired_token_means_reconnect() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    config.knobs.expire_tokens();
    let err = bank.accounts().await.unwrap_err();
    assert!(matches!(&err, BankError::Reconnect { .. }), "{err:?}");
    assert!(err.to_string().contains("TOKEN_EXPIRED"), "{err}");
    assert!(!err.to_string().contains(&config.access_token));
    assert!(!format!("{err:?}").contains(&config.access_token));

    // A token the bank never issued: reconnect as well.
    config.knobs.renew_tokens();
    let stranger = Belfius::new(&running.base_url, &config.client_id, REDIRECT, "forged")
        .unwrap()
        .with_retry_policy(policy())
        .unwrap();
    let err = stranger.list_accounts().await.unwrap_err();
    assert!(matches!(&err, BankError::Reconnect { .. }), "{err:?}");

    assert_eq!(bank.list_accounts().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_response_id_mismatch_is_malformed() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config);
    config.knobs.mismatch_response_id_next(1);
    let err = bank.list_accounts().await.unwrap_err();
    match &err {
        BankError::Malformed { detail, .. } => assert!(detail.contains("Response-ID"), "{detail}"),
        other => panic!("{other:?}"),
    }
    // The next answer is fine again.
    assert_eq!(bank.list_accounts().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_wrong_accept_version_is_refused_as_not_acceptable() {
    let (running, config) = start(false).await;
    let seed = seeded(&config, 0);
    let accounts_v3 = client(&running, &config).with_api_versions(3, 2);
    let err = accounts_v3.list_accounts().await.unwrap_err();
    assert!(
        matches!(&err, BankError::Refused { status: 406, code, .. } if code == "INVALID_ACCEPT_HEADER"),
        "{err:?}"
    );

    let transactions_v1 = client(&running, &config).with_api_versions(1, 1);
    let err = transactions_v1
        .transactions(&seed.logical_id, days_ago(10), today())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BankError::Refused { status: 406, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn debug_hides_the_tokens() {
    let (running, config) = start(false).await;
    let bank = client(&running, &config).with_sca_token(config.sca_token.clone());
    let shown = format!("{bank:?}");
    assert!(!shown.contains(&config.access_token), "{shown}");
    assert!(!shown.contains(&config.sca_token), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(shown.contains(&config.client_id), "{shown}");
}
