//! A map preview drawn on the server: Vietnam's outline, simplified to 64 points, with a
//! farm's position marked, as inline SVG. No tiles and no third-party requests, so it works on
//! the pages' strict content policy and on slow links; the full map stays one link away
//! (OpenStreetMap).

/// West, north edges and the scale of the drawing: 20 units per degree.
const WEST: f64 = 101.8;
const NORTH: f64 = 23.6;
const SCALE: f64 = 20.0;

/// Mainland Vietnam as (longitude, latitude), clockwise from the north-western border.
#[rustfmt::skip]
const OUTLINE: &[(f64, f64)] = &[
    (102.14, 22.40), (102.50, 22.77), (103.00, 22.45), (103.55, 22.70), (104.00, 22.50),
    (104.80, 22.80), (105.35, 23.35), (106.00, 22.95), (106.70, 22.85), (106.55, 22.45),
    (107.35, 21.70), (108.05, 21.55), (107.40, 21.10), (106.80, 20.70), (106.20, 20.00),
    (105.90, 19.50), (105.80, 19.00), (106.40, 18.10), (106.70, 17.50), (107.10, 17.00),
    (107.80, 16.40), (108.30, 15.90), (108.80, 15.30), (109.10, 14.50), (109.30, 13.40),
    (109.25, 12.60), (109.20, 11.80), (108.80, 11.30), (108.00, 10.70), (107.20, 10.40),
    (106.75, 10.40), (106.50, 9.80), (106.20, 9.40), (105.50, 8.80), (104.80, 8.55),
    (104.80, 9.30), (104.90, 10.10), (104.50, 10.40), (105.10, 10.90), (105.85, 10.85),
    (106.20, 11.20), (106.00, 11.70), (106.50, 12.10), (107.50, 12.30), (107.55, 13.50),
    (107.50, 14.40), (107.70, 14.90), (107.50, 15.50), (107.25, 16.10), (106.60, 16.60),
    (106.55, 17.30), (105.90, 17.70), (105.40, 18.20), (104.95, 18.70), (104.40, 19.10),
    (104.00, 19.30), (104.60, 19.65), (104.20, 20.00), (104.70, 20.40), (104.00, 20.95),
    (103.20, 20.80), (102.85, 21.25), (102.30, 21.50), (102.10, 21.90),
];

/// Width and height of the drawing.
pub const WIDTH: u32 = 160;
pub const HEIGHT: u32 = 310;

fn project(lon: f64, lat: f64) -> (f64, f64) {
    ((lon - WEST) * SCALE, (NORTH - lat) * SCALE)
}

/// The outline as an SVG `points` attribute, computed once.
pub fn outline() -> &'static str {
    static POINTS: std::sync::LazyLock<String> = std::sync::LazyLock::new(points);
    &POINTS
}

fn points() -> String {
    OUTLINE
        .iter()
        .map(|(lon, lat)| {
            let (x, y) = project(*lon, *lat);
            format!("{x:.0},{y:.0}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a point falls on the drawing, when it falls on it.
pub fn marker(latitude: f64, longitude: f64) -> Option<(u32, u32)> {
    let (x, y) = project(longitude, latitude);
    (x >= 0.0 && y >= 0.0 && x <= f64::from(WIDTH) && y <= f64::from(HEIGHT))
        .then(|| (x.round() as u32, y.round() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_fall_where_they_are() {
        let hanoi = marker(21.03, 105.85).unwrap();
        let hcmc = marker(10.82, 106.63).unwrap();
        let buon_ma_thuot = marker(12.67, 108.04).unwrap();
        assert!(
            hanoi.1 < buon_ma_thuot.1 && buon_ma_thuot.1 < hcmc.1,
            "north to south"
        );
        assert!(buon_ma_thuot.0 > hcmc.0, "the highlands lie east of Saigon");
        assert_eq!(marker(48.85, 2.35), None, "Paris is off the drawing");
        assert!(outline().split(' ').count() == OUTLINE.len());
    }
}
