//! Importing a CSV file (the DPO, admins): choose the site, the rows' basis and source, and the
//! file; the collector checks it in full and shows how it reads each column, how many contacts
//! it would update and make, and every bad row, before anything is written. Only then is it
//! imported, with a progress bar while it runs.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, ApiError, FileRefusal, ImportPreview, ImportRun, RowError, Session, Site};
use crate::table::Table;
use crate::words::{Lang, Words};

#[derive(Properties, PartialEq)]
pub struct ImportsProps {
    pub words: &'static Words,
    pub lang: Lang,
    pub session: Rc<Session>,
    pub on_signed_out: Callback<()>,
}

/// Where the page stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Choosing.
    Choosing,
    /// Asking the collector.
    Checking,
    /// The file was checked: what it would do.
    Checked(Box<ImportPreview>),
    /// The file was refused whole.
    Refused(FileRefusal),
    /// Importing, or done.
    Running(ImportRun),
    /// No answer.
    Failed,
}

/// The chosen options, as the API's query fields.
fn options_of(refs: &[NodeRef; 5], skip: bool) -> Vec<(&'static str, String)> {
    let select = |node: &NodeRef| {
        node.cast::<HtmlSelectElement>()
            .map(|s| s.value())
            .unwrap_or_default()
    };
    let text = |node: &NodeRef| {
        node.cast::<HtmlInputElement>()
            .map(|i| i.value())
            .unwrap_or_default()
    };
    let mut options = vec![("site", select(&refs[0]))];
    for (name, value) in [
        ("basis", select(&refs[1])),
        ("basisOther", text(&refs[2])),
        ("source", select(&refs[3])),
        ("sourceOther", text(&refs[4])),
    ] {
        if !value.trim().is_empty() {
            options.push((name, value.trim().to_owned()));
        }
    }
    if skip {
        options.push(("skipInvalid", "true".to_owned()));
    }
    options
}

fn chosen_file(node: &NodeRef) -> Option<web_sys::File> {
    node.cast::<HtmlInputElement>()
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
}

/// Follows a running import until it is done or failed.
async fn follow(mut run: ImportRun, step: UseStateHandle<Step>) {
    while run.state == "running" {
        step.set(Step::Running(run.clone()));
        gloo_timers::future::TimeoutFuture::new(400).await;
        match api::import_progress(&run.id).await {
            Ok(now) => run = now,
            Err(_) => {
                step.set(Step::Failed);
                return;
            }
        }
    }
    step.set(Step::Running(run));
}

