//! `ocop-trace import`: farms, growing-area codes or diary events from a spreadsheet, checked
//! and written exactly as the console's import does (`import::rows`): every bad cell is
//! reported with its line and column, and nothing is written unless every row is good.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use crate::domain::role::Action;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::import::rows;
use crate::import::{Kind, Sheet};
use crate::settings::Settings;
use crate::web::console_view::import::{ImportTexts, Preview, import_texts, layout_problem};
use crate::{services, startup};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The organization the rows belong to.
    #[arg(long)]
    organization: Uuid,
    /// What the file holds: farms, growing-areas or diary.
    #[arg(long, value_parser = parse_kind)]
    kind: Kind,
    /// Language of the messages: vi or en.
    #[arg(long, default_value = "vi", value_parser = parse_lang)]
    lang: Lang,
    /// Only check the file; write nothing.
    #[arg(long)]
    check: bool,
    /// The spreadsheet: .xlsx (first sheet) or .csv (UTF-8, commas or semicolons), with a
    /// header row (download a template from the console's import page).
    file: PathBuf,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| format!("{s}: one of farms, growing-areas, diary"))
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "vi" => Ok(Lang::Vi),
        "en" => Ok(Lang::En),
        _ => Err(format!("{s}: vi or en")),
    }
}

pub async fn run(settings: Settings, args: ImportArgs) -> anyhow::Result<()> {
    let i = import_texts(args.lang);
    let file = args.file.display();
    // A sheet is at most a few thousand rows: a file bigger than an upload is not one.
    let limit = settings.upload_limits.max_bytes;
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {file}"))?
        .len();
    if size > limit as u64 {
        anyhow::bail!(
            "{file}: {size} bytes, more than an upload may be ({limit}, OCOP_UPLOAD_MAX_BYTES)"
        );
    }
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {file}"))?;
    let sheet = Sheet::read_apart(bytes)
        .await
        .map_err(|e| anyhow::anyhow!("{file}: {}", i.sheet_problem(&e)))?;
    let layout = rows::layout_of(args.kind, &sheet)
        .map_err(|e| anyhow::anyhow!("{file}: {}", layout_problem(args.kind, &e, args.lang)))?;
    let state = startup::prepare(settings).await?;
    let (db, who, org) = (
        &state.db,
        crate::auth::Principal::operator(),
        args.organization,
    );
    services::organization(db.read(), &who, org, Action::Read)
        .await
        .map_err(|e| anyhow::anyhow!("--organization: {}", e.into_anyhow()))?;
    let mut checked = rows::check(db, &who, org, &layout, &sheet)
        .await
        .map_err(AppError::into_anyhow)?;
    let preview = Preview::of(&checked, args.lang);
    let (total, bad) = (preview.rows.len(), preview.bad());
    let Some(ready) = checked.ready.take() else {
        report(i, &preview);
        anyhow::bail!("{bad} {} {total}. {}", i.some_bad, i.nothing_written);
    };
    if args.check {
        say(&format!("{total} {}", i.all_good));
        return Ok(());
    }
    match rows::write(db, &who, org, ready)
        .await
        .map_err(AppError::into_anyhow)?
    {
        Ok(n) => {
            say(&format!("{}: {n} {}", i.imported, i.rows_word));
            Ok(())
        }
        // A diary row the batch no longer accepts (sealed since the check, say).
        Err(Some((at, e))) => {
            let line = preview.rows.get(at).map_or(0, |r| r.line);
            anyhow::bail!("{} {} {line}: {:#}", i.err_changed, i.line, e.into_anyhow())
        }
        Err(None) => anyhow::bail!("{}", i.err_changed),
    }
}

/// Every bad cell, one per line on stderr: `Dòng <n> · <column> = "<value>": <message>`.
fn report(i: &ImportTexts, preview: &Preview) {
    for row in preview.rows.iter().filter(|r| r.is_bad()) {
        for (cell, column) in row.cells.iter().zip(&preview.columns) {
            if let Some(message) = cell.error {
                #[allow(clippy::print_stderr)] // The problems are this command's report.
                {
                    eprintln!(
                        "{} {} · {column} = {:?}: {message}",
                        i.line, row.line, cell.value
                    );
                }
            }
        }
    }
}

fn say(line: &str) {
    #[allow(clippy::print_stdout)] // The outcome is this command's output.
    {
        println!("{line}");
    }
}
