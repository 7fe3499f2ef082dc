//! Against the real OS keychain (Secret Service through gnome-keyring in the dbus session that
//! scripts/test-all starts). Each test uses its own item name, so they run in parallel.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use folio_secrets::{Keychain, Sensitive};

fn unique(name: &str) -> String {
    format!(
        "folio-test:{name}:{}:{:?}",
        std::process::id(),
        std::thread::current().id()
    )
}

#[test]
fn set_get_delete_round_trip() {
    let keychain = Keychain::os();
    let name = unique("round-trip");
    assert!(keychain.get(&name).unwrap().is_none());
    keychain
        .set(&name, &Sensitive::new("first".to_string()))
        .unwrap();
    assert_eq!(keychain.get(&name).unwrap().unwrap().expose(), "first");
    keychain
        .set(&name, &Sensitive::new("second".to_string()))
        .unwrap();
    assert_eq!(keychain.get(&name).unwrap().unwrap().expose(), "second");
    keychain.delete(&name).unwrap();
    assert!(keychain.get(&name).unwrap().is_none());
    // Deleting twice is fine.
    keychain.delete(&name).unwrap();
}

#[test]
fn items_are_namespaced_by_name() {
    let keychain = Keychain::os();
    let a = unique("ns-a");
    let b = unique("ns-b");
    keychain.set(&a, &Sensitive::new("a".to_string())).unwrap();
    assert!(keychain.get(&b).unwrap().is_none());
    keychain.delete(&a).unwrap();
}
