//! `GET /s/{site}.js`: the loader, with the site's configuration inlined, the banner's
//! stylesheet, and its first layer rendered on the server for the visitor's language and Global
//! Privacy Control, so that a visitor who must decide sees the banner as soon as this one script
//! has run, before any wasm.
//!
//! Each variant (site, policy, language, GPC) is rendered and compressed once and kept: the
//! rendering comes from the policy, which a new version replaces, and the cache is keyed by
//! the policy's SHA-256, so a new policy renders afresh.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use samtycke_banner::Layer;
use samtycke_banner::server::Rendering;
use samtycke_shared::jose::sha256_hex;
use samtycke_shared::text::Text;
use samtycke_shared::{Language, Policy, SiteId};
use serde::Serialize;

use super::super::compressed::{Compressed, CompressedCache};
use super::super::error::Problem;
use super::super::path::Path as UrlPath;
use super::super::{Error, Result};
use super::{CONFIG_TOKEN, WidgetAssets};
use crate::config::{Layout, SettingsControl};
use crate::domain::sites::{PublishedPolicy, Site};
use crate::state::AppState;

/// What the loader is told about its site (`www/loader.js` documents each field). Settings at
/// their defaults are left out (the loader and the app read an absent one as its default): every
/// byte here goes to every visitor.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoaderConfig<'a> {
    site: &'a str,
    /// The policy version the first layer was rendered from: a press on it is carried out only
    /// under the same version.
    version: u32,
    consent_days: u32,
    refusal_days: u32,
    app: &'a str,
    wasm: &'a str,
    #[serde(skip_serializing_if = "is_default")]
    layout: Layout,
    #[serde(skip_serializing_if = "is_default")]
    control: SettingsControl,
    #[serde(skip_serializing_if = "is_default")]
    reload: bool,
    disclosure: &'a str,
    /// Left out, with `banner`, when the policy asks nothing in the banner.
    #[serde(skip_serializing_if = "str::is_empty")]
    css: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    banner: &'a str,
    lang: &'a str,
    words: BTreeMap<&'a str, Words<'a>>,
}

/// The loader's own words, in one of the policy's languages: it shows the settings control and
/// embed placeholders on the site's pages, also to visitors for whom the app is never loaded.
/// They speak the page's language where the policy has it, so every language is sent; few words.
#[derive(Serialize)]
struct Words<'a> {
    settings: &'static str,
    load: &'static str,
    provider: &'static str,
    /// The banner purposes' names, for the placeholder of an embed waiting for one.
    names: BTreeMap<&'a str, &'a str>,
}

/// Which variant of a site's loader a request gets.
struct Variant {
    /// The policy language shown, an index in `policy.languages`.
    language: usize,
    /// The browser sends Global Privacy Control (`Sec-GPC: 1`).
    gpc: bool,
}

impl Variant {
    fn of(policy: &Policy, headers: &HeaderMap) -> Self {
        let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        Self {
            language: language(policy, value(header::ACCEPT_LANGUAGE.as_str())),
            gpc: value("sec-gpc").is_some_and(|v| v.trim() == "1"),
        }
    }
}

/// The first language of the browser's `Accept-Language` that the policy has (by primary
/// subtag, as the app chooses from `navigator.languages`), else the policy's default: the one
/// the first layer is rendered in.
pub(crate) fn language(policy: &Policy, accept_language: Option<&str>) -> usize {
    let wanted = accept_language
        .map(accept_language::parse_with_quality)
        .unwrap_or_default();
    wanted
        .iter()
        // `q=0` is the browser saying "not this one".
        .filter(|(_, quality)| *quality > 0.0)
        .filter_map(|(tag, _)| Language::parse(tag).ok())
        .find_map(|tag| {
            policy
                .languages
                .iter()
                .position(|offered| offered.primary() == tag.primary())
        })
        .unwrap_or(0)
}

#[utoipa::path(get, path = "/s/{file}", tag = "widget",
    params(("file" = String, Path, description = "`SITE.js`: the site's loader script")),
    responses((status = 200, description = "The loader, with the site's configuration and the banner's first layer in the visitor's language", body = String, content_type = "text/javascript"),
              (status = 304, description = "Not modified"),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json"),
              (status = 503, description = "The widget is not built (urn:samtycke:problem:widget-not-built)", body = Problem, content_type = "application/problem+json")))]
