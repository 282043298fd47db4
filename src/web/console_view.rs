//! The producer console's pages (sign-in, dashboard, farms) and their words in Vietnamese and
//! English. Pure: views built from records and rendered by askama from `templates/console/`.

use std::collections::BTreeMap;

use askama::Template;

use super::i18n::Lang;

/// Every word of the console, in one language.
pub struct ConsoleTexts {
    pub title: &'static str,
    pub switch_to: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub login: &'static str,
    pub login_hint: &'static str,
    pub password: &'static str,
    pub bad_credentials: &'static str,
    pub too_many: &'static str,
    pub expired: &'static str,
    pub dashboard: &'static str,
    pub farms: &'static str,
    pub farm_count: &'static str,
    pub open_batches: &'static str,
    pub no_open_batches: &'static str,
    pub lot: &'static str,
    pub product: &'static str,
    pub expiring: &'static str,
    pub no_expiring: &'static str,
    pub valid_until: &'static str,
    pub recent_scans: &'static str,
    pub no_scans: &'static str,
    pub scans: &'static str,
    pub suspected_copy: &'static str,
    pub new_farm: &'static str,
    pub farm_name: &'static str,
    pub address: &'static str,
    pub commune_code: &'static str,
    pub commune_hint: &'static str,
    pub latitude: &'static str,
    pub longitude: &'static str,
    pub coordinates_hint: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub fix_errors: &'static str,
    pub map: &'static str,
    pub no_farms: &'static str,
    pub err_name: &'static str,
    pub err_address: &'static str,
    pub err_commune: &'static str,
    pub err_number: &'static str,
    pub err_coordinate: &'static str,
    pub err_pair: &'static str,
    pub forbidden: &'static str,
}

pub const VI: ConsoleTexts = ConsoleTexts {
    title: "Quản lý truy xuất OCOP",
    switch_to: "English",
    sign_in: "Đăng nhập",
    sign_out: "Đăng xuất",
    login: "Email hoặc số điện thoại",
    login_hint: "Ví dụ: htx@example.vn hoặc 0912345678",
    password: "Mật khẩu",
    bad_credentials: "Email/số điện thoại hoặc mật khẩu không đúng.",
    too_many: "Bạn đã thử quá nhiều lần. Vui lòng đợi một phút rồi thử lại.",
    expired: "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
    dashboard: "Tổng quan",
    farms: "Vùng sản xuất / trang trại",
    farm_count: "Số trang trại",
    open_batches: "Lô hàng đang sản xuất",
    no_open_batches: "Chưa có lô hàng nào đang mở.",
    lot: "Lô",
    product: "Sản phẩm",
    expiring: "Chứng nhận OCOP sắp hết hạn (90 ngày tới)",
    no_expiring: "Không có chứng nhận nào sắp hết hạn.",
    valid_until: "hiệu lực đến",
    recent_scans: "Lượt quét tem 7 ngày qua",
    no_scans: "Chưa có lượt quét nào trong 7 ngày qua.",
    scans: "lượt quét",
    suspected_copy: "Nghi tem giả",
    new_farm: "Thêm trang trại",
    farm_name: "Tên trang trại",
    address: "Địa chỉ",
    commune_code: "Mã xã (5 chữ số, không bắt buộc)",
    commune_hint: "Mã đơn vị hành chính cấp xã, ví dụ 24370",
    latitude: "Vĩ độ",
    longitude: "Kinh độ",
    coordinates_hint: "Không bắt buộc; nhập cả hai, ví dụ 12.79 và 108.12",
    save: "Lưu",
    saved: "Đã lưu trang trại.",
    fix_errors: "Vui lòng sửa các ô được đánh dấu.",
    map: "Bản đồ",
    no_farms: "Chưa có trang trại nào.",
    err_name: "Nhập tên, từ 1 đến 200 ký tự.",
    err_address: "Nhập địa chỉ, từ 1 đến 500 ký tự.",
    err_commune: "Mã xã gồm đúng 5 chữ số.",
    err_number: "Nhập một số, ví dụ 12.79.",
    err_coordinate: "Tọa độ nằm ngoài phạm vi cho phép.",
    err_pair: "Nhập cả vĩ độ và kinh độ, hoặc để trống cả hai.",
    forbidden: "Vai trò của bạn không được phép làm việc này.",
};

