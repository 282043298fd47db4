//! OCOP certification rules (Decision 148/QĐ-TTg, 2023, and the earlier Decision 1048/QĐ-TTg).

use chrono::{Months, NaiveDate};

use super::{ParseError, string_enum};
use crate::domain::Reason;

string_enum! {
    /// Council that recognised the rating. `district` existed before 2023.
    OcopLevel {
        Province => "province",
        Central => "central",
        District => "district",
    }
}

string_enum! {
    /// The six OCOP product groups.
    OcopGroup {
        Food => "food",
        Beverage => "beverage",
        Herbal => "herbal",
        Textile => "textile",
        Handicraft => "handicraft",
        Tourism => "tourism",
    }
}

string_enum! {
    /// Whether a certification is in force on a given day.
    CertificationStatus {
        Valid => "valid",
        Expired => "expired",
    }
}

/// An OCOP rating of 3, 4 or 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OcopStars(u8);

/// A certificate is valid for 36 months from its decision date.
pub const VALIDITY_MONTHS: u32 = 36;

impl OcopStars {
    pub fn parse(n: i64) -> Result<Self, ParseError> {
        match n {
            3..=5 => Ok(Self(n as u8)),
            _ => Err(ParseError::new(
                Reason::OcopStarsRange,
                format!("OCOP ratings are 3, 4 or 5 stars, not {n}"),
            )),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The score band for this rating on the 100-point scale.
    pub fn score_band(self) -> (u8, u8) {
        match self.0 {
            3 => (50, 69),
            4 => (70, 89),
            _ => (90, 100),
        }
    }

    /// Which councils may award this rating.
    pub fn allowed_levels(self) -> &'static [OcopLevel] {
        match self.0 {
            3 => &[OcopLevel::District, OcopLevel::Province],
            4 => &[OcopLevel::Province],
            _ => &[OcopLevel::Central],
        }
    }
}

/// Checks that a score fits the star band.
pub fn check_score(stars: OcopStars, score: i64) -> Result<u8, ParseError> {
    let (lo, hi) = stars.score_band();
    if !(0..=100).contains(&score) {
        return Err(ParseError::new(
            Reason::OcopScoreRange,
            "an OCOP score is between 0 and 100",
        ));
    }
    let s = score as u8;
    if !(lo..=hi).contains(&s) {
        return Err(ParseError::new(
            Reason::OcopScoreBand,
            format!(
                "{} stars need a score from {lo} to {hi}, not {s}",
                stars.get()
            ),
        ));
    }
    Ok(s)
}

pub fn check_level(stars: OcopStars, level: OcopLevel) -> Result<(), ParseError> {
    if stars.allowed_levels().contains(&level) {
        return Ok(());
    }
    let allowed: Vec<&str> = stars.allowed_levels().iter().map(|l| l.as_str()).collect();
    Err(ParseError::new(
        Reason::OcopLevelMismatch,
        format!(
            "{} stars are awarded at {} level, not {level}",
            stars.get(),
            allowed.join(" or ")
        ),
    ))
}

/// Last day a certificate decided on `decision_date` is valid: the decision date plus 36
/// months (clamped to the month's end, so 29 Feb 2024 runs to 28 Feb 2027).
pub fn valid_until(decision_date: NaiveDate) -> Option<NaiveDate> {
    decision_date.checked_add_months(Months::new(VALIDITY_MONTHS))
}

pub fn status_on(valid_until: NaiveDate, today: NaiveDate) -> CertificationStatus {
    if today <= valid_until {
        CertificationStatus::Valid
    } else {
        CertificationStatus::Expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn validity_is_36_months_from_the_decision_date() {
        assert_eq!(valid_until(d(2024, 3, 15)), Some(d(2027, 3, 15)));
        // Month-end decisions clamp to the shorter month.
        assert_eq!(valid_until(d(2024, 2, 29)), Some(d(2027, 2, 28)));
    }

    #[test]
    fn a_certificate_expires_the_day_after_it_ends() {
        let until = d(2027, 3, 14);
        assert_eq!(status_on(until, d(2027, 3, 14)), CertificationStatus::Valid);
        assert_eq!(
            status_on(until, d(2027, 3, 15)),
            CertificationStatus::Expired
        );
    }

    #[test]
    fn stars_scores_and_levels_must_agree() {
        assert!(OcopStars::parse(2).is_err());
        assert!(OcopStars::parse(6).is_err());
        let four = OcopStars::parse(4).unwrap();
        assert_eq!(check_score(four, 75).unwrap(), 75);
        assert_eq!(
            check_score(four, 92).unwrap_err().code,
            Reason::OcopScoreBand
        );
        assert_eq!(
            check_score(four, 101).unwrap_err().code,
            Reason::OcopScoreRange
        );
        assert!(check_level(four, OcopLevel::Province).is_ok());
        assert_eq!(
            check_level(four, OcopLevel::Central).unwrap_err().code,
            Reason::OcopLevelMismatch
        );
        assert!(check_level(OcopStars::parse(5).unwrap(), OcopLevel::Central).is_ok());
    }
}
