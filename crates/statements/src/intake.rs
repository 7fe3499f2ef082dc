//! The checks every file passes before a PDF parser sees it: size, type, completeness. Cheap, done
//! on bytes, and the reason a hostile or damaged file never reaches the parser unannounced.

use std::io::Read;
use std::path::Path;

use crate::StatementError;

/// Limits on what Folio reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntakeLimits {
    /// Files larger than this are refused before they are read (FILE_TOO_LARGE).
    pub max_bytes: u64,
    /// Documents with more pages are refused before any page is read (TOO_MANY_PAGES): a
    /// statement has tens of pages; thousands are a page bomb, not a statement.
    pub max_pages: u32,
    /// Pages with more glyphs are refused (FILE_TOO_COMPLEX): a dense page has ~10,000.
    pub max_chars_per_page: u32,
}

impl Default for IntakeLimits {
    /// 20 MB: a year of daily statements is a few MB; more is a scan at print resolution or not a
    /// statement, and reading it whole into memory is not worth the risk.
    fn default() -> Self {
        IntakeLimits {
            max_bytes: 20 * 1000 * 1000,
            max_pages: 500,
            max_chars_per_page: 100_000,
        }
    }
}

/// PDF readers accept the header anywhere in the first kilobyte (some files carry a prefix).
const HEADER_WINDOW: usize = 1024;
/// The end-of-file marker must be in the last kilobyte (trailing bytes after it are common).
const TRAILER_WINDOW: usize = 1024;

/// Reads a statement file, refusing it by size before reading and by content after.
pub fn read_pdf(path: &Path, limits: IntakeLimits) -> Result<Vec<u8>, StatementError> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limits.max_bytes {
        return Err(StatementError::FileTooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // Never read past the limit, even if the file grows while being read.
    file.take(limits.max_bytes + 1).read_to_end(&mut bytes)?;
    check_pdf(&bytes, limits)?;
    Ok(bytes)
}

/// The byte-level checks: size, a PDF header, an end-of-file marker.
pub fn check_pdf(bytes: &[u8], limits: IntakeLimits) -> Result<(), StatementError> {
    let size = bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(StatementError::FileTooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let head = &bytes[..bytes.len().min(HEADER_WINDOW)];
    if find(head, b"%PDF-").is_none() {
        return Err(StatementError::InvalidFileType);
    }
    let tail = &bytes[bytes.len().saturating_sub(TRAILER_WINDOW)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(StatementError::TruncatedFile);
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

    #[test]
    fn a_pdf_passes() {
        check_pdf(TINY, IntakeLimits::default()).unwrap();
    }

    #[test]
    fn other_files_are_not_pdfs() {
        for bytes in [
            &b"\x89PNG\r\n\x1a\n...."[..],
            b"",
            b"PK\x03\x04 a zip",
            b"%PD",
        ] {
            assert!(matches!(
                check_pdf(bytes, IntakeLimits::default()),
                Err(StatementError::InvalidFileType)
            ));
        }
    }

    #[test]
    fn a_cut_file_is_truncated() {
        let cut = &TINY[..TINY.len() - 8];
        assert!(matches!(
            check_pdf(cut, IntakeLimits::default()),
            Err(StatementError::TruncatedFile)
        ));
    }

    #[test]
    fn size_is_checked_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pdf");
        std::fs::write(&path, TINY).unwrap();
        let limits = IntakeLimits {
            max_bytes: 10,
            ..IntakeLimits::default()
        };
        let err = read_pdf(&path, limits).unwrap_err();
        assert!(
            matches!(err, StatementError::FileTooLarge { size, limit: 10 } if size == TINY.len() as u64)
        );
        assert_eq!(err.code(), "FILE_TOO_LARGE");
        assert_eq!(read_pdf(&path, IntakeLimits::default()).unwrap(), TINY);
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let err = read_pdf(
            Path::new("/nonexistent/statement.pdf"),
            IntakeLimits::default(),
        );
        assert_eq!(err.unwrap_err().code(), "FILE_UNREADABLE");
    }
}
