//! What a client sends to create or change farms, and its parse into the service's input.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::Reason;
use crate::domain::geo::{Axis, Coordinates};
use crate::domain::{CommuneCode, ParseError, text};
use crate::error::{AppError, Problems};
use crate::services::farms::{FarmChanges, NewFarm};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFarm {
    pub name: String,
    pub address: String,
    /// Commune code (5 digits).
    pub commune_code: Option<String>,
    /// WGS 84 latitude; give both coordinates or neither.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Parses an optional coordinate pair, naming the field at fault.
pub fn coordinates(
    p: &mut Problems,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Option<Option<Coordinates>> {
    match (lat, lon) {
        (None, None) => Some(None),
        (Some(lat), Some(lon)) => match Coordinates::parse(lat, lon) {
            Ok(c) => Some(Some(c)),
            Err((axis, e)) => {
                p.push(
                    if axis == Axis::Latitude {
                        "latitude"
                    } else {
                        "longitude"
                    },
                    e,
                );
                None
            }
        },
        (Some(_), None) => {
            p.push(
                "longitude",
                ParseError::new(
                    Reason::CoordinatesIncomplete,
                    "give the longitude with the latitude",
                ),
            );
            None
        }
        (None, Some(_)) => {
            p.push(
                "latitude",
                ParseError::new(
                    Reason::CoordinatesIncomplete,
                    "give the latitude with the longitude",
                ),
            );
            None
        }
    }
}

impl CreateFarm {
    pub fn parse(self) -> Result<NewFarm, AppError> {
        let mut p = Problems::default();
        let name = p.check("name", text::line(&self.name, 1, 200));
        let address = p.check("address", text::clean(&self.address, 1, 500));
        let commune_code = p.check_opt(
            "commune_code",
            self.commune_code.as_deref(),
            CommuneCode::parse_current,
        );
        let location = coordinates(&mut p, self.latitude, self.longitude);
        let (Some(name), Some(address), Some(commune_code), Some(location)) =
            (name, address, commune_code, location)
        else {
            return Err(p.into_error());
        };
        Ok(NewFarm {
            name,
            address,
            commune_code,
            location,
        })
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFarm {
    pub name: Option<String>,
    pub address: Option<String>,
    pub commune_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl UpdateFarm {
    pub fn parse(self) -> Result<FarmChanges, AppError> {
        let mut p = Problems::default();
        let c = FarmChanges {
            name: p
                .check_opt("name", self.name.as_deref(), |s| text::line(s, 1, 200))
                .flatten(),
            address: p
                .check_opt("address", self.address.as_deref(), |s| {
                    text::clean(s, 1, 500)
                })
                .flatten(),
            commune_code: p
                .check_opt(
                    "commune_code",
                    self.commune_code.as_deref(),
                    CommuneCode::parse_current,
                )
                .flatten(),
            location: coordinates(&mut p, self.latitude, self.longitude).flatten(),
        };
        p.finish()?;
        Ok(c)
    }
}
