//! Where a ledger lives, and the keychain item that holds its key.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::{AppError, ErrorCode};

/// A usable data directory: it exists, it is a folder, and its path is absolute and canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDir {
    path: PathBuf,
}

/// The ledger file's name inside the data directory.
pub const LEDGER_FILE: &str = "ledger.folio";

impl DataDir {
    /// Picks the data directory: the `--data-dir` flag, else `FOLIO_DATA_DIR`, else the platform's
    /// data directory + `folio` (on Linux `~/.local/share/folio`). The caller hands in the flag, the
    /// variable's value and the platform directory, so this does no hidden environment reads.
    pub fn resolve(
        flag: Option<PathBuf>,
        env: Option<OsString>,
        platform_data_dir: Option<PathBuf>,
    ) -> Result<DataDir, AppError> {
        let chosen = flag
            .or_else(|| env.filter(|v| !v.is_empty()).map(PathBuf::from))
            .or_else(|| platform_data_dir.map(|d| d.join("folio")))
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::DataDirUnusable,
                    "no data directory: this platform has none and FOLIO_DATA_DIR is not set",
                )
            })?;
        DataDir::at(&chosen)
    }

    /// Uses `path`, creating it (private to the user) when it does not exist.
    pub fn at(path: &Path) -> Result<DataDir, AppError> {
        let unusable = |why: String| {
            AppError::new(
                ErrorCode::DataDirUnusable,
                format!("{}: {why}", path.display()),
            )
        };
        if !path.exists() {
            create_private_dir(path).map_err(|e| unusable(e.to_string()))?;
        }
        if !path.is_dir() {
            return Err(unusable("not a folder".into()));
        }
        let path = path.canonicalize().map_err(|e| unusable(e.to_string()))?;
        Ok(DataDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.path.join(LEDGER_FILE)
    }

    /// The keychain item of this ledger's key. Namespaced by the canonical data directory, so every
    /// ledger (a test's, a second one) has its own key and never touches the user's real one.
    pub fn keychain_item(&self) -> String {
        format!("ledger-key:{}", self.path.display())
    }
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_platform() {
        let root = tempfile::tempdir().unwrap();
        let flag = root.path().join("flag");
        let env = root.path().join("env");
        let platform = root.path().join("platform");

        let d = DataDir::resolve(
            Some(flag.clone()),
            Some(env.clone().into()),
            Some(platform.clone()),
        )
        .unwrap();
        assert_eq!(d.path(), flag.canonicalize().unwrap());
        let d = DataDir::resolve(None, Some(env.clone().into()), Some(platform.clone())).unwrap();
        assert_eq!(d.path(), env.canonicalize().unwrap());
        let d = DataDir::resolve(None, Some(OsString::new()), Some(platform.clone())).unwrap();
        assert_eq!(d.path(), platform.join("folio").canonicalize().unwrap());
        assert!(DataDir::resolve(None, None, None).is_err());
    }

    #[test]
    fn new_dirs_are_private_and_items_are_namespaced() {
        let root = tempfile::tempdir().unwrap();
        let a = DataDir::at(&root.path().join("a/nested")).unwrap();
        let b = DataDir::at(&root.path().join("b")).unwrap();
        assert_ne!(a.keychain_item(), b.keychain_item());
        assert!(a.ledger_path().ends_with(LEDGER_FILE));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn a_file_is_not_a_data_dir() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let err = DataDir::at(&file).unwrap_err();
        assert_eq!(err.code(), ErrorCode::DataDirUnusable);
    }
}
