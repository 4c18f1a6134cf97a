//! `samtycke contacts …`: the contacts API's operations from the command line, on the database a
//! collector uses, each audited as `cli`. Lists and exports are masked unless `--clear` (which
//! is audited as such); a reveal needs its reason, as over the API.

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::database::DatabaseArgs;
use crate::domain::contacts::card::{Basis, Card, Source};
use crate::domain::contacts::export::HeaderLanguage;
use crate::domain::contacts::selection::{self, SelectionQuery};
use crate::domain::contacts::{
    BasisChange, CardChange, ContactInput, MAX_BULK, SourceChange, Visibility,
};
use crate::startup::open_state;
use crate::state::AppState;
use crate::store::contacts::Selection;
use crate::time::now_unix;

/// The audit log's name for the command line.
const ACTOR: &str = "cli";

#[derive(Debug, Subcommand)]
pub enum ContactsAction {
    /// The contacts of a selection (default: those who may be processed for the purpose now).
    List {
        #[command(flatten)]
        selection: SelectionArgs,
        /// `json` (one object per line) or `csv` (the export's 16 columns).
        #[arg(long, default_value = "json")]
        format: String,
        /// The CSV header's language: en or sv.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Values in clear (audited) instead of masked.
        #[arg(long)]
        clear: bool,
    },
    /// How many contacts a selection holds.
    Count {
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// A site's contacts per purpose and state.
    Counts {
        /// Site id.
        #[arg(long)]
        site: String,
    },
    /// One contact, masked, or in clear with `--reveal REASON` (audited with the reason).
    Show {
        /// Person id.
        id: String,
        /// Why the values are needed in clear.
        #[arg(long)]
        reveal: Option<String>,
    },
    /// A contact's compliance-card history.
    History {
        /// Person id.
        id: String,
    },
    /// A contact's subscribe and unsubscribe history: when, site, purpose, event, source.
    Subscriptions {
        /// Person id.
        id: String,
    },
    /// Everything held about a contact, as CSV (16 columns) or JSON (with receipts).
    Export {
        /// Person id.
        id: String,
        /// `csv` or `json`.
        #[arg(long, default_value = "json")]
        format: String,
        /// The CSV header's language: en or sv.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Masked values (a marketer's copy).
        #[arg(long)]
        masked: bool,
    },
    /// Replace a contact's compliance card.
    Card {
        /// Person id.
        id: String,
        #[command(flatten)]
        card: CardArgs,
    },
    /// Set basis and/or source for many contacts, all or none.
    BulkUpdate {
        /// Person ids, comma-separated (or give a selection).
        #[arg(long, value_delimiter = ',')]
        ids: Vec<String>,
        /// The selection's site (instead of --ids).
        #[arg(long, requires = "purpose")]
        site: Option<String>,
        /// The selection's purpose.
        #[arg(long, requires = "site")]
        purpose: Option<String>,
        /// The selection's state.
        #[arg(long)]
        state: Option<String>,
        #[command(flatten)]
        card: CardArgs,
    },
    /// Delete a contact: identifiers, profile, keys and its devices' vaults. Receipts stay,
    /// anonymous.
    Delete {
        /// Person id.
        id: String,
        /// Confirms the deletion, which cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

/// A selection on the command line.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Site id.
    #[arg(long)]
    site: String,
    /// Purpose id.
    #[arg(long)]
    purpose: String,
    /// granted (default), expired, held, denied or withdrawn.
    #[arg(long)]
    state: Option<String>,
    /// Only contacts with this basis.
    #[arg(long)]
    basis: Option<String>,
    /// Only contacts with this source.
    #[arg(long)]
    source: Option<String>,
    /// Only the contact with this exact e-mail address.
    #[arg(long)]
    email: Option<String>,
}

/// A card on the command line.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// consent, legitimate_interest, contract, legal_obligation, vital_interests, public_task,
    /// other.
    #[arg(long)]
    basis: Option<String>,
    /// The text of basis other.
    #[arg(long)]
    basis_other: Option<String>,
    /// With consent: YYYY-MM-DD.
    #[arg(long)]
    consent_date: Option<String>,
    /// With consent: the purpose of processing.
    #[arg(long)]
    consent_purpose: Option<String>,
    /// widget, form, crm_sync, import, manual, browser_extension, api, other.
    #[arg(long)]
    source: Option<String>,
    /// The text of source other.
    #[arg(long)]
    source_other: Option<String>,
}

impl CardArgs {
    fn basis(&self) -> anyhow::Result<Option<Basis>> {
        self.basis
            .as_deref()
            .map(|b| {
                Basis::parse(b).with_context(|| format!("--basis: {b:?} is not a lawful basis"))
            })
            .transpose()
    }

