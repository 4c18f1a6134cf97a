//! A table the console shows: named for assistive technology by its caption, and in a region of
//! its own that scrolls sideways on a narrow screen (reachable and named for the keyboard)
//! rather than the page.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TableProps {
    /// Its caption, and the region's name.
    pub label: &'static str,
    /// The table's own class, where tests or styles pick it out.
    #[prop_or_default]
    pub class: Classes,
    /// The header row's cells.
    pub head: Html,
    /// The body's rows.
    pub children: Html,
}

#[function_component]
pub fn Table(props: &TableProps) -> Html {
    html! {
        <div class="table" tabindex="0" role="region" aria-label={props.label}>
            <table class={props.class.clone()}>
                <caption>{ props.label }</caption>
                <thead><tr>{ props.head.clone() }</tr></thead>
                <tbody>{ props.children.clone() }</tbody>
            </table>
        </div>
    }
}
