//! Tesseract in-process, through its C API (`capi.h`), with the library loaded at run time from
//! Debian's `libtesseract5` (no headers, clang or bindgen needed to build; a machine without
//! Tesseract still runs Folio, and only scanned pages say what to install).
//!
//! Why in-process and not the `tesseract` program per page (Folio's first design): loading the
//! eng+fra+nld+deu models costs ~0.55 s each time a program starts, 15-20% of a page, and a second
//! run per page for the numbers re-read cost its own start. A [`Reader`] loads its models once and
//! reads page after page. What that gives up, and how it is met:
//! - *isolation*: a crash in Tesseract would end the process. Folio only ever hands it a clean,
//!   size-limited 8-bit grey image it made itself, and a crash mid-import still leaves the ledger
//!   as it was (nothing is filed before the whole file is read and proven);
//! - *cancel by kill*: Tesseract's progress monitor asks a cancel callback before every word, and
//!   a deadline ends a page that runs away.
//!
//! This is the one crate where Folio allows `unsafe`: every block says why it holds.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fmt;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Why Tesseract could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TesseractError {
    #[error("no Tesseract library could be loaded (looked for {searched:?})")]
    NotFound { searched: Vec<PathBuf> },
    #[error("Tesseract could not load the language data {languages:?}")]
    Languages { languages: String },
    #[error("Tesseract does not know the setting {name}")]
    Setting { name: String },
    #[error("the image is not {width}x{height} grey pixels")]
    BadImage { width: u32, height: u32 },
    #[error("recognition was cancelled")]
    Cancelled,
    #[error("recognition failed or ran past its deadline of {deadline_ms} ms")]
    Failed { deadline_ms: u32 },
    #[error("Tesseract returned no text")]
    NoText,
}

type Handle = c_void;
type Monitor = c_void;
type CancelFn = extern "C" fn(*mut c_void, c_int) -> bool;

/// The C API's functions, copied out of the loaded library, which this struct keeps loaded.
struct Api {
    create: unsafe extern "C" fn() -> *mut Handle,
    delete: unsafe extern "C" fn(*mut Handle),
    end: unsafe extern "C" fn(*mut Handle),
    init3: unsafe extern "C" fn(*mut Handle, *const c_char, *const c_char) -> c_int,
    set_variable: unsafe extern "C" fn(*mut Handle, *const c_char, *const c_char) -> c_int,
    set_page_seg_mode: unsafe extern "C" fn(*mut Handle, c_int),
    set_image: unsafe extern "C" fn(*mut Handle, *const u8, c_int, c_int, c_int, c_int),
    set_source_resolution: unsafe extern "C" fn(*mut Handle, c_int),
    recognize: unsafe extern "C" fn(*mut Handle, *mut Monitor) -> c_int,
    get_tsv_text: unsafe extern "C" fn(*mut Handle, c_int) -> *mut c_char,
    delete_text: unsafe extern "C" fn(*const c_char),
    clear: unsafe extern "C" fn(*mut Handle),
    available_languages: unsafe extern "C" fn(*const Handle) -> *mut *mut c_char,
    delete_text_array: unsafe extern "C" fn(*mut *mut c_char),
    monitor_create: unsafe extern "C" fn() -> *mut Monitor,
    monitor_delete: unsafe extern "C" fn(*mut Monitor),
    monitor_set_cancel_func: unsafe extern "C" fn(*mut Monitor, CancelFn),
    monitor_set_cancel_this: unsafe extern "C" fn(*mut Monitor, *mut c_void),
    monitor_set_deadline_msecs: unsafe extern "C" fn(*mut Monitor, c_int),
    version: unsafe extern "C" fn() -> *const c_char,
    _library: libloading::Library,
}

/// Where Folio looks for libtesseract: `FOLIO_TESSERACT` (a library file) first, then the
/// system's library path under the names Debian, Fedora and Homebrew give it.
pub fn library_candidates(env: Option<std::ffi::OsString>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(path) = env.filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(path));
    }
    for name in [
        "libtesseract.so.5",
        "libtesseract.so",
        "libtesseract.5.dylib",
        "libtesseract.dylib",
    ] {
        out.push(PathBuf::from(name));
    }
    out
}

