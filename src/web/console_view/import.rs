//! The import page: choose what to import, download a template, upload a spreadsheet, see
//! every row checked with each bad cell flagged, then write all of it or nothing.

use askama::Template;

use super::batches::{batch_texts, conflict_message, event_error};
use super::{Chrome, area_error, farm_error, texts};
use crate::i18n::Lang;
use crate::import::rows::{Checked, Flag, LayoutError};
use crate::import::{Kind, SheetError};

pub struct ImportTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub what: &'static str,
    pub kinds: [(&'static str, &'static str, &'static str); 3],
    pub template: &'static str,
    pub file: &'static str,
    pub check: &'static str,
    pub preview: &'static str,
    pub line: &'static str,
    pub all_good: &'static str,
    pub some_bad: &'static str,
    pub nothing_written: &'static str,
    pub confirm: &'static str,
    pub imported: &'static str,
    pub rows_word: &'static str,
    pub err_file: &'static str,
    pub err_empty: &'static str,
    pub err_too_many: &'static str,
    pub err_too_large: &'static str,
    pub err_missing: &'static str,
    pub err_kind: &'static str,
    pub err_no_rows: &'static str,
    pub err_no_farm: &'static str,
    pub err_repeated: &'static str,
    pub err_no_lot: &'static str,
    pub err_lot_ambiguous: &'static str,
    pub err_changed: &'static str,
    pub err_scope: &'static str,
    pub err_required: &'static str,
}

pub const VI: ImportTexts = ImportTexts {
    title: "Nhập từ bảng tính",
    intro: "Tải lên tệp Excel (.xlsx) hoặc CSV. Mỗi dòng được kiểm tra trước; chỉ khi mọi dòng đều đúng thì mới ghi, và ghi tất cả cùng một lúc.",
    what: "Loại dữ liệu",
    kinds: [
        ("farms", "Trang trại", "Tên, địa chỉ, mã xã, vĩ độ, kinh độ"),
        (
            "growing-areas",
            "Mã số vùng trồng",
            "Trang trại (theo tên), mã, phạm vi, thị trường, cây trồng, diện tích",
        ),
        (
            "diary",
            "Nhật ký sản xuất",
            "Mã lô, công việc, thời gian, vật tư và thời gian cách ly",
        ),
    ],
    template: "Tải tệp mẫu",
    file: "Tệp (.xlsx hoặc .csv)",
    check: "Kiểm tra tệp",
    preview: "Kết quả kiểm tra",
    line: "Dòng",
    all_good: "dòng, tất cả đều hợp lệ.",
    some_bad: "dòng có lỗi, trên tổng số",
    nothing_written: "Chưa ghi gì. Hãy sửa các ô được đánh dấu trong tệp rồi tải lên lại.",
    confirm: "Ghi tất cả",
    imported: "Đã nhập",
    rows_word: "dòng",
    err_file: "Không đọc được tệp: hãy gửi tệp .xlsx hoặc .csv (UTF-8).",
    err_empty: "Tệp không có dòng tiêu đề.",
    err_too_many: "Tệp có quá nhiều dòng: tối đa 2000 dòng mỗi lần.",
    err_too_large: "Tệp giải nén ra quá lớn (quá 12 MB một phần, 32 MB tất cả): một bảng tính 2000 dòng nhỏ hơn nhiều. Hãy lưu lại tệp chỉ với trang cần nhập.",
    err_missing: "Tệp thiếu cột:",
    err_kind: "Chọn loại dữ liệu.",
    err_no_rows: "Tệp không có dòng dữ liệu nào.",
    err_no_farm: "Tổ chức không có trang trại tên này.",
    err_repeated: "Giá trị này lặp lại ở dòng khác trong tệp.",
    err_no_lot: "Không có lô hàng với mã này.",
    err_lot_ambiguous: "Nhiều sản phẩm có lô mang mã này; hãy nhập qua trang lô hàng.",
    err_changed: "Dữ liệu đã thay đổi trong lúc nhập nên chưa ghi gì. Hãy xem kết quả kiểm tra mới.",
    err_scope: "Phạm vi là \u{201c}nội địa\u{201d} (domestic) hoặc \u{201c}xuất khẩu\u{201d} (export).",
    err_required: "Ô này không được để trống.",
};

pub const EN: ImportTexts = ImportTexts {
    title: "Import from a spreadsheet",
    intro: "Upload an Excel (.xlsx) or CSV file. Every row is checked first; only when every row is right is anything written, and then all of it at once.",
    what: "What to import",
    kinds: [
        (
            "farms",
            "Farms",
            "Name, address, commune code, latitude, longitude",
        ),
        (
            "growing-areas",
            "Growing-area codes",
            "Farm (by name), code, scope, market, crop, area",
        ),
        (
            "diary",
            "Production diary",
            "Lot code, kind, time, inputs with their pre-harvest interval",
        ),
    ],
    template: "Download the template",
    file: "File (.xlsx or .csv)",
    check: "Check the file",
    preview: "What the check found",
    line: "Line",
    all_good: "rows, all of them valid.",
    some_bad: "rows have mistakes, out of",
    nothing_written: "Nothing was written. Fix the flagged cells in the file and upload it again.",
    confirm: "Write them all",
    imported: "Imported",
    rows_word: "rows",
    err_file: "The file cannot be read: send an .xlsx or a .csv (UTF-8) file.",
    err_empty: "The file has no header row.",
    err_too_many: "The file has too many rows: at most 2000 per import.",
    err_too_large: "The file unpacks to too much data (over 12 MB a part, 32 MB in all); a 2000-row sheet is far smaller. Save the file again with only the sheet to import.",
    err_missing: "Columns missing from the file:",
    err_kind: "Choose what to import.",
    err_no_rows: "The file has no data rows.",
    err_no_farm: "Your organization has no farm of this name.",
    err_repeated: "This value is repeated on another line of the file.",
    err_no_lot: "No batch has this lot code.",
    err_lot_ambiguous: "Several products have a batch with this code; record it on the batch's page.",
    err_changed: "Records changed during the import, so nothing was written. See the new check.",
    err_scope: "Scope is \u{201c}domestic\u{201d} or \u{201c}export\u{201d}.",
    err_required: "This cell must not be empty.",
};

impl ImportTexts {
    /// What a problem with the file as a whole says.
    pub fn sheet_problem(&self, e: &SheetError) -> &'static str {
        match e {
            SheetError::Unreadable | SheetError::Workbook(_) => self.err_file,
            SheetError::Empty => self.err_empty,
            SheetError::TooManyRows(_) => self.err_too_many,
            SheetError::TooLarge(_) => self.err_too_large,
        }
    }
}

