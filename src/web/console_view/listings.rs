//! The marketplace page: each listing with where it stands, what the marketplace would refuse,
//! its last push; the form that creates a listing; pushes, retries and live links.

use std::collections::BTreeMap;

use askama::Template;

use super::Chrome;
use crate::domain::Reason;
use crate::i18n::Lang;
use crate::services::listings::ListingStatus;
use entity::outbox_job::JobStatus;

pub struct ListingTexts {
    pub title: &'static str,
    pub none: &'static str,
    pub need_product: &'static str,
    pub new_listing: &'static str,
    pub marketplace: &'static str,
    pub price: &'static str,
    pub stock: &'static str,
    pub package: &'static str,
    pub package_hint: &'static str,
    pub weight_g: &'static str,
    pub length_cm: &'static str,
    pub width_cm: &'static str,
    pub height_cm: &'static str,
    pub create: &'static str,
    pub update: &'static str,
    pub push: &'static str,
    pub push_hint: &'static str,
    pub retry: &'static str,
    pub live_url: &'static str,
    pub record_live: &'static str,
    pub view_live: &'static str,
    pub pack: &'static str,
    pub pack_hint: &'static str,
    pub last_push: &'static str,
    pub attempts: &'static str,
    pub review: &'static str,
    pub saved: &'static str,
    pub queued: &'static str,
    /// A live listing can be what a scan of the product's stamps opens (its default link).
    pub make_default: &'static str,
    pub is_default: &'static str,
    pub stop_default: &'static str,
    pub default_saved: &'static str,
    pub statuses: [(ListingStatus, &'static str); 7],
    pub push_statuses: [(JobStatus, &'static str); 4],
    pub problems: [(Reason, &'static str); 9],
    pub err_price: &'static str,
    pub err_stock: &'static str,
    pub err_size: &'static str,
    pub err_market: &'static str,
    pub err_taken: &'static str,
    pub err_live_url: &'static str,
    pub err_push: &'static str,
    pub err_pack: &'static str,
}

pub const VI: ListingTexts = ListingTexts {
    title: "Đăng bán trên sàn",
    none: "Chưa đăng bán sản phẩm nào.",
    need_product: "Hãy thêm sản phẩm trước khi đăng bán.",
    new_listing: "Đăng bán một sản phẩm",
    marketplace: "Sàn",
    price: "Giá (đồng)",
    stock: "Tồn kho",
    package: "Kiện hàng (để sàn tính phí giao)",
    package_hint: "Không bắt buộc lúc này, nhưng sàn cần trước khi đăng.",
    weight_g: "Khối lượng (g)",
    length_cm: "Dài (cm)",
    width_cm: "Rộng (cm)",
    height_cm: "Cao (cm)",
    create: "Tạo tin đăng",
    update: "Cập nhật giá, tồn kho",
    push: "Gửi lên sàn",
    push_hint: "Gửi qua API của sàn; hệ thống tự thử lại khi mạng lỗi và không gửi trùng.",
    retry: "Thử gửi lại",
    live_url: "Địa chỉ trang sản phẩm trên sàn",
    record_live: "Lưu địa chỉ",
    view_live: "Xem trên sàn",
    pack: "Tải gói đăng bán",
    pack_hint: "Tệp Excel và ảnh để tải lên trang người bán của sàn; sau đó lưu địa chỉ trang sản phẩm.",
    last_push: "Lần gửi gần nhất",
    attempts: "lần thử",
    review: "Sàn duyệt",
    saved: "Đã lưu tin đăng.",
    queued: "Đã xếp lịch gửi lên sàn.",
    make_default: "Mở trang này khi quét tem",
    is_default: "Quét tem sản phẩm này sẽ mở trang bán này (trừ khi có cảnh báo: tem hủy, lô thu hồi, nghi sao chép).",
    stop_default: "Thôi, mở trang truy xuất",
    default_saved: "Đã đổi trang mở khi quét tem.",
    statuses: [
        (ListingStatus::Draft, "Chưa đủ thông tin"),
        (ListingStatus::Ready, "Sẵn sàng"),
        (ListingStatus::Exported, "Đã xuất gói"),
        (ListingStatus::Live, "Đang bán"),
        (ListingStatus::Stale, "Cần cập nhật lên sàn"),
        (ListingStatus::InReview, "Sàn đang duyệt"),
        (ListingStatus::Rejected, "Sàn từ chối"),
    ],
    push_statuses: [
        (JobStatus::Pending, "Đang chờ gửi"),
        (JobStatus::Running, "Đang gửi"),
        (JobStatus::Done, "Đã gửi"),
        (JobStatus::Failed, "Gửi không được"),
    ],
    problems: [
        (Reason::Length, "Độ dài chưa đúng quy định của sàn"),
        (Reason::PriceRange, "Giá ngoài khoảng sàn cho phép"),
        (Reason::StockRange, "Tồn kho ngoài khoảng sàn cho phép"),
        (
            Reason::CategoryUnmapped,
            "Nhóm OCOP của sản phẩm chưa có danh mục trên sàn",
        ),
        (Reason::ImageCount, "Số ảnh sản phẩm chưa đúng"),
        (Reason::ImageTooSmall, "Ảnh sản phẩm quá nhỏ"),
        (
            Reason::PackageRequired,
            "Cần khối lượng và kích thước kiện hàng",
        ),
        (Reason::WeightRange, "Khối lượng kiện hàng không hợp lệ"),
        (Reason::SizeRange, "Kích thước kiện hàng không hợp lệ"),
    ],
    err_price: "Nhập giá là số đồng, ví dụ 180000.",
    err_stock: "Nhập tồn kho là số nguyên từ 0.",
    err_size: "Nhập một số lớn hơn 0.",
    err_market: "Chọn một sàn.",
    err_taken: "Sản phẩm này đã có tin đăng trên sàn này.",
    err_live_url: "Đây không phải địa chỉ trang sản phẩm của sàn này.",
    err_push: "Chưa gửi được: sàn chưa được kết nối hoặc tin đăng còn thiếu thông tin.",
    err_pack: "Chưa tạo được gói: chưa có tin đăng trên sàn này, hoặc có tin đăng còn thiếu thông tin (xem các dòng đỏ ở trên).",
};

pub const EN: ListingTexts = ListingTexts {
    title: "Marketplace listings",
    none: "No product is listed yet.",
    need_product: "Add a product before listing it.",
    new_listing: "List a product",
    marketplace: "Marketplace",
    price: "Price (đồng)",
    stock: "Stock",
    package: "Parcel (for the delivery fee)",
    package_hint: "Optional now; the marketplace needs it before listing.",
    weight_g: "Weight (g)",
    length_cm: "Length (cm)",
    width_cm: "Width (cm)",
    height_cm: "Height (cm)",
    create: "Create the listing",
    update: "Update price and stock",
    push: "Send to the marketplace",
    push_hint: "Sent through the marketplace's API; retried on network errors, never sent twice.",
    retry: "Send again",
    live_url: "The product's page on the marketplace",
    record_live: "Save the address",
    view_live: "See it on the marketplace",
    pack: "Download the listing pack",
    pack_hint: "A spreadsheet and photos to upload in the marketplace's seller centre; then save the product page's address.",
    last_push: "Last push",
    attempts: "attempts",
    review: "Marketplace review",
    saved: "Listing saved.",
    queued: "Queued for the marketplace.",
    make_default: "Open this page when a stamp is scanned",
    is_default: "Scanning this product's stamps opens this shop page (unless there is a warning: a voided stamp, a recalled lot, a suspected copy).",
    stop_default: "Stop, open the traceability page",
    default_saved: "Changed what a scan opens.",
    statuses: [
        (ListingStatus::Draft, "Incomplete"),
        (ListingStatus::Ready, "Ready"),
        (ListingStatus::Exported, "Exported"),
        (ListingStatus::Live, "Live"),
        (ListingStatus::Stale, "Needs updating"),
        (ListingStatus::InReview, "In review"),
        (ListingStatus::Rejected, "Rejected"),
    ],
    push_statuses: [
        (JobStatus::Pending, "Waiting to be sent"),
        (JobStatus::Running, "Sending"),
        (JobStatus::Done, "Sent"),
        (JobStatus::Failed, "Could not be sent"),
    ],
    problems: [
        (Reason::Length, "Length outside the marketplace's rule"),
        (Reason::PriceRange, "Price outside the marketplace's range"),
        (Reason::StockRange, "Stock outside the marketplace's range"),
        (
            Reason::CategoryUnmapped,
            "The product's OCOP group has no category on this marketplace",
        ),
        (Reason::ImageCount, "Wrong number of product photos"),
        (Reason::ImageTooSmall, "A product photo is too small"),
        (
            Reason::PackageRequired,
            "The parcel's weight and size are needed",
        ),
        (Reason::WeightRange, "Parcel weight out of range"),
        (Reason::SizeRange, "Parcel size out of range"),
    ],
    err_price: "Give the price in đồng, e.g. 180000.",
    err_stock: "Give the stock as a whole number from 0.",
    err_size: "Give a number above 0.",
    err_market: "Choose a marketplace.",
    err_taken: "This product is already listed on this marketplace.",
    err_live_url: "This is not a product page of this marketplace.",
    err_push: "Not sent: the marketplace is not connected or the listing is incomplete.",
    err_pack: "No pack made: there is no listing on this marketplace, or one is incomplete (see the red lines above).",
};

pub fn listing_texts(lang: Lang) -> &'static ListingTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl ListingTexts {
    pub fn status(&self, s: ListingStatus) -> (&'static str, &'static str) {
        let key = match s {
            ListingStatus::Draft => "draft",
            ListingStatus::Ready => "ready",
            ListingStatus::Exported => "exported",
            ListingStatus::Live => "live",
            ListingStatus::Stale => "stale",
            ListingStatus::InReview => "in_review",
            ListingStatus::Rejected => "rejected",
        };
        let words = self
            .statuses
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(key, |(_, v)| *v);
        (key, words)
    }

    pub fn push_status(&self, s: JobStatus) -> &'static str {
        self.push_statuses
            .iter()
            .find(|(k, _)| *k == s)
            .map_or("", |(_, v)| *v)
    }

    /// A marketplace's objection in words, with its figures.
    pub fn problem(&self, code: Reason, message: &str) -> String {
        match self
            .problems
            .iter()
            .find(|(k, _)| *k == code)
            .map(|(_, v)| *v)
        {
            Some(words) => format!("{words} ({message})"),
            None => message.to_owned(),
        }
    }
}

/// The listing form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ListingForm {
    pub product_id: String,
    pub marketplace: String,
    pub price_vnd: String,
    pub stock: String,
    pub weight_g: String,
    pub length_cm: String,
    pub width_cm: String,
    pub height_cm: String,
}

pub struct ListingRow {
    pub id: String,
    pub product: String,
    pub marketplace: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub price: String,
    pub stock: i64,
    pub problems: Vec<String>,
    pub live_url: Option<String>,
    /// (state, detail) of the marketplace's review.
    pub review: Option<(String, String)>,
    /// (job id, status words, attempts, last error, failed).
    pub push: Option<(String, &'static str, i32, String, bool)>,
    /// Whether the marketplace takes pushes through its API.
    pub api: bool,
    pub pushable: bool,
    /// Whether the live page is the product's default link (what a scan opens).
    pub is_default: bool,
}

#[derive(Template)]
#[template(path = "console/listings.html")]
pub struct ListingsPage {
    pub c: Chrome,
    pub l: &'static ListingTexts,
    pub organization: String,
    pub rows: Vec<ListingRow>,
    pub products: Vec<(String, String)>,
    /// (id, name, API or pack).
    pub marketplaces: Vec<(&'static str, &'static str, bool)>,
    pub form: ListingForm,
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: Option<&'static str>,
    /// A listing whose own form failed: (listing id, message).
    pub row_error: Option<(String, &'static str)>,
}

impl ListingsPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }

    pub fn row_error_of(&self, id: &str) -> Option<&'static str> {
        self.row_error
            .as_ref()
            .filter(|(r, _)| r == id)
            .map(|(_, m)| *m)
    }
}

/// Thousands grouped as Vietnamese prices are written: `180.000 đ`.
pub fn price(vnd: i64) -> String {
    let digits = vnd.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    format!("{}{out} đ", if vnd < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn prices_are_grouped_by_thousands() {
        assert_eq!(super::price(180_000), "180.000 đ");
        assert_eq!(super::price(1_250_500), "1.250.500 đ");
        assert_eq!(super::price(950), "950 đ");
    }
}
