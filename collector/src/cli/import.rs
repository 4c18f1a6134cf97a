//! `samtycke import FILE --site S --basis … --source …`: imports contacts from a CSV file into
//! the database a collector uses (its configuration: `--config`, `DATABASE_URL`), with a
//! progress bar. Bad rows are listed with their line and reason; the import is all or nothing
//! unless `--skip-invalid`. Audited as `cli`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::database::DatabaseArgs;
use crate::domain::contacts::card::{Basis, Source};
use crate::domain::contacts::import::{ImportError, ImportOptions, new_record};
use crate::startup::open_state;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file: a header row, then one contact per row (the export's columns, in English
    /// or Swedish, plus "Consent date" and "Consent purpose" for consent rows).
    file: PathBuf,
    /// The site whose policy the consent purposes belong to.
    #[arg(long)]
    site: String,
    /// Every row's lawful basis (consent, legitimate_interest, contract, legal_obligation,
    /// vital_interests, public_task, other).
    #[arg(long)]
    basis: Option<String>,
    /// The text of basis "other".
    #[arg(long)]
    basis_other: Option<String>,
    /// Where the data came from (default: import).
    #[arg(long, default_value = "import")]
    source: String,
    /// The text of source "other".
    #[arg(long)]
    source_other: Option<String>,
    /// Import the valid rows and list the others, instead of refusing the file.
    #[arg(long)]
    skip_invalid: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let config = args.database.config()?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let site = samtycke_shared::SiteId::parse(&args.site)
        .map_err(|_| anyhow::anyhow!("--site: {:?} is not a site id", args.site))?;
    let basis = args
        .basis
        .as_deref()
        .map(|b| {
            Basis::parse(b).ok_or_else(|| anyhow::anyhow!("--basis: {b:?} is not a lawful basis"))
        })
        .transpose()?;
    let source = Source::parse(&args.source)
        .ok_or_else(|| anyhow::anyhow!("--source: {:?} is not a source", args.source))?;
    let options = ImportOptions {
        site,
        basis,
        basis_other: args.basis_other,
        source,
        source_other: args.source_other,
        skip_invalid: args.skip_invalid,
        operator: "cli".to_owned(),
    };
    let state = open_state(&config, config.issuer(config.listen)).await?;
    let plan = match state.importer.plan(&bytes, &options).await {
        Ok(plan) => plan,
        Err(ImportError::Refused { count, errors, .. }) => {
            for error in &errors {
                eprintln!("{}: {error}", args.file.display());
            }
            if count > errors.len() {
                eprintln!("… and {} more", count - errors.len());
            }
            anyhow::bail!(
                "{count} rows are not valid; nothing was imported (--skip-invalid imports the others)"
            );
        }
        Err(ImportError::Header(error)) => {
            anyhow::bail!("{}: {error}", args.file.display());
        }
        Err(other) => return Err(other.into()),
    };
    for error in &plan.errors {
        eprintln!("{}: skipped: {error}", args.file.display());
    }
    let record = new_record(&options.site, &options.operator, &plan);
    let bar = ProgressBar::new(record.rows_total.max(0) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {per_sec} {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let done = state
        .importer
        .run(plan, &options, record, &move |record| {
            shown.set_position(record.rows_done.max(0) as u64);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "import {}: {} rows, {} contacts made, {} updated, {} consent receipts, {} rows skipped",
        done.id, done.rows_total, done.created, done.updated, done.receipts, done.skipped
    );
    Ok(())
}
