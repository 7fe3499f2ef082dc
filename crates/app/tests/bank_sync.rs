//! Bank sync through the use cases, against the Belfius sandbox: real keychain, real SQLCipher.
//! A gap since the last sync longer than the bank's SCA-free 90 days is not cut short: the sync
//! asks the person for a fresh consent (SCA), files nothing meanwhile, and fetches the whole gap
//! once they gave it.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use chrono::{Days, NaiveDate};
use folio_app::{DataDir, Folio};
use folio_banks::any::{now_unix, ConnectionSecrets};
use folio_sandbox::belfius::{self as sandbox, BelfiusSandbox};
use folio_secrets::Keychain;

const REDIRECT: &str = "http://127.0.0.1:1/folio/belfius/callback";

/// Removes the ledger's keychain item when the test ends, pass or fail.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn secrets(config: &BelfiusSandbox, sca: bool) -> ConnectionSecrets {
    ConnectionSecrets::Belfius {
        client_id: config.client_id.clone(),
        redirect_uri: REDIRECT.to_string(),
        access_token: config.access_token.clone(),
        sca_token: sca.then(|| config.sca_token.clone()),
        sca_valid_until: sca.then(|| now_unix() + 3600),
    }
}

fn dates(folio: &Folio) -> Vec<String> {
    folio
        .transactions(None)
        .unwrap()
        .into_iter()
        .map(|t| t.date)
        .collect()
}

