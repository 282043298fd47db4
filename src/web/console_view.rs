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
    pub growing_areas: &'static str,
    pub new_area: &'static str,
    pub farm: &'static str,
    pub area_code: &'static str,
    pub area_code_hint: &'static str,
    pub scope: &'static str,
    pub scope_domestic: &'static str,
    pub scope_export: &'static str,
    pub target_market: &'static str,
    pub target_market_hint: &'static str,
    pub crop: &'static str,
    pub area_ha: &'static str,
    pub no_areas: &'static str,
    pub need_farm: &'static str,
    pub area_saved: &'static str,
    pub err_code: &'static str,
    pub err_code_taken: &'static str,
    pub err_market: &'static str,
    pub err_crop: &'static str,
    pub err_area: &'static str,
    pub err_farm: &'static str,
    pub products: &'static str,
    pub new_product: &'static str,
    pub product_name: &'static str,
    pub unit: &'static str,
    pub unit_hint: &'static str,
    pub gtin: &'static str,
    pub gtin_hint: &'static str,
    pub ocop_group: &'static str,
    pub group_none: &'static str,
    pub groups: [(&'static str, &'static str); 6],
    pub net_weight: &'static str,
    pub description: &'static str,
    pub no_products: &'static str,
    pub product_saved: &'static str,
    pub no_ocop: &'static str,
    pub lapsing: &'static str,
    pub new_certification: &'static str,
    pub stars: &'static str,
    pub decision_number: &'static str,
    pub decision_date: &'static str,
    pub issuing_body: &'static str,
    pub level: &'static str,
    pub levels: [(&'static str, &'static str); 3],
    pub certification_saved: &'static str,
    pub err_unit: &'static str,
    pub err_gtin: &'static str,
    pub err_weight: &'static str,
    pub err_description: &'static str,
    pub err_product: &'static str,
    pub err_stars: &'static str,
    pub err_level: &'static str,
    pub err_decision_number: &'static str,
    pub err_date: &'static str,
    pub err_future: &'static str,
    pub err_issuer: &'static str,
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
    growing_areas: "Mã số vùng trồng",
    new_area: "Thêm mã số vùng trồng",
    farm: "Trang trại",
    area_code: "Mã số vùng trồng",
    area_code_hint: "Ghi đúng như trên giấy cấp, ví dụ VN-66-650-24370-94-21",
    scope: "Loại mã",
    scope_domestic: "Trong nước",
    scope_export: "Xuất khẩu",
    target_market: "Thị trường (mã xuất khẩu)",
    target_market_hint: "Mã quốc gia 2 chữ, ví dụ CN, US",
    crop: "Cây trồng",
    area_ha: "Diện tích (ha, không bắt buộc)",
    no_areas: "Chưa có mã số vùng trồng nào.",
    need_farm: "Hãy thêm trang trại trước.",
    area_saved: "Đã lưu mã số vùng trồng.",
    err_code: "Mã không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu - . ( ) / :",
    err_code_taken: "Mã này đã được đăng ký.",
    err_market: "Mã xuất khẩu cần thị trường: mã quốc gia 2 chữ.",
    err_crop: "Nhập tên cây trồng, từ 1 đến 100 ký tự.",
    err_area: "Diện tích là một số dương, ví dụ 2.5.",
    err_farm: "Chọn một trang trại.",
    products: "Sản phẩm và chứng nhận OCOP",
    new_product: "Thêm sản phẩm",
    product_name: "Tên sản phẩm (như trên nhãn)",
    unit: "Đơn vị bán",
    unit_hint: "Ví dụ: hũ, chai, hộp, gói",
    gtin: "Mã vạch GTIN (không bắt buộc)",
    gtin_hint: "8, 12, 13 hoặc 14 chữ số, ví dụ 8934588012228",
    ocop_group: "Nhóm sản phẩm OCOP",
    group_none: "— chưa chọn —",
    groups: [
        ("food", "Thực phẩm"),
        ("beverage", "Đồ uống"),
        ("herbal", "Thảo dược"),
        ("textile", "Vải, may mặc"),
        ("handicraft", "Lưu niệm, nội thất, trang trí"),
        ("tourism", "Dịch vụ du lịch"),
    ],
    net_weight: "Khối lượng tịnh (gam, không bắt buộc)",
    description: "Mô tả (không bắt buộc)",
    no_products: "Chưa có sản phẩm nào.",
    product_saved: "Đã lưu sản phẩm.",
    no_ocop: "Chưa có chứng nhận OCOP còn hiệu lực",
    lapsing: "sắp hết hạn",
    new_certification: "Thêm chứng nhận OCOP",
    stars: "Số sao",
    decision_number: "Số quyết định",
    decision_date: "Ngày quyết định",
    issuing_body: "Cơ quan cấp",
    level: "Cấp đánh giá",
    levels: [
        ("province", "Cấp tỉnh (3–4 sao)"),
        ("central", "Cấp trung ương (5 sao)"),
        ("district", "Cấp huyện"),
    ],
    certification_saved: "Đã lưu chứng nhận OCOP.",
    err_unit: "Nhập đơn vị, từ 1 đến 32 ký tự.",
    err_gtin: "Mã GTIN không hợp lệ: kiểm tra số chữ số và số kiểm tra.",
    err_weight: "Khối lượng là một số lớn hơn 0, tối đa 100000.",
    err_description: "Mô tả tối đa 5000 ký tự.",
    err_product: "Chọn một sản phẩm.",
    err_stars: "Số sao là 3, 4 hoặc 5.",
    err_level: "Cấp đánh giá không khớp số sao (5 sao do trung ương công nhận).",
    err_decision_number: "Nhập số quyết định, ví dụ 1234/QĐ-UBND.",
    err_date: "Nhập ngày theo dạng năm-tháng-ngày, ví dụ 2025-06-15.",
    err_future: "Ngày quyết định không thể ở tương lai.",
    err_issuer: "Nhập cơ quan cấp, ví dụ UBND tỉnh Đắk Lắk.",
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
    growing_areas: "Growing-area codes",
    new_area: "Add a growing-area code",
    farm: "Farm",
    area_code: "Growing-area code",
    area_code_hint: "Exactly as issued, for example VN-66-650-24370-94-21",
    scope: "Kind of code",
    scope_domestic: "Domestic",
    scope_export: "Export",
    target_market: "Market (export codes)",
    target_market_hint: "2-letter country code, for example CN, US",
    crop: "Crop",
    area_ha: "Area (ha, optional)",
    no_areas: "No growing-area code yet.",
    need_farm: "Add a farm first.",
    area_saved: "Growing-area code saved.",
    err_code: "Not a valid code: capital letters, digits and - . ( ) / : only.",
    err_code_taken: "This code is already registered.",
    err_market: "An export code needs its market: a 2-letter country code.",
    err_crop: "Give a crop of 1 to 100 characters.",
    err_area: "The area is a positive number, for example 2.5.",
    err_farm: "Choose a farm.",
    products: "Products and OCOP certificates",
    new_product: "Add a product",
    product_name: "Product name (as on the label)",
    unit: "Sales unit",
    unit_hint: "For example: jar, bottle, box, pack",
    gtin: "GTIN barcode (optional)",
    gtin_hint: "8, 12, 13 or 14 digits, for example 8934588012228",
    ocop_group: "OCOP product group",
    group_none: "— not chosen —",
    groups: [
        ("food", "Food"),
        ("beverage", "Beverages"),
        ("herbal", "Herbal products"),
        ("textile", "Textiles and garments"),
        ("handicraft", "Handicrafts and decoration"),
        ("tourism", "Tourism services"),
    ],
    net_weight: "Net weight (grams, optional)",
    description: "Description (optional)",
    no_products: "No product yet.",
    product_saved: "Product saved.",
    no_ocop: "No OCOP certificate in force",
    lapsing: "lapsing soon",
    new_certification: "Add an OCOP certificate",
    stars: "Stars",
    decision_number: "Decision number",
    decision_date: "Decision date",
    issuing_body: "Issued by",
    level: "Level",
    levels: [
        ("province", "Province (3–4 stars)"),
        ("central", "Central (5 stars)"),
        ("district", "District"),
    ],
    certification_saved: "OCOP certificate saved.",
    err_unit: "Give a unit of 1 to 32 characters.",
    err_gtin: "Not a valid GTIN: check the number of digits and the check digit.",
    err_weight: "The weight is a number above 0, at most 100000.",
    err_description: "A description has at most 5000 characters.",
    err_product: "Choose a product.",
    err_stars: "Stars are 3, 4 or 5.",
    err_level: "The level does not match the stars (5 stars are awarded centrally).",
    err_decision_number: "Give the decision number, for example 1234/QĐ-UBND.",
    err_date: "Give the date as year-month-day, for example 2025-06-15.",
    err_future: "A decision date cannot be in the future.",
    err_issuer: "Give the issuing body, for example UBND tỉnh Đắk Lắk.",
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

