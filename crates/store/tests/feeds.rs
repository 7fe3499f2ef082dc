//! Filing bank feeds into a real SQLCipher ledger: a re-sync changes nothing, changes and
//! deletions by the bank are applied, rows already filed from a statement are linked (not
//! doubled) and the other way round, twins stay two, and a failure files nothing.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use chrono::NaiveDate;
use folio_ledger::{Currency, Iban, Money, NewAccount, NewTransaction};
use folio_secrets::generate_ledger_key;
use folio_store::{
    ConnectionState, FeedBatch, FeedTransaction, Ledger, StatementImport, StoreError,
};
use rust_decimal::Decimal;

fn eur(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::EUR)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap() + chrono::Days::new(u64::from(d))
}

fn account() -> NewAccount {
    NewAccount {
        name: "Zichtrekening".into(),
        bank: Some("Belfius".into()),
        holder: None,
        iban: Some(Iban::parse("BE68539007547034").unwrap()),
        number: None,
        currency: Currency::EUR,
    }
}

fn tx(d: u32, text: &str, cents: i64) -> NewTransaction {
    NewTransaction {
        date: day(d),
        value_date: None,
        description: text.into(),
        amount: eur(cents),
        balance: None,
    }
}

/// Ten days of coffee, two on day 3, and a salary: with provider ids `p0`, `p1`, ...
fn feed() -> Vec<FeedTransaction> {
    let mut rows = Vec::new();
    for d in 0..10 {
        rows.push(tx(d, "COFFEE BAR", -250));
        if d == 3 {
            rows.push(tx(d, "COFFEE BAR", -250));
        }
        if d == 5 {
            rows.push(tx(d, "SALARY ACME", 250_000));
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, transaction)| FeedTransaction {
            provider_id: format!("p{i}"),
            transaction,
        })
        .collect()
}

fn ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger =
        Ledger::create(&dir.path().join("l.folio"), &generate_ledger_key().unwrap()).unwrap();
    (dir, ledger)
}

fn apply(
    ledger: &mut Ledger,
    connection: i64,
    rows: &[FeedTransaction],
    deleted: &[String],
) -> Result<folio_store::FeedOutcome, StoreError> {
    ledger.apply_feed(&FeedBatch {
        connection_id: connection,
        provider_account_id: "acc-1",
        account: &account(),
        transactions: rows,
        deleted,
        synced_at: "2024-03-11T08:00:00Z",
        bank_balance: Some(eur(123_456)),
        bank_balance_on: Some(day(11)),
    })
}

fn rows(ledger: &Ledger) -> Vec<(NaiveDate, String, Money)> {
    ledger
        .transactions(None)
        .unwrap()
        .into_iter()
        .map(|t| (t.date, t.description, t.amount))
        .collect()
}

#[test]
fn a_resync_changes_nothing_and_twins_stay_two() {
    let (_d, mut ledger) = ledger();
    let c = ledger
        .add_connection(
            "sandbox",
            "Sandbox bank",
            "http://127.0.0.1:1",
            "Folio / bank:1",
        )
        .unwrap();
    let first = apply(&mut ledger, c, &feed(), &[]).unwrap();
    assert!(first.account_created);
    assert_eq!((first.added, first.updated, first.linked), (12, 0, 0));
    let before = rows(&ledger);
    assert_eq!(before.iter().filter(|r| r.0 == day(3)).count(), 2);

    let again = apply(&mut ledger, c, &feed(), &[]).unwrap();
    assert_eq!(
        (again.added, again.updated, again.linked, again.removed),
        (0, 0, 0, 0)
    );
    assert_eq!(rows(&ledger), before);

    let conns = ledger.connections().unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].accounts, 1);
    assert_eq!(conns[0].state, ConnectionState::Ok);
    assert_eq!(
        conns[0].last_sync_at.as_deref(),
        Some("2024-03-11T08:00:00Z")
    );
    // The account remembers its connection, its last sync and what the bank said it holds.
    let accounts = ledger.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].connection_id, Some(c));
    assert_eq!(
        accounts[0].last_sync_at.as_deref(),
        Some("2024-03-11T08:00:00Z")
    );
    assert_eq!(accounts[0].bank_balance, Some(eur(123_456)));
    assert_eq!(accounts[0].bank_balance_on, Some(day(11)));
}

#[test]
fn a_bank_balance_in_another_currency_files_nothing() {
    let (_d, mut ledger) = ledger();
    let c = ledger
        .add_connection("sandbox", "S", "http://x", "k")
        .unwrap();
    let out = ledger.apply_feed(&FeedBatch {
        connection_id: c,
        provider_account_id: "acc-1",
        account: &account(),
        transactions: &feed(),
        deleted: &[],
        synced_at: "2024-03-11T08:00:00Z",
        bank_balance: Some(Money::new(Decimal::new(100, 2), Currency::USD)),
        bank_balance_on: None,
    });
    assert!(matches!(out, Err(StoreError::WrongCurrency { .. })));
    assert!(rows(&ledger).is_empty());
    assert!(ledger.accounts().unwrap().is_empty());
}

