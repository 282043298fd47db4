//! Spreadsheet import: what each kind of import reads (its columns, named in Vietnamese or
//! English) and where those columns are in a sheet. Reading the file is [`sheet`]; checking
//! and writing the rows, with the API's own request parsers and services, is [`rows`], used by
//! the console (`http::console::import`) and the `import` command.

pub mod rows;
pub mod sheet;

use std::collections::HashMap;

pub use sheet::{Sheet, SheetError};

/// What a spreadsheet brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Farms,
    GrowingAreas,
    Diary,
}

/// One column an import reads.
#[derive(Debug)]
pub struct Column {
    /// The API's field name, also accepted as a header.
    pub key: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub required: bool,
    /// A value for the template file's example row.
    pub example: &'static str,
}

const fn col(
    key: &'static str,
    vi: &'static str,
    en: &'static str,
    required: bool,
    example: &'static str,
) -> Column {
    Column {
        key,
        vi,
        en,
        required,
        example,
    }
}

pub const FARM_COLUMNS: [Column; 5] = [
    col("name", "Tên trang trại", "Farm name", true, "Vườn ông Ba"),
    col(
        "address",
        "Địa chỉ",
        "Address",
        true,
        "Thôn 3, xã Ea Tul, Cư M'gar, Đắk Lắk",
    ),
    col("commune_code", "Mã xã", "Commune code", false, "24277"),
    col("latitude", "Vĩ độ", "Latitude", false, "12.79"),
    col("longitude", "Kinh độ", "Longitude", false, "108.12"),
];

pub const AREA_COLUMNS: [Column; 6] = [
    col("farm", "Trang trại", "Farm", true, "Vườn ông Ba"),
    col(
        "code",
        "Mã số vùng trồng",
        "Growing-area code",
        true,
        "VN-66-650-24370-01-21",
    ),
    col("scope", "Phạm vi", "Scope", false, "domestic"),
    col("target_market", "Thị trường", "Target market", false, ""),
    col("crop", "Cây trồng", "Crop", true, "cà phê"),
    col("area_ha", "Diện tích (ha)", "Area (ha)", false, "2.5"),
];

pub const DIARY_COLUMNS: [Column; 13] = [
    col("lot_code", "Mã lô", "Lot code", true, "GAO-2026-11"),
    col("kind", "Công việc", "Kind", true, "spraying"),
    col("occurred_at", "Thời gian", "When", true, "2026-11-20 07:30"),
    col(
        "description",
        "Mô tả",
        "Description",
        false,
        "Phun phòng rầy nâu",
    ),
    col("input", "Vật tư", "Input", false, "Anvil 5SC"),
    col(
        "active_ingredient",
        "Hoạt chất",
        "Active ingredient",
        false,
        "Hexaconazole",
    ),
    col("dose", "Liều lượng", "Dose", false, "1.5"),
    col("dose_unit", "Đơn vị liều", "Dose unit", false, "ml/l"),
    col(
        "phi_days",
        "Thời gian cách ly (ngày)",
        "Pre-harvest interval (days)",
        false,
        "7",
    ),
    col("quantity", "Số lượng", "Quantity", false, ""),
    col("unit", "Đơn vị", "Unit", false, ""),
    col("location", "Địa điểm", "Place", false, ""),
    col("reason", "Lý do", "Reason", false, ""),
];

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "farms" => Some(Kind::Farms),
            "growing-areas" => Some(Kind::GrowingAreas),
            "diary" => Some(Kind::Diary),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Farms => "farms",
            Kind::GrowingAreas => "growing-areas",
            Kind::Diary => "diary",
        }
    }

    pub const ALL: [Kind; 3] = [Kind::Farms, Kind::GrowingAreas, Kind::Diary];

    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Farms => &FARM_COLUMNS,
            Kind::GrowingAreas => &AREA_COLUMNS,
            Kind::Diary => &DIARY_COLUMNS,
        }
    }
}

/// A header as compared: lower case, single spaces, without a trailing `*` (required mark).
fn normalize(s: &str) -> String {
    s.trim()
        .trim_end_matches('*')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Where each of an import's columns is in a sheet.
#[derive(Debug)]
pub struct Layout {
    kind: Kind,
    at: HashMap<&'static str, usize>,
}

impl Layout {
    /// Finds the columns by their headers (the key, or the Vietnamese or English name), or
    /// names the required columns that are missing.
    pub fn of(kind: Kind, headers: &[String]) -> Result<Layout, Vec<&'static Column>> {
        let headers: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let mut at = HashMap::new();
        let mut missing = Vec::new();
        for c in kind.columns() {
            let names = [c.key, c.vi, c.en].map(normalize);
            match headers
                .iter()
                .position(|h| !h.is_empty() && names.contains(h))
            {
                Some(i) => {
                    at.insert(c.key, i);
                }
                None if c.required => missing.push(c),
                None => {}
            }
        }
        if missing.is_empty() {
            Ok(Layout { kind, at })
        } else {
            Err(missing)
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// A row's cell for a column, trimmed; empty when the sheet lacks the column or the cell.
    pub fn cell<'a>(&self, row: &'a [String], key: &str) -> &'a str {
        self.at
            .get(key)
            .and_then(|i| row.get(*i))
            .map_or("", |s| s.trim())
    }
}

/// A template file for an import: the headers in `vi` or English, one example row; CSV with
/// a byte-order mark so that Excel reads it as UTF-8.
pub fn template_csv(kind: Kind, vietnamese: bool) -> String {
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    (*c).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let headers = kind
        .columns()
        .iter()
        .map(|c| if vietnamese { c.vi } else { c.en })
        .collect();
    let example = kind.columns().iter().map(|c| c.example).collect();
    format!("\u{feff}{}\r\n{}\r\n", line(headers), line(example))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_any_of_their_names_in_any_order() {
        let headers = ["  địa chỉ ", "Farm name", "Mã xã*", "ghi chú"].map(String::from);
        let layout = Layout::of(Kind::Farms, &headers).unwrap();
        let row = ["Ea Tul", "Vườn ông Ba", "24277"].map(String::from);
        assert_eq!(layout.cell(&row, "name"), "Vườn ông Ba");
        assert_eq!(layout.cell(&row, "address"), "Ea Tul");
        assert_eq!(layout.cell(&row, "commune_code"), "24277");
        assert_eq!(layout.cell(&row, "latitude"), "");
    }

    #[test]
    fn missing_required_columns_are_named() {
        let headers = ["Tên trang trại".to_owned()];
        let missing = Layout::of(Kind::Farms, &headers).unwrap_err();
        assert_eq!(
            missing.iter().map(|c| c.key).collect::<Vec<_>>(),
            ["address"]
        );
    }

    #[test]
    fn the_template_is_read_back_as_its_own_kind() {
        for kind in Kind::ALL {
            for vi in [true, false] {
                let text = template_csv(kind, vi);
                let sheet = Sheet::read(text.as_bytes()).unwrap();
                let layout = Layout::of(kind, &sheet.headers).unwrap();
                assert_eq!(sheet.rows.len(), 1);
                let first = &kind.columns()[0];
                assert_eq!(layout.cell(&sheet.rows[0].1, first.key), first.example);
            }
        }
    }
}
