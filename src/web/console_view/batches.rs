//! The batch pages: the list with the form that opens a batch, and one batch with its diary,
//! its stamps and its scans per day.

use std::collections::{BTreeMap, HashMap};

use askama::Template;

use super::Chrome;
use crate::domain::Reason;
use crate::domain::batch::BatchStatus;
use crate::error::Code;
use crate::i18n::Lang;
use crate::web::scan_view::EventLine;

/// The words of the batch pages, in one language.
pub struct BatchTexts {
    pub batches: &'static str,
    pub new_batch: &'static str,
    pub no_batches: &'static str,
    pub need_product: &'static str,
    pub lot_code: &'static str,
    pub lot_hint: &'static str,
    pub growing_area: &'static str,
    pub no_area: &'static str,
    pub quantity: &'static str,
    pub unit: &'static str,
    pub unit_hint: &'static str,
    pub harvested_on: &'static str,
    pub produced_on: &'static str,
    pub expires_on: &'static str,
    pub statuses: [(BatchStatus, &'static str); 3],
    pub stamps_issued: &'static str,
    pub stamps_word: &'static str,
    pub most: &'static str,
    pub open: &'static str,
    pub batch_saved: &'static str,
    pub diary: &'static str,
    pub add_event: &'static str,
    pub event_kind: &'static str,
    pub occurred_at: &'static str,
    pub occurred_hint: &'static str,
    pub description: &'static str,
    pub event_quantity: &'static str,
    pub location: &'static str,
    pub reason: &'static str,
    pub inputs: &'static str,
    pub inputs_hint: &'static str,
    pub input_product: &'static str,
    pub active_ingredient: &'static str,
    pub dose: &'static str,
    pub dose_unit: &'static str,
    pub phi_days: &'static str,
    pub second_input: &'static str,
    pub photo: &'static str,
    pub photo_kept: &'static str,
    pub event_saved: &'static str,
    pub no_events: &'static str,
    pub harvest_from: &'static str,
    pub phi_breach: &'static str,
    pub chain_intact: &'static str,
    pub chain_broken: &'static str,
    pub correction: &'static str,
    pub seal: &'static str,
    pub seal_hint: &'static str,
    pub sealed_saved: &'static str,
    pub stamps: &'static str,
    pub issue_stamps: &'static str,
    pub stamp_count: &'static str,
    pub with_pin: &'static str,
    pub stamps_saved: &'static str,
    pub no_runs: &'static str,
    pub run: &'static str,
    pub label_stock: &'static str,
    pub download_pdf: &'static str,
    pub download_csv: &'static str,
    /// The lot's records for officials and partners (Circular 02 data set, EPCIS).
    pub share: &'static str,
    pub download_dataset: &'static str,
    pub download_epcis: &'static str,
    /// Trace codes (Circular 02) of the lot's product, producer and farm.
    pub trace: &'static str,
    pub trace_hint: &'static str,
    pub trace_product: &'static str,
    pub trace_producer: &'static str,
    pub trace_farm: &'static str,
    pub trace_uri: &'static str,
    pub trace_none: &'static str,
    pub trace_gtin: &'static str,
    pub trace_save: &'static str,
    pub trace_saved: &'static str,
    pub err_trace_code: &'static str,
    pub err_trace_gtin: &'static str,
    /// The push of the lot's events to the traceability portal.
    pub portal: &'static str,
    pub portal_hint: &'static str,
    pub portal_push: &'static str,
    pub portal_off: &'static str,
    pub portal_never: &'static str,
    pub portal_latest: &'static str,
    pub portal_events: &'static str,
    pub portal_attempts: &'static str,
    pub portal_saved: &'static str,
    pub print_pins: &'static str,
    pub pins_printed: &'static str,
    pub scan_chart: &'static str,
    pub total: &'static str,
    pub scans_on: &'static str,
    pub err_lot: &'static str,
    pub err_lot_taken: &'static str,
    pub err_quantity: &'static str,
    pub err_unit: &'static str,
    pub err_date: &'static str,
    pub err_future: &'static str,
    pub err_expiry: &'static str,
    pub err_area: &'static str,
    pub err_kind: &'static str,
    pub err_when: &'static str,
    pub err_text: &'static str,
    pub err_input: &'static str,
    pub err_dose: &'static str,
    pub err_phi: &'static str,
    pub err_reason: &'static str,
    pub err_photo: &'static str,
    pub err_not_accepted: &'static str,
    pub err_count: &'static str,
    pub err_recalled: &'static str,
}

pub const VI: BatchTexts = BatchTexts {
    batches: "Lô hàng",
    new_batch: "Mở lô hàng mới",
    no_batches: "Chưa có lô hàng nào.",
    need_product: "Hãy thêm sản phẩm trước khi mở lô hàng.",
    lot_code: "Mã lô",
    lot_hint: "Chữ in hoa, số, dấu gạch; ví dụ GAO-2026-11",
    growing_area: "Vùng trồng",
    no_area: "— Không có (sản phẩm không trồng trọt) —",
    quantity: "Số lượng",
    unit: "Đơn vị",
    unit_hint: "Ví dụ: kg, hũ, chai",
    harvested_on: "Ngày thu hoạch",
    produced_on: "Ngày sản xuất",
    expires_on: "Hạn sử dụng",
    statuses: [
        (BatchStatus::Open, "Đang sản xuất"),
        (BatchStatus::Sealed, "Đã đóng lô"),
        (BatchStatus::Recalled, "Đã thu hồi"),
    ],
    stamps_issued: "tem đã phát hành",
    stamps_word: "tem",
    most: "cao nhất",
    open: "Mở",
    batch_saved: "Đã mở lô hàng. Hãy ghi nhật ký sản xuất bên dưới.",
    diary: "Nhật ký sản xuất",
    add_event: "Ghi nhật ký",
    event_kind: "Công việc",
    occurred_at: "Thời gian",
    occurred_hint: "Giờ Việt Nam; để trống là bây giờ",
    description: "Mô tả (không bắt buộc)",
    event_quantity: "Số lượng (không bắt buộc)",
    location: "Địa điểm (không bắt buộc)",
    reason: "Lý do (bắt buộc khi thu hồi)",
    inputs: "Vật tư đã dùng",
    inputs_hint: "Phân bón, thuốc bảo vệ thực vật: chọn tên đã dùng trước để điền sẵn",
    input_product: "Tên thương mại",
    active_ingredient: "Hoạt chất",
    dose: "Liều lượng",
    dose_unit: "Đơn vị liều",
    phi_days: "Thời gian cách ly (ngày)",
    second_input: "Thêm vật tư thứ hai",
    photo: "Ảnh (chụp bằng điện thoại, không bắt buộc)",
    photo_kept: "Ảnh đã tải lên được giữ lại và sẽ gắn vào mục này.",
    event_saved: "Đã ghi vào nhật ký.",
    no_events: "Nhật ký chưa có mục nào.",
    harvest_from: "Chưa được thu hoạch trước",
    phi_breach: "Thu hoạch khi chưa hết thời gian cách ly của",
    chain_intact: "Chuỗi nhật ký nguyên vẹn",
    chain_broken: "Chuỗi nhật ký không khớp: có bản ghi đã bị thay đổi!",
    correction: "Đính chính",
    seal: "Đóng lô",
    seal_hint: "Khi đã đóng gói xong: lô đóng chỉ nhận kiểm tra, chứng nhận, vận chuyển, thu hồi và ghi chú.",
    sealed_saved: "Đã đóng lô.",
    stamps: "Tem truy xuất",
    issue_stamps: "Phát hành tem",
    stamp_count: "Số tem",
    with_pin: "Kèm mã PIN cào (chỉ in được một lần)",
    stamps_saved: "Đã phát hành tem. Tải tờ nhãn để in.",
    no_runs: "Chưa phát hành tem nào.",
    run: "Đợt",
    label_stock: "Khổ giấy nhãn",
    download_pdf: "Tải tờ nhãn PDF",
    download_csv: "Tải CSV cho nhà in",
    share: "Chia sẻ dữ liệu truy xuất",
    download_dataset: "Bộ dữ liệu theo Thông tư 02/2024/TT-BKHCN (.xlsx)",
    download_epcis: "Tài liệu EPCIS 2.0 cho đối tác (.jsonld)",
    trace: "Mã truy vết",
    trace_hint: "Nhập mã truy vết (TCVN 13274:2020) cho những gì chưa có mã: GLN của cơ sở, mã riêng của sản phẩm chưa có GTIN. Mã GS1 viết dạng (01)… hoặc (414)…; mã riêng gồm 3–48 chữ không dấu và số, nối bằng - . /",
    trace_product: "Mã truy vết sản phẩm",
    trace_producer: "Mã truy vết địa điểm (cơ sở sản xuất)",
    trace_farm: "Mã truy vết địa điểm (trang trại)",
    trace_uri: "chưa nhập: đang dùng địa chỉ định danh của hệ thống",
    trace_none: "chưa nhập",
    trace_gtin: "theo mã GTIN của sản phẩm",
    trace_save: "Lưu mã",
    trace_saved: "Đã lưu mã truy vết.",
    err_trace_code: "Mã chưa đúng định dạng: mã GS1 như (01)08934588012228 hoặc (414)8934588000010 (đúng số kiểm tra), hoặc mã riêng 3–48 ký tự gồm chữ không dấu và số, nối bằng - . /",
    err_trace_gtin: "Sản phẩm đã có mã GTIN; mã truy vết là mã GTIN đó.",
    portal: "Cổng truy xuất nguồn gốc",
    portal_hint: "Gửi các sự kiện EPCIS của lô mà cổng chưa có; gửi lại chỉ gửi phần mới hoặc đã sửa.",
    portal_push: "Gửi lên cổng",
    portal_off: "Dịch vụ chưa được cấu hình để gửi lên cổng truy xuất (liên hệ quản trị viên).",
    portal_never: "Lô này chưa được gửi lên cổng.",
    portal_latest: "Lần gửi gần nhất",
    portal_events: "sự kiện đã được cổng nhận",
    portal_attempts: "lần thử",
    portal_saved: "Đã xếp lô vào hàng gửi lên cổng; trạng thái hiện bên dưới.",
    print_pins: "In kèm mã PIN (một lần)",
    pins_printed: "Mã PIN đã được in lúc",
    scan_chart: "Lượt quét mỗi ngày (30 ngày qua)",
    total: "Tổng",
    scans_on: "lượt quét ngày",
    err_lot: "Mã lô gồm 1–20 ký tự: chữ không dấu, số, dấu - . / _ (không khoảng trắng).",
    err_lot_taken: "Sản phẩm này đã có lô với mã này.",
    err_quantity: "Nhập số lượng lớn hơn 0, ví dụ 1200 hoặc 12,5.",
    err_unit: "Nhập đơn vị, từ 1 đến 32 ký tự.",
    err_date: "Nhập ngày hợp lệ.",
    err_future: "Ngày này ở tương lai.",
    err_expiry: "Hạn sử dụng phải sau ngày sản xuất và thu hoạch.",
    err_area: "Chọn một vùng trồng đang hoạt động của tổ chức bạn.",
    err_kind: "Chọn công việc.",
    err_when: "Nhập thời gian hợp lệ, không ở tương lai.",
    err_text: "Nội dung quá dài.",
    err_input: "Tên vật tư từ 1 đến 200 ký tự; vật tư chỉ ghi cho bón phân hoặc phun thuốc.",
    err_dose: "Liều lượng là một số lớn hơn 0.",
    err_phi: "Thời gian cách ly từ 0 đến 365 ngày.",
    err_reason: "Thu hồi cần ghi lý do.",
    err_photo: "Ảnh không đọc được: hãy gửi ảnh JPEG, PNG hoặc WebP.",
    err_not_accepted: "Lô ở trạng thái này không nhận công việc này.",
    err_count: "Số tem từ 1 đến 1.000.000.",
    err_recalled: "Lô đã thu hồi không được phát hành tem.",
};

pub const EN: BatchTexts = BatchTexts {
    batches: "Batches",
    new_batch: "Open a new batch",
    no_batches: "No batches yet.",
    need_product: "Add a product before opening a batch.",
    lot_code: "Lot code",
    lot_hint: "Capitals, digits and dashes, e.g. GAO-2026-11",
    growing_area: "Growing area",
    no_area: "— None (not a crop) —",
    quantity: "Quantity",
    unit: "Unit",
    unit_hint: "For example: kg, jar, bottle",
    harvested_on: "Harvested on",
    produced_on: "Produced on",
    expires_on: "Best before",
    statuses: [
        (BatchStatus::Open, "In production"),
        (BatchStatus::Sealed, "Sealed"),
        (BatchStatus::Recalled, "Recalled"),
    ],
    stamps_issued: "stamps issued",
    stamps_word: "stamps",
    most: "most",
    open: "Open",
    batch_saved: "Batch opened. Record its production diary below.",
    diary: "Production diary",
    add_event: "Add to the diary",
    event_kind: "What was done",
    occurred_at: "When",
    occurred_hint: "Vietnam time; leave empty for now",
    description: "Description (optional)",
    event_quantity: "Quantity (optional)",
    location: "Place (optional)",
    reason: "Reason (required for a recall)",
    inputs: "Inputs applied",
    inputs_hint: "Fertiliser, pesticide: pick a name used before to fill the rest",
    input_product: "Trade name",
    active_ingredient: "Active ingredient",
    dose: "Dose",
    dose_unit: "Dose unit",
    phi_days: "Pre-harvest interval (days)",
    second_input: "A second input",
    photo: "Photo (from the phone's camera, optional)",
    photo_kept: "The uploaded photo is kept and will be attached to this entry.",
    event_saved: "Recorded in the diary.",
    no_events: "The diary is empty.",
    harvest_from: "Do not harvest before",
    phi_breach: "Harvested inside the pre-harvest interval of",
    chain_intact: "Diary chain intact",
    chain_broken: "The diary chain does not match: a record was changed!",
    correction: "Correction",
    seal: "Seal the batch",
    seal_hint: "When packing is done: a sealed batch takes only inspections, certificates, shipping, recalls and notes.",
    sealed_saved: "Batch sealed.",
    stamps: "Traceability stamps",
    issue_stamps: "Issue stamps",
    stamp_count: "Number of stamps",
    with_pin: "With scratch PINs (printable once only)",
    stamps_saved: "Stamps issued. Download the label sheets to print.",
    no_runs: "No stamps issued yet.",
    run: "Run",
    label_stock: "Label stock",
    download_pdf: "Download label sheets (PDF)",
    download_csv: "Download CSV for printers",
    share: "Share traceability data",
    download_dataset: "Data set of Circular 02/2024/TT-BKHCN (.xlsx)",
    download_epcis: "EPCIS 2.0 document for partners (.jsonld)",
    trace: "Trace codes",
    trace_hint: "Enter trace codes (TCVN 13274:2020) where none is registered: the premises' GLN, a code of your own for a product without a GTIN. GS1 codes are written (01)… or (414)…; your own codes have 3–48 Latin letters and digits, joined by - . /",
    trace_product: "Product trace code",
    trace_producer: "Location trace code (producer's premises)",
    trace_farm: "Location trace code (farm)",
    trace_uri: "not entered: the system's identifier is used",
    trace_none: "not entered",
    trace_gtin: "from the product's GTIN",
    trace_save: "Save code",
    trace_saved: "The trace code is saved.",
    err_trace_code: "The code is not in a trace code format: a GS1 code such as (01)08934588012228 or (414)8934588000010 (with a right check digit), or a code of your own of 3–48 Latin letters and digits joined by - . /",
    err_trace_gtin: "The product has a GTIN; its trace code is that GTIN.",
    portal: "Traceability portal",
    portal_hint: "Sends the lot's EPCIS events the portal does not have; sending again sends only what is new or corrected.",
    portal_push: "Send to the portal",
    portal_off: "The service is not set up to send to a traceability portal (ask the administrator).",
    portal_never: "This lot has not been sent to the portal.",
    portal_latest: "Latest push",
    portal_events: "events accepted by the portal",
    portal_attempts: "attempts",
    portal_saved: "The lot is queued for the portal; its status shows below.",
    print_pins: "Print with PINs (once)",
    pins_printed: "PINs printed at",
    scan_chart: "Scans per day (last 30 days)",
    total: "Total",
    scans_on: "scans on",
    err_lot: "A lot code is 1–20 characters: letters without accents, digits, - . / _ (no spaces).",
    err_lot_taken: "This product already has a batch with this code.",
    err_quantity: "Give a quantity above 0, e.g. 1200 or 12.5.",
    err_unit: "Give a unit of 1 to 32 characters.",
    err_date: "Give a valid date.",
    err_future: "This date is in the future.",
    err_expiry: "Best before must come after production and harvest.",
    err_area: "Choose an active growing area of your organization.",
    err_kind: "Choose what was done.",
    err_when: "Give a valid time, not in the future.",
    err_text: "This text is too long.",
    err_input: "An input's name is 1 to 200 characters; inputs belong to fertilizing or spraying.",
    err_dose: "A dose is a number above 0.",
    err_phi: "A pre-harvest interval is 0 to 365 days.",
    err_reason: "A recall needs a reason.",
    err_photo: "The photo cannot be read: send a JPEG, PNG or WebP picture.",
    err_not_accepted: "A batch in this state does not take this kind of entry.",
    err_count: "From 1 to 1,000,000 stamps.",
    err_recalled: "A recalled batch cannot get stamps.",
};

pub fn batch_texts(lang: Lang) -> &'static BatchTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl BatchTexts {
    /// A status in words.
    pub fn status(&self, status: BatchStatus) -> &'static str {
        self.statuses
            .iter()
            .find(|(k, _)| *k == status)
            .map_or("", |(_, v)| v)
    }
}

