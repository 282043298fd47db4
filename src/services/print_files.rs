//! Print files for a stamp run: everything is checked first (access, a run with stamps to
//! print, PINs still to release), then the labels stream to a renderer page by page.

use bytes::Bytes;
use entity::{batch, blob, product, stamp, stamp_run};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::blobs::{BlobKind, Blobs};
use super::stamps::{Identity, get_run, in_run, in_run_after};
use super::{certifications, now, today};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::Reason;
use crate::domain::role::Action;
use crate::error::{AppError, Code};
use crate::print::csv::Csv;
use crate::print::pdf::PdfLabels;
use crate::print::zpl::{Stock, Zpl};
use crate::print::{Heading, Label, Renderer, Template};
use crate::stamps::pin::PinKey;
use crate::stamps::qr::{Ecc, Matrix};
use crate::stamps::{Serial, digital_link};

/// A print format with its options, checked.
pub enum Format {
    Pdf { sheet: Template, ecc: Ecc },
    Zpl { stock: Stock, ecc: Ecc },
    Csv,
}

impl Format {
    /// What identifies a file made in this format for `job`: the format and every option,
    /// and the number of stamps printed (a void changes it, so a stored file never shows a
    /// stamp voided since).
    pub fn variant(&self, job: &PrintJob) -> String {
        use sha2::Digest;
        let options = match self {
            Format::Pdf { sheet, ecc } => format!("{sheet:?}|{ecc:?}"),
            Format::Zpl { stock, ecc } => format!("{stock:?}|{ecc:?}"),
            Format::Csv => String::new(),
        };
        let digest = sha2::Sha256::digest(options.as_bytes());
        format!(
            "{}:{}:{}",
            self.extension(),
            data_encoding::HEXLOWER.encode(&digest[..16]),
            job.count
        )
    }

