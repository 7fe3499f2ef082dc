//! With no session bus, the keychain answers with a typed `Unavailable`, never a panic and never a
//! silent fallback. Its own test binary (own process), because it changes the environment.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use folio_secrets::{Keychain, SecretsError, Sensitive};

#[test]
fn no_session_bus_is_unavailable() {
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/folio-no-bus",
    );
    std::env::remove_var("DISPLAY");
    let keychain = Keychain::os();
    let got = keychain.get("folio-test:unreachable");
    assert!(
        matches!(got, Err(SecretsError::Unavailable { .. })),
        "{got:?}"
    );
    let set = keychain.set("folio-test:unreachable", &Sensitive::new("x".to_string()));
    assert!(
        matches!(set, Err(SecretsError::Unavailable { .. })),
        "{set:?}"
    );
}
