//! Writes the scanned and mixed copies of every generated fixture, with their ground truth:
//! `cargo run -p folio-statements --example scans -- DIR` (needs FOLIO_PDFIUM_LIB). The files
//! then import like any statement: `folio convert DIR/ing-scanned.pdf`. `FOLIO_SCAN_SEED=N`
//! degrades from another seed than the tests' one.

#[path = "../tests/common/scans.rs"]
#[allow(dead_code)]
mod scans;

fn main() {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: scans DIR");
        std::process::exit(2);
    };
    let engine = match folio_statements::PdfEngine::load(&folio_statements::pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        std::env::current_exe().ok(),
    )) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
    // FOLIO_SCAN_SEED: degrade from another seed than the tests' (other angles, noise, JPEG).
    let seed: Option<u64> = std::env::var("FOLIO_SCAN_SEED")
        .ok()
        .and_then(|v| v.parse().ok());
    let fixtures = folio_fixtures::all();
    let mut out = Vec::new();
    for f in &fixtures {
        out.push(match seed {
            Some(seed) => scans::scanned_with_seed(engine, f, seed),
            None => scans::scanned(engine, f),
        });
    }
    if let Some(f) = fixtures.iter().find(|f| f.name == "abn-amro-nl") {
        out.push(scans::mixed(engine, f));
    }
    for f in out {
        let pdf = dir.join(format!("{}.pdf", f.name));
        let truth = dir.join(format!("{}.truth.json", f.name));
        let json = serde_json::to_string_pretty(&f.truth).unwrap_or_default();
        if let Err(e) = std::fs::write(&pdf, &f.pdf).and_then(|()| std::fs::write(&truth, json)) {
            eprintln!("{}: {e}", pdf.display());
            std::process::exit(1);
        }
        println!("{} ({} pages)", pdf.display(), f.truth.pages);
    }
}
