//! The transaction table found by its shape: a column of dates at the start of many lines,
//! number columns whose right edges line up over those lines, and text beside them. Which
//! number column is the running balance, and which hold debits, credits or one signed amount, is
//! decided by the arithmetic: the reading under which each printed balance is the previous one
//! plus the rows in between wins. Header words, where a line above the rows has any the
//! vocabulary knows, only break ties and name columns; a header in a language the vocabulary has
//! never seen is just the line above the rows.

use rust_decimal::Decimal;

use crate::table::{amount_of, date_prefix, direction_of, label_role, Column, Role};
use crate::{parse_date, AmountToken, DateOrder, Line, NumberFormat, Phrase};

/// Fewer dated lines with amounts than this is no table (a summary box, a letter's dates).
const MIN_ROWS: usize = 3;

/// A column found by lining up phrases: its horizontal extent and how many lines it has.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Band {
    x0: f32,
    x1: f32,
    count: usize,
}

/// An amount printed as money: with decimals or grouped digits, and not a date ("02.01").
fn money_of(p: &Phrase, format: NumberFormat, order: DateOrder) -> Option<AmountToken> {
    if parse_date(&p.text, order).is_some() {
        return None;
    }
    let a = amount_of(&p.text, format)?;
    let grouped = format.group.is_some_and(|g| p.text.contains(g));
    (a.decimals > 0 || grouped).then_some(a)
}

/// The leftmost of a line's first two phrases that is a date (also a date run into the
/// description: "24/02 SUPERMARKET").
fn leading_date(line: &Line, order: DateOrder) -> Option<&Phrase> {
    line.phrases
        .iter()
        .take(2)
        .find(|p| parse_date_start(p, order))
}

/// Groups extents whose `key` edge lies within `tolerance` of the group's last one.
fn bands(mut spans: Vec<(f32, f32)>, tolerance: f32, key: fn(&(f32, f32)) -> f32) -> Vec<Band> {
    spans.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let mut out: Vec<(Band, f32)> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some((band, last)) if key(&s) - *last <= tolerance => {
                band.x0 = band.x0.min(s.0);
                band.x1 = band.x1.max(s.1);
                band.count += 1;
                *last = key(&s);
            }
            _ => out.push((
                Band {
                    x0: s.0,
                    x1: s.1,
                    count: 1,
                },
                key(&s),
            )),
        }
    }
    let mut merged: Vec<Band> = Vec::new();
    let mut sorted: Vec<Band> = out.into_iter().map(|(b, _)| b).collect();
    sorted.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    // Left-aligned numbers of different lengths end at different places but overlap.
    for b in sorted {
        match merged.last_mut() {
            Some(m) if b.x0 < m.x1 - 1.0 && b.x1 > m.x0 => {
                m.x0 = m.x0.min(b.x0);
                m.x1 = m.x1.max(b.x1);
                m.count += b.count;
            }
            _ => merged.push(b),
        }
    }
    merged
}

fn within(band: &Band, p: &Phrase, tolerance: f32) -> bool {
    p.x1 >= band.x0 - tolerance && p.x0 <= band.x1 + tolerance
}

/// What the shape of a document's lines says the table is: its columns, and for each page the
/// line its rows start at (a header line above them counts as read).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Shape {
    pub columns: Vec<Column>,
    /// Per page: (first line of the rows, header line above them if one was found).
    pub starts: Vec<(usize, Option<usize>)>,
    /// Every line that is a row by its shape (a date in the date column, money beside it), in
    /// order: after a gap or a box ends the table, such a line starts it again.
    pub rows: Vec<usize>,
}

