//! The converters' API keys in the OS keychain, under fixed item names of Folio's service. The
//! UI stores a key once (it crosses IPC once) and the conversion reads it back; it is never
//! written anywhere else.

use folio_secrets::{Keychain, SecretsError, Sensitive};

use crate::error::{ConverterError, Service};

/// The keychain item holding the Balanzio API key.
pub const BALANZIO_KEY_ITEM: &str = "converter:balanzio:api-key";
/// The keychain item holding the FinBox API key.
pub const FINBOX_KEY_ITEM: &str = "converter:finbox:api-key";

fn keychain_error(e: SecretsError) -> ConverterError {
    ConverterError::Keychain {
        detail: e.to_string(),
    }
}

/// The key kept in item `item`; [`ConverterError::NoApiKey`] when there is none.
pub fn api_key_in(
    keychain: &Keychain,
    item: &str,
    service: Service,
) -> Result<Sensitive<String>, ConverterError> {
    match keychain.get(item).map_err(keychain_error)? {
        Some(key) if !key.expose().trim().is_empty() => Ok(key),
        _ => Err(ConverterError::NoApiKey { service }),
    }
}

/// Keeps `key` (trimmed) in item `item`; an empty key is refused.
pub fn store_api_key_in(
    keychain: &Keychain,
    item: &str,
    service: Service,
    key: &Sensitive<String>,
) -> Result<(), ConverterError> {
    let trimmed = Sensitive::new(key.expose().trim().to_string());
    if trimmed.expose().is_empty() {
        return Err(ConverterError::InvalidApiKey { service });
    }
    keychain.set(item, &trimmed).map_err(keychain_error)
}

pub fn balanzio_key(keychain: &Keychain) -> Result<Sensitive<String>, ConverterError> {
    api_key_in(keychain, BALANZIO_KEY_ITEM, Service::Balanzio)
}

pub fn store_balanzio_key(
    keychain: &Keychain,
    key: &Sensitive<String>,
) -> Result<(), ConverterError> {
    store_api_key_in(keychain, BALANZIO_KEY_ITEM, Service::Balanzio, key)
}

/// Removes the Balanzio key (no key is not an error).
pub fn forget_balanzio_key(keychain: &Keychain) -> Result<(), ConverterError> {
    keychain.delete(BALANZIO_KEY_ITEM).map_err(keychain_error)
}

pub fn finbox_key(keychain: &Keychain) -> Result<Sensitive<String>, ConverterError> {
    api_key_in(keychain, FINBOX_KEY_ITEM, Service::FinBox)
}

pub fn store_finbox_key(
    keychain: &Keychain,
    key: &Sensitive<String>,
) -> Result<(), ConverterError> {
    store_api_key_in(keychain, FINBOX_KEY_ITEM, Service::FinBox, key)
}

/// Removes the FinBox key (no key is not an error).
pub fn forget_finbox_key(keychain: &Keychain) -> Result<(), ConverterError> {
    keychain.delete(FINBOX_KEY_ITEM).map_err(keychain_error)
}
