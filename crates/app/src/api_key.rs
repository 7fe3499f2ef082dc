//! The API key of `folio serve` (Balanzio's API on loopback): kept in the OS keychain, one per
//! data dir, made anew on request.

use folio_secrets::{Keychain, Sensitive};

use crate::{AppError, DataDir};

/// The keychain item holding the API key of `folio serve` for this data dir.
pub fn serve_key_item(data_dir: &DataDir) -> String {
    format!("serve-api-key:{}", data_dir.path().display())
}

/// The stored key, or a new random one (256 bits) when there is none or `rotate` asks for it;
/// the old key is refused from then on.
pub fn serve_api_key(
    keychain: &Keychain,
    data_dir: &DataDir,
    rotate: bool,
) -> Result<Sensitive<String>, AppError> {
    let item = serve_key_item(data_dir);
    if !rotate {
        if let Some(key) = keychain.get(&item)? {
            if !key.expose().trim().is_empty() {
                return Ok(key);
            }
        }
    }
    let raw = folio_secrets::generate_ledger_key()?;
    let key = Sensitive::new(format!(
        "folio_{}",
        folio_secrets::encode_ledger_key(&raw).expose()
    ));
    keychain.set(&item, &key)?;
    Ok(key)
}
