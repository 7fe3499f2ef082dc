//! Folio's secrets: the OS keychain and values that must never be printed.
//!
//! Secrets (the ledger key, provider tokens, API keys) live only in the OS keychain (Secret Service
//! on Linux, Keychain on macOS, Credential Manager on Windows) through the `keyring` crate. In memory
//! they travel as [`Sensitive`], which has no `Display`, no `Serialize`, a redacted `Debug`, and is
//! wiped on drop.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// A value that must never reach a log, a screen or a file. `Debug` prints `Sensitive(<redacted>)`;
/// there is no `Display` and no `Serialize`, so a struct holding one cannot be serialized by
/// accident (it does not compile). The value is zeroed when dropped.
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The value itself. Call sites are the places a secret is used; keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

impl<T: Zeroize + Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Sensitive(self.0.clone())
    }
}

/// A 256-bit key for the encrypted ledger.
pub type LedgerKey = Sensitive<[u8; 32]>;

/// Makes a new random 256-bit key from the operating system's generator.
pub fn generate_ledger_key() -> Result<LedgerKey, SecretsError> {
    let mut bytes = Zeroizing::new([0_u8; 32]);
    getrandom::fill(bytes.as_mut_slice()).map_err(|e| SecretsError::Random(e.to_string()))?;
    Ok(Sensitive::new(*bytes))
}

/// The key as stored in the keychain: 64 lower-case hex digits.
pub fn encode_ledger_key(key: &LedgerKey) -> Sensitive<String> {
    Sensitive::new(hex::encode(key.expose()))
}

/// Reads a key back from its keychain text; anything but 64 hex digits is refused.
pub fn decode_ledger_key(text: &Sensitive<String>) -> Result<LedgerKey, SecretsError> {
    let mut bytes = Zeroizing::new([0_u8; 32]);
    hex::decode_to_slice(text.expose().trim(), bytes.as_mut_slice())
        .map_err(|_| SecretsError::Malformed)?;
    Ok(Sensitive::new(*bytes))
}

/// Why the keychain could not be used. Each variant says what a person can do about it.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// No keychain service answered (on Linux: no Secret Service on the session D-Bus).
    #[error("no OS keychain is reachable: {detail}")]
    Unavailable { detail: String },
    /// The keychain answered but is locked, or refused access.
    #[error("the OS keychain is locked or refused access: {detail}")]
    Locked { detail: String },
    /// The stored item is not what Folio wrote there.
    #[error("the keychain item is malformed")]
    Malformed,
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
    #[error("the keychain failed: {detail}")]
    Other { detail: String },
}

impl SecretsError {
    fn from_keyring(error: keyring::Error) -> SecretsError {
        match error {
            keyring::Error::NoStorageAccess(e) => SecretsError::Locked {
                detail: e.to_string(),
            },
            keyring::Error::PlatformFailure(e) => SecretsError::Unavailable {
                detail: e.to_string(),
            },
            keyring::Error::BadEncoding(_) => SecretsError::Malformed,
            other => SecretsError::Other {
                detail: other.to_string(),
            },
        }
    }
}

/// The OS keychain, with every item under one service name.
///
/// Item names are chosen by the caller; Folio namespaces them (the ledger key by its data
/// directory), so tests and several ledgers never touch each other's items.
#[derive(Clone, Debug)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// Service name of every item Folio keeps.
    pub const SERVICE: &'static str = "Folio";

    pub fn os() -> Keychain {
        Keychain {
            service: Self::SERVICE.to_string(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(&self.service, name).map_err(SecretsError::from_keyring)
    }

    /// The item's value, or `None` when there is no such item.
    pub fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, SecretsError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretsError::from_keyring(e)),
        }
    }

    /// Creates or replaces the item, then reads it back: a keychain that accepts a write but
    /// cannot return it must not be trusted with a key that guards data.
    pub fn set(&self, name: &str, value: &Sensitive<String>) -> Result<(), SecretsError> {
        let entry = self.entry(name)?;
        entry
            .set_password(value.expose())
            .map_err(SecretsError::from_keyring)?;
        match entry.get_password() {
            Ok(back) if back == *value.expose() => {
                let mut back = back;
                back.zeroize();
                Ok(())
            }
            Ok(_) => Err(SecretsError::Other {
                detail: "the item read back differs".into(),
            }),
            Err(e) => Err(SecretsError::from_keyring(e)),
        }
    }

    /// Removes the item; removing an item that is not there is not an error.
    pub fn delete(&self, name: &str) -> Result<(), SecretsError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretsError::from_keyring(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use static_assertions::assert_not_impl_any;

    assert_not_impl_any!(Sensitive<String>: fmt::Display, serde::Serialize);
    assert_not_impl_any!(LedgerKey: fmt::Display, serde::Serialize);

    #[test]
    fn debug_is_redacted() {
        let s = Sensitive::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Sensitive(<redacted>)");
        assert_eq!(
            format!("{:#?}", Some(&s)),
            "Some(\n    Sensitive(<redacted>),\n)"
        );
    }

    #[test]
    fn keys_are_random_and_round_trip_through_hex() {
        let a = generate_ledger_key().unwrap();
        let b = generate_ledger_key().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.expose(), &[0_u8; 32]);
        let text = encode_ledger_key(&a);
        assert_eq!(text.expose().len(), 64);
        assert_eq!(decode_ledger_key(&text).unwrap().expose(), a.expose());
    }

    #[test]
    fn malformed_key_text_is_refused() {
        for bad in ["", "abc", &"zz".repeat(32), &"ab".repeat(33)] {
            let text = Sensitive::new(bad.to_string());
            assert!(
                matches!(decode_ledger_key(&text), Err(SecretsError::Malformed)),
                "{bad}"
            );
        }
    }
}
