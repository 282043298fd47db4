//! What a scan page shows, formatted for one language: built from a resolved stamp, rendered
//! by `templates/scan.html` (askama escapes every value).

use askama::Template;

use chrono::{DateTime, Utc};

use crate::domain::GrowingAreaCode;
use crate::domain::batch::{EventDetails, EventKind, phi_warnings};
use crate::domain::growing_area_code::ParsedCode;
use crate::i18n::{Lang, Texts};
use crate::services::resolve::{Lot, Resolved, Standing};

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct EventLine {
    pub when: String,
    pub kind: &'static str,
    pub text: String,
    pub inputs: Vec<String>,
    pub photos: Vec<Photo>,
    pub correction: bool,
    /// The partner that sent the entry through EPCIS capture, with the sender its document
    /// declared and the supplier's lot it names, as one line.
    pub partner: Option<String>,
    /// A harvest made inside an input's pre-harvest interval: each such input, when it was
    /// applied, its interval and when harvesting became safe.
    pub phi_warnings: Vec<String>,
}

/// A lot's applications of fertilizers and sprays, for checking its harvests against their
/// pre-harvest intervals.
pub(crate) struct Applications(Vec<(DateTime<Utc>, EventDetails)>);

impl Applications {
    pub(crate) fn of(events: &[entity::batch_event::Model]) -> Self {
        Self(
            events
                .iter()
                .filter(|e| {
                    matches!(
                        EventKind::parse(&e.kind),
                        Ok(EventKind::Fertilizing | EventKind::Spraying)
                    )
                })
                .filter_map(|e| {
                    Some((
                        e.occurred_at,
                        serde_json::from_value(e.details.clone()).ok()?,
                    ))
                })
                .collect(),
        )
    }

    /// The applications: when, and what was applied.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (DateTime<Utc>, &EventDetails)> + '_ {
        self.0.iter().map(|(at, d)| (*at, d))
    }

    /// For a harvest, each application whose interval it fell inside, in words.
    pub(crate) fn warnings(&self, e: &entity::batch_event::Model, lang: Lang) -> Vec<String> {
        if e.kind != EventKind::Harvesting.as_str() {
            return Vec::new();
        }
        phi_warnings(self.iter(), e.occurred_at)
            .into_iter()
            .map(|w| {
                format!(
                    "{} ({}, {} {}: {})",
                    w.input,
                    lang.time(w.applied_at),
                    w.phi_days,
                    lang.t().days,
                    lang.time(w.safe_from)
                )
            })
            .collect()
    }
}

/// An image on the page: a thumbnail linking to the full picture, both same-origin.
pub struct Photo {
    pub thumb: String,
    pub full: String,
    pub width: u32,
    pub height: u32,
}

impl Photo {
    pub(crate) fn of(b: &entity::blob::Model) -> Self {
        let (w, h) = (b.width.unwrap_or(1).max(1), b.height.unwrap_or(1).max(1));
        // The thumbnail's size: the longest side at most 480 pixels, never enlarged.
        let side = crate::media::THUMBNAIL_SIDE as i32;
        let scale = f64::from(side) / f64::from(w.max(h));
        let (tw, th) = if w.max(h) > side {
            (
                (f64::from(w) * scale).round(),
                (f64::from(h) * scale).round(),
            )
        } else {
            (f64::from(w), f64::from(h))
        };
        Photo {
            thumb: crate::storage::media_path(b.thumb_sha256.as_deref().unwrap_or(&b.sha256)),
            full: crate::storage::media_path(&b.sha256),
            width: tw as u32,
            height: th as u32,
        }
    }
}

pub struct CertLine {
    pub stars: String,
    pub text: String,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "scan.html")]
pub struct ScanPage<'a> {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub asset_version: &'static str,
    pub title: String,
    pub product: String,
    pub product_en: Option<String>,
    pub photo: Option<Photo>,
    pub standing: &'static str,
    pub standing_title: &'static str,
    pub standing_detail: Option<&'static str>,
    pub stars: Option<String>,
    pub ocop_line: Option<String>,
    pub producer: String,
    pub producer_address: String,
    pub origin: Vec<Fact>,
    pub map_url: Option<String>,
    pub batch: Vec<Fact>,
    pub events: Vec<EventLine>,
    pub certificates: Vec<CertLine>,
    /// The stamp's serial, grouped; none on a lot's page.
    pub serial: Option<String>,
    /// The stamp's proof bundle, checked by the page; none on a lot's page.
    pub proof_url: Option<String>,
    pub log_key: &'a str,
    /// Where to buy it: (marketplace name, live URL).
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "scan_problem.html")]
pub struct ProblemPage {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub asset_version: &'static str,
    pub title: &'static str,
    pub detail: &'static str,
}