/// A Budgea user token from the sandbox's connect flow: it approves at once, and its redirect is
/// read, not followed.
async fn budgea_token(
    bank: &folio_sandbox::Running,
    config: &folio_sandbox::budgea::BudgeaSandbox,
) -> String {
    let client = folio_banks::budgea::Budgea::new(
        &bank.base_url,
        config.client_id.clone(),
        folio_banks::http::RetryPolicy::default(),
    )
    .unwrap();
    let location = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(client.connect_url(REDIRECT, "s-1").unwrap())
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let callback = folio_banks::budgea::parse_connect_redirect(&location, "s-1").unwrap();
    client
        .exchange_code(&config.client_secret, &callback.code)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_gap_beyond_90_days_asks_for_sca_then_the_fresh_consent_fetches_all_of_it() {
    let config = BelfiusSandbox::new(today());
    let bank = sandbox::start(config.clone()).await.unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let keychain = Keychain::os();
    let _cleanup = Cleanup(dir.keychain_item());
    let mut folio = Folio::open(dir.clone(), &keychain).unwrap();

    let id = folio
        .connect(
            &keychain,
            &bank.base_url,
            "Belfius",
            &secrets(&config, false),
        )
        .unwrap();
    // The first sync, as if it ran four months ago (its time is what later syncs count from).
    let plan = folio
        .plan_sync(&keychain, id, today(), Some(today()))
        .unwrap();
    let fetched = plan.fetch().await;
    let first = folio
        .finish_sync(&plan, fetched, "2025-03-01T08:00:00Z")
        .unwrap();
    assert!(first.accounts.iter().map(|a| a.added).sum::<usize>() > 0);
    let before = dates(&folio);
    let earliest_first = before.iter().min().cloned().unwrap();
    assert!(earliest_first >= (today() - Days::new(89)).to_string());

    // Today, 121 days later: the gap reaches past 90 days, so Belfius needs the person.
    let plan = folio
        .plan_sync(&keychain, id, today(), Some(today()))
        .unwrap();
    assert_eq!(plan.from, NaiveDate::from_ymd_opt(2025, 2, 22).unwrap());
    let fetched = plan.fetch().await;
    let err = folio
        .finish_sync(&plan, fetched, "2025-06-30T08:00:00Z")
        .unwrap_err();
    assert_eq!(err.code().to_string(), "BANK_ACTION_NEEDED");
    assert!(
        err.message().contains("strong authentication"),
        "{}",
        err.message()
    );
    let conn = &folio.connections().unwrap()[0];
    assert_eq!(conn.state, "action_needed");
    assert_eq!(dates(&folio), before, "nothing filed meanwhile");

    // A fresh consent brings an SCA token: the same sync now fetches the whole gap.
    folio
        .reconnect(&keychain, id, &bank.base_url, &secrets(&config, true))
        .unwrap();
    let plan = folio
        .plan_sync(&keychain, id, today(), Some(today()))
        .unwrap();
    let fetched = plan.fetch().await;
    let report = folio
        .finish_sync(&plan, fetched, "2025-06-30T08:00:00Z")
        .unwrap();
    assert!(report.accounts.iter().map(|a| a.added).sum::<usize>() > 0);
    let after = dates(&folio);
    assert!(
        after.iter().min().unwrap().as_str() < "2025-04-01",
        "the gap was fetched"
    );
    assert!(after.iter().min().unwrap().as_str() >= "2025-02-22");
    assert_eq!(folio.connections().unwrap()[0].state, "ok");
    // Every seeded EUR booking in the window, exactly once.
    let expected: usize = sandbox::seed_accounts(&config)
        .iter()
        .flat_map(|a| &a.transactions)
        .filter(|t| {
            t.currency == "EUR"
                && t.execution_date >= NaiveDate::from_ymd_opt(2025, 2, 22).unwrap()
                && t.execution_date <= today()
        })
        .count();
    assert_eq!(after.len(), expected);

    // Disconnecting forgets the connection and its secrets; the ledger keeps every row.
    folio.disconnect(&keychain, id).unwrap();
    assert!(folio.connections().unwrap().is_empty());
    assert_eq!(dates(&folio).len(), expected);
    assert!(folio.plan_sync(&keychain, id, today(), None).is_err());
}

/// The person's "Sync now" asks Budgea to fetch from the bank first; a bank login whose password
/// the bank refuses stops that sync with the bank's reason, files nothing, and marks the
/// connection; once the login is repaired the same sync runs through.
#[tokio::test]
async fn a_manual_budgea_sync_refreshes_at_the_bank_and_stops_on_a_wrong_password() {
    let config = folio_sandbox::budgea::BudgeaSandbox::new();
    let control = std::sync::Arc::clone(&config.control);
    let bank = folio_sandbox::budgea::start(config.clone()).await.unwrap();
    let token = budgea_token(&bank, &config).await;

    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let keychain = Keychain::os();
    let _cleanup = Cleanup(dir.keychain_item());
    let mut folio = Folio::open(dir.clone(), &keychain).unwrap();
    let secrets = ConnectionSecrets::Budgea {
        client_id: config.client_id.clone(),
        access_token: token,
        client_secret: Some(config.client_secret.clone()),
    };
    let id = folio
        .connect(&keychain, &bank.base_url, "Budgea", &secrets)
        .unwrap();
    let today = folio_sandbox::budgea::today();

    control.set_wrongpass(true);
    let mut plan = folio.plan_sync(&keychain, id, today, Some(today)).unwrap();
    plan.refresh_at_bank = true;
    let fetched = plan.fetch().await;
    let err = folio
        .finish_sync(&plan, fetched, "2024-07-01T08:00:00Z")
        .unwrap_err();
    assert_eq!(err.code().to_string(), "BANK_ACTION_NEEDED");
    assert!(err.message().contains("password"), "{}", err.message());
    assert_eq!(folio.connections().unwrap()[0].state, "action_needed");
    assert!(dates(&folio).is_empty(), "nothing filed");

    // Repaired at the bank (the reconnect page): the same sync runs through.
    control.set_wrongpass(false);
    let fetched = plan.fetch().await;
    let report = folio
        .finish_sync(&plan, fetched, "2024-07-01T08:05:00Z")
        .unwrap();
    assert!(report.accounts.iter().map(|a| a.added).sum::<usize>() > 0);
    assert_eq!(folio.connections().unwrap()[0].state, "ok");
    folio.disconnect(&keychain, id).unwrap();
}

/// A ledger of its own (its keychain item removed at the end).
struct Ledger {
    _root: tempfile::TempDir,
    _cleanup: Cleanup,
    folio: Folio,
}

fn ledger() -> Ledger {
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let cleanup = Cleanup(dir.keychain_item());
    let folio = Folio::open(dir, &Keychain::os()).unwrap();
    Ledger {
        _root: root,
        _cleanup: cleanup,
        folio,
    }
}

/// One sync as the window runs it; the error code when it failed.
async fn sync_once(folio: &mut Folio, id: i64, today: NaiveDate) -> Result<(), String> {
    let plan = folio
        .plan_sync(&Keychain::os(), id, today, Some(today))
        .unwrap();
    let fetched = plan.fetch().await;
    folio
        .finish_sync(&plan, fetched, &format!("{today}T08:00:00Z"))
        .map(|_| ())
        .map_err(|e| e.code().to_string())
}

/// Every row of the ledger as (date, amount, description), sorted.
fn rows(folio: &Folio) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = folio
        .transactions(None)
        .unwrap()
        .into_iter()
        .map(|t| (t.date, t.amount, t.description))
        .collect();
    out.sort();
    out
}

