//! Filing statements into a real SQLCipher ledger: duplicates refused, overlaps filed once,
//! twins kept, failures leave nothing, and the order of imports does not matter.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use chrono::NaiveDate;
use folio_ledger::{Currency, Iban, Money, NewAccount, NewTransaction};
use folio_secrets::generate_ledger_key;
use folio_store::{Ledger, StatementImport, StoreError};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn eur(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::EUR)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
}

fn account() -> NewAccount {
    NewAccount {
        name: "Compte".into(),
        bank: Some("Belfius".into()),
        holder: None,
        iban: Some(Iban::parse("BE68539007547034").unwrap()),
        number: None,
        currency: Currency::EUR,
    }
}

/// The whole history: day d has a coffee (twice on day 3) and a salary on day 10.
fn history() -> Vec<(NewTransaction, u32)> {
    let mut rows = Vec::new();
    for d in 0..40 {
        let n = if d == 3 { 2 } else { 1 };
        for _ in 0..n {
            rows.push((
                NewTransaction {
                    date: day(d),
                    value_date: None,
                    description: "COFFEE BAR".into(),
                    amount: eur(-250),
                    balance: None,
                },
                1,
            ));
        }
        if d == 10 {
            rows.push((
                NewTransaction {
                    date: day(d),
                    value_date: None,
                    description: "SALARY".into(),
                    amount: eur(250_000),
                    balance: None,
                },
                1,
            ));
        }
    }
    rows
}

fn import(
    ledger: &mut Ledger,
    hash: char,
    rows: &[(NewTransaction, u32)],
) -> Result<folio_store::ImportOutcome, StoreError> {
    let acc = account();
    let sha = hash.to_string().repeat(64);
    ledger.import_statement(&StatementImport {
        account: &acc,
        into_account: None,
        file_sha256: &sha,
        file_name: "statement.pdf",
        period_start: rows.first().map(|r| r.0.date).unwrap_or(day(0)),
        period_end: rows.last().map(|r| r.0.date).unwrap_or(day(0)),
        opening: eur(0),
        closing: eur(0),
        reconciled: true,
        pages: 1,
        transactions: rows,
    })
}

fn ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger =
        Ledger::create(&dir.path().join("l.folio"), &generate_ledger_key().unwrap()).unwrap();
    (dir, ledger)
}

/// Whole days only: a statement covers complete days, as bank statements do.
fn days(rows: &[(NewTransaction, u32)], from: u32, to: u32) -> Vec<(NewTransaction, u32)> {
    rows.iter()
        .filter(|r| r.0.date >= day(from) && r.0.date <= day(to))
        .cloned()
        .collect()
}

#[test]
fn the_same_file_twice_is_refused_and_changes_nothing() {
    let (_d, mut l) = ledger();
    let rows = history();
    let first = import(&mut l, 'a', &rows).unwrap();
    assert!(first.account_created);
    assert_eq!(first.added, rows.len());
    let err = import(&mut l, 'a', &rows).unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateStatement { statement_id } if statement_id == first.statement_id)
    );
    assert_eq!(l.transactions(None).unwrap().len(), rows.len());
    assert_eq!(l.statements().unwrap().len(), 1);
}

#[test]
fn overlapping_statements_file_only_what_is_new_and_twins_stay_two() {
    let (_d, mut l) = ledger();
    let rows = history();
    let a = import(&mut l, 'a', &days(&rows, 0, 20)).unwrap();
    let b = import(&mut l, 'b', &days(&rows, 15, 39)).unwrap();
    assert!(!b.account_created);
    assert_eq!(b.account.id, a.account.id);
    assert_eq!(b.already_known, days(&rows, 15, 20).len());
    let filed = l.transactions(None).unwrap();
    assert_eq!(filed.len(), rows.len());
    assert_eq!(
        filed.iter().filter(|t| t.date == day(3)).count(),
        2,
        "two coffees on day 3"
    );
}

#[test]
fn deleting_a_statement_removes_exactly_what_it_brought() {
    let (_d, mut l) = ledger();
    let rows = history();
    let a = import(&mut l, 'a', &days(&rows, 0, 20)).unwrap();
    let b = import(&mut l, 'b', &days(&rows, 15, 39)).unwrap();
    let deleted = l.delete_statement(b.statement_id).unwrap();
    assert_eq!(deleted, b.added);
    assert_eq!(
        l.transactions(None).unwrap().len(),
        days(&rows, 0, 20).len()
    );
    assert_eq!(l.statements().unwrap().len(), 1);
    assert!(matches!(
        l.delete_statement(b.statement_id),
        Err(StoreError::UnknownStatement(_))
    ));
    // Filing it again brings the same rows back.
    let again = import(&mut l, 'b', &days(&rows, 15, 39)).unwrap();
    assert_eq!(again.added, b.added);
    let _ = a;
}

#[test]
fn a_failing_row_files_nothing_of_the_statement() {
    let (_d, mut l) = ledger();
    let mut rows = history();
    rows[5].0.amount = Money::new(Decimal::ONE, Currency::USD);
    assert!(matches!(
        import(&mut l, 'a', &rows),
        Err(StoreError::WrongCurrency { .. })
    ));
    assert!(l.statements().unwrap().is_empty());
    assert!(l.transactions(None).unwrap().is_empty());
    assert!(l.accounts().unwrap().is_empty(), "not even the account");
}

#[test]
fn coverage_names_missing_months() {
    let (_d, mut l) = ledger();
    let jan: Vec<_> = history()
        .into_iter()
        .filter(|r| r.0.date < day(31))
        .collect();
    import(&mut l, 'a', &jan).unwrap();
    let mut march = history()[..3].to_vec();
    for r in &mut march {
        r.0.date = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
    }
    import(&mut l, 'b', &march).unwrap();
    let c = &l.coverage().unwrap()[0];
    let ym = |d: &NaiveDate| d.format("%Y-%m").to_string();
    assert_eq!(
        c.covered.iter().map(ym).collect::<Vec<_>>(),
        ["2024-01", "2024-03"]
    );
    assert_eq!(c.missing.iter().map(ym).collect::<Vec<_>>(), ["2024-02"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Overlapping statements imported in any order give the same ledger.
    #[test]
    fn import_order_does_not_matter(cuts in proptest::collection::vec((0_u32..40, 0_u32..40), 2..5), seed in any::<u64>()) {
        let rows = history();
        let statements: Vec<Vec<_>> = cuts.iter().map(|(a, b)| days(&rows, *a.min(b), *a.max(b))).collect();
        let ledger_of = |order: &[usize]| {
            let (_d, mut l) = ledger();
            for (n, i) in order.iter().enumerate() {
                import(&mut l, char::from(b'a' + n as u8), &statements[*i]).unwrap();
            }
            let mut got: Vec<(NaiveDate, String, i64)> = l
                .transactions(None)
                .unwrap()
                .into_iter()
                .map(|t| (t.date, t.description, t.amount.to_minor_units().unwrap()))
                .collect();
            got.sort();
            got
        };
        let forward: Vec<usize> = (0..statements.len()).collect();
        let mut shuffled = forward.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(ledger_of(&forward), ledger_of(&shuffled));
    }
}
