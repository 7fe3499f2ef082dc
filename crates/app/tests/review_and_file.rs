//! The window's import path: read (with progress, no ledger write), review, file into the
//! matched or a chosen account. Real keychain, real SQLCipher file, real PDFs through PDFium.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};

use folio_app::{read_statement_file, DataDir, ErrorCode, Folio, Known, ReadStage, ReadStatement};
use folio_secrets::Keychain;
use folio_statements::{pdfium_candidates, PdfEngine};

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

fn engine() -> &'static PdfEngine {
    PdfEngine::load(&pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        None,
    ))
    .unwrap_or_else(|e| panic!("{e}: run scripts/lib/deps and set FOLIO_PDFIUM_LIB"))
}

/// The fixture statements written to `dir`, by layout name.
fn fixture(dir: &Path, name: &str) -> PathBuf {
    let f = folio_fixtures::all()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, &f.pdf).unwrap();
    path
}

fn read(
    folio: &Folio,
    path: &Path,
    stages: &mut Vec<ReadStage>,
) -> Result<ReadStatement, folio_app::AppError> {
    read_statement_file(
        &Known {
            filed_as: &|sha| folio.statement_with_file(sha),
            prior: &folio.prior_summaries().unwrap(),
        },
        engine(),
        path,
        folio_app::FileOptions::default(),
        &mut |s| stages.push(s),
        &std::sync::atomic::AtomicBool::new(false),
    )
}

#[test]
fn read_reports_progress_review_shows_the_proof_and_filing_goes_where_the_person_says() {
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());
    let mut folio = Folio::open(dir, &Keychain::os()).unwrap();
    let ing = fixture(root.path(), "ing-nl");
    let abn = fixture(root.path(), "abn-amro-nl");
    let us = fixture(root.path(), "us-checking");

    // Reading reports each page and writes nothing.
    let mut stages = Vec::new();
    let ing_read = read(&folio, &ing, &mut stages).unwrap();
    assert_eq!(
        stages,
        vec![
            ReadStage::Checking,
            ReadStage::Page {
                page: 1,
                pages: 2,
                percent: 0
            },
            ReadStage::Page {
                page: 2,
                pages: 2,
                percent: 50
            },
            ReadStage::Verifying
        ]
    );
    assert!(folio.statements().unwrap().is_empty());

    // The review: what was read, the proof, no matching account yet.
    let review = folio.review(&ing_read).unwrap();
    assert!(review.reconciled);
    assert_eq!(review.currency, "EUR");
    assert_eq!(review.rows.len(), 37);
    assert!(review.rows.iter().all(|r| r.problem.is_none()));
    assert_eq!(review.computed_closing, review.closing);
    assert!(review.matched_account.is_none());
    assert_eq!(review.new_account_name, "ING ****4567");

    let filed = folio.file_statement(&ing_read, None, false).unwrap();
    assert!(filed.account_created);
    assert_eq!(filed.added, 37);

    // Read again: refused as a duplicate before the file is even opened.
    let mut stages = Vec::new();
    let again = read(&folio, &ing, &mut stages).unwrap_err();
    assert_eq!(again.code(), ErrorCode::StatementDuplicate);
    assert_eq!(stages, vec![ReadStage::Checking]);

    // Another bank's EUR statement, filed into the ING account because the person chose it.
    let abn_read = read(&folio, &abn, &mut Vec::new()).unwrap();
    assert!(folio.review(&abn_read).unwrap().matched_account.is_none());
    let into = folio
        .file_statement(&abn_read, Some(filed.account_id), false)
        .unwrap();
    assert_eq!(into.account_id, filed.account_id);
    assert!(!into.account_created);
    assert_eq!(folio.accounts().unwrap().len(), 1);

    // A USD statement cannot go into the EUR account, an unknown account is refused, and
    // neither changes the ledger.
    let us_read = read(&folio, &us, &mut Vec::new()).unwrap();
    let before = (
        folio.statements().unwrap(),
        folio.transactions(None).unwrap(),
    );
    let wrong = folio
        .file_statement(&us_read, Some(filed.account_id), false)
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::AccountCurrencyMismatch);
    let unknown = folio
        .file_statement(&us_read, Some(9_999), false)
        .unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::UnknownAccount);
    assert_eq!(
        before,
        (
            folio.statements().unwrap(),
            folio.transactions(None).unwrap()
        )
    );
    let us_filed = folio.file_statement(&us_read, None, false).unwrap();
    assert!(us_filed.account_created);
    assert_eq!(folio.accounts().unwrap().len(), 2);
}
