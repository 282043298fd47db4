//! The languages of pages people see: Vietnamese by default, English on request.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

/// English month names as chrono's `%b` writes them.
fn month_abbr(month0: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS.get(month0 as usize).copied().unwrap_or("")
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// `?lang=` wins; then the first of `vi`/`en` in `Accept-Language` by quality; then `vi`.
    pub fn choose(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        match query {
            Some("en") => return Lang::En,
            Some("vi") => return Lang::Vi,
            _ => {}
        }
        let Some(header) = accept_language else {
            return Lang::Vi;
        };
        let mut best: Option<(f32, Lang)> = None;
        for (tag, q) in crate::quality::items(header) {
            let tag = tag.to_ascii_lowercase();
            let lang = match tag.split('-').next() {
                Some("vi") => Lang::Vi,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Vi, |(_, l)| l)
    }

    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    /// A date as people write it: `25/11/2026` or `25 Nov 2026`. Written out rather than
    /// through `format("%d/%m/%Y")`, which parses its pattern on every call: a scan page
    /// formats a time per request.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Vi => format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
            Lang::En => format!("{} {} {:04}", d.day(), month_abbr(d.month0()), d.year()),
        }
    }

    /// A time in Vietnam (UTC+7), which is where the products and most shoppers are:
    /// `07:30, 25/11/2026` or `25 Nov 2026, 07:30`.
    pub fn time(self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&crate::domain::local_time::VIETNAM);
        let (h, m) = (local.hour(), local.minute());
        match self {
            Lang::Vi => format!("{h:02}:{m:02}, {}", self.date(local.date_naive())),
            Lang::En => format!("{}, {h:02}:{m:02}", self.date(local.date_naive())),
        }
    }

    /// A number as people write it: `1.250,5` in Vietnamese, `1,250.5` in English (the
    /// shortest decimals that give the number back).
    pub fn number(self, x: f64) -> String {
        let (thousands, point) = match self {
            Lang::Vi => ('.', ','),
            Lang::En => (',', '.'),
        };
        let plain = format!("{}", x.abs());
        let (whole, decimals) = plain.split_once('.').unwrap_or((&plain, ""));
        let mut out = String::with_capacity(plain.len() + 4);
        if x < 0.0 {
            out.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(thousands);
            }
            out.push(digit);
        }
        if !decimals.is_empty() {
            out.push(point);
            out.push_str(decimals);
        }
        out
    }

    /// The council that rated a product, in words ("OCOP cấp tỉnh", "OCOP, provincial rating").
    pub fn ocop_level(self, level: &str) -> &'static str {
        let (vi, en) = match level {
            "central" => ("OCOP cấp Trung ương", "OCOP, national rating"),
            "district" => ("OCOP cấp huyện", "OCOP, district rating"),
            _ => ("OCOP cấp tỉnh", "OCOP, provincial rating"),
        };
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    pub fn event_kind(self, kind: &str) -> &'static str {
        let (vi, en) = match kind {
            "planting" => ("Gieo trồng", "Planting"),
            "fertilizing" => ("Bón phân", "Fertilizing"),
            "spraying" => ("Phun thuốc", "Spraying"),
            "irrigating" => ("Tưới nước", "Irrigating"),
            "harvesting" => ("Thu hoạch", "Harvest"),
            "processing" => ("Chế biến", "Processing"),
            "packing" => ("Đóng gói", "Packing"),
            "inspection" => ("Kiểm tra", "Inspection"),
            "certification" => ("Chứng nhận", "Certification"),
            "shipping" => ("Vận chuyển", "Shipping"),
            "recall" => ("Thu hồi", "Recall"),
            _ => ("Ghi chú", "Note"),
        };
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// Every fixed text of the scan pages, in one language.
pub struct Texts {
    pub switch_to: &'static str,
    pub genuine: &'static str,
    pub void: &'static str,
    pub void_detail: &'static str,
    pub recalled: &'static str,
    pub recalled_detail: &'static str,
    pub copy_warning: &'static str,
    pub copy_detail: &'static str,
    pub first_scanned: &'static str,
    pub scans: &'static str,
    pub first_scan_now: &'static str,
    pub ocop: &'static str,
    pub certificate: &'static str,
    pub valid_until: &'static str,
    pub expired: &'static str,
    pub no_ocop: &'static str,
    pub producer: &'static str,
    pub origin: &'static str,
    pub farm: &'static str,
    pub growing_area: &'static str,
    pub map: &'static str,
    pub batch: &'static str,
    pub lot: &'static str,
    pub quantity: &'static str,
    pub harvested: &'static str,
    pub produced: &'static str,
    pub expires: &'static str,
    pub diary: &'static str,
    pub no_events: &'static str,
    /// Before the name of the partner system that sent a diary entry through EPCIS capture.
    pub captured_from: &'static str,
    pub phi: &'static str,
    pub phi_breach: &'static str,
    pub meta_description: &'static str,
    pub days: &'static str,
    pub certificates: &'static str,
    pub verify_title: &'static str,
    pub verify_pending: &'static str,
    pub verify_ok: &'static str,
    pub verify_fail: &'static str,
    pub verify_unsupported: &'static str,
    /// Appended to `verify_ok` when witnesses cosigned: `{n}` their number, `{names}` them.
    pub verify_witnessed: &'static str,
    /// Intact, but fewer than the quorum of witnesses cosigned: `{n}` of `{k}`.
    pub verify_unconfirmed: &'static str,
    pub verify_noscript: &'static str,
    pub serial: &'static str,
    pub pin_title: &'static str,
    pub pin_help: &'static str,
    pub pin_button: &'static str,
    pub pin_ok: &'static str,
    pub pin_again: &'static str,
    pub pin_wrong: &'static str,
    pub pin_claimed: &'static str,
    pub error_malformed: &'static str,
    pub error_unknown: &'static str,
    pub error_rate: &'static str,
    pub error_detail_unknown: &'static str,
    pub error_link_type: &'static str,
    pub lot_page: &'static str,
    pub lot_page_detail: &'static str,
    pub error_detail_link_type: &'static str,
    pub error_detail_malformed: &'static str,
    pub error_detail_rate: &'static str,
    pub footer: &'static str,
    pub buy_on: &'static str,
    pub product_note: &'static str,
}

