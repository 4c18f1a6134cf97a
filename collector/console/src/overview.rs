//! The overview: per site, how many contacts stand in each state per purpose and the share that
//! may be contacted; each purpose's grants, refusals and withdrawals per day over the last 30
//! days, drawn by `plotters` as SVG (with the same numbers as a table); and, for the DPO, the
//! data-subject requests open and overdue with their due dates.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::api::{
    self, ApiError, Counts, Daily, DataRequest, OptIns, RequestCounts, Session, Site,
};
use crate::table::Table;
use crate::words::{Lang, Words};

#[derive(Properties, PartialEq)]
pub struct OverviewProps {
    pub words: &'static Words,
    pub lang: Lang,
    pub session: Rc<Session>,
    pub on_signed_out: Callback<()>,
}

/// What the page loaded.
#[derive(Debug, Clone, PartialEq, Default)]
struct Loaded {
    /// Every site, to choose from.
    sites: Vec<Site>,
    site: Option<Site>,
    opt_ins: Option<OptIns>,
    counts: Option<Counts>,
    daily: Option<Daily>,
    requests: Option<(RequestCounts, Vec<DataRequest>)>,
    failed: bool,
}

/// The chart's three series and their colours (each also named in the legend beside it).
const SERIES: [(&str, RGBColor); 3] = [
    ("granted", RGBColor(0x1f, 0x6f, 0x3f)),
    ("denied", RGBColor(0x8a, 0x4b, 0x08)),
    ("withdrawn", RGBColor(0x1f, 0x4f, 0x8f)),
];

