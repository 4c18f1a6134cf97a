//! A person's receipts, each verified here in the page, not taken on the collector's word: the
//! collector's signature against its published JWKS, the visitor's own signature inside it, and
//! the policy text it cites against the SHA-256 it cites — with the same verifier
//! (`samtycke_shared::jose::verify_receipt`) the collector, the CLI and the tests use.

use std::collections::BTreeMap;

use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};
use yew::prelude::*;

use crate::api::{self, StoredReceipt};
use crate::table::Table;
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct ReceiptsProps {
    pub words: &'static Words,
    pub person_id: String,
}

/// One receipt as checked.
#[derive(Debug, Clone, PartialEq)]
struct Checked {
    sequence: i64,
    /// When the person decided (UTC).
    decided: String,
    site: String,
    policy_version: i64,
    /// `purpose: decision` pairs.
    decisions: Vec<(String, String)>,
    /// The receipt's collection method, as the wire names it.
    method: String,
    /// The signing key, once the signatures verified; else why not.
    signature: Result<Signed, String>,
    /// Whether the cited policy text hashes to what the receipt cites (`None`: not fetched).
    policy_matches: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
struct Signed {
    kid: String,
    /// Whether the visitor's own signed request is inside (else the collector issued it on
    /// evidence, e.g. a confirmed double opt-in).
    by_visitor: bool,
}

/// What the list shows.
#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Loading,
    Failed,
    Shown(Vec<Checked>),
}

/// Verifies each receipt against the JWKS, and each cited policy text against its hash.
async fn check_all(person_id: &str) -> Result<Vec<Checked>, api::ApiError> {
    let jwks_text = api::jwks().await?;
    let jwks: Option<JwkSet> = serde_json::from_str(&jwks_text).ok();
    let stored = api::receipts(person_id).await?;
    let mut policy_hashes: BTreeMap<(String, i64), Option<String>> = BTreeMap::new();
    let mut checked = Vec::with_capacity(stored.len());
    for StoredReceipt {
        sequence,
        site,
        policy_version,
        receipt,
    } in stored
    {
        let verified = jwks
            .as_ref()
            .ok_or_else(|| "the JWKS is not a key set".to_owned())
            .and_then(|keys| verify_receipt(&receipt, keys).map_err(|e| e.to_string()));
        let key = (site.clone(), policy_version);
        if !policy_hashes.contains_key(&key) {
            let text = api::policy_version(&site, policy_version).await.ok();
            policy_hashes.insert(key.clone(), text.map(sha256_hex));
        }
        let (decided, decisions, method, policy_matches, signature) = match verified {
            Ok(verified) => {
                let claims = &verified.claims;
                let method = serde_json::to_value(claims.collection_method)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let decisions = claims
                    .decisions
                    .iter()
                    .map(|(purpose, decision)| {
                        let wire = serde_json::to_value(decision)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default();
                        (purpose.to_string(), wire)
                    })
                    .collect();
                let matches = policy_hashes
                    .get(&key)
                    .cloned()
                    .flatten()
                    .map(|hash| hash == claims.policy_sha256);
                (
                    crate::audit::when(claims.consent_timestamp),
                    decisions,
                    method,
                    matches,
                    Ok(Signed {
                        kid: verified.kid.clone(),
                        by_visitor: verified.request.is_some(),
                    }),
                )
            }
            Err(why) => (String::new(), Vec::new(), String::new(), None, Err(why)),
        };
        checked.push(Checked {
            sequence,
            decided,
            site,
            policy_version,
            decisions,
            method,
            signature,
            policy_matches,
        });
    }
    Ok(checked)
}

#[function_component]
pub fn Receipts(props: &ReceiptsProps) -> Html {
    let words = props.words;
    let loaded = use_state(|| Loaded::Loading);
    {
        let loaded = loaded.clone();
        use_effect_with(props.person_id.clone(), move |id| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                loaded.set(match check_all(&id).await {
                    Ok(checked) => Loaded::Shown(checked),
                    Err(_) => Loaded::Failed,
                });
            });
        });
    }
    let checked = match &*loaded {
        Loaded::Loading => return html! { <p role="status">{ words.verifying }</p> },
        Loaded::Failed => return html! { <p role="alert">{ words.trouble }</p> },
        Loaded::Shown(checked) => checked,
    };
    let all_good = checked
        .iter()
        .all(|c| c.signature.is_ok() && c.policy_matches == Some(true));
    html! {
        <>
            <p class={classes!("verdict", if all_good { "good" } else { "bad" })} role="status">
                { if all_good { words.receipts_all_verified } else { words.receipts_not_all_verified }
                    .replace("{n}", &checked.len().to_string()) }
            </p>
            <Table label={words.receipts} class="receipts" head={html! {<>
                        <th scope="col">{ "#" }</th>
                        <th scope="col">{ words.when }</th>
                        <th scope="col">{ words.decisions }</th>
                        <th scope="col">{ words.method }</th>
                        <th scope="col">{ words.policy }</th>
                        <th scope="col">{ words.verification }</th>
                    </>}}>
                        { for checked.iter().map(|c| html! {
                            <tr>
                                <td>{ c.sequence }</td>
                                <td>{ &c.decided }</td>
                                <td>{ c.decisions.iter()
                                    .map(|(purpose, decision)| format!("{purpose}: {}", words.state(decision)))
                                    .collect::<Vec<_>>().join(", ") }</td>
                                <td>{ &c.method }</td>
                                <td>{ format!("{} v{}", c.site, c.policy_version) }
                                    <br />{ match c.policy_matches {
                                        Some(true) => words.policy_matches,
                                        Some(false) => words.policy_differs,
                                        None => words.policy_missing,
                                    } }</td>
                                <td>{ match &c.signature {
                                    Ok(signed) => html! {
                                        <span class="good">{ if signed.by_visitor {
                                            words.signed_by_both
                                        } else {
                                            words.signed_by_collector
                                        }.replace("{kid}", &signed.kid) }</span>
                                    },
                                    Err(why) => html! {
                                        <span class="bad">{ words.not_verified }{ ": " }{ why }</span>
                                    },
                                } }</td>
                            </tr>
                        }) }
                    </Table>
        </>
    }
}
