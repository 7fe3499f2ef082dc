//! The ledger on disk, for real: SQLCipher files in a temporary directory.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use folio_ledger::{AccountId, Currency, Iban, Money, NewAccount, NewTransaction};
use folio_secrets::{generate_ledger_key, LedgerKey};
use folio_store::{Ledger, StoreError};
use rust_decimal::Decimal;

/// A description that must never appear in clear on disk.
const MARKER: &str = "Boulangerie Quatre-Saisons 7731";

fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn new_account() -> NewAccount {
    NewAccount {
        name: "Compte courant".into(),
        bank: Some("Belfius".into()),
        holder: Some("A. Tester".into()),
        iban: Some(Iban::parse("BE68 5390 0754 7034").unwrap()),
        number: None,
        currency: Currency::EUR,
    }
}

fn tx(day: u32, description: &str, amount: &str) -> NewTransaction {
    NewTransaction {
        date: NaiveDate::from_ymd_opt(2024, 3, day).unwrap(),
        value_date: NaiveDate::from_ymd_opt(2024, 3, day + 1),
        description: description.into(),
        amount: eur(amount),
        balance: None,
    }
}

/// Every file in the directory with its bytes: the main file, WAL and shared memory, journals.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn filled_ledger(dir: &Path, key: &LedgerKey) -> (PathBuf, AccountId) {
    let path = dir.join("ledger.folio");
    let mut ledger = Ledger::create(&path, key).unwrap();
    let account = ledger.add_account(&new_account()).unwrap();
    ledger
        .add_transactions(
            account.id,
            &[tx(1, MARKER, "-4.20"), tx(2, "Salary", "2500.00")],
        )
        .unwrap();
    (path, account.id)
}

#[test]
fn file_wal_and_journal_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let path = dir.path().join("ledger.folio");
    let mut ledger = Ledger::create(&path, &key).unwrap();
    let account = ledger.add_account(&new_account()).unwrap();
    ledger
        .add_transactions(account.id, &[tx(1, MARKER, "-4.20")])
        .unwrap();

    // While open, the write sits in the WAL: check it there too.
    let open_files = snapshot(dir.path());
    assert!(
        open_files
            .keys()
            .any(|p| p.to_string_lossy().ends_with("-wal")),
        "{open_files:?}"
    );
    for (file, bytes) in &open_files {
        assert!(
            !contains(bytes, MARKER.as_bytes()),
            "plaintext in {}",
            file.display()
        );
        assert!(
            !contains(bytes, b"BE68539007547034"),
            "IBAN in {}",
            file.display()
        );
        assert!(
            !contains(bytes, b"CREATE TABLE"),
            "schema in {}",
            file.display()
        );
    }
    drop(ledger);

    let closed = snapshot(dir.path());
    let main = &closed[&path];
    assert!(
        !main.starts_with(b"SQLite format 3"),
        "the header must be encrypted"
    );
    for (file, bytes) in &closed {
        assert!(
            !contains(bytes, MARKER.as_bytes()),
            "plaintext in {}",
            file.display()
        );
    }
}

#[test]
fn reopening_with_the_key_reads_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let (path, account) = filled_ledger(dir.path(), &key);

    let ledger = Ledger::open(&path, &key).unwrap();
    assert_eq!(
        ledger.schema_version().unwrap(),
        folio_store::latest_version()
    );
    assert!(ledger.cipher_version().unwrap().starts_with('4'));
    let accounts = ledger.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].account.id, account);
    assert_eq!(
        accounts[0].account.iban,
        Some(Iban::parse("BE68539007547034").unwrap())
    );
    assert_eq!(accounts[0].transaction_count, 2);
    assert_eq!(accounts[0].transactions_total, eur("2495.80"));
    let txs = ledger.transactions(Some(account)).unwrap();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].description, MARKER);
    assert_eq!(txs[0].amount, eur("-4.20"));
    assert_eq!(txs[0].value_date, NaiveDate::from_ymd_opt(2024, 3, 2));
}

#[test]
fn a_wrong_key_is_a_typed_error_and_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let (path, _) = filled_ledger(dir.path(), &key);
    let before = snapshot(dir.path());

    let wrong = generate_ledger_key().unwrap();
    let result = Ledger::open(&path, &wrong);
    assert!(matches!(result, Err(StoreError::WrongKey)), "{result:?}");
    drop(result);
    assert_eq!(snapshot(dir.path()), before, "a failed open must not write");

    // The right key still works afterwards.
    Ledger::open(&path, &key).unwrap();
}

#[test]
fn a_damaged_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let (path, _) = filled_ledger(dir.path(), &key);
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().take(64) {
        *b ^= 0xff;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Ledger::open(&path, &key),
        Err(StoreError::WrongKey)
    ));
}

#[test]
fn an_unencrypted_sqlite_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    std::fs::write(&path, b"SQLite format 3\0 rest of a plain database").unwrap();
    let before = snapshot(dir.path());
    let key = generate_ledger_key().unwrap();
    assert!(matches!(
        Ledger::open(&path, &key),
        Err(StoreError::NotEncrypted(_))
    ));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn create_never_overwrites_and_open_never_creates() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let missing = dir.path().join("missing.folio");
    assert!(matches!(
        Ledger::open(&missing, &key),
        Err(StoreError::NotFound(_))
    ));
    assert!(!missing.exists());
    let (path, _) = filled_ledger(dir.path(), &key);
    assert!(matches!(
        Ledger::create(&path, &key),
        Err(StoreError::AlreadyExists(_))
    ));
}

#[test]
fn a_failed_write_files_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let (path, account) = filled_ledger(dir.path(), &key);
    let mut ledger = Ledger::open(&path, &key).unwrap();
    let usd = Money::new(Decimal::ONE, Currency::USD);
    let mixed = vec![
        tx(5, "fine", "1.00"),
        NewTransaction {
            amount: usd,
            ..tx(6, "usd", "0")
        },
    ];
    let result = ledger.add_transactions(account, &mixed);
    assert!(
        matches!(result, Err(StoreError::WrongCurrency { .. })),
        "{result:?}"
    );
    assert_eq!(
        ledger.transactions(Some(account)).unwrap().len(),
        2,
        "all or nothing"
    );

    let too_precise = vec![tx(5, "fine", "1.00"), tx(6, "tenth of a cent", "0.001")];
    assert!(ledger.add_transactions(account, &too_precise).is_err());
    assert_eq!(ledger.transactions(Some(account)).unwrap().len(), 2);

    assert!(matches!(
        ledger.add_transactions(AccountId(999), &[tx(5, "x", "1")]),
        Err(StoreError::UnknownAccount(_))
    ));
    assert!(matches!(
        ledger.transactions(Some(AccountId(999))),
        Err(StoreError::UnknownAccount(_))
    ));
}

#[test]
fn sums_are_exact_in_minor_units() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate_ledger_key().unwrap();
    let path = dir.path().join("ledger.folio");
    let mut ledger = Ledger::create(&path, &key).unwrap();
    let account = ledger.add_account(&new_account()).unwrap();
    // 0.10 + 0.20 a thousand times: binary floats drift, minor units do not.
    let rows: Vec<_> = (0..1000)
        .map(|i| {
            tx(
                1 + (i % 28),
                "tick",
                if i % 2 == 0 { "0.10" } else { "0.20" },
            )
        })
        .collect();
    ledger.add_transactions(account.id, &rows).unwrap();
    assert_eq!(
        ledger.accounts().unwrap()[0].transactions_total,
        eur("150.00")
    );
}
