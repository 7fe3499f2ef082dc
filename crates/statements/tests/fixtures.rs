//! Every generated layout (BNP Paribas, Belfius FR and NL, ABN AMRO, ING, HDFC, US, UK) reads
//! back to its ground truth exactly, also from encrypted copies.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use common::engine;

use std::process::Command;

use folio_fixtures::{Fixture, Truth};
use folio_statements::{open_pdf, parse_statement, IntakeLimits, ParsedStatement};

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compares a reading with the truth, field by field, with the layout's name in every message.
fn assert_matches(s: &ParsedStatement, t: &Truth) {
    let name = &t.layout;
    assert!(s.reconciled, "{name}: {:?}", s.warnings);
    assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
    assert_eq!(s.currency.unwrap().code(), t.currency, "{name}");
    assert_eq!(
        (s.period_start, s.period_end),
        (t.period_start, t.period_end),
        "{name}"
    );
    assert_eq!(s.opening_balance, t.opening_balance, "{name}");
    assert_eq!(s.closing_balance, t.closing_balance, "{name}");
    assert_eq!(s.pages, t.pages, "{name}");
    assert_eq!(s.identity.bank.as_deref(), Some(t.bank.as_str()), "{name}");
    assert_eq!(
        s.identity.holder.as_deref(),
        Some(t.holder.as_str()),
        "{name}"
    );
    assert_eq!(
        s.identity.iban.as_ref().map(|i| i.as_str().to_string()),
        t.iban,
        "{name}"
    );
    assert_eq!(
        s.masked_account().as_deref(),
        Some(t.masked_account.as_str()),
        "{name}"
    );
    assert_eq!(
        s.transactions.len(),
        t.transactions.len(),
        "{name}: row count"
    );
    for (i, (got, want)) in s.transactions.iter().zip(&t.transactions).enumerate() {
        let at = format!("{name} row {i}: {got:?}");
        assert_eq!(got.date, want.date, "{at}");
        assert_eq!(got.amount, want.amount, "{at}");
        assert_eq!(got.balance, want.balance, "{at}");
        assert_eq!(
            squeeze(&got.description),
            squeeze(&want.description),
            "{at}"
        );
        if want.value_date.is_some() {
            assert_eq!(got.value_date, want.value_date, "{at}");
        }
    }
}

fn parse_bytes(f: &Fixture, password: Option<&str>, dir: &std::path::Path) -> ParsedStatement {
    let path = dir.join(format!("{}.pdf", f.name));
    std::fs::write(&path, &f.pdf).unwrap();
    let text = open_pdf(engine(), &path, password, IntakeLimits::default()).unwrap();
    parse_statement(&text).unwrap_or_else(|e| panic!("{}: {e}", f.name))
}

#[test]
fn every_layout_reads_back_to_its_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = folio_fixtures::all();
    assert_eq!(fixtures.len(), 8);
    for f in &fixtures {
        assert!(f.truth.pages >= 2, "{}: fixtures span page breaks", f.name);
        assert!(f.truth.transactions.len() >= 30, "{}", f.name);
        let s = parse_bytes(f, None, dir.path());
        assert_matches(&s, &f.truth);
    }
}

#[test]
fn identical_rows_on_one_day_stay_two() {
    let dir = tempfile::tempdir().unwrap();
    for f in folio_fixtures::all() {
        let s = parse_bytes(&f, None, dir.path());
        let twins = s
            .transactions
            .windows(2)
            .filter(|w| {
                w[0].date == w[1].date
                    && w[0].amount == w[1].amount
                    && w[0].description == w[1].description
            })
            .count();
        assert!(
            twins >= 1,
            "{}: the generated twin purchase must stay two rows",
            f.name
        );
    }
}

#[test]
fn encrypted_copies_read_the_same_with_their_password() {
    let dir = tempfile::tempdir().unwrap();
    for (f, (bits, aes)) in folio_fixtures::all().iter().zip(
        [
            ("40", None),
            ("128", Some("--use-aes=n")),
            ("128", Some("--use-aes=y")),
            ("256", None),
        ]
        .iter()
        .cycle(),
    ) {
        let plain = dir.path().join(format!("{}.plain.pdf", f.name));
        std::fs::write(&plain, &f.pdf).unwrap();
        let locked = dir.path().join(format!("{}.locked.pdf", f.name));
        let mut args = vec!["--allow-weak-crypto", "--encrypt", "s3cret", "owner", bits];
        args.extend(aes.iter());
        let status = Command::new("qpdf")
            .args(&args)
            .arg("--")
            .arg(&plain)
            .arg(&locked)
            .status()
            .unwrap();
        assert!(status.success(), "{}", f.name);
        let err = open_pdf(engine(), &locked, None, IntakeLimits::default()).unwrap_err();
        assert_eq!(err.code(), "PASSWORD_REQUIRED", "{}", f.name);
        let text = open_pdf(engine(), &locked, Some("s3cret"), IntakeLimits::default()).unwrap();
        assert_matches(&parse_statement(&text).unwrap(), &f.truth);
    }
}

#[test]
fn a_ten_page_statement_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let f = folio_fixtures::ten_pages();
    assert!(f.truth.pages >= 10, "{} pages", f.truth.pages);
    let s = parse_bytes(&f, None, dir.path());
    assert_matches(&s, &f.truth);
}