pub const EN: ConsoleTexts = ConsoleTexts {
    title: "OCOP traceability console",
    switch_to: "Tiếng Việt",
    sign_in: "Sign in",
    sign_out: "Sign out",
    login: "Email or phone number",
    login_hint: "For example htx@example.vn or 0912345678",
    password: "Password",
    bad_credentials: "The email/phone or the password is wrong.",
    too_many: "Too many attempts. Please wait a minute and try again.",
    expired: "Your session has ended. Please sign in again.",
    dashboard: "Dashboard",
    farms: "Farms",
    farm_count: "Farms",
    open_batches: "Batches in progress",
    no_open_batches: "No batch is open.",
    lot: "Lot",
    product: "Product",
    expiring: "OCOP certificates expiring in the next 90 days",
    no_expiring: "No certificate expires soon.",
    valid_until: "valid until",
    recent_scans: "Stamp scans in the last 7 days",
    no_scans: "No scans in the last 7 days.",
    scans: "scans",
    suspected_copy: "Suspected copy",
    new_farm: "Add a farm",
    farm_name: "Farm name",
    address: "Address",
    commune_code: "Commune code (5 digits, optional)",
    commune_hint: "The commune's administrative code, for example 24370",
    latitude: "Latitude",
    longitude: "Longitude",
    coordinates_hint: "Optional; give both, for example 12.79 and 108.12",
    save: "Save",
    saved: "Farm saved.",
    fix_errors: "Please correct the marked fields.",
    map: "Map",
    no_farms: "No farm yet.",
    err_name: "Give a name of 1 to 200 characters.",
    err_address: "Give an address of 1 to 500 characters.",
    err_commune: "A commune code is exactly 5 digits.",
    err_number: "Give a number, for example 12.79.",
    err_coordinate: "The coordinate is out of range.",
    err_pair: "Give both latitude and longitude, or neither.",
    forbidden: "Your role does not allow this.",
};

pub fn texts(lang: Lang) -> &'static ConsoleTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

/// What every console page carries: language, the CSRF token for its forms, who is signed in.
pub struct Chrome {
    pub t: &'static ConsoleTexts,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub csrf: String,
    pub signed_in_as: Option<String>,
}

impl Chrome {
    pub fn new(lang: Lang, csrf: String, signed_in_as: Option<String>) -> Self {
        Self {
            t: texts(lang),
            lang: lang.code(),
            other_lang: lang.other().code(),
            csrf,
            signed_in_as,
        }
    }
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
pub struct SignInPage {
    pub c: Chrome,
    /// What was typed, kept on an error.
    pub login: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
pub struct DashboardPage {
    pub c: Chrome,
    pub organization: String,
    pub farms: u64,
    /// (lot, product, quantity with unit).
    pub batches: Vec<(String, String, String)>,
    /// (product, stars, decision number, valid until).
    pub expiring: Vec<(String, String, String, String)>,
    /// (serial, lot, scans, suspected copy).
    pub scans: Vec<(String, String, i64, bool)>,
}

/// The farm form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct FarmForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub commune_code: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
}

pub struct FarmRow {
    pub name: String,
    pub address: String,
    pub commune_code: String,
    /// An OpenStreetMap link when the farm has coordinates.
    pub map_url: Option<String>,
}

#[derive(Template)]
#[template(path = "console/farms.html")]
pub struct FarmsPage {
    pub c: Chrome,
    pub organization: String,
    pub farms: Vec<FarmRow>,
    pub form: FarmForm,
    /// Field → message, shown next to the field.
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: bool,
}

impl FarmsPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

impl FarmRow {
    pub fn of(f: &entity::farm::Model) -> Self {
        Self {
            name: f.name.clone(),
            address: f.address.clone(),
            commune_code: f.commune_code.clone().unwrap_or_default(),
            map_url: f.latitude.zip(f.longitude).map(|(lat, lon)| {
                format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=14/{lat}/{lon}")
            }),
        }
    }
}

/// The message in `lang` for a farm field's problem (`code` from the domain's parsers).
pub fn farm_error(t: &'static ConsoleTexts, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("name", _) => t.err_name,
        ("address", _) => t.err_address,
        ("commune_code", _) => t.err_commune,
        (_, "coordinates_incomplete") => t.err_pair,
        (_, "not_a_number") => t.err_number,
        _ => t.err_coordinate,
    }
}