/// Caps OpenMP at one thread a process, before libtesseract (and with it libgomp, which reads the
/// cap once, when it loads) is loaded. Folio runs one page per core on its own threads; each
/// Tesseract also fanning out over every core was 6x slower on two cores (PLATFORM-NOTES.md).
/// Binaries call this first thing in `main`, while they are single-threaded; [`Tesseract::load`]
/// calls it again for library users (tests, benches) and leaves a value already set alone.
pub fn limit_openmp_threads() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
        std::env::set_var("OMP_THREAD_LIMIT", "1");
    }
}

/// The loaded library. Cheap to clone; every [`Reader`] keeps it loaded.
#[derive(Clone)]
pub struct Tesseract {
    api: Arc<Api>,
    path: PathBuf,
}

impl fmt::Debug for Tesseract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tesseract")
            .field("path", &self.path)
            .field("version", &self.version())
            .finish()
    }
}

macro_rules! symbol {
    ($library:expr, $name:literal) => {{
        // SAFETY: the name is a function of Tesseract's C API (capi.h, stable across 4.x and
        // 5.x) and the pointer type it is read as is that function's C signature. The pointer
        // is used only while `_library`, stored beside it in `Api`, keeps the library loaded.
        let symbol = unsafe { $library.get(concat!($name, "\0").as_bytes()) };
        match symbol {
            Ok(s) => *s,
            Err(_) => return None,
        }
    }};
}

impl Tesseract {
    /// The first candidate that loads and exports the whole C API; NotFound with the places
    /// searched otherwise.
    pub fn load(candidates: &[PathBuf]) -> Result<Tesseract, TesseractError> {
        limit_openmp_threads();
        for path in candidates {
            // SAFETY: loading runs the library's initialisers; libtesseract's (and libgomp's,
            // libleptonica's) only set up their own globals.
            let Ok(library) = (unsafe { libloading::Library::new(path) }) else {
                continue;
            };
            if let Some(api) = Self::bind(library) {
                return Ok(Tesseract {
                    api: Arc::new(api),
                    path: path.clone(),
                });
            }
        }
        Err(TesseractError::NotFound {
            searched: candidates.to_vec(),
        })
    }

    fn bind(library: libloading::Library) -> Option<Api> {
        Some(Api {
            create: symbol!(library, "TessBaseAPICreate"),
            delete: symbol!(library, "TessBaseAPIDelete"),
            end: symbol!(library, "TessBaseAPIEnd"),
            init3: symbol!(library, "TessBaseAPIInit3"),
            set_variable: symbol!(library, "TessBaseAPISetVariable"),
            set_page_seg_mode: symbol!(library, "TessBaseAPISetPageSegMode"),
            set_image: symbol!(library, "TessBaseAPISetImage"),
            set_source_resolution: symbol!(library, "TessBaseAPISetSourceResolution"),
            recognize: symbol!(library, "TessBaseAPIRecognize"),
            get_tsv_text: symbol!(library, "TessBaseAPIGetTsvText"),
            delete_text: symbol!(library, "TessDeleteText"),
            clear: symbol!(library, "TessBaseAPIClear"),
            available_languages: symbol!(library, "TessBaseAPIGetAvailableLanguagesAsVector"),
            delete_text_array: symbol!(library, "TessDeleteTextArray"),
            monitor_create: symbol!(library, "TessMonitorCreate"),
            monitor_delete: symbol!(library, "TessMonitorDelete"),
            monitor_set_cancel_func: symbol!(library, "TessMonitorSetCancelFunc"),
            monitor_set_cancel_this: symbol!(library, "TessMonitorSetCancelThis"),
            monitor_set_deadline_msecs: symbol!(library, "TessMonitorSetDeadlineMSecs"),
            version: symbol!(library, "TessVersion"),
            _library: library,
        })
    }

    /// Where the library was found.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Tesseract's version, e.g. "5.3.0".
    pub fn version(&self) -> String {
        // SAFETY: TessVersion returns a pointer to a static NUL-terminated string (or null).
        let p = unsafe { (self.api.version)() };
        if p.is_null() {
            return String::new();
        }
        // SAFETY: non-null, static and NUL-terminated, as above.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// One Tesseract instance with its languages' models loaded, reading one image at a time.
/// Loading is the slow part (~0.55 s for four languages): keep a reader and reuse it.
pub struct Reader {
    api: Arc<Api>,
    handle: NonNull<Handle>,
    languages: String,
}

// SAFETY: a TessBaseAPI instance holds no thread-affine state; `Reader` is not `Sync` and every
// call takes `&mut self` (or `&self` for a read-only query), so one thread uses it at a time.
unsafe impl Send for Reader {}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("languages", &self.languages)
            .finish()
    }
}

