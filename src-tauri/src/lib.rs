//! The desktop shell: Tauri window, typed IPC commands, and the ledger session behind them.
//!
//! Only this crate knows Tauri and the IPC shapes (`dto`); everything it does goes through
//! `folio-app`, like the CLI.

mod banks;
mod cloud;
mod commands;
mod dto;
mod imports;

use std::sync::Arc;

use folio_app::{Connections, Imports, Session};
use specta_typescript::Typescript;
use tauri::Manager;
use tauri_specta::{collect_commands, collect_events, Builder, ErrorHandlingMode};

/// The typed command set: what the UI may call, and what the TypeScript bindings describe.
pub fn commands() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::ledger_status,
            commands::list_accounts,
            commands::import_files,
            commands::import_jobs,
            commands::unlock_import,
            commands::import_review,
            commands::file_import,
            commands::dismiss_import,
            commands::cancel_import,
            commands::bank_file_setup,
            commands::set_bank_file_choices,
            cloud::list_converters,
            cloud::forget_converter_key,
            cloud::convert_in_cloud,
            commands::list_transactions,
            commands::count_transactions,
            commands::transaction_detail,
            commands::list_statements,
            commands::delete_statement,
            commands::coverage,
            commands::monthly_totals,
            commands::balance_history,
            commands::list_connections,
            commands::connect_sandbox_bank,
            commands::connect_bank,
            commands::reconnect_connection,
            commands::remove_connection,
            commands::sync_connection,
        ])
        .events(collect_events![
            imports::ImportJobChanged,
            banks::BankSyncChanged
        ])
        .error_handling(ErrorHandlingMode::Result)
        // Each DTO travels one way (out, or in for filters) with the same shape both ways, so one
        // TypeScript type per shape is exact.
        .disable_serde_phases()
        // Row ids and counts are i64/u64 in Rust and `number` in TypeScript: exact up to 2^53,
        // which no personal ledger's row ids or counts approach. Amounts never travel as numbers.
        .dangerously_cast_bigints_to_number()
}

/// The TypeScript exporter of the committed bindings (`ui/src/ipc/bindings.ts`).
pub fn typescript() -> Typescript {
    Typescript::default().header("// Generated from the Rust command signatures by tauri-specta. Do not edit:\n// run `FOLIO_UPDATE_BINDINGS=1 cargo test -p folio bindings` after changing a command.\n/* eslint-disable */\n// @ts-nocheck\n")
}

/// Starts the app: one main window serving the bundled UI.
pub fn run() {
    let builder = commands();
    let session = Arc::new(Session::new(
        None,
        std::env::var_os("FOLIO_DATA_DIR"),
        dirs::data_dir(),
    ));
    let app = tauri::Builder::default()
        .manage(Arc::clone(&session))
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let to_window = Arc::new(imports::ToWindow(app.handle().clone()));
            app.manage(Imports::new(Arc::clone(&session), to_window));
            let handle = app.handle().clone();
            let connections = Connections::new(
                Arc::clone(&session),
                Arc::new(banks::ConnectWindow(handle.clone())),
                Arc::new(banks::SyncToWindow(handle.clone())),
            );
            app.manage(connections.clone());
            // While the app runs, connections in good standing sync again on their own.
            tauri::async_runtime::spawn(async move {
                connections.run_schedule(folio_app::sync_interval()).await
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, event| {
            // Tesseract's models, if a scan was read in the last minutes, are freed before the
            // process ends (Tesseract warns at exit about models still loaded).
            if let tauri::RunEvent::Exit = event {
                folio_app::release_ocr();
            }
        }),
        Err(e) => {
            eprintln!("Folio could not start its window: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const BINDINGS: &str = "ui/src/ipc/bindings.ts";
    const COMMAND_NAMES: &[&str] = &[
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

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The committed bindings must be what the Rust signatures generate. Regenerate with
    /// `FOLIO_UPDATE_BINDINGS=1 cargo test -p folio bindings`.
    #[test]
    fn bindings_are_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let generated = dir.path().join("bindings.ts");
        commands().export(typescript(), &generated).unwrap();
        let generated = std::fs::read_to_string(&generated).unwrap();
        let committed_path = root().join(BINDINGS);
        if std::env::var_os("FOLIO_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed_path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            committed == generated,
            "{BINDINGS} is stale: run `FOLIO_UPDATE_BINDINGS=1 cargo test -p folio bindings`"
        );
    }

    /// Every command has a permission in build.rs and is granted to the main window, the window is
    /// granted nothing else, and the UI calls every command it is granted.
    #[test]
    fn capabilities_grant_exactly_the_commands_the_ui_uses() {
        let names: Vec<&str> = COMMAND_NAMES.to_vec();
        let build_rs = std::fs::read_to_string(root().join("src-tauri/build.rs")).unwrap();
        let bindings = std::fs::read_to_string(root().join(BINDINGS)).unwrap();
        let capability: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("src-tauri/capabilities/main.json")).unwrap(),
        )
        .unwrap();
        let granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        let mut expected: Vec<String> = names
            .iter()
            .map(|n| format!("allow-{}", n.replace('_', "-")))
            .collect();
        // Beyond Folio's commands: events (import progress, files dropped on the window) and
        // the system file picker. Nothing else of Tauri's core.
        expected.extend(
            [
                "core:event:allow-listen",
                "core:event:allow-unlisten",
                "dialog:allow-open",
            ]
            .map(String::from),
        );
        assert_eq!(
            granted, expected,
            "the main window is granted exactly Folio's commands"
        );

        let ui_sources = ui_source_text();
        for name in &names {
            assert!(
                build_rs.contains(&format!("\"{name}\"")),
                "{name} missing from build.rs"
            );
            assert!(
                bindings.contains(&format!("\"{name}\"")),
                "{name} missing from bindings"
            );
            let camel = camel_case(name);
            assert!(
                ui_sources.contains(&format!("commands.{camel}(")),
                "the UI never calls {camel}: do not grant what it does not use"
            );
        }
    }

    fn camel_case(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    fn ui_source_text() -> String {
        fn walk(dir: &Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "ts" || e == "tsx")
                    && !path.ends_with("bindings.ts")
                    && !path.to_string_lossy().contains(".test.")
                {
                    out.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut out = String::new();
        walk(&root().join("ui/src"), &mut out);
        out
    }
}