/// The growing-area form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AreaForm {
    #[serde(default)]
    pub farm_id: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub target_market: String,
    #[serde(default)]
    pub crop: String,
    #[serde(default)]
    pub area_ha: String,
}

pub struct AreaRow {
    pub farm: String,
    pub code: String,
    /// The code's parsed meaning, in words.
    pub meaning: String,
    pub crop: String,
    pub map_url: Option<String>,
}

#[derive(Template)]
#[template(path = "console/growing_areas.html")]
pub struct AreasPage {
    pub c: Chrome,
    pub organization: String,
    /// (farm id, farm name) for the form's choice.
    pub farms: Vec<(String, String)>,
    pub areas: Vec<AreaRow>,
    pub form: AreaForm,
    /// The typed code's meaning, shown under the field.
    pub meaning: Option<String>,
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: bool,
}

impl AreasPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

/// The message in `lang` for a growing-area field's problem.
pub fn area_error(t: &'static ConsoleTexts, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("code", "code_taken" | "duplicate_code" | "growing_area_code_taken") => t.err_code_taken,
        ("code", _) => t.err_code,
        ("target_market", _) => t.err_market,
        ("crop", _) => t.err_crop,
        ("area_ha", _) => t.err_area,
        _ => t.err_farm,
    }
}

