//! Filing a bank file's statements (several accounts or days) in one SQL transaction, with the
//! bank's row ids: all or nothing, overlaps filed once, ids kept and linked.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use chrono::NaiveDate;
use folio_ledger::{Currency, Iban, Money, NewAccount, NewTransaction};
use folio_secrets::generate_ledger_key;
use folio_store::{Ledger, StatementFilePart, StatementImport, StoreError};
use rust_decimal::Decimal;

fn money(cents: i64, currency: Currency) -> Money {
    Money::new(Decimal::new(cents, 2), currency)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
}

fn account(iban: &str) -> NewAccount {
    NewAccount {
        name: "Checking".into(),
        bank: None,
        holder: None,
        iban: Some(Iban::parse(iban).unwrap()),
        number: None,
        currency: Currency::EUR,
    }
}

fn row(d: u32, text: &str, cents: i64) -> (NewTransaction, u32) {
    (
        NewTransaction {
            date: day(d),
            value_date: None,
            description: text.into(),
            amount: money(cents, Currency::EUR),
            balance: None,
        },
        0,
    )
}

fn ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger =
        Ledger::create(&dir.path().join("l.folio"), &generate_ledger_key().unwrap()).unwrap();
    (dir, ledger)
}

fn part<'a>(
    acc: &'a NewAccount,
    sha: &'a str,
    rows: &'a [(NewTransaction, u32)],
    ids: &'a [Option<String>],
    balances: Option<(i64, i64)>,
) -> StatementFilePart<'a> {
    let (open, close) = balances.unwrap_or((0, 0));
    StatementFilePart {
        statement: StatementImport {
            account: acc,
            into_account: None,
            file_sha256: sha,
            file_name: "export.sta",
            period_start: rows.first().map_or(day(1), |r| r.0.date),
            period_end: rows.last().map_or(day(1), |r| r.0.date),
            opening: money(open, Currency::EUR),
            closing: money(close, Currency::EUR),
            reconciled: balances.is_some(),
            pages: 0,
            transactions: rows,
        },
        provider_ids: ids,
        balances_printed: balances.is_some(),
    }
}

fn ids(list: &[&str]) -> Vec<Option<String>> {
    list.iter()
        .map(|s| (!s.is_empty()).then(|| (*s).to_string()))
        .collect()
}

fn count(ledger: &Ledger) -> usize {
    ledger.transactions(None).unwrap().len()
}

#[test]
fn a_file_of_two_accounts_is_filed_whole_or_not_at_all() {
    let (_dir, mut ledger) = ledger();
    let a = account("NL91ABNA0417164300");
    let b = account("BE68539007547034");
    let rows_a = [row(1, "RENT", -80_000), row(2, "COFFEE", -250)];
    let rows_b = [row(1, "SALARY", 250_000)];
    let ids_a = ids(&["A1", "A2"]);
    let ids_b = ids(&["B1"]);
    let sha1 = "1".repeat(64);
    let sha2 = "2".repeat(64);

    // The second part's rows are in another currency than its account: nothing of the file stays.
    let dollars = [(
        NewTransaction {
            amount: money(100, Currency::USD),
            ..rows_b[0].0.clone()
        },
        0,
    )];
    let failed = ledger.import_statement_file(&[
        part(&a, &sha1, &rows_a, &ids_a, Some((100_000, 19_750))),
        part(&b, &sha2, &dollars, &ids_b, None),
    ]);
    assert!(matches!(failed, Err(StoreError::WrongCurrency { .. })));
    assert_eq!(count(&ledger), 0);
    assert!(ledger.accounts().unwrap().is_empty());

    let outcomes = ledger
        .import_statement_file(&[
            part(&a, &sha1, &rows_a, &ids_a, Some((100_000, 19_750))),
            part(&b, &sha2, &rows_b, &ids_b, None),
        ])
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!((outcomes[0].added, outcomes[1].added), (2, 1));
    assert!(outcomes[0].account_created && outcomes[1].account_created);

    // The statement without printed balances stays out of the account's balance check.
    let statements = ledger.statements().unwrap();
    assert!(statements[0].balances_printed);
    assert!(!statements[1].balances_printed);
    let balances = ledger.account_balances().unwrap();
    let b_balance = balances
        .iter()
        .find(|x| x.account_id == outcomes[1].account.id)
        .unwrap();
    assert_eq!(b_balance.latest_closing, None);
    assert!(b_balance.matches);

    // The same file again is a duplicate, and files nothing.
    let again = ledger.import_statement_file(&[part(&a, &sha1, &rows_a, &ids_a, None)]);
    assert!(matches!(again, Err(StoreError::DuplicateStatement { .. })));
    assert_eq!(count(&ledger), 3);
}

