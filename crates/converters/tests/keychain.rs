//! The converters' API keys against the real OS keychain (Secret Service through gnome-keyring
//! in the private D-Bus session of `scripts/lib/with-keyring`, as scripts/test-all runs every
//! test). Items with per-test names, so tests run in parallel; the fixed item names are written
//! only inside that private session, never in a person's own keychain.

use folio_converters::keys::{api_key_in, store_api_key_in};
use folio_converters::{
    balanzio_key, finbox_key, forget_balanzio_key, forget_finbox_key, store_balanzio_key,
    store_finbox_key, ConverterError, Service, BALANZIO_KEY_ITEM, FINBOX_KEY_ITEM,
};
use folio_secrets::{Keychain, Sensitive};

fn unique(name: &str) -> String {
    format!(
        "folio-test:converters:{name}:{}:{:?}",
        std::process::id(),
        std::thread::current().id()
    )
}

fn key(text: &str) -> Sensitive<String> {
    Sensitive::new(text.to_string())
}

#[test]
fn a_key_is_kept_trimmed_read_back_and_missing_is_typed() {
    let keychain = Keychain::os();
    let item = unique("round-trip");
    let missing = api_key_in(&keychain, &item, Service::Balanzio).expect_err("none yet");
    assert_eq!(
        missing,
        ConverterError::NoApiKey {
            service: Service::Balanzio
        }
    );
    assert_eq!(missing.code(), "CONVERTER_NO_API_KEY");
    store_api_key_in(&keychain, &item, Service::Balanzio, &key("  sk-live-123\n")).expect("stored");
    let back = api_key_in(&keychain, &item, Service::Balanzio).expect("read back");
    assert_eq!(back.expose(), "sk-live-123");
    assert_eq!(format!("{back:?}"), "Sensitive(<redacted>)");
    let empty =
        store_api_key_in(&keychain, &item, Service::FinBox, &key("   ")).expect_err("an empty key");
    assert_eq!(empty.code(), "CONVERTER_INVALID_API_KEY");
    // The refused key did not replace the kept one.
    assert_eq!(
        api_key_in(&keychain, &item, Service::Balanzio)
            .expect("still there")
            .expose(),
        "sk-live-123"
    );
    keychain.delete(&item).expect("deleted");
    assert!(api_key_in(&keychain, &item, Service::Balanzio).is_err());
}

#[test]
fn the_fixed_items_of_each_service_are_separate() {
    if std::env::var("FOLIO_IN_KEYRING_SESSION").as_deref() != Ok("1") {
        // Outside the private keyring these would be the person's own items: not touched.
        eprintln!("skipped: run under scripts/lib/with-keyring (it writes {BALANZIO_KEY_ITEM})");
        return;
    }
    let keychain = Keychain::os();
    assert_ne!(BALANZIO_KEY_ITEM, FINBOX_KEY_ITEM);
    forget_balanzio_key(&keychain).expect("no key is fine");
    forget_finbox_key(&keychain).expect("no key is fine");
    assert_eq!(
        balanzio_key(&keychain).expect_err("none").code(),
        "CONVERTER_NO_API_KEY"
    );
    store_balanzio_key(&keychain, &key("balanzio-key")).expect("stored");
    assert_eq!(
        finbox_key(&keychain).expect_err("FinBox has none"),
        ConverterError::NoApiKey {
            service: Service::FinBox
        }
    );
    store_finbox_key(&keychain, &key("finbox-key")).expect("stored");
    assert_eq!(
        balanzio_key(&keychain).expect("kept").expose(),
        "balanzio-key"
    );
    assert_eq!(finbox_key(&keychain).expect("kept").expose(), "finbox-key");
    assert_eq!(
        keychain
            .get(BALANZIO_KEY_ITEM)
            .expect("keychain")
            .expect("the fixed item")
            .expose(),
        "balanzio-key"
    );
    forget_balanzio_key(&keychain).expect("forgotten");
    assert!(balanzio_key(&keychain).is_err());
    assert_eq!(
        finbox_key(&keychain).expect("untouched").expose(),
        "finbox-key"
    );
    forget_finbox_key(&keychain).expect("forgotten");
}
