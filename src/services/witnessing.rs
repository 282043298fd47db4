//! Submitting the log's checkpoints to its witnesses (C2SP `tlog-witness`) and keeping their
//! cosignatures (C2SP `tlog-cosignature`), which are then published on the checkpoint.
//!
//! It runs beside the checkpoint signer, never on the append path: a witness that is down,
//! slow or refusing costs a log line and a later retry (backing off to a minute), nothing
//! else. Each witness is asked for the latest checkpoint only, with a consistency proof from
//! the one it holds; it says which that is (409 with its size) when this node does not know,
//! for instance after a restart or when another node submitted meanwhile.

use std::time::{Duration, Instant};

use entity::{checkpoint, checkpoint_cosignature};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::ledger;
use crate::db::Db;
use crate::error::AppError;

/// A witness the log submits checkpoints to (configured by `OCOP_WITNESSES`).
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// Where its `add-checkpoint` lives: `<url>/add-checkpoint`.
    pub url: url::Url,
    /// Its verifier key as configured (`<name>+<id>+<base64>`).
    pub key: String,
    pub verifier: crate::ledger::cosignature::CosignatureVerifier,
}

/// How often the latest checkpoint is looked at.
const TICK: Duration = Duration::from_millis(500);
/// The longest wait before asking a failing witness again.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The most of a witness's reply that is read.
const REPLY_LIMIT: usize = 64 * 1024;
/// A witness that has not answered by then is counted as down for this round.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the witness could not be reached: {0}")]
    Unreachable(String),
    #[error("the witness refused the checkpoint ({status}): {detail}")]
    Refused { status: u16, detail: String },
    #[error("the witness answered without a valid cosignature by its key")]
    NoCosignature,
    #[error(transparent)]
    Store(#[from] AppError),
}

/// The signed-note body of a checkpoint's note (what cosignatures sign).
fn note_body(note: &str) -> Result<Vec<u8>, AppError> {
    signed_note::Note::from_bytes(note.as_bytes())
        .map(|n| n.text().to_vec())
        .map_err(|e| AppError::internal(anyhow::anyhow!("stored checkpoint note: {e}")))
}

/// Asks `witness` to cosign `cp`, given the size it is believed to hold; stores the
/// cosignature and returns the size the witness now holds.
pub async fn submit(
    db: &Db,
    http: &reqwest::Client,
    witness: &WitnessEndpoint,
    cp: &checkpoint::Model,
    believed: Option<u64>,
) -> Result<u64, SubmitError> {
    let size = u64::try_from(cp.size).map_err(AppError::internal)?;
    let body = note_body(&cp.note)?;
    let url = witness
        .url
        .join("add-checkpoint")
        .map_err(|e| SubmitError::Unreachable(e.to_string()))?;
    let mut old = believed.unwrap_or(0);
    // At most one retry: after a 409 the witness has said which size it holds.
    for _ in 0..2 {
        if old > size {
            // It holds a later checkpoint (submitted by another node).
            return Ok(old);
        }
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            ledger::consistency(db.read(), old, size).await?
        };
        let mut request = format!("old {old}\n");
        for h in &proof {
            request.push_str(&data_encoding::BASE64.encode(&h.0));
            request.push('\n');
        }
        request.push('\n');
        request.push_str(&cp.note);
        let res = http
            .post(url.clone())
            .body(request)
            .send()
            .await
            .map_err(|e| SubmitError::Unreachable(e.without_url().to_string()))?;
        let status = res.status().as_u16();
        // A cosignature line or a size is a few hundred bytes.
        let text = crate::fetch::body_limited(res, REPLY_LIMIT)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| SubmitError::Unreachable(e.to_string()))?;
        match status {
            200 => {
                store_cosignature(db, witness, cp.size, &body, &text).await?;
                return Ok(size);
            }
            409 => match text.trim().parse::<u64>() {
                Ok(held) => old = held,
                Err(_) => {
                    return Err(SubmitError::Refused {
                        status,
                        detail: "a 409 without the size it holds".into(),
                    });
                }
            },
            _ => {
                let detail: String = text.chars().take(300).collect();
                return Err(SubmitError::Refused { status, detail });
            }
        }
    }
    Err(SubmitError::Refused {
        status: 409,
        detail: "the size it holds keeps changing".into(),
    })
}

