//! Ledger benchmarks on a real SQLite log of 1,000,000 entries (10,000,000 with
//! `OCOP_BENCH_ENTRIES=10000000`), built once under `target/bench-data/` and reused.
//!
//! `cargo bench --bench ledger` measures, server-side (service call, database included):
//! - `inclusion_proof`: proof for a random entry against the full tree;
//! - `consistency_proof`: between a random earlier size and the full tree;
//! - `pure/*`: the same proofs computed from in-memory hashes (no database).
//!
//! The log holds farm records, as the service writes them, so `ocop-trace verify` can run on
//! it too (see bench/RESULTS.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::settings;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use entity::{farm, ledger_entry, ledger_head, organization};
use ocop_trace::db::Db;
use ocop_trace::ledger::chain;
use ocop_trace::ledger::merkle::Frontier;
use ocop_trace::services::records::Recorded;
use ocop_trace::services::{checkpoints, ledger};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use uuid::Uuid;

fn entries() -> u64 {
    std::env::var("OCOP_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// Entries computed in memory exactly as `services::ledger::append` computes them.
struct LogBuilder {
    frontier: Frontier,
    chain_hash: ocop_trace::ledger::Hash,
    next: u64,
    entries: Vec<ledger_entry::ActiveModel>,
}

impl Default for LogBuilder {
    fn default() -> Self {
        Self {
            frontier: Frontier::default(),
            chain_hash: chain::GENESIS,
            next: 0,
            entries: vec![],
        }
    }
}

impl LogBuilder {
    fn push(
        &mut self,
        kind: &str,
        table: &str,
        id: Uuid,
        payload: String,
        t: chrono::DateTime<chrono::Utc>,
    ) {
        let leaf = ocop_trace::ledger::public_form::leaf(kind, payload.as_bytes());
        self.chain_hash = chain::link(&self.chain_hash, &leaf);
        let stored: Vec<u8> = self
            .frontier
            .append(leaf)
            .iter()
            .flat_map(|h| h.0)
            .collect();
        self.entries.push(ledger_entry::ActiveModel {
            idx: Set(self.next as i64),
            kind: Set(kind.into()),
            subject_table: Set(table.into()),
            subject_id: Set(id),
            batch_id: Set(None),
            payload: Set(payload),
            leaf_hash: Set(leaf.0.to_vec()),
            chain_hash: Set(self.chain_hash.0.to_vec()),
            stored_hashes: Set(stored),
            created_at: Set(t),
        });
        self.next += 1;
    }
}

/// Builds (once) a log of `n` farm registrations, written in bulk with the same record
/// payloads, hashes and Merkle layout as the service produces.
async fn log_of(n: u64) -> (Db, ocop_trace::ledger::note::LogKey) {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/ledger-{n}"));
    let ready = dir.join("ready");
    let fresh = !ready.exists();
    if fresh {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let state = ocop_trace::startup::prepare(settings(&dir)).await.unwrap();
    if fresh {
        let started = Instant::now();
        let t = ocop_trace::services::now();
        let org = organization::Model {
            id: Uuid::now_v7(),
            kind: "cooperative".into(),
            name: "HTX Bench".into(),
            tax_code: None,
            address: "Đắk Lắk".into(),
            province_code: Some("66".into()),
            commune_code: None,
            phone: None,
            email: None,
            website: None,
            gs1_company_prefix: None,
            created_at: t,
            updated_at: t,
        };
        let mut log = LogBuilder::default();
        let (payload, _) = ledger::prepare("created", &org).unwrap();
        log.push("organizations.created", "organizations", org.id, payload, t);
        org.clone()
            .into_active_model()
            .reset_all()
            .insert(state.db.read())
            .await
            .unwrap();
        let mut pending_rows: Vec<farm::ActiveModel> = vec![];
        let bar = indicatif::ProgressBar::new(n);
        while log.next < n {
            let f = farm::Model {
                id: Uuid::now_v7(),
                organization_id: org.id,
                name: format!("Vườn số {}", log.next),
                address: "Thôn 3, Ea Tul, Cư M'gar".into(),
                commune_code: Some("24370".into()),
                latitude: Some(12.79),
                longitude: Some(108.12),
                created_at: t,
                updated_at: t,
            };
            let (payload, _) = ledger::prepare("created", &f).unwrap();
            log.push("farms.created", farm::Model::TABLE, f.id, payload, t);
            pending_rows.push(f.into_active_model().reset_all());
            if log.entries.len() >= 1_000 || log.next == n {
                let txn = state.db.write_txn().await.unwrap();
                if !pending_rows.is_empty() {
                    farm::Entity::insert_many(std::mem::take(&mut pending_rows))
                        .exec(&txn)
                        .await
                        .unwrap();
                }
                ledger_entry::Entity::insert_many(std::mem::take(&mut log.entries))
                    .exec(&txn)
                    .await
                    .unwrap();
                txn.commit().await.unwrap();
                bar.set_position(log.next);
            }
        }
        bar.finish_and_clear();
        ledger_head::ActiveModel {
            id: Set(1),
            size: Set(log.next as i64),
            chain_hash: Set(log.chain_hash.0.to_vec()),
            frontier: Set(log.frontier.to_bytes()),
            public_from: Set(0),
        }
        .update(state.db.read())
        .await
        .unwrap();
        checkpoints::sign_latest(&state.db, &state.log_key)
            .await
            .unwrap();
        std::fs::write(&ready, "").unwrap();
        eprintln!(
            "built a log of {n} entries in {:.0} s at {}",
            started.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    (state.db.clone(), state.log_key.clone())
}

fn proofs(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = entries();
    let (db, _) = rt.block_on(log_of(n));
    let size = rt.block_on(ledger::head(db.read(), false)).unwrap().size;
    let sample = rt
        .block_on(ledger::inclusion(db.read(), size / 3, size))
        .unwrap();
    eprintln!(
        "log size {size}: an inclusion proof has {} hashes ({} bytes)",
        sample.len(),
        sample.len() * 32
    );

    let mut group = c.benchmark_group(format!("ledger_{size}"));
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut random = move |bound: u64| {
        // xorshift: cheap, deterministic, good enough to spread indexes.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    group.bench_function("inclusion_proof", |b| {
        b.to_async(&rt).iter(|| {
            let index = random(size);
            let db = db.clone();
            async move { ledger::inclusion(db.read(), index, size).await.unwrap() }
        })
    });
    group.bench_function("consistency_proof", |b| {
        b.to_async(&rt).iter(|| {
            let first = 1 + random(size - 1);
            let db = db.clone();
            async move { ledger::consistency(db.read(), first, size).await.unwrap() }
        })
    });
    group.finish();
}

fn pure(c: &mut Criterion) {
    use ocop_trace::ledger::merkle;
    let mut frontier = Frontier::default();
    let mut stored = std::collections::HashMap::new();
    for i in 0..65_536u64 {
        for (k, h) in frontier
            .append(chain::leaf(&i.to_be_bytes()))
            .into_iter()
            .enumerate()
        {
            stored.insert(merkle::first_index_of(i) + k as u64, h);
        }
    }
    let fetched = merkle::Fetched(stored);
    c.bench_function("pure/inclusion_proof_65536", |b| {
        b.iter(|| merkle::inclusion_proof(12_345, 65_536, &fetched).unwrap())
    });
    c.bench_function("pure/frontier_append", |b| {
        let mut f = frontier.clone();
        let leaf = chain::leaf(b"x");
        b.iter(|| f.append(leaf))
    });
    let payload = serde_json::json!({"id": Uuid::nil(), "name": "Vườn ông Ba", "latitude": 12.79, "details": {"inputs": [{"product": "NPK"}]}});
    c.bench_function("pure/canonical_json_and_leaf", |b| {
        b.iter(|| chain::leaf(&ocop_trace::ledger::canonical::to_vec(&payload).unwrap()))
    });
}

criterion_group!(benches, pure, proofs);
criterion_main!(benches);
