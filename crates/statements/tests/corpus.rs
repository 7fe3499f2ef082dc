//! The public sample statements in ../shared/corpus, read end to end.
//!
//! - HSBC UK (boscorat): every `good/` statement reconciles and matches its own Account Summary
//!   (opening, payments in, payments out, closing). Every `bad/` copy whose numbers were edited
//!   does not reconcile and says where; the copies with an edited heading only still read.
//! - monopoly's example card statement matches its expected CSV row for row.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use common::{corpus, engine, hsbc};

use std::path::Path;
use std::str::FromStr;

use folio_statements::{
    open_pdf, parse_statement, IntakeLimits, NumberFormat, ParsedStatement, SignConvention,
};
use rust_decimal::Decimal;

fn parse(path: &Path) -> ParsedStatement {
    let text = open_pdf(engine(), path, None, IntakeLimits::default()).unwrap();
    parse_statement(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Account Summary box the statement prints: (label, amount) pairs from page 1's words.
fn printed_summary(path: &Path) -> Vec<(String, Decimal)> {
    let text = open_pdf(engine(), path, None, IntakeLimits::default()).unwrap();
    let lines = folio_statements::page_lines(&text.pages[0]);
    let mut out = Vec::new();
    for line in &lines {
        if let [label, .., value] = line.phrases.as_slice() {
            let joined: String = value.text.split_whitespace().collect();
            if let Some(a) = folio_statements::parse_amount(&joined, NumberFormat::POINT) {
                out.push((label.text.to_lowercase(), a.signed()));
            }
        }
    }
    out
}

fn summary_value(summary: &[(String, Decimal)], labels: &[&str]) -> Decimal {
    summary
        .iter()
        .find(|(l, _)| labels.iter().any(|x| l == x))
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {labels:?} in {summary:?}"))
}

#[test]
fn every_good_hsbc_statement_reconciles_and_matches_its_summary() {
    let files = hsbc("good");
    assert_eq!(files.len(), 19);
    for path in files {
        let s = parse(&path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(s.reconciled, "{name}: {:?}", s.warnings);
        assert!(s.transactions.len() >= 3, "{name}");
        assert_eq!(s.currency.unwrap().code(), "GBP", "{name}");
        let summary = printed_summary(&path);
        let (money_in, money_out) = s.totals();
        if s.sign_convention == SignConvention::Card {
            // Card summary: Previous Balance, Debits, Credits, New Balance (amounts owed).
            assert_eq!(
                -s.opening_balance,
                summary_value(&summary, &["previous balance"]),
                "{name}"
            );
            assert_eq!(
                -s.closing_balance,
                summary_value(&summary, &["new balance"]),
                "{name}"
            );
            assert_eq!(money_out, summary_value(&summary, &["debits"]), "{name}");
            assert_eq!(money_in, summary_value(&summary, &["credits"]), "{name}");
            assert!(s.masked_account().unwrap().starts_with("****"), "{name}");
        } else {
            assert_eq!(
                s.opening_balance,
                summary_value(&summary, &["opening balance"]),
                "{name}"
            );
            assert_eq!(
                s.closing_balance,
                summary_value(&summary, &["closing balance"]),
                "{name}"
            );
            assert_eq!(
                money_in,
                summary_value(&summary, &["payments in"]),
                "{name}"
            );
            assert_eq!(
                money_out,
                summary_value(&summary, &["payments out"]),
                "{name}"
            );
            // Identity: the account number from the form, masked; the holder from "Account Name".
            let account = s.identity.account_number.clone().unwrap();
            assert!(name.contains(&account), "{name}: {account}");
            assert!(
                s.identity.holder.as_deref().unwrap().contains("Testname"),
                "{name}"
            );
            assert!(
                s.identity.bank.as_deref().unwrap().starts_with("HSBC"),
                "{name}"
            );
        }
        for t in &s.transactions {
            assert!(
                t.date >= s.period_start && t.date <= s.period_end,
                "{name}: {t:?}"
            );
            assert!(!t.description.is_empty(), "{name}: {t:?}");
        }
    }
}

#[test]
fn edited_numbers_in_bad_hsbc_copies_are_caught_and_located() {
    let mut caught = 0;
    for path in hsbc("bad") {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let s = parse(&path);
        // Compare with the statement's own printed summary: an edited number shows up either in
        // the arithmetic or against the summary.
        let summary = printed_summary(&path);
        let (money_in, money_out) = s.totals();
        let summary_agrees = if s.sign_convention == SignConvention::Card {
            money_out == summary_value(&summary, &["debits"])
                && money_in == summary_value(&summary, &["credits"])
                && -s.closing_balance == summary_value(&summary, &["new balance"])
        } else {
            money_in == summary_value(&summary, &["payments in"])
                && money_out == summary_value(&summary, &["payments out"])
                && s.closing_balance == summary_value(&summary, &["closing balance"])
        };
        if s.reconciled {
            // Only a heading or a word was edited: the numbers still agree everywhere.
            assert!(
                summary_agrees,
                "{name} reconciles but disagrees with its summary"
            );
            continue;
        }
        caught += 1;
        assert!(!s.warnings.is_empty(), "{name}");
        let rows_named = s.warnings.iter().any(|w| w.row.is_some());
        let closing_named = s
            .warnings
            .iter()
            .any(|w| w.code == "CLOSING_BALANCE_MISMATCH");
        assert!(rows_named || closing_named, "{name}: {:?}", s.warnings);
    }
    // Three of the five copies had a number edited (two transactions' amounts, one card balance).
    assert_eq!(caught, 3);
}

#[test]
fn a_running_balance_break_names_its_row() {
    let path = hsbc("bad")
        .into_iter()
        .find(|p| p.to_string_lossy().contains("CUR_12345678_20240108"))
        .unwrap();
    let s = parse(&path);
    assert!(!s.reconciled);
    let w = s
        .warnings
        .iter()
        .find(|w| w.code == "RUNNING_BALANCE_MISMATCH")
        .unwrap();
    let row = w.row.unwrap();
    assert_eq!(
        s.transactions[row].balance,
        Some(Decimal::from_str("2515.66").unwrap())
    );
    assert!(w.message.contains("2515.66"), "{}", w.message);
}

#[test]
fn monopoly_example_matches_its_expected_csv() {
    let base = corpus().join("monopoly");
    let s = parse(&base.join("src/monopoly/examples/example_statement.pdf"));
    let csv = std::fs::read_to_string(
        base.join("tests/integration/banks/example/credit/transformed.csv"),
    )
    .unwrap();
    let mut expected: Vec<(String, String, Decimal)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let mut parts = l.rsplitn(2, ',');
            let amount = Decimal::from_str(parts.next().unwrap()).unwrap();
            let (date, description) = parts.next().unwrap().split_once(',').unwrap();
            (date.to_string(), description.to_string(), amount)
        })
        .collect();
    // The expected file lists last month's balance as its first row; Folio reads it as the
    // opening balance of the card (owed, so negative) and not as a transaction.
    let first = expected.remove(0);
    assert_eq!(first.1, "LAST MONTH'S BALANCE");
    assert_eq!(s.opening_balance, first.2);
    assert!(s.reconciled, "{:?}", s.warnings);
    assert_eq!(s.currency.unwrap().code(), "SGD");
    assert_eq!(s.transactions.len(), expected.len());
    for (t, (date, description, amount)) in s.transactions.iter().zip(&expected) {
        assert_eq!(t.date.to_string(), *date, "{t:?}");
        assert_eq!(t.amount, *amount, "{t:?}");
        // Letter-spaced words come apart in the PDF ("FL AVORS"): compare without spaces.
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squeeze(&t.description), squeeze(description), "{t:?}");
    }
}