/// Version tag of the static assets, so a new release is fetched despite long caching.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

pub(crate) fn stars(n: i16) -> String {
    "★".repeat(usize::try_from(n).unwrap_or(0))
}

/// "Certificate 1234/QĐ-UBND · valid until 01/06/2028", for the certificate in force.
pub(crate) fn ocop_line(c: &entity::ocop_certification::Model, lang: Lang) -> String {
    let t = lang.t();
    format!(
        "{} {} · {} {}",
        t.certificate,
        c.decision_number,
        t.valid_until,
        lang.date(c.valid_until)
    )
}

/// One certificate in the list, in force or expired.
pub(crate) fn cert_line(c: &crate::services::resolve::Certificate, lang: Lang) -> CertLine {
    let t = lang.t();
    CertLine {
        stars: stars(c.model.stars),
        text: format!(
            "{} — {} {} ({}) · {} {}",
            lang.ocop_level(&c.model.level),
            t.certificate,
            c.model.decision_number,
            c.model.issuing_body,
            if c.in_force { t.valid_until } else { t.expired },
            lang.date(c.model.valid_until)
        ),
        in_force: c.in_force,
    }
}

/// The parsed meaning of a growing-area code, in words.
pub(crate) fn explain_code(code: &str, lang: Lang) -> String {
    let Ok(parsed) = GrowingAreaCode::parse(code) else {
        return code.to_owned();
    };
    match (parsed.parsed(), lang) {
        (
            ParsedCode::Domestic {
                province_code,
                district_code,
                commune_code,
                sequence,
                issued_year,
            },
            lang,
        ) => {
            // A code with a district number was given under the list before 2025-07-01.
            let en = lang == Lang::En;
            let place = crate::domain::admin_units::before_2025_place(
                province_code,
                district_code,
                commune_code,
                en,
            );
            match (place, en) {
                (Some(place), false) => format!(
                    "{code} — mã trong nước: {place} (theo danh mục hành chính trước 1/7/2025), vùng số {sequence}, cấp năm {issued_year}"
                ),
                (Some(place), true) => format!(
                    "{code} — domestic code: {place} (as listed before 1 July 2025), area {sequence}, issued {issued_year}"
                ),
                (None, false) => format!(
                    "{code} — mã trong nước: tỉnh {province_code}, huyện {district_code}, xã {commune_code}, vùng số {sequence}, cấp năm {issued_year}"
                ),
                (None, true) => format!(
                    "{code} — domestic code: province {province_code}, district {district_code}, commune {commune_code}, area {sequence}, issued {issued_year}"
                ),
            }
        }
        (ParsedCode::Export { .. } | ParsedCode::ExportDotted { .. }, Lang::Vi) => {
            format!("{code} — mã xuất khẩu")
        }
        (ParsedCode::Export { .. } | ParsedCode::ExportDotted { .. }, Lang::En) => {
            format!("{code} — export code")
        }
        (ParsedCode::Other, _) => code.to_owned(),
    }
}

/// One diary entry in words; `diary_photos` are the batch's uploaded photos its hashes name.
pub(crate) fn event_line(
    e: &entity::batch_event::Model,
    diary_photos: &[entity::blob::Model],
    applications: &Applications,
    lang: Lang,
) -> EventLine {
    let t = lang.t();
    let details = &e.details;
    let text = details
        .get("description")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let inputs = details
        .get("inputs")
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .map(|i| {
                    let s = |k: &str| i.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                    let mut line = s("product").to_owned();
                    if !s("active_ingredient").is_empty() {
                        line.push_str(&format!(" ({})", s("active_ingredient")));
                    }
                    if let Some(dose) = i.get("dose").and_then(|v| v.as_f64()) {
                        line.push_str(&format!(" {} {}", lang.number(dose), s("dose_unit")));
                    }
                    if let Some(phi) = i.get("phi_days").and_then(|v| v.as_i64()) {
                        line.push_str(&format!(" — {} {phi} {}", t.phi, t.days));
                    }
                    line
                })
                .collect()
        })
        .unwrap_or_default();
    EventLine {
        when: lang.time(e.occurred_at),
        kind: lang.event_kind(&e.kind),
        text,
        inputs,
        photos: details
            .get("photos")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| {
                v.as_str()
                    .and_then(|sha| diary_photos.iter().find(|b| b.sha256 == sha))
            })
            .map(Photo::of)
            .collect(),
        correction: e.corrects.is_some(),
        phi_warnings: applications.warnings(e, lang),
        partner: details.get("captured").map(|c| {
            let s = |k: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            let mut line = format!("{} {}", t.captured_from, s("partner"));
            for extra in [s("sender"), s("source_lot")] {
                if !extra.is_empty() {
                    line.push_str(&format!(" · {extra}"));
                }
            }
            line
        }),
    }
}

