//! Every layout family in every language reads back to its ground truth and is proven, also in
//! languages no vocabulary file knows: the table is found by its shape and its columns by the
//! arithmetic. The test prints the family x language table it checks.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use common::engine;

use folio_statements::{parse_statement, IntakeLimits, ParsedStatement};

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is wrong with a reading, if anything.
fn problems(s: &ParsedStatement, t: &folio_fixtures::Truth) -> Vec<String> {
    let mut out = Vec::new();
    if !s.reconciled {
        out.push(format!("not proven: {:?}", s.warnings));
    }
    for w in &s.warnings {
        if w.code != "NEWEST_FIRST" {
            out.push(format!("{}: {}", w.code, w.message));
        }
    }
    if s.currency.map(|c| c.to_string()).as_deref() != Some(t.currency.as_str()) {
        out.push(format!("currency {:?} for {}", s.currency, t.currency));
    }
    if (s.period_start, s.period_end) != (t.period_start, t.period_end) {
        out.push(format!("period {}..{}", s.period_start, s.period_end));
    }
    if (s.opening_balance, s.closing_balance) != (t.opening_balance, t.closing_balance) {
        out.push(format!(
            "balances {} / {} for {} / {}",
            s.opening_balance, s.closing_balance, t.opening_balance, t.closing_balance
        ));
    }
    if s.transactions.len() != t.transactions.len() {
        out.push(format!(
            "{} rows for {}",
            s.transactions.len(),
            t.transactions.len()
        ));
    }
    for (i, (got, want)) in s.transactions.iter().zip(&t.transactions).enumerate() {
        if got.date != want.date
            || got.amount != want.amount
            || got.balance != want.balance
            || squeeze(&got.description) != squeeze(&want.description)
        {
            out.push(format!("row {i}: {got:?} for {want:?}"));
            break;
        }
    }
    out
}

#[test]
fn every_family_reads_in_every_language() {
    let mut families = folio_fixtures::families();
    assert!(families.len() >= 7 * 15);
    families.extend(folio_fixtures::sections());
    let mut table: Vec<(String, String, &'static str)> = Vec::new();
    let mut failures = Vec::new();
    for f in &families {
        let text = engine()
            .extract_within(&f.fixture.pdf, None, IntakeLimits::default())
            .unwrap();
        let verdict = match parse_statement(&text) {
            Ok(s) => {
                let p = problems(&s, &f.fixture.truth);
                if p.is_empty() {
                    "right"
                } else {
                    failures.push(format!("{}: {}", f.fixture.name, p.join("; ")));
                    if s.reconciled {
                        "wrong"
                    } else {
                        "flagged"
                    }
                }
            }
            Err(e) => {
                failures.push(format!("{}: refused: {e}", f.fixture.name));
                "refused"
            }
        };
        table.push((f.family.to_string(), f.language.to_string(), verdict));
    }
    let languages: Vec<&str> = {
        let mut l: Vec<&str> = families.iter().map(|f| f.language).collect();
        l.dedup();
        l.sort_unstable();
        l.dedup();
        l
    };
    println!("| family | {} |", languages.join(" | "));
    let mut seen = Vec::new();
    for (family, _, _) in &table {
        if seen.contains(family) {
            continue;
        }
        seen.push(family.clone());
        let cells: Vec<&str> = languages
            .iter()
            .map(|l| {
                table
                    .iter()
                    .find(|(f, lang, _)| f == family && lang == l)
                    .map_or("-", |(_, _, v)| *v)
            })
            .collect();
        println!("| {family} | {} |", cells.join(" | "));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The shape reader alone (no header word used) on the seed banks' layouts and every family.
#[test]
fn the_shape_alone_reads_the_layouts() {
    let mut results = Vec::new();
    let layouts = folio_fixtures::all()
        .into_iter()
        .chain(folio_fixtures::families().into_iter().map(|f| f.fixture));
    for f in layouts {
        let text = engine()
            .extract_within(&f.pdf, None, IntakeLimits::default())
            .unwrap();
        let verdict = match folio_statements::parse_statement_by_shape(&text) {
            Ok(s) => {
                let p = problems(&s, &f.truth);
                if p.is_empty() {
                    "right".to_string()
                } else {
                    p.join("; ")
                }
            }
            Err(e) => format!("refused: {e}"),
        };
        results.push((f.name.clone(), verdict));
    }
    for (name, verdict) in &results {
        println!("{name}: {verdict}");
    }
}

/// A statement that names no currency is read and proven, with no currency and a
/// CURRENCY_UNKNOWN warning; the currency the person gives is then its currency.
#[test]
fn no_currency_is_no_refusal() {
    let f = folio_fixtures::without_currency();
    let text = engine()
        .extract_within(&f.pdf, None, IntakeLimits::default())
        .unwrap();
    let s = parse_statement(&text).unwrap();
    assert_eq!(s.currency, None);
    assert_eq!(s.currency_cue, None);
    assert!(s.reconciled, "{:?}", s.warnings);
    assert_eq!(s.transactions.len(), f.truth.transactions.len());
    let codes: Vec<&str> = s.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, ["CURRENCY_UNKNOWN"]);
    let json: serde_json::Value = serde_json::from_str(&folio_statements::to_json(&s)).unwrap();
    assert!(json["currency"].is_null());
    assert!(json["transactions"][0]["currency"].is_null());

    let usd: folio_ledger::Currency = "USD".parse().unwrap();
    let options = folio_statements::ReadOptions {
        currency: Some(usd),
        ..folio_statements::ReadOptions::new()
    };
    let given = folio_statements::read_statement(engine(), &f.pdf, &options, &mut |_| {})
        .unwrap()
        .into_statement()
        .unwrap()
        .statement;
    assert_eq!(given.currency, Some(usd));
    assert_eq!(
        given.currency_cue,
        Some(folio_statements::CurrencyCue::Given)
    );
    assert!(given.warnings.is_empty(), "{:?}", given.warnings);

    // A currency the document names outranks the one given.
    let eur = folio_fixtures::families().remove(0).fixture;
    let named = folio_statements::read_statement(engine(), &eur.pdf, &options, &mut |_| {})
        .unwrap()
        .into_statement()
        .unwrap()
        .statement;
    assert_eq!(
        named.currency.map(|c| c.to_string()),
        Some(eur.truth.currency)
    );
}
