//! Spreadsheets in and out for every capability that imports or exports a table (the needs
//! ledger, the resource database): bounded reading of uploaded .xlsx/.csv, a capped error
//! report, and writing that a spreadsheet program cannot mistake for formulas.
//!
//! An upload is untrusted: a sheet may declare cells at XFD1048576, a 30 KB archive may unzip
//! to gigabytes, and a CSV may hold a million rows. So an archive is first unzipped into a sink
//! with a budget, a sheet is read as a stream of cells (never as a dense grid of its declared
//! extent), every row, column and cell counts against [`Limits`] and the first one past a limit
//! stops the reading, and parsing runs on the blocking pool, one file at a time, so uploads
//! never stall the async runtime that answers everyone else.

use crate::AppError;
use std::io::Read;
use wushe_domain::FieldError;

/// A sheet as rows of text cells; the first row of the file holds the headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Labels shown in cells (status, channel…); the web layer passes its catalogue so the file
/// reads like the pages.
pub type Labels<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// How a column is written to .xlsx: text, a number, or a local date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Number,
    /// `YYYY-MM-DD HH:MM:SS` (local time) written as an Excel date with a date format.
    Time,
    /// `YYYY-MM-DD` written as an Excel date.
    Date,
}

/// What an upload may hold. The defaults fit a community's real ledger with room to spare
/// (S社区's is 1,200 rows × 17 columns; a street's 100,000 rows would still pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_rows: usize,
    pub max_columns: usize,
    pub max_cells: usize,
    /// Bytes all parts of an .xlsx archive may unzip to.
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_rows: 100_000, max_columns: 64, max_cells: 2_000_000, max_unzipped_bytes: 256 * 1024 * 1024 }
    }
}

/// The limit a file went past, with the configured value, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLarge {
    Rows(usize),
    Columns(usize),
    Cells(usize),
    Unzipped(u64),
}

impl TooLarge {
    /// Message key; the message takes the limit as its one argument.
    pub fn key(&self) -> &'static str {
        match self {
            TooLarge::Rows(_) => "errors.import.too_many_rows",
            TooLarge::Columns(_) => "errors.import.too_many_columns",
            TooLarge::Cells(_) => "errors.import.too_many_cells",
            TooLarge::Unzipped(_) => "errors.import.unzipped_too_large",
        }
    }
    pub fn limit(&self) -> u64 {
        match *self {
            TooLarge::Rows(n) | TooLarge::Columns(n) | TooLarge::Cells(n) => n as u64,
            TooLarge::Unzipped(n) => n / (1024 * 1024),
        }
    }
}

/// One problem in an imported file: its row (as numbered in the spreadsheet, header = 1),
/// its column header, and the message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub key: &'static str,
}

/// The problems of a file: the first [`RowErrors::SHOWN`] and how many there were in all, so
/// a file of a million bad rows answers with a short report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    pub first: Vec<RowError>,
    pub total: usize,
}

impl RowErrors {
    pub const SHOWN: usize = 200;

    pub fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.first.len() < Self::SHOWN {
            self.first.push(e);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
    pub fn one(e: RowError) -> Self {
        let mut r = RowErrors::default();
        r.push(e);
        r
    }
}

#[derive(Debug)]
pub enum ImportError {
    /// Some cells are wrong; nothing was written.
    Rows(RowErrors),
    /// The file is past a limit; it was not read further and nothing was written.
    TooLarge(TooLarge),
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::App(e)
    }
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::App(e.into())
    }
}

fn unreadable() -> ImportError {
    ImportError::App(FieldError::new("file", "errors.import.unreadable").into())
}

/// What an import did: rows added, and rows skipped because they were already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub skipped: usize,
}

/// Parses an upload on the blocking pool, one file at a time for the whole process (a parse
/// may take a core for seconds; the other stays free for requests).
pub async fn parse(bytes: Vec<u8>, limits: Limits) -> Result<Table, ImportError> {
    static ONE_AT_A_TIME: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let gate = ONE_AT_A_TIME.get_or_init(|| tokio::sync::Semaphore::new(1));
    let _permit = gate.acquire().await.map_err(|_| AppError::Internal("sheet parser closed".into()))?;
    tokio::task::spawn_blocking(move || read(&bytes, &limits))
        .await
        .map_err(|e| AppError::Internal(format!("sheet parser: {e}")))?
}

/// Reads an .xlsx (first sheet) or .csv (UTF-8, BOM optional) within `limits`.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Table, ImportError> {
    let mut grid = Grid::new(limits);
    if bytes.starts_with(b"PK") {
        read_xlsx(bytes, limits, &mut grid)?;
    } else {
        read_csv(bytes, &mut grid)?;
    }
    let mut rows = grid.rows;
    rows.retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    if rows.is_empty() {
        return Err(AppError::from(FieldError::new("file", "errors.import.empty")).into());
    }
    let headers = rows.remove(0).into_iter().map(|h| h.trim().to_string()).collect();
    Ok(Table { headers, rows })
}

