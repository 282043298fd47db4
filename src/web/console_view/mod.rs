//! The producer console's pages (sign-in, dashboard, farms) and their words in Vietnamese and
//! English. Pure: views built from records and rendered by askama from `templates/console/`.

pub mod batches;
pub mod import;
pub mod listings;
pub mod map;
pub mod members;
pub mod organization;
mod texts;

use std::collections::BTreeMap;

use askama::Template;

use crate::domain::Reason;
use crate::error::Code;
use crate::i18n::Lang;

pub use texts::{ConsoleTexts, texts};

/// What every console page carries: language, the CSRF token for its forms, who is signed in.
pub struct Chrome {
    pub t: &'static ConsoleTexts,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub csrf: String,
    pub signed_in_as: Option<String>,
    /// The section tab of the page (its path), marked `aria-current`.
    pub section: &'static str,
}

/// The section tabs' paths, in the order the header shows them.
pub const SECTIONS: [&str; 9] = [
    "/console",
    "/console/batches",
    "/console/farms",
    "/console/growing-areas",
    "/console/products",
    "/console/listings",
    "/console/import",
    "/console/members",
    "/console/organization",
];

impl Chrome {
    /// The header's tabs: path, label in the page's language, and whether the page is in it.
    pub fn tabs(&self) -> [(&'static str, &'static str, bool); 9] {
        let t = self.t;
        let labels = [
            t.dashboard,
            t.batches,
            t.nav_farms,
            t.nav_areas,
            t.nav_products,
            t.nav_listings,
            t.nav_import,
            t.nav_members,
            t.nav_organization,
        ];
        std::array::from_fn(|i| (SECTIONS[i], labels[i], SECTIONS[i] == self.section))
    }

    pub fn new(lang: Lang, csrf: String, signed_in_as: Option<String>) -> Self {
        Self {
            t: texts(lang),
            lang: lang.code(),
            other_lang: lang.other().code(),
            csrf,
            signed_in_as,
            section: "",
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
    /// (batch id, lot, product, quantity with unit).
    pub batches: Vec<(String, String, String, String)>,
    /// (product, stars, decision number, valid until).
    pub expiring: Vec<(String, String, String, String)>,
    /// (batch id, lot, product, scans this week).
    pub scans: Vec<(String, String, String, i64)>,
    /// (serial, lot, scans in its life, its latest suspicious scan).
    pub copied: Vec<(String, String, i64, String)>,
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
    /// The commune's code and names ("24370 · Xã Ea Tân, Huyện Krông Năng, Tỉnh Đắk Lắk"),
    /// in the list in force when the farm was registered; empty when none was given.
    pub commune: String,
    /// An OpenStreetMap link when the farm has coordinates.
    pub map_url: Option<String>,
    /// Where the farm falls on the drawn map of Vietnam.
    pub marker: Option<(u32, u32)>,
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
    pub fn of(f: &entity::farm::Model, lang: Lang) -> Self {
        use crate::domain::admin_units::{Edition, commune_path};
        let commune = f.commune_code.as_deref().map_or_else(String::new, |code| {
            let edition = Edition::on(f.created_at.date_naive());
            match commune_path(edition, code, lang == Lang::En) {
                Some(names) => format!("{code} · {names}"),
                None => code.to_owned(),
            }
        });
        Self {
            name: f.name.clone(),
            address: f.address.clone(),
            commune,
            marker: f
                .latitude
                .zip(f.longitude)
                .and_then(|(lat, lon)| map::marker(lat, lon)),
            map_url: f.latitude.zip(f.longitude).map(|(lat, lon)| {
                format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=14/{lat}/{lon}")
            }),
        }
    }
}

/// The message in `lang` for a farm field's problem (`code` from the domain's parsers).
pub fn farm_error(t: &'static ConsoleTexts, field: &str, code: Reason) -> &'static str {
    match (field, code) {
        ("name", _) => t.err_name,
        ("address", _) => t.err_address,
        ("commune_code", Reason::CommuneCodeNotCurrent) => t.err_commune_old,
        ("commune_code", _) => t.err_commune,
        (_, Reason::CoordinatesIncomplete) => t.err_pair,
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
    /// Where the farm falls on the drawn map of Vietnam.
    pub marker: Option<(u32, u32)>,
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
pub fn area_error(t: &'static ConsoleTexts, field: &str, code: Reason) -> &'static str {
    match (field, code) {
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
pub fn product_error(t: &'static ConsoleTexts, field: &str, code: Reason) -> &'static str {
    match (field, code) {
        ("name", _) => t.err_name,
        ("unit", _) => t.err_unit,
        ("gtin", _) => t.err_gtin,
        ("net_weight_g", _) => t.err_weight,
        ("description", _) => t.err_description,
        ("cert.stars", _) => t.err_stars,
        ("cert.level", _) => t.err_level,
        ("cert.decision_number", _) => t.err_decision_number,
        ("cert.decision_date", Reason::DateInFuture) => t.err_future,
        ("cert.decision_date", _) => t.err_date,
        ("cert.issuing_body", _) => t.err_issuer,
        ("cert.product_id", _) => t.err_product,
        _ => t.err_number,
    }
}

/// A failed console request as a page, in both languages (the failure may come before the
/// language is known): what the problem's code says to a person, the problem's detail for
/// whoever helps, and for a server error the request's id to quote.
#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub status: u16,
    pub vi: &'static str,
    pub en: &'static str,
    pub detail: String,
    pub request_id: Option<String>,
}

impl ErrorPage {
    pub fn new(code: Code, detail: String, request_id: Option<String>) -> Self {
        let (vi, en) = match code {
            // Said for a page as well as a record, and why it may be hidden.
            Code::NotFound => (
                "Không tìm thấy trang hoặc bản ghi này (có thể nó thuộc tổ chức khác).",
                "This page or record was not found (it may belong to another organization).",
            ),
            Code::InternalError => (
                "Máy chủ đang gặp lỗi; lỗi đã được ghi lại. Vui lòng thử lại sau.",
                "The server failed; the error was logged. Please try again later.",
            ),
            other => (other.text(Lang::Vi), other.text(Lang::En)),
        };
        let server_error = code.status() >= 500;
        Self {
            c: Chrome::new(Lang::Vi, String::new(), None),
            status: code.status(),
            vi,
            en,
            // A server error's detail says nothing more than its words.
            detail: if server_error { String::new() } else { detail },
            request_id: request_id.filter(|_| server_error),
        }
    }
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::ErrorPage;
    use crate::error::Code;

    #[test]
    fn an_error_page_says_its_codes_words_and_a_server_error_only_its_request_id() {
        let refused = ErrorPage::new(
            Code::NoMarketplaceAccount,
            "connect a shop first".into(),
            Some("req-1".into()),
        );
        assert_eq!(refused.status, 409);
        let html = refused.render().unwrap();
        assert!(html.contains(Code::NoMarketplaceAccount.text(crate::i18n::Lang::Vi)));
        assert!(html.contains("connect a shop first"));
        assert!(
            !html.contains("req-1"),
            "a refusal is not the server's fault"
        );

        let failed = ErrorPage::new(
            Code::InternalError,
            "internal error".into(),
            Some("req-2".into()),
        );
        let html = failed.render().unwrap();
        assert_eq!(failed.status, 500);
        assert!(html.contains("req-2"));
        assert!(html.contains("Máy chủ đang gặp lỗi"));
        assert!(!html.contains("Chi tiết"), "no detail beyond the words");
    }
}