extern "C" fn cancel_requested(this: *mut c_void, _words: c_int) -> bool {
    if this.is_null() {
        return false;
    }
    // SAFETY: `this` is the `&AtomicBool` that `read_tsv` passed to the monitor, and Tesseract
    // only calls back from inside that `read_tsv`'s recognize call, while the borrow lives.
    let flag = unsafe { &*(this as *const AtomicBool) };
    flag.load(Ordering::Relaxed)
}

impl Reader {
    /// Loads `languages` ("eng+fra", Tesseract's `-l` syntax) from the library's own data folder,
    /// with page segmentation mode `psm` and the `settings` (Tesseract variables) given.
    pub fn new(
        tesseract: &Tesseract,
        languages: &str,
        psm: i32,
        settings: &[(&str, &str)],
    ) -> Result<Reader, TesseractError> {
        let api = Arc::clone(&tesseract.api);
        let lang = CString::new(languages).map_err(|_| TesseractError::Languages {
            languages: languages.to_string(),
        })?;
        // SAFETY: TessBaseAPICreate takes nothing and returns a new instance or null.
        let raw = unsafe { (api.create)() };
        let handle = NonNull::new(raw).ok_or_else(|| TesseractError::Languages {
            languages: languages.to_string(),
        })?;
        // From here `Drop` ends and deletes the instance on every return.
        let reader = Reader {
            api,
            handle,
            languages: languages.to_string(),
        };
        // SAFETY: a live instance; a null data path means Tesseract's own default; `lang` is
        // a NUL-terminated string that outlives the call.
        let failed =
            unsafe { (reader.api.init3)(reader.handle.as_ptr(), std::ptr::null(), lang.as_ptr()) };
        if failed != 0 {
            return Err(TesseractError::Languages {
                languages: languages.to_string(),
            });
        }
        // SAFETY: a live, initialised instance; page segmentation modes are small ints.
        unsafe { (reader.api.set_page_seg_mode)(reader.handle.as_ptr(), psm) };
        let mut reader = reader;
        for (name, value) in settings {
            reader.set(name, value)?;
        }
        Ok(reader)
    }

