//! Fills the Circular 02 data set ([`crate::dataset`]) of a lot from the registry, for a caller
//! who may read the batch.

use chrono::FixedOffset;
use entity::batch::Entity as Batch;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::load;
use super::resolve::{ResolveError, load_lot};
use super::trace_codes::{self, Traced};
use crate::auth::Principal;
use crate::dataset::{
    CIRCULAR, CertificateElements, DataSet, LotElements, ProducerElements, ProductElements, Stage,
    element_string,
};
use crate::db::Db;
use crate::domain::batch::{EventDetails, EventKind};
use crate::domain::growing_area::AreaCertificate;
use crate::domain::role::Action;
use crate::epcis::vocab::Ids;
use crate::error::AppError;
use crate::i18n::Lang;

/// Diary kinds done in the field: their place is the growing area.
fn in_the_field(kind: &str) -> bool {
    matches!(
        EventKind::parse(kind),
        Ok(EventKind::Planting
            | EventKind::Fertilizing
            | EventKind::Spraying
            | EventKind::Irrigating
            | EventKind::Harvesting)
    )
}

pub async fn of_batch(
    db: &Db,
    ids: &Ids,
    who: &Principal,
    batch_id: Uuid,
) -> Result<DataSet, AppError> {
    let batch = load::<Batch, _>(db.read(), who, batch_id, Action::Read, "batch").await?;
    let product = entity::product::Entity::find_by_id(batch.product_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let lot = load_lot(db, batch, product, super::today())
        .await
        .map_err(|e| match e {
            ResolveError::App(e) => e,
            ResolveError::Unknown | ResolveError::Broader(_) => AppError::NotFound("batch"),
            ResolveError::Malformed(p) => AppError::validation("batch", p),
        })?;
    let (b, p, o) = (&lot.batch, &lot.product, &lot.producer);
    let farm_id = lot.farm.as_ref().map(|f| f.id);
    let mut traced = vec![(Traced::Product, p.id), (Traced::Organization, o.id)];
    traced.extend(farm_id.map(|f| (Traced::Farm, f)));
    let mut entered = trace_codes::of(db, &traced).await?;
    let entered_product = entered.remove(&(Traced::Product, p.id));
    let farm_code = farm_id.and_then(|f| entered.remove(&(Traced::Farm, f)));
    let (product_code, lot_code) = match (&p.gtin, entered_product) {
        (Some(g), _) => (
            element_string(g, None),
            element_string(g, Some(&b.lot_code)),
        ),
        // An entered `(01)…` alone is a GTIN the registry lacks: the lot is under it.
        (None, Some(code)) if code.starts_with("(01)") && !code[4..].contains('(') => {
            let lot = format!("{code}(10){}", b.lot_code);
            (code, lot)
        }
        (None, Some(code)) => (code, ids.lot(None, None, b.id)),
        (None, None) => (ids.product(None, p.id), ids.lot(None, None, b.id)),
    };
    let producer_code = entered
        .remove(&(Traced::Organization, o.id))
        .unwrap_or_else(|| ids.organization(o.id));
    let area_code = lot.growing_area.as_ref().map(|a| a.code.clone());
    let mut standards: Vec<String> = lot
        .certificates
        .iter()
        .filter(|c| c.in_force)
        .map(|c| {
            format!(
                "OCOP {} sao / stars ({})",
                c.model.stars, c.model.decision_number
            )
        })
        .collect();
    if let Some(a) = &lot.growing_area
        && let Ok(list) = serde_json::from_value::<Vec<AreaCertificate>>(a.certificates.clone())
    {
        standards.extend(
            list.iter()
                .map(|c| format!("{} {}", c.scheme.as_str().to_uppercase(), c.number)),
        );
    }
    let vietnam: FixedOffset = crate::domain::local_time::VIETNAM;
    let corrected: std::collections::HashSet<Uuid> =
        lot.events.iter().filter_map(|e| e.corrects).collect();
    let stages = lot
        .events
        .iter()
        .map(|e| {
            let details: EventDetails =
                serde_json::from_value(e.details.clone()).unwrap_or_default();
            let recorded_by = match &details.captured {
                Some(c) => format!("{} (EPCIS)", c.partner),
                None => e.actor.clone(),
            };
            Stage {
                kind: e.kind.clone(),
                name_vi: Lang::Vi.event_kind(&e.kind).to_owned(),
                name_en: Lang::En.event_kind(&e.kind).to_owned(),
                time: e.occurred_at.with_timezone(&vietnam),
                product_trace_code: lot_code.clone(),
                location_trace_code: match (&area_code, in_the_field(&e.kind)) {
                    (Some(code), true) => code.clone(),
                    _ => producer_code.clone(),
                },
                description: details.description.or(details.reason),
                recorded_by,
                corrected: corrected.contains(&e.id),
            }
        })
        .collect();
    Ok(DataSet {
        circular: CIRCULAR,
        product: ProductElements {
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            trace_code: product_code,
            gtin: p.gtin.clone(),
            image: lot.photos.first().map(|b| ids.media(&b.sha256)),
            brand: o.name.clone(),
            unit: p.unit.clone(),
            net_weight_g: p.net_weight_g,
            net_volume_ml: p.net_volume_ml,
            shelf_life_days: p.shelf_life_days,
            standards,
        },
        producer: ProducerElements {
            name: o.name.clone(),
            kind: o.kind.clone(),
            address: o.address.clone(),
            tax_code: o.tax_code.clone(),
            phone: o.phone.clone(),
            email: o.email.clone(),
            location_trace_code: producer_code.clone(),
        },
        lot: LotElements {
            lot_code: b.lot_code.clone(),
            trace_code: lot_code.clone(),
            quantity: b.quantity,
            unit: b.unit.clone(),
            harvested_on: b.harvested_on,
            produced_on: b.produced_on,
            expires_on: b.expires_on,
            status: crate::services::batches::status_of(b).to_string(),
            stamps_issued: b.stamps_issued,
            growing_area_code: area_code,
            farm: lot.farm.as_ref().map(|f| f.name.clone()),
            farm_address: lot.farm.as_ref().map(|f| f.address.clone()),
            farm_trace_code: farm_code,
        },
        stages,
        certificates: lot
            .certificates
            .iter()
            .map(|c| CertificateElements {
                programme: "OCOP".into(),
                stars: c.model.stars,
                level: c.model.level.clone(),
                decision_number: c.model.decision_number.clone(),
                decision_date: c.model.decision_date,
                issuing_body: c.model.issuing_body.clone(),
                valid_until: c.model.valid_until,
                in_force: c.in_force,
            })
            .collect(),
    })
}
