//! `folio convert` as a person runs it: real statement PDFs from ../shared/corpus, real files out.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn savings_statement() -> PathBuf {
    corpus().join("boscorat-bank_statement_parser/src/bank_statement_parser/test_data/pdfs/good/anonymised_HSBC_UK_SAV_87654321_20190808.pdf")
}

fn folio(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("convert")
        .args(args)
        // Convert needs no ledger and no keychain: prove it by taking the keychain away.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/folio-no-bus",
        )
        .output()
        .unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn json_has_balanzios_shape_and_folios_fields() {
    let out = folio(&[savings_statement().as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let txs = json["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 5);
    assert_eq!(txs[0]["date"], "2019-04-13");
    assert_eq!(txs[0]["currency"], "GBP");
    assert_eq!(txs[4]["amount"].as_f64(), Some(-2287.59));
    // Amounts keep the statement's two decimals as printed JSON numbers.
    assert!(text.contains("\"amount\": 1.70,"), "{text}");
    assert_eq!(json["metadata"]["bank"], "HSBC UK");
    assert_eq!(json["metadata"]["accountNumber"], "****4321");
    assert_eq!(json["metadata"]["statementPeriod"], "2019-04-09/2019-08-08");
    assert!(json["warnings"].is_array());
    assert_eq!(json["reconciled"], true);
    assert_eq!(json["pdfType"], "TEXT_BASED");
    assert_eq!(json["pages"], 3);
    assert!(text.contains("\"openingBalance\": 10008.25"), "{text}");
    assert!(text.contains("\"closingBalance\": 7726.49"), "{text}");
    assert!(json["holder"].as_str().unwrap().contains("Testname"));
}

#[test]
fn csv_goes_to_stdout_and_xlsx_to_a_file() {
    let out = folio(&[savings_statement().as_os_str(), os("--format"), os("csv")]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "date,value_date,description,amount,balance,currency"
    );
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines[5],
        "2019-07-15,,TFR 111111 22222222 QGLWVGWL LVXGNEWV,-2287.59,7726.49,GBP"
    );

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("statement.xlsx");
    let out = folio(&[
        savings_statement().as_os_str(),
        os("--format"),
        os("xlsx"),
        os("--out"),
        target.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&target).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX is a zip");
    assert!(bytes.windows(18).any(|w| w == b"xl/worksheets/shee"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("5 transactions, reconciled"));
}

#[test]
fn bad_input_gets_its_code_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let not_pdf = dir.path().join("photo.pdf");
    std::fs::write(&not_pdf, b"\x89PNG\r\n\x1a\n").unwrap();
    let protected = corpus().join("monopoly/tests/integration/fixtures/protected.pdf");
    let target = dir.path().join("out.json");
    let savings = savings_statement();
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (vec![not_pdf.as_os_str()], "INVALID_FILE_TYPE"),
        (vec![protected.as_os_str()], "PASSWORD_REQUIRED"),
        (
            vec![protected.as_os_str(), os("--password"), os("nope")],
            "INVALID_PASSWORD",
        ),
        (
            vec![savings.as_os_str(), os("--max-bytes"), os("1000")],
            "FILE_TOO_LARGE",
        ),
        (vec![os("/nonexistent/statement.pdf")], "FILE_UNREADABLE"),
    ];
    for (mut args, code) in cases {
        args.extend([os("--out"), target.as_os_str()]);
        let out = folio(&args);
        assert_eq!(out.status.code(), Some(2), "{code}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("code: {code}")), "{code}: {err}");
        assert!(err.contains("fix:"), "{err}");
        assert!(!target.exists(), "{code}: nothing may be written");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the input file"
    );
}

#[test]
fn json_carries_insights_and_prior_statements_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let out = folio(&[
        savings_statement().as_os_str(),
        os("--out"),
        first.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    let insights = &json["insights"];
    assert_eq!(insights["tamper"]["score"], 0);
    assert_eq!(insights["tamper"]["level"], "low");
    assert_eq!(insights["tamper"]["signals"], serde_json::json!([]));
    assert_eq!(insights["identity"]["bank"], "HSBC UK");
    assert_eq!(insights["identity"]["account_number"], "****4321");
    assert_eq!(insights["period"]["from"], "2019-04-09");
    assert_eq!(insights["balances"]["opening"], "10008.25");
    assert_eq!(insights["balances"]["closing"], "7726.49");
    assert_eq!(insights["duplicate_of"], serde_json::Value::Null);
    assert_eq!(insights["months_covered"][0], "2019-04");

    // The same account's next statement: the months between them are missing.
    let next = savings_statement().with_file_name("anonymised_HSBC_UK_SAV_87654321_20200108.pdf");
    let out = folio(&[next.as_os_str(), os("--prior"), first.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<String> = json["insights"]["months_missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "not_covered")
        .map(|m| m["month"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(missing, ["2019-09", "2019-10", "2019-11"]);
    assert_eq!(json["insights"]["duplicate_of"], serde_json::Value::Null);

    // The first statement again: a duplicate of itself, by its bytes.
    let out = folio(&[
        savings_statement().as_os_str(),
        os("--prior"),
        first.as_os_str(),
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["insights"]["duplicate_of"]["reason"], "same_file");
    assert_eq!(
        json["insights"]["duplicate_of"]["label"],
        "anonymised_HSBC_UK_SAV_87654321_20190808.pdf"
    );

    // A --prior that is not a summary is refused before anything is read.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let out = folio(&[
        savings_statement().as_os_str(),
        os("--prior"),
        junk.as_os_str(),
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

/// Several files (and a folder) in one call: each written to the output folder under its own
/// name, the same bytes a single convert writes, and a table saying what became of each; a
/// file that is no statement is named with its code and makes the exit code 2, the others are
/// still written.
#[test]
fn a_batch_converts_every_file_and_ends_with_a_table() {
    let good = corpus()
        .join("boscorat-bank_statement_parser/src/bank_statement_parser/test_data/pdfs/good");
    let dir = tempfile::tempdir().unwrap();
    let letter = dir.path().join("letter.pdf");
    std::fs::write(&letter, "Dear customer, this is not a statement.").unwrap();
    let out_dir = dir.path().join("out");
    let out = folio(&[
        good.as_os_str(),
        letter.as_os_str(),
        os("--out-dir"),
        out_dir.as_os_str(),
        os("--format"),
        os("csv"),
    ]);
    assert_eq!(out.status.code(), Some(2), "one file is refused");
    let table = String::from_utf8(out.stdout).unwrap();
    let pdfs: Vec<PathBuf> = std::fs::read_dir(&good)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert!(pdfs.len() >= 2, "the corpus folder holds statements");
    for pdf in &pdfs {
        let stem = pdf.file_stem().unwrap().to_string_lossy().to_string();
        let written = std::fs::read_to_string(out_dir.join(format!("{stem}.csv"))).unwrap();
        let single = folio(&[pdf.as_os_str(), os("--format"), os("csv")]);
        assert_eq!(written, String::from_utf8(single.stdout).unwrap(), "{stem}");
        let line = table
            .lines()
            .find(|l| l.contains(&stem))
            .unwrap_or_else(|| panic!("{stem} in the table:\n{table}"));
        assert!(line.contains("proven"), "{line}");
    }
    let refused = table.lines().find(|l| l.contains("letter.pdf")).unwrap();
    assert!(refused.contains("refused INVALID_FILE_TYPE"), "{refused}");
    assert!(!out_dir.join("letter.csv").exists());
    assert!(
        table.contains(&format!(
            "{} of {} files converted, 1 refused",
            pdfs.len(),
            pdfs.len() + 1
        )),
        "{table}"
    );
}

/// A statement that prints no currency is converted, not refused: `currency: null`, a
/// CURRENCY_UNKNOWN warning and the way out on stderr; `--currency` gives it.
#[test]
fn a_statement_without_a_currency_is_written_with_null_until_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("checking.pdf");
    std::fs::write(&pdf, folio_fixtures::without_currency().pdf).unwrap();
    let out = folio(&[pdf.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["currency"].is_null(), "{json}");
    assert_eq!(json["reconciled"], true);
    assert!(json["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("CURRENCY_UNKNOWN"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--currency"), "{stderr}");

    let out = folio(&[pdf.as_os_str(), os("--currency"), os("usd")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["currency"], "USD");
    assert_eq!(json["currencyCue"], "given");
    assert_eq!(json["transactions"][0]["currency"], "USD");
    assert_eq!(json["warnings"].as_array().unwrap().len(), 0, "{json}");
}
