//! The dashboard: open batches, lapsing certificates, the week's scans and suspected copies.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::shared::*;
use crate::services::dashboard;

pub(super) async fn home(State(state): State<AppState>, s: Signed) -> Response {
    let view = async {
        let org = current_org(&state, &s.who).await?;
        let d = dashboard::load(&state.db, &s.who, org.id, crate::services::today()).await?;
        Ok(DashboardPage {
            c: s.chrome(),
            organization: d.organization.name,
            farms: d.farms,
            batches: d
                .open_batches
                .into_iter()
                .map(|(b, product)| {
                    let qty = format!("{} {}", s.lang.number(b.quantity), b.unit);
                    (b.id.to_string(), b.lot_code, product, qty)
                })
                .collect(),
            expiring: d
                .expiring
                .into_iter()
                .map(|(c, product)| {
                    (
                        product,
                        stars(c.stars),
                        c.decision_number,
                        s.lang.date(c.valid_until),
                    )
                })
                .collect(),
            scans: d
                .week_batches
                .into_iter()
                .map(|b| (b.batch_id.to_string(), b.lot_code, b.product, b.scans))
                .collect(),
            copied: d
                .copied
                .into_iter()
                .map(|a| {
                    let when = s.lang.time(a.warned_at);
                    (a.serial, a.lot_code, a.scans, when)
                })
                .collect(),
        })
    }
    .await;
    s.show(StatusCode::OK, view)
}
