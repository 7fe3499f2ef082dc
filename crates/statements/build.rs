//! Embeds every vocabulary file (`vocab/*.toml`), so adding a language is adding a file.

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=vocab");
    let dir = std::path::Path::new("vocab");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("&[\n");
    for name in &names {
        let language = name.trim_end_matches(".toml");
        println!("cargo:rerun-if-changed=vocab/{name}");
        let _ = writeln!(
            code,
            "    ({language:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/vocab/{name}\"))),"
        );
    }
    code.push(']');
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("vocab_files.rs"), code) {
        panic!("writing the vocabulary list: {e}");
    }
}
