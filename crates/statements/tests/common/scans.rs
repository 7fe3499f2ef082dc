//! Scanned copies of the generated fixtures, shared by the OCR tests, the `scans` example and the
//! OCR bench: every page rendered by PDFium at its scan style's resolution, then degraded
//! (rotation, noise, JPEG, photocopy look) by folio-fixtures from one seed.

use folio_fixtures::scan::{scanned_copy, style_for, Raster};
use folio_fixtures::Fixture;
use folio_statements::PdfEngine;

/// The seed of every scanned fixture.
pub const SEED: u64 = 20_240_611;

fn rasters(engine: &PdfEngine, f: &Fixture, pages: &[bool], seed: u64) -> Vec<Option<Raster>> {
    pages
        .iter()
        .enumerate()
        .map(|(i, &scan)| {
            if !scan {
                return None;
            }
            let dpi = style_for(i, seed).dpi as f32;
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
    scanned_with_seed(engine, f, SEED)
}

/// The scanned copy of `f` degraded from another seed: other resolutions, angles, noise.
pub fn scanned_with_seed(engine: &PdfEngine, f: &Fixture, seed: u64) -> Fixture {
    let pages = vec![true; f.pages.len()];
    scanned_copy(
        f,
        &format!("{}-scanned", f.name),
        &rasters(engine, f, &pages, seed),
        seed,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", f.name))
}

/// A mixed copy of `f`: the first page text, the others scans.
pub fn mixed(engine: &PdfEngine, f: &Fixture) -> Fixture {
    let pages: Vec<bool> = (0..f.pages.len()).map(|i| i > 0).collect();
    scanned_copy(
        f,
        &format!("{}-mixed", f.name),
        &rasters(engine, f, &pages, SEED),
        SEED,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", f.name))
}

/// How a reading compares with the ground truth, transaction by transaction. A transaction is
/// right when its date, amount and (where printed) balance are exact and its description is at
/// least 90% the truth's (by edit distance, spaces squeezed); rows are paired in order of best
/// match, each truth row at most once, so a missed row and an invented row both count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Score {
    pub right: usize,
    pub read: usize,
    pub truth: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        self.right as f64 / self.read.max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.right as f64 / self.truth.max(1) as f64
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn add(&mut self, other: Score) {
        self.right += other.right;
        self.read += other.read;
        self.truth += other.truth;
    }
}

fn squeeze(s: &str) -> Vec<char> {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .collect()
}

fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (squeeze(a), squeeze(b));
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    let longest = a.len().max(b.len()).max(1);
    1.0 - prev[b.len()] as f64 / longest as f64
}

pub fn score(
    got: &[folio_statements::ParsedTransaction],
    truth: &[folio_fixtures::TruthTransaction],
) -> Score {
    let mut used = vec![false; truth.len()];
    let mut right = 0;
    for g in got {
        let hit = truth.iter().enumerate().position(|(i, t)| {
            !used[i]
                && t.date == g.date
                && t.amount == g.amount
                && (t.balance.is_none() || t.balance == g.balance)
                && similarity(&t.description, &g.description) >= 0.9
        });
        if let Some(i) = hit {
            used[i] = true;
            right += 1;
        }
    }
    Score {
        right,
        read: got.len(),
        truth: truth.len(),
    }
}
