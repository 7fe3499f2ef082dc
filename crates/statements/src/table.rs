//! The transaction table, found with no bank template: a header line names the columns (date,
//! description, debit/credit or one amount, balance, value date) in any of the seed banks'
//! languages; rows are assembled under it, page after page, with multi-line descriptions, dates
//! printed once per day, and brought/carried-forward and total rows set apart.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::{
    parse_amount, parse_date, AmountToken, DateOrder, Line, NumberFormat, Phrase, SignMark,
};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    Date,
    ValueDate,
    Description,
    Debit,
    Credit,
    /// One signed amount column.
    Amount,
    /// A column of "Af"/"Bij" (or D/C) words that sign the amount column.
    Direction,
    Balance,
    Other,
}

impl Role {
    pub(crate) fn is_money(self) -> bool {
        matches!(
            self,
            Role::Debit | Role::Credit | Role::Amount | Role::Balance
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub role: Role,
    pub x0: f32,
    pub x1: f32,
}

pub(crate) fn label_role(text: &str) -> Option<Role> {
    let t = text.to_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    crate::vocab::vocabulary()
        .header
        .iter()
        .find(|(label, _)| crate::layout::is_label(t, label, &[' ', '(', '.']))
        .map(|(_, role)| *role)
}

/// How many words the longest label `text` starts with covers (0 when none).
fn label_words(text: &str) -> usize {
    let t = text.to_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    crate::vocab::vocabulary()
        .header
        .iter()
        .filter(|(label, _)| crate::layout::is_label(t, label, &[' ', '(', '.']))
        .map(|(label, _)| label.split(' ').count())
        .max()
        .unwrap_or(0)
}

/// The columns a header phrase names. Usually one; two when two labels ran together into one
/// phrase ("Value Dt Withdrawal Amt.": a scan's word gaps are measured less exactly than a text
/// PDF's): the phrase is split where the second label starts, its x range shared out by
/// characters. Only labels of different kinds, one of them a date or money column, are split,
/// so "Transaction details" stays one description.
fn label_columns(p: &Phrase) -> Vec<Column> {
    let Some(first) = label_role(&p.text) else {
        return Vec::new();
    };
    let words: Vec<&str> = p.text.split(' ').collect();
    let mut starts = vec![(0usize, first)];
    let mut j = label_words(&p.text).max(1);
    while j < words.len() {
        let rest = words[j..].join(" ");
        match label_role(&rest) {
            Some(role)
                if starts.last().is_some_and(|&(_, prev)| {
                    prev != role
                        && (matches!(prev, Role::Date | Role::ValueDate)
                            || matches!(role, Role::Date | Role::ValueDate)
                            || prev.is_money()
                            || role.is_money())
                }) =>
            {
                starts.push((j, role));
                j += label_words(&rest).max(1);
            }
            _ => j += 1,
        }
    }
    let total = p.text.chars().count().max(1) as f32;
    let x_at = |k: usize| {
        let before: usize = words[..k].iter().map(|w| w.chars().count() + 1).sum();
        p.x0 + (p.x1 - p.x0) * before as f32 / total
    };
    starts
        .iter()
        .enumerate()
        .map(|(n, &(k, role))| Column {
            role,
            x0: if k == 0 { p.x0 } else { x_at(k) },
            x1: starts.get(n + 1).map_or(p.x1, |&(k2, _)| x_at(k2) - 1.0),
        })
        .collect()
}

/// A header: phrases on one line (or two close lines) naming a date column and a money column.
fn header_columns(lines: &[Line], i: usize) -> Option<(Vec<Column>, usize)> {
    let try_phrases = |phrases: &[&Phrase]| -> Option<Vec<Column>> {
        let mut columns: Vec<Column> = Vec::new();
        for p in phrases {
            columns.extend(label_columns(p));
        }
        // "Transaction date" alone is the booking date; next to a posting date it is the value date.
        if !columns.iter().any(|c| c.role == Role::Date) {
            if let Some(c) = columns.iter_mut().find(|c| c.role == Role::ValueDate) {
                c.role = Role::Date;
            }
        }
        let has_date = columns.iter().any(|c| c.role == Role::Date);
        let has_money = columns
            .iter()
            .any(|c| c.role.is_money() && c.role != Role::Balance)
            || columns.iter().filter(|c| c.role == Role::Balance).count() >= 1
                && columns.iter().any(|c| c.role == Role::Description);
        let labelled = columns.len() * 2 >= phrases.len();
        (has_date && has_money && labelled && columns.len() >= 3).then_some(columns)
    };
    let line = &lines[i];
    let own: Vec<&Phrase> = line.phrases.iter().collect();
    if let Some(c) = try_phrases(&own) {
        return Some((c, i));
    }
    // A header over two lines ("Your Transaction Details ... Amount" / "Date  Details").
    let next = lines.get(i + 1)?;
    let size = line.phrases.first().map_or(10.0, |p| p.font_size);
    if next.page != line.page || next.top - line.bottom > size * 1.6 {
        return None;
    }
    let both: Vec<&Phrase> = line.phrases.iter().chain(&next.phrases).collect();
    let labelled: Vec<&Phrase> = both
        .into_iter()
        .filter(|p| label_role(&p.text).is_some())
        .collect();
    try_phrases(&labelled).map(|c| (c, i + 1))
}

/// Whether a row's words are one of `labels`: the whole text or its beginning. Only there: a
/// payee's name may well end in "B/F" or contain "total".
fn matches_label(text: &str, labels: &[String]) -> bool {
    let t = text.to_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric());
    // Letter-spaced headings come apart into pieces ("L AST MONTH'S BAL ANCE"): labels of several
    // words are compared without spaces too.
    labels.iter().any(|l| {
        let l = l.as_str();
        crate::layout::is_label(t, l, &[' ', ':'])
            || l.contains(' ') && crate::layout::starts_with_ignoring_spaces(t, l)
    })
}

/// What kind of row a line is, by its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RowKind {
    Transaction,
    Opening,
    Closing,
    Total,
    /// A balance stated between rows: opening before any transaction, closing after.
    Balance,
    /// "Balance of the day" ("SALDO DO DIA"): a dated balance between the day's rows, no
    /// transaction, and no description for the rows around it.
    DayBalance,
}

