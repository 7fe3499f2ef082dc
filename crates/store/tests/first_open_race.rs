//! SQLite marks itself initialised before SQLCipher's own start-up has finished, so the first
//! connections of a process, opened at the same instant on several threads, could be refused
//! with "An error occurred with PRAGMA key". This binary holds that single test so that its
//! threads really are the first connections of the process.

use std::sync::{Arc, Barrier};

use folio_secrets::generate_ledger_key;
use folio_store::Ledger;

#[test]
fn the_first_ledgers_of_a_process_open_together() {
    const THREADS: usize = 16;
    let barrier = Arc::new(Barrier::new(THREADS));
    let dir = tempfile::tempdir().expect("temp dir");
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let path = dir.path().join(format!("l{i}.folio"));
            std::thread::spawn(move || {
                let key = generate_ledger_key().map_err(|e| e.to_string())?;
                barrier.wait();
                Ledger::create(&path, &key)
                    .map(drop)
                    .map_err(|e| format!("ledger {i}: {e}"))
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().expect("thread").err())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