    fn source(&self) -> anyhow::Result<Option<Source>> {
        self.source
            .as_deref()
            .map(|s| Source::parse(s).with_context(|| format!("--source: {s:?} is not a source")))
            .transpose()
    }

    fn card(&self) -> anyhow::Result<Card> {
        Ok(Card {
            basis: self.basis()?,
            basis_other: self.basis_other.clone(),
            consent_date: self.consent_date.clone(),
            consent_purpose: self.consent_purpose.clone(),
            source: self.source()?,
            source_other: self.source_other.clone(),
        })
    }

    fn change(&self) -> anyhow::Result<CardChange> {
        Ok(CardChange {
            basis: self.basis()?.map(|basis| BasisChange {
                basis,
                basis_other: self.basis_other.clone(),
                consent_date: self.consent_date.clone(),
                consent_purpose: self.consent_purpose.clone(),
            }),
            source: self.source()?.map(|source| SourceChange {
                source,
                source_other: self.source_other.clone(),
            }),
        })
    }
}

fn selection_of(state: &AppState, args: &SelectionArgs) -> anyhow::Result<Selection> {
    Ok(selection::check(
        &state.sites,
        &SelectionQuery {
            site: args.site.clone(),
            purpose: args.purpose.clone(),
            state: args.state.clone(),
            basis: args.basis.clone(),
            source: args.source.clone(),
            email: args.email.clone(),
        },
        |identifier| state.contacts.vault().lookup(identifier),
    )?)
}

fn language(lang: &str) -> anyhow::Result<HeaderLanguage> {
    HeaderLanguage::parse(lang).with_context(|| format!("--lang: {lang:?} must be en or sv"))
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn run(database: &DatabaseArgs, action: ContactsAction) -> anyhow::Result<()> {
    let config = database.config()?;
    let state = open_state(&config, config.issuer(config.listen)).await?;
    let contacts = &state.contacts;
    match action {
        ContactsAction::List {
            selection,
            format,
            lang,
            clear,
        } => {
            let selection = selection_of(&state, &selection)?;
            let visibility = if clear {
                Visibility::Clear
            } else {
                Visibility::Masked
            };
            list(&state, &selection, &format, language(&lang)?, visibility).await?;
        }
        ContactsAction::Count { selection } => {
            let selection = selection_of(&state, &selection)?;
            println!("{}", contacts.count(ACTOR, &selection).await?);
        }
        ContactsAction::Counts { site } => {
            let id = samtycke_shared::SiteId::parse(&site)
                .ok()
                .filter(|id| state.sites.get(id).is_some())
                .with_context(|| format!("--site: no site {site:?} is configured"))?;
            for row in state.store.state_counts(id.as_str(), now_unix()).await? {
                println!("{}\t{}\t{}", row.purpose, row.state, row.count);
            }
            contacts
                .audit(ACTOR, "contacts.counts", serde_json::json!({"site": site}))
                .await?;
        }
        ContactsAction::Show { id, reveal } => match reveal {
            Some(reason) => print_json(&contacts.reveal(ACTOR, &id, &reason).await?)?,
            None => print_json(&contacts.get(ACTOR, &id).await?)?,
        },
        ContactsAction::History { id } => {
            for entry in contacts.history(ACTOR, &id).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    crate::domain::contacts::export::rfc3339(entry.at),
                    entry.actor,
                    entry.action,
                    entry.detail
                );
            }
        }
        ContactsAction::Subscriptions { id } => {
            for event in contacts.subscriptions(ACTOR, &id).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    event.at,
                    event.site,
                    event.purpose,
                    event.event,
                    event.source,
                    event.receipt_id
                );
            }
        }
        ContactsAction::Export {
            id,
            format,
            lang,
            masked,
        } => {
            let visibility = if masked {
                Visibility::Masked
            } else {
                Visibility::Clear
            };
            let contact = contacts.stored(&id).await?;
            match format.as_str() {
                "json" => print_json(&contacts.export_contact(&contact, visibility).await?)?,
                "csv" => {
                    let record = contacts.csv_record_of(&contact, visibility, now_unix())?;
                    let mut writer = csv::Writer::from_writer(std::io::stdout());
                    writer.write_record(language(&lang)?.columns())?;
                    writer.write_record(record)?;
                    writer.flush()?;
                }
                other => anyhow::bail!("--format: {other:?} must be csv or json"),
            }
            contacts
                .audit(
                    ACTOR,
                    "contact.export",
                    serde_json::json!({"personId": id, "format": format,
                        "clear": visibility == Visibility::Clear}),
                )
                .await?;
        }
        ContactsAction::Card { id, card } => {
            let input = ContactInput {
                card: Some(card.card()?),
                ..ContactInput::default()
            };
            print_json(&contacts.update(ACTOR, &id, input).await?.card)?;
        }
        ContactsAction::BulkUpdate {
            ids,
            site,
            purpose,
            state: selection_state,
            card,
        } => {
            let change = card.change()?;
            if change.basis.is_none() && change.source.is_none() {
                anyhow::bail!("give --basis and/or --source to set");
            }
            let ids = match (ids.is_empty(), site, purpose) {
                (false, None, None) => ids,
                (true, Some(site), Some(purpose)) => {
                    let selection = selection_of(
                        &state,
                        &SelectionArgs {
                            site,
                            purpose,
                            state: selection_state,
                            basis: None,
                            source: None,
                            email: None,
                        },
                    )?;
                    contacts.selection_ids(&selection, MAX_BULK).await?
                }
                _ => anyhow::bail!("give either --ids or --site and --purpose"),
            };
            if ids.len() > MAX_BULK {
                anyhow::bail!("at most {MAX_BULK} contacts at once; narrow the selection");
            }
            match contacts.bulk_update_cards(ACTOR, &ids, &change).await {
                Ok(results) => {
                    let updated = results.iter().filter(|r| r.result == "updated").count();
                    println!("{updated} of {} contacts updated", results.len());
                }
                Err(crate::domain::contacts::ContactError::BulkRefused {
                    results,
                    refused,
                    total,
                }) => {
                    for result in results.iter().filter(|r| r.result != "updated") {
                        eprintln!(
                            "{}: {} {} {}",
                            result.person_id,
                            result.result,
                            result.field.unwrap_or_default(),
                            result.reason.unwrap_or_default()
                        );
                    }
                    anyhow::bail!(
                        "{refused} of {total} contacts cannot take this change; none was changed"
                    );
                }
                Err(other) => return Err(other.into()),
            }
        }
        ContactsAction::Delete { id, yes } => {
            if !yes {
                anyhow::bail!(
                    "deleting a contact cannot be undone: its identifiers, profile and keys are \
                     destroyed (its receipts stay, anonymous); add --yes"
                );
            }
            contacts.delete(ACTOR, &id).await?;
            println!("contact {id} deleted; its receipts stay and name no one");
        }
    }
    Ok(())
}