pub fn import_texts(lang: Lang) -> &'static ImportTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

pub struct CellView {
    pub value: String,
    pub error: Option<&'static str>,
}

pub struct RowView {
    pub line: usize,
    pub cells: Vec<CellView>,
}

impl RowView {
    pub fn is_bad(&self) -> bool {
        self.cells.iter().any(|c| c.error.is_some())
    }
}

/// A checked sheet: its columns, its rows with their flags, and (when every row is good) the
/// sheet to send back for writing.
pub struct Preview {
    pub columns: Vec<&'static str>,
    pub rows: Vec<RowView>,
    pub sheet_json: Option<String>,
}

impl Preview {
    /// A checked sheet in `lang`: each flag becomes its message.
    pub fn of(checked: &Checked, lang: Lang) -> Preview {
        let kind = checked.kind;
        let keys: Vec<&'static str> = kind.columns().iter().map(|c| c.key).collect();
        Preview {
            columns: keys.iter().map(|k| header(kind, k, lang)).collect(),
            rows: checked
                .rows
                .iter()
                .map(|row| RowView {
                    line: row.line,
                    cells: row
                        .cells
                        .iter()
                        .zip(&keys)
                        .map(|(value, key)| CellView {
                            value: value.clone(),
                            error: row.flags.get(key).map(|f| flag_message(kind, key, f, lang)),
                        })
                        .collect(),
                })
                .collect(),
            sheet_json: None,
        }
    }

    pub fn bad(&self) -> usize {
        self.rows.iter().filter(|r| r.is_bad()).count()
    }
}

/// What a flag on `column` of a `kind` sheet says in `lang`.
pub fn flag_message(kind: Kind, column: &str, flag: &Flag, lang: Lang) -> &'static str {
    let (t, i, b) = (texts(lang), import_texts(lang), batch_texts(lang));
    match flag {
        Flag::Required => i.err_required,
        Flag::NotANumber => match column {
            "area_ha" => t.err_area,
            "quantity" => b.err_quantity,
            "dose" => b.err_dose,
            _ => t.err_number,
        },
        Flag::NotWholeDays => b.err_phi,
        Flag::NoFarm => i.err_no_farm,
        Flag::Scope => i.err_scope,
        Flag::Repeated => i.err_repeated,
        Flag::CodeTaken => t.err_code_taken,
        Flag::NoLot => i.err_no_lot,
        Flag::LotAmbiguous => i.err_lot_ambiguous,
        Flag::Kind => b.err_kind,
        Flag::When => b.err_when,
        Flag::NotAccepted => b.err_not_accepted,
        Flag::InputMissing => b.err_input,
        Flag::Invalid(code) => match kind {
            Kind::Farms => farm_error(t, column, *code),
            Kind::GrowingAreas => area_error(t, column, *code),
            Kind::Diary => {
                // The diary page's form names the first input's fields `in0_…`.
                let form_field = match column {
                    "input" => "in0_product",
                    "dose" => "in0_dose",
                    "phi_days" => "in0_phi_days",
                    other => other,
                };
                event_error(b, form_field, *code)
            }
        },
        Flag::Conflict(code) => conflict_message(b, *code, lang),
        Flag::Refused => match kind {
            Kind::Farms => t.err_name,
            Kind::GrowingAreas => t.err_code,
            Kind::Diary => b.err_text,
        },
    }
}

/// What is wrong with a sheet as a whole, in `lang`.
pub fn layout_problem(kind: Kind, e: &LayoutError, lang: Lang) -> String {
    let i = import_texts(lang);
    match e {
        LayoutError::Missing(keys) => {
            let names: Vec<&str> = keys.iter().map(|k| header(kind, k, lang)).collect();
            format!("{} {}", i.err_missing, names.join(", "))
        }
        LayoutError::NoRows => i.err_no_rows.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "console/import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub i: &'static ImportTexts,
    pub kind: String,
    /// A problem with the file as a whole.
    pub error: Option<String>,
    pub preview: Option<Preview>,
    /// Rows just written.
    pub imported: Option<usize>,
}

impl ImportPage {
    pub fn kind_name(&self) -> &'static str {
        self.i
            .kinds
            .iter()
            .find(|k| k.0 == self.kind)
            .map_or("", |k| k.1)
    }
}

/// A column's header in the page's language.
pub fn header(kind: Kind, key: &str, lang: Lang) -> &'static str {
    kind.columns()
        .iter()
        .find(|c| c.key == key)
        .map_or("", |c| match lang {
            Lang::Vi => c.vi,
            Lang::En => c.en,
        })
}
