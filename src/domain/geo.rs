//! Coordinates and growing-area boundaries.

use serde::{Deserialize, Serialize};

use super::ParseError;
use crate::domain::Reason;

/// A WGS 84 point inside Vietnam's extent (mainland and islands, including Trường Sa).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

/// Bounding box of Vietnam's territory with a small margin: latitude 8.0–23.5 N,
/// longitude 102.0–118.0 E.
const LAT: (f64, f64) = (8.0, 23.5);
const LON: (f64, f64) = (102.0, 118.0);

fn in_vietnam(lat: f64, lon: f64) -> bool {
    (LAT.0..=LAT.1).contains(&lat) && (LON.0..=LON.1).contains(&lon)
}

/// Which coordinate a problem concerns, so the caller can name the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Latitude,
    Longitude,
}

impl Coordinates {
    pub fn parse(latitude: f64, longitude: f64) -> Result<Self, (Axis, ParseError)> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err((
                Axis::Latitude,
                ParseError::new(Reason::LatitudeRange, "latitude must be between -90 and 90"),
            ));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err((
                Axis::Longitude,
                ParseError::new(
                    Reason::LongitudeRange,
                    "longitude must be between -180 and 180",
                ),
            ));
        }
        if !in_vietnam(latitude, longitude) {
            let swapped = in_vietnam(longitude, latitude);
            let hint = if swapped {
                "; latitude and longitude look swapped"
            } else {
                ""
            };
            let axis = if (LAT.0..=LAT.1).contains(&latitude) {
                Axis::Longitude
            } else {
                Axis::Latitude
            };
            return Err((
                axis,
                ParseError::new(
                    Reason::CoordinatesOutsideVietnam,
                    format!(
                        "({latitude}, {longitude}) is outside Vietnam (latitude 8–23.5, longitude 102–118){hint}"
                    ),
                ),
            ));
        }
        Ok(Self {
            latitude,
            longitude,
        })
    }
}

/// A GeoJSON geometry for a growing area: a Point or a Polygon (RFC 7946), positions as
/// `[longitude, latitude]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Boundary {
    Point {
        #[schema(value_type = Vec<f64>)]
        coordinates: [f64; 2],
    },
    Polygon {
        #[schema(value_type = Vec<Vec<Vec<f64>>>)]
        coordinates: Vec<Vec<[f64; 2]>>,
    },
}

impl Boundary {
    /// Checks positions are inside Vietnam and polygon rings are closed with at least four
    /// positions, as RFC 7946 §3.1.6 requires.
    pub fn validate(&self) -> Result<(), ParseError> {
        let check = |p: &[f64; 2]| {
            Coordinates::parse(p[1], p[0])
                .map(|_| ())
                .map_err(|(_, e)| {
                    ParseError::new(
                        Reason::BoundaryPosition,
                        format!("{e} (positions are [longitude, latitude])"),
                    )
                })
        };
        match self {
            Boundary::Point { coordinates } => check(coordinates),
            Boundary::Polygon { coordinates } => {
                if coordinates.is_empty() {
                    return Err(ParseError::new(
                        Reason::BoundaryRing,
                        "a polygon needs at least one ring",
                    ));
                }
                for ring in coordinates {
                    if ring.len() < 4 || ring.first() != ring.last() {
                        return Err(ParseError::new(
                            Reason::BoundaryRing,
                            "a polygon ring has at least 4 positions and ends where it starts",
                        ));
                    }
                    ring.iter().try_for_each(check)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_in_dak_lak_is_accepted() {
        assert!(Coordinates::parse(12.68, 108.04).is_ok());
    }

    #[test]
    fn swapped_coordinates_are_detected() {
        let (_, e) = Coordinates::parse(108.04, 12.68).unwrap_err();
        assert_eq!(e.code, Reason::LatitudeRange);
        let (axis, e) = Coordinates::parse(12.68, 8.0).unwrap_err();
        assert_eq!(
            (axis, e.code),
            (Axis::Longitude, Reason::CoordinatesOutsideVietnam)
        );
        let (_, e) = Coordinates::parse(105.0, 21.0).unwrap_err();
        assert_eq!(e.code, Reason::LatitudeRange);
        let (_, e) = Coordinates::parse(48.85, 2.35).unwrap_err();
        assert_eq!(e.code, Reason::CoordinatesOutsideVietnam);
    }

    #[test]
    fn polygons_must_be_closed() {
        let open = Boundary::Polygon {
            coordinates: vec![vec![
                [108.0, 12.0],
                [108.1, 12.0],
                [108.1, 12.1],
                [108.0, 12.1],
            ]],
        };
        assert_eq!(open.validate().unwrap_err().code, Reason::BoundaryRing);
        let closed = Boundary::Polygon {
            coordinates: vec![vec![
                [108.0, 12.0],
                [108.1, 12.0],
                [108.1, 12.1],
                [108.0, 12.0],
            ]],
        };
        assert!(closed.validate().is_ok());
    }
}