#[function_component]
pub fn Imports(props: &ImportsProps) -> Html {
    let words = props.words;
    let sites = use_state(Vec::<Site>::new);
    let step = use_state(|| Step::Choosing);
    let basis = use_state(String::new);
    let source = use_state(String::new);
    let skip = use_state(|| false);
    let refs: [NodeRef; 5] = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let file_ref = use_node_ref();
    {
        let sites = sites.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::sites().await {
                    Ok(found) => sites.set(found),
                    Err(ApiError::SignedOut) => on_signed_out.emit(()),
                    Err(_) => {}
                }
            });
        });
    }
    let csrf = props.session.csrf_token.clone();
    // Changing anything asks for a new check before importing.
    let changed = {
        let step = step.clone();
        Callback::from(move |_: Event| {
            if !matches!(*step, Step::Running(_)) {
                step.set(Step::Choosing);
            }
        })
    };
    let choose = |state: &UseStateHandle<String>| {
        let (state, changed) = (state.clone(), changed.clone());
        Callback::from(move |event: Event| {
            state.set(event.target_unchecked_into::<HtmlSelectElement>().value());
            changed.emit(event);
        })
    };
    let on_skip = {
        let (skip, changed) = (skip.clone(), changed.clone());
        Callback::from(move |event: Event| {
            skip.set(event.target_unchecked_into::<HtmlInputElement>().checked());
            changed.emit(event);
        })
    };
    let check = {
        let (refs, file_ref, step, csrf, skip) = (
            refs.clone(),
            file_ref.clone(),
            step.clone(),
            csrf.clone(),
            skip.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(file) = chosen_file(&file_ref) else {
                return;
            };
            let options = options_of(&refs, *skip);
            let (step, csrf) = (step.clone(), csrf.clone());
            step.set(Step::Checking);
            wasm_bindgen_futures::spawn_local(async move {
                step.set(match api::preview_import(&options, &file, &csrf).await {
                    Ok(Ok(preview)) => Step::Checked(Box::new(preview)),
                    Ok(Err(refusal)) => Step::Refused(refusal),
                    Err(_) => Step::Failed,
                });
            });
        })
    };
    let run = {
        let (refs, file_ref, step, csrf, skip) = (
            refs.clone(),
            file_ref.clone(),
            step.clone(),
            csrf.clone(),
            skip.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(file) = chosen_file(&file_ref) else {
                return;
            };
            let options = options_of(&refs, *skip);
            let (step, csrf) = (step.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::start_import(&options, &file, &csrf).await {
                    Ok(Ok(run)) => follow(run, step).await,
                    Ok(Err(refusal)) => step.set(Step::Refused(refusal)),
                    Err(_) => step.set(Step::Failed),
                }
            });
        })
    };
    // Each option says whether it is chosen: yew inserts a list's nodes last first, and a select
    // whose options say nothing keeps the first one inserted, which is the last.
    let options = |list: &[(&'static str, &'static str)], chosen: &str| {
        list.iter()
            .map(|(wire, text)| {
                html! { <option value={*wire} selected={*wire == chosen}>{ *text }</option> }
            })
            .collect::<Html>()
    };
    let outcome = match &*step {
        Step::Choosing => Html::default(),
        Step::Checking => html! { <p role="status">{ words.checking_file }</p> },
        Step::Failed => html! { <p role="alert">{ words.trouble }</p> },
        Step::Refused(refusal) => html! {
            <div role="alert">
                <p class="problem">{ words.file_refused }{ " " }{ &refusal.detail }</p>
                { bad_rows(words, &refusal.errors, refusal.errors.len() as u64) }
            </div>
        },
        Step::Checked(preview) => {
            let may_run = preview.rows > 0 && (preview.error_count == 0 || *skip);
            html! {
                <>
                    <h2>{ words.column_mapping }</h2>
                    <Table label={words.column_mapping} head={html! {<>
                                <th scope="col">{ words.column_in_file }</th>
                                <th scope="col">{ words.read_as }</th>
                            </>}}>
                                { for preview.mapping.iter().map(|m| html! {
                                    <tr><td>{ &m.column }</td><td>{ field_name(words, &m.field) }</td></tr>
                                }) }
                            </Table>
                    <p role="status">{ words.import_would
                        .replace("{rows}", &preview.rows.to_string())
                        .replace("{updates}", &preview.updates.to_string())
                        .replace("{creates}", &preview.creates.to_string())
                        .replace("{bad}", &preview.error_count.to_string()) }</p>
                    { bad_rows(words, &preview.errors, preview.error_count) }
                    if preview.error_count > 0 && !*skip {
                        <p class="note">{ words.fix_or_skip }</p>
                    }
                    <button type="button" onclick={run} disabled={!may_run}>{ words.import_now }</button>
                </>
            }
        }
        Step::Running(run) => {
            let done = run.state != "running";
            html! {
                <>
                    <label for="import-progress">{ words.import_progress }</label>
                    <progress id="import-progress" max={run.rows.max(1).to_string()}
                        value={run.rows_done.to_string()}>
                        { format!("{}/{}", run.rows_done, run.rows) }
                    </progress>
                    <p role="status">
                        if run.state == "failed" {
                            { words.import_failed }{ " " }{ run.failure.clone().unwrap_or_default() }
                        } else if done {
                            { words.import_done
                                .replace("{created}", &run.created.to_string())
                                .replace("{updated}", &run.updated.to_string())
                                .replace("{skipped}", &run.skipped.to_string()) }
                        } else {
                            { format!("{} {}/{}", words.importing, run.rows_done, run.rows) }
                        }
                    </p>
                </>
            }
        }
    };
    html! {
        <section aria-labelledby="imports-title">
            <h1 id="imports-title">{ words.imports }</h1>
            <p>{ words.imports_lead }</p>
            <form class="import" onsubmit={check}>
                <label for="import-site">{ words.site }</label>
                <select id="import-site" ref={refs[0].clone()} onchange={changed.clone()}>
                    { for sites.iter().enumerate().map(|(at, site)| html! {
                        <option value={site.id.clone()} selected={at == 0}>{ &site.id }</option>
                    }) }
                </select>
                <label for="import-basis">{ words.basis }</label>
                <select id="import-basis" ref={refs[1].clone()} onchange={choose(&basis)}>
                    <option value="" selected={basis.is_empty()}>{ words.none }</option>
                    { options(&words.bases, &basis) }
                </select>
                if *basis == "consent" { <p class="hint">{ words.consent_columns_note }</p> }
                if *basis == "other" {
                    <label for="import-basis-other">{ words.basis_other }</label>
                    <input id="import-basis-other" type="text" required=true ref={refs[2].clone()} />
                }
                <label for="import-source">{ words.source }</label>
                <select id="import-source" ref={refs[3].clone()} onchange={choose(&source)}>
                    <option value="" selected={source.is_empty()}>{ words.source_import_default }</option>
                    { options(&words.sources, &source) }
                </select>
                if *source == "other" {
                    <label for="import-source-other">{ words.source_other }</label>
                    <input id="import-source-other" type="text" required=true ref={refs[4].clone()} />
                }
                <label for="import-file">{ words.csv_file }</label>
                <input id="import-file" type="file" accept=".csv,text/csv" required=true
                    ref={file_ref} onchange={changed.clone()} />
                <div class="check">
                    <input id="import-skip" type="checkbox" checked={*skip} onchange={on_skip} />
                    <label for="import-skip">{ words.skip_bad_rows }</label>
                </div>
                <button type="submit" disabled={matches!(*step, Step::Checking)}>{ words.check_file }</button>
            </form>
            { outcome }
        </section>
    }
}

