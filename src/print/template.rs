//! Label-stock templates: the sheets in `assets/labels/*.toml` (built into the binary), and
//! custom sheets made by overriding any of their measurements.

use serde::Deserialize;

use crate::domain::ParseError;
use crate::domain::Reason;
use crate::error::Problems;

/// The shipped templates, by id (the file name without `.toml`).
const SHIPPED: &[(&str, &str)] = &[
    (
        "a4-65-38x21",
        include_str!("../../assets/labels/a4-65-38x21.toml"),
    ),
    (
        "a4-40-52x29",
        include_str!("../../assets/labels/a4-40-52x29.toml"),
    ),
    (
        "a4-24-70x37",
        include_str!("../../assets/labels/a4-24-70x37.toml"),
    ),
];

pub const DEFAULT: &str = "a4-65-38x21";

/// A sheet of labels, in millimetres from the page's top-left corner.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub page_width_mm: f64,
    pub page_height_mm: f64,
    pub columns: u32,
    pub rows: u32,
    pub label_width_mm: f64,
    pub label_height_mm: f64,
    pub margin_left_mm: f64,
    pub margin_top_mm: f64,
    pub gap_x_mm: f64,
    pub gap_y_mm: f64,
}

/// Measurements that override a template's, for label stock not shipped.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub columns: Option<u32>,
    pub rows: Option<u32>,
    pub label_width_mm: Option<f64>,
    pub label_height_mm: Option<f64>,
    pub margin_left_mm: Option<f64>,
    pub margin_top_mm: Option<f64>,
    pub gap_x_mm: Option<f64>,
    pub gap_y_mm: Option<f64>,
}

/// Smallest label a stamp fits on: a QR code of at least 0.33 mm modules with its quiet
/// zone, and a few lines of text beside it.
const MIN_LABEL_HEIGHT_MM: f64 = 15.0;
const MIN_LABEL_WIDTH_MM: f64 = 25.0;
/// Leeway for measurements printed to two decimals.
const EPSILON_MM: f64 = 0.05;

impl Template {
    /// Every shipped template.
    pub fn all() -> Vec<Template> {
        SHIPPED
            .iter()
            .filter_map(|(id, text)| parse_shipped(id, text).ok())
            .collect()
    }

    pub fn ids() -> Vec<&'static str> {
        SHIPPED.iter().map(|(id, _)| *id).collect()
    }

    /// A shipped template by id.
    pub fn by_id(id: &str) -> Result<Template, ParseError> {
        let Some((id, text)) = SHIPPED.iter().find(|(k, _)| *k == id) else {
            return Err(ParseError::new(
                Reason::UnknownTemplate,
                format!(
                    "`{id}` is not a label template; use one of: {}",
                    Self::ids().join(", ")
                ),
            ));
        };
        parse_shipped(id, text)
    }

    /// The template with `o` applied, checked: every field problem reported at once.
    pub fn customised(mut self, o: &Overrides) -> Result<Template, crate::error::AppError> {
        let custom = o.columns.is_some()
            || o.rows.is_some()
            || o.label_width_mm.is_some()
            || o.label_height_mm.is_some()
            || o.margin_left_mm.is_some()
            || o.margin_top_mm.is_some()
            || o.gap_x_mm.is_some()
            || o.gap_y_mm.is_some();
        self.columns = o.columns.unwrap_or(self.columns);
        self.rows = o.rows.unwrap_or(self.rows);
        self.label_width_mm = o.label_width_mm.unwrap_or(self.label_width_mm);
        self.label_height_mm = o.label_height_mm.unwrap_or(self.label_height_mm);
        self.margin_left_mm = o.margin_left_mm.unwrap_or(self.margin_left_mm);
        self.margin_top_mm = o.margin_top_mm.unwrap_or(self.margin_top_mm);
        self.gap_x_mm = o.gap_x_mm.unwrap_or(self.gap_x_mm);
        self.gap_y_mm = o.gap_y_mm.unwrap_or(self.gap_y_mm);
        if custom {
            self.id = format!("{}+custom", self.id);
        }
        let mut p = Problems::default();
        for (field, problem) in self.problems() {
            p.push(field, problem);
        }
        p.finish()?;
        Ok(self)
    }

    /// What is wrong with the measurements, by query parameter name.
    fn problems(&self) -> Vec<(&'static str, ParseError)> {
        let mut out = Vec::new();
        let range = |field: &'static str, v: f64, min: f64, max: f64, out: &mut Vec<_>| {
            if !(v.is_finite() && (min..=max).contains(&v)) {
                out.push((
                    field,
                    ParseError::new(
                        Reason::OutOfRange,
                        format!("must be {min} to {max} mm, not {v}"),
                    ),
                ));
            }
        };
        range(
            "label_width_mm",
            self.label_width_mm,
            MIN_LABEL_WIDTH_MM,
            200.0,
            &mut out,
        );
        range(
            "label_height_mm",
            self.label_height_mm,
            MIN_LABEL_HEIGHT_MM,
            200.0,
            &mut out,
        );
        range("margin_left_mm", self.margin_left_mm, 0.0, 100.0, &mut out);
        range("margin_top_mm", self.margin_top_mm, 0.0, 100.0, &mut out);
        range("gap_x_mm", self.gap_x_mm, 0.0, 50.0, &mut out);
        range("gap_y_mm", self.gap_y_mm, 0.0, 50.0, &mut out);
        for (field, v) in [("columns", self.columns), ("rows", self.rows)] {
            if !(1..=50).contains(&v) {
                out.push((
                    field,
                    ParseError::new(Reason::OutOfRange, format!("must be 1 to 50, not {v}")),
                ));
            }
        }
        if !out.is_empty() {
            return out;
        }
        let used_w = self.margin_left_mm
            + f64::from(self.columns) * self.label_width_mm
            + f64::from(self.columns - 1) * self.gap_x_mm;
        if used_w > self.page_width_mm + EPSILON_MM {
            out.push((
                "columns",
                ParseError::new(
                    Reason::SheetOverflow,
                    format!(
                        "{} columns of {} mm with {} mm gaps from a {} mm margin need {used_w:.1} mm; the page is {} mm wide",
                        self.columns, self.label_width_mm, self.gap_x_mm, self.margin_left_mm, self.page_width_mm
                    ),
                ),
            ));
        }
        let used_h = self.margin_top_mm
            + f64::from(self.rows) * self.label_height_mm
            + f64::from(self.rows - 1) * self.gap_y_mm;
        if used_h > self.page_height_mm + EPSILON_MM {
            out.push((
                "rows",
                ParseError::new(
                    Reason::SheetOverflow,
                    format!(
                        "{} rows of {} mm with {} mm gaps from a {} mm margin need {used_h:.1} mm; the page is {} mm high",
                        self.rows, self.label_height_mm, self.gap_y_mm, self.margin_top_mm, self.page_height_mm
                    ),
                ),
            ));
        }
        out
    }

    pub fn per_page(&self) -> u32 {
        self.columns * self.rows
    }

    /// Top-left corner of the `i`-th label of a page, in mm from the page's top-left.
    pub fn origin(&self, i: u32) -> (f64, f64) {
        let (col, row) = (i % self.columns, i / self.columns);
        (
            self.margin_left_mm + f64::from(col) * (self.label_width_mm + self.gap_x_mm),
            self.margin_top_mm + f64::from(row) * (self.label_height_mm + self.gap_y_mm),
        )
    }
}