#[test]
fn provider_ids_file_an_overlapping_export_once() {
    let (_dir, mut ledger) = ledger();
    let a = account("NL91ABNA0417164300");
    let first = [row(1, "RENT", -80_000), row(2, "COFFEE", -250)];
    ledger
        .import_statement_file(&[part(&a, &"1".repeat(64), &first, &ids(&["R1", "R2"]), None)])
        .unwrap();

    // The next export repeats both rows (the bank reworded one) and adds a day; one new row
    // reuses an id the bank gave another row before: it is a row of its own.
    let second = [
        row(1, "RENT MARCH", -80_000),
        row(2, "COFFEE", -250),
        row(3, "BOOKS", -1_999),
        row(3, "GROCER", -4_210),
    ];
    let out = ledger
        .import_statement_file(&[part(
            &a,
            &"2".repeat(64),
            &second,
            &ids(&["R1", "R2", "R3", "R1"]),
            None,
        )])
        .unwrap();
    assert_eq!((out[0].added, out[0].already_known), (2, 2));
    let rows = ledger.transactions(None).unwrap();
    let texts: Vec<&str> = rows.iter().map(|t| t.description.as_str()).collect();
    assert_eq!(texts, ["RENT", "COFFEE", "BOOKS", "GROCER"]);
}

#[test]
fn a_row_known_from_a_pdf_statement_is_linked_to_the_banks_id() {
    let (_dir, mut ledger) = ledger();
    let a = account("NL91ABNA0417164300");
    let pdf = [(
        NewTransaction {
            date: day(2),
            value_date: None,
            description: "COFFEE".into(),
            amount: money(-250, Currency::EUR),
            balance: None,
        },
        1,
    )];
    ledger
        .import_statement(&StatementImport {
            pages: 1,
            file_name: "march.pdf",
            ..part(&a, &"1".repeat(64), &pdf, &[], Some((0, -250))).statement
        })
        .unwrap();
    let file = [row(2, "COFFEE", -250)];
    let out = ledger
        .import_statement_file(&[part(&a, &"2".repeat(64), &file, &ids(&["C1"]), None)])
        .unwrap();
    assert_eq!((out[0].added, out[0].already_known), (0, 1));
    // Known by its id now: a later export where the bank reworded it files nothing.
    let reworded = [row(2, "COFFEE SHOP", -250)];
    let out = ledger
        .import_statement_file(&[part(&a, &"3".repeat(64), &reworded, &ids(&["C1"]), None)])
        .unwrap();
    assert_eq!((out[0].added, out[0].already_known), (0, 1));
    assert_eq!(count(&ledger), 1);
}

#[test]
fn ids_must_match_the_rows() {
    let (_dir, mut ledger) = ledger();
    let a = account("NL91ABNA0417164300");
    let rows = [row(1, "RENT", -80_000)];
    let result = ledger.import_statement_file(&[part(&a, &"1".repeat(64), &rows, &[], None)]);
    assert!(result.is_err());
    assert_eq!(count(&ledger), 0);
}

#[test]
fn a_column_mapping_is_remembered_per_account_and_header_and_survives_reopening() {
    use folio_store::BankFileMapping;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.folio");
    let key = generate_ledger_key().unwrap();
    let mut ledger = Ledger::create(&path, &key).unwrap();
    let checking = ledger.add_account(&account("NL91ABNA0417164300")).unwrap();
    let card = ledger
        .add_account(&account("DE89370400440532013000"))
        .unwrap();
    let remembered = |account_id, header: &str, json: &str| BankFileMapping {
        account_id,
        header_signature: header.into(),
        mapping_json: json.into(),
        currency: "EUR".into(),
    };
    ledger
        .remember_bank_file_mapping(&remembered(checking.id, "date|amount", "{\"v\":1}"))
        .unwrap();
    ledger
        .remember_bank_file_mapping(&remembered(card.id, "date|amount", "{\"v\":2}"))
        .unwrap();
    // Setting it again replaces it: one mapping per account and header.
    ledger
        .remember_bank_file_mapping(&remembered(checking.id, "date|amount", "{\"v\":3}"))
        .unwrap();
    drop(ledger);
    let ledger = Ledger::open(&path, &key).unwrap();
    let mut all = ledger.bank_file_mappings().unwrap();
    all.sort_by_key(|m| m.account_id.0);
    assert_eq!(
        all,
        vec![
            remembered(checking.id, "date|amount", "{\"v\":3}"),
            remembered(card.id, "date|amount", "{\"v\":2}"),
        ]
    );
    // An empty header or a currency that is no ISO code is refused by the schema.
    let mut ledger = ledger;
    assert!(ledger
        .remember_bank_file_mapping(&remembered(card.id, "", "{}"))
        .is_err());
}
