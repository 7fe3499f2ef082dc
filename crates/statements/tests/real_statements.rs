//! Real statements from other projects (../shared/corpus/real-statements, each with its truth
//! file), read as a person would: what Folio gets right today, as floors that may only rise.
//! Refusing one of them, or reading its currency wrong, fails here. The full goal (every row,
//! proven or flagged with the rows named) is the structural reader's.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use std::collections::HashMap;

use folio_statements::{read_statement, ReadOptions};
use rust_decimal::Decimal;

struct Truth {
    currency: String,
    password: Option<String>,
    /// (date, amount) of every transaction, as often as it occurs.
    rows: Vec<(String, Decimal)>,
}

fn truth(name: &str) -> Truth {
    let path = common::corpus().join(format!("real-statements/{name}.truth.json"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Truth {
        currency: json["currency"].as_str().unwrap().to_string(),
        password: json["password"].as_str().map(String::from),
        rows: json["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["date"].as_str().unwrap().to_string(),
                    t["amount"]
                        .as_str()
                        .map(|a| a.parse().unwrap())
                        .unwrap_or_else(|| t["amount"].to_string().parse().unwrap()),
                )
            })
            .collect(),
    }
}

/// Rows read with the truth's date and amount (each truth row matched once).
fn matched(name: &str) -> (usize, usize, String) {
    let truth = truth(name);
    let bytes =
        std::fs::read(common::corpus().join(format!("real-statements/{name}.pdf"))).unwrap();
    let options = ReadOptions {
        password: truth.password.as_deref(),
        label: Some(name),
        ..ReadOptions::new()
    };
    let found = read_statement(common::engine(), &bytes, &options, &mut |_| {})
        .unwrap()
        .into_statement()
        .unwrap_or_else(|e| panic!("{name} refused: {e}"));
    let s = found.statement;
    assert_eq!(s.currency.to_string(), truth.currency, "{name}'s currency");
    let mut read: HashMap<(String, Decimal), usize> = HashMap::new();
    for t in &s.transactions {
        *read.entry((t.date.to_string(), t.amount)).or_default() += 1;
    }
    let mut hits = 0;
    for row in &truth.rows {
        if let Some(n) = read.get_mut(row).filter(|n| **n > 0) {
            *n -= 1;
            hits += 1;
        }
    }
    (hits, truth.rows.len(), format!("{:?}", s.warnings.first()))
}

#[test]
fn real_statements_are_read_not_refused() {
    // Floors measured on 2026-12-03 (vocabulary as data, currency cues); raise them as the
    // reader improves.
    for (name, floor) in [("postbank-1", 4), ("itau-1", 129), ("canara-1", 71)] {
        let (hits, of, first_warning) = matched(name);
        assert!(
            hits >= floor,
            "{name}: {hits} of {of} rows read right, below the floor {floor} ({first_warning})"
        );
        eprintln!("{name}: {hits} of {of} rows read right");
    }
}
