//! The window's bank-file path: a review like a PDF's, filing into a picked account, and the
//! CSV mapping remembered for the account it went to. Real keychain, real SQLCipher file.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use folio_app::{read_bank_file, BankFileOptions, DataDir, ErrorCode, Folio};
use folio_bankfiles::suggest_mapping;
use folio_ledger::Currency;
use folio_secrets::Keychain;

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

const MARCH: &str = "Date;Description;Amount\n02/03/2024;Coffee;-3,50\n05/03/2024;Salary;2500,00\n";
const APRIL: &str = "Date;Description;Amount\n05/03/2024;Salary;2500,00\n02/04/2024;Rent;-900,00\n";

/// Two MT940 statements of two accounts in one file.
const TWO_ACCOUNTS: &str =
    ":20:A\r\n:25:NL91ABNA0417164300\r\n:28C:1/1\r\n:60F:C240301EUR100,00\r\n\
:61:2403020302D3,50NTRFNONREF\r\n:86:Coffee\r\n:62F:C240302EUR96,50\r\n-\r\n\
:20:B\r\n:25:DE89370400440532013000\r\n:28C:1/1\r\n:60F:C240301EUR10,00\r\n\
:61:2403020302C5,00NTRFNONREF\r\n:86:Refund\r\n:62F:C240302EUR15,00\r\n-\r\n";

#[test]
fn a_csv_is_reviewed_filed_into_the_picked_account_and_its_mapping_remembered() {
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());
    let mut folio = Folio::open(dir, &Keychain::os()).unwrap();
    let march = root.path().join("march.csv");
    std::fs::write(&march, MARCH).unwrap();
    let mapping = suggest_mapping(MARCH.as_bytes()).unwrap();
    let options = BankFileOptions {
        mapping: Some(mapping.clone()),
        currency: Some(Currency::EUR),
        ..BankFileOptions::default()
    };
    let none = |_: &str| Ok(None);
    let mut read = read_bank_file(&none, &march, &options).unwrap();
    let review = folio.bank_file_review(&read, None).unwrap();
    assert_eq!(review.format, "CSV");
    assert!(
        !review.balances_printed,
        "a CSV without balances has nothing to prove"
    );
    assert!(!review.reconciled);
    assert_eq!(review.rows.len(), 2);
    assert_eq!(
        (review.money_in.as_str(), review.money_out.as_str()),
        ("2500.00", "3.50")
    );
    assert!(review.matched_account.is_none());

    // Nothing is remembered before filing; filing then remembering makes the next export known.
    assert_eq!(folio.remembered_mapping(APRIL.as_bytes()).unwrap(), None);
    // The person names the new account (a CSV names none).
    read.account_name = Some(" Everyday checking ".into());
    let report = folio.file_bank_file(&read, None, false).unwrap();
    let account = report.statements[0].account_id;
    assert_eq!(report.statements[0].account_name, "Everyday checking");
    assert!(folio
        .remember_mapping(account, MARCH.as_bytes(), &mapping, Currency::EUR)
        .unwrap());
    let known = folio.remembered_mapping(APRIL.as_bytes()).unwrap().unwrap();
    assert_eq!((known.account_id, known.currency), (account, Currency::EUR));
    assert_eq!(known.mapping, mapping);
    // Another bank's export (other header) is not taken for it.
    assert_eq!(
        folio
            .remembered_mapping(b"Datum,Omschrijving,Bedrag\n2024-03-02,Koffie,-3.50\n")
            .unwrap(),
        None
    );

    // April, read with the remembered mapping, goes to the same account: the overlap once.
    let april = root.path().join("april.csv");
    std::fs::write(&april, APRIL).unwrap();
    let options = BankFileOptions {
        mapping: Some(known.mapping),
        currency: Some(known.currency),
        ..BankFileOptions::default()
    };
    let read = read_bank_file(&none, &april, &options).unwrap();
    let review = folio.bank_file_review(&read, Some(account)).unwrap();
    assert_eq!(review.matched_account.map(|a| a.id), Some(account));
    let report = folio.file_bank_file(&read, Some(account), false).unwrap();
    let s = &report.statements[0];
    assert_eq!((s.account_id, s.added, s.already_known), (account, 1, 1));
    assert_eq!(folio.accounts().unwrap().len(), 1);
}

#[test]
fn a_file_of_several_accounts_cannot_be_filed_into_one_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let _cleanup = Cleanup(dir.keychain_item());
    let mut folio = Folio::open(dir, &Keychain::os()).unwrap();
    let path = root.path().join("two.sta");
    std::fs::write(&path, TWO_ACCOUNTS).unwrap();
    let none = |_: &str| Ok(None);
    let read = read_bank_file(&none, &path, &BankFileOptions::default()).unwrap();
    let review = folio.bank_file_review(&read, None).unwrap();
    assert_eq!((review.statements, review.reconciled), (2, true));
    assert!(review.warnings.iter().any(|w| w.contains("2 accounts")));
    let picked = folio.file_bank_file(&read, None, false).unwrap().statements[0].account_id;
    // Filed once without a pick; a second try into one account is refused before anything.
    std::fs::write(
        root.path().join("copy.sta"),
        TWO_ACCOUNTS.replace(":20:A", ":20:C"),
    )
    .unwrap();
    let read = read_bank_file(
        &none,
        &root.path().join("copy.sta"),
        &BankFileOptions::default(),
    )
    .unwrap();
    let before = folio.accounts().unwrap();
    let err = folio
        .file_bank_file(&read, Some(picked), false)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SeveralAccountsInFile);
    // Nor one name for all of its accounts.
    let mut named = read.clone();
    named.account_name = Some("Both".into());
    let err = folio.file_bank_file(&named, None, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SeveralAccountsInFile);
    assert_eq!(folio.accounts().unwrap(), before);
}
