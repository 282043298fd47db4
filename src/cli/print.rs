//! `ocop-trace print`: a run's print file written to disk with a progress bar. The file is
//! written beside its destination and renamed into place when complete, so a failed or
//! interrupted run never leaves a half-written file that looks finished.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use uuid::Uuid;

use crate::error::AppError;
use crate::print::Template;
use crate::print::template::{self, Overrides};
use crate::print::zpl::{Dpi, Stock};
use crate::services::print_files::{self, Format};
use crate::settings::Settings;
use crate::stamps::qr::Ecc;
use crate::startup;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Pdf,
    Zpl,
    Csv,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The stamp run.
    #[arg(long)]
    run: Uuid,
    /// File to write; the format follows its extension unless --format is given.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// PDF label stock: a4-65-38x21 (default), a4-40-52x29 or a4-24-70x37.
    #[arg(long)]
    template: Option<String>,
    /// PDF: labels across and down, overriding the template's.
    #[arg(long)]
    columns: Option<u32>,
    #[arg(long)]
    rows: Option<u32>,
    /// ZPL: printer resolution, 203 or 300 dpi.
    #[arg(long, default_value_t = 203)]
    dpi: u32,
    /// ZPL: label width and height in mm.
    #[arg(long, default_value_t = 50.0)]
    width_mm: f64,
    #[arg(long, default_value_t = 30.0)]
    height_mm: f64,
    /// QR error correction: m or q.
    #[arg(long, value_enum, default_value = "m")]
    ecc: EccArg,
    /// Print the scratch PINs (once per run; they are never shown again).
    #[arg(long)]
    pins: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EccArg {
    M,
    Q,
}

fn format(args: &PrintArgs) -> anyhow::Result<Format> {
    let kind = match args.format {
        Some(k) => k,
        None => match args.out.extension().and_then(|e| e.to_str()) {
            Some("pdf") => FormatArg::Pdf,
            Some("zpl") => FormatArg::Zpl,
            Some("csv") => FormatArg::Csv,
            _ => anyhow::bail!("--out: name a .pdf, .zpl or .csv file, or give --format"),
        },
    };
    let ecc = match args.ecc {
        EccArg::M => Ecc::M,
        EccArg::Q => Ecc::Q,
    };
    Ok(match kind {
        FormatArg::Pdf => {
            let id = args.template.as_deref().unwrap_or(template::DEFAULT);
            let sheet = Template::by_id(id)
                .map_err(|e| anyhow::anyhow!("--template: {e}"))?
                .customised(&Overrides {
                    columns: args.columns,
                    rows: args.rows,
                    ..Default::default()
                })
                .map_err(AppError::into_anyhow)?;
            Format::Pdf { sheet, ecc }
        }
        FormatArg::Zpl => Format::Zpl {
            stock: Stock {
                dpi: Dpi::parse(args.dpi).map_err(|e| anyhow::anyhow!("--dpi: {e}"))?,
                width_mm: args.width_mm,
                height_mm: args.height_mm,
            },
            ecc,
        },
        FormatArg::Csv => Format::Csv,
    })
}

pub async fn run(settings: Settings, args: PrintArgs) -> anyhow::Result<()> {
    let format = format(&args)?;
    let state = startup::prepare(settings).await?;
    let who = crate::auth::Principal::operator();
    let mut job = print_files::prepare(&state.db, &who, args.run)
        .await
        .map_err(AppError::into_anyhow)
        .with_context(|| format!("run {}", args.run))?;
    let base = state.settings.public_base_url.clone();
    let renderer =
        print_files::renderer(format, &job, &base, args.pins).map_err(AppError::into_anyhow)?;
    let dir = args
        .out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    if args.pins {
        print_files::release_pins(&state.db, &who, &mut job)
            .await
            .map_err(AppError::into_anyhow)?;
    }
    let bar = indicatif::ProgressBar::new(job.count).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} printing labels {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let writer = tokio::task::spawn_blocking(move || -> anyhow::Result<tempfile::NamedTempFile> {
        while let Some(chunk) = rx.blocking_recv() {
            let bytes = chunk.context("rendering")?;
            file.write_all(&bytes).context("writing the print file")?;
        }
        file.as_file()
            .sync_all()
            .context("writing the print file")?;
        Ok(file)
    });
    let rendered = print_files::render(
        &state.db,
        &job,
        &base,
        &state.pin_key,
        renderer,
        &tx,
        &|n| bar.set_position(n),
    )
    .await;
    drop(tx);
    let file = writer.await.context("the file writer stopped")??;
    rendered.map_err(AppError::into_anyhow)?;
    bar.finish_and_clear();
    file.persist(&args.out)
        .with_context(|| format!("saving {}", args.out.display()))?;
    if job.pins {
        // The file is whole on disk: the PINs are never shown again.
        print_files::pins_delivered(&state.db, job.run.id)
            .await
            .map_err(AppError::into_anyhow)?;
    }
    tracing::info!(run.id = %args.run, labels = job.count, file = %args.out.display(), "print file written");
    Ok(())
}
