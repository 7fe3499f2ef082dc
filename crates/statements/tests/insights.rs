//! Insights and tamper signals on real PDFs: the generated fixtures as written (clean), copies
//! changed the way people change statements (an incremental update that retypes an amount in
//! another font and names an editor as Producer; a digit changed in place), months missing
//! between statements, duplicates, and the shared corpus (no panic, score in range).

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use common::engine;

use folio_fixtures::Fixture;
use folio_statements::{
    parse_statement, pdf_insights, DuplicateReason, IntakeLimits, MissingReason, ParsedStatement,
    PdfText, SignalCode, StatementInsights, StatementSummary, TamperLevel,
};

fn read(pdf: &[u8]) -> (PdfText, ParsedStatement) {
    let text = engine()
        .extract_within(pdf, None, IntakeLimits::default())
        .unwrap();
    let statement = parse_statement(&text).unwrap();
    (text, statement)
}

fn insights_of(pdf: &[u8], prior: &[StatementSummary]) -> (ParsedStatement, StatementInsights) {
    let (text, statement) = read(pdf);
    let insights = pdf_insights(&statement, &text, pdf, Some("test.pdf"), prior);
    (statement, insights)
}

fn codes(i: &StatementInsights) -> Vec<SignalCode> {
    let mut c: Vec<SignalCode> = i.tamper.signals.iter().map(|s| s.code).collect();
    c.sort();
    c
}

fn us_checking() -> Fixture {
    folio_fixtures::all()
        .into_iter()
        .find(|f| f.truth.layout == "us-checking")
        .unwrap()
}