    /// Sets one Tesseract variable (e.g. `tessedit_char_whitelist`) for the pages read after.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), TesseractError> {
        let bad = || TesseractError::Setting {
            name: name.to_string(),
        };
        let n = CString::new(name).map_err(|_| bad())?;
        let v = CString::new(value).map_err(|_| bad())?;
        // SAFETY: a live instance and two NUL-terminated strings that outlive the call.
        let ok = unsafe { (self.api.set_variable)(self.handle.as_ptr(), n.as_ptr(), v.as_ptr()) };
        if ok == 0 {
            return Err(bad());
        }
        Ok(())
    }

    /// The languages this reader loaded, as given.
    pub fn languages(&self) -> &str {
        &self.languages
    }

    /// The language data installed where this reader found its own (e.g. eng, fra, osd).
    pub fn available_languages(&self) -> Vec<String> {
        // SAFETY: a live, initialised instance; the result is a null-terminated array of
        // NUL-terminated strings (or null), freed below with TessDeleteTextArray.
        let array = unsafe { (self.api.available_languages)(self.handle.as_ptr()) };
        if array.is_null() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            // SAFETY: within the array, which ends with a null entry.
            let item = unsafe { *array.add(i) };
            if item.is_null() {
                break;
            }
            // SAFETY: each entry is a NUL-terminated string owned by the array.
            out.push(
                unsafe { CStr::from_ptr(item) }
                    .to_string_lossy()
                    .into_owned(),
            );
            i += 1;
        }
        // SAFETY: the array came from TessBaseAPIGetAvailableLanguagesAsVector and is freed once.
        unsafe { (self.api.delete_text_array)(array) };
        out
    }

    /// Recognises one grey image (one byte a pixel, rows top to bottom, 0 black) at `dpi` and
    /// returns Tesseract's TSV (no header row: level, page, block, paragraph, line, word, left,
    /// top, width, height, confidence, text). `cancel` is asked before every word; a set flag
    /// stops the page with Cancelled. A page still running after `deadline_ms` is Failed.
    pub fn read_tsv(
        &mut self,
        pixels: &[u8],
        width: u32,
        height: u32,
        dpi: u32,
        cancel: &AtomicBool,
        deadline_ms: u32,
    ) -> Result<String, TesseractError> {
        let bad = || TesseractError::BadImage { width, height };
        let (Ok(w), Ok(h), Ok(ppi)) = (
            c_int::try_from(width),
            c_int::try_from(height),
            c_int::try_from(dpi),
        ) else {
            return Err(bad());
        };
        if width == 0 || height == 0 || pixels.len() != width as usize * height as usize {
            return Err(bad());
        }
        let handle = self.handle.as_ptr();
        // SAFETY: `pixels` holds exactly width x height bytes, one a pixel, rows of `width`
        // bytes; Tesseract copies them into its own image before returning.
        unsafe { (self.api.set_image)(handle, pixels.as_ptr(), w, h, 1, w) };
        // SAFETY: a live instance with an image set.
        unsafe { (self.api.set_source_resolution)(handle, ppi) };
        // SAFETY: creates a monitor owned here and deleted below.
        let monitor = unsafe { (self.api.monitor_create)() };
        let outcome = if monitor.is_null() {
            -1
        } else {
            let deadline = c_int::try_from(deadline_ms).unwrap_or(c_int::MAX);
            // SAFETY: a live monitor; `cancel_requested` has the callback's C signature and
            // `cancel` outlives the recognize call below, the only time it is called back.
            unsafe {
                (self.api.monitor_set_cancel_func)(monitor, cancel_requested);
                (self.api.monitor_set_cancel_this)(
                    monitor,
                    cancel as *const AtomicBool as *mut c_void,
                );
                (self.api.monitor_set_deadline_msecs)(monitor, deadline);
            }
            // SAFETY: a live instance with an image, and a live monitor.
            let rc = unsafe { (self.api.recognize)(handle, monitor) };
            // SAFETY: the monitor is ours and no longer used by Tesseract.
            unsafe { (self.api.monitor_delete)(monitor) };
            rc
        };
        let result = if cancel.load(Ordering::Relaxed) {
            Err(TesseractError::Cancelled)
        } else if outcome != 0 {
            Err(TesseractError::Failed { deadline_ms })
        } else {
            // SAFETY: a live instance that has recognised its image; the text is freed below.
            let text = unsafe { (self.api.get_tsv_text)(handle, 0) };
            if text.is_null() {
                Err(TesseractError::NoText)
            } else {
                // SAFETY: non-null and NUL-terminated, owned by us until TessDeleteText.
                let tsv = unsafe { CStr::from_ptr(text) }
                    .to_string_lossy()
                    .into_owned();
                // SAFETY: the text came from TessBaseAPIGetTsvText and is freed once.
                unsafe { (self.api.delete_text)(text) };
                Ok(tsv)
            }
        };
        // SAFETY: a live instance; Clear frees the page's image and results, keeping the models.
        unsafe { (self.api.clear)(handle) };
        result
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // SAFETY: the instance is live and dropped once; End frees its models, Delete the rest.
        unsafe {
            (self.api.end)(self.handle.as_ptr());
            (self.api.delete)(self.handle.as_ptr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_not_found_with_the_places_searched() {
        let err = Tesseract::load(&[PathBuf::from("/nowhere/libtesseract.so.5")]).unwrap_err();
        match err {
            TesseractError::NotFound { searched } => {
                assert_eq!(searched, vec![PathBuf::from("/nowhere/libtesseract.so.5")])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn candidates_put_the_override_first() {
        let c = library_candidates(Some("/opt/t/libtesseract.so".into()));
        assert_eq!(c[0], PathBuf::from("/opt/t/libtesseract.so"));
        assert!(c.contains(&PathBuf::from("libtesseract.so.5")));
        assert_eq!(
            library_candidates(Some("".into()))[0],
            PathBuf::from("libtesseract.so.5")
        );
    }
}