pub static VI: Texts = Texts {
    switch_to: "English",
    genuine: "Tem truy xuất hợp lệ",
    void: "Tem đã bị hủy",
    void_detail: "Nhà sản xuất đã hủy tem này (in lỗi, thất lạc hoặc thu hồi). Sản phẩm mang tem này không được bảo đảm nguồn gốc.",
    recalled: "Lô hàng đã bị thu hồi",
    recalled_detail: "Nhà sản xuất đã thu hồi lô hàng này. Không sử dụng sản phẩm; liên hệ nơi bán hoặc nhà sản xuất.",
    copy_warning: "Cảnh báo: tem có thể bị sao chép",
    copy_detail: "Tem này đã được quét nhiều lần gần đây. Nếu bạn vừa mua sản phẩm và chưa từng quét, hãy kiểm tra kỹ bao bì và báo cho nhà sản xuất.",
    first_scanned: "Quét lần đầu lúc",
    scans: "Số lần quét",
    first_scan_now: "Đây là lần quét đầu tiên.",
    ocop: "Sản phẩm OCOP",
    certificate: "Quyết định",
    valid_until: "hiệu lực đến",
    expired: "hết hiệu lực",
    no_ocop: "Chưa có chứng nhận OCOP còn hiệu lực",
    producer: "Nhà sản xuất",
    origin: "Nguồn gốc",
    farm: "Cơ sở sản xuất",
    growing_area: "Mã số vùng trồng",
    map: "Xem bản đồ",
    batch: "Lô hàng",
    lot: "Số lô",
    quantity: "Số lượng",
    harvested: "Thu hoạch",
    produced: "Sản xuất",
    expires: "Hạn sử dụng",
    diary: "Nhật ký sản xuất",
    no_events: "Chưa có ghi chép.",
    captured_from: "Do hệ thống đối tác gửi (EPCIS):",
    phi: "thời gian cách ly",
    phi_breach: "Lưu ý: thu hoạch khi chưa hết thời gian cách ly của",
    meta_description: "Truy xuất nguồn gốc sản phẩm OCOP:",
    days: "ngày",
    certificates: "Chứng nhận",
    verify_title: "Kiểm tra tính toàn vẹn",
    verify_pending: "Đang kiểm tra bằng chứng mật mã…",
    verify_ok: "Dữ liệu nguyên vẹn: tem nằm trong sổ cái đã ký và không bị sửa đổi.",
    verify_fail: "Không kiểm tra được: bằng chứng không khớp. Dữ liệu có thể đã bị sửa đổi.",
    verify_unsupported: "Trình duyệt này không hỗ trợ kiểm tra chữ ký Ed25519. Dữ liệu vẫn được hiển thị.",
    verify_witnessed: "Đã được {n} bên độc lập xác nhận: {names}.",
    verify_unconfirmed: "Tem nằm trong sổ cái đã ký, nhưng mới có {n}/{k} bên độc lập xác nhận. Hãy quét lại sau ít phút.",
    verify_noscript: "Bật JavaScript để tự kiểm tra bằng chứng mật mã.",
    serial: "Số tem",
    pin_title: "Xác nhận sản phẩm bằng mã PIN",
    pin_help: "Cào lớp phủ trên tem và nhập 8 chữ số.",
    pin_button: "Xác nhận",
    pin_ok: "Mã PIN đúng. Sản phẩm được xác nhận lần đầu.",
    pin_again: "Mã PIN đúng, nhưng tem này ĐÃ được xác nhận trước đó. Có thể là hàng giả.",
    pin_wrong: "Mã PIN không đúng.",
    pin_claimed: "Đã xác nhận mã PIN lúc",
    error_malformed: "Mã không hợp lệ",
    error_unknown: "Không tìm thấy tem",
    error_rate: "Quá nhiều yêu cầu",
    error_detail_unknown: "Không có tem nào với mã này trong hệ thống. Sản phẩm có thể không chính hãng.",
    error_link_type: "Không có liên kết loại này",
    lot_page: "Thông tin lô hàng",
    lot_page_detail: "Trang này mô tả cả lô hàng. Mỗi tem trên sản phẩm có trang riêng khi quét mã, với số lần quét và cảnh báo tem giả.",
    error_detail_link_type: "Mã này có thật, nhưng không có thông tin thuộc loại được yêu cầu (linkType). Bỏ tham số này để xem trang sản phẩm.",
    error_detail_malformed: "Đường dẫn này không phải mã truy xuất hợp lệ. Hãy quét lại mã QR trên tem.",
    error_detail_rate: "Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.",
    footer: "Truy xuất nguồn gốc sản phẩm OCOP",
    buy_on: "Mua trên",
    product_note: "Mỗi sản phẩm có tem truy xuất riêng: quét mã QR trên tem để xem lô sản xuất, nhật ký sản xuất và kiểm tra dữ liệu còn nguyên vẹn.",
};

