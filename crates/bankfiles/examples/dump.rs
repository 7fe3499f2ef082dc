//! `cargo run -p folio-bankfiles --example dump FILE [mapping.json]`: what Folio reads from a
//! bank file (or the error code and fix), as JSON.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: dump FILE [mapping.json]");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let mut options = folio_bankfiles::ParseOptions {
        file_name: Some(path.clone()),
        ..Default::default()
    };
    if let Some(m) = args.next() {
        let text = std::fs::read_to_string(&m).unwrap_or_default();
        options.csv_mapping = serde_json::from_str(&text).ok();
    }
    println!("format: {:?}", folio_bankfiles::detect(&bytes, Some(&path)));
    match folio_bankfiles::parse(&bytes, &options) {
        Ok(statements) => {
            for s in &statements {
                println!("{}", serde_json::to_string_pretty(s).unwrap_or_default());
                println!("reconcile: {:?}", s.reconcile());
            }
        }
        Err(e) => {
            println!("code: {}\nerror: {e}\nfix: {}", e.code(), e.fix());
            if e.code() == "CSV_MAPPING_NEEDED" {
                if let Ok(m) = folio_bankfiles::suggest_mapping(&bytes) {
                    println!(
                        "suggested: {}",
                        serde_json::to_string(&m).unwrap_or_default()
                    );
                }
            }
        }
    }
}
