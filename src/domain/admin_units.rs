//! Names of Vietnamese administrative units, by code, in the edition of the statistics office's
//! list that was in force when a code was given (shipped in `assets/admin_units`, with its source).
//!
//! Since 2025-07-01 (Decision 19/2025/QĐ-TTg) there are 34 provinces and communes, no districts;
//! the codes of communes were reused, so `00004` is Phường Ba Đình now and was Phường Trúc
//! Bạch before. A code keeps the name it had when it was given: a growing-area code with a
//! district number reads the list before 2025-07-01, a farm's commune code the list in force on
//! the day the farm was registered.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

/// An edition of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// 63 provinces, districts, communes: the list as it stood until 2025-06-30.
    Before2025,
    /// 34 provinces and their communes, from 2025-07-01.
    Since2025,
}

impl Edition {
    /// The first day of the 2-level list.
    pub fn reform_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The edition in force on `day`.
    pub fn on(day: NaiveDate) -> Self {
        if day < Self::reform_day() {
            Self::Before2025
        } else {
            Self::Since2025
        }
    }
}

/// A unit's full name in Vietnamese and English ("Xã Ea Tân", "Ea Tan Commune").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub name: &'static str,
    pub name_en: &'static str,
    /// The code of the unit it belongs to (a commune's district before 2025, else its province).
    pub parent: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Province,
    District,
    Commune,
}

/// Units by code, one map a level (province, district, commune).
type List = [HashMap<&'static str, Unit>; 3];

fn read(text: &'static str) -> List {
    let mut out: List = Default::default();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut f = line.split(',');
        let (Some(level), Some(code), Some(name), Some(name_en), Some(parent)) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let level = match level {
            "province" => Level::Province,
            "district" => Level::District,
            _ => Level::Commune,
        };
        out[level as usize].insert(
            code,
            Unit {
                name,
                name_en,
                parent,
            },
        );
    }
    out
}

fn list(edition: Edition) -> &'static List {
    static BEFORE: OnceLock<List> = OnceLock::new();
    static SINCE: OnceLock<List> = OnceLock::new();
    match edition {
        Edition::Before2025 => BEFORE.get_or_init(|| {
            read(include_str!(
                "../../assets/admin_units/vn-before-2025-07-01.csv"
            ))
        }),
        Edition::Since2025 => {
            SINCE.get_or_init(|| read(include_str!("../../assets/admin_units/vn-2025-07-01.csv")))
        }
    }
}

/// The unit of `level` with `code` in `edition`, if the list has it.
pub fn unit(edition: Edition, level: Level, code: &str) -> Option<&'static Unit> {
    list(edition)[level as usize].get(code)
}

/// A commune with the units above it, in one language: "Xã Ea Tân, Huyện Krông Năng, Tỉnh Đắk
/// Lắk". `None` when the edition does not have the code.
pub fn commune_path(edition: Edition, code: &str, english: bool) -> Option<String> {
    let mut names = Vec::new();
    let mut at = unit(edition, Level::Commune, code)?;
    let pick = |u: &Unit| if english { u.name_en } else { u.name };
    names.push(pick(at));
    for level in [Level::District, Level::Province] {
        if let Some(up) = unit(edition, level, at.parent) {
            names.push(pick(up));
            at = up;
        }
    }
    Some(names.join(", "))
}

/// The names of a commune given with its district and province under the list before
/// 2025-07-01 (as in a domestic growing-area code), when the three agree with the list.
pub fn before_2025_place(
    province: &str,
    district: &str,
    commune: &str,
    english: bool,
) -> Option<String> {
    let e = Edition::Before2025;
    let c = unit(e, Level::Commune, commune)?;
    let d = unit(e, Level::District, district)?;
    (c.parent == district && d.parent == province)
        .then(|| commune_path(e, commune, english))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_code_reads_the_edition_of_its_day() {
        let old = unit(Edition::Before2025, Level::Commune, "00004").map(|u| u.name);
        let new = unit(Edition::Since2025, Level::Commune, "00004").map(|u| u.name);
        assert_eq!(old, Some("Phường Trúc Bạch"));
        assert_eq!(new, Some("Phường Ba Đình"));
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Edition::on(day(2025, 6, 30)), Edition::Before2025);
        assert_eq!(Edition::on(day(2025, 7, 1)), Edition::Since2025);
    }

    #[test]
    fn a_commune_is_named_with_the_units_above_it() {
        assert_eq!(
            commune_path(Edition::Before2025, "24370", false).as_deref(),
            Some("Xã Ea Tân, Huyện Krông Năng, Tỉnh Đắk Lắk")
        );
        assert_eq!(
            commune_path(Edition::Since2025, "00004", true).as_deref(),
            Some("Ba Dinh Ward, Hanoi City")
        );
        assert_eq!(commune_path(Edition::Since2025, "24370", false), None);
        assert!(before_2025_place("66", "650", "24370", false).is_some());
        assert_eq!(before_2025_place("01", "650", "24370", false), None);
    }

    #[test]
    fn both_editions_are_whole() {
        let count = |e, l: Level| list(e)[l as usize].len();
        assert_eq!(count(Edition::Since2025, Level::Province), 34);
        assert_eq!(count(Edition::Since2025, Level::Commune), 3321);
        assert_eq!(count(Edition::Before2025, Level::Province), 63);
        assert_eq!(count(Edition::Before2025, Level::District), 696);
    }
}