impl<'a> ScanPage<'a> {
    /// A stamp's page without its live parts (web/scan_frame.rs puts them in), its serial
    /// written as `serial` and its proof bundle's address as `proof_url` (stand-ins, for a
    /// frame every stamp of the lot shares).
    pub fn build(
        r: &Resolved,
        lang: Lang,
        log_key: &'a str,
        serial: &str,
        proof_url: &str,
    ) -> Self {
        let t = lang.t();
        let (standing, standing_title, standing_detail) = match r.standing {
            Standing::Genuine => ("genuine", t.genuine, None),
            Standing::Void => ("void", t.void, Some(t.void_detail)),
            Standing::Recalled => ("recalled", t.recalled, Some(t.recalled_detail)),
        };
        let mut page = Self::of_lot(
            &r.lot,
            lang,
            log_key,
            (standing, standing_title, standing_detail),
        );
        page.serial = Some(serial.to_owned());
        page.proof_url = Some(proof_url.to_owned());
        page
    }

    /// A lot's own page (`/01/{gtin}/10/{lot}`): the same facts, without a stamp's.
    pub fn lot(lot: &Lot, lang: Lang) -> ScanPage<'static> {
        let t = lang.t();
        let head = if lot.recalled() {
            ("recalled", t.recalled, Some(t.recalled_detail))
        } else {
            ("lot", t.lot_page, Some(t.lot_page_detail))
        };
        ScanPage::of_lot(lot, lang, "", head)
    }

    fn of_lot(
        r: &Lot,
        lang: Lang,
        log_key: &'a str,
        (standing, standing_title, standing_detail): (
            &'static str,
            &'static str,
            Option<&'static str>,
        ),
    ) -> Self {
        let t = lang.t();
        let current = r.current_certificate();
        let ocop_line = current.map(|c| ocop_line(c, lang));
        let mut origin = Vec::new();
        if let Some(f) = &r.farm {
            origin.push(Fact {
                label: t.farm,
                value: format!("{} — {}", f.name, f.address),
            });
        }
        if let Some(a) = &r.growing_area {
            origin.push(Fact {
                label: t.growing_area,
                value: explain_code(&a.code, lang),
            });
        }
        let map_url = r
            .farm
            .as_ref()
            .and_then(|f| match (f.latitude, f.longitude) {
                (Some(lat), Some(lon)) => Some(format!(
                    "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=14/{lat}/{lon}"
                )),
                _ => None,
            });
        let b = &r.batch;
        let mut batch = vec![Fact {
            label: t.lot,
            value: b.lot_code.clone(),
        }];
        batch.push(Fact {
            label: t.quantity,
            value: format!("{} {}", lang.number(b.quantity), b.unit),
        });
        for (label, date) in [
            (t.harvested, b.harvested_on),
            (t.produced, b.produced_on),
            (t.expires, b.expires_on),
        ] {
            if let Some(d) = date {
                batch.push(Fact {
                    label,
                    value: lang.date(d),
                });
            }
        }
        let certificates = r.certificates.iter().map(|c| cert_line(c, lang)).collect();
        let product_en = r.product.name_en.clone().filter(|_| lang == Lang::En);
        ScanPage {
            t,
            lang: lang.code(),
            other_lang: lang.other().code(),
            asset_version: ASSET_VERSION,
            title: format!("{} — {}", r.product.name, standing_title),
            product: r.product.name.clone(),
            photo: r.photos.first().map(Photo::of),
            product_en,
            standing,
            standing_title,
            standing_detail,
            stars: current.map(|c| stars(c.stars)),
            ocop_line,
            producer: r.producer.name.clone(),
            producer_address: r.producer.address.clone(),
            origin,
            map_url,
            batch,
            events: {
                let applications = Applications::of(&r.events);
                r.events
                    .iter()
                    .map(|e| event_line(e, &r.diary_photos, &applications, lang))
                    .collect()
            },
            links: r.links.clone(),
            certificates,
            serial: None,
            proof_url: None,
            log_key,
        }
    }
}

impl ProblemPage {
    pub fn new(lang: Lang, title: &'static str, detail: &'static str) -> Self {
        Self {
            t: lang.t(),
            lang: lang.code(),
            asset_version: ASSET_VERSION,
            title,
            detail,
        }
    }
}