/// The bad rows as a table (line, column, why); says how many are not listed.
fn bad_rows(words: &Words, errors: &[RowError], count: u64) -> Html {
    if errors.is_empty() {
        return Html::default();
    }
    html! {
        <>
            <h2>{ words.bad_rows }</h2>
            <Table label={words.bad_rows} head={html! {<>
                        <th scope="col">{ words.line }</th>
                        <th scope="col">{ words.column }</th>
                        <th scope="col">{ words.reason }</th>
                    </>}}>
                        { for errors.iter().map(|e| html! {
                            <tr><td>{ e.line }</td><td>{ e.column.clone().unwrap_or_default() }</td>
                                <td>{ &e.reason }</td></tr>
                        }) }
                    </Table>
            if count > errors.len() as u64 {
                <p class="note">{ words.more_bad_rows.replace("{n}", &(count - errors.len() as u64).to_string()) }</p>
            }
        </>
    }
}

/// What a column fills, in words.
fn field_name(words: &Words, field: &str) -> String {
    match field {
        "identifier.email" => words.email.to_owned(),
        "identifier.phone" => words.phone.to_owned(),
        "identifier.salesforce" => "Salesforce ID".to_owned(),
        "personId" => words.person_id.to_owned(),
        "consentDate" => words.consent_date.to_owned(),
        "consentPurpose" => words.consent_purpose.to_owned(),
        "ignored" => words.ignored_column.to_owned(),
        other => match other.strip_prefix("profile.") {
            Some(name) => format!("{}: {name}", words.profile),
            None => other.to_owned(),
        },
    }
}