/// Finds the table by its shape. `None` when no date column with number columns beside it runs
/// over at least [`MIN_ROWS`] lines.
pub(crate) fn find_shape(lines: &[Line], format: NumberFormat, order: DateOrder) -> Option<Shape> {
    let size = median_size(lines);
    // Lines that start with a date and carry money.
    let dated: Vec<(usize, &Phrase)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let d = leading_date(l, order)?;
            l.phrases
                .iter()
                .any(|p| !std::ptr::eq(p, d) && money_of(p, format, order).is_some())
                .then_some((i, d))
        })
        .collect();
    if dated.len() < MIN_ROWS {
        return None;
    }
    let date_band = bands(
        dated.iter().map(|(_, p)| (p.x0, p.x1)).collect(),
        size,
        |s| s.0,
    )
    .into_iter()
    .max_by_key(|b| b.count)?;
    let rows: Vec<usize> = dated
        .iter()
        .filter(|(_, p)| (p.x0 - date_band.x0).abs() <= size)
        .map(|(i, _)| *i)
        .collect();
    if rows.len() < MIN_ROWS {
        return None;
    }
    // A date glued to its description ends where the date does.
    let date_x1 = rows
        .iter()
        .filter_map(|&i| leading_date(&lines[i], order))
        .map(|p| match date_prefix(&p.text, order) {
            Some((first, _)) if parse_date(&p.text, order).is_none() => {
                let first = first.chars().count() as f32;
                p.x0 + (p.x1 - p.x0) * first / p.text.chars().count().max(1) as f32
            }
            _ => p.x1,
        })
        .fold(date_band.x0, f32::max);

    // Every line from a page's first dated row to its last: undated lines carry figures too
    // (the day's other rows, a balance printed once per day, an amount on a description's last
    // line).
    let region = region_of(lines, &rows);
    let mut money_spans = Vec::new();
    let mut second_dates = Vec::new();
    let mut text_spans = Vec::new();
    let mut reference_spans = Vec::new();
    let mut direction_spans = Vec::new();
    for &i in &region {
        let line = &lines[i];
        let mut seen_date = false;
        for p in &line.phrases {
            if p.x0 <= date_x1 && p.x1 >= date_band.x0 && !seen_date && parse_date_start(p, order) {
                seen_date = true;
                continue;
            }
            if money_of(p, format, order).is_some() {
                money_spans.push((p.x0, p.x1));
            } else if parse_date(&p.text, order).is_some() {
                if rows.contains(&i) {
                    second_dates.push((p.x0, p.x1));
                }
            } else if is_reference(&p.text) {
                reference_spans.push((p.x0, p.x1));
            } else if direction_of(&p.text).is_some() {
                direction_spans.push((p.x0, p.x1));
            } else {
                text_spans.push((p.x0, p.x1));
            }
        }
    }
    // A column may hold one figure (the month's only credit): every band counts, and the
    // arithmetic decides what each holds. More than four: the four with the most figures (the
    // rest are references, quantities or rates).
    let mut money: Vec<Band> = bands(money_spans, size, |s| s.1);
    if money.is_empty() {
        return None;
    }
    money.sort_by_key(|b| std::cmp::Reverse(b.count));
    money.truncate(4);
    money.sort_by(|a, b| a.x0.total_cmp(&b.x0));

    let header = header_lines(lines, &rows, size);
    let hints: Vec<Option<Role>> = money
        .iter()
        .map(|b| header_role(lines, &header, b, size))
        .collect();
    let roles = money_roles(lines, &region, &money, &hints, format, order, size);

    let mut columns = vec![Column {
        role: Role::Date,
        x0: date_band.x0,
        x1: date_x1,
    }];
    if let Some(b) = bands(second_dates, size, |s| s.0)
        .into_iter()
        .filter(|b| b.count * 3 >= rows.len())
        .max_by_key(|b| b.count)
    {
        columns.push(Column {
            role: Role::ValueDate,
            x0: b.x0,
            x1: b.x1,
        });
    }
    // A column of long numbers on many rows (card, cheque or transaction references) is no
    // description; a column of Af/Bij, D/C words signs the amounts.
    for (spans, role, share) in [
        (reference_spans, Role::Other, 3),
        (direction_spans, Role::Direction, 2),
    ] {
        for b in bands(spans, size, |s| s.0) {
            if b.count * share >= rows.len() {
                columns.push(Column {
                    role,
                    x0: b.x0,
                    x1: b.x1,
                });
            }
        }
    }
    if let Some(b) = bands(text_spans, size * 2.0, |s| s.0)
        .into_iter()
        .max_by_key(|b| b.count)
    {
        // The description runs up to the next column on its right.
        let next = columns
            .iter()
            .map(|c| c.x0)
            .chain(money.iter().map(|m| m.x0))
            .filter(|&x| x > b.x0)
            .fold(f32::MAX, f32::min);
        columns.push(Column {
            role: Role::Description,
            x0: b.x0,
            x1: b.x1.min(next - 1.0),
        });
    }
    for (band, role) in money.iter().zip(&roles) {
        columns.push(Column {
            role: *role,
            x0: band.x0,
            x1: band.x1,
        });
    }
    columns.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    if !columns.iter().any(|c| c.role.is_money()) {
        return None;
    }

    let mut starts: Vec<(usize, Option<usize>)> = Vec::new();
    for &i in &rows {
        if starts
            .last()
            .is_none_or(|(s, _)| lines[*s].page != lines[i].page)
        {
            let h = header
                .iter()
                .find(|&&h| lines[h].page == lines[i].page && h < i);
            starts.push((i, h.copied()));
        }
    }
    Some(Shape {
        columns,
        starts,
        rows,
    })
}

