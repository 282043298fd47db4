//! What a client sends to create or change growing areas, and its parse into the service's input.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::Reason;
use crate::domain::geo::Boundary;
use crate::domain::growing_area::{
    AreaCertificate, AreaScope, AreaStatus, parse_area_ha, parse_market,
};
use crate::domain::{GrowingAreaCode, ParseError, text};
use crate::error::{AppError, Problems};
use crate::services::growing_areas::{GrowingAreaChanges, NewGrowingArea};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrowingArea {
    /// The official code exactly as issued, e.g. `VN-66-650-24370-94-21`.
    pub code: String,
    pub scope: AreaScope,
    /// ISO 3166-1 alpha-2 market the export code was issued for (required for `export`).
    pub target_market: Option<String>,
    pub crop: String,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    /// Authority that issued the code.
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub boundary: Option<Boundary>,
    #[serde(default)]
    pub certificates: Vec<AreaCertificate>,
}

fn check_boundary(p: &mut Problems, b: Option<Boundary>) -> Option<Option<Boundary>> {
    p.check_opt("boundary", b, |b| b.validate().map(|()| b))
}

/// Most certificates one growing area lists.
const MAX_CERTIFICATES: usize = 20;

fn check_certificates(p: &mut Problems, certs: Vec<AreaCertificate>) -> Vec<AreaCertificate> {
    if certs.len() > MAX_CERTIFICATES {
        p.push(
            "certificates",
            ParseError::new(
                Reason::TooManyCertificates,
                format!("at most {MAX_CERTIFICATES} certificates"),
            ),
        );
    }
    for (i, c) in certs.iter().enumerate() {
        if let Err((field, e)) = c.validate() {
            p.push(&format!("certificates[{i}].{field}"), e);
        }
    }
    certs
}

impl CreateGrowingArea {
    pub fn parse(self) -> Result<NewGrowingArea, AppError> {
        let mut p = Problems::default();
        let code = p.check("code", GrowingAreaCode::parse(&self.code));
        let target_market =
            p.check_opt("target_market", self.target_market.as_deref(), parse_market);
        if self.scope == AreaScope::Export && self.target_market.is_none() {
            p.push(
                "target_market",
                ParseError::new(
                    Reason::MarketRequired,
                    "an export growing area names its target market",
                ),
            );
        }
        let crop = p.check("crop", text::line(&self.crop, 1, 100));
        let variety = p.check_opt("variety", self.variety.as_deref(), |s| {
            text::line(s, 1, 100)
        });
        let area_ha = p.check_opt("area_ha", self.area_ha, parse_area_ha);
        let issuer = p.check_opt("issuer", self.issuer.as_deref(), |s| text::line(s, 1, 200));
        if let (Some(i), Some(v)) = (self.issued_on, self.valid_until)
            && v < i
        {
            p.push(
                "valid_until",
                ParseError::new(Reason::DateOrder, "valid_until is before issued_on"),
            );
        }
        let boundary = check_boundary(&mut p, self.boundary);
        let certificates = check_certificates(&mut p, self.certificates);
        let (
            Some(code),
            Some(target_market),
            Some(crop),
            Some(variety),
            Some(area_ha),
            Some(issuer),
            Some(boundary),
        ) = (
            code,
            target_market,
            crop,
            variety,
            area_ha,
            issuer,
            boundary,
        )
        else {
            return Err(p.into_error());
        };
        p.finish()?;
        Ok(NewGrowingArea {
            code,
            scope: self.scope,
            target_market,
            crop,
            variety,
            area_ha,
            issuer,
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            boundary,
            certificates,
        })
    }
}

/// What may change after registration; the code, scope and farm are fixed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGrowingArea {
    pub status: Option<AreaStatus>,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    pub valid_until: Option<NaiveDate>,
    pub boundary: Option<Boundary>,
    /// Replaces the whole list.
    pub certificates: Option<Vec<AreaCertificate>>,
}

impl UpdateGrowingArea {
    pub fn parse(self) -> Result<GrowingAreaChanges, AppError> {
        let mut p = Problems::default();
        let c = GrowingAreaChanges {
            status: self.status,
            variety: p
                .check_opt("variety", self.variety.as_deref(), |s| {
                    text::line(s, 1, 100)
                })
                .flatten(),
            area_ha: p
                .check_opt("area_ha", self.area_ha, parse_area_ha)
                .flatten(),
            valid_until: self.valid_until,
            boundary: check_boundary(&mut p, self.boundary).flatten(),
            certificates: self.certificates.map(|c| check_certificates(&mut p, c)),
        };
        p.finish()?;
        Ok(c)
    }
}
