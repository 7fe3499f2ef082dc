//! The reader on arbitrary pages: words drawn from statement vocabulary (dates, amounts, header
//! and balance labels, IBAN-like text) at random places. Whatever comes out, it is a statement or
//! a typed error, never a panic; and whatever it calls reconciled really adds up.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use folio_statements::{parse_statement, PageKind, PageText, PdfText, Word};
use proptest::prelude::*;
use rust_decimal::Decimal;

const VOCABULARY: &[&str] = &[
    "Date",
    "Description",
    "Paid out",
    "Paid in",
    "Balance",
    "Amount",
    "Débit",
    "Crédit",
    "Saldo",
    "Af/Bij",
    "Af",
    "Bij",
    "Value date",
    "Opening balance",
    "Closing balance",
    "BALANCE BROUGHT FORWARD",
    "BALANCE CARRIED FORWARD",
    "Total",
    "SOLDE CREDITEUR AU 31.12.2023",
    "15/01/2024",
    "02.01",
    "Jan 5",
    "09 May 19",
    "1.234,56",
    "1,234.56",
    "-12.50",
    "12.50-",
    "(3.20)",
    "45.00 CR",
    "7,08",
    "1 842,30",
    "1,23,456.78",
    "GB29 NWBK 6016 1331 9268 19",
    "IBAN",
    "BE68 5390 0754 7034",
    "EUR",
    "£",
    "to",
    "9 May to 8 June 2019",
    "du 1 janvier 2024 au 31 janvier 2024",
    "Mr Z Testname",
    "CARD PAYMENT",
    "TESCO STORES",
    "",
    "0",
    "99999999999999999999.99",
    "31/02/2024",
];

fn word(text: &str, x: f32, top: f32) -> Word {
    Word {
        text: text.to_string(),
        x0: x,
        x1: x + 6.0 * text.len() as f32,
        top,
        bottom: top + 9.0,
        font_size: 9.0,
        font: None,
        mixed_fonts: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_page_of_statement_words_reads_or_refuses_without_panicking(
        cells in proptest::collection::vec((0..VOCABULARY.len(), 0_u16..10, 0_u16..80), 0..220),
        pages in 1_u32..3,
    ) {
        let mut out = Vec::new();
        for p in 1..=pages {
            let words = cells
                .iter()
                .filter(|(_, _, row)| u32::from(*row) % pages + 1 == p)
                .flat_map(|(v, col, row)| {
                    VOCABULARY[*v]
                        .split_whitespace()
                        .enumerate()
                        .map(|(i, w)| word(w, 40.0 + f32::from(*col) * 52.0 + i as f32 * 40.0, 60.0 + f32::from(*row) * 11.0))
                        .collect::<Vec<_>>()
                })
                .collect();
            out.push(PageText { number: p, width: 595.0, height: 842.0, kind: PageKind::TextBased, words });
        }
        if let Ok(s) = parse_statement(&PdfText { pages: out, info: Default::default() }) {
            if s.reconciled {
                let sum: Decimal = s.transactions.iter().map(|t| t.amount).sum();
                prop_assert_eq!(s.opening_balance + sum, s.closing_balance);
            }
        }
    }
}
