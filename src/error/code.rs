//! Every problem code the service answers with, one enum: its stable snake_case text (the
//! `code` of problem+json, which clients match on), its HTTP status, and what it says to a
//! person in Vietnamese and English. Pages pick their words from here, so a code cannot be
//! renamed without the compiler finding every place that reads it.

use crate::i18n::Lang;

macro_rules! codes {
    ($($variant:ident = $text:literal, $status:literal, $vi:literal, $en:literal;)+) => {
        /// A problem code. `Code::ALL` lists them; `as_str` is what the API sends.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),+ }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The `code` member of problem+json.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),+ }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status),+ }
            }

            /// What it says to a person.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Code::$variant, Lang::Vi) => $vi, (Code::$variant, Lang::En) => $en,)+
                }
            }

            /// The code with this text, if there is one.
            pub fn parse(text: &str) -> Option<Code> {
                match text { $($text => Some(Code::$variant),)+ _ => None }
            }
        }
    };
}

codes! {
    // 400: the request cannot be read.
    MalformedJson = "malformed_json", 400,
        "Nội dung gửi lên không phải JSON hợp lệ.", "The body is not valid JSON.";
    MalformedForm = "malformed_form", 400,
        "Biểu mẫu gửi lên không đọc được; hãy tải lại trang.", "The form cannot be read; reload the page.";
    MalformedMultipart = "malformed_multipart", 400,
        "Biểu mẫu gửi lên bị hỏng.", "The form could not be read.";
    BodyUnreadable = "body_unreadable", 400,
        "Không đọc được nội dung gửi lên.", "The body could not be read.";
    OneFileOnly = "one_file_only", 400,
        "Mỗi lần chỉ gửi một tệp.", "Send one file at a time.";
    MissingFile = "missing_file", 400,
        "Chưa chọn tệp.", "No file was sent.";
    InvalidDigitalLink = "invalid_digital_link", 400,
        "Đường dẫn này không phải mã truy xuất hợp lệ.", "This is not a valid GS1 Digital Link.";
    // 401: who is asking is not known.
    MissingToken = "missing_token", 401,
        "Cần đăng nhập.", "Sign-in is required: no `Authorization: Bearer` token was sent.";
    InvalidToken = "invalid_token", 401,
        "Mã truy cập không hợp lệ hoặc đã bị thu hồi.", "The token is invalid or revoked.";
    SessionExpired = "session_expired", 401,
        "Phiên làm việc đã hết hạn; hãy đăng nhập lại.", "The session has expired; sign in again.";
    InvalidCredentials = "invalid_credentials", 401,
        "Tên đăng nhập hoặc mật khẩu không đúng.", "The login or password is wrong.";
    // 403, 404, 405, 413, 415, 422, 429: fixed by their variant of AppError.
    Forbidden = "forbidden", 403,
        "Vai trò của bạn không được làm việc này.", "Your role does not allow this.";
    NotFound = "not_found", 404,
        "Không tìm thấy.", "No such record, or it belongs to an organization you cannot see.";
    MethodNotAllowed = "method_not_allowed", 405,
        "Không hỗ trợ thao tác này ở địa chỉ này.", "This method is not allowed here.";
    PayloadTooLarge = "payload_too_large", 413,
        "Nội dung gửi lên quá lớn.", "The body is too large.";
    UnsupportedMediaType = "unsupported_media_type", 415,
        "Kiểu nội dung không được hỗ trợ.", "This content type is not accepted here (the API takes `application/json`).";
    UnsupportedFileType = "unsupported_file_type", 415,
        "Loại tệp này không được nhận.", "This type of file is not accepted.";
    ContentTypeMismatch = "content_type_mismatch", 415,
        "Nội dung tệp không khớp với loại đã khai.", "The file is not what its type says.";
    ValidationFailed = "validation_failed", 422,
        "Có trường chưa hợp lệ.", "One or more fields are invalid; `errors` lists each with its `field`, `code` and `message`.";
    RateLimited = "rate_limited", 429,
        "Quá nhiều yêu cầu; hãy thử lại sau ít phút.", "Too many requests; try again in a few minutes.";
    // 409: the request conflicts with what is stored.
    Duplicate = "duplicate", 409,
        "Đã có bản ghi với giá trị này.", "A record with this value exists already.";
    ReferenceMissing = "reference_missing", 409,
        "Bản ghi được nhắc tới không tồn tại.", "A record it refers to does not exist.";
    TaxCodeTaken = "tax_code_taken", 409,
        "Mã số thuế này đã được đăng ký.", "This tax code is registered already.";
    GtinTaken = "gtin_taken", 409,
        "Mã GTIN này đã thuộc về sản phẩm khác.", "This GTIN belongs to another product.";
    GtinImmutable = "gtin_immutable", 409,
        "Sản phẩm đã có tem nên không đổi được GTIN.", "The product has stamps, so its GTIN cannot change.";
    LotCodeTaken = "lot_code_taken", 409,
        "Sản phẩm này đã có lô mang mã này.", "This product has a batch with this code already.";
    LotCodeAmbiguous = "lot_code_ambiguous", 409,
        "Nhiều sản phẩm có lô mang mã này.", "Several products have a batch with this code.";
    GrowingAreaCodeTaken = "growing_area_code_taken", 409,
        "Mã số vùng trồng này đã được đăng ký.", "This growing-area code is registered already.";
    EmailTaken = "email_taken", 409,
        "Địa chỉ email này đã có tài khoản.", "This e-mail address has an account already.";
    PhoneTaken = "phone_taken", 409,
        "Số điện thoại này đã có tài khoản.", "This phone number has an account already.";
    AlreadyMember = "already_member", 409,
        "Người này đã là thành viên.", "This person is a member already.";
    BatchNotOpen = "batch_not_open", 409,
        "Lô hàng đã đóng nên không sửa được.", "The batch is no longer open to changes.";
    BatchRecalled = "batch_recalled", 409,
        "Lô hàng đã bị thu hồi.", "The batch has been recalled.";
    BatchStatusRejectsEvent = "batch_status_rejects_event", 409,
        "Trạng thái hiện tại của lô không nhận công việc này.", "The batch's status does not accept this kind of entry.";
    InvalidStatusTransition = "invalid_status_transition", 409,
        "Không chuyển được lô sang trạng thái này.", "The batch cannot move to this status.";
    RecallNeedsEvent = "recall_needs_event", 409,
        "Thu hồi lô bằng cách ghi sự kiện thu hồi vào nhật ký.", "Recall a batch by recording a recall in its diary.";
    ProductGtinInvalid = "product_gtin_invalid", 409,
        "GTIN của sản phẩm không hợp lệ.", "The product's GTIN is not valid.";
    AlreadyVoid = "already_void", 409,
        "Tem này đã bị hủy.", "This stamp is void already.";
    PinsAlreadyReleased = "pins_already_released", 409,
        "Mã PIN của đợt tem này đã được in một lần.", "This run's PINs have been released once already.";
    RunHasNoPins = "run_has_no_pins", 409,
        "Đợt tem này không có mã PIN.", "This run has no PINs.";
    NothingToPrint = "nothing_to_print", 409,
        "Không có tem nào để in.", "There are no stamps to print.";
    NothingToExport = "nothing_to_export", 409,
        "Không có sản phẩm nào để xuất.", "There is nothing to export.";
    NotYetCheckpointed = "not_yet_checkpointed", 409,
        "Bản ghi chưa được niêm phong trong một mốc ký; hãy thử lại sau ít phút.", "The record is not in a signed checkpoint yet; try again in a few minutes.";
    NotRemovable = "not_removable", 409,
        "Tệp này không xóa được.", "This file cannot be removed.";
    TooManyImages = "too_many_images", 409,
        "Sản phẩm đã có đủ số ảnh tối đa.", "The product has the most images it may have.";
    ListingExists = "listing_exists", 409,
        "Sản phẩm đã có tin đăng trên sàn này.", "The product has a listing on this marketplace already.";
    NotLive = "not_live", 409,
        "Tin đăng chưa được bán trên sàn.", "The listing is not live on the marketplace.";
    NotFailed = "not_failed", 409,
        "Chỉ thử lại được lần đẩy đã thất bại.", "Only a failed push can be retried.";
    NoSellerApi = "no_seller_api", 409,
        "Sàn này không có API cho người bán; hãy dùng gói tải lên.", "This marketplace has no seller API; use the upload pack.";
    MarketplaceNotConfigured = "marketplace_not_configured", 409,
        "Dịch vụ chưa được cấu hình để kết nối với sàn này.", "The service is not set up to connect to this marketplace.";
    NoMarketplaceAccount = "no_marketplace_account", 409,
        "Tổ chức chưa kết nối gian hàng trên sàn này.", "The organization has not connected a shop on this marketplace.";
    MarketplaceAccountUnreadable = "marketplace_account_unreadable", 409,
        "Không đọc được thông tin kết nối gian hàng; hãy kết nối lại.", "The shop's connection cannot be read; connect it again.";
    MarketplaceReview = "marketplace_review", 409,
        "Sàn đang duyệt sản phẩm; hãy chờ kết quả.", "The marketplace is reviewing the product; wait for its answer.";
    TraceCodeFromGtin = "trace_code_from_gtin", 409,
        "Sản phẩm đã có mã GTIN; mã truy vết của sản phẩm là mã GTIN đó.", "The product has a GTIN; its trace code is that GTIN.";
    PortalNotConfigured = "portal_not_configured", 409,
        "Dịch vụ chưa được cấu hình để gửi dữ liệu lên Cổng truy xuất nguồn gốc.", "The service is not set up to send data to the traceability portal.";
    // 5xx.
    Unavailable = "unavailable", 503,
        "Dịch vụ tạm thời gián đoạn; hãy thử lại sau.", "The service is briefly unavailable; try again later.";
    InternalError = "internal_error", 500,
        "Đã có lỗi; hãy thử lại sau.", "Something went wrong; the body carries a `request_id` to report.";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_distinct_snake_case_with_a_status_and_words_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert_eq!(Code::parse(text), Some(*code));
            assert!((400..600).contains(&code.status()), "{text}");
            for lang in [Lang::Vi, Lang::En] {
                assert!(!code.text(lang).is_empty(), "{text} in {lang:?}");
            }
            assert_ne!(code.text(Lang::Vi), code.text(Lang::En), "{text}");
        }
    }
}
