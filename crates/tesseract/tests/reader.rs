//! The real libtesseract (Debian's libtesseract5, installed by scripts/lib/deps): loading,
//! languages, and the typed errors around a page. Real recognition of statements is tested in
//! folio-statements (tests/scanned.rs) on the scanned fixtures.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::AtomicBool;

use folio_tesseract::{library_candidates, Reader, Tesseract, TesseractError};

fn tesseract() -> Tesseract {
    Tesseract::load(&library_candidates(std::env::var_os("FOLIO_TESSERACT")))
        .unwrap_or_else(|e| panic!("{e}: run scripts/lib/deps"))
}

fn white(width: u32, height: u32) -> Vec<u8> {
    vec![255; (width * height) as usize]
}

#[test]
fn the_system_library_loads_and_lists_its_languages() {
    let t = tesseract();
    assert!(t.version().starts_with(char::is_numeric), "{}", t.version());
    let reader = Reader::new(&t, "eng", 6, &[]).unwrap();
    let languages = reader.available_languages();
    for l in ["eng", "fra", "nld", "deu"] {
        assert!(
            languages.iter().any(|x| x == l),
            "{l} missing from {languages:?}"
        );
    }
}

#[test]
fn a_blank_page_reads_as_no_words_and_the_reader_serves_again() {
    let t = tesseract();
    let mut reader = Reader::new(&t, "eng+fra", 6, &[]).unwrap();
    let no = AtomicBool::new(false);
    for _ in 0..2 {
        let tsv = reader
            .read_tsv(&white(600, 400), 600, 400, 300, &no, 60_000)
            .unwrap();
        let words = tsv
            .lines()
            .filter(|l| l.starts_with("5\t"))
            .filter(|l| !l.split('\t').nth(11).unwrap_or("").trim().is_empty())
            .count();
        assert_eq!(words, 0, "{tsv}");
    }
}

#[test]
fn a_set_cancel_flag_is_cancelled() {
    let t = tesseract();
    let mut reader = Reader::new(&t, "eng", 6, &[]).unwrap();
    let yes = AtomicBool::new(true);
    let err = reader
        .read_tsv(&white(300, 300), 300, 300, 300, &yes, 60_000)
        .unwrap_err();
    assert!(matches!(err, TesseractError::Cancelled), "{err:?}");
}

#[test]
fn bad_input_is_refused_with_its_reason() {
    let t = tesseract();
    let mut reader = Reader::new(&t, "eng", 6, &[]).unwrap();
    let no = AtomicBool::new(false);
    let short = reader.read_tsv(&[255; 10], 300, 300, 300, &no, 60_000);
    assert!(matches!(short, Err(TesseractError::BadImage { .. })));
    let empty = reader.read_tsv(&[], 0, 0, 300, &no, 60_000);
    assert!(matches!(empty, Err(TesseractError::BadImage { .. })));
    let unknown = Reader::new(&t, "xx-no-such-language", 6, &[]).unwrap_err();
    assert!(
        matches!(unknown, TesseractError::Languages { .. }),
        "{unknown:?}"
    );
    let setting = Reader::new(&t, "eng", 6, &[("no_such_setting_here", "1")]).unwrap_err();
    assert!(
        matches!(setting, TesseractError::Setting { .. }),
        "{setting:?}"
    );
}
