//! The site's policy from what the browser's `JSON.parse` made of it, read field by field into
//! the one `Policy` type of `samtycke_shared`.
//!
//! Why not serde: its derived deserialisers, with a deserialiser over JS values, were a quarter
//! of the wasm (some 25 KB before compression) for a document the collector has already parsed
//! strictly, checked, and serves byte for byte. This reader only takes out what the banner shows;
//! a member that is missing or of the wrong kind where the banner needs one is named in the error.
//! The browser test `the_app_draws_the_settings_exactly_as_the_server_renders_them` proves the
//! two readings agree: the app's settings, drawn from this reading, equal the collector's
//! rendering of the same components from serde's, for a policy that uses every member.

use js_sys::{Array, Object, Reflect};
use samtycke_shared::policy::{Controller, Recipient, Transfer};
use samtycke_shared::{
    AskedIn, Language, LawfulBasis, LocalizedText, Policy, Purpose, PurposeId, SiteId,
};
use wasm_bindgen::{JsCast as _, JsValue};

/// A member the banner needs is missing or not what the policy's shape says; names the member.
#[derive(Debug)]
pub struct Malformed(pub &'static str);

impl From<Malformed> for JsValue {
    fn from(error: Malformed) -> Self {
        let mut message = String::from("the policy document's member is not valid: ");
        message.push_str(error.0);
        JsValue::from_str(&message)
    }
}

type Result<T> = std::result::Result<T, Malformed>;

/// The policy from the value `JSON.parse` made of its document.
pub fn policy(document: &JsValue) -> Result<Policy> {
    let languages = array(&member(document, "languages"))
        .iter()
        .map(|tag| language(&tag))
        .collect::<Result<Vec<_>>>()?;
    if languages.is_empty() {
        return Err(Malformed("languages"));
    }
    let purposes = array(&member(document, "purposes"))
        .iter()
        .map(|p| purpose(&p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Policy {
        site: SiteId::parse(&string(document, "site")?).map_err(|_| Malformed("site"))?,
        version: number(document, "version")?.ok_or(Malformed("version"))?,
        languages,
        jurisdiction: string(document, "jurisdiction")?,
        controller: controller(&member(document, "controller"))?,
        policy_url: string(document, "policyUrl")?,
        consent_validity_days: number(document, "consentValidityDays")?.unwrap_or(365),
        refusal_validity_days: number(document, "refusalValidityDays")?.unwrap_or(183),
        notice: text(document, "notice")?,
        purposes,
        minimum_age: number(document, "minimumAge")?
            .map(u8::try_from)
            .transpose()
            .map_err(|_| Malformed("minimumAge"))?,
    })
}

fn controller(value: &JsValue) -> Result<Controller> {
    Ok(Controller {
        name: string(value, "name")?,
        contact: string(value, "contact")?,
        address: optional_string(value, "address")?,
        dpo_contact: optional_string(value, "dpoContact")?,
        supervisory_authority: string(value, "supervisoryAuthority")?,
    })
}

fn purpose(value: &JsValue) -> Result<Purpose> {
    let id = PurposeId::parse(&string(value, "id")?).map_err(|_| Malformed("purposes[].id"))?;
    let asked_in = match optional_string(value, "askedIn")?.as_deref() {
        None | Some("banner") => AskedIn::Banner,
        Some("form") => AskedIn::Form,
        Some(_) => return Err(Malformed("purposes[].askedIn")),
    };
    let recipients = array(&member(value, "recipients"))
        .iter()
        .map(|r| {
            Ok(Recipient {
                name: string(&r, "name")?,
                role: text(&r, "role")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let transfers = match member(value, "transfers") {
        t if t.is_object() => Some(Transfer {
            countries: strings(&member(&t, "countries"))?,
            safeguard: text(&t, "safeguard")?,
        }),
        _ => None,
    };
    let automated_decisions = match member(value, "automatedDecisions") {
        t if t.is_object() => Some(text(value, "automatedDecisions")?),
        _ => None,
    };
    Ok(Purpose {
        id,
        necessary: flag(value, "necessary"),
        asked_in,
        double_opt_in: flag(value, "doubleOptIn"),
        ask_age: flag(value, "askAge"),
        name: text(value, "name")?,
        description: text(value, "description")?,
        data_categories: text(value, "dataCategories")?,
        lawful_basis: lawful_basis(&member(value, "lawfulBasis"))?,
        recipients,
        transfers,
        retention: text(value, "retention")?,
        automated_decisions,
        if_refused: text(value, "ifRefused")?,
        special_category: flag(value, "specialCategory"),
        sale_or_sharing: flag(value, "saleOrSharing"),
        cookies: strings(&member(value, "cookies"))?,
        consent_mode: strings(&member(value, "consentMode"))?,
    })
}

/// `"consent"`, `"legitimate-interests"`, …, or `{"other": "text"}`, as serde writes the enum.
fn lawful_basis(value: &JsValue) -> Result<LawfulBasis> {
    let basis = match value.as_string().as_deref() {
        Some("consent") => LawfulBasis::Consent,
        Some("contract") => LawfulBasis::Contract,
        Some("legal-obligation") => LawfulBasis::LegalObligation,
        Some("vital-interests") => LawfulBasis::VitalInterests,
        Some("public-task") => LawfulBasis::PublicTask,
        Some("legitimate-interests") => LawfulBasis::LegitimateInterests,
        Some(_) => return Err(Malformed("purposes[].lawfulBasis")),
        None => LawfulBasis::Other(string(value, "other")?),
    };
    Ok(basis)
}

/// A text in several languages: an object of language tags and strings.
fn text(value: &JsValue, name: &'static str) -> Result<LocalizedText> {
    let mut texts = LocalizedText(Default::default());
    let object = member(value, name);
    if !object.is_object() {
        return Err(Malformed(name));
    }
    for entry in Object::entries(object.unchecked_ref()).iter() {
        let entry: Array = entry.unchecked_into();
        let tag = language(&entry.get(0))?;
        let words = entry.get(1).as_string().ok_or(Malformed(name))?;
        texts.0.insert(tag, words);
    }
    Ok(texts)
}

fn language(value: &JsValue) -> Result<Language> {
    let tag = value.as_string().ok_or(Malformed("languages"))?;
    Language::parse(&tag).map_err(|_| Malformed("languages"))
}

fn member(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn string(value: &JsValue, name: &'static str) -> Result<String> {
    member(value, name).as_string().ok_or(Malformed(name))
}

fn optional_string(value: &JsValue, name: &'static str) -> Result<Option<String>> {
    let found = member(value, name);
    if found.is_undefined() || found.is_null() {
        Ok(None)
    } else {
        found.as_string().map(Some).ok_or(Malformed(name))
    }
}

/// A whole number of the `u32` range, if the member is there.
fn number(value: &JsValue, name: &'static str) -> Result<Option<u32>> {
    let found = member(value, name);
    if found.is_undefined() {
        return Ok(None);
    }
    match found.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) => Ok(Some(n as u32)),
        _ => Err(Malformed(name)),
    }
}

/// `true` only where the member is `true`; absent means `false`, as serde's defaults say.
fn flag(value: &JsValue, name: &str) -> bool {
    member(value, name).as_bool() == Some(true)
}

/// An array's items; an absent member is an empty list, as serde's defaults say.
fn array(value: &JsValue) -> Array {
    if Array::is_array(value) {
        value.clone().unchecked_into()
    } else {
        Array::new()
    }
}

fn strings(value: &JsValue) -> Result<Vec<String>> {
    array(value)
        .iter()
        .map(|item| item.as_string().ok_or(Malformed("a list of strings")))
        .collect()
}