    pub fn extension(&self) -> &'static str {
        match self {
            Format::Pdf { .. } => "pdf",
            Format::Zpl { .. } => "zpl",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            Format::Pdf { .. } => "application/pdf",
            Format::Zpl { .. } => "application/zpl; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The renderer for `format`, after the checks that depend on the run: a thermal label
/// must hold the run's QR code at 0.4 mm modules (`height_mm` names the problem).
pub fn renderer(
    format: Format,
    job: &PrintJob,
    base: &url::Url,
    pins: bool,
) -> Result<Box<dyn Renderer>, AppError> {
    Ok(match format {
        Format::Pdf { sheet, ecc } => {
            let title = format!("{} – lô/lot {}", job.heading.product, job.heading.lot);
            Box::new(
                PdfLabels::new(sheet, job.heading.clone(), title, ecc)
                    .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?,
            )
        }
        Format::Zpl { stock, ecc } => {
            let zpl = Zpl::new(stock, job.heading.clone(), ecc)
                .map_err(|(field, e)| AppError::validation(field, e))?;
            // Every stamp's URI has the same shape, so one decides whether the code fits.
            let sample = Matrix::encode(&job.sample_uri(base), ecc).map_err(AppError::internal)?;
            zpl.module_dots(sample.size_with_border()).map_err(|e| {
                AppError::validation(
                    "height_mm",
                    crate::domain::ParseError::new(Reason::LabelTooSmall, e.to_string()),
                )
            })?;
            Box::new(zpl)
        }
        Format::Csv => Box::new(Csv::new(job.heading.clone(), pins)),
    })
}

/// Stamps read per query while streaming.
const PAGE: u64 = 2_000;

/// A run ready to print.
pub struct PrintJob {
    pub run: stamp_run::Model,
    pub heading: Heading,
    identity: Identity,
    /// Stamps to print: the run's active ones (void stamps are never printed).
    pub count: u64,
    /// Whether this file shows the PINs (they were released for it).
    pub pins: bool,
}

impl PrintJob {
    /// A URI of the same shape as every stamp's of the run (same length and characters), to
    /// check a format's limits before streaming.
    pub fn sample_uri(&self, base: &url::Url) -> String {
        let serial = Serial::from_bytes([0; 10]);
        digital_link::stamp_uri(
            base,
            self.identity.gtin.as_ref(),
            self.identity.lot.as_ref(),
            &serial,
        )
    }

    /// A file name for downloads: `stamps-<lot>-<run>.<ext>`, ASCII only.
    pub fn file_name(&self, ext: &str) -> String {
        let lot: String = self
            .heading
            .lot
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        format!("stamps-{lot}-{}.{ext}", self.run.id)
    }
}

/// Checks that the caller may print the run and that it has stamps to print.
pub async fn prepare(db: &Db, who: &Principal, run_id: Uuid) -> Result<PrintJob, AppError> {
    let run = get_run(db, who, run_id).await?;
    let count = stamp::Entity::find()
        .filter(in_run(&run))
        .filter(stamp::Column::Status.eq(stamp::Status::Active))
        .count(db.read())
        .await?;
    if count == 0 {
        return Err(AppError::conflict(
            Code::NothingToPrint,
            "every stamp of this run is void",
        ));
    }
    let batch = batch::Entity::find_by_id(run.batch_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    let product = product::Entity::find_by_id(batch.product_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let stars = certifications::current_stars(db.read(), product.id, today()).await?;
    let identity = Identity::of(&batch, &product)?;
    Ok(PrintJob {
        heading: Heading {
            product: product.name,
            lot: batch.lot_code,
            gtin: identity.gtin.as_ref().map(|g| g.as_str().to_owned()),
            stars,
        },
        identity,
        run,
        count,
        pins: false,
    })
}

/// How long after the first file showing a run's PINs was started the run's owner may
/// download it again, as long as no file showing them was sent whole (a dropped connection,
/// a proxy that cut the download, a browser that gave up on a slow link).
pub const PIN_RETRY_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// Marks the run's PINs released so that this job prints them. The PINs are shown in one
/// file: a second request gets 409 once a file showing them was sent whole
/// ([`pins_delivered`]), or once [`PIN_RETRY_WINDOW`] has passed since the first attempt.
/// Every attempt is counted on the run and a retry is logged. Call it last, once nothing
/// else can refuse the file.
pub async fn release_pins(db: &Db, who: &Principal, job: &mut PrintJob) -> Result<(), AppError> {
    let run = &job.run;
    who.authorize(run.organization_id, Action::RecordDiary, "stamp run")?;
    if !run.with_pin {
        return Err(AppError::conflict(
            Code::RunHasNoPins,
            "this run was issued without scratch PINs",
        ));
    }
    let at = now();
    let attempt = || {
        stamp_run::Entity::update_many()
            .col_expr(
                stamp_run::Column::PinsAttempts,
                Expr::col(stamp_run::Column::PinsAttempts).add(1),
            )
            .filter(stamp_run::Column::Id.eq(run.id))
    };
    let txn = db.write_txn().await?;
    let first = attempt()
        .col_expr(stamp_run::Column::PinsReleasedAt, Expr::value(at))
        .filter(stamp_run::Column::PinsReleasedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let retry = !first
        && attempt()
            .filter(stamp_run::Column::PinsDeliveredAt.is_null())
            .filter(stamp_run::Column::PinsReleasedAt.gt(at - PIN_RETRY_WINDOW))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
    txn.commit().await?;
    if first || retry {
        if retry {
            tracing::warn!(run.id = %run.id, by = %who.name, "PIN sheet downloaded again: no earlier file showing the PINs was sent whole");
        }
        job.pins = true;
        return Ok(());
    }
    let now_run = stamp_run::Entity::find_by_id(run.id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("stamp run"))?;
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let detail = match now_run.pins_delivered_at {
        Some(t) => format!(
            "this run's PINs were shown once, in a print file sent whole at {}; print without pins, or void the run and issue a new one",
            time(Some(t))
        ),
        None => format!(
            "this run's PINs were first printed at {} and no file showing them was sent whole, but the {} minutes to download them again have passed; print without pins, or void the run and issue a new one",
            time(now_run.pins_released_at),
            PIN_RETRY_WINDOW.num_minutes()
        ),
    };
    Err(AppError::conflict(Code::PinsAlreadyReleased, detail))
}

/// When the run's PINs stopped being printable (a file showing them was sent whole, or the
/// retry window after the first attempt has passed); `None` while they may still be printed.
pub fn pins_closed_at(
    run: &stamp_run::Model,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    match (run.pins_delivered_at, run.pins_released_at) {
        (Some(delivered), _) => Some(delivered),
        (None, Some(released)) if at - released >= PIN_RETRY_WINDOW => Some(released),
        _ => None,
    }
}

/// Records that a file showing the run's PINs was sent whole: from now on they are never
/// shown again.
pub async fn pins_delivered(db: &Db, run_id: Uuid) -> Result<(), AppError> {
    let txn = db.write_txn().await?;
    stamp_run::Entity::update_many()
        .col_expr(stamp_run::Column::PinsDeliveredAt, Expr::value(now()))
        .filter(stamp_run::Column::Id.eq(run_id))
        .filter(stamp_run::Column::PinsDeliveredAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The print file made before for `job` in `variant`, if it was kept. Files with PINs are
/// never kept: they are shown once.
pub async fn kept(db: &Db, job: &PrintJob, variant: &str) -> Result<Option<blob::Model>, AppError> {
    Ok(blob::Entity::find()
        .filter(blob::Column::SubjectId.eq(job.run.id))
        .filter(blob::Column::Variant.eq(variant))
        .one(db.read())
        .await?)
}

/// Keeps a rendered print file (without PINs) in the blob store, so that the next request
/// — on any app node — is served from there instead of rendering again.
pub async fn keep(
    blobs: &Blobs,
    who: &Principal,
    job: &PrintJob,
    variant: String,
    content_type: &str,
    bytes: Bytes,
) -> Result<(), AppError> {
    let name = job.file_name(variant.split(':').next().unwrap_or("bin"));
    // `None`: another request kept the same file first (the same bytes, already recorded).
    blobs
        .record_generated(
            who,
            job.run.organization_id,
            BlobKind::PrintFile,
            job.run.id,
            &name,
            content_type,
            bytes,
            Some(variant),
        )
        .await?;
    Ok(())
}

/// Where rendered bytes go; `false` when the receiver has gone (the download was dropped).
pub type Sink = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// Streams the job's labels through `renderer` into `out`, calling `progress` with the
/// labels done. Stops quietly when the receiver goes away.
///
/// Rendering is CPU work (a QR code per label), so each page of stamps is rendered on the
/// blocking pool, never on the async workers that serve requests.
pub async fn render(
    db: &Db,
    job: &PrintJob,
    base: &url::Url,
    pin_key: &PinKey,
    mut renderer: Box<dyn Renderer>,
    out: &Sink,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), AppError> {
    let fail = |e: crate::print::PrintError| AppError::internal(anyhow::anyhow!(e));
    let first = renderer.begin().map_err(fail)?;
    if !send(out, first).await {
        return Ok(());
    }
    let run = &job.run;
    let mut after: Option<i64> = None;
    let mut done = 0u64;
    loop {
        let rows = stamp::Entity::find()
            .filter(in_run_after(run, after))
            .filter(stamp::Column::Status.eq(stamp::Status::Active))
            .order_by_asc(stamp::Column::IndexInBatch)
            .limit(PAGE)
            .all(db.read())
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.index_in_batch);
        let mut labels = Vec::with_capacity(rows.len());
        for s in rows {
            let serial = Serial::parse(&s.serial)
                .map_err(|e| AppError::internal(anyhow::anyhow!("stamp {}: {e}", s.serial)))?;
            let uri = digital_link::stamp_uri(
                base,
                job.identity.gtin.as_ref(),
                job.identity.lot.as_ref(),
                &serial,
            );
            let pin = job.pins.then(|| pin_key.pin(&serial));
            labels.push((serial, s.index_in_batch, uri, pin));
        }
        let n = labels.len() as u64;
        let (back, bytes) = tokio::task::spawn_blocking(move || {
            let mut bytes = Vec::new();
            for (serial, index_in_batch, uri, pin) in &labels {
                let label = Label {
                    serial: serial.as_str(),
                    index_in_batch: *index_in_batch,
                    uri,
                    pin: pin.as_deref(),
                };
                bytes.extend(renderer.label(&label)?);
            }
            Ok::<_, crate::print::PrintError>((renderer, bytes))
        })
        .await
        .map_err(AppError::internal)?
        .map_err(fail)?;
        renderer = back;
        if !send(out, bytes).await {
            return Ok(());
        }
        done += n;
        progress(done);
    }
    let last = renderer.finish().map_err(fail)?;
    send(out, last).await;
    Ok(())
}

async fn send(out: &Sink, bytes: Vec<u8>) -> bool {
    bytes.is_empty() || out.send(Ok(Bytes::from(bytes))).await.is_ok()
}
