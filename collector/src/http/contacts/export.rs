//! Exports: one contact (`GET /v1/contacts/{id}/export?format=csv|json`) and a whole selection
//! (`GET /v1/contacts/export?…`, or the list with `Accept: text/csv`), streamed page by page so
//! that memory stays flat however many contacts the selection holds. Marketers get masked values
//! and may export only the contacts they may process (`state=granted`).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use serde::Deserialize;
use uuid::Uuid;

use super::selection::{SelectionQuery, language, selection_of};
use super::{READERS, visibility};
use crate::domain::access::{Caller, Role};
use crate::domain::contacts::export::{ContactExport, HeaderLanguage};
use crate::domain::contacts::{ContactService, Visibility};
use crate::http::auth::authorize;
use crate::http::error::Problem;
use crate::http::path::Path;
use crate::http::query::Query;
use crate::http::{Error, Result};
use crate::state::AppState;
use crate::store::contacts::{Selection, SelectionState};
use crate::time::now_unix;

/// Contacts per page of a streamed JSON export (each with its receipts and history).
const JSON_PAGE: u32 = 200;

/// Whether the client asked for CSV (`Accept: text/csv`).
pub fn wants_csv(headers: &HeaderMap) -> Result<bool> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(accept
        .split(',')
        .any(|part| part.trim().starts_with("text/csv")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

fn format_of(text: Option<&str>) -> Result<Format> {
    match text {
        None | Some("csv") => Ok(Format::Csv),
        Some("json") => Ok(Format::Json),
        Some(_) => Err(Error::InvalidQuery(
            "format: must be csv or json".to_owned(),
        )),
    }
}

/// The export's format and the CSV header's language.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OneQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

fn attachment(response: &mut Response, content_type: &'static str, filename: &str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
}

fn csv_bytes<R: AsRef<[String]>>(records: &[R], header: Option<&[&str]>) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |_| Error::Store(crate::store::StoreError::Batch("CSV writing failed".into()));
    if let Some(header) = header {
        writer.write_record(header).map_err(failed)?;
    }
    for record in records {
        writer.write_record(record.as_ref()).map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|_| Error::Store(crate::store::StoreError::Batch("CSV writing failed".into())))
}

/// `GET /v1/contacts/{id}/export?format=csv|json&lang=en|sv`.
#[utoipa::path(get, path = "/v1/contacts/{id}/export", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id"), OneQuery),
    responses((status = 200, description = "CSV (the 16 columns, header in English or Swedish) or JSON: everything held about the person, every receipt and the policy texts they cite", body = ContactExport),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
pub async fn export_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Query(query): Query<OneQuery>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}/export").await?;
    let format = format_of(query.format.as_deref())?;
    let lang = language(query.lang.as_deref())?;
    let person_id = id.to_string();
    let contact = state.contacts.stored(&person_id).await?;
    let shown = visibility(&caller);
    let response = match format {
        Format::Csv => {
            let record = state.contacts.csv_record_of(&contact, shown, now_unix())?;
            let body = csv_bytes(&[record], Some(&lang.columns()))?;
            let mut response = body.into_response();
            attachment(
                &mut response,
                "text/csv; charset=utf-8",
                &format!("contact-{person_id}.csv"),
            );
            response
        }
        Format::Json => {
            let export = state.contacts.export_contact(&contact, shown).await?;
            let body = serde_json::to_vec_pretty(&export).unwrap_or_default();
            let mut response = body.into_response();
            attachment(
                &mut response,
                "application/json",
                &format!("contact-{person_id}.json"),
            );
            response
        }
    };
    state
        .contacts
        .audit(
            &caller.actor(),
            "contact.export",
            serde_json::json!({"personId": person_id, "format": match format {
                Format::Csv => "csv", Format::Json => "json" },
                "clear": shown == Visibility::Clear}),
        )
        .await?;
    Ok(response)
}