/// A transaction as read from the table, before the statement's sign convention is applied.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RawRow {
    pub kind: RowKind,
    pub date: Option<crate::PartialDate>,
    pub value_date: Option<crate::PartialDate>,
    pub description: String,
    /// Signed as printed and placed: debit column negative, credit positive, a signed column as
    /// signed. `None` for balance-only rows.
    pub amount: Option<Decimal>,
    /// The sign mark printed with the amount, if any; `Some(Credit)`/`Some(Debit)` also for an
    /// Af/Bij direction word.
    pub amount_mark: Option<SignMark>,
    /// The column the amount came from.
    pub amount_role: Option<Role>,
    pub balance: Option<Decimal>,
    pub decimals: u32,
    pub page: u32,
    /// Which run of rows this line is in: the count goes up when the table ended (a gap, a
    /// heading, a box) and started again on the same page: a list grouped in sections
    /// ("Deposits", "Checks paid", "Card withdrawals").
    pub section: u32,
}

/// The table of a whole document.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<RawRow>,
}

struct Cells<'a> {
    date: Vec<&'a Phrase>,
    value_date: Vec<&'a Phrase>,
    money: Vec<(Role, &'a Phrase)>,
    direction: Option<&'a Phrase>,
    text: Vec<&'a Phrase>,
}