/// A reference number: one word of six or more digits (letters allowed), no decimals.
fn is_reference(text: &str) -> bool {
    !text.contains(' ')
        && text.chars().all(|c| c.is_ascii_alphanumeric())
        && text.chars().filter(char::is_ascii_digit).count() >= 6
}

/// Whether a phrase is, or starts with, a date.
fn parse_date_start(p: &Phrase, order: DateOrder) -> bool {
    parse_date(&p.text, order).is_some() || date_prefix(&p.text, order).is_some()
}

/// The lines from each page's first row to its last.
fn region_of(lines: &[Line], rows: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < rows.len() {
        let page = lines[rows[k]].page;
        let last = rows[k..]
            .iter()
            .take_while(|&&i| lines[i].page == page)
            .last()
            .copied()
            .unwrap_or(rows[k]);
        out.extend(rows[k]..=last);
        k += rows[k..]
            .iter()
            .take_while(|&&i| lines[i].page == page)
            .count();
    }
    out
}

fn median_size(lines: &[Line]) -> f32 {
    let mut sizes: Vec<f32> = lines
        .iter()
        .flat_map(|l| l.phrases.iter().map(|p| p.font_size))
        .collect();
    sizes.sort_by(f32::total_cmp);
    sizes.get(sizes.len() / 2).copied().unwrap_or(10.0).max(6.0)
}

/// Per page, the line just above the first row when it is a row of labels: two or more phrases,
/// no amounts, no dates, no more than a few lines above.
fn header_lines(lines: &[Line], rows: &[usize], size: f32) -> Vec<usize> {
    let mut out = Vec::new();
    let mut page = None;
    for &i in rows {
        if page == Some(lines[i].page) {
            continue;
        }
        page = Some(lines[i].page);
        let found = (i.saturating_sub(4)..i).rev().find(|&h| {
            let l = &lines[h];
            l.page == lines[i].page
                && lines[i].top - l.bottom <= size * 6.0
                && l.phrases.len() >= 2
                && l.phrases.iter().all(|p| {
                    !p.text.chars().any(|c| c.is_ascii_digit())
                        && p.text.chars().any(char::is_alphabetic)
                })
        });
        out.extend(found);
    }
    out
}

/// The role a header line's words give the phrase above `band`, if any.
fn header_role(lines: &[Line], header: &[usize], band: &Band, size: f32) -> Option<Role> {
    header.iter().find_map(|&h| {
        lines[h]
            .phrases
            .iter()
            .filter(|p| within(band, p, size))
            .find_map(|p| label_role(&p.text))
    })
}

/// One reading of the number columns: the role of each, in order.
type Roles = Vec<Role>;

fn candidates(n: usize) -> Vec<Roles> {
    let mut out = Vec::new();
    for balance in std::iter::once(None).chain((0..n).map(Some)) {
        let rest: Vec<usize> = (0..n).filter(|&k| Some(k) != balance).collect();
        let base = |b: Option<usize>| {
            let mut r = vec![Role::Other; n];
            if let Some(b) = b {
                r[b] = Role::Balance;
            }
            r
        };
        for &k in &rest {
            let mut r = base(balance);
            r[k] = Role::Amount;
            out.push(r);
        }
        for (a, &j) in rest.iter().enumerate() {
            for &k in &rest[a + 1..] {
                let mut r = base(balance);
                r[j] = Role::Debit;
                r[k] = Role::Credit;
                out.push(r.clone());
                r[j] = Role::Credit;
                r[k] = Role::Debit;
                out.push(r);
            }
        }
    }
    out
}

/// How many printed balances each reading explains (each the previous plus the rows between),
/// less those it contradicts; in the order printed or, for a list printed newest first, the
/// other way round.
fn arithmetic_score(values: &[Vec<Option<AmountToken>>], roles: &Roles) -> i64 {
    chain_score(values.iter(), roles).max(chain_score(values.iter().rev(), roles))
}

fn chain_score<'a>(
    values: impl Iterator<Item = &'a Vec<Option<AmountToken>>>,
    roles: &Roles,
) -> i64 {
    let Some(b) = roles.iter().position(|r| *r == Role::Balance) else {
        return 0;
    };
    let (mut score, mut previous, mut since, mut moved) =
        (0_i64, None::<Decimal>, Decimal::ZERO, false);
    for row in values {
        for (k, v) in row.iter().enumerate() {
            let Some(a) = v else { continue };
            let value = match roles[k] {
                Role::Debit => -a.magnitude,
                Role::Credit => a.magnitude,
                Role::Amount => a.signed(),
                _ => continue,
            };
            since += value;
            moved = true;
        }
        let Some(balance) = row[b].as_ref().map(AmountToken::signed) else {
            continue;
        };
        if let Some(p) = previous {
            if moved {
                score += if p + since == balance { 1 } else { -1 };
            }
        }
        previous = Some(balance);
        since = Decimal::ZERO;
        moved = false;
    }
    score
}

