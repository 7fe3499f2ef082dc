// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread starts: OpenMP reads its cap once, when Tesseract loads.
    folio_app::limit_ocr_threads();
    folio_desktop::run();
}