fn nearest_column(
    columns: &[Column],
    p: &Phrase,
    pred: impl Fn(Role) -> bool,
) -> Option<(Role, f32)> {
    columns
        .iter()
        .filter(|c| pred(c.role))
        .map(|c| {
            let right = (p.x1 - c.x1).abs();
            let left = (p.x0 - c.x0).abs();
            let centre = ((p.x0 + p.x1) / 2.0 - (c.x0 + c.x1) / 2.0).abs();
            let overlap = p.x1.min(c.x1) - p.x0.max(c.x0);
            let d = if overlap > 0.0 {
                0.0
            } else {
                right.min(left).min(centre)
            };
            (c.role, d)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

fn split_cells<'a>(
    columns: &[Column],
    line: &'a Line,
    format: NumberFormat,
    order: DateOrder,
) -> Cells<'a> {
    let mut cells = Cells {
        date: vec![],
        value_date: vec![],
        money: vec![],
        direction: None,
        text: vec![],
    };
    let date_x1 = columns
        .iter()
        .filter(|c| matches!(c.role, Role::Date | Role::ValueDate))
        .map(|c| c.x1)
        .fold(f32::MIN, f32::max);
    for p in &line.phrases {
        let size = p.font_size.max(6.0);
        if let Some(a) = amount_of(&p.text, format) {
            // A whole number beside a money column ("FLAT 2" wrapped onto a line of its own) is
            // only money inside the column.
            let reach = if a.decimals == 0 { 0.0 } else { size * 4.0 };
            if let Some((role, d)) = nearest_column(columns, p, Role::is_money) {
                if d < reach || d == 0.0 {
                    cells.money.push((role, p));
                    continue;
                }
            }
        }
        if p.x0 <= date_x1 + size && parse_date(&p.text, order).is_some() {
            match nearest_column(columns, p, |r| matches!(r, Role::Date | Role::ValueDate)) {
                Some((Role::ValueDate, _)) => cells.value_date.push(p),
                _ if !cells.date.is_empty() => cells.value_date.push(p),
                _ => cells.date.push(p),
            }
            continue;
        }
        if let Some((Role::Direction, d)) = nearest_column(columns, p, |_| true) {
            if d < size * 2.0 && direction_of(&p.text).is_some() {
                cells.direction = Some(p);
                continue;
            }
        }
        // Reference numbers and cheque numbers have a column of their own: not description.
        if let Some((Role::Other, d)) = nearest_column(columns, p, |_| true) {
            if d == 0.0 {
                continue;
            }
        }
        cells.text.push(p);
    }
    cells
}

/// Two or more phrases that are field or summary labels: a form's header row, not a row.
fn is_label_row(line: &Line) -> bool {
    let vocab = crate::vocab::vocabulary();
    line.phrases
        .iter()
        .filter(|p| {
            crate::fields::is_any_label(&p.text)
                || matches_label(&p.text, &vocab.total_rows)
                || matches_label(&p.text, &vocab.summary_opening)
                || matches_label(&p.text, &vocab.summary_closing)
        })
        .count()
        >= 2
}

/// The line with a date that ran into the next column's text split off ("24/02/2024 SALDO DO
/// DIA" printed as one phrase when the gap is narrow): the leading date word becomes a phrase of
/// its own in the date column, its x range shared out by characters. `None` when nothing is
/// glued.
fn unglue_dates(columns: &[Column], line: &Line, order: DateOrder) -> Option<Line> {
    let date_x1 = columns
        .iter()
        .filter(|c| matches!(c.role, Role::Date | Role::ValueDate))
        .map(|c| c.x1)
        .fold(f32::MIN, f32::max);
    let mut changed = false;
    let mut phrases = Vec::with_capacity(line.phrases.len() + 1);
    for p in &line.phrases {
        let size = p.font_size.max(6.0);
        let glued = (p.x0 <= date_x1 + size && parse_date(&p.text, order).is_none())
            .then(|| date_prefix(&p.text, order))
            .flatten();
        match glued {
            Some((first, rest)) => {
                let total = p.text.chars().count().max(1) as f32;
                let cut = p.x0 + (p.x1 - p.x0) * (first.chars().count() + 1) as f32 / total;
                phrases.push(Phrase {
                    text: first.to_string(),
                    x0: p.x0,
                    x1: cut - size * 0.3,
                    font_size: p.font_size,
                });
                phrases.push(Phrase {
                    text: rest.trim().to_string(),
                    x0: cut,
                    x1: p.x1,
                    font_size: p.font_size,
                });
                changed = true;
            }
            None => phrases.push(p.clone()),
        }
    }
    changed.then(|| Line {
        phrases,
        ..line.clone()
    })
}

/// A phrase that starts with a date (and maybe a time) and goes on with words: the date part
/// and the rest ("24/02/2024 SALDO DO DIA", "2024.03.02. 20:26 CARD PURCHASE"). The longest
/// leading run of up to four words that reads as a date.
pub(crate) fn date_prefix(text: &str, order: DateOrder) -> Option<(&str, &str)> {
    let cuts: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).take(4).collect();
    cuts.iter().rev().find_map(|&cut| {
        let (first, rest) = (&text[..cut], text[cut..].trim_start());
        (parse_date(first, order).is_some() && rest.chars().any(char::is_alphabetic))
            .then_some((first, rest))
    })
}