pub async fn loader(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let name = file.strip_suffix(".js").ok_or(Error::SiteNotFound)?;
    let site = SiteId::parse(name)
        .ok()
        .and_then(|id| state.sites.get(&id).cloned());
    let site = site.ok_or(Error::SiteNotFound)?;
    let widget = state.widget.as_deref().ok_or(Error::WidgetNotBuilt)?;
    let variant = Variant::of(&site.policy().policy, &headers);
    let served = served(&state.compressed, widget, &site, &variant).await?;
    let mut response = served.respond(
        &headers,
        "text/javascript; charset=utf-8",
        "public, max-age=300",
        "accept-encoding, accept-language, sec-gpc",
    );
    super::allow_timing(&mut response, &site.allowed_origins);
    Ok(response)
}

/// Every site's loader in every variant, rendered and compressed before the collector serves:
/// the sites are known at start, so no visitor waits for a rendering or a brotli pass, and no
/// burst of first requests does the same work many times over.
pub async fn warm(state: &AppState) -> Result<()> {
    let Some(widget) = state.widget.as_deref() else {
        return Ok(());
    };
    for site in state.sites.iter() {
        for language in 0..site.policy().policy.languages.len() {
            for gpc in [false, true] {
                let variant = Variant { language, gpc };
                served(&state.compressed, widget, site, &variant).await?;
            }
        }
    }
    Ok(())
}

/// The loader of one variant, compressed, from the cache or rendered into it.
async fn served(
    cache: &CompressedCache,
    widget: &WidgetAssets,
    site: &Site,
    variant: &Variant,
) -> Result<std::sync::Arc<Compressed>> {
    // One version for the key and the rendering, even if a newer one is adopted meanwhile.
    let current = site.policy();
    let key = format!(
        "loader {} {} {} {}",
        site.id, current.sha256, variant.language, variant.gpc
    );
    if let Some(served) = cache.get(&key) {
        return Ok(served);
    }
    let body = render(widget, site, &current, variant).await?;
    let sha256 = sha256_hex(&body);
    Ok(cache.keep(key, Compressed::new(body.into_bytes(), &sha256)))
}

/// The loader for one variant: the template with the configuration in place of its token.
async fn render(
    widget: &WidgetAssets,
    site: &Site,
    current: &PublishedPolicy,
    variant: &Variant,
) -> Result<String> {
    let policy = &current.policy;
    let language = policy
        .languages
        .get(variant.language)
        .unwrap_or(policy.default_language());
    let asks = policy.banner_purposes().next().is_some();
    let first_layer = if asks {
        Rendering {
            policy: policy.clone(),
            sha256: current.sha256.clone(),
            language: variant.language,
            layout: layout(site.widget.layout),
            gpc: variant.gpc,
            layer: Layer::First,
        }
        .render()
        .await
    } else {
        String::new()
    };
    let config = LoaderConfig {
        site: site.id.as_str(),
        version: policy.version,
        consent_days: policy.consent_validity_days,
        refusal_days: policy.refusal_validity_days,
        app: &widget.manifest.app,
        wasm: &widget.manifest.wasm,
        layout: site.widget.layout,
        control: site.widget.settings_control,
        reload: site.widget.reload_on_withdrawal,
        disclosure: &current.disclosure,
        css: match asks {
            true => samtycke_banner::first_css(layout(site.widget.layout)),
            false => "",
        },
        banner: &first_layer,
        lang: language.primary(),
        words: words(policy),
    };
    let config = serde_json::to_string(&config).map_err(|e| Error::InvalidBody(e.to_string()))?;
    Ok(widget.loader.replacen(CONFIG_TOKEN, &config, 1))
}

/// The loader's words in each of the policy's languages, by primary subtag.
fn words(policy: &Policy) -> BTreeMap<&str, Words<'_>> {
    let mut all = BTreeMap::new();
    for language in &policy.languages {
        let text = Text::for_language(language);
        let names = policy
            .banner_purposes()
            .map(|p| {
                let name = p.name.get(language, policy.default_language());
                (p.id.as_str(), name)
            })
            .collect();
        all.entry(language.primary()).or_insert(Words {
            settings: text.settings_control,
            load: text.load_embed,
            provider: text.embed_provider,
            names,
        });
    }
    all
}

fn layout(layout: Layout) -> samtycke_banner::Layout {
    match layout {
        Layout::Bar => samtycke_banner::Layout::Bar,
        Layout::Modal => samtycke_banner::Layout::Modal,
        Layout::Corner => samtycke_banner::Layout::Corner,
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}