/// The chart of one purpose's days, as an SVG document.
fn chart(days: &[api::Day]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top = days
            .iter()
            .map(|d| d.granted.max(d.denied).max(d.withdrawn))
            .max()
            .unwrap_or(0)
            .max(1);
        let count = u32::try_from(days.len().max(1)).unwrap_or(u32::MAX);
        let labels: Vec<String> = days
            .iter()
            .map(|d| d.day.get(5..).unwrap_or("").to_owned())
            .collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(
                0u32..count.saturating_sub(1).max(1),
                0u64..top + top / 10 + 1,
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|x| labels.get(*x as usize).cloned().unwrap_or_default())
            .y_labels(5)
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(|e| e.to_string())?;
        for (name, colour) in SERIES {
            let points = days.iter().enumerate().map(|(i, d)| {
                let value = match name {
                    "granted" => d.granted,
                    "denied" => d.denied,
                    _ => d.withdrawn,
                };
                (u32::try_from(i).unwrap_or(0), value)
            });
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[function_component]
pub fn Overview(props: &OverviewProps) -> Html {
    let words = props.words;
    let loaded = use_state(Loaded::default);
    let chosen = use_state(|| None::<String>);
    // The site shown (the first until another is chosen).
    let site_id = use_state(|| None::<String>);
    let steward = matches!(props.session.user.role.as_str(), "dpo" | "admin");
    {
        let loaded = loaded.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with((*site_id).clone(), move |wanted| {
            let wanted = wanted.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut found = Loaded::default();
                let result: Result<(), ApiError> = async {
                    found.sites = api::sites().await?;
                    let site = found
                        .sites
                        .iter()
                        .find(|s| Some(&s.id) == wanted.as_ref())
                        .or_else(|| found.sites.first())
                        .cloned();
                    if let Some(site) = &site {
                        found.counts = Some(api::counts(&site.id).await?);
                        found.daily = Some(api::daily(&site.id).await?);
                        found.opt_ins = Some(api::opt_ins(&site.id).await?);
                    }
                    found.site = site;
                    if steward {
                        found.requests =
                            Some((api::request_counts().await?, api::open_requests().await?));
                    }
                    Ok(())
                }
                .await;
                match result {
                    Err(ApiError::SignedOut) => on_signed_out.emit(()),
                    Err(_) => found.failed = true,
                    Ok(()) => {}
                }
                loaded.set(found);
            });
        });
    }
    if loaded.failed {
        return html! { <p role="alert">{ words.trouble }</p> };
    }
    let Some(site) = loaded.site.clone() else {
        return html! { <p role="status">{ words.loading }</p> };
    };
    let name_of = |id: &str| {
        site.purposes
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| {
                p.name
                    .get(props.lang.tag())
                    .or_else(|| p.name.values().next())
            })
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    };
    let states = [
        ("granted", words.granted),
        ("held", words.held),
        ("denied", words.denied),
        ("withdrawn", words.withdrawn),
        ("expired", words.expired),
    ];
    let counts = loaded.counts.as_ref().map(|counts| {
        html! {
            <Table label={words.by_purpose} head={html! {<>
                        <th scope="col">{ words.purpose }</th>
                        { for states.iter().map(|(_, label)| html! { <th scope="col">{ *label }</th> }) }
                        <th scope="col">{ words.rate }</th>
                    </>}}>
                        // The purposes one may be asked for (the necessary ones are not asked).
                        { for counts.purposes.iter()
                            .filter(|(purpose, _)| site.purposes.iter().any(|p| &p.id == *purpose))
                            .map(|(purpose, by_state)| {
                            let total: u64 = by_state.values().sum();
                            let granted = by_state.get("granted").copied().unwrap_or(0);
                            let rate = (granted * 100)
                                .checked_div(total)
                                .map_or_else(|| "—".to_owned(), |rate| format!("{rate} %"));
                            html! {
                                <tr>
                                    <th scope="row">{ name_of(purpose) }</th>
                                    { for states.iter().map(|(state, _)| html! {
                                        <td>{ by_state.get(*state).copied().unwrap_or(0) }</td>
                                    }) }
                                    <td>{ rate }</td>
                                </tr>
                            }
                        }) }
                    </Table>
        }
    });
    let daily = loaded.daily.as_ref().map(|daily| {
        let purpose = (*chosen)
            .clone()
            .or_else(|| {
                daily
                    .purposes
                    .keys()
                    .find(|id| site.purposes.iter().any(|p| &p.id == *id))
                    .cloned()
            })
            .unwrap_or_default();
        let days = daily.purposes.get(&purpose).cloned().unwrap_or_default();
        let onchange = {
            let chosen = chosen.clone();
            Callback::from(move |event: Event| {
                chosen.set(Some(event.target_unchecked_into::<HtmlSelectElement>().value()));
            })
        };
        let drawn = match chart(&days) {
            Ok(svg) => Html::from_html_unchecked(AttrValue::from(svg)),
            Err(_) => html! { <p>{ words.trouble }</p> },
        };
        let totals = SERIES.map(|(name, _)| {
            days.iter()
                .map(|d| match name {
                    "granted" => d.granted,
                    "denied" => d.denied,
                    _ => d.withdrawn,
                })
                .sum::<u64>()
        });
        let legend = [words.grants, words.refusals, words.withdrawals];
        html! {
            <>
                <h2>{ words.per_day }</h2>
                <label for="chart-purpose">{ words.purpose }</label>
                <select id="chart-purpose" {onchange}>
                    { for daily.purposes.keys()
                        .filter(|id| site.purposes.iter().any(|p| &p.id == *id))
                        .map(|id| html! {
                        <option value={id.clone()} selected={*id == purpose}>{ name_of(id) }</option>
                    }) }
                </select>
                <figure class="chart">
                    <div role="img" aria-label={format!("{}: {} {} – {}", words.per_day, name_of(&purpose), daily.from, daily.to)}>
                        { drawn }
                    </div>
                    <figcaption>
                        <ul class="legend">
                            // The swatches' colours are the stylesheet's (no inline styles under
                            // the page's policy), in the order of `SERIES`.
                            { for legend.iter().zip(totals).map(|(label, total)| html! {
                                <li>
                                    <span class="swatch" aria-hidden="true"></span>
                                    { format!("{label}: {total}") }
                                </li>
                            }) }
                        </ul>
                    </figcaption>
                </figure>
            </>
        }
    });
    let requests = loaded.requests.as_ref().map(|(counts, open)| {
        html! {
            <>
                <h2>{ words.requests }</h2>
                <p>{ format!("{}: {} · {}: {} · {}: {}", words.open_requests, counts.open,
                    words.overdue, counts.overdue, words.due_soon, counts.due_within_7_days) }</p>
                if !open.is_empty() {
                    <Table label={words.requests} head={html! {<>
                                <th scope="col">{ words.kind }</th>
                                <th scope="col">{ words.state }</th>
                                <th scope="col">{ words.due }</th>
                            </>}}>
                                { for open.iter().map(|r| html! {
                                    <tr class={classes!(r.overdue.then_some("overdue"))}>
                                        <td>{ &r.kind }</td>
                                        <td>{ &r.state }</td>
                                        <td>{ r.due_at.get(..10).unwrap_or(&r.due_at) }
                                            if r.overdue { { " (" }{ words.overdue }{ ")" } }</td>
                                    </tr>
                                }) }
                            </Table>
                }
            </>
        }
    });
    let opt_ins = loaded
        .opt_ins
        .as_ref()
        .filter(|o| !o.purposes.is_empty())
        .map(|opt_ins| {
            let share = |part: u64, whole: u64| {
                (part * 100)
                    .checked_div(whole)
                    .map_or_else(|| "—".to_owned(), |percent| format!("{percent} %"))
            };
            html! {
                <>
                <h2>{ words.form_opt_ins }</h2>
                <p class="hint">{ words.form_opt_ins_note }</p>
                <Table label={words.form_opt_ins} class="opt-ins" head={html! {<>
                            <th scope="col">{ words.purpose }</th>
                            <th scope="col">{ words.asked_to_confirm }</th>
                            <th scope="col">{ words.confirmed }</th>
                            <th scope="col">{ words.expired }</th>
                            <th scope="col">{ words.pending }</th>
                            <th scope="col">{ words.confirmed_share }</th>
                        </>}}>
                            { for opt_ins.purposes.iter().map(|(purpose, f)| html! {
                                <tr>
                                    <th scope="row">{ name_of(purpose) }</th>
                                    <td>{ f.asked }</td>
                                    <td>{ f.confirmed }</td>
                                    <td>{ f.expired }</td>
                                    <td>{ f.pending }</td>
                                    <td>{ share(f.confirmed, f.asked) }</td>
                                </tr>
                            }) }
                        </Table>
                </>
            }
        });
    let on_site = {
        let site_id = site_id.clone();
        Callback::from(move |event: Event| {
            site_id.set(Some(
                event.target_unchecked_into::<HtmlSelectElement>().value(),
            ));
        })
    };
    html! {
        <section aria-labelledby="overview-title">
            <h1 id="overview-title">{ words.overview }</h1>
            <label for="overview-site">{ words.site }</label>
            <select id="overview-site" onchange={on_site}>
                { for loaded.sites.iter().map(|s| html! {
                    <option value={s.id.clone()} selected={s.id == site.id}>{ &s.id }</option>
                }) }
            </select>
            { for counts }
            { for daily }
            { for opt_ins }
            { for requests }
        </section>
    }
}
