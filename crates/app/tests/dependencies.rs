//! Dependencies point one way: the window (`folio`) and the command line (`folio-cli`) present,
//! folio-app holds the use cases. Read from `cargo metadata`, so a new `use folio_banks::...` in
//! the shell fails here, not in review.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates below folio-app: only folio-app may reach them.
const BELOW_THE_APP: &[&str] = &[
    "folio-banks",
    "folio-bankfiles",
    "folio-converters",
    "folio-ledger",
    "folio-sandbox",
    "folio-secrets",
    "folio-statements",
    "folio-store",
    "folio-tesseract",
];

/// What each presenting package may still use directly, with why. An entry that is no longer
/// used fails too, so the list only shrinks.
fn allowed(package: &str) -> BTreeSet<&'static str> {
    match package {
        "folio" => BTreeSet::new(),
        // `folio sandbox` starts the sandbox servers themselves (no use case of the ledger).
        // Not moved yet (issue 13, open): `folio serve` still keeps its uploads and exports
        // statements through folio-statements; the CLI's flags name bank-file and ledger types
        // (folio-bankfiles, folio-ledger).
        "folio-cli" => BTreeSet::from([
            "folio-sandbox",
            "folio-statements",
            "folio-bankfiles",
            "folio-ledger",
        ]),
        other => panic!("no rule for {other}"),
    }
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

/// A package's normal (not dev, not build) dependencies that are Folio crates.
fn folio_dependencies(meta: &serde_json::Value, package: &str) -> BTreeSet<String> {
    let packages = meta["packages"].as_array().expect("packages");
    let p = packages
        .iter()
        .find(|p| p["name"] == package)
        .unwrap_or_else(|| panic!("package {package} in the workspace"));
    p["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .filter(|d| d["kind"].is_null())
        .filter_map(|d| d["name"].as_str())
        .filter(|n| n.starts_with("folio-"))
        .map(String::from)
        .collect()
}

#[test]
fn the_window_and_the_cli_reach_the_crates_below_only_through_folio_app() {
    let meta = metadata();
    for package in ["folio", "folio-cli"] {
        let deps = folio_dependencies(&meta, package);
        assert!(
            deps.contains("folio-app"),
            "{package} presents folio-app's use cases: {deps:?}"
        );
        let below: BTreeSet<&str> = deps
            .iter()
            .map(String::as_str)
            .filter(|d| BELOW_THE_APP.contains(d))
            .collect();
        let allowed = allowed(package);
        let unexpected: Vec<_> = below.difference(&allowed).collect();
        assert!(
            unexpected.is_empty(),
            "{package} depends on {unexpected:?} directly: go through folio-app (a use case or \
             a re-exported type) instead"
        );
        let stale: Vec<_> = allowed.difference(&below).collect();
        assert!(
            stale.is_empty(),
            "{package} no longer needs {stale:?}: remove it from the allowed list"
        );
    }
}

/// The rule itself can fail: a manifest that names a crate below the app is caught.
#[test]
fn a_shell_depending_on_a_crate_below_is_caught() {
    let meta = serde_json::json!({
        "packages": [{
            "name": "folio",
            "dependencies": [
                {"name": "folio-app", "kind": null},
                {"name": "folio-banks", "kind": null},
                {"name": "folio-fixtures", "kind": "dev"}
            ]
        }]
    });
    let deps = folio_dependencies(&meta, "folio");
    assert_eq!(
        deps,
        BTreeSet::from(["folio-app".to_string(), "folio-banks".to_string()])
    );
    assert!(!allowed("folio").contains("folio-banks"));
}