/// A direction column's word: `Some(false)` money out, `Some(true)` money in.
pub(crate) fn direction_of(text: &str) -> Option<bool> {
    let t = text.trim().to_lowercase();
    let v = crate::vocab::vocabulary();
    if v.debit_marks.contains(&t) {
        Some(false)
    } else if v.credit_marks.contains(&t) {
        Some(true)
    } else {
        None
    }
}

/// An amount, also when the PDF split its digits ("10,0 08.25") or put a D/C after a balance.
pub(crate) fn amount_of(text: &str, format: NumberFormat) -> Option<AmountToken> {
    if let Some(a) = parse_amount(text, format) {
        return Some(a);
    }
    let t = text.trim();
    for (suffix, sign) in [
        (" D", SignMark::Debit),
        ("D", SignMark::Debit),
        (" C", SignMark::Credit),
    ] {
        if let Some(rest) = t.strip_suffix(suffix) {
            if let Some(mut a) = parse_amount(rest, format) {
                if a.sign.is_none() && a.decimals > 0 {
                    a.sign = Some(sign);
                    return Some(a);
                }
            }
        }
    }
    if format.group != Some(' ')
        && t.contains(' ')
        && t.chars().filter(|c| c.is_ascii_digit()).count() >= 3
    {
        let joined: String = t.split_whitespace().collect();
        return parse_amount(&joined, format).filter(|a| a.decimals > 0);
    }
    None
}

fn money_value(role: Role, a: &AmountToken) -> Decimal {
    match role {
        Role::Debit => -a.magnitude,
        Role::Credit => a.magnitude,
        _ => a.signed(),
    }
}

/// Where the reader is: outside any table, reading rows, or on a new page that repeated no
/// header, waiting for the first line that lines up with the columns.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Outside,
    Rows {
        last_bottom: f32,
        min_gap: Option<f32>,
    },
    AwaitingRows,
}

/// Reads the table of a document from its lines. `None` when no header names the columns.
pub fn read_table(lines: &[Line], format: NumberFormat, order: DateOrder) -> Option<Table> {
    read_rows(lines, format, order, None, &[], |i| {
        header_columns(lines, i).map(|(cols, last)| (cols, last + 1))
    })
}

/// Reads the table of a document found by its shape ([`crate::structure`]): the columns the
/// lines' geometry and arithmetic give, the rows starting on each page where the shape says.
/// `None` when the lines have no table's shape.
pub fn read_table_by_shape(
    lines: &[Line],
    format: NumberFormat,
    order: DateOrder,
) -> Option<Table> {
    let shape = crate::structure::find_shape(lines, format, order)?;
    read_rows(
        lines,
        format,
        order,
        Some(shape.columns.clone()),
        &shape.rows,
        |i| {
            shape
                .starts
                .iter()
                .find_map(|&(first, header)| match header {
                    Some(h) if h == i => Some((shape.columns.clone(), h + 1)),
                    None if first == i => Some((shape.columns.clone(), i)),
                    _ => None,
                })
        },
    )
}