/// Rows gathered under the limits; a cell past a limit stops the reading.
struct Grid<'a> {
    limits: &'a Limits,
    rows: Vec<Vec<String>>,
    cells: usize,
}

impl<'a> Grid<'a> {
    fn new(limits: &'a Limits) -> Self {
        Grid { limits, rows: Vec::new(), cells: 0 }
    }

    /// `row` 0 is the header row, so data rows may number `max_rows`.
    fn put(&mut self, row: usize, col: usize, value: String) -> Result<(), ImportError> {
        if row > self.limits.max_rows {
            return Err(ImportError::TooLarge(TooLarge::Rows(self.limits.max_rows)));
        }
        if col >= self.limits.max_columns {
            return Err(ImportError::TooLarge(TooLarge::Columns(self.limits.max_columns)));
        }
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(ImportError::TooLarge(TooLarge::Cells(self.limits.max_cells)));
        }
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let r = &mut self.rows[row];
        if r.len() <= col {
            r.resize(col + 1, String::new());
        }
        r[col] = value;
        Ok(())
    }
}

/// Unzips every part into a sink with one budget for the archive, so a zip bomb is refused
/// after at most `max_unzipped_bytes` of work and nothing it holds is ever kept in memory.
/// The sizes an archive declares are not trusted: the bytes are counted as they come out.
fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), ImportError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > 10_000 {
        return Err(unreadable());
    }
    let mut left = limits.max_unzipped_bytes;
    let mut head = Vec::with_capacity(4096);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| unreadable())?;
        head.clear();
        (&mut part).take(4096.min(left + 1)).read_to_end(&mut head).map_err(|_| unreadable())?;
        // Office Open XML allows no document type declarations; one in an upload is there to
        // define entities (billion laughs, external files), so the file is refused.
        if head.windows(9).any(|w| w.eq_ignore_ascii_case(b"<!DOCTYPE")) || head.windows(8).any(|w| w == b"<!ENTITY") {
            return Err(unreadable());
        }
        let budget = left.saturating_sub(head.len() as u64);
        let rest = std::io::copy(&mut (&mut part).take(budget + 1), &mut std::io::sink()).map_err(|_| unreadable())?;
        let n = head.len() as u64 + rest;
        if n > left {
            return Err(ImportError::TooLarge(TooLarge::Unzipped(limits.max_unzipped_bytes)));
        }
        left -= n;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], limits: &Limits, grid: &mut Grid<'_>) -> Result<(), ImportError> {
    use calamine::{DataRef, Reader, Xlsx};
    check_archive(bytes, limits)?;
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    let first = wb.sheet_names().into_iter().next().ok_or_else(unreadable)?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(|_| unreadable())?;
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
        let (row, col) = cell.get_position();
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => match excel_time(d.as_f64()) {
                // A date cell without a time of day reads back as the date alone.
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => d.to_string(),
            },
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::Error(e) => e.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        grid.put(row as usize, col as usize, text)?;
    }
    Ok(())
}

/// An Excel date serial (days since 1899-12-30, the fraction the time of day) to the second.
fn excel_time(serial: f64) -> Option<chrono::NaiveDateTime> {
    if !(0.0..=73_051.0).contains(&serial) {
        return None;
    }
    let seconds = (serial * 86_400.0).round() as i64;
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    epoch.checked_add_signed(chrono::TimeDelta::seconds(seconds))
}

fn read_csv(bytes: &[u8], grid: &mut Grid<'_>) -> Result<(), ImportError> {
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|_| unreadable())?;
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    while r.read_record(&mut record).map_err(|_| unreadable())? {
        for (col, value) in record.iter().enumerate() {
            if !value.is_empty() {
                grid.put(row, col, defused(value).to_string())?;
            }
        }
        row += 1;
    }
    Ok(())
}

/// Characters that make a spreadsheet program read a CSV cell as a formula (OWASP's list).
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Whether a text, after any leading apostrophes, starts like a formula.
fn formula_like(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A CSV cell that no spreadsheet program runs: one that would start a formula gets a
/// leading apostrophe (and so does one that only looks neutralised already, so that reading
/// it back with [`defused`] is exact).
pub fn neutralised(s: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(s) { format!("'{s}").into() } else { s.into() }
}

/// Undoes [`neutralised`] on a cell read from a CSV.
fn defused(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => s,
    }
}

/// UTF-8 with a byte-order mark (spreadsheet programs then read the Chinese correctly),
/// records ending in CRLF (RFC 4180), formula-like cells neutralised.
pub fn to_csv(t: &Table) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(t.headers.iter().map(|h| neutralised(h).into_owned())).map_err(io)?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| neutralised(c).into_owned())).map_err(io)?;
    }
    w.into_inner().map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// An .xlsx of one sheet: bold frozen headers with a filter; numbers and dates as typed cells