/// Runs the fault drill for one provider's connection: a malformed answer in the middle of the
/// first sync files nothing; then a 500 and a 429 on later requests are retried and the sync
/// files exactly what a clean sync files; a re-sync doubles nothing.
async fn fault_drill(
    faults: &folio_sandbox::Faults,
    base_url: &str,
    secrets: &ConnectionSecrets,
    today: NaiveDate,
) {
    let keychain = Keychain::os();
    let mut clean = ledger();
    let id = clean
        .folio
        .connect(&keychain, base_url, "Bank", secrets)
        .unwrap();
    sync_once(&mut clean.folio, id, today).await.unwrap();
    let want = rows(&clean.folio);
    assert!(want.len() > 10, "the drill needs data");
    clean.folio.disconnect(&keychain, id).unwrap();

    let mut l = ledger();
    let id = l
        .folio
        .connect(&keychain, base_url, "Bank", secrets)
        .unwrap();
    faults.pass_next(2);
    faults.malformed_next(1);
    assert_eq!(
        sync_once(&mut l.folio, id, today).await,
        Err("BANK_MALFORMED".to_string())
    );
    assert!(rows(&l.folio).is_empty(), "a failed sync files nothing");
    assert_eq!(l.folio.connections().unwrap()[0].state, "error");

    faults.pass_next(2);
    faults.fail_next(1);
    sync_once(&mut l.folio, id, today).await.unwrap();
    assert_eq!(rows(&l.folio), want, "nothing lost after a 500 mid-sync");
    assert_eq!(l.folio.connections().unwrap()[0].state, "ok");

    faults.pass_next(1);
    faults.rate_limit_next(1, 0);
    sync_once(&mut l.folio, id, today).await.unwrap();
    assert_eq!(rows(&l.folio), want, "nothing doubled after a 429 mid-sync");
    l.folio.disconnect(&keychain, id).unwrap();
}

#[tokio::test]
async fn budgea_faults_in_the_middle_of_a_sync_lose_nothing_and_double_nothing() {
    let config = folio_sandbox::budgea::BudgeaSandbox::new();
    let bank = folio_sandbox::budgea::start(config.clone()).await.unwrap();
    let token = budgea_token(&bank, &config).await;
    let secrets = ConnectionSecrets::Budgea {
        client_id: config.client_id.clone(),
        access_token: token,
        client_secret: None,
    };
    fault_drill(
        &bank.faults,
        &bank.base_url,
        &secrets,
        folio_sandbox::budgea::today(),
    )
    .await;
}

#[tokio::test]
async fn belfius_faults_in_the_middle_of_a_sync_lose_nothing_and_double_nothing() {
    let config = BelfiusSandbox::new(today());
    let bank = sandbox::start(config.clone()).await.unwrap();
    fault_drill(
        &bank.faults,
        &bank.base_url,
        &secrets(&config, false),
        today(),
    )
    .await;
}

#[tokio::test]
async fn abnamro_faults_in_the_middle_of_a_sync_lose_nothing_and_double_nothing() {
    let config = folio_sandbox::abnamro::AbnAmroSandbox::new();
    let today = config.today;
    let secrets = ConnectionSecrets::Abnamro {
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        api_key: config.api_key.clone(),
        accounts: Vec::new(),
    };
    let bank = folio_sandbox::abnamro::start(config).await.unwrap();
    fault_drill(&bank.faults, &bank.base_url, &secrets, today).await;
}
