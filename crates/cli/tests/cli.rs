//! The `folio` binary, run as a person runs it, on a real encrypted ledger with its key in the real
//! keychain (the Secret Service session scripts/test-all starts).

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::path::Path;
use std::process::{Command, Output};
use std::str::FromStr;

use chrono::NaiveDate;
use folio_app::DataDir;
use folio_ledger::{Currency, Iban, Money, NewAccount, NewTransaction};
use folio_secrets::{decode_ledger_key, Keychain};
use folio_store::Ledger;
use rust_decimal::Decimal;

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

fn folio(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("FOLIO_DATA_DIR")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

/// Files an account with two transactions straight through the store, with the key the CLI put in
/// the keychain.
fn seed(dir: &DataDir) {
    let text = Keychain::os().get(&dir.keychain_item()).unwrap().unwrap();
    let key = decode_ledger_key(&text).unwrap();
    let mut ledger = Ledger::open(&dir.ledger_path(), &key).unwrap();
    let account = ledger
        .add_account(&NewAccount {
            name: "Joint".into(),
            bank: Some("ABN AMRO".into()),
            holder: None,
            iban: Some(Iban::parse("NL91ABNA0417164300").unwrap()),
            number: None,
            currency: Currency::EUR,
        })
        .unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
    ledger
        .add_transactions(
            account.id,
            &[
                NewTransaction {
                    date: day(2),
                    value_date: None,
                    description: "Albert Heijn 1021".into(),
                    amount: eur("-23.40"),
                    balance: Some(eur("976.60")),
                },
                NewTransaction {
                    date: day(1),
                    value_date: None,
                    description: "Salaris mei".into(),
                    amount: eur("1000"),
                    balance: Some(eur("1000.00")),
                },
            ],
        )
        .unwrap();
}

#[test]
fn info_creates_then_reports_an_encrypted_ledger() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());

    let first = stdout(&folio(&data, &["info"]));
    assert!(first.contains("Created a new encrypted ledger"), "{first}");
    assert!(first.contains("SQLCipher 4"), "{first}");
    assert!(first.contains(&dir.path().display().to_string()), "{first}");

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&folio(&data, &["info", "--json"]))).unwrap();
    assert_eq!(json["encrypted"], true);
    assert_eq!(json["schema_version"], folio_store::latest_version());
    assert_eq!(json["accounts"], 0);
    assert!(!std::fs::read(dir.ledger_path())
        .unwrap()
        .starts_with(b"SQLite format 3"));
}

#[test]
fn accounts_and_transactions_read_the_ledger() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());

    assert_eq!(
        stdout(&folio(&data, &["accounts"])).trim(),
        "No accounts yet."
    );
    seed(&dir);

    let table = stdout(&folio(&data, &["accounts"]));
    assert!(
        table.contains("Joint") && table.contains("****4300") && table.contains("976.60"),
        "{table}"
    );
    assert!(
        !table.contains("NL91ABNA0417164300"),
        "lists show masked numbers: {table}"
    );

    let accounts: serde_json::Value =
        serde_json::from_str(&stdout(&folio(&data, &["accounts", "--json"]))).unwrap();
    assert_eq!(accounts[0]["balance"], "976.60");
    assert_eq!(accounts[0]["transaction_count"], 2);
    let id = accounts[0]["id"].as_i64().unwrap().to_string();

    let txs: serde_json::Value = serde_json::from_str(&stdout(&folio(
        &data,
        &["transactions", "--account", &id, "--json"],
    )))
    .unwrap();
    // Oldest first, amounts exact as strings.
    assert_eq!(txs[0]["description"], "Salaris mei");
    assert_eq!(txs[0]["amount"], "1000.00");
    assert_eq!(txs[1]["amount"], "-23.40");
    assert_eq!(txs[1]["date"], "2024-05-02");

    let text = stdout(&folio(&data, &["transactions"]));
    assert!(text.contains("Albert Heijn 1021"), "{text}");
}

#[test]
fn errors_carry_a_code_and_a_fix() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());

    let unknown = folio(&data, &["transactions", "--account", "999"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("code: UNKNOWN_ACCOUNT"), "{err}");

    let no_bus = Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(root.path().join("other"))
        .arg("info")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/folio-no-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert_eq!(no_bus.status.code(), Some(2));
    let err = String::from_utf8_lossy(&no_bus.stderr);
    assert!(
        err.contains("code: KEYCHAIN_UNAVAILABLE") && err.contains("fix:"),
        "{err}"
    );
    assert!(!root.path().join("other/ledger.folio").exists());
}

#[test]
fn env_var_selects_the_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("from-env");
    let out = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["info", "--json"])
        .env("FOLIO_DATA_DIR", &data)
        .output()
        .unwrap();
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["data_dir"], dir.path().display().to_string());
}
