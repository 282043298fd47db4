//! `ocop-trace export`: a marketplace listing pack for some products, written to disk with a
//! progress bar (and kept as a file in the blob store, like one made through the API).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use entity::product;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::error::AppError;
use crate::services::listings;
use crate::settings::Settings;
use crate::startup;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The marketplace: postmart or voso.
    #[arg(long)]
    marketplace: String,
    /// A product whose listing goes into the pack (repeat for several; all of one
    /// organization).
    #[arg(long = "product", required = true)]
    products: Vec<Uuid>,
    /// File to write [default: <marketplace>-pack.zip].
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(settings: Settings, args: ExportArgs) -> anyhow::Result<()> {
    let market = crate::marketplace::by_id(&args.marketplace).with_context(|| {
        let known: Vec<&str> = crate::marketplace::registry().map(|m| m.id()).collect();
        format!(
            "unknown marketplace {}: one of {}",
            args.marketplace,
            known.join(", ")
        )
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-pack.zip", market.id())));
    let state = startup::prepare(settings).await?;
    let who = crate::auth::Principal::operator();
    let first = product::Entity::find_by_id(args.products[0])
        .one(state.db.read())
        .await?
        .with_context(|| format!("no product {}", args.products[0]))?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {pos}/{len} [{bar:40}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = listings::export_pack(
        &state.blobs,
        &state.settings.public_base_url,
        &who,
        first.organization_id,
        market,
        &args.products,
        &|stage, done, total| {
            bar.set_message(stage.to_owned());
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await;
    bar.finish_and_clear();
    let (file, pack) = match result {
        Ok(r) => r,
        Err(AppError::Validation(problems)) => {
            #[allow(clippy::print_stderr)] // What to fix, one line each.
            for p in &problems {
                eprintln!("{}: {} ({})", p.field, p.message, p.code);
            }
            anyhow::bail!(
                "{} problem(s): fix the listings and export again",
                problems.len()
            );
        }
        Err(e) => return Err(e.into_anyhow()),
    };
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, &pack.zip).context("writing the pack")?;
    tmp.as_file().sync_all().context("writing the pack")?;
    tmp.persist(&out)
        .with_context(|| format!("saving {}", out.display()))?;
    tracing::info!(marketplace = market.id(), file = %out.display(), stored = %file.id, "listing pack written");
    Ok(())
}
