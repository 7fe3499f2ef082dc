//! `folio import`, `folio statements`, `folio coverage` on a real encrypted ledger with the real
//! keychain and real statement PDFs from ../shared/corpus.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use folio_app::DataDir;

#[path = "../../statements/tests/common/scans.rs"]
#[allow(dead_code)]
mod scans;
use folio_secrets::Keychain;

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

fn hsbc(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/boscorat-bank_statement_parser/src/bank_statement_parser/test_data/pdfs")
        .join(kind)
        .join(format!("anonymised_HSBC_UK_{name}.pdf"))
}

fn folio(data: &Path, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn statements_are_filed_once_with_coverage_and_refusals_change_nothing() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());
    let dec = hsbc("good", "CUR_12345678_20200108");
    let jan = hsbc("good", "CUR_12345678_20200208");
    let mar = hsbc("good", "CUR_12345678_20210108");

    let out = folio(
        &data,
        &[os("import"), dec.as_os_str(), jan.as_os_str(), os("--json")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports[0]["added"], 138);
    assert_eq!(reports[0]["account_created"], true);
    assert_eq!(reports[1]["added"], 122);
    assert_eq!(reports[1]["account_created"], false);

    // The same file again, renamed: refused, nothing changes.
    let renamed = root.path().join("copy-of-december.pdf");
    std::fs::copy(&dec, &renamed).unwrap();
    let again = folio(&data, &[os("import"), renamed.as_os_str()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("code: STATEMENT_DUPLICATE"));

    // An edited copy that does not add up is refused unless accepted.
    let bad = hsbc("bad", "CUR_12345678_20200108");
    let refused = folio(&data, &[os("import"), bad.as_os_str()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("code: STATEMENT_NOT_RECONCILED"));

    let accounts: serde_json::Value =
        serde_json::from_slice(&folio(&data, &[os("accounts"), os("--json")]).stdout).unwrap();
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    assert_eq!(accounts[0]["transaction_count"], 260);

    // A later statement leaves a gap: coverage names the missing months.
    assert!(folio(&data, &[os("import"), mar.as_os_str()])
        .status
        .success());
    let coverage: serde_json::Value =
        serde_json::from_slice(&folio(&data, &[os("coverage"), os("--json")]).stdout).unwrap();
    let missing: Vec<&str> = coverage[0]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"2020-06") && !missing.contains(&"2020-01"),
        "{missing:?}"
    );

    let listed = String::from_utf8(folio(&data, &[os("statements")]).stdout).unwrap();
    assert_eq!(listed.lines().count(), 4, "{listed}");
    assert!(listed.contains("anonymised_HSBC_UK_CUR_12345678_20200208.pdf"));

    // Deleting asks for confirmation, then removes exactly what the statement brought.
    let statements: serde_json::Value =
        serde_json::from_slice(&folio(&data, &[os("statements"), os("--json")]).stdout).unwrap();
    let last = statements.as_array().unwrap().last().unwrap();
    let id = last["id"].as_i64().unwrap().to_string();
    let brought = last["transactions"].as_u64().unwrap();
    let dry = String::from_utf8(folio(&data, &[os("delete-statement"), os(&id)]).stdout).unwrap();
    assert!(dry.contains("--yes"), "{dry}");
    let count = |data: &Path| {
        let a: serde_json::Value =
            serde_json::from_slice(&folio(data, &[os("accounts"), os("--json")]).stdout).unwrap();
        a[0]["transaction_count"].as_u64().unwrap()
    };
    let before = count(&data);
    let done = folio(&data, &[os("delete-statement"), os(&id), os("--yes")]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(count(&data), before - brought);
}

/// A statement scanned whole (every page an image: rendered, rotated, noisy, JPEG'd) imports
/// through `folio import` like a text one: progress per recognised page on stderr, proven by its
/// balances, every transaction filed; and the same scan again is refused as a duplicate.
#[test]
fn a_scanned_statement_imports_with_progress() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());

    let f = folio_fixtures::all()
        .into_iter()
        .find(|f| f.name == "us-checking")
        .unwrap();
    // The scanned fixtures' own copy (seed `scans::SEED`), whose accuracy the OCR tests pin:
    // other draws can misread a figure, and such a scan is refused as not adding up, which is not
    // what this test is about.
    let scan = scans::scanned(folio_statements::pdf_engine_from_env().unwrap(), &f);
    let file = root.path().join("us-checking-scanned.pdf");
    std::fs::write(&file, &scan.pdf).unwrap();

    let out = folio(&data, &[os("import"), file.as_os_str(), os("--json")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let pages = f.pages.len();
    for k in 1..=pages {
        assert!(
            stderr.contains(&format!("recognising scanned pages {k} of {pages}")),
            "{stderr}"
        );
    }
    // Tesseract's models were freed before exit (it warns about models still loaded).
    assert!(!stderr.contains("LEAK"), "{stderr}");
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports[0]["reconciled"], true, "{reports}");
    assert_eq!(
        reports[0]["added"].as_u64().unwrap() as usize,
        scan.truth.transactions.len(),
        "{reports}"
    );

    let again = folio(&data, &[os("import"), file.as_os_str()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("code: STATEMENT_DUPLICATE"));
}

/// A statement that names no currency is not filed in a guessed one: CURRENCY_NEEDED and
/// nothing written; with `--currency` it is filed in that currency.
#[test]
fn a_statement_without_a_currency_is_filed_only_once_given_one() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("ledger");
    let dir = DataDir::at(&data).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());
    let pdf = root.path().join("checking.pdf");
    let fixture = folio_fixtures::without_currency();
    std::fs::write(&pdf, &fixture.pdf).unwrap();

    let refused = folio(&data, &[os("import"), pdf.as_os_str()]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("code: CURRENCY_NEEDED"), "{stderr}");
    assert!(stderr.contains("--currency"), "{stderr}");
    let listed = folio(&data, &[os("statements"), os("--json")]);
    let statements: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(statements.as_array().map(Vec::len), Some(0), "{statements}");

    let filed = folio(
        &data,
        &[
            os("import"),
            pdf.as_os_str(),
            os("--currency"),
            os("USD"),
            os("--json"),
        ],
    );
    assert!(
        filed.status.success(),
        "{}",
        String::from_utf8_lossy(&filed.stderr)
    );
    let reports: serde_json::Value = serde_json::from_slice(&filed.stdout).unwrap();
    assert_eq!(
        reports[0]["added"].as_u64(),
        Some(fixture.truth.transactions.len() as u64)
    );
    let accounts = folio(&data, &[os("accounts"), os("--json")]);
    let accounts: serde_json::Value = serde_json::from_slice(&accounts.stdout).unwrap();
    assert_eq!(accounts[0]["currency"], "USD", "{accounts}");
}