/// The rows under the columns `begin` finds: `begin(i)` answers the columns and the first line
/// of rows when line `i` starts a table (a header, or the first row itself). With `columns`
/// given, the table is known from the start and a page's rows begin at its first line with a
/// date and an amount in them; a line in `rows` (sorted) starts the rows again wherever the
/// table was ended.
fn read_rows(
    lines: &[Line],
    format: NumberFormat,
    order: DateOrder,
    columns: Option<Vec<Column>>,
    rows: &[usize],
    begin: impl Fn(usize) -> Option<(Vec<Column>, usize)>,
) -> Option<Table> {
    let mut table = Table::default();
    let mut state = if columns.is_some() {
        State::AwaitingRows
    } else {
        State::Outside
    };
    if let Some(cols) = &columns {
        table.columns = cols.clone();
    }
    let mut columns = columns;
    let mut section = 0_u32;
    // The page the rows last ended on (a gap, a box, a closing row), until they start again.
    let mut ended_on: Option<u32> = None;
    let mut i = 0;
    while i < lines.len() {
        let mut started = false;
        if let Some((cols, first_row)) = begin(i) {
            if state == State::Outside && ended_on == Some(lines[i].page) {
                section += 1;
            }
            ended_on = None;
            if table.columns.is_empty() {
                table.columns = cols.clone();
            }
            columns = Some(cols);
            let above = first_row.saturating_sub(1);
            state = State::Rows {
                last_bottom: if first_row > i {
                    lines[above].bottom
                } else {
                    lines[i].top
                },
                min_gap: None,
            };
            if first_row > i {
                i = first_row;
                continue;
            }
            started = true;
        }
        let line = &lines[i];
        let index = i;
        i += 1;
        let Some(cols) = columns.as_ref() else {
            continue;
        };
        let new_page = index > 0 && lines[index - 1].page != line.page;
        if new_page && !started {
            // The table goes on over the page break (a header on the new page resets it above).
            state = State::AwaitingRows;
        }
        let size = line.phrases.first().map_or(10.0, |p| p.font_size).max(6.0);
        let unglued = unglue_dates(cols, line, order);
        let line = unglued.as_ref().unwrap_or(line);
        let cells = split_cells(cols, line, format, order);
        match state {
            // A line that is a row by the table's shape starts the rows again (after a blank
            // gap between two days, a box inside the list).
            State::Outside if rows.binary_search(&index).is_ok() => {
                if ended_on.take() == Some(line.page) {
                    section += 1;
                }
                state = State::Rows {
                    last_bottom: line.top,
                    min_gap: None,
                };
            }
            State::Outside => continue,
            State::AwaitingRows => {
                // Without a repeated header, only a line with a date and an amount in the columns
                // restarts the rows: page headers and notes are not transactions.
                if cells.money.is_empty() || cells.date.is_empty() {
                    continue;
                }
                state = State::Rows {
                    last_bottom: line.top,
                    min_gap: None,
                };
            }
            State::Rows {
                last_bottom,
                min_gap,
            } => {
                // A form's row of labels with no date and no amount ("Kontonummer  BLZ  Summe
                // Zahlungseingänge"): the summary box below the table, which has ended.
                if cells.date.is_empty() && cells.money.is_empty() && is_label_row(line) {
                    state = State::Outside;
                    ended_on = Some(line.page);
                    continue;
                }
                let gap = line.top - last_bottom;
                // A gap much wider than the rows so far ends the table on this page.
                let limit = min_gap.map_or(size * 4.0, |g| (g * 3.0).max(size * 1.5));
                // (Unless the line is a row by the table's shape: a blank gap between days.)
                let shaped_row = rows.binary_search(&index).is_ok();
                if gap > limit && !shaped_row {
                    state = State::Outside;
                    ended_on = Some(line.page);
                    continue;
                }
                let min_gap = if gap > limit { None } else { min_gap };
                let min_gap = match min_gap {
                    Some(g) if gap > 0.5 => Some(g.min(gap)),
                    None if gap > 0.5 => Some(gap),
                    other => other,
                };
                state = State::Rows {
                    last_bottom: line.bottom,
                    min_gap,
                };
            }
        }
        if let State::Rows { min_gap, .. } = state {
            state = State::Rows {
                last_bottom: line.bottom,
                min_gap,
            };
        }
        let mut row = read_row(&cells, line, format, order);
        row.section = section;
        if row.kind == RowKind::Closing {
            state = State::Outside;
            ended_on = Some(line.page);
        }
        table.rows.push(row);
    }
    (!table.columns.is_empty()).then_some(table)
}