/// The batch form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct BatchForm {
    pub product_id: String,
    pub lot_code: String,
    pub growing_area_id: String,
    pub quantity: String,
    pub unit: String,
    pub harvested_on: String,
    pub produced_on: String,
    pub expires_on: String,
}

pub struct BatchRow {
    pub id: String,
    pub lot: String,
    pub product: String,
    pub status: BatchStatus,
    pub status_label: &'static str,
    pub quantity: String,
    pub stamps_issued: i64,
}

#[derive(Template)]
#[template(path = "console/batches.html")]
pub struct BatchesPage {
    pub c: Chrome,
    pub b: &'static BatchTexts,
    pub organization: String,
    pub rows: Vec<BatchRow>,
    /// (id, name) of the organization's products.
    pub products: Vec<(String, String)>,
    /// (id, "code · crop · farm") of its active growing areas.
    pub areas: Vec<(String, String)>,
    pub form: BatchForm,
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: bool,
}

impl BatchesPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

/// One input row of the diary form, as typed.
#[derive(Debug, Default, Clone)]
pub struct InputForm {
    pub product: String,
    pub active_ingredient: String,
    pub dose: String,
    pub dose_unit: String,
    pub phi_days: String,
}

/// The diary form as typed. Read from a multipart body (it carries the photo), field by field.
#[derive(Debug, Default, Clone)]
pub struct EventForm {
    pub kind: String,
    pub occurred_at: String,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub location: String,
    pub reason: String,
    pub inputs: [InputForm; 2],
    /// The sha256 of a photo already uploaded with an earlier try of this form.
    pub photo: String,
    /// The entry's idempotency key: made when the form is shown (or by the phone for an entry
    /// kept offline), so that the same entry sent twice is recorded once.
    pub idempotency_key: String,
}