/// Writes every contact of a selection to stdout, page by page.
async fn list(
    state: &AppState,
    selection: &Selection,
    format: &str,
    lang: HeaderLanguage,
    visibility: Visibility,
) -> anyhow::Result<()> {
    let csv = match format {
        "csv" => true,
        "json" => false,
        other => anyhow::bail!("--format: {other:?} must be csv or json"),
    };
    state
        .contacts
        .audit(
            ACTOR,
            "contacts.export",
            serde_json::json!({"site": selection.site, "purpose": selection.purpose,
                "state": selection.state.as_str(), "format": format,
                "clear": visibility == Visibility::Clear}),
        )
        .await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut writer = csv::Writer::from_writer(Vec::new());
    if csv {
        writer.write_record(lang.columns())?;
    }
    let now = now_unix();
    let mut after: Option<String> = None;
    loop {
        let page = state
            .store
            .select_contacts(selection, after.as_deref(), 2000)
            .await?;
        for selected in &page {
            if csv {
                writer.write_record(state.contacts.csv_record_of(
                    &selected.contact,
                    visibility,
                    now,
                )?)?;
            } else {
                let view = state.contacts.selected_view(
                    selected,
                    selection.now,
                    visibility,
                    selection.state == crate::store::contacts::SelectionState::Held,
                )?;
                serde_json::to_writer(&mut out, &view)?;
                out.write_all(b"\n")?;
            }
        }
        if csv {
            let bytes = std::mem::replace(&mut writer, csv::Writer::from_writer(Vec::new()))
                .into_inner()
                .map_err(|e| anyhow::anyhow!("cannot write CSV: {e}"))?;
            out.write_all(&bytes)?;
        }
        if page.len() < 2000 {
            break;
        }
        after = page.last().map(|c| c.contact.person_id.clone());
    }
    out.flush()?;
    Ok(())
}
