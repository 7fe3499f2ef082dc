//! Generates Tauri's context and the permissions of Folio's own commands: each command listed here
//! gets an `allow-<command>` permission, and a command is callable from a window only when a
//! capability in src-tauri/capabilities grants it.

/// Keep in step with `commands()` in src-tauri/src/lib.rs; a unit test checks they agree.
const COMMANDS: &[&str] = &[
    "ledger_status",
    "list_accounts",
    "import_files",
    "import_jobs",
    "unlock_import",
    "import_review",
    "file_import",
    "dismiss_import",
    "cancel_import",
    "bank_file_setup",
    "set_bank_file_choices",
    "list_converters",
    "forget_converter_key",
    "convert_in_cloud",
    "list_transactions",
    "count_transactions",
    "transaction_detail",
    "list_statements",
    "delete_statement",
    "coverage",
    "monthly_totals",
    "balance_history",
    "list_connections",
    "connect_sandbox_bank",
    "connect_bank",
    "reconnect_connection",
    "remove_connection",
    "sync_connection",
];

fn main() {
    // The window's grants are compiled in: a changed capability must rebuild the app.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports by panicking; this is build time, not user data.
        panic!("tauri build step failed: {e:#}");
    }
}