/// where `kinds` says so and the text parses, everything else a string cell (never a formula).
pub fn to_xlsx(t: &Table, sheet: &str, kinds: &[ColumnKind]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(x)?;
    let bold = Format::new().set_bold();
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(x)?;
        let wide = kinds.get(c).is_some_and(|k| matches!(k, ColumnKind::Time));
        ws.set_column_width(c as u16, if wide { 20 } else { 16 }).map_err(x)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let col = c as u16;
            if v.is_empty() {
                continue;
            }
            let kind = kinds.get(c).copied().unwrap_or(ColumnKind::Text);
            let number = if kind == ColumnKind::Number { v.parse::<f64>().ok() } else { None };
            let when = if matches!(kind, ColumnKind::Time | ColumnKind::Date) {
                ExcelDateTime::parse_from_str(v).ok()
            } else {
                None
            };
            match (number, when) {
                (Some(n), _) => ws.write_number(r, col, n).map(|_| ()),
                (_, Some(d)) => ws
                    .write_datetime_with_format(r, col, &d, if kind == ColumnKind::Time { &time } else { &date })
                    .map(|_| ()),
                _ => ws.write_string(r, col, v).map(|_| ()),
            }
            .map_err(x)?;
        }
    }
    if !t.headers.is_empty() {
        ws.autofilter(0, 0, t.rows.len() as u32, t.headers.len() as u16 - 1).map_err(x)?;
        ws.set_freeze_panes(1, 0).map_err(x)?;
    }
    wb.save_to_buffer().map_err(x)
}

/// Local times in sheets are China Standard Time; times before 1900 or after 2100 are refused
/// (a spreadsheet's 9999-12-31 is a typing slip, not a date a ledger can print).
pub fn parse_time(raw: &str) -> Option<i64> {
    use chrono::{Datelike, NaiveDateTime, TimeZone};
    let tz = crate::clock::local();
    let t = raw.trim();
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(9, 0, 0)))
        .filter(|n| (1900..=2100).contains(&n.year()))
        .and_then(|n| tz.from_local_datetime(&n).single())
        .map(|d| d.timestamp_millis())
}

/// A stored time as a sheet shows it (China Standard Time).
pub fn time_text(ms: i64) -> String {
    let tz = crate::clock::local();
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralising_round_trips_and_defuses_formulas() {
        for s in ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-5", "@SUM(A1)", "\tx", "'=x", "''+y"] {
            let n = neutralised(s);
            assert!(n.starts_with('\''), "{s:?} must be neutralised, got {n:?}");
            assert_eq!(defused(&n), s);
        }
        for s in ["plain", "'quoted", "1栋3楼", ""] {
            assert_eq!(neutralised(s), s);
            assert_eq!(defused(s), s);
        }
    }

    #[test]
    fn csv_records_end_in_crlf_and_formulas_are_text() {
        let t = Table { headers: vec!["a".into(), "b".into()], rows: vec![vec!["=1+1".into(), "x".into()]] };
        let out = String::from_utf8(to_csv(&t).unwrap()).unwrap();
        assert_eq!(out, "\u{feff}a,b\r\n'=1+1,x\r\n");
        let back = read(out.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn a_csv_past_a_limit_is_refused_by_that_limit() {
        let limits = Limits { max_rows: 3, max_columns: 2, max_cells: 8, ..Limits::default() };
        let rows = |n: usize| (0..n).map(|i| format!("{i},x\n")).collect::<String>();
        assert!(read(rows(4).as_bytes(), &limits).is_ok(), "a header and 3 rows fit");
        assert!(matches!(read(rows(5).as_bytes(), &limits), Err(ImportError::TooLarge(TooLarge::Rows(3)))));
        let limits = Limits { max_rows: 100, max_columns: 2, max_cells: 5, ..Limits::default() };
        assert!(matches!(read(rows(4).as_bytes(), &limits), Err(ImportError::TooLarge(TooLarge::Cells(5)))));
        assert!(matches!(read(b"a,b,c\n", &limits), Err(ImportError::TooLarge(TooLarge::Columns(2)))));
    }

    #[test]
    fn the_error_report_keeps_the_first_two_hundred_and_counts_all() {
        let mut e = RowErrors::default();
        for row in 0..1_000_000 {
            e.push(RowError { row, column: "标题".into(), key: "errors.required" });
        }
        assert_eq!(e.first.len(), RowErrors::SHOWN);
        assert_eq!(e.total, 1_000_000);
    }

    #[test]
    fn times_outside_1900_to_2100_are_refused() {
        assert!(parse_time("9999-12-31 00:00:00").is_none());
        assert!(parse_time("1899-12-31").is_none());
        assert!(parse_time("2100-12-31 23:59").is_some());
        assert_eq!(time_text(parse_time("2026-12-02 03:36:10").unwrap()), "2026-12-02 03:36:10");
    }
}