/// A selection, the format and the CSV header's language.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SelectionExportQuery {
    site: String,
    purpose: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    source: Option<String>,
    /// Only the contact with this exact e-mail address.
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /v1/contacts/export?site&purpose&state&format=csv|json&lang`: the bulk export.
#[utoipa::path(get, path = "/v1/contacts/export", tag = "contacts", security(("bearer" = [])),
    params(SelectionExportQuery),
    responses((status = 200, description = "The selection, streamed: CSV in the 16 columns, or a JSON array of whole exports. Marketers export only state=granted, masked", body = [ContactExport]),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub async fn export_selection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SelectionExportQuery>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/export").await?;
    let selection = selection_of(
        &state,
        &SelectionQuery {
            site: query.site,
            purpose: query.purpose,
            state: query.state,
            basis: query.basis,
            source: query.source,
            email: query.email,
        },
    )?;
    let lang = language(query.lang.as_deref())?;
    match format_of(query.format.as_deref())? {
        Format::Csv => csv_stream(&state, &caller, selection, lang).await,
        Format::Json => json_stream(&state, &caller, selection).await,
    }
}

/// Marketers export only whom they may process.
fn check_export_allowed(caller: &Caller, selection: &Selection) -> Result<()> {
    if caller.role == Role::Marketer && selection.state != SelectionState::Granted {
        return Err(Error::Forbidden);
    }
    Ok(())
}

async fn audit_export(
    state: &AppState,
    caller: &Caller,
    selection: &Selection,
    format: &str,
) -> Result<()> {
    state
        .contacts
        .audit(
            &caller.actor(),
            "contacts.export",
            serde_json::json!({"site": selection.site, "purpose": selection.purpose,
                "state": selection.state.as_str(), "format": format,
                "clear": visibility(caller) == Visibility::Clear}),
        )
        .await?;
    Ok(())
}

/// Where a streamed export is.
struct Cursor {
    contacts: ContactService,
    selection: Selection,
    visibility: Visibility,
    after: Option<String>,
    started: bool,
    done: bool,
    exported_at: i64,
}

/// Checks and audits an export of `selection`, and where its stream starts: the file name and
/// the cursor before the first page.
async fn start(
    state: &AppState,
    caller: &Caller,
    selection: Selection,
    format: &str,
) -> Result<(String, Cursor)> {
    check_export_allowed(caller, &selection)?;
    audit_export(state, caller, &selection, format).await?;
    let file = format!("contacts-{}-{}.{format}", selection.site, selection.purpose);
    let cursor = Cursor {
        contacts: state.contacts.clone(),
        selection,
        visibility: visibility(caller),
        after: None,
        started: false,
        done: false,
        exported_at: now_unix(),
    };
    Ok((file, cursor))
}

impl Cursor {
    /// The next page of up to `limit` contacts, moving the cursor past it.
    async fn next_page(
        &mut self,
        limit: u32,
    ) -> std::io::Result<Vec<crate::store::contacts::SelectedContact>> {
        let page = self
            .contacts
            .store()
            .select_contacts(&self.selection, self.after.as_deref(), limit)
            .await
            .map_err(io_error)?;
        if let Some(last) = page.last() {
            self.after = Some(last.contact.person_id.clone());
        }
        Ok(page)
    }
}

fn io_error(error: impl std::fmt::Display) -> std::io::Error {
    // The stream ends with an error, so the client sees a broken transfer instead of a file
    // that looks complete; the cause goes to the log.
    tracing::error!(%error, "export stream failed");
    std::io::Error::other("export failed")
}

/// A batch's CSV records, its contacts opened on two threads: a row's two AEAD opens are most of
/// what it costs here, and the store reads the next batch meanwhile.
fn csv_of_batch(
    contacts: &ContactService,
    batch: &[crate::store::contacts::StoredContact],
    visibility: Visibility,
    exported_at: i64,
    unsubscribe: &UnsubscribeColumns,
) -> std::io::Result<Bytes> {
    let records_of = |part: &[crate::store::contacts::StoredContact]| {
        part.iter()
            .map(|contact| {
                let mut record = contacts
                    .csv_record_of(contact, visibility, exported_at)
                    .map_err(io_error)?
                    .to_vec();
                let links = unsubscribe
                    .mail
                    .unsubscribe_headers(
                        &contact.person_id,
                        &unsubscribe.site,
                        &unsubscribe.purpose,
                    )
                    .map_err(io_error)?;
                record.extend([
                    links.url,
                    links.list_unsubscribe,
                    links.list_unsubscribe_post,
                ]);
                Ok(record)
            })
            .collect::<std::io::Result<Vec<_>>>()
    };
    let (first, second) = batch.split_at(batch.len().div_ceil(2));
    let (first, second) = std::thread::scope(|scope| {
        let other = scope.spawn(|| records_of(second));
        let mine = records_of(first);
        (mine, other.join())
    });
    let mut records = first?;
    records.extend(second.map_err(|_| io_error("a thread opening contacts panicked"))??);
    csv_bytes(&records, None).map(Bytes::from).map_err(io_error)
}

/// What a selection's CSV needs for its unsubscribe columns.
struct UnsubscribeColumns {
    mail: crate::domain::mail::Mail,
    site: String,
    purpose: String,
}

/// The selection as CSV, header first, a batch at a time: the store reads the selection in one
/// pass (`stream_contacts`) while the batch before is opened and written out here.
pub async fn csv_stream(
    state: &AppState,
    caller: &Caller,
    selection: Selection,
    lang: HeaderLanguage,
) -> Result<Response> {
    let unsubscribe = std::sync::Arc::new(UnsubscribeColumns {
        mail: state.mail.clone(),
        site: selection.site.clone(),
        purpose: selection.purpose.clone(),
    });
    let (file, cursor) = start(state, caller, selection, "csv").await?;
    // The header first, so that an empty selection is a file with its header.
    let mut columns = lang.columns().to_vec();
    columns.extend(lang.unsubscribe_columns());
    let header = csv_bytes::<Vec<String>>(&[], Some(&columns))?;
    let records = cursor
        .contacts
        .store()
        .stream_contacts(&cursor.selection)
        .map_err(io_error)
        .and_then(move |batch| {
            let (contacts, visibility, exported_at, unsubscribe) = (
                cursor.contacts.clone(),
                cursor.visibility,
                cursor.exported_at,
                std::sync::Arc::clone(&unsubscribe),
            );
            async move {
                tokio::task::spawn_blocking(move || {
                    csv_of_batch(&contacts, &batch, visibility, exported_at, &unsubscribe)
                })
                .await
                .map_err(io_error)?
            }
        });
    let body = stream::once(std::future::ready(Ok(Bytes::from(header)))).chain(records);
    let mut response = Body::from_stream(body).into_response();
    attachment(&mut response, "text/csv; charset=utf-8", &file);
    Ok(response)
}

/// The selection as a JSON array of whole exports (card, history, receipts, policies).
async fn json_stream(state: &AppState, caller: &Caller, selection: Selection) -> Result<Response> {
    let (file, cursor) = start(state, caller, selection, "json").await?;
    let body = stream::try_unfold(cursor, move |mut cursor| async move {
        if cursor.done {
            return Ok::<_, std::io::Error>(None);
        }
        let page = cursor.next_page(JSON_PAGE).await?;
        let last = page.len() < JSON_PAGE as usize;
        let mut bytes = Vec::new();
        for selected in &page {
            bytes.push(if cursor.started { b',' } else { b'[' });
            cursor.started = true;
            let export = cursor
                .contacts
                .export_contact(&selected.contact, cursor.visibility)
                .await
                .map_err(io_error)?;
            serde_json::to_writer(&mut bytes, &export).map_err(io_error)?;
        }
        if last {
            bytes.extend_from_slice(if cursor.started { b"]" } else { b"[]" });
            cursor.done = true;
        }
        Ok(Some((Bytes::from(bytes), cursor)))
    });
    let mut response = Body::from_stream(body).into_response();
    attachment(&mut response, "application/json", &file);
    Ok(response)
}