fn read_row(cells: &Cells<'_>, line: &Line, format: NumberFormat, order: DateOrder) -> RawRow {
    let text: String = cells
        .text
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let vocab = crate::vocab::vocabulary();
    let kind = if matches_label(&text, &vocab.opening_rows) {
        RowKind::Opening
    } else if matches_label(&text, &vocab.closing_rows) {
        RowKind::Closing
    } else if matches_label(&text, &vocab.total_rows) && !cells.money.is_empty() {
        RowKind::Total
    } else if matches_label(&text, &vocab.daily_balance_rows) && !cells.money.is_empty() {
        RowKind::DayBalance
    } else if cells.date.is_empty()
        && !cells.money.is_empty()
        && matches_label(&text, &vocab.balance_words)
    {
        RowKind::Balance
    } else {
        RowKind::Transaction
    };
    let mut amount: Option<Decimal> = None;
    let mut amount_mark = None;
    let mut amount_role = None;
    let mut balance = None;
    let mut decimals = 0;
    for (role, p) in &cells.money {
        let Some(a) = amount_of(&p.text, format) else {
            continue;
        };
        decimals = decimals.max(a.decimals);
        if *role == Role::Balance {
            balance = Some(a.signed());
        } else {
            let mut v = money_value(*role, &a);
            amount_mark = a.sign.filter(|s| *s != SignMark::Plus).or(amount_mark);
            if let Some(credit) = cells.direction.and_then(|d| direction_of(&d.text)) {
                v = if credit { v.abs() } else { -v.abs() };
                amount_mark = Some(if credit {
                    SignMark::Credit
                } else {
                    SignMark::Debit
                });
            }
            amount = Some(amount.unwrap_or(Decimal::ZERO) + v);
            amount_role = Some(*role);
        }
    }
    RawRow {
        kind,
        date: cells.date.first().and_then(|p| parse_date(&p.text, order)),
        value_date: cells
            .value_date
            .first()
            .and_then(|p| parse_date(&p.text, order)),
        description: text,
        amount,
        amount_mark,
        amount_role,
        balance,
        decimals,
        page: line.page,
        section: 0,
    }
}

/// A transaction assembled from one or more table lines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assembled {
    pub date: Option<crate::PartialDate>,
    pub value_date: Option<crate::PartialDate>,
    pub description: String,
    pub amount: Decimal,
    pub amount_mark: Option<SignMark>,
    pub amount_role: Option<Role>,
    pub balance: Option<Decimal>,
    pub decimals: u32,
    pub page: u32,
    /// See [`RawRow::section`].
    pub section: u32,
}

/// The table's rows as transactions, plus the balances its special rows carry.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TableReading {
    pub transactions: Vec<Assembled>,
    pub opening: Option<Decimal>,
    pub closing: Option<Decimal>,
    /// "Balance of the day" rows: the balance at the end of that day.
    pub day_balances: Vec<(Option<crate::PartialDate>, Decimal)>,
}

