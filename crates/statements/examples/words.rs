//! Prints the words Folio reads from a PDF, one line of the page per line:
//! `cargo run -p folio-statements --example words -- FILE [PASSWORD]`.

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
    let result = folio_statements::PdfEngine::load(&candidates).and_then(|engine| {
        folio_statements::open_pdf(
            engine,
            std::path::Path::new(&path),
            password.as_deref(),
            folio_statements::IntakeLimits::default(),
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
                let mut line: Vec<&folio_statements::Word> = Vec::new();
                for w in &page.words {
                    if let Some(last) = line.last() {
                        if (w.top - last.top).abs() > last.font_size * 0.5 {
                            print_line(&line);
                            line.clear();
                        }
                    }
                    line.push(w);
                }
                print_line(&line);
            }
        }
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    }
}

fn print_line(words: &[&folio_statements::Word]) {
    if words.is_empty() {
        return;
    }
    let text: Vec<String> = words
        .iter()
        .map(|w| format!("{}@{:.0}", w.text, w.x0))
        .collect();
    println!("{:>5.1}  {}", words[0].top, text.join(" "));
}
