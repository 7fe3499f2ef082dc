//! Scanned copies of the generated fixtures, shared by the OCR tests, the `scans` example and the
//! OCR bench: every page rendered by PDFium at its scan style's resolution, then degraded
//! (rotation, noise, JPEG, photocopy look) by folio-fixtures from one seed.

use folio_fixtures::scan::{scanned_copy, style_for, Raster};
use folio_fixtures::Fixture;
use folio_statements::PdfEngine;

/// The seed of every scanned fixture.
pub const SEED: u64 = 20_240_611;

fn rasters(engine: &PdfEngine, f: &Fixture, pages: &[bool]) -> Vec<Option<Raster>> {
    pages
        .iter()
        .enumerate()
        .map(|(i, &scan)| {
            if !scan {
                return None;
            }
            let dpi = style_for(i, SEED).dpi as f32;
            let all = engine
                .render_pages(&f.pdf, None, dpi)
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            all.into_iter().nth(i).map(|r| Raster {
                width: r.width,
                height: r.height,
                pixels: r.pixels,
            })
        })
        .collect()
}

/// The scanned copy of `f`: every page an image.
pub fn scanned(engine: &PdfEngine, f: &Fixture) -> Fixture {
    let pages = vec![true; f.pages.len()];
    scanned_copy(
        f,
        &format!("{}-scanned", f.name),
        &rasters(engine, f, &pages),
        SEED,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", f.name))
}

/// A mixed copy of `f`: the first page text, the others scans.
pub fn mixed(engine: &PdfEngine, f: &Fixture) -> Fixture {
    let pages: Vec<bool> = (0..f.pages.len()).map(|i| i > 0).collect();
    scanned_copy(
        f,
        &format!("{}-mixed", f.name),
        &rasters(engine, f, &pages),
        SEED,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", f.name))
}
