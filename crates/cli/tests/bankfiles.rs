//! `folio import` and `folio convert` of bank files (CAMT, MT940, OFX, QIF, CSV) on a real
//! encrypted ledger with the real keychain, samples from ../shared/corpus: the ledger holds what
//! the parser read, the same file twice is refused, an overlapping export files only its new rows,
//! and a refused file changes nothing.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use folio_app::DataDir;
use folio_bankfiles::{AmountColumns, CsvMapping, ParseOptions};
use folio_secrets::Keychain;
use rust_decimal::Decimal;

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

fn corpus() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .to_path_buf()
}

fn oca(rel: &str) -> PathBuf {
    corpus().join("OCA-bank-statement-import").join(rel)
}

fn folio(data: &Path, args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// A fresh data dir (its keychain item removed at the end).
fn ledger(root: &Path) -> (PathBuf, Cleanup) {
    let data = root.join("ledger");
    let dir = DataDir::at(&data).unwrap();
    (data, Cleanup(dir.keychain_item()))
}

fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn refused(out: &Output, code: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("code: {code}")), "{err}");
    assert!(err.contains("fix:"), "{err}");
}

/// (date, amount, description) of every transaction in the ledger, in its order.
fn ledger_rows(data: &Path) -> Vec<(String, Decimal, String)> {
    let txs = ok(&folio(data, &[os("transactions"), os("--json")]));
    txs.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["date"].as_str().unwrap().to_string(),
                Decimal::from_str(t["amount"].as_str().unwrap()).unwrap(),
                t["description"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What the parser reads: (date, amount) per row over every statement.
fn parsed(path: &Path, options: &ParseOptions) -> Vec<(String, Decimal)> {
    let bytes = std::fs::read(path).unwrap();
    folio_bankfiles::parse(&bytes, options)
        .unwrap()
        .iter()
        .flat_map(|s| s.transactions.iter())
        .map(|t| (t.booked.to_string(), t.amount))
        .collect()
}

fn sorted(mut v: Vec<(String, Decimal)>) -> Vec<(String, Decimal)> {
    v.sort();
    v
}

fn dates_amounts(rows: &[(String, Decimal, String)]) -> Vec<(String, Decimal)> {
    sorted(rows.iter().map(|r| (r.0.clone(), r.1)).collect())
}

#[test]
fn camt_is_filed_once_and_matches_what_was_read() {
    let root = tempfile::tempdir().unwrap();
    let (data, _cleanup) = ledger(root.path());
    let camt = oca("16.0/account_statement_import_camt/test_files/test-camt053-txdtls");

    // OCA's main sample prints balances its rows do not add up to (-434.16 off): refused.
    let off = oca("16.0/account_statement_import_camt/test_files/test-camt053");
    refused(
        &folio(&data, &[os("import"), off.as_os_str()]),
        "STATEMENT_NOT_RECONCILED",
    );

    let reports = ok(&folio(
        &data,
        &[os("import"), camt.as_os_str(), os("--json")],
    ));
    let statements = reports[0]["statements"].as_array().unwrap();
    assert_eq!(reports[0]["format"], "CAMT");
    assert!(!statements.is_empty());
    assert!(
        statements.iter().all(|s| s["proof"] == "balanced"),
        "{reports}"
    );
    let rows = ledger_rows(&data);
    assert_eq!(
        dates_amounts(&rows),
        sorted(parsed(&camt, &ParseOptions::default()))
    );

    // The same bytes under another name: refused, nothing changes.
    let copy = root.path().join("copy.xml");
    std::fs::copy(&camt, &copy).unwrap();
    refused(
        &folio(&data, &[os("import"), copy.as_os_str()]),
        "STATEMENT_DUPLICATE",
    );
    assert_eq!(ledger_rows(&data), rows);

    // Plain output: one line per statement.
    let text = String::from_utf8(folio(&data, &[os("statements")]).stdout).unwrap();
    assert!(text.contains("test-camt053-txdtls"), "{text}");
}

#[test]
fn mt940_overlapping_export_files_only_the_new_day() {
    let root = tempfile::tempdir().unwrap();
    let (data, _cleanup) = ledger(root.path());
    let day1 = ":20:FOLIOTEST1\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C240301EUR1000,00\n\
                :61:2403010301D50,00NTRFNONREF//BR0001\n:86:GROCER MARCH\n\
                :61:2403010301C250,00NTRFNONREF//BR0002\n:86:REFUND\n:62F:C240301EUR1200,00\n";
    let day2 = ":20:FOLIOTEST2\n:25:NL91ABNA0417164300\n:28C:2/1\n:60F:C240301EUR1200,00\n\
                :61:2403020302D12,50NTRFNONREF//BR0003\n:86:COFFEE\n:62F:C240302EUR1187,50\n";
    let first = root.path().join("march-01.sta");
    let second = root.path().join("march-01-02.sta");
    std::fs::write(&first, day1).unwrap();
    std::fs::write(&second, format!("{day1}{day2}")).unwrap();

    let r = ok(&folio(
        &data,
        &[os("import"), first.as_os_str(), os("--json")],
    ));
    assert_eq!(r[0]["statements"][0]["added"], 2);
    assert_eq!(r[0]["statements"][0]["account_created"], true);
    let r = ok(&folio(
        &data,
        &[os("import"), second.as_os_str(), os("--json")],
    ));
    let s = r[0]["statements"].as_array().unwrap();
    assert_eq!(
        (s[0]["added"].as_u64(), s[0]["already_known"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(
        (s[1]["added"].as_u64(), s[1]["already_known"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(s[1]["account_created"], false);
    let rows = ledger_rows(&data);
    let expected: Vec<(String, Decimal, String)> = [
        ("2024-03-01", "-50.00", "GROCER MARCH"),
        ("2024-03-01", "250.00", "REFUND"),
        ("2024-03-02", "-12.50", "COFFEE"),
    ]
    .iter()
    .map(|(d, a, t)| (d.to_string(), Decimal::from_str(a).unwrap(), t.to_string()))
    .collect();
    assert_eq!(rows, expected);

    // A statement whose closing balance is not opening + rows is refused unless accepted.
    let off = root.path().join("off.sta");
    std::fs::write(
        &off,
        day1.replace("FOLIOTEST1", "FOLIOTEST9")
            .replace(":62F:C240301EUR1200,00", ":62F:C240301EUR1300,00"),
    )
    .unwrap();
    refused(
        &folio(&data, &[os("import"), off.as_os_str()]),
        "STATEMENT_NOT_RECONCILED",
    );
    assert_eq!(ledger_rows(&data), rows);
    let accepted = ok(&folio(
        &data,
        &[
            os("import"),
            off.as_os_str(),
            os("--accept-unreconciled"),
            os("--json"),
        ],
    ));
    assert_eq!(accepted[0]["statements"][0]["proof"], "not_reconciled");
    assert_eq!(accepted[0]["statements"][0]["added"], 0);
    assert_eq!(ledger_rows(&data), rows);

    // An MT940 sample from the corpus files next to it, in its own account.
    let ing = oca("11.0/account_bank_statement_import_mt940_base/test_files/test-ing.940");
    let out = folio(&data, &[os("import"), ing.as_os_str()]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MT940 statement 1/1"), "{text}");
    assert!(text.contains("reconciled (662.23 -> 564.35 EUR)"), "{text}");
    assert_eq!(ledger_rows(&data).len(), 3 + 8);
}

#[test]
fn ofx_and_qif_import_with_their_provider_ids_and_choices() {
    let root = tempfile::tempdir().unwrap();
    let (data, _cleanup) = ledger(root.path());
    let ofx = oca("16.0/account_statement_import_ofx/tests/test_ofx_file/test_ofx.ofx");
    let r = ok(&folio(
        &data,
        &[os("import"), ofx.as_os_str(), os("--json")],
    ));
    assert_eq!(r[0]["format"], "OFX");
    assert_eq!(
        dates_amounts(&ledger_rows(&data)),
        sorted(parsed(&ofx, &ParseOptions::default()))
    );

    // A malformed OFX: its code, and the ledger as it was.
    let before = ledger_rows(&data);
    let wrong = oca("16.0/account_statement_import_ofx/tests/test_ofx_file/test_ofx_wrong.ofx");
    refused(
        &folio(&data, &[os("import"), wrong.as_os_str()]),
        "MALFORMED_OFX",
    );
    assert_eq!(ledger_rows(&data), before);

    // QIF names no currency: asked for, then given.
    let qif = oca("16.0/account_statement_import_qif/tests/test_qif.qif");
    refused(
        &folio(&data, &[os("import"), qif.as_os_str()]),
        "CURRENCY_NEEDED",
    );
    assert_eq!(ledger_rows(&data), before);
    let out = folio(
        &data,
        &[
            os("import"),
            qif.as_os_str(),
            os("--currency"),
            os("usd"),
            os("--date-order"),
            os("mdy"),
        ],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no balances to prove"));
    let rows = ledger_rows(&data);
    assert_eq!(rows.len(), before.len() + 5);
    assert!(rows.contains(&(
        "2013-08-12".to_string(),
        Decimal::from_str("-1000.00").unwrap(),
        "Delta PC".to_string()
    )));
    let statements = ok(&folio(&data, &[os("statements"), os("--json")]));
    let qif_statement = statements
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file_name"] == "test_qif.qif")
        .unwrap();
    assert_eq!(qif_statement["balances_printed"], false);
    assert_eq!(qif_statement["reconciled"], false);
}

#[test]
fn csv_imports_with_a_mapping_and_converts() {
    let root = tempfile::tempdir().unwrap();
    let (data, _cleanup) = ledger(root.path());
    let csv =
        oca("16.0/account_statement_import_sheet_file/tests/fixtures/sample_statement_en.csv");
    let mapping = CsvMapping {
        date_column: 0,
        date_format: "%m/%d/%Y".into(),
        amount: AmountColumns::Signed { column: 3 },
        thousands_separator: Some(','),
        description_columns: vec![1],
        counterparty_column: Some(5),
        ..CsvMapping::default()
    };
    let mapping_file = root.path().join("mapping.json");
    std::fs::write(&mapping_file, serde_json::to_string(&mapping).unwrap()).unwrap();

    // Without a mapping: its code, nothing filed.
    refused(
        &folio(&data, &[os("import"), csv.as_os_str()]),
        "CSV_MAPPING_NEEDED",
    );

    // convert needs no ledger and prints exact amounts.
    let converted = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            os("convert"),
            csv.as_os_str(),
            os("--mapping"),
            mapping_file.as_os_str(),
        ])
        .args(["--currency", "USD", "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(converted.stdout).unwrap();
    assert!(text.contains(",1525.00,USD,"), "{text}");

    let out = folio(
        &data,
        &[
            os("import"),
            csv.as_os_str(),
            os("--mapping"),
            mapping_file.as_os_str(),
            os("--currency"),
            os("USD"),
        ],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("remembered for account"));
    let options = ParseOptions {
        csv_mapping: Some(mapping),
        currency: Some(folio_ledger::Currency::USD),
        file_name: Some("sample_statement_en.csv".into()),
        ..ParseOptions::default()
    };
    assert_eq!(
        dates_amounts(&ledger_rows(&data)),
        sorted(parsed(&csv, &options))
    );
    assert_eq!(ledger_rows(&data).len(), 2);
}

#[test]
fn convert_prints_bank_file_statements_as_json() {
    let camt = oca("16.0/account_statement_import_camt/test_files/test-camt053-txdtls");
    let out = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([os("convert"), camt.as_os_str()])
        .output()
        .unwrap();
    let doc = ok(&out);
    assert_eq!(doc["format"], "CAMT");
    let s = &doc["statements"][0];
    assert!(s["transactions"][0]["amount"].is_number(), "{s}");
    assert!(s["metadata"]["statementPeriod"].is_string(), "{s}");
    assert_eq!(s["reconciled"], true);
    // Insights beside the statements, one each; no PDF, so no file or font checks, and they
    // say so.
    let insights = doc["insights"].as_array().unwrap();
    assert_eq!(insights.len(), doc["statements"].as_array().unwrap().len());
    assert_eq!(insights[0]["tamper"]["score"], 0);
    assert_eq!(insights[0]["balances"]["reconciled"], true);
    assert!(
        insights[0]["months_covered"][0].is_string(),
        "{}",
        insights[0]
    );
    assert_eq!(
        insights[0]["tamper"]["skipped"].as_array().unwrap().len(),
        2
    );

    // A file of several statements of one account: the months between them are compared.
    let ing = oca("11.0/account_bank_statement_import_mt940_base/test_files/test-ing.940");
    let out = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([os("convert"), ing.as_os_str()])
        .output()
        .unwrap();
    let doc = ok(&out);
    assert_eq!(
        doc["insights"].as_array().unwrap().len(),
        doc["statements"].as_array().unwrap().len()
    );

    let garbage = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(garbage.path(), b"PK\x03\x04not a workbook").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([os("convert"), garbage.path().as_os_str()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_pdf_statement_still_imports_beside_bank_files() {
    let root = tempfile::tempdir().unwrap();
    let (data, _cleanup) = ledger(root.path());
    let pdf = corpus().join(
        "boscorat-bank_statement_parser/src/bank_statement_parser/test_data/pdfs/good/anonymised_HSBC_UK_CUR_12345678_20200108.pdf",
    );
    let ing = oca("11.0/account_bank_statement_import_mt940_base/test_files/test-ing.940");
    let r = ok(&folio(
        &data,
        &[os("import"), pdf.as_os_str(), ing.as_os_str(), os("--json")],
    ));
    assert_eq!(r[0]["added"], 138);
    assert_eq!(r[1]["statements"][0]["added"], 8);
}
