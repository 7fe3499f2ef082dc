//! What the mapping form and the remembered mappings rely on: the preview of an export's rows
//! and the signature of its header row.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use folio_bankfiles::{header_signature, preview_rows, suggest_mapping, CsvMapping};

const EXPORT: &str = "Account statement export\n\
Date;Description;Amount;Balance\n\
02/03/2024;Coffee;-3,50;96,50\n\
03/03/2024;Salary;1.000,00;1.096,50\n";

#[test]
fn the_preview_shows_the_rows_as_the_mapping_reads_them() {
    let mapping = suggest_mapping(EXPORT.as_bytes()).unwrap();
    assert_eq!(mapping.delimiter, ';');
    let rows = preview_rows(EXPORT.as_bytes(), &mapping, 3).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1], vec!["Date", "Description", "Amount", "Balance"]);
    assert_eq!(rows[2][2], "-3,50");
}

#[test]
fn the_header_signature_names_the_export_and_ignores_its_rows() {
    let mapping = suggest_mapping(EXPORT.as_bytes()).unwrap();
    let signature = header_signature(EXPORT.as_bytes(), &mapping).unwrap();
    assert_eq!(signature, "date|description|amount|balance");
    // The next month's export of the same account: other rows, same header.
    let next = EXPORT.replace("Coffee", "Rent").replace("02/03", "02/04");
    assert_eq!(
        header_signature(next.as_bytes(), &mapping).as_deref(),
        Some(signature.as_str())
    );
    // Another bank's export does not match.
    let other = "Datum,Omschrijving,Bedrag\n2024-03-02,Koffie,-3.50\n";
    assert_ne!(
        header_signature(
            other.as_bytes(),
            &suggest_mapping(other.as_bytes()).unwrap()
        ),
        Some(signature)
    );
    // A mapping without a header row has no signature.
    let headless = CsvMapping {
        has_header: false,
        ..mapping
    };
    assert_eq!(header_signature(EXPORT.as_bytes(), &headless), None);
}
