//! The organization's own page: its registered facts, which owners keep up to date (they are
//! what the scan page shows shoppers about the producer).

use std::collections::BTreeMap;

use askama::Template;

use super::Chrome;
use crate::i18n::Lang;

pub struct OrgTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub kind: &'static str,
    pub kinds: [(&'static str, &'static str); 5],
    pub name: &'static str,
    pub tax_code: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub website: &'static str,
    pub saved: &'static str,
    pub read_only: &'static str,
    pub err_name: &'static str,
    pub err_tax_code: &'static str,
    pub err_address: &'static str,
    pub err_phone: &'static str,
    pub err_email: &'static str,
    pub err_website: &'static str,
    pub err_taken: &'static str,
}

pub const VI: OrgTexts = OrgTexts {
    title: "Thông tin tổ chức",
    intro: "Người mua thấy các thông tin này khi quét tem.",
    kind: "Loại hình",
    kinds: [
        ("cooperative", "Hợp tác xã"),
        ("enterprise", "Doanh nghiệp"),
        ("household_business", "Hộ kinh doanh"),
        ("farm", "Trang trại"),
        ("cooperative_group", "Tổ hợp tác"),
    ],
    name: "Tên đăng ký",
    tax_code: "Mã số thuế",
    address: "Địa chỉ",
    phone: "Điện thoại",
    email: "Email",
    website: "Trang web",
    saved: "Đã lưu thông tin tổ chức.",
    read_only: "Chỉ chủ sở hữu sửa được thông tin tổ chức.",
    err_name: "Nhập tên, từ 1 đến 200 ký tự.",
    err_tax_code: "Mã số thuế gồm 10 chữ số (chi nhánh: 10 chữ số, gạch ngang, 3 chữ số).",
    err_address: "Nhập địa chỉ, từ 1 đến 500 ký tự.",
    err_phone: "Nhập số điện thoại Việt Nam, ví dụ 0912345678.",
    err_email: "Nhập email hợp lệ.",
    err_website: "Địa chỉ web bắt đầu bằng https://, ví dụ https://htx.vn",
    err_taken: "Mã số thuế này đã được đăng ký cho tổ chức khác.",
};

pub const EN: OrgTexts = OrgTexts {
    title: "Organization",
    intro: "Shoppers see these facts when they scan a stamp.",
    kind: "Legal form",
    kinds: [
        ("cooperative", "Cooperative"),
        ("enterprise", "Enterprise"),
        ("household_business", "Household business"),
        ("farm", "Farm"),
        ("cooperative_group", "Cooperative group"),
    ],
    name: "Registered name",
    tax_code: "Tax code",
    address: "Address",
    phone: "Phone",
    email: "E-mail",
    website: "Website",
    saved: "Organization saved.",
    read_only: "Only owners change the organization's facts.",
    err_name: "Give a name of 1 to 200 characters.",
    err_tax_code: "A tax code is 10 digits (a branch: 10 digits, a dash, 3 digits).",
    err_address: "Give an address of 1 to 500 characters.",
    err_phone: "Give a Vietnamese phone number, e.g. 0912345678.",
    err_email: "Give a valid e-mail address.",
    err_website: "A website starts with https://, e.g. https://htx.vn",
    err_taken: "This tax code is registered to another organization.",
};

pub fn org_texts(lang: Lang) -> &'static OrgTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl OrgTexts {
    pub fn field_error(&self, field: &str) -> &'static str {
        match field {
            "name" => self.err_name,
            "tax_code" => self.err_tax_code,
            "address" => self.err_address,
            "phone" => self.err_phone,
            "email" => self.err_email,
            _ => self.err_website,
        }
    }
}

/// The organization form as typed (or as stored, to begin with).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct OrgForm {
    pub name: String,
    pub tax_code: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
}

#[derive(Template)]
#[template(path = "console/organization.html")]
pub struct OrganizationPage {
    pub c: Chrome,
    pub o: &'static OrgTexts,
    pub kind: &'static str,
    pub owner: bool,
    pub form: OrgForm,
    pub errors: BTreeMap<&'static str, &'static str>,
    pub saved: bool,
}

impl OrganizationPage {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}