/// Votes on where a transaction's amount sits: a text-only line followed by an undated amount
/// line is a description above its amount (amount last); one that follows an amount line and
/// precedes a new dated line continues the transaction above (amount first).
fn amount_comes_first(rows: &[RawRow]) -> bool {
    let (mut first, mut last) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        // A line of words with a balance is a balance line (carried forward...), not a
        // description's continuation: it does not vote.
        if row.kind != RowKind::Transaction
            || row.amount.is_some()
            || row.balance.is_some()
            || row.description.is_empty()
        {
            continue;
        }
        let next = rows
            .get(i + 1)
            .filter(|n| n.page == row.page && n.kind == RowKind::Transaction);
        let prev = i
            .checked_sub(1)
            .and_then(|p| rows.get(p))
            .filter(|p| p.page == row.page);
        match next {
            Some(n) if n.amount.is_some() && n.date.is_none() => last += 1,
            _ if prev.is_some_and(|p| p.amount.is_some()) && row.date.is_none() => first += 1,
            _ => {}
        }
    }
    first >= last
}

/// Joins lines into transactions. Banks put the amount on the first line of a transaction (and
/// continue its description below) or on the last (description lines above); which one is read
/// from where the dated lines carry their amounts. A date printed once per day carries over.
pub fn assemble(table: &Table) -> TableReading {
    let amount_first = amount_comes_first(&table.rows);
    let mut out = TableReading::default();
    let mut current_date = None;
    let mut pending: Vec<String> = Vec::new();
    // Each page's first and last row that moves money, found once.
    let mut moving: std::collections::HashMap<u32, (usize, usize)> = Default::default();
    for (i, r) in table.rows.iter().enumerate() {
        if r.kind == RowKind::Transaction && r.amount.is_some() {
            moving
                .entry(r.page)
                .and_modify(|(_, last)| *last = i)
                .or_insert((i, i));
        }
    }
    for (i, row) in table.rows.iter().enumerate() {
        // A line of words and a balance, no date and no amount, before a page's first
        // transaction or after its last: the opening, a brought/carried-forward or the closing
        // line, whatever its words (a language the vocabulary does not know reads the same).
        let page_edge = moving
            .get(&row.page)
            .is_none_or(|&(first, last)| i < first || i > last);
        if row.kind == RowKind::Transaction
            && row.date.is_none()
            && row.amount.is_none()
            && !row.description.is_empty()
            && page_edge
        {
            if let Some(value) = row.balance {
                if out.transactions.is_empty() {
                    out.opening = out.opening.or(Some(value));
                } else {
                    out.closing = Some(value);
                }
                pending.clear();
                continue;
            }
        }
        if row.date.is_some() {
            current_date = row.date;
        }
        match row.kind {
            RowKind::Opening => {
                if out.opening.is_none() {
                    out.opening = row.balance.or(row.amount);
                }
                pending.clear();
                continue;
            }
            RowKind::Closing => {
                out.closing = row.balance.or(row.amount).or(out.closing);
                pending.clear();
                continue;
            }
            RowKind::Total => {
                pending.clear();
                continue;
            }
            RowKind::DayBalance => {
                if let Some(value) = row.balance.or(row.amount) {
                    out.day_balances.push((row.date.or(current_date), value));
                }
                pending.clear();
                continue;
            }
            RowKind::Balance => {
                let value = row.balance.or(row.amount);
                if out.transactions.is_empty() {
                    out.opening = out.opening.or(value);
                } else {
                    out.closing = value.or(out.closing);
                }
                pending.clear();
                continue;
            }
            RowKind::Transaction => {}
        }
        match row.amount {
            Some(amount) => {
                let mut parts = std::mem::take(&mut pending);
                if !row.description.is_empty() {
                    parts.push(row.description.clone());
                }
                out.transactions.push(Assembled {
                    date: current_date,
                    value_date: row.value_date,
                    description: parts.join(" "),
                    amount,
                    amount_mark: row.amount_mark,
                    amount_role: row.amount_role,
                    balance: row.balance,
                    decimals: row.decimals,
                    page: row.page,
                    section: row.section,
                });
            }
            None if row.description.is_empty() => {
                // A balance-only line: the running balance of the transaction above.
                if let (Some(b), Some(last)) = (row.balance, out.transactions.last_mut()) {
                    if last.balance.is_none() {
                        last.balance = Some(b);
                    }
                }
            }
            None => {
                let attach_to_previous = amount_first
                    && row.date.is_none()
                    && out.transactions.last().is_some_and(|t| t.page == row.page);
                match out.transactions.last_mut() {
                    Some(last) if attach_to_previous => {
                        last.description.push(' ');
                        last.description.push_str(&row.description);
                        if last.balance.is_none() {
                            last.balance = row.balance;
                        }
                    }
                    _ => pending.push(row.description.clone()),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(text: &str, x0: f32, x1: f32) -> Phrase {
        Phrase {
            text: text.into(),
            x0,
            x1,
            font_size: 8.0,
        }
    }

    #[test]
    fn two_labels_run_together_become_two_columns() {
        let cols = label_columns(&phrase("Value Dt Withdrawal Amt.", 336.0, 438.0));
        assert_eq!(cols.len(), 2);
        assert_eq!((cols[0].role, cols[1].role), (Role::ValueDate, Role::Debit));
        assert!((cols[1].x0 - 374.0).abs() < 2.0, "{cols:?}");
        assert!(cols[0].x1 < cols[1].x0);
        let cols = label_columns(&phrase("Deposit Amt. Closing Balance", 455.0, 572.0));
        assert_eq!(cols.len(), 2);
        assert_eq!((cols[0].role, cols[1].role), (Role::Credit, Role::Balance));
        assert_eq!(cols[1].x1, 572.0);
    }

    #[test]
    fn one_label_of_several_words_stays_one_column() {
        for text in [
            "Af Bij",
            "Transaction date",
            "Transaction details",
            "Closing Balance",
        ] {
            assert_eq!(label_columns(&phrase(text, 0.0, 50.0)).len(), 1, "{text}");
        }
        assert!(label_columns(&phrase("Reference", 0.0, 50.0)).is_empty());
    }

    fn row_line(phrases: Vec<Phrase>) -> Line {
        Line {
            page: 1,
            top: 100.0,
            bottom: 108.0,
            phrases,
        }
    }

    #[test]
    fn a_date_run_into_the_description_is_split_off_and_a_day_balance_is_no_transaction() {
        let columns = vec![
            Column {
                role: Role::Date,
                x0: 31.0,
                x1: 53.0,
            },
            Column {
                role: Role::Description,
                x0: 96.0,
                x1: 160.0,
            },
            Column {
                role: Role::Amount,
                x0: 410.0,
                x1: 458.0,
            },
            Column {
                role: Role::Balance,
                x0: 516.0,
                x1: 565.0,
            },
        ];
        let order = DateOrder::DayMonthYear;
        let format = NumberFormat::COMMA;
        let glued = row_line(vec![
            phrase("22/02/2024 RSCSS SUPERMERCADO2202", 31.0, 240.0),
            phrase("-61,10", 428.0, 458.0),
        ]);
        let line = unglue_dates(&columns, &glued, order).unwrap();
        assert_eq!(line.phrases[0].text, "22/02/2024");
        assert_eq!(line.phrases[1].text, "RSCSS SUPERMERCADO2202");
        assert!(line.phrases[0].x1 < line.phrases[1].x0);
        let row = read_row(
            &split_cells(&columns, &line, format, order),
            &line,
            format,
            order,
        );
        assert_eq!(row.kind, RowKind::Transaction);
        assert!(row.date.is_some());
        assert_eq!(row.description, "RSCSS SUPERMERCADO2202");

        // Nothing glued: left alone.
        let apart = row_line(vec![
            phrase("22/02/2024", 31.0, 86.0),
            phrase("PIX", 96.0, 120.0),
        ]);
        assert!(unglue_dates(&columns, &apart, order).is_none());

        let day = row_line(vec![
            phrase("22/02/2024 SALDO DO DIA", 31.0, 169.0),
            phrase("3.917,26", 524.0, 565.0),
        ]);
        let line = unglue_dates(&columns, &day, order).unwrap();
        let row = read_row(
            &split_cells(&columns, &line, format, order),
            &line,
            format,
            order,
        );
        assert_eq!(row.kind, RowKind::DayBalance);
    }
}
