//! `ocop-trace import`: farms, growing-area codes or diary events from a spreadsheet, checked
//! and written exactly as the console's import does (`import::rows`): every bad cell is
//! reported with its line and column, and nothing is written unless every row is good.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use crate::domain::role::Action;
use crate::error::AppError;
use crate::import::rows::{self, Ready};
use crate::import::{Kind, Layout, Sheet, SheetError};
use crate::settings::Settings;
use crate::web::console_view::import::{ImportTexts, Preview, import_texts};
use crate::web::i18n::Lang;
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
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let sheet = Sheet::read(&bytes).map_err(|e| anyhow::anyhow!("{}", file_problem(i, &e)))?;
    let layout = Layout::of(args.kind, &sheet.headers).map_err(|missing| {
        let names: Vec<&str> = missing
            .iter()
            .map(|c| match args.lang {
                Lang::Vi => c.vi,
                Lang::En => c.en,
            })
            .collect();
        anyhow::anyhow!("{} {}", i.err_missing, names.join(", "))
    })?;
    if sheet.rows.is_empty() {
        anyhow::bail!("{}", i.err_no_rows);
    }
    let state = startup::prepare(settings).await?;
    let who = super::operator();
    let org = args.organization;
    services::organization(state.db.read(), &who, org, Action::Read)
        .await
        .map_err(|e| anyhow::anyhow!("--organization: {}", e.into_anyhow()))?;
    let (preview, ready) = rows::check(&state.db, &who, args.lang, org, &layout, &sheet)
        .await
        .map_err(AppError::into_anyhow)?;
    let Some(ready) = ready else {
        report(i, &preview);
        anyhow::bail!(
            "{} {} {}. {}",
            preview.bad(),
            i.some_bad,
            preview.rows.len(),
            i.nothing_written
        );
    };
    let total = preview.rows.len();
    if args.check {
        say(&format!("{total} {}", i.all_good));
        return Ok(());
    }
    match write(&state.db, &who, org, ready, &preview, args.lang).await? {
        Some(n) => {
            say(&format!("{}: {n} {}", i.imported, i.rows_word));
            Ok(())
        }
        None => anyhow::bail!("{}", i.err_changed),
    }
}

/// Writes the checked rows; `None` when the records changed since the check (nothing written).
async fn write(
    db: &crate::db::Db,
    who: &crate::auth::Principal,
    org: Uuid,
    ready: Ready,
    preview: &Preview,
    lang: Lang,
) -> anyhow::Result<Option<usize>> {
    match rows::write(db, who, org, ready)
        .await
        .map_err(AppError::into_anyhow)?
    {
        Ok(n) => Ok(Some(n)),
        // A diary row the batch no longer accepts (sealed since the check, say).
        Err(Some((at, e))) => {
            let i = import_texts(lang);
            let line = preview.rows.get(at).map_or(0, |r| r.line);
            anyhow::bail!("{} {} {line}: {:#}", i.err_changed, i.line, e.into_anyhow())
        }
        Err(None) => Ok(None),
    }
}

fn file_problem(i: &ImportTexts, e: &SheetError) -> String {
    match e {
        SheetError::Unreadable | SheetError::Workbook(_) => i.err_file.to_owned(),
        SheetError::Empty => i.err_empty.to_owned(),
        SheetError::TooManyRows(_) => i.err_too_many.to_owned(),
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
