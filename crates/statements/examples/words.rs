//! Prints the lines and phrases Folio reads from a PDF, with their x ranges:
//! `cargo run -p folio-statements --example words -- FILE [PASSWORD]`. With `FOLIO_WORDS_OCR=1`
//! scanned pages are recognised (Tesseract) and their words printed the same way.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: words FILE [PASSWORD]");
        std::process::exit(2);
    };
    let password = args.next();
    let candidates = folio_statements::pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        std::env::current_exe().ok(),
    );
    let ocr = std::env::var_os("FOLIO_WORDS_OCR").is_some();
    let result = folio_statements::PdfEngine::load(&candidates).and_then(|engine| {
        if !ocr {
            return folio_statements::open_pdf(
                engine,
                std::path::Path::new(&path),
                password.as_deref(),
                folio_statements::IntakeLimits::default(),
            );
        }
        let ocr = folio_statements::ocr_engine_from_env()?;
        let bytes = std::fs::read(&path)?;
        engine.extract_scans(
            &bytes,
            password.as_deref(),
            folio_statements::IntakeLimits::default(),
            Some(ocr),
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
    });
    match result {
        Ok(text) => {
            for page in &text.pages {
                println!(
                    "--- page {} ({:?}, {} words)",
                    page.number,
                    page.kind,
                    page.words.len()
                );
                if std::env::var_os("FOLIO_WORDS_RAW").is_some() {
                    for w in &page.words {
                        println!(
                            "  word {:?} x {:.0}-{:.0} y {:.0}-{:.0} size {:.1}",
                            w.text, w.x0, w.x1, w.top, w.bottom, w.font_size
                        );
                    }
                }
                for line in folio_statements::page_lines(page) {
                    let cells: Vec<String> = line
                        .phrases
                        .iter()
                        .map(|p| format!("[{:.0}-{:.0}] {}", p.x0, p.x1, p.text))
                        .collect();
                    println!("{:>6.1}  {}", line.top, cells.join("  "));
                }
            }
        }
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    }
}
