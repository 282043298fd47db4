//! A spreadsheet read into text cells: the first worksheet of an `.xlsx` file, or a `.csv`
//! file (UTF-8, with or without a byte-order mark, comma or semicolon separated, as Excel in
//! Vietnamese saves it).

use std::io::Cursor;

use calamine::{Data, Reader};
use serde::{Deserialize, Serialize};

/// Most data rows one import takes: a commune's farms or a season's diary fit many times over.
pub const MAX_ROWS: usize = 2000;
/// Most columns read.
const MAX_COLUMNS: usize = 40;
/// Longest cell kept, in characters (longer cells are refused by the row checks anyway).
const MAX_CELL: usize = 5000;

/// Headers and data rows as text; empty rows are dropped, each row keeps its line number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// (line number in the file, 1-based as a spreadsheet shows it, cells).
    pub rows: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    #[error("the file is neither an .xlsx workbook nor UTF-8 CSV text")]
    Unreadable,
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    #[error("the file has no header row")]
    Empty,
    #[error("the file has {0} data rows; at most {MAX_ROWS} per import")]
    TooManyRows(usize),
}

impl Sheet {
    /// Reads an upload, by its content: a ZIP container is a workbook, anything else CSV.
    /// [`read`](Self::read) on a blocking thread: reading a workbook is CPU work, and a reader
    /// that panics on a malformed file costs that file, not the caller.
    pub async fn read_apart(bytes: Vec<u8>) -> Result<Sheet, SheetError> {
        tokio::task::spawn_blocking(move || Sheet::read(&bytes))
            .await
            .unwrap_or(Err(SheetError::Unreadable))
    }

    pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
        let lines = if bytes.starts_with(b"PK\x03\x04") {
            xlsx_lines(bytes)?
        } else {
            csv_lines(bytes)?
        };
        Self::from_lines(lines)
    }

    /// A sheet that came back from a page (the preview's "write them all" form) holds no more
    /// than a file may: at most [`MAX_ROWS`] rows, 40 columns and 5,000 characters a cell.
    pub fn within_limits(self) -> Result<Sheet, SheetError> {
        if self.rows.len() > MAX_ROWS {
            return Err(SheetError::TooManyRows(self.rows.len()));
        }
        let cells = std::iter::once(&self.headers).chain(self.rows.iter().map(|(_, r)| r));
        for row in cells {
            if row.len() > MAX_COLUMNS || row.iter().any(|c| c.chars().count() > MAX_CELL) {
                return Err(SheetError::Unreadable);
            }
        }
        Ok(self)
    }

    fn from_lines(lines: Vec<Vec<String>>) -> Result<Sheet, SheetError> {
        let mut numbered = lines
            .into_iter()
            .enumerate()
            .map(|(i, cells)| (i + 1, cells))
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
        let (_, headers) = numbered.next().ok_or(SheetError::Empty)?;
        let rows: Vec<(usize, Vec<String>)> = numbered.collect();
        if rows.len() > MAX_ROWS {
            return Err(SheetError::TooManyRows(rows.len()));
        }
        Ok(Sheet {
            headers: headers.into_iter().map(|h| h.trim().to_owned()).collect(),
            rows,
        })
    }
}

fn clip(mut s: String) -> String {
    if let Some((at, _)) = s.char_indices().nth(MAX_CELL) {
        s.truncate(at);
    }
    s
}

fn xlsx_lines(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let workbook = |e: calamine::XlsxError| SheetError::Workbook(e.to_string());
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(workbook)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(SheetError::Empty)?
        .map_err(workbook)?;
    Ok(range
        .rows()
        .take(MAX_ROWS + 2)
        .map(|r| r.iter().take(MAX_COLUMNS).map(cell_text).collect())
        .collect())
}

/// A cell as a person typed it: whole numbers without `.0`, dates as `2026-11-24` and times
/// as `2026-11-24 07:30`.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => clip(s.clone()),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => d.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn csv_lines(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SheetError::Unreadable)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Excel set to Vietnamese (a comma is the decimal point) separates with semicolons.
    let first = text.lines().next().unwrap_or_default();
    let separator = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records().take(MAX_ROWS + 2) {
        let record = record.map_err(|_| SheetError::Unreadable)?;
        out.push(
            record
                .iter()
                .take(MAX_COLUMNS)
                .map(|c| clip(c.to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_from_excel_in_vietnamese_is_read_with_its_line_numbers() {
        let text = "\u{feff}Tên;Địa chỉ;Vĩ độ\r\nVườn ông Ba;Ea Tul;12,79\r\n;;\r\n\"Vườn; bà Tư\";Cư M'gar;\r\n";
        let s = Sheet::read(text.as_bytes()).unwrap();
        assert_eq!(s.headers, ["Tên", "Địa chỉ", "Vĩ độ"]);
        assert_eq!(s.rows.len(), 2, "the empty line is dropped");
        assert_eq!(
            s.rows[0],
            (
                2,
                vec!["Vườn ông Ba".into(), "Ea Tul".into(), "12,79".into()]
            )
        );
        assert_eq!(s.rows[1].0, 4);
        assert_eq!(s.rows[1].1[0], "Vườn; bà Tư");
    }

    #[test]
    fn a_workbook_is_read_with_numbers_and_dates_as_typed() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Mã xã").unwrap();
        sheet.write_string(0, 1, "Ngày").unwrap();
        sheet.write_string(0, 2, "Liều").unwrap();
        sheet.write_number(1, 0, 24370.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 24).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        sheet
            .write_datetime_with_format(1, 1, &date, &format)
            .unwrap();
        sheet.write_number(1, 2, 1.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let s = Sheet::read(&bytes).unwrap();
        assert_eq!(s.headers, ["Mã xã", "Ngày", "Liều"]);
        assert_eq!(
            s.rows,
            [(2, vec!["24370".into(), "2026-11-24".into(), "1.5".into()])]
        );
    }

    #[test]
    fn what_is_not_a_sheet_is_refused_plainly() {
        assert_eq!(
            Sheet::read(&[0xff, 0xfe, 0x00]),
            Err(SheetError::Unreadable)
        );
        assert!(matches!(
            Sheet::read(b"PK\x03\x04 broken"),
            Err(SheetError::Workbook(_))
        ));
        assert_eq!(Sheet::read(b"\n\n"), Err(SheetError::Empty));
        let many = format!("a\n{}", "x\n".repeat(MAX_ROWS + 1));
        assert_eq!(
            Sheet::read(many.as_bytes()),
            Err(SheetError::TooManyRows(MAX_ROWS + 1))
        );
    }

    #[test]
    fn a_sheet_sent_back_is_held_to_the_limits_of_a_file() {
        let ok = Sheet::read(b"a,b\n1,2\n").unwrap();
        assert!(ok.clone().within_limits().is_ok());
        let mut wide = ok.clone();
        wide.rows[0].1 = vec![String::new(); MAX_COLUMNS + 1];
        assert_eq!(wide.within_limits(), Err(SheetError::Unreadable));
        let mut long = ok.clone();
        long.rows[0].1[0] = "x".repeat(MAX_CELL + 1);
        assert_eq!(long.within_limits(), Err(SheetError::Unreadable));
        let mut many = ok;
        many.rows = vec![(2, vec!["1".into()]); MAX_ROWS + 1];
        assert_eq!(
            many.within_limits(),
            Err(SheetError::TooManyRows(MAX_ROWS + 1))
        );
    }
}
