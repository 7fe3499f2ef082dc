//! Opening the ledger is the login: real keychain (Secret Service), real SQLCipher files.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use folio_app::{DataDir, ErrorCode, Folio};
use folio_secrets::{encode_ledger_key, generate_ledger_key, Keychain, Sensitive};

/// Removes the ledger's keychain item when the test ends, pass or fail.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Keychain::os().delete(&self.0);
    }
}

fn fresh() -> (tempfile::TempDir, DataDir, Cleanup) {
    let root = tempfile::tempdir().unwrap();
    let dir = DataDir::at(&root.path().join("data")).unwrap();
    let cleanup = Cleanup(dir.keychain_item());
    (root, dir, cleanup)
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

#[test]
fn first_start_creates_key_and_encrypted_ledger_then_reopens_without_prompt() {
    let (_root, dir, _cleanup) = fresh();
    let keychain = Keychain::os();
    assert!(keychain.get(&dir.keychain_item()).unwrap().is_none());

    let folio = Folio::open(dir.clone(), &keychain).unwrap();
    assert!(folio.was_created());
    let stored = keychain
        .get(&dir.keychain_item())
        .unwrap()
        .expect("key stored");
    assert_eq!(stored.expose().len(), 64, "a 256-bit key as hex");
    let info = folio.info().unwrap();
    assert!(info.encrypted);
    assert!(info.cipher.starts_with("SQLCipher 4"), "{}", info.cipher);
    assert_eq!(info.schema_version, folio_store::latest_version());
    assert_eq!(info.accounts, 0);
    drop(folio);

    let header = std::fs::read(dir.ledger_path()).unwrap();
    assert!(!header.starts_with(b"SQLite format 3"));

    let again = Folio::open(dir.clone(), &keychain).unwrap();
    assert!(!again.was_created());
    assert_eq!(again.accounts().unwrap(), vec![]);
}

#[test]
fn a_ledger_without_its_key_is_refused_untouched_and_no_new_key_is_made() {
    let (_root, dir, _cleanup) = fresh();
    let keychain = Keychain::os();
    drop(Folio::open(dir.clone(), &keychain).unwrap());
    keychain.delete(&dir.keychain_item()).unwrap();
    let before = snapshot(dir.path());

    let err = Folio::open(dir.clone(), &keychain).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LedgerKeyMissing, "{err}");
    assert!(err.message().contains(&dir.keychain_item()));
    assert_eq!(snapshot(dir.path()), before);
    assert!(
        keychain.get(&dir.keychain_item()).unwrap().is_none(),
        "no replacement key"
    );
}

#[test]
fn a_wrong_key_in_the_keychain_is_refused_untouched() {
    let (_root, dir, _cleanup) = fresh();
    let keychain = Keychain::os();
    drop(Folio::open(dir.clone(), &keychain).unwrap());
    let other = encode_ledger_key(&generate_ledger_key().unwrap());
    keychain.set(&dir.keychain_item(), &other).unwrap();
    let before = snapshot(dir.path());

    let err = Folio::open(dir.clone(), &keychain).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LedgerWrongKey, "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_malformed_keychain_item_is_refused() {
    let (_root, dir, _cleanup) = fresh();
    let keychain = Keychain::os();
    keychain
        .set(
            &dir.keychain_item(),
            &Sensitive::new("not a key".to_string()),
        )
        .unwrap();
    let err = Folio::open(dir.clone(), &keychain).unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeychainItemMalformed);
    assert!(!dir.ledger_path().exists());
}

#[test]
fn two_data_dirs_have_two_keys() {
    let (_r1, a, _c1) = fresh();
    let (_r2, b, _c2) = fresh();
    let keychain = Keychain::os();
    drop(Folio::open(a.clone(), &keychain).unwrap());
    drop(Folio::open(b.clone(), &keychain).unwrap());
    let ka = keychain.get(&a.keychain_item()).unwrap().unwrap();
    let kb = keychain.get(&b.keychain_item()).unwrap().unwrap();
    assert_ne!(ka.expose(), kb.expose());
}

#[test]
fn unknown_account_has_its_code() {
    let (_root, dir, _cleanup) = fresh();
    let folio = Folio::open(dir, &Keychain::os()).unwrap();
    assert_eq!(
        folio.transactions(Some(42)).unwrap_err().code(),
        ErrorCode::UnknownAccount
    );
}