impl EventForm {
    /// What the entry asks, to refuse its key sent again with another entry.
    pub fn request(&self) -> String {
        let inputs: Vec<_> = self
            .inputs
            .iter()
            .map(|i| {
                format!(
                    "{}|{}|{}|{}|{}",
                    i.product, i.active_ingredient, i.dose, i.dose_unit, i.phi_days
                )
            })
            .collect();
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.kind,
            self.occurred_at,
            self.description,
            self.quantity,
            self.unit,
            self.location,
            self.reason,
            self.photo,
            inputs.join("|")
        )
    }
}

/// How many inputs the form offers.
pub const FORM_INPUTS: usize = 2;

impl EventForm {
    /// The form from its fields: `in0_product`, `in1_dose`… for the inputs.
    pub fn from_fields(f: &HashMap<String, String>) -> Self {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let input = |i: usize| InputForm {
            product: get(&format!("in{i}_product")),
            active_ingredient: get(&format!("in{i}_active_ingredient")),
            dose: get(&format!("in{i}_dose")),
            dose_unit: get(&format!("in{i}_dose_unit")),
            phi_days: get(&format!("in{i}_phi_days")),
        };
        Self {
            kind: get("kind"),
            occurred_at: get("occurred_at"),
            description: get("description"),
            quantity: get("quantity"),
            unit: get("unit"),
            location: get("location"),
            reason: get("reason"),
            inputs: [input(0), input(1)],
            photo: get("photo_sha256"),
            idempotency_key: get("idempotency_key"),
        }
    }
}

