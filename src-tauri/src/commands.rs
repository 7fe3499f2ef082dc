//! The IPC commands. Each is listed in build.rs (its permission) and granted to the main window in
//! src-tauri/capabilities/main.json. They are async so the keychain and the database never run on
//! the UI thread.

use tauri::State;

use crate::dto::{AccountDto, ErrorDto, LedgerStatus};
use crate::Session;

fn status(session: &Session) -> LedgerStatus {
    let data_dir = session.data_dir().map(|d| d.path().display().to_string());
    match session.with_folio(|f| Ok((f.info()?, f.was_created()))) {
        Ok((info, created)) => LedgerStatus::Unlocked {
            data_dir: info.data_dir,
            ledger_file: info.ledger_file,
            cipher: info.cipher,
            schema_version: info.schema_version,
            created,
        },
        Err(e) => LedgerStatus::Locked {
            data_dir,
            error: e.into(),
        },
    }
}

/// Opens the ledger if it is not open yet (the keychain is the login) and says whether it is
/// unlocked. Calling it again retries, after the person fixed what the locked screen said.
#[tauri::command]
#[specta::specta]
pub async fn ledger_status(session: State<'_, Session>) -> Result<LedgerStatus, ErrorDto> {
    Ok(status(&session))
}

/// The accounts for the sidebar.
#[tauri::command]
#[specta::specta]
pub async fn list_accounts(session: State<'_, Session>) -> Result<Vec<AccountDto>, ErrorDto> {
    session
        .with_folio(|f| f.accounts())
        .map(|accounts| accounts.into_iter().map(AccountDto::from).collect())
        .map_err(ErrorDto::from)
}