/// The product form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub gtin: String,
    #[serde(default)]
    pub ocop_group: String,
    #[serde(default)]
    pub net_weight_g: String,
    #[serde(default)]
    pub description: String,
}

/// The certificate form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CertificationForm {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub stars: String,
    #[serde(default)]
    pub decision_number: String,
    #[serde(default)]
    pub decision_date: String,
    #[serde(default)]
    pub issuing_body: String,
    #[serde(default)]
    pub level: String,
}

pub struct ProductRow {
    pub name: String,
    pub unit: String,
    pub gtin: String,
    /// Stars in force and the line saying until when, or `None`.
    pub ocop: Option<(String, String)>,
    pub lapsing: bool,
}

#[derive(Template)]
#[template(path = "console/products.html")]
pub struct ProductsPage {
    pub c: Chrome,
    pub organization: String,
    pub products: Vec<ProductRow>,
    /// (product id, name) for the certificate form.
    pub choices: Vec<(String, String)>,
    pub product: ProductForm,
    pub certification: CertificationForm,
    /// Field → message; certificate fields are prefixed `cert.`.
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: Option<&'static str>,
}

impl ProductsPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }

    /// Whether a form's errors are shown (`cert.` fields belong to the certificate form).
    pub fn has_errors(&self, certificate: bool) -> bool {
        self.errors
            .keys()
            .any(|k| k.starts_with("cert.") == certificate)
    }
}

/// The message in `lang` for a product or certificate field's problem.
pub fn product_error(t: &'static ConsoleTexts, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("name", _) => t.err_name,
        ("unit", _) => t.err_unit,
        ("gtin", _) => t.err_gtin,
        ("net_weight_g", _) => t.err_weight,
        ("description", _) => t.err_description,
        ("cert.stars", _) => t.err_stars,
        ("cert.level", _) => t.err_level,
        ("cert.decision_number", _) => t.err_decision_number,
        ("cert.decision_date", "date_in_future") => t.err_future,
        ("cert.decision_date", _) => t.err_date,
        ("cert.issuing_body", _) => t.err_issuer,
        ("cert.product_id", _) => t.err_product,
        _ => t.err_number,
    }
}