/// Where object `n`'s body starts and ends (after `n 0 obj\n`, before `\nendobj`), first
/// revision.
fn object(pdf: &[u8], n: u32) -> (usize, usize) {
    let head = format!("\n{n} 0 obj\n");
    let start = find(pdf, head.as_bytes(), 0).unwrap() + head.len();
    let end = find(pdf, b"\nendobj", start).unwrap();
    (start, end)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The text shown by the `k`-th `(...) Tj` on page 1 that looks like an amount (digits with
/// two decimals), and its byte range in the file.
fn amount_on_page_one(pdf: &[u8], k: usize) -> (String, usize, usize) {
    let (start, end) = object(pdf, 7);
    let body = &pdf[start..end];
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = find(body, b"(", at) {
        let Some(close) = find(body, b")", open) else {
            break;
        };
        let text = String::from_utf8_lossy(&body[open + 1..close]).to_string();
        let amount = text.chars().any(|c| c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || ".,-".contains(c))
            && text.len() >= 4
            && text.as_bytes()[text.len() - 3] == b'.';
        if amount {
            found.push((text, start + open + 1, start + close));
        }
        at = close + 1;
    }
    assert!(found.len() > k, "page 1 shows {} amounts", found.len());
    found.swap_remove(k)
}

/// One digit of the amount changed, same length: a different figure in the same place.
fn altered(text: &str) -> String {
    let mut done = false;
    text.chars()
        .map(|c| {
            if !done && c.is_ascii_digit() {
                done = true;
                if c == '9' {
                    '8'
                } else {
                    char::from(c as u8 + 1)
                }
            } else {
                c
            }
        })
        .collect()
}

/// Appends an incremental update: a new Info (Producer `producer`, dates), and when `retype` is
/// set, page 1's content with one amount changed and drawn in Courier (a new font object).
fn incremental_update(pdf: &[u8], producer: &str, retype: bool) -> Vec<u8> {
    let tail = String::from_utf8_lossy(&pdf[pdf.len() - 64..]).to_string();
    let prev: usize = tail
        .split("startxref")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let trailer = String::from_utf8_lossy(&pdf[prev..]).to_string();
    let size: u32 = trailer
        .split("/Size ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut out = pdf.to_vec();
    let mut entries: Vec<(u32, usize)> = Vec::new();
    let mut put = |out: &mut Vec<u8>, n: u32, body: &[u8]| {
        entries.push((n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    put(
        &mut out,
        5,
        format!(
            "<< /Title (statement) /Producer ({producer}) /CreationDate (D:20240702090000+02'00') /ModDate (D:20241115183000+01'00') >>"
        )
        .as_bytes(),
    );
    let mut new_size = size;
    if retype {
        let font = size;
        new_size += 1;
        put(
            &mut out,
            font,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
        );
        let (ps, pe) = object(pdf, 6);
        let page = String::from_utf8_lossy(&pdf[ps..pe])
            .replace("/F2 4 0 R >>", &format!("/F2 4 0 R /F3 {font} 0 R >>"));
        put(&mut out, 6, page.as_bytes());
        let (text, a, b) = amount_on_page_one(pdf, 3);
        let (cs, ce) = object(pdf, 7);
        let stream_start = find(pdf, b"stream\n", cs).unwrap() + b"stream\n".len();
        let stream_end = find(pdf, b"endstream", stream_start).unwrap().min(ce);
        // The line drawing the amount, re-drawn in /F3 with one digit changed.
        let line_start = pdf[..a].iter().rposition(|&c| c == b'\n').unwrap() + 1;
        let line_end = find(pdf, b"\n", b).unwrap();
        let line = String::from_utf8_lossy(&pdf[line_start..line_end])
            .replace("/F1 ", "/F3 ")
            .replace(&format!("({text})"), &format!("({})", altered(&text)));
        let mut ops = pdf[stream_start..line_start].to_vec();
        ops.extend_from_slice(line.as_bytes());
        ops.extend_from_slice(&pdf[line_end..stream_end]);
        let mut body = format!("<< /Length {} >>\nstream\n", ops.len()).into_bytes();
        body.extend_from_slice(&ops);
        body.extend_from_slice(b"endstream");
        put(&mut out, 7, &body);
    }
    entries.sort();
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (n, offset) in &entries {
        out.extend_from_slice(format!("{n} 1\n{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {new_size} /Root 1 0 R /Info 5 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

#[test]
fn clean_fixtures_score_zero_with_no_signals() {
    for f in folio_fixtures::all() {
        let (s, i) = insights_of(&f.pdf, &[]);
        let name = &f.truth.layout;
        assert!(s.reconciled, "{name}");
        assert!(
            i.tamper.signals.is_empty(),
            "{name}: {:?}",
            i.tamper.signals
        );
        assert_eq!(i.tamper.score, 0, "{name}");
        assert_eq!(i.tamper.level, TamperLevel::Low, "{name}");
        assert!(
            i.tamper.skipped.is_empty(),
            "{name}: {:?}",
            i.tamper.skipped
        );
        assert_eq!(i.identity.holder.as_deref(), Some(f.truth.holder.as_str()));
        assert_eq!(i.identity.bank.as_deref(), Some(f.truth.bank.as_str()));
        assert_eq!(i.identity.iban, f.truth.iban, "{name}");
        assert_eq!(i.period.from, f.truth.period_start);
        assert_eq!(i.period.to, f.truth.period_end);
        assert_eq!(i.balances.opening, Some(f.truth.opening_balance));
        assert_eq!(i.balances.closing, Some(f.truth.closing_balance));
        assert_eq!(i.duplicate_of, None);
        assert!(!i.months_present.is_empty(), "{name}");
        assert!(i.summary.account_key.is_some(), "{name}");
    }
}

#[test]
fn a_retyped_amount_in_an_editor_scores_high() {
    let f = us_checking();
    let tampered = incremental_update(&f.pdf, "Adobe Acrobat Pro DC 23.6.20320", true);
    let (s, i) = insights_of(&tampered, &[]);
    assert!(!s.reconciled, "{:?}", s.warnings);
    assert_eq!(
        codes(&i),
        [
            SignalCode::ProducerEditor,
            SignalCode::ModifiedAfterCreation,
            SignalCode::IncrementalUpdate,
            SignalCode::AmountFontMismatch,
            SignalCode::ArithmeticBreaks,
        ],
        "{:#?}",
        i.tamper
    );
    assert_eq!(i.tamper.score, 100);
    assert_eq!(i.tamper.level, TamperLevel::High);
    let font = i
        .tamper
        .signals
        .iter()
        .find(|s| s.code == SignalCode::AmountFontMismatch)
        .unwrap();
    assert!(font.reason.contains("Courier"), "{}", font.reason);
    assert!(font.reason.contains("page 1"), "{}", font.reason);
    for s in &i.tamper.signals {
        assert!(s.weight > 0 && !s.reason.is_empty(), "{s:?}");
    }
}

#[test]
fn an_editor_resave_is_found_though_the_figures_add_up() {
    let f = us_checking();
    let resaved = incremental_update(&f.pdf, "iLovePDF", false);
    let (s, i) = insights_of(&resaved, &[]);
    assert!(s.reconciled);
    assert_eq!(
        codes(&i),
        [
            SignalCode::ProducerEditor,
            SignalCode::ModifiedAfterCreation,
            SignalCode::IncrementalUpdate
        ]
    );
    assert_eq!(i.tamper.score, 30 + 15 + 15);
    assert_eq!(i.tamper.level, TamperLevel::High);
}

#[test]
fn a_digit_changed_in_place_breaks_the_arithmetic() {
    let f = us_checking();
    let (text, a, b) = amount_on_page_one(&f.pdf, 3);
    let mut edited = f.pdf.clone();
    edited[a..b].copy_from_slice(altered(&text).as_bytes());
    let (s, i) = insights_of(&edited, &[]);
    assert!(!s.reconciled);
    assert_eq!(codes(&i), [SignalCode::ArithmeticBreaks], "{:#?}", i.tamper);
    assert_eq!(i.tamper.score, 25);
    assert_eq!(i.tamper.level, TamperLevel::Medium);
}

#[test]
fn months_missing_between_statements_of_one_account() {
    let f = us_checking();
    let (_, first) = insights_of(&f.pdf, &[]);
    // An earlier statement of the same account, four months before this one ends.
    let mut earlier = first.summary.clone();
    earlier.id = "earlier".into();
    earlier.sha256 = Some("0".repeat(64));
    earlier.period_start = f.truth.period_start - chrono::Months::new(4);
    earlier.period_end = f.truth.period_start - chrono::Months::new(3) - chrono::Days::new(1);
    // And one of another account, which must be ignored.
    let mut other = earlier.clone();
    other.account_key = Some("sha256:0000000000000000".into());
    other.period_start = f.truth.period_start - chrono::Months::new(12);
    let (_, i) = insights_of(&f.pdf, &[earlier.clone(), other]);
    let not_covered: Vec<String> = i
        .months_missing
        .iter()
        .filter(|m| m.reason == MissingReason::NotCovered)
        .map(|m| m.month.to_string())
        .collect();
    let start = folio_statements::YearMonth::of(f.truth.period_start);
    let expect: Vec<String> = {
        let mut m = folio_statements::YearMonth::of(earlier.period_end).next();
        let mut out = Vec::new();
        while m < start {
            out.push(m.to_string());
            m = m.next();
        }
        out
    };
    assert_eq!(expect.len(), 2, "{expect:?}");
    assert_eq!(not_covered, expect);
    assert_eq!(i.duplicate_of, None);
}

#[test]
fn duplicates_by_file_and_by_period_and_balances() {
    let f = us_checking();
    let (_, first) = insights_of(&f.pdf, &[]);
    let (_, again) = insights_of(&f.pdf, std::slice::from_ref(&first.summary));
    let dup = again.duplicate_of.unwrap();
    assert_eq!(dup.reason, DuplicateReason::SameFile);
    assert_eq!(dup.id, first.summary.id);

    // Another file (an editor's re-save) of the same account, period and balances.
    let resaved = incremental_update(&f.pdf, "iLovePDF", false);
    let (_, copy) = insights_of(&resaved, std::slice::from_ref(&first.summary));
    assert_eq!(
        copy.duplicate_of.map(|d| d.reason),
        Some(DuplicateReason::SamePeriodAndBalances)
    );

    // Same period, other balances: not a duplicate but a conflict.
    let mut conflicting = first.summary.clone();
    conflicting.sha256 = None;
    conflicting.closing_balance = conflicting
        .closing_balance
        .map(|c| c + rust_decimal::Decimal::ONE);
    let (_, i) = insights_of(&f.pdf, &[conflicting]);
    assert_eq!(i.duplicate_of, None);
    assert_eq!(codes(&i), [SignalCode::PeriodConflict]);
}

#[test]
fn a_different_producer_than_the_banks_earlier_statements_is_a_signal() {
    let f = us_checking();
    let (_, first) = insights_of(&f.pdf, &[]);
    let mut earlier = first.summary.clone();
    earlier.sha256 = Some("1".repeat(64));
    earlier.producer = Some("Acme Core Banking Statements 7.2".into());
    earlier.period_start = f.truth.period_start - chrono::Months::new(1);
    earlier.period_end = f.truth.period_start - chrono::Days::new(1);
    let (_, i) = insights_of(&f.pdf, &[earlier]);
    assert_eq!(codes(&i), [SignalCode::ProducerChanged], "{:#?}", i.tamper);
    assert_eq!(i.tamper.score, 15);
}

#[test]
fn summaries_round_trip_through_the_convert_json() {
    let f = us_checking();
    let (text, s) = read(&f.pdf);
    let i = pdf_insights(&s, &text, &f.pdf, Some("a.pdf"), &[]);
    let json = folio_statements::to_json_with_insights(&s, Some(&i));
    let back = StatementSummary::from_json(&json).unwrap();
    assert_eq!(back, vec![i.summary.clone()]);
    // The existing fields are unchanged: the same document without `insights`.
    let mut with: serde_json::Value = serde_json::from_str(&json).unwrap();
    let without: serde_json::Value = serde_json::from_str(&folio_statements::to_json(&s)).unwrap();
    let insights = with.as_object_mut().unwrap().remove("insights").unwrap();
    assert_eq!(with, without);
    assert_eq!(insights["tamper"]["level"], "low");
    assert!(insights["months_present"][0].is_string());
}

/// Every PDF of the shared corpus: no panic, a score in range; the scores are printed
/// (`--nocapture`) for the report.
#[test]
fn corpus_pdfs_get_a_score_without_panicking() {
    let corpus = common::corpus();
    let mut files: Vec<(std::path::PathBuf, Option<&str>)> = Vec::new();
    for kind in ["good", "bad"] {
        files.extend(common::hsbc(kind).into_iter().map(|p| (p, None)));
    }
    files.push((
        corpus.join("monopoly/src/monopoly/examples/example_statement.pdf"),
        None,
    ));
    files.push((
        corpus.join("monopoly/tests/integration/fixtures/protected.pdf"),
        Some("foobar123"),
    ));
    files.push((
        corpus.join("monopoly/tests/integration/fixtures/4_pages_blank.pdf"),
        None,
    ));
    let mut scored = 0;
    for (path, password) in files {
        let name = path
            .strip_prefix(&corpus)
            .unwrap_or(&path)
            .display()
            .to_string();
        let Ok(bytes) = std::fs::read(&path) else {
            println!("{name}: missing");
            continue;
        };
        let text = match engine().extract_within(&bytes, password, IntakeLimits::default()) {
            Ok(t) => t,
            Err(e) => {
                println!("{name}: not read ({})", e.code());
                continue;
            }
        };
        let s = match parse_statement(&text) {
            Ok(s) => s,
            Err(e) => {
                println!("{name}: not a statement ({})", e.code());
                continue;
            }
        };
        let i = pdf_insights(&s, &text, &bytes, Some(&name), &[]);
        assert!(i.tamper.score <= 100, "{name}");
        let sum: u32 = i.tamper.signals.iter().map(|s| u32::from(s.weight)).sum();
        assert_eq!(u32::from(i.tamper.score), sum.min(100), "{name}");
        scored += 1;
        println!(
            "{name}: score {} {:?} [{}] producer {:?} months {:?} missing {:?}",
            i.tamper.score,
            i.tamper.level,
            i.tamper
                .signals
                .iter()
                .map(|s| format!("{:?} {}: {}", s.code, s.weight, s.reason))
                .collect::<Vec<_>>()
                .join(" | "),
            text.info.producer,
            i.months_present
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            i.months_missing
                .iter()
                .map(|m| format!("{} {:?}", m.month, m.reason))
                .collect::<Vec<_>>(),
        );
    }
    assert!(scored > 10, "only {scored} corpus statements were read");
}

/// A scanned copy read by OCR: the file's signals still count, the font check says why it did
/// not run.
#[test]
fn scans_keep_file_signals_and_skip_fonts_with_a_reason() {
    let f = us_checking();
    let scan = common::scans::scanned(engine(), &f);
    let ocr = folio_statements::OcrEngine::find(&folio_statements::tesseract_candidates(
        std::env::var_os("FOLIO_TESSERACT"),
    ))
    .unwrap();
    let resaved = incremental_update(&scan.pdf, "PDFescape Online", false);
    for (pdf, expect_editor) in [(&scan.pdf, false), (&resaved, true)] {
        let text = engine()
            .extract_scans(
                pdf,
                None,
                IntakeLimits::default(),
                Some(&ocr),
                &mut |_| {},
                &std::sync::atomic::AtomicBool::new(false),
            )
            .unwrap();
        let s = parse_statement(&text).unwrap();
        let i = pdf_insights(&s, &text, pdf, None, &[]);
        let c = codes(&i);
        assert!(!c.contains(&SignalCode::AmountFontMismatch), "{c:?}");
        let fonts = i
            .tamper
            .skipped
            .iter()
            .find(|k| k.check == folio_statements::CheckCode::Fonts)
            .unwrap();
        assert!(fonts.reason.contains("OCR"), "{}", fonts.reason);
        for code in [
            SignalCode::ProducerEditor,
            SignalCode::IncrementalUpdate,
            SignalCode::ModifiedAfterCreation,
        ] {
            assert_eq!(c.contains(&code), expect_editor, "{code:?} in {c:?}");
        }
        if expect_editor {
            assert!(i.tamper.score >= 60, "{:#?}", i.tamper);
        }
    }
}
