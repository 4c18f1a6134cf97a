//! `samtycke retention run [--dry-run] [--at RFC3339]`: holds the contacts that have not
//! engaged for their site's time and erases those past the grace period (`domain::retention`);
//! a dry run lists them and writes nothing. `--at` runs it as of another time (a fixed clock,
//! for checking what a run would do on a date).

use anyhow::Context as _;
use clap::Subcommand;

use super::database::DatabaseArgs;
use crate::startup::open_state;

#[derive(Debug, Subcommand)]
pub enum RetentionAction {
    /// Hold the inactive, erase those past the grace period; print what was done.
    Run {
        /// List what would be held and erased; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Run as of this time (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
    },
}

pub async fn run(database: &DatabaseArgs, action: &RetentionAction) -> anyhow::Result<()> {
    let RetentionAction::Run { dry_run, at } = action;
    let now = match at {
        Some(text) => {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .with_context(|| format!("--at: {text:?} is not an RFC 3339 time"))?
                .unix_timestamp()
        }
        None => crate::time::now_unix(),
    };
    // A run as of the future erases what is not due yet: only ever a dry run.
    if now > crate::time::now_unix() + 60 && !*dry_run {
        anyhow::bail!(
            "--at in the future: only with --dry-run (it would erase contacts not due yet)"
        );
    }
    let config = database.config()?;
    let state = open_state(&config, config.issuer(config.listen)).await?;
    let runs = state.retention.run(now, *dry_run).await?;
    let verb = if *dry_run { "would " } else { "" };
    for run in &runs {
        println!(
            "site {}: {verb}hold {} (not engaged since {}), {verb}erase {} (not since {})",
            run.site,
            run.held.len(),
            run.inactive_before,
            run.erased.len(),
            run.erase_before
        );
        if *dry_run {
            for candidate in &run.held {
                println!(
                    "  hold\t{}\t{}",
                    candidate.person_id, candidate.last_engaged
                );
            }
            for candidate in &run.erased {
                println!(
                    "  erase\t{}\t{}",
                    candidate.person_id, candidate.last_engaged
                );
            }
        }
    }
    Ok(())
}
