//! A ledger session for a long-running caller (the window, the job engine): where the ledger
//! lives and, once the keychain answered, the open ledger, shared between threads. The ledger is
//! opened on first use, so a window shows at once and a slow or missing keychain becomes a
//! screen, not a frozen start.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;

use folio_secrets::Keychain;

use crate::{AppError, DataDir, Folio};

pub struct Session {
    data_dir: Result<DataDir, AppError>,
    folio: Mutex<Option<Folio>>,
}

impl Session {
    /// The data directory by the CLI's rules: `flag` (`--data-dir`), the environment's
    /// `FOLIO_DATA_DIR`, else the platform data folder.
    pub fn new(flag: Option<PathBuf>, env: Option<OsString>, platform: Option<PathBuf>) -> Session {
        Session {
            data_dir: DataDir::resolve(flag, env, platform),
            folio: Mutex::new(None),
        }
    }

    /// A session over a ledger opened already (the CLI's, for the engines).
    pub fn opened(folio: Folio) -> Session {
        Session {
            data_dir: Ok(folio.data_dir().clone()),
            folio: Mutex::new(Some(folio)),
        }
    }

    pub fn data_dir(&self) -> Option<&DataDir> {
        self.data_dir.as_ref().ok()
    }

    /// Whether the ledger is open (unlocked) already.
    pub fn is_open(&self) -> bool {
        self.folio
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Runs `f` on the open ledger, opening (unlocking) it first when needed.
    pub fn with_folio<T>(
        &self,
        f: impl FnOnce(&Folio) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.with_folio_mut(|folio| f(folio))
    }

    /// [`Session::with_folio`] for the use cases that write.
    pub fn with_folio_mut<T>(
        &self,
        f: impl FnOnce(&mut Folio) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let data_dir = self.data_dir.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock cannot leave the ledger half-written (every write is one
        // SQL transaction), so a poisoned lock is safe to use.
        let mut guard = self.folio.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Folio::open(data_dir.clone(), &Keychain::os())?);
        }
        match guard.as_mut() {
            Some(folio) => f(folio),
            None => Err(AppError::new(crate::ErrorCode::Internal, "ledger not open")),
        }
    }
}
