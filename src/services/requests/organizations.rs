//! What a client sends to create or change organizations, and its parse into the service's input.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::Reason;
use crate::domain::contact::{Email, Phone};
use crate::domain::organization::OrganizationKind;
use crate::domain::{CommuneCode, ParseError, ProvinceCode, TaxCode, text};
use crate::error::{AppError, Problems};
use crate::services::organizations::{NewOrganization, OrganizationChanges};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    pub kind: OrganizationKind,
    /// Registered name, in Vietnamese.
    pub name: String,
    /// Mã số thuế: 10 digits, `NNNNNNNNNN-BBB` for a branch, or a 12-digit personal id
    /// (household businesses and farms only).
    pub tax_code: Option<String>,
    pub address: String,
    /// Province code (2 digits).
    pub province_code: Option<String>,
    /// Commune code (5 digits).
    pub commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// GS1 company prefix (6–12 digits), when the organization has one.
    pub gs1_company_prefix: Option<String>,
}

fn parse_website(s: &str) -> Result<url::Url, ParseError> {
    url::Url::parse(s.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            ParseError::new(
                Reason::UrlFormat,
                "a website is an http(s) address, e.g. https://htx.vn",
            )
        })
}

fn parse_gs1_prefix(s: &str) -> Result<String, ParseError> {
    let s = s.trim();
    if (6..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(ParseError::new(
            Reason::Gs1PrefixFormat,
            "a GS1 company prefix is 6 to 12 digits",
        ))
    }
}

impl CreateOrganization {
    pub fn parse(self) -> Result<NewOrganization, AppError> {
        let mut p = Problems::default();
        let name = p.check("name", text::line(&self.name, 1, 200));
        let address = p.check("address", text::clean(&self.address, 1, 500));
        let tax_code = p.check_opt("tax_code", self.tax_code.as_deref(), TaxCode::parse);
        let province_code = p.check_opt(
            "province_code",
            self.province_code.as_deref(),
            ProvinceCode::parse,
        );
        let commune_code = p.check_opt(
            "commune_code",
            self.commune_code.as_deref(),
            CommuneCode::parse,
        );
        let phone = p.check_opt("phone", self.phone.as_deref(), Phone::parse);
        let email = p.check_opt("email", self.email.as_deref(), Email::parse);
        let website = p.check_opt("website", self.website.as_deref(), parse_website);
        let gs1 = p.check_opt(
            "gs1_company_prefix",
            self.gs1_company_prefix.as_deref(),
            parse_gs1_prefix,
        );
        let (
            Some(name),
            Some(address),
            Some(tax_code),
            Some(province_code),
            Some(commune_code),
            Some(phone),
            Some(email),
            Some(website),
            Some(gs1_company_prefix),
        ) = (
            name,
            address,
            tax_code,
            province_code,
            commune_code,
            phone,
            email,
            website,
            gs1,
        )
        else {
            return Err(p.into_error());
        };
        Ok(NewOrganization {
            kind: self.kind,
            name,
            tax_code,
            address,
            province_code,
            commune_code,
            phone,
            email,
            website,
            gs1_company_prefix,
        })
    }
}

/// Fields to change; absent fields stay as they are. The kind cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    pub tax_code: Option<String>,
    pub address: Option<String>,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub gs1_company_prefix: Option<String>,
}

impl UpdateOrganization {
    pub fn parse(self) -> Result<OrganizationChanges, AppError> {
        let mut p = Problems::default();
        let c = OrganizationChanges {
            name: p
                .check_opt("name", self.name.as_deref(), |s| text::line(s, 1, 200))
                .flatten(),
            tax_code: p
                .check_opt("tax_code", self.tax_code.as_deref(), TaxCode::parse)
                .flatten(),
            address: p
                .check_opt("address", self.address.as_deref(), |s| {
                    text::clean(s, 1, 500)
                })
                .flatten(),
            province_code: p
                .check_opt(
                    "province_code",
                    self.province_code.as_deref(),
                    ProvinceCode::parse,
                )
                .flatten(),
            commune_code: p
                .check_opt(
                    "commune_code",
                    self.commune_code.as_deref(),
                    CommuneCode::parse,
                )
                .flatten(),
            phone: p
                .check_opt("phone", self.phone.as_deref(), Phone::parse)
                .flatten(),
            email: p
                .check_opt("email", self.email.as_deref(), Email::parse)
                .flatten(),
            website: p
                .check_opt("website", self.website.as_deref(), parse_website)
                .flatten(),
            gs1_company_prefix: p
                .check_opt(
                    "gs1_company_prefix",
                    self.gs1_company_prefix.as_deref(),
                    parse_gs1_prefix,
                )
                .flatten(),
        };
        p.finish()?;
        Ok(c)
    }
}
