//! Growing areas (vùng trồng): scope, status and the certificates they hold.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ParseError, string_enum};
use crate::domain::Reason;

string_enum! {
    /// Whether a code was issued for the domestic market or for export to one market.
    AreaScope {
        Domestic => "domestic",
        Export => "export",
    }
}

string_enum! {
    /// Registration status as set by the issuing authority.
    AreaStatus {
        Active => "active",
        Suspended => "suspended",
        Revoked => "revoked",
    }
}

string_enum! {
    /// Good-practice and organic schemes a growing area can be certified under.
    CertificateScheme {
        Vietgap => "vietgap",
        Globalgap => "globalgap",
        Organic => "organic",
        Other => "other",
    }
}

/// A certificate held by a growing area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaCertificate {
    pub scheme: CertificateScheme,
    pub number: String,
    pub issuer: Option<String>,
    pub valid_until: Option<NaiveDate>,
}

impl AreaCertificate {
    pub fn validate(&self) -> Result<(), (&'static str, ParseError)> {
        super::text::line(&self.number, 1, 64).map_err(|e| ("number", e))?;
        if let Some(i) = &self.issuer {
            super::text::line(i, 1, 200).map_err(|e| ("issuer", e))?;
        }
        Ok(())
    }
}

/// ISO 3166-1 alpha-2 market code, upper case (e.g. `CN`, `US`).
pub fn parse_market(input: &str) -> Result<String, ParseError> {
    let s = input.trim().to_ascii_uppercase();
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err(ParseError::new(
            Reason::MarketFormat,
            "a target market is an ISO 3166-1 alpha-2 country code, e.g. CN",
        ))
    }
}

/// Largest area accepted for one growing area, in hectares (a generous bound that still
/// catches square metres typed into the hectare field).
pub const MAX_AREA_HA: f64 = 100_000.0;

pub fn parse_area_ha(v: f64) -> Result<f64, ParseError> {
    if v.is_finite() && v > 0.0 && v <= MAX_AREA_HA {
        Ok(v)
    } else {
        Err(ParseError::new(
            Reason::AreaHaRange,
            format!("an area is more than 0 and at most {MAX_AREA_HA} ha"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markets_and_areas_are_checked() {
        assert_eq!(parse_market("cn").unwrap(), "CN");
        assert!(parse_market("CHN").is_err());
        assert!(parse_area_ha(12.5).is_ok());
        assert!(parse_area_ha(0.0).is_err());
        assert!(parse_area_ha(f64::NAN).is_err());
        assert!(parse_area_ha(250_000.0).is_err());
    }
}