#[test]
fn reconnecting_keeps_the_connection_and_clears_its_state() {
    let (_d, mut ledger) = ledger();
    let c = ledger
        .add_connection("sandbox", "S", "http://127.0.0.1:1", "k")
        .unwrap();
    apply(&mut ledger, c, &feed(), &[]).unwrap();
    ledger
        .set_connection_state(c, ConnectionState::Reconnect, Some("token expired"))
        .unwrap();
    ledger.reconnected(c, "http://127.0.0.1:2").unwrap();
    let conn = &ledger.connections().unwrap()[0];
    assert_eq!(
        (conn.id, conn.base_url.as_str(), conn.state, conn.accounts),
        (c, "http://127.0.0.1:2", ConnectionState::Ok, 1)
    );
    assert_eq!(conn.state_detail, None);
    assert!(matches!(
        ledger.reconnected(c + 1, "http://x"),
        Err(StoreError::UnknownConnection(_))
    ));
}

#[test]
fn the_banks_changes_and_deletions_are_applied() {
    let (_d, mut ledger) = ledger();
    let c = ledger
        .add_connection("sandbox", "S", "http://x", "k")
        .unwrap();
    apply(&mut ledger, c, &feed(), &[]).unwrap();
    let mut changed = feed();
    changed[0].transaction.description = "COFFEE BAR GENT".into();
    // The bank deleted p1: it is gone from the feed and listed as deleted.
    changed.retain(|f| f.provider_id != "p1");
    let out = apply(
        &mut ledger,
        c,
        &changed,
        &["p1".to_string(), "nope".to_string()],
    )
    .unwrap();
    assert_eq!((out.added, out.updated, out.removed), (0, 1, 1));
    let now = rows(&ledger);
    assert_eq!(now.len(), 11);
    assert!(now.iter().any(|r| r.1 == "COFFEE BAR GENT"));
}

#[test]
fn rows_filed_from_a_statement_are_linked_not_doubled() {
    let (_d, mut ledger) = ledger();
    // The statement first: days 0..5 (whole days), 7 rows.
    let stmt: Vec<(NewTransaction, u32)> = feed()
        .into_iter()
        .filter(|f| f.transaction.date <= day(4))
        .map(|f| (f.transaction, 1))
        .collect();
    assert_eq!(stmt.len(), 6);
    ledger
        .import_statement(&StatementImport {
            account: &account(),
            into_account: None,
            file_sha256: &"a".repeat(64),
            file_name: "march.pdf",
            period_start: day(0),
            period_end: day(4),
            opening: eur(0),
            closing: eur(-1500),
            reconciled: true,
            pages: 1,
            transactions: &stmt,
        })
        .unwrap();
    let c = ledger
        .add_connection("sandbox", "S", "http://x", "k")
        .unwrap();
    let out = apply(&mut ledger, c, &feed(), &[]).unwrap();
    assert!(!out.account_created, "matched by IBAN");
    assert_eq!((out.linked, out.added), (6, 6));
    assert_eq!(rows(&ledger).len(), 12);
    assert_eq!(ledger.accounts().unwrap().len(), 1);

    // And a statement filed after the feed skips what the feed brought.
    let later: Vec<(NewTransaction, u32)> = feed()
        .into_iter()
        .filter(|f| f.transaction.date >= day(5))
        .map(|f| (f.transaction, 1))
        .collect();
    let filed = ledger
        .import_statement(&StatementImport {
            account: &account(),
            into_account: None,
            file_sha256: &"b".repeat(64),
            file_name: "march-2.pdf",
            period_start: day(5),
            period_end: day(9),
            opening: eur(-1500),
            closing: eur(247_000),
            reconciled: true,
            pages: 1,
            transactions: &later,
        })
        .unwrap();
    assert_eq!((filed.added, filed.already_known), (0, 6));
    assert_eq!(rows(&ledger).len(), 12);
}

#[test]
fn a_failed_sync_files_nothing() {
    let (_d, mut ledger) = ledger();
    let c = ledger
        .add_connection("sandbox", "S", "http://x", "k")
        .unwrap();
    assert!(matches!(
        apply(&mut ledger, c + 1, &feed(), &[]),
        Err(StoreError::UnknownConnection(_))
    ));
    let mut bad = feed();
    bad[11].transaction.amount = Money::new(Decimal::new(100, 2), Currency::USD);
    assert!(matches!(
        apply(&mut ledger, c, &bad, &[]),
        Err(StoreError::WrongCurrency { .. })
    ));
    assert!(rows(&ledger).is_empty());
    assert!(ledger.accounts().unwrap().is_empty());
    ledger
        .set_connection_state(c, ConnectionState::Reconnect, Some("token expired"))
        .unwrap();
    let conn = &ledger.connections().unwrap()[0];
    assert_eq!(conn.state, ConnectionState::Reconnect);
    assert_eq!(conn.state_detail.as_deref(), Some("token expired"));
}

#[test]
fn removing_a_connection_keeps_its_accounts_and_rows() {
    let (_d, mut ledger) = ledger();
    let c = ledger
        .add_connection("sandbox", "S", "http://127.0.0.1:1", "item-1")
        .unwrap();
    apply(&mut ledger, c, &feed(), &[]).unwrap();
    let before = rows(&ledger);
    assert_eq!(ledger.remove_connection(c).unwrap(), "item-1");
    assert!(ledger.connections().unwrap().is_empty());
    assert_eq!(rows(&ledger), before);
    let accounts = ledger.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].connection_id, None);
    assert!(matches!(
        ledger.remove_connection(c),
        Err(StoreError::UnknownConnection(_))
    ));
    // A new connection to the same bank finds the account again by its IBAN, not a twin.
    let again = ledger
        .add_connection("sandbox", "S", "http://127.0.0.1:1", "item-2")
        .unwrap();
    let out = apply(&mut ledger, again, &feed(), &[]).unwrap();
    assert!(!out.account_created);
    assert_eq!(rows(&ledger), before);
}
