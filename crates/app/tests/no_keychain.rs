//! No keychain reachable: a typed error, and no ledger file appears (never a silent fallback to an
//! unencrypted file). Its own test binary because it changes the process environment.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use folio_app::{DataDir, ErrorCode, Folio};
use folio_secrets::Keychain;

#[test]
fn no_keychain_means_no_ledger_and_a_clear_error() {
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/folio-no-bus",
    );
    std::env::remove_var("DISPLAY");
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let err = Folio::open(dir.clone(), &Keychain::os()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeychainUnavailable, "{err}");
    assert!(err.hint().contains("Secret Service"));
    assert!(!dir.ledger_path().exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
