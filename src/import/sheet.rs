//! A spreadsheet read into text cells: the first worksheet of an `.xlsx` file, or a `.csv`
//! file (UTF-8, with or without a byte-order mark, comma or semicolon separated, as Excel in
//! Vietnamese saves it).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader};
use serde::{Deserialize, Serialize};

/// Most data rows one import takes: a commune's farms or a season's diary fit many times over.
pub const MAX_ROWS: usize = 2000;
/// Most columns read.
const MAX_COLUMNS: usize = 40;
/// Longest cell kept, in characters (longer cells are refused by the row checks anyway).
const MAX_CELL: usize = 5000;
/// Most bytes any one part of a workbook (a sheet, the shared strings, the styles) may unpack
/// to. A 2,000-row sheet of 40 columns is a few MB of XML; a container's declared sizes are
/// never trusted, the bytes are counted as they inflate.
pub const MAX_PART_BYTES: u64 = 12 << 20;
/// Most bytes all parts of a workbook together may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 32 << 20;
/// Most parts (files inside the ZIP container) a workbook may hold.
const MAX_PARTS: usize = 500;

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
    /// A workbook part, or all of them, unpack to more than the limits allow: a ZIP bomb or
    /// a sheet far beyond an import's rows.
    #[error("the workbook's part {0} unpacks past the limits: {part} MiB a part, {all} MiB in all", part = MAX_PART_BYTES >> 20, all = MAX_UNPACKED_BYTES >> 20)]
    TooLarge(String),
}

impl Sheet {
    /// Reads an upload, by its content: a ZIP container is a workbook, anything else CSV.
    /// [`read`](Self::read) through [`crate::heavy`]: reading a workbook is CPU work, a
    /// reader that panics on a malformed file costs that file, not the caller, and only a
    /// few are read at once.
    pub async fn read_apart(bytes: Vec<u8>) -> Result<Sheet, SheetError> {
        crate::heavy::run(move || Sheet::read(&bytes))
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

    /// Lines with their line numbers, as read; blank lines are dropped here.
    fn from_lines(lines: Vec<(usize, Vec<String>)>) -> Result<Sheet, SheetError> {
        let mut numbered = lines
            .into_iter()
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

/// Counts what every part of the container unpacks to, reading it (never its declared size),
/// and refuses the file past [`MAX_PART_BYTES`] a part, [`MAX_UNPACKED_BYTES`] in all or
/// [`MAX_PARTS`] parts. Reading stops at the limit, so a bomb costs at most that much CPU.
fn check_container(bytes: &[u8]) -> Result<(), SheetError> {
    let workbook = |e: zip::result::ZipError| SheetError::Workbook(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(workbook)?;
    if zip.len() > MAX_PARTS {
        return Err(SheetError::TooLarge(format!("{} parts", zip.len())));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(workbook)?;
        let name: String = part
            .name()
            .map_or_else(|_| format!("#{i}"), |n| n.chars().take(100).collect());
        let allowed = MAX_PART_BYTES.min(MAX_UNPACKED_BYTES - total);
        let read = std::io::copy(&mut part.take(allowed + 1), &mut std::io::sink())
            .map_err(|e| SheetError::Workbook(format!("{name}: {e}")))?;
        if read > allowed {
            return Err(SheetError::TooLarge(name));
        }
        total += read;
    }
    Ok(())
}

/// The first worksheet's cells, streamed: a sheet's declared dimension and the distance
/// between its cells are never trusted (one cell at XFD1048576 would otherwise make a
/// 17-billion-cell grid). Columns past [`MAX_COLUMNS`] are skipped, and reading stops as soon
/// as there are more non-empty rows than an import takes.
fn xlsx_lines(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
    check_container(bytes)?;
    let workbook = |e: calamine::XlsxError| SheetError::Workbook(e.to_string());
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(workbook)?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(SheetError::Empty)?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(workbook)?;
    let mut lines: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(workbook)? {
        let (row, column) = cell.get_position();
        let column = column as usize;
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        if !lines.contains_key(&row) && lines.len() > MAX_ROWS {
            return Err(SheetError::TooManyRows(lines.len()));
        }
        let line = lines.entry(row).or_default();
        if line.len() <= column {
            line.resize(column + 1, String::new());
        }
        line[column] = text;
    }
    Ok(lines
        .into_iter()
        .map(|(row, cells)| (row as usize + 1, cells))
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

fn csv_lines(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
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
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| SheetError::Unreadable)?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // The header and MAX_ROWS data rows are all an import takes.
        if out.len() > MAX_ROWS {
            return Err(SheetError::TooManyRows(out.len()));
        }
        let cells = record.iter().take(MAX_COLUMNS).map(|c| clip(c.to_owned()));
        out.push((i + 1, cells.collect()));
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

    fn hostile(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
        std::fs::read(path.join(name)).unwrap()
    }

    #[test]
    fn a_declared_dimension_and_a_far_cell_are_not_a_grid_to_allocate() {
        // One cell at XFD1048576 made a 17-billion-cell range before; now the far column is
        // skipped and the row is kept with its real line number.
        let s = Sheet::read(&hostile("xlsx-dimension-bomb.xlsx")).unwrap();
        assert_eq!(s.headers, ["Tên trang trại", "Địa chỉ"]);
        assert_eq!(
            s.rows,
            [(1_048_576, vec!["Vườn xa".into(), "Ea Tul".into()])]
        );
    }

    #[test]
    fn parts_that_inflate_past_the_limits_are_refused_by_what_they_unpack_to() {
        assert_eq!(
            Sheet::read(&hostile("xlsx-shared-strings-bomb.xlsx")),
            Err(SheetError::TooLarge("xl/sharedStrings.xml".into()))
        );
        assert_eq!(
            Sheet::read(&hostile("xlsx-million-rows.xlsx")),
            Err(SheetError::TooLarge("xl/worksheets/sheet1.xml".into()))
        );
    }

    #[test]
    fn rows_past_the_limit_stop_the_reading() {
        assert_eq!(
            Sheet::read(&hostile("xlsx-5000-rows.xlsx")),
            Err(SheetError::TooManyRows(MAX_ROWS + 1))
        );
        // Blank records do not count, nor hide the rows after them.
        let csv = format!("a\n{}x\n", ",\n".repeat(MAX_ROWS + 5));
        let s = Sheet::read(csv.as_bytes()).unwrap();
        assert_eq!(s.rows, [(MAX_ROWS + 7, vec!["x".into()])]);
    }

    #[test]
    fn a_truncated_or_mislabelled_workbook_is_unreadable_not_a_crash() {
        assert!(matches!(
            Sheet::read(&hostile("xlsx-truncated.xlsx")),
            Err(SheetError::Workbook(_))
        ));
        assert_eq!(
            Sheet::read(&hostile("mislabelled-png.xlsx")),
            Err(SheetError::Unreadable)
        );
    }
}
