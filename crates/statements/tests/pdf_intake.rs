//! PDF intake on real files: the public sample statements in ../shared/corpus, encrypted copies
//! that qpdf makes of them (RC4 40/128, AES-128/256), and damaged copies.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use common::{corpus, engine, hsbc};

use std::path::{Path, PathBuf};
use std::process::Command;

use folio_statements::{check_pdf, open_pdf, IntakeLimits, PageKind, PdfType, StatementError};
use proptest::prelude::*;

fn a_statement() -> PathBuf {
    hsbc("good")
        .into_iter()
        .find(|p| p.to_string_lossy().contains("CUR_12345678_20190608"))
        .unwrap()
}

fn open(path: &Path, password: Option<&str>) -> Result<folio_statements::PdfText, StatementError> {
    open_pdf(engine(), path, password, IntakeLimits::default())
}

fn all_text(text: &folio_statements::PdfText) -> String {
    text.pages
        .iter()
        .flat_map(|p| p.words.iter().map(|w| w.text.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_hsbc_sample_is_text_based_with_positioned_words() {
    for path in hsbc("good").into_iter().chain(hsbc("bad")) {
        let text = open(&path, None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(text.pdf_type(), PdfType::TextBased, "{}", path.display());
        assert!(text.pages.len() >= 2, "{}", path.display());
        for page in &text.pages {
            assert_eq!(
                page.kind,
                PageKind::TextBased,
                "{} p{}",
                path.display(),
                page.number
            );
            for w in &page.words {
                assert!(w.x0 <= w.x1 && w.top <= w.bottom, "{w:?}");
                assert!(!w.text.chars().any(char::is_whitespace), "{w:?}");
            }
        }
    }
}

#[test]
fn words_and_positions_are_those_printed_on_the_page() {
    let text = open(&a_statement(), None).unwrap();
    let page = &text.pages[0];
    let find = |t: &str| {
        page.words
            .iter()
            .find(|w| w.text == t)
            .unwrap_or_else(|| panic!("no {t}"))
    };
    // The account summary: the label and its amount on one line, the amount to the right.
    let closing = find("Closing");
    let amount = find("739.85");
    assert!((closing.top - amount.top).abs() < 2.0);
    assert!(amount.x0 > closing.x1);
    // The IBAN is read as one word.
    assert!(all_text(&text).contains("GB00TEST001122012345678"));
    // Reading order: y grows downwards, so the header is above the first booking.
    assert!(find("Date").top < find("BROUGHT").top);
}

#[test]
fn an_aes256_protected_sample_needs_its_password() {
    let path = corpus().join("monopoly/tests/integration/fixtures/protected.pdf");
    assert!(matches!(
        open(&path, None),
        Err(StatementError::PasswordRequired)
    ));
    assert!(matches!(
        open(&path, Some("wrong")),
        Err(StatementError::InvalidPassword)
    ));
    let text = open(&path, Some("foobar123")).unwrap();
    assert!(!text.pages.is_empty());
}

#[test]
fn scanned_and_blank_pages_are_told_apart() {
    // Page 1 is a full-page scan with no text; pages 2-4 hold only a 1x1 image.
    let text = open(
        &corpus().join("monopoly/tests/integration/fixtures/4_pages_blank.pdf"),
        None,
    )
    .unwrap();
    let kinds: Vec<PageKind> = text.pages.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            PageKind::ImageBased,
            PageKind::Blank,
            PageKind::Blank,
            PageKind::Blank
        ]
    );
    assert_eq!(text.pdf_type(), PdfType::ImageBased);
    assert_eq!(text.image_pages(), [1]);
}

#[test]
fn every_encryption_opens_with_the_user_password_only() {
    let dir = tempfile::tempdir().unwrap();
    let plain = a_statement();
    let expected = all_text(&open(&plain, None).unwrap());
    for (name, bits, aes) in [
        ("rc4-40", "40", None),
        ("rc4-128", "128", Some("--use-aes=n")),
        ("aes-128", "128", Some("--use-aes=y")),
        ("aes-256", "256", None),
    ] {
        let out = dir.path().join(format!("{name}.pdf"));
        // RC4 is weak crypto to qpdf; banks still send it, so Folio must read it.
        let mut args = vec![
            "--allow-weak-crypto",
            "--encrypt",
            "user-pw",
            "owner-pw",
            bits,
        ];
        args.extend(aes);
        let status = Command::new("qpdf")
            .args(args)
            .arg("--")
            .arg(&plain)
            .arg(&out)
            .status()
            .expect("qpdf is installed by scripts/lib/deps test");
        assert!(status.success(), "qpdf {name}");
        assert!(
            matches!(open(&out, None), Err(StatementError::PasswordRequired)),
            "{name}"
        );
        assert!(
            matches!(
                open(&out, Some("nope")),
                Err(StatementError::InvalidPassword)
            ),
            "{name}"
        );
        let text = open(&out, Some("user-pw")).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(all_text(&text), expected, "{name} reads the same words");
    }
}

#[test]
fn bad_input_gets_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(a_statement()).unwrap();

    let not_pdf = dir.path().join("photo.pdf");
    std::fs::write(&not_pdf, b"\x89PNG\r\n\x1a\n not a pdf at all").unwrap();
    assert_eq!(
        open(&not_pdf, None).unwrap_err().code(),
        "INVALID_FILE_TYPE"
    );

    let cut = dir.path().join("cut.pdf");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(open(&cut, None).unwrap_err().code(), "TRUNCATED_FILE");

    // Header and trailer intact, body garbage: the parser sees it and says CORRUPT_FILE.
    let mut garbled = bytes.clone();
    let end = garbled.len() - 64;
    for b in &mut garbled[16..end] {
        *b = b'#';
    }
    let garbled_path = dir.path().join("garbled.pdf");
    std::fs::write(&garbled_path, &garbled).unwrap();
    assert_eq!(
        open(&garbled_path, None).unwrap_err().code(),
        "CORRUPT_FILE"
    );

    let small = IntakeLimits {
        max_bytes: 1000,
        ..IntakeLimits::default()
    };
    let err = open_pdf(engine(), &a_statement(), None, small).unwrap_err();
    assert_eq!(err.code(), "FILE_TOO_LARGE");
    assert!(!err.recovery().is_empty());

    // Page bombs and glyph floods are refused before they are read whole.
    let few_pages = IntakeLimits {
        max_pages: 2,
        ..IntakeLimits::default()
    };
    let err = open_pdf(engine(), &a_statement(), None, few_pages).unwrap_err();
    assert_eq!(err.code(), "TOO_MANY_PAGES", "{err}");
    let sparse = IntakeLimits {
        max_chars_per_page: 100,
        ..IntakeLimits::default()
    };
    let err = open_pdf(engine(), &a_statement(), None, sparse).unwrap_err();
    assert_eq!(err.code(), "FILE_TOO_COMPLEX", "{err}");
}

#[test]
fn documents_that_are_not_statements_say_so() {
    // A scan: its own code until OCR lands.
    let scan = corpus().join("monopoly/tests/integration/fixtures/4_pages_blank.pdf");
    let text = open(&scan, None).unwrap();
    let err = folio_statements::parse_statement(&text).unwrap_err();
    assert_eq!(err.code(), "PDF_IS_IMAGE", "{err}");

    // A text PDF with no transaction table: a letter.
    let mut page = folio_fixtures::pdf::Page::new(842.0);
    for (i, line) in [
        "Dear customer,",
        "Your new card is on its way.",
        "Kind regards, Your bank",
    ]
    .iter()
    .enumerate()
    {
        page.text(
            60.0,
            100.0 + i as f32 * 14.0,
            11.0,
            false,
            folio_fixtures::pdf::Align::Left,
            line,
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let letter = dir.path().join("letter.pdf");
    std::fs::write(
        &letter,
        folio_fixtures::pdf::write_pdf(&[page], folio_fixtures::pdf::A4, "letter"),
    )
    .unwrap();
    let err = folio_statements::parse_statement(&open(&letter, None).unwrap()).unwrap_err();
    assert_eq!(err.code(), "STATEMENT_UNSUPPORTED_FORMAT", "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Mangled statements (bytes flipped, ranges cut out) give words or a typed error, never a
    /// panic. PDFium's own recovery may still read some of them.
    #[test]
    fn mangled_pdfs_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..40),
        cut in proptest::option::of((any::<prop::sample::Index>(), 1_usize..4096)),
    ) {
        let mut bytes = std::fs::read(a_statement()).unwrap();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some((at, len)) = cut {
            let start = at.index(bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        // Through the whole reader, not only the PDF layer.
        let result = check_pdf(&bytes, IntakeLimits::default())
            .and_then(|()| engine().extract(&bytes, None))
            .and_then(|text| folio_statements::parse_statement(&text));
        if let Err(e) = result {
            prop_assert!(!e.code().is_empty());
        }
    }
}
