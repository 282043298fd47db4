//! The `ocop-trace` command line.

mod export;
mod import;
mod monitor;
mod print;
mod witness;

use anyhow::Context;
use clap::{Parser, Subcommand};
use entity::api_token;
use sea_orm::{EntityTrait, PaginatorTrait};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::domain::role::Role;
use crate::error::AppError;
use crate::services::accounts::{self, TokenGrant};
use crate::settings::{Settings, SettingsArgs};
use crate::{db, log_key, services, startup, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "ocop-trace",
    version,
    about = "Traceability and e-commerce service for Vietnamese OCOP products"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Register an organization and print a one-time console link for its first owner, who
    /// chooses a password there and does everything else in the browser.
    Onboard(OnboardArgs),
    /// Invite a person into an organization with a role: print their one-time console link
    /// (a person who already has an account is added at once).
    Invite {
        #[arg(long)]
        organization: Uuid,
        /// Their phone number or e-mail address: what they will sign in with.
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role, default_value = "member")]
        role: Role,
    },
    /// Issue a run of stamps for a batch (as the operator) and print the run id.
    Issue {
        /// The batch: its id, or its lot code when no other product uses that lot.
        #[arg(long)]
        batch: String,
        /// Number of stamps, 1 to 1,000,000.
        #[arg(long)]
        count: u64,
        /// Give every stamp an 8-digit scratch PIN (shown once, in the first print file that
        /// asks for them).
        #[arg(long)]
        pin: bool,
    },
    /// Write a run's print file (labels.pdf, labels.zpl or stamps.csv) with a progress bar.
    Print(print::PrintArgs),
    /// Recompute the whole ledger from the stored records; exit 1 at the first divergence.
    Verify {
        /// Verifier key for checkpoint signatures (`name+id+base64`, as published at
        /// /.well-known/ocop-trace/log-key) [default: derived from OCOP_LOG_KEY_FILE].
        #[arg(long, env = "OCOP_LOG_VERIFIER_KEY")]
        verifier_key: Option<String>,
    },
    /// Write a marketplace listing pack (spreadsheet, images, descriptions) for products.
    Export(export::ExportArgs),
    /// Import farms, growing-area codes or diary events from an .xlsx or .csv file: every
    /// row is checked first; all are written in one transaction, or none.
    Import(import::ImportArgs),
    /// Check the blob store against the file records.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Scan records.
    #[command(subcommand)]
    Scans(ScansCommand),
    /// Follow a log from outside through its tiles and check every entry, checkpoint
    /// signature and cosignature; exit 1 with the proof when the log misbehaved.
    Monitor(monitor::MonitorArgs),
    /// Run a C2SP tlog-witness for other logs: cosign each checkpoint that consistently
    /// extends the last one cosigned, refuse and keep as evidence one that does not.
    Witness(witness::WitnessArgs),
    /// Create the log's Ed25519 signing key (in OCOP_LOG_KEY_FILE) and print its verifier key.
    Keygen {
        /// Key name and checkpoint origin [default: host and path of the public base URL].
        #[arg(long)]
        name: Option<String>,
        /// Replace an existing key (it is kept beside the new one as `<file>.replaced-<time>`).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct OnboardArgs {
    /// cooperative, enterprise, household_business or farm.
    #[arg(long, default_value = "cooperative")]
    kind: String,
    /// Registered name, in Vietnamese.
    #[arg(long)]
    name: String,
    #[arg(long)]
    address: String,
    /// Province code (2 digits).
    #[arg(long)]
    province: Option<String>,
    /// Mã số thuế.
    #[arg(long)]
    tax_code: Option<String>,
    /// The first owner's phone number or e-mail address.
    #[arg(long)]
    owner_login: String,
    #[arg(long)]
    owner_name: String,
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// Read every stored file back and check its hash; list objects no record names.
    /// Exits 1 when a file is missing or corrupt.
    Check {
        /// Also delete the objects no record names. Run it when no upload is in progress: an
        /// upload stores its object a moment before its record.
        #[arg(long)]
        remove_orphans: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScansCommand {
    /// Delete scans older than the retention now (the service does it once a day); stamps'
    /// scan counts and batches' counts per day stay. Prints how many were deleted.
    Prune {
        /// Keep this many days [default: OCOP_SCAN_KEEP_DAYS, 400]; at least 8.
        #[arg(long, value_parser = clap::value_parser!(u32).range(8..))]
        keep_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it on stdout (nothing else is printed there).
    Create {
        /// A platform-administrator token.
        #[arg(long, conflicts_with_all = ["organization", "role"], required_unless_present = "organization")]
        admin: bool,
        /// The organization the token acts for.
        #[arg(long, requires = "role")]
        organization: Option<Uuid>,
        /// Role of the token in the organization: owner, manager, member or inspector.
        #[arg(long, requires = "organization", value_parser = parse_role)]
        role: Option<Role>,
        /// A label to recognise the token by.
        #[arg(long)]
        name: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).map_err(|e| e.message)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::resolve(&cli.settings)?;
    telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            startup::prepare(settings).await?;
            tracing::info!("database is up to date");
            Ok(())
        }
        Command::Keygen { name, force } => keygen(&settings, name, force),
        Command::Witness(args) => witness::run(args).await,
        Command::Monitor(args) => monitor::run(args).await,
        Command::Verify { verifier_key } => verify(settings, verifier_key).await,
        Command::Issue { batch, count, pin } => issue(settings, &batch, count, pin).await,
        Command::Print(args) => print::run(settings, args).await,
        Command::Export(args) => export::run(settings, args).await,
        Command::Import(args) => import::run(settings, args).await,
        Command::Scans(ScansCommand::Prune { keep_days }) => prune_scans(settings, keep_days).await,
        Command::Storage(StorageCommand::Check { remove_orphans }) => {
            storage_check(settings, remove_orphans).await
        }
        Command::Onboard(args) => {
            let state = startup::prepare(settings).await?;
            let link = onboard(&state, args).await.map_err(AppError::into_anyhow)?;
            #[allow(clippy::print_stdout)] // The link on stdout is this command's output.
            {
                println!("{link}");
            }
            Ok(())
        }
        Command::Invite {
            organization,
            login,
            name,
            role,
        } => {
            let state = startup::prepare(settings).await?;
            let link = invite(&state, organization, &login, name, role)
                .await
                .map_err(AppError::into_anyhow)?;
            #[allow(clippy::print_stdout)] // The link is this command's output.
            {
                println!("{link}");
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            admin,
            organization,
            role,
            name,
        }) => {
            let grant = match (admin, organization, role) {
                (true, _, _) => TokenGrant::Admin,
                (false, Some(id), Some(role)) => TokenGrant::Organization { id, role },
                _ => anyhow::bail!("give --admin, or --organization <id> with --role <role>"),
            };
            let state = startup::prepare(settings).await?;
            let name = name.unwrap_or_else(|| {
                if admin {
                    "admin (cli)".into()
                } else {
                    "cli".into()
                }
            });
            let issued = accounts::bootstrap_token(&state.db, name, grant)
                .await
                .map_err(AppError::into_anyhow)
                .context("creating the token")?;
            #[allow(clippy::print_stdout)] // The token on stdout is this command's output.
            {
                println!("{}", issued.secret);
            }
            Ok(())
        }
    }
}

async fn issue(settings: Settings, batch: &str, count: u64, pin: bool) -> anyhow::Result<()> {
    services::stamps::check_count(count).map_err(|e| anyhow::anyhow!("--count: {e}"))?;
    let state = startup::prepare(settings).await?;
    let batch = services::stamps::find_batch(&state.db, batch)
        .await
        .map_err(|e| anyhow::anyhow!("--batch: {e}"))?;
    let operator = crate::auth::Principal::operator();
    let bar = indicatif::ProgressBar::new(count).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} issuing stamps {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let new = services::stamps::NewRun {
        idempotency: None,
        count,
        pins: pin.then_some(&state.pin_key),
    };
    let run = services::stamps::issue(&state.db, &operator, batch.id, new, &|n| {
        bar.set_position(n)
    })
    .await
    .map_err(AppError::into_anyhow)
    .with_context(|| {
        format!(
            "issuing stamps for batch {} (lot {})",
            batch.id, batch.lot_code
        )
    })?;
    bar.finish_and_clear();
    tracing::info!(run.id = %run.id, stamps = count, seconds = started.elapsed().as_secs_f64(), "stamp run issued");
    #[allow(clippy::print_stdout)] // The run id on stdout is this command's output.
    {
        println!("{}", run.id);
    }
    Ok(())
}

async fn prune_scans(settings: Settings, keep_days: Option<u32>) -> anyhow::Result<()> {
    let keep = match keep_days {
        Some(days) => chrono::TimeDelta::days(i64::from(days)),
        None => settings.scan_keep.context(
            "OCOP_SCAN_KEEP_DAYS is 0 (every scan is kept); give --keep-days to prune anyway",
        )?,
    };
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    let bar = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} deleting scans older than {prefix} days: {msg} ({elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_prefix(keep.num_days().to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let deleted = services::scan_retention::sweep(&db, services::now() - keep, &|n| {
        bar.set_message(format!("{n} scans deleted"));
    })
    .await
    .map_err(AppError::into_anyhow)
    .context("deleting old scans")?;
    bar.finish_and_clear();
    #[allow(clippy::print_stdout)] // The count is this command's output.
    {
        println!(
            "deleted {deleted} scans older than {} days",
            keep.num_days()
        );
    }
    Ok(())
}

async fn storage_check(settings: Settings, remove_orphans: bool) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    let store = crate::storage::open(&settings.blob_store);
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} checking files {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = services::storage_check::check(&db, store.as_ref(), &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(AppError::into_anyhow)
    .context("checking the blob store")?;
    bar.finish_and_clear();
    #[allow(clippy::print_stdout)] // The findings are this command's output.
    {
        for k in &report.missing {
            println!("MISSING: {k}");
        }
        for k in &report.corrupt {
            println!("CORRUPT: {k} (its bytes hash to something else)");
        }
        for k in &report.orphans {
            println!("orphan: {k}");
        }
        let removed = if remove_orphans && !report.orphans.is_empty() {
            services::storage_check::remove_orphans(&db, store.as_ref(), &report.orphans)
                .await
                .map_err(AppError::into_anyhow)
                .context("removing orphans")?
        } else {
            0
        };
        println!(
            "{}: {} files ({} bytes) checked, {} missing, {} corrupt, {} orphans{}",
            if report.healthy() { "ok" } else { "FAILED" },
            report.checked,
            report.bytes,
            report.missing.len(),
            report.corrupt.len(),
            report.orphans.len(),
            if remove_orphans {
                format!(" ({removed} removed)")
            } else {
                String::new()
            }
        );
    }
    if !report.healthy() {
        std::process::exit(1);
    }
    Ok(())
}

async fn verify(settings: Settings, verifier_key: Option<String>) -> anyhow::Result<()> {
    let verifier_key = match verifier_key {
        Some(k) => k,
        None => log_key::read(&settings.log_key_file)
            .context("give --verifier-key, or run where OCOP_LOG_KEY_FILE is readable")?
            .verifier_key()
            .to_owned(),
    };
    // Read only: no migrations, no key creation.
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} verifying entries {pos}/{len} [{bar:40}] {per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let outcome = services::verify::verify(&db, &verifier_key, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(AppError::into_anyhow)
    .context("reading the ledger")?;
    bar.finish_and_clear();
    #[allow(clippy::print_stdout)] // The verdict is this command's output.
    match outcome {
        Ok(r) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "ok: {} entries, {} checkpoints, {} records and {} batch chains verified in {secs:.1} s",
                r.entries, r.checkpoints, r.rows, r.batch_chains
            );
            Ok(())
        }
        Err(d) => {
            println!("FAILED: {d}");
            std::process::exit(1);
        }
    }
}

fn keygen(settings: &Settings, name: Option<String>, force: bool) -> anyhow::Result<()> {
    let path = &settings.log_key_file;
    if path.exists() {
        if !force {
            anyhow::bail!(
                "{} already holds a signing key; pass --force to replace it (published checkpoints stay verifiable only with the old verifier key)",
                path.display()
            );
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = path.with_extension(format!("replaced-{stamp}"));
        std::fs::rename(path, &kept)
            .with_context(|| format!("moving the old key to {}", kept.display()))?;
        tracing::warn!(old_key = %kept.display(), "the previous signing key was moved aside");
    }
    let name = name.unwrap_or_else(|| log_key::origin_for(&settings.public_base_url));
    let key = log_key::create(path, &name)?;
    #[allow(clippy::print_stdout)] // The verifier key on stdout is this command's output.
    {
        println!("{}", key.verifier_key());
    }
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = ?settings, "starting");
    let listen = settings.listen;
    let state = startup::prepare(settings).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let base = state
        .settings
        .public_base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    eprintln!(
        "\nocop-trace is listening on http://{}",
        listener.local_addr().context("reading the bound address")?
    );
    eprintln!("  API reference:  {base}/api/docs");
    eprintln!("  health:         {base}/healthz");
    if api_token::Entity::find()
        .count(state.db.read())
        .await
        .context("counting API tokens")?
        == 0
    {
        eprintln!("\nNo API token exists yet. Create the first administrator token with:");
        eprintln!(
            "  cargo run --release -- token create --admin     (or: ocop-trace token create --admin)"
        );
        eprintln!("then call the API with  Authorization: Bearer <token>  (see README.md).\n");
    }
    startup::serve(state, listener, startup::shutdown_signal()).await
}

/// Invites a person; the console link where they accept (someone who already has an account
/// confirms there with their password).
async fn invite(
    state: &crate::state::AppState,
    organization: Uuid,
    login: &str,
    name: String,
    role: Role,
) -> Result<String, AppError> {
    let name =
        crate::domain::text::line(&name, 1, 200).map_err(|e| AppError::validation("name", e))?;
    let invited = services::invitations::invite(
        &state.db,
        &crate::auth::Principal::operator(),
        organization,
        crate::domain::contact::Login::parse(login)
            .map_err(|e| AppError::validation("login", e))?,
        name,
        role,
    )
    .await?;
    state
        .settings
        .public_base_url
        .join(&format!("/console/invitations/{}", invited.secret))
        .map(String::from)
        .map_err(AppError::internal)
}

async fn onboard(state: &crate::state::AppState, args: OnboardArgs) -> Result<String, AppError> {
    let kind = crate::domain::organization::OrganizationKind::parse(&args.kind)
        .map_err(|e| AppError::validation("kind", e))?;
    let request = crate::services::requests::organizations::CreateOrganization {
        kind,
        name: args.name,
        tax_code: args.tax_code,
        address: args.address,
        province_code: args.province,
        commune_code: None,
        phone: None,
        email: None,
        website: None,
        gs1_company_prefix: None,
    };
    let org = services::organizations::create(
        &state.db,
        &crate::auth::Principal::operator(),
        request.parse()?,
    )
    .await?;
    invite(
        state,
        org.id,
        &args.owner_login,
        args.owner_name,
        Role::Owner,
    )
    .await
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// A subcommand's argument sharing an id with a global setting parses as the wrong type and
    /// panics when read: every command line below must parse.
    #[test]
    fn subcommands_parse_beside_the_global_settings() {
        for line in [
            "ocop-trace witness --name w.test/1 --log k --address 127.0.0.1:1 --dir d",
            "ocop-trace monitor http://x.test --witness-key k --quorum 1 --state s",
            "ocop-trace --listen 127.0.0.1:9 --witnesses a serve",
        ] {
            let cli = Cli::try_parse_from(line.split(' '));
            assert!(cli.is_ok(), "{line}: {cli:?}");
        }
    }
}