/// Decides what each number column holds: the reading the balances prove best; among equals,
/// the one the header words agree with most, then the usual order (balance last, debit before
/// credit, money columns used rather than left out).
fn money_roles(
    lines: &[Line],
    region: &[usize],
    money: &[Band],
    hints: &[Option<Role>],
    format: NumberFormat,
    order: DateOrder,
    size: f32,
) -> Roles {
    // Every line from the first row to the last on each page, with its figures per column.
    let values: Vec<Vec<Option<AmountToken>>> = region
        .iter()
        .map(|&i| &lines[i])
        .map(|l| {
            money
                .iter()
                .map(|band| {
                    l.phrases
                        .iter()
                        .filter(|p| p.x1 >= band.x0 - size * 0.5 && p.x1 <= band.x1 + size * 0.5)
                        .find_map(|p| money_of(p, format, order))
                })
                .collect()
        })
        .collect();
    let n = money.len();
    let rank = |r: &Roles| {
        let score = arithmetic_score(&values, r);
        let agree = r
            .iter()
            .zip(hints)
            .filter(|(role, hint)| hint.is_some_and(|h| h == **role))
            .count() as i64;
        let disagree = r
            .iter()
            .zip(hints)
            .filter(|(role, hint)| hint.is_some_and(|h| h != **role && h.is_money()))
            .count() as i64;
        let balance_last = r.last() == Some(&Role::Balance);
        let debit_first =
            r.iter().position(|x| *x == Role::Debit) < r.iter().position(|x| *x == Role::Credit);
        let used = r.iter().filter(|x| **x != Role::Other).count() as i64;
        (score, agree - disagree, balance_last, used, debit_first)
    };
    candidates(n)
        .into_iter()
        .max_by_key(rank)
        .unwrap_or_else(|| vec![Role::Amount; n])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(page: u32, top: f32, phrases: &[(&str, f32, f32)]) -> Line {
        Line {
            page,
            top,
            bottom: top + 8.0,
            phrases: phrases
                .iter()
                .map(|(t, x0, x1)| Phrase {
                    text: (*t).into(),
                    x0: *x0,
                    x1: *x1,
                    font_size: 8.0,
                })
                .collect(),
        }
    }

    /// A table in words the vocabulary does not know, credits left of debits, the description
    /// last: the balances decide.
    #[test]
    fn columns_are_named_by_the_arithmetic() {
        let mut lines = vec![line(
            1,
            90.0,
            &[
                ("Päivä", 40.0, 60.0),
                ("Pano", 150.0, 170.0),
                ("Otto", 220.0, 240.0),
                ("Jäännös", 290.0, 320.0),
                ("Selite", 340.0, 370.0),
            ],
        )];
        let rows = [
            ("01.03.2024", "", "12,50", "987,50", "KAUPPA"),
            ("02.03.2024", "100,00", "", "1 087,50", "PALKKA"),
            ("03.03.2024", "", "7,25", "1 080,25", "KAHVILA"),
            ("04.03.2024", "", "80,25", "1 000,00", "SÄHKÖ"),
        ];
        for (k, (d, credit, debit, balance, text)) in rows.iter().enumerate() {
            let top = 100.0 + k as f32 * 12.0;
            let mut p = vec![(*d, 40.0, 85.0)];
            if !credit.is_empty() {
                p.push((*credit, 175.0, 200.0));
            }
            if !debit.is_empty() {
                p.push((*debit, 245.0, 270.0));
            }
            p.push((*balance, 300.0, 330.0));
            p.push((*text, 340.0, 400.0));
            lines.push(line(1, top, &p));
        }
        let shape = find_shape(&lines, NumberFormat::COMMA_SPACE, DateOrder::DayMonthYear).unwrap();
        let roles: Vec<Role> = shape.columns.iter().map(|c| c.role).collect();
        assert_eq!(
            roles,
            [
                Role::Date,
                Role::Credit,
                Role::Debit,
                Role::Balance,
                Role::Description
            ]
        );
        assert_eq!(shape.starts, [(1, Some(0))]);
    }

    #[test]
    fn a_letter_with_dates_is_no_table() {
        let lines = vec![
            line(
                1,
                100.0,
                &[("12.03.2024", 40.0, 85.0), ("Dear customer", 100.0, 200.0)],
            ),
            line(1, 112.0, &[("your fee of 12,00 is due", 40.0, 200.0)]),
        ];
        assert!(find_shape(&lines, NumberFormat::COMMA, DateOrder::DayMonthYear).is_none());
    }
}
