//! The console's pages and their addresses. Each page has its own URL, so that the back button,
//! a bookmark and a link sent to a colleague all land where they should; the People page keeps
//! its filters in the query string for the same reason.

use serde::{Deserialize, Serialize};
use yew::prelude::*;
use yew_router::prelude::*;

/// A page.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// The marketer's query.
    #[at("/console")]
    People,
    /// One person.
    #[at("/console/people/:id")]
    Person {
        /// Their id.
        id: String,
    },
    /// Counts, the daily chart, forms and requests.
    #[at("/console/overview")]
    Overview,
    /// Importing a CSV file.
    #[at("/console/imports")]
    Imports,
    /// Sites and their policy versions.
    #[at("/console/sites")]
    Sites,
    /// The console's users.
    #[at("/console/users")]
    Users,
    /// The audit log.
    #[at("/console/audit")]
    Audit,
    /// Anything else under `/console`.
    #[not_found]
    #[at("/console/404")]
    NotFound,
}

impl Route {
    /// Whether a user of `role` may use the page. The API enforces the same limits; this only
    /// keeps the console from offering what would be refused.
    pub fn open_to(&self, role: &str) -> bool {
        match self {
            Route::Audit | Route::Imports => matches!(role, "dpo" | "admin"),
            Route::Sites | Route::Users => role == "admin",
            Route::People | Route::Person { .. } | Route::Overview | Route::NotFound => true,
        }
    }
}

/// The People page's filters, as its query string holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleQuery {
    /// Site id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Purpose id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Consent state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Lawful basis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// Source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// An exact e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl PeopleQuery {
    /// The selection the API takes, once a site and purpose are chosen: the same fields, under
    /// the API's names, with empty ones left out.
    pub fn selection(&self) -> Option<Vec<(&'static str, String)>> {
        let site = self.site.clone().filter(|s| !s.is_empty())?;
        let purpose = self.purpose.clone().filter(|p| !p.is_empty())?;
        let mut fields = vec![("site", site), ("purpose", purpose)];
        for (name, value) in [
            ("state", &self.state),
            ("basis", &self.basis),
            ("source", &self.source),
            ("email", &self.email),
        ] {
            if let Some(value) = value.as_ref().filter(|v| !v.trim().is_empty()) {
                fields.push((name, value.trim().to_owned()));
            }
        }
        Some(fields)
    }
}

#[derive(Properties, PartialEq)]
pub struct NavLinkProps {
    pub to: Route,
    pub children: Html,
}

/// A link to a page of the console, marked as the current page when it is: a real link (it
/// opens in a new tab, and reads as a link), moving within the app when clicked.
#[function_component]
pub fn NavLink(props: &NavLinkProps) -> Html {
    let navigator = use_navigator();
    let current = use_route::<Route>();
    let here = current.as_ref().is_some_and(|at| {
        at == &props.to || matches!((at, &props.to), (Route::Person { .. }, Route::People))
    });
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |event: MouseEvent| {
            // Ctrl-, Shift- and middle-clicks open the page elsewhere, as any link does.
            if event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0 {
                return;
            }
            if let Some(navigator) = &navigator {
                event.prevent_default();
                navigator.push(&to);
            }
        })
    };
    html! {
        <a href={props.to.to_path()} aria-current={here.then_some("page")} {onclick}>
            { props.children.clone() }
        </a>
    }
}