/// The kinds a person picks from, most frequent first; `certification` is the registry's.
pub const KINDS: [&str; 11] = [
    "planting",
    "fertilizing",
    "spraying",
    "irrigating",
    "harvesting",
    "processing",
    "packing",
    "inspection",
    "shipping",
    "note",
    "recall",
];

pub struct RunRow {
    pub id: String,
    pub number: usize,
    pub count: i64,
    pub first: i64,
    pub last: i64,
    pub created: String,
    pub with_pin: bool,
    pub pins_printed: Option<String>,
}

/// A diary entry (with the food-safety warnings it raised, `line.phi_warnings`).
pub struct Entry {
    pub line: EventLine,
}

/// Scans per day as bars of an inline SVG (no script, no third-party code).
pub struct ScanChart {
    pub bars: Vec<Bar>,
    pub total: u64,
    pub max: u64,
    pub first_day: String,
    pub last_day: String,
}

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub title: String,
}

/// Chart drawing area: 30 bars of 10 units in a 300 × 100 box.
const CHART_HEIGHT: u32 = 100;
const BAR_STEP: u32 = 10;

impl ScanChart {
    pub fn of(days: &[(chrono::NaiveDate, u64)], lang: Lang, scans_on: &str) -> Self {
        let max = days.iter().map(|d| d.1).max().unwrap_or(0);
        let bars = days
            .iter()
            .enumerate()
            .map(|(i, (day, n))| {
                // Tall enough to see a single scan; the top scan fills the box.
                let height = if max == 0 || *n == 0 {
                    0
                } else {
                    ((n * u64::from(CHART_HEIGHT)).div_ceil(max)).max(2) as u32
                };
                Bar {
                    x: i as u32 * BAR_STEP + 1,
                    y: CHART_HEIGHT - height,
                    height,
                    title: format!("{n} {scans_on} {}", lang.date(*day)),
                }
            })
            .collect();
        Self {
            bars,
            total: days.iter().map(|d| d.1).sum(),
            max,
            first_day: days.first().map(|d| lang.date(d.0)).unwrap_or_default(),
            last_day: days.last().map(|d| lang.date(d.0)).unwrap_or_default(),
        }
    }