pub static EN: Texts = Texts {
    switch_to: "Tiếng Việt",
    genuine: "Valid traceability stamp",
    void: "This stamp was voided",
    void_detail: "The producer voided this stamp (misprint, loss or recall). An item carrying it has no guaranteed origin.",
    recalled: "This batch was recalled",
    recalled_detail: "The producer recalled this batch. Do not use the product; contact the seller or the producer.",
    copy_warning: "Warning: this stamp may have been copied",
    copy_detail: "This stamp has been scanned many times recently. If you just bought the item and never scanned it, check the packaging carefully and tell the producer.",
    first_scanned: "First scanned",
    scans: "Scans",
    first_scan_now: "This is the first scan.",
    ocop: "OCOP product",
    certificate: "Decision",
    valid_until: "valid until",
    expired: "expired",
    no_ocop: "No OCOP certificate in force",
    producer: "Producer",
    origin: "Origin",
    farm: "Farm",
    growing_area: "Growing-area code",
    map: "Open map",
    batch: "Batch",
    lot: "Lot",
    quantity: "Quantity",
    harvested: "Harvested",
    produced: "Produced",
    expires: "Best before",
    diary: "Production diary",
    no_events: "Nothing recorded yet.",
    captured_from: "Sent by a partner system (EPCIS):",
    phi: "pre-harvest interval",
    phi_breach: "Note: harvested before the pre-harvest interval had passed for",
    meta_description: "Traceability of an OCOP product:",
    days: "days",
    certificates: "Certificates",
    verify_title: "Integrity check",
    verify_pending: "Checking the cryptographic proof…",
    verify_ok: "Record intact: this stamp is in the signed ledger and has not been changed.",
    verify_fail: "Check failed: the proof does not match. The record may have been altered.",
    verify_unsupported: "This browser cannot check Ed25519 signatures. The record is still shown.",
    verify_witnessed: "Confirmed by {n} independent witnesses: {names}.",
    verify_unconfirmed: "This stamp is in the signed ledger, but only {n} of {k} independent witnesses have confirmed it yet. Scan again in a few minutes.",
    verify_noscript: "Turn on JavaScript to check the cryptographic proof yourself.",
    serial: "Stamp number",
    pin_title: "Confirm the item with its PIN",
    pin_help: "Scratch the stamp's coating and enter the 8 digits.",
    pin_button: "Confirm",
    pin_ok: "Correct PIN. The item is confirmed for the first time.",
    pin_again: "Correct PIN, but this stamp WAS confirmed before. It may be counterfeit.",
    pin_wrong: "Wrong PIN.",
    pin_claimed: "PIN confirmed",
    error_malformed: "Invalid code",
    error_unknown: "Stamp not found",
    error_rate: "Too many requests",
    error_detail_unknown: "No stamp with this code exists. The item may not be genuine.",
    error_link_type: "No link of this type",
    lot_page: "Lot information",
    lot_page_detail: "This page describes the whole lot. Each stamp on a product has its own page when scanned, with its scan count and counterfeit warning.",
    error_detail_link_type: "The code is genuine, but there is no information of the kind asked for (linkType). Leave that parameter out to see the product page.",
    error_detail_malformed: "This address is not a valid traceability code. Scan the QR code on the stamp again.",
    error_detail_rate: "You sent too many requests. Please try again in a few minutes.",
    footer: "Traceability of OCOP products",
    buy_on: "Buy on",
    product_note: "Every item carries its own stamp: scan its QR code to see its batch, its production diary and the check that the record is intact.",
};

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        use super::Lang;
        assert_eq!(Lang::Vi.number(1250.5), "1.250,5");
        assert_eq!(Lang::En.number(1250.5), "1,250.5");
        assert_eq!(Lang::Vi.number(0.5), "0,5");
        assert_eq!(Lang::Vi.number(1_000_000.0), "1.000.000");
        assert_eq!(Lang::En.number(-12.25), "-12.25");
        assert_eq!(Lang::Vi.number(999.0), "999");
    }

    use super::*;

    #[test]
    fn dates_and_times_read_as_chronos_patterns_would_write_them() {
        let vn = crate::domain::local_time::VIETNAM;
        let mut t = DateTime::parse_from_rfc3339("1999-12-31T16:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for _ in 0..400 {
            let local = t.with_timezone(&vn);
            assert_eq!(
                Lang::Vi.time(t),
                local.format("%H:%M, %d/%m/%Y").to_string()
            );
            assert_eq!(
                Lang::En.time(t),
                local.format("%-d %b %Y, %H:%M").to_string()
            );
            let d = local.date_naive();
            assert_eq!(Lang::Vi.date(d), d.format("%d/%m/%Y").to_string());
            assert_eq!(Lang::En.date(d), d.format("%-d %b %Y").to_string());
            t += chrono::Duration::minutes(1_337 * 17);
        }
    }

    #[test]
    fn language_follows_the_query_then_accept_language_then_vietnamese() {
        assert_eq!(Lang::choose(Some("en"), Some("vi")), Lang::En);
        assert_eq!(
            Lang::choose(None, Some("en-US,en;q=0.9,vi;q=0.8")),
            Lang::En
        );
        assert_eq!(
            Lang::choose(None, Some("fr-FR, en;q=0.5, vi;q=0.7")),
            Lang::Vi
        );
        assert_eq!(Lang::choose(None, Some("fr, de")), Lang::Vi);
        assert_eq!(Lang::choose(None, Some("en;q=0")), Lang::Vi);
        assert_eq!(Lang::choose(Some("xx"), None), Lang::Vi);
    }

    #[test]
    fn dates_and_times_read_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
        assert_eq!(Lang::Vi.date(d), "04/11/2026");
        assert_eq!(Lang::En.date(d), "4 Nov 2026");
        let t = DateTime::parse_from_rfc3339("2026-11-24T20:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(Lang::Vi.time(t), "03:30, 25/11/2026");
    }
}
