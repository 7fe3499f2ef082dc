//! Reads statements and prints what Folio found and whether it reconciles:
//! `cargo run -p folio-statements --example parse -- FILE... [--rows] [--ocr]` (`--ocr` reads
//! scanned pages with Tesseract, printing each page's progress).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows = args.iter().any(|a| a == "--rows");
    let ocr = if args.iter().any(|a| a == "--ocr") {
        match folio_statements::OcrEngine::find(&folio_statements::tesseract_candidates(
            std::env::var_os("FOLIO_TESSERACT"),
        )) {
            Ok(o) => Some(o),
            Err(e) => {
                eprintln!("{}: {e}", e.code());
                std::process::exit(1);
            }
        }
    } else {
        None
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let candidates = folio_statements::pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        std::env::current_exe().ok(),
    );
    let engine = match folio_statements::PdfEngine::load(&candidates) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    };
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let started = std::time::Instant::now();
        let parsed = folio_statements::open_pdf_scans(
            engine,
            ocr.as_ref(),
            std::path::Path::new(path),
            None,
            folio_statements::IntakeLimits::default(),
            &mut |p| {
                if ocr.is_some() {
                    eprintln!("  {:?} page {}/{} {}%", p.stage, p.page, p.pages, p.percent)
                }
            },
            &cancel,
        )
        .inspect(|_| {
            if ocr.is_some() {
                eprintln!("  read in {:.2} s", started.elapsed().as_secs_f64())
            }
        })
        .and_then(|text| folio_statements::parse_statement(&text));
        match parsed {
            Ok(s) => {
                let (money_in, money_out) = s.totals();
                println!(
                    "{path}\n  {} {:?} {:?} {:?} {:?} {}..{} open {} close {} in {} out {} rows {} reconciled {} {:?}",
                    s.identity.bank.as_deref().unwrap_or("?"),
                    s.identity.holder,
                    s.masked_account(),
                    s.identity.bic,
                    s.currency,
                    s.period_start,
                    s.period_end,
                    s.opening_balance,
                    s.closing_balance,
                    money_in,
                    money_out,
                    s.transactions.len(),
                    s.reconciled,
                    s.sign_convention,
                );
                for w in &s.warnings {
                    println!("  warning {}: {}", w.code, w.message);
                }
                if rows {
                    for t in &s.transactions {
                        println!(
                            "    {} {:>10} {:>10} p{} {}",
                            t.date,
                            t.amount,
                            t.balance.map(|b| b.to_string()).unwrap_or_default(),
                            t.page,
                            t.description
                        );
                    }
                }
            }
            Err(e) => println!("{path}\n  {}: {e}", e.code()),
        }
    }
}