    pub fn width(&self) -> u32 {
        self.bars.len() as u32 * BAR_STEP
    }
}

#[derive(Template)]
#[template(path = "console/batch.html")]
pub struct BatchPage {
    pub c: Chrome,
    pub b: &'static BatchTexts,
    pub id: String,
    pub lot: String,
    pub product: String,
    pub status: BatchStatus,
    pub status_label: &'static str,
    pub quantity: String,
    /// "code · crop" of its growing area.
    pub area: Option<String>,
    /// (label, date) of the dates it has.
    pub dates: Vec<(&'static str, String)>,
    pub intact: bool,
    /// Newest first.
    pub entries: Vec<Entry>,
    /// The last moment an applied input's pre-harvest interval forbids harvesting, when it is
    /// still ahead.
    pub harvest_from: Option<String>,
    /// (value, label) of the event kinds.
    pub kinds: Vec<(&'static str, &'static str)>,
    /// Inputs used before: (trade name, active ingredient, dose unit, PHI days).
    pub known_inputs: Vec<(String, String, String, String)>,
    pub event: EventForm,
    /// The diary form's idempotency key: the one typed entry's, else a new one.
    pub event_key: String,
    pub runs: Vec<RunRow>,
    /// (id, name) of the label stocks.
    pub stocks: Vec<(String, String)>,
    pub stamp_count: String,
    pub chart: ScanChart,
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: Option<&'static str>,
    /// Whether the person's role records diaries and stamps (an inspector only reads).
    pub can_write: bool,
    /// The traceability portal, when the service has one.
    pub portal: Option<PortalState>,
    /// The lot's trace codes: product, producer, farm.
    pub trace_rows: Vec<TraceRow>,
    /// (field, text) of a trace code that was refused, to show again.
    pub trace_typed: Option<(&'static str, String)>,
}

/// One trace code of the lot, as the data set gives it, and whether it may be entered here.
pub struct TraceRow {
    /// `product`, `organization` or `farm` (the form's `subject`).
    pub subject: &'static str,
    /// `trace.{subject}`: where its error goes.
    pub field: &'static str,
    pub label: &'static str,
    /// The code the data set uses, or empty.
    pub code: String,
    /// Why there is no code of its own: our URI is used, or it comes from the GTIN.
    pub note: Option<&'static str>,
    pub can_set: bool,
}

/// Where the lot stands with the traceability portal.
pub struct PortalState {
    pub latest: Option<PortalLine>,
    /// Whether the person may push (manages the registry).
    pub can_push: bool,
}

/// The latest push: its status in words, when, how many events, its last error.
pub struct PortalLine {
    pub status: &'static str,
    pub when: String,
    pub events: i32,
    pub attempts: i32,
    pub error: Option<String>,
}

impl BatchPage {
    /// Whether the notice of what was saved belongs to the share section (shown there, where
    /// the page opens after it) rather than the top.
    pub fn saved_in_share(&self) -> bool {
        self.saved
            .is_some_and(|s| s == self.b.trace_saved || s == self.b.portal_saved)
    }

    /// What to show in a trace code's input: what was typed when it was refused, else the
    /// code entered.
    pub fn trace_value(&self, row: &TraceRow) -> String {
        match &self.trace_typed {
            Some((field, typed)) if *field == row.field => typed.clone(),
            _ if row.note.is_some() => String::new(),
            _ => row.code.clone(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }

    /// Whether the errors shown belong to the stamp form (`stamps.` fields) or the diary's
    /// (a trace code's, `trace.`, show at their own form).
    pub fn has_errors(&self, stamps: bool) -> bool {
        self.errors
            .keys()
            .filter(|k| !k.starts_with("trace."))
            .any(|k| k.starts_with("stamps.") == stamps)
    }

    pub fn is_open(&self) -> bool {
        self.status == BatchStatus::Open
    }

    pub fn is_recalled(&self) -> bool {
        self.status == BatchStatus::Recalled
    }
}

/// The message for a batch field's problem (`code` from the domain's parsers).
pub fn batch_error(b: &'static BatchTexts, field: &str, code: Reason) -> &'static str {
    match (field, code) {
        ("lot_code", _) => b.err_lot,
        ("quantity", _) => b.err_quantity,
        ("unit", _) => b.err_unit,
        (_, Reason::DateInFuture) => b.err_future,
        ("expires_on", _) => b.err_expiry,
        ("growing_area_id", _) => b.err_area,
        _ => b.err_date,
    }
}

/// What a refused diary entry says: the batch's status not accepting it in the diary's words,
/// anything else in the code's own.
pub fn conflict_message(b: &'static BatchTexts, code: Code, lang: Lang) -> &'static str {
    match code {
        Code::BatchStatusRejectsEvent => b.err_not_accepted,
        other => other.text(lang),
    }
}

/// The message for a diary field's problem; input fields are named `in0_product`…
pub fn event_error(b: &'static BatchTexts, field: &str, code: Reason) -> &'static str {
    match (field, code) {
        (_, Reason::RecallReasonRequired) => b.err_reason,
        ("occurred_at", _) => b.err_when,
        (f, _) if f.ends_with("_dose") => b.err_dose,
        (f, _) if f.ends_with("_phi_days") => b.err_phi,
        (f, _) if f.starts_with("in") => b.err_input,
        ("quantity", _) => b.err_quantity,
        ("photo", _) => b.err_photo,
        _ => b.err_text,
    }
}

/// A label stock as a phone can show it in one line of a choice: "A4 · 65 nhãn 38,1 × 21,2 mm"
/// (its shipped name carries both languages and was cut off at 360 px).
pub fn stock_name(t: &crate::print::Template, lang: Lang) -> String {
    let paper = if (t.page_width_mm - 210.0).abs() < 0.5 && (t.page_height_mm - 297.0).abs() < 0.5 {
        "A4".to_owned()
    } else {
        format!(
            "{} × {} mm",
            lang.number(t.page_width_mm),
            lang.number(t.page_height_mm)
        )
    };
    let labels = match lang {
        Lang::Vi => "nhãn",
        Lang::En => "labels",
    };
    format!(
        "{paper} · {} {labels} {} × {} mm",
        t.columns * t.rows,
        lang.number(t.label_width_mm),
        lang.number(t.label_height_mm)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_day_fills_the_chart_and_a_single_scan_shows() {
        let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let days: Vec<_> = first
            .iter_days()
            .take(30)
            .enumerate()
            .map(|(i, d)| (d, if i == 3 { 200 } else { u64::from(i == 4) }))
            .collect();
        let chart = ScanChart::of(&days, Lang::En, "scans on");
        assert_eq!(chart.total, 201);
        assert_eq!(chart.bars[3].height, CHART_HEIGHT);
        assert_eq!(chart.bars[3].y, 0);
        assert_eq!(chart.bars[4].height, 2);
        assert_eq!(chart.bars[0].height, 0);
        assert_eq!(chart.bars[29].x, 291);
        assert_eq!(chart.bars[3].title, "200 scans on 4 Nov 2026");
        assert_eq!(chart.width(), 300);
    }
}
