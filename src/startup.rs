//! Building and running the server.
//!
//! [`prepare`] connects to the database and migrates it; [`serve`] runs the app on a listener
//! the caller bound, so tests can bind `127.0.0.1:0` and learn the port.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::metrics::Metrics;
use crate::services::checkpoints;
use crate::services::diary_writer::DiaryWriter;
use crate::settings::Settings;
use crate::state::AppState;
use crate::urls::redact_url;
use crate::{db, http, log_key};

/// Creates the data directory, connects, migrates.
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "creating the data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let db = db::connect(&settings.database_url, settings.db_max_connections)
        .await
        .with_context(|| format!("database {}", redact_url(&settings.database_url)))?;
    db::migrate(&db).await?;
    let origin = log_key::origin_for(&settings.public_base_url);
    let (log_key, created) = log_key::load_or_create(&settings.log_key_file, &origin)?;
    if created {
        tracing::warn!(
            file = %settings.log_key_file.display(),
            verifier_key = log_key.verifier_key(),
            "created a new log signing key; back it up: checkpoints signed with it verify only with its public key"
        );
    }
    let (pin_key, created) = crate::stamps::pin::PinKey::load_or_create(&settings.pin_key_file)?;
    if created {
        tracing::warn!(
            file = %settings.pin_key_file.display(),
            "created a new key for scratch PINs; back it up: PINs already printed check only with it"
        );
    }
    let blobs = crate::services::blobs::Blobs {
        db: db.clone(),
        store: crate::storage::open(&settings.blob_store),
        limits: settings.upload_limits,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (secrets, created) = crate::secrets::SecretBox::load_or_create(&settings.secrets_key_file)?;
    if created {
        tracing::warn!(
            file = %settings.secrets_key_file.display(),
            "created a new key for marketplace tokens; back it up: stored tokens open only with it"
        );
    }
    let outbox = crate::services::outbox::Outbox {
        db: db.clone(),
        http: reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(settings.marketplace_timeout)
            .build()
            .context("building the HTTP client for marketplaces")?,
        apis: Arc::new(settings.marketplace_apis.clone()),
        retry_base: settings.outbox_retry_base,
        review_every: settings.marketplace_review_poll,
        wake: Arc::new(tokio::sync::Notify::new()),
        store: blobs.store.clone(),
        secrets,
        clock: Default::default(),
        requeues: Default::default(),
        portal: settings.portal.clone(),
        epcis: Arc::new(crate::services::epcis_index::EpcisIndex::new(
            settings.public_base_url.clone(),
        )),
    };
    let metrics = Arc::new(Metrics::default());
    let epcis = outbox.epcis.clone();
    let scans = crate::services::scans::ScanWriter::start(
        db.clone(),
        settings.scan_thresholds,
        metrics.scan_writer.clone(),
    );
    Ok(AppState::new(crate::state::Shared {
        outbox,
        blobs,
        pin_key,
        diary: DiaryWriter::start(db.clone(), scans.settled()),
        epcis,
        scans,
        tiles: crate::services::tile_cache::TileCache::new(
            crate::services::tile_cache::DEFAULT_BYTES,
        ),
        // Half of the scan caches' memory for lots and stamps, half for rendered frames.
        resolve_cache: Arc::new(crate::services::resolve::ResolveCache::new(
            settings.scan_cache_bytes / 2,
            metrics.resolver.clone(),
        )),
        scan_frames: Arc::new(crate::web::scan_frame::FrameCache::new(
            settings.scan_cache_bytes / 2,
        )),
        limits: Arc::new(crate::http::limits::Limits::new(
            settings.scan_rate_per_minute,
        )),
        db,
        settings: Arc::new(settings),
        metrics,
        log_key,
        background: Default::default(),
    }))
}

/// Serves until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Before the first request: scans a crashed process answered and had not committed are
    // stored, and from now on no answered scan is lost with the process.
    state
        .scans
        .open_journal(&state.settings.scan_journal_dir)
        .await?;
    state.scans.listen_to_other_nodes();
    let signer = tokio::spawn(checkpoints::run_signer(
        state.db.clone(),
        state.log_key.clone(),
    ));
    // Witnesses are asked to cosign off the append path; one that is down only logs.
    let witnessing = (!state.settings.witnesses.is_empty()).then(|| {
        tokio::spawn(crate::services::witnessing::run(
            state.db.clone(),
            state.settings.witnesses.clone(),
        ))
    });
    let epcis = tokio::spawn(crate::services::epcis_index::run(
        state.db.clone(),
        state.epcis.clone(),
    ));
    let pusher = state
        .settings
        .outbox_worker
        .then(|| tokio::spawn(crate::services::outbox::run(state.outbox.clone())));
    // Scans older than the retention are deleted once a day (the first sweep at start).
    let retention = state
        .settings
        .scan_keep
        .map(|keep| tokio::spawn(crate::services::scan_retention::run(state.db.clone(), keep)));
    let (limits, db) = (state.limits.clone(), state.db.clone());
    let forget = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            limits.forget_idle();
            if let Err(e) = crate::services::sign_in_limits::forget_old(&db).await {
                tracing::warn!(error = %e.into_anyhow(), "could not forget old sign-in failures");
            }
        }
    });
    let (scans, background) = (state.scans.clone(), state.background.clone());
    let app = http::router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving HTTP");
    signer.abort();
    epcis.abort();
    if let Some(w) = witnessing {
        w.abort();
    }
    if let Some(p) = pusher {
        p.abort();
    }
    forget.abort();
    if let Some(r) = retention {
        r.abort();
    }
    // Print files still being kept after their response are finished, not cut off.
    background.idle().await;
    // Scans answered from memory are committed before the process ends.
    scans.flush().await;
    served
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