fn parse_shipped(id: &str, text: &str) -> Result<Template, ParseError> {
    let mut t: Template = toml::from_str(text)
        .map_err(|e| ParseError::new(Reason::TemplateInvalid, format!("template {id}: {e}")))?;
    t.id = id.to_owned();
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_template_parses_and_fits_its_page() {
        assert_eq!(Template::all().len(), SHIPPED.len());
        for t in Template::all() {
            assert!(t.problems().is_empty(), "{}: {:?}", t.id, t.problems());
            let last = t.origin(t.per_page() - 1);
            assert!(
                last.0 + t.label_width_mm <= t.page_width_mm + EPSILON_MM,
                "{}",
                t.id
            );
            assert!(
                last.1 + t.label_height_mm <= t.page_height_mm + EPSILON_MM,
                "{}",
                t.id
            );
        }
        let t = Template::by_id("a4-65-38x21").unwrap();
        assert_eq!(
            (t.per_page(), t.origin(6)),
            (65, (4.67 + 38.1 + 2.54, 10.7 + 21.2))
        );
    }

    #[test]
    fn unknown_templates_and_impossible_sheets_are_refused_precisely() {
        let e = Template::by_id("a4-99").unwrap_err();
        assert_eq!(e.code, Reason::UnknownTemplate);
        assert!(e.message.contains("a4-65-38x21"), "{}", e.message);

        let base = Template::by_id("a4-40-52x29").unwrap();
        let custom = base
            .clone()
            .customised(&Overrides {
                columns: Some(2),
                label_width_mm: Some(100.0),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (custom.columns, custom.id.as_str()),
            (2, "a4-40-52x29+custom")
        );
        for (o, field, code) in [
            (
                Overrides {
                    columns: Some(5),
                    ..Default::default()
                },
                "columns",
                Reason::SheetOverflow,
            ),
            (
                Overrides {
                    rows: Some(11),
                    ..Default::default()
                },
                "rows",
                Reason::SheetOverflow,
            ),
            (
                Overrides {
                    label_height_mm: Some(9.0),
                    ..Default::default()
                },
                "label_height_mm",
                Reason::OutOfRange,
            ),
            (
                Overrides {
                    gap_x_mm: Some(f64::NAN),
                    ..Default::default()
                },
                "gap_x_mm",
                Reason::OutOfRange,
            ),
            (
                Overrides {
                    columns: Some(0),
                    ..Default::default()
                },
                "columns",
                Reason::OutOfRange,
            ),
        ] {
            match base.clone().customised(&o) {
                Err(crate::error::AppError::Validation(v)) => {
                    assert!(
                        v.iter().any(|p| p.field == field && p.code == code),
                        "{field}: {v:?}"
                    )
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
