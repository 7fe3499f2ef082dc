//! `folio connect` and `folio sync` against the sandbox banks (on 127.0.0.1, started here), with
//! the real keychain and a real encrypted ledger: each provider connects and syncs, a re-sync
//! files nothing twice, an expired token leaves the ledger as it was and the connection saying
//! "reconnect", and no secret is ever written to the ledger file.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::path::Path;
use std::process::{Command, Output};

use folio_app::DataDir;
use folio_secrets::Keychain;

/// Removes the ledger key when the test ends (connection secrets live in the test's private
/// keyring session).
struct Cleanup(DataDir);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0.keychain_item());
    }
}

fn folio(data: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_folio"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FOLIO_DATA_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn transactions(data: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&folio(data, &[], &["transactions", "--json"]))).unwrap();
    v.as_array().unwrap().clone()
}

fn connection_states(data: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&folio(data, &[], &["connections", "--json"]))).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["state"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_provider_connects_and_syncs_and_a_resync_files_nothing_twice() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let _cleanup = Cleanup(DataDir::at(&data).unwrap());

    let budgea_cfg = folio_sandbox::budgea::BudgeaSandbox::default();
    let budgea_ctl = std::sync::Arc::clone(&budgea_cfg.control);
    let (b_id, b_secret) = (
        budgea_cfg.client_id.clone(),
        budgea_cfg.client_secret.clone(),
    );
    let budgea = folio_sandbox::budgea::start(budgea_cfg).await.unwrap();

    let belfius_cfg = folio_sandbox::belfius::BelfiusSandbox::new(folio_sandbox::budgea::today());
    let (l_id, l_token) = (
        belfius_cfg.client_id.clone(),
        belfius_cfg.access_token.clone(),
    );
    let belfius = folio_sandbox::belfius::start(belfius_cfg).await.unwrap();

    let mut abn_cfg = folio_sandbox::abnamro::AbnAmroSandbox::default();
    abn_cfg.today = folio_sandbox::budgea::today();
    let (a_id, a_secret, a_key) = (
        abn_cfg.client_id.clone(),
        abn_cfg.client_secret.clone(),
        abn_cfg.api_key.clone(),
    );
    let abn = folio_sandbox::abnamro::start(abn_cfg).await.unwrap();

    let d = data.clone();
    let (bu, lu, au) = (
        budgea.base_url.clone(),
        belfius.base_url.clone(),
        abn.base_url.clone(),
    );
    let secrets = [
        b_secret.clone(),
        l_token.clone(),
        a_secret.clone(),
        a_key.clone(),
    ];
    let (first, second, after_expiry) = tokio::task::spawn_blocking(move || {
        ok(&folio(
            &d,
            &[("FOLIO_BUDGEA_CLIENT_SECRET", &b_secret)],
            &["connect", "budgea", "--base-url", &bu, "--client-id", &b_id],
        ));
        // Belfius' consent page without a browser (the sandbox approves at once).
        ok(&folio(
            &d,
            &[],
            &[
                "connect",
                "belfius",
                "--base-url",
                &lu,
                "--client-id",
                &l_id,
            ],
        ));
        ok(&folio(
            &d,
            &[
                ("FOLIO_ABNAMRO_CLIENT_SECRET", &a_secret),
                ("FOLIO_ABNAMRO_API_KEY", &a_key),
            ],
            &[
                "connect",
                "abnamro",
                "--base-url",
                &au,
                "--client-id",
                &a_id,
            ],
        ));
        let as_of = folio_sandbox::budgea::today().to_string();
        ok(&folio(&d, &[], &["sync", "--as-of", &as_of]));
        let first = transactions(&d);
        ok(&folio(&d, &[], &["sync", "--as-of", &as_of]));
        let second = transactions(&d);

        // The bank forgets the token: the sync fails, says so, and files nothing.
        budgea_ctl.expire_tokens();
        let failed = folio(&d, &[], &["sync", "1", "--as-of", &as_of]);
        assert!(!failed.status.success());
        let stderr = String::from_utf8_lossy(&failed.stderr).to_string();
        assert!(stderr.contains("BANK_RECONNECT"), "{stderr}");
        (first, second, (transactions(&d), connection_states(&d)))
    })
    .await
    .unwrap();

    assert!(first.len() > 500, "three providers' rows: {}", first.len());
    let ids = |rows: &[serde_json::Value]| -> Vec<i64> {
        rows.iter().map(|r| r["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(&first), ids(&second), "a re-sync files nothing twice");
    assert_eq!(first, second);
    assert_eq!(after_expiry.0, first, "a failed sync changes nothing");
    assert_eq!(after_expiry.1, vec!["reconnect", "ok", "ok"]);

    // What Folio shows of its connections holds none of their secrets.
    let listed = ok(&folio(&data, &[], &["connections", "--json"]));
    for s in &secrets {
        assert!(!listed.contains(s.as_str()), "a secret is listed");
    }
    drop((budgea, belfius, abn));
}