/// Keeps the witness's valid cosignature line from its answer (other lines are ignored, as
/// the specification asks).
async fn store_cosignature(
    db: &Db,
    witness: &WitnessEndpoint,
    size: i64,
    body: &[u8],
    answer: &str,
) -> Result<(), SubmitError> {
    use signed_note::Verifier;
    let v = &witness.verifier;
    let found = answer.lines().find_map(|line| {
        let sig = signed_note::Signature::from_bytes(line.as_bytes()).ok()?;
        (sig.name() == v.name() && sig.id() == v.key_id())
            .then(|| v.check(body, sig.signature()))
            .flatten()
            .map(|time| (line, time))
    });
    let Some((line, time)) = found else {
        return Err(SubmitError::NoCosignature);
    };
    let txn = db.write_txn().await.map_err(AppError::from)?;
    let row = checkpoint_cosignature::ActiveModel {
        size: Set(size),
        witness: Set(v.name().to_owned()),
        line: Set(format!("{line}\n")),
        cosigned_at: Set(i64::try_from(time).unwrap_or(i64::MAX)),
    };
    checkpoint_cosignature::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                checkpoint_cosignature::Column::Size,
                checkpoint_cosignature::Column::Witness,
            ])
            .do_nothing()
            .to_owned(),
        )
        .try_insert()
        .exec(&txn)
        .await
        .map_err(AppError::from)?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(())
}

/// The cosignatures kept for the checkpoint of `size`, in witness order.
pub async fn cosignatures<C: ConnectionTrait>(
    conn: &C,
    size: i64,
) -> Result<Vec<checkpoint_cosignature::Model>, AppError> {
    Ok(checkpoint_cosignature::Entity::find()
        .filter(checkpoint_cosignature::Column::Size.eq(size))
        .order_by_asc(checkpoint_cosignature::Column::Witness)
        .all(conn)
        .await?)
}

/// A checkpoint's note with the witnesses' cosignatures appended, as published.
pub async fn cosigned_note<C: ConnectionTrait>(
    conn: &C,
    cp: &checkpoint::Model,
) -> Result<String, AppError> {
    let mut note = cp.note.clone();
    for c in cosignatures(conn, cp.size).await? {
        note.push_str(&c.line);
    }
    Ok(note)
}

/// The latest checkpoint larger than `above` entries that at least `quorum` of the witnesses
/// (by verifier key) have cosigned.
pub async fn latest_confirmed<C: ConnectionTrait>(
    conn: &C,
    above: i64,
    keys: &[String],
    quorum: usize,
) -> Result<Option<checkpoint::Model>, AppError> {
    let names: Vec<&str> = keys
        .iter()
        .map(|k| k.split('+').next().unwrap_or_default())
        .collect();
    // Witnesses cosign only the latest checkpoint they are sent, so cosigned sizes are few.
    let rows: Vec<i64> = checkpoint_cosignature::Entity::find()
        .select_only()
        .column(checkpoint_cosignature::Column::Size)
        .filter(checkpoint_cosignature::Column::Size.gt(above))
        .filter(checkpoint_cosignature::Column::Witness.is_in(names))
        .order_by_desc(checkpoint_cosignature::Column::Size)
        .limit(1_000)
        .into_tuple()
        .all(conn)
        .await?;
    let mut counted: Vec<(i64, usize)> = Vec::new();
    for size in rows {
        match counted.last_mut() {
            Some((s, n)) if *s == size => *n += 1,
            _ => counted.push((size, 1)),
        }
    }
    let Some((size, _)) = counted.into_iter().find(|(_, n)| *n >= quorum) else {
        return Ok(None);
    };
    Ok(checkpoint::Entity::find_by_id(size).one(conn).await?)
}

/// One witness as the background task sees it.
struct Follower {
    endpoint: WitnessEndpoint,
    holds: Option<u64>,
    next_try: Instant,
    backoff: Duration,
}

/// Runs until the task is dropped.
pub async fn run(db: Db, endpoints: Vec<WitnessEndpoint>) {
    let http = match reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client for the witnesses; not witnessing");
            return;
        }
    };
    let mut followers: Vec<Follower> = endpoints
        .into_iter()
        .map(|endpoint| Follower {
            endpoint,
            holds: None,
            next_try: Instant::now(),
            backoff: TICK,
        })
        .collect();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let latest = match ledger::latest_checkpoint(db.read()).await {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e.into_anyhow(), "witnessing: reading the checkpoint");
                continue;
            }
        };
        let now = Instant::now();
        let due = followers.iter_mut().filter(|f| {
            f.next_try <= now
                && f.holds
                    .is_none_or(|s| i64::try_from(s).is_ok_and(|s| s < latest.size))
        });
        let rounds = due.map(|f| {
            let (db, http, latest) = (&db, &http, &latest);
            async move {
                let outcome = submit(db, http, &f.endpoint, latest, f.holds).await;
                let name = signed_note::Verifier::name(&f.endpoint.verifier).to_owned();
                match outcome {
                    Ok(held) => {
                        f.holds = Some(held);
                        f.backoff = TICK;
                        tracing::debug!(witness = %name, size = held, "cosigned");
                    }
                    Err(e) => {
                        f.backoff = (f.backoff * 2).min(MAX_BACKOFF);
                        f.next_try = Instant::now() + f.backoff;
                        f.holds = None;
                        tracing::warn!(witness = %name, error = %e, retry_in = ?f.backoff, "witness did not cosign");
                    }
                }
            }
        });
        futures_util::future::join_all(rounds).await;
    }
}
