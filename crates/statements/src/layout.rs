//! From words with boxes to lines and phrases: the reading order of a page, rebuilt from geometry
//! alone (content streams draw text in any order).

use serde::Serialize;

use crate::{PageText, Word};

/// Words that sit next to each other on a line, closer than a column gap: "Paid out",
/// "BALANCE BROUGHT FORWARD", "1 234,56".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Phrase {
    pub text: String,
    pub x0: f32,
    pub x1: f32,
    pub font_size: f32,
}

/// One printed line of a page: its phrases from left to right.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    pub page: u32,
    pub top: f32,
    pub bottom: f32,
    pub phrases: Vec<Phrase>,
}

impl Line {
    /// The whole line as text, phrases separated by two spaces.
    pub fn text(&self) -> String {
        self.phrases
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("  ")
    }
}

/// Whether `text` is `label` or starts with it followed by one of `then` (" ", ":", "("...).
/// Allocation-free: it runs for every phrase against every label.
pub(crate) fn is_label(text: &str, label: &str, then: &[char]) -> bool {
    text == label
        || text
            .strip_prefix(label)
            .is_some_and(|rest| rest.starts_with(then))
}

/// Whether `text` starts with `label` when spaces are ignored in both ("L AST MONTH'S BAL ANCE").
pub(crate) fn starts_with_ignoring_spaces(text: &str, label: &str) -> bool {
    let mut t = text.chars().filter(|c| !c.is_whitespace());
    label
        .chars()
        .filter(|c| !c.is_whitespace())
        .all(|l| t.next() == Some(l))
}

/// Groups a page's words into lines, top to bottom, each left to right. A word belongs to a line
/// when its vertical middle lies within the line's band.
pub fn page_lines(page: &PageText) -> Vec<Line> {
    // Text set vertically (a side margin's legal line) has a box much taller than its letters,
    // a watermark ("MUSTER", "SPECIMEN") is set many times larger than the page's text, and a
    // margin's machine code many times smaller: none is a line of the page, and the first two
    // would swallow the lines they span.
    let body = median_font_size(page);
    let mut words: Vec<&Word> = page
        .words
        .iter()
        .filter(|w| {
            !is_vertical(w) && !body.is_some_and(|b| w.font_size > b * 4.0 || w.font_size < b / 4.0)
        })
        .collect();
    words.sort_by(|a, b| middle(a).total_cmp(&middle(b)).then(a.x0.total_cmp(&b.x0)));
    let mut groups: Vec<Vec<&Word>> = Vec::new();
    for w in words {
        let joins = groups.last().is_some_and(|g| {
            let top = g.iter().map(|w| w.top).fold(f32::MAX, f32::min);
            let bottom = g.iter().map(|w| w.bottom).fold(f32::MIN, f32::max);
            let m = middle(w);
            m >= top && m <= bottom
        });
        match groups.last_mut() {
            Some(g) if joins => g.push(w),
            _ => groups.push(vec![w]),
        }
    }
    groups
        .into_iter()
        .map(|mut g| {
            g.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            Line {
                page: page.number,
                top: g.iter().map(|w| w.top).fold(f32::MAX, f32::min),
                bottom: g.iter().map(|w| w.bottom).fold(f32::MIN, f32::max),
                phrases: phrases(&g),
            }
        })
        .collect()
}

/// The font size most of the page's words are set in (the median, by word).
fn median_font_size(page: &PageText) -> Option<f32> {
    let mut sizes: Vec<f32> = page
        .words
        .iter()
        .map(|w| w.font_size)
        .filter(|s| *s > 0.0)
        .collect();
    if sizes.len() < 20 {
        return None;
    }
    sizes.sort_by(f32::total_cmp);
    sizes.get(sizes.len() / 2).copied()
}

/// A word whose box is taller than wide and several times its font size: set vertically.
fn is_vertical(w: &Word) -> bool {
    let height = w.bottom - w.top;
    let width = w.x1 - w.x0;
    w.text.chars().count() > 1 && height > width && height > w.font_size.max(1.0) * 2.5
}

fn middle(w: &Word) -> f32 {
    (w.top + w.bottom) / 2.0
}

/// Joins words closer than about one and a half spaces; anything wider is a column gap.
fn phrases(words: &[&Word]) -> Vec<Phrase> {
    let mut out: Vec<Phrase> = Vec::new();
    for w in words {
        let gap_limit = w.font_size * 0.75;
        match out.last_mut() {
            Some(p) if w.x0 - p.x1 < gap_limit => {
                p.text.push(' ');
                p.text.push_str(&w.text);
                p.x1 = p.x1.max(w.x1);
            }
            _ => out.push(Phrase {
                text: w.text.clone(),
                x0: w.x0,
                x1: w.x1,
                font_size: w.font_size,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageKind;

    fn word(text: &str, x0: f32, top: f32) -> Word {
        let width = text.len() as f32 * 5.0;
        Word {
            text: text.into(),
            x0,
            x1: x0 + width,
            top,
            bottom: top + 9.0,
            font_size: 10.0,
            font: None,
            mixed_fonts: false,
        }
    }

    fn page(words: Vec<Word>) -> PageText {
        PageText {
            number: 1,
            width: 595.0,
            height: 842.0,
            kind: PageKind::TextBased,
            words,
        }
    }

    #[test]
    fn words_in_any_order_become_lines_in_reading_order() {
        let p = page(vec![
            word("739.85", 500.0, 120.5),
            word("Closing", 300.0, 120.0),
            word("Balance", 338.0, 120.0),
            word("Opening", 300.0, 100.0),
            word("Balance", 338.0, 100.2),
            word("653.13", 500.0, 100.0),
        ]);
        let lines = page_lines(&p);
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(
            texts,
            ["Opening Balance  653.13", "Closing Balance  739.85"]
        );
    }

    #[test]
    fn a_column_gap_splits_phrases() {
        let p = page(vec![
            word("Paid", 100.0, 50.0),
            word("out", 123.0, 50.0),
            word("Balance", 300.0, 50.0),
        ]);
        let line = &page_lines(&p)[0];
        assert_eq!(line.phrases.len(), 2);
        assert_eq!(line.phrases[0].text, "Paid out");
        assert_eq!(line.phrases[0].x1, 138.0);
    }
}
