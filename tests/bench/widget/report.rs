//! The benchmark's comparison, per condition: one row per contender (time to the banner being
//! visible, Samtycke's ratio to each peer, bytes received, long tasks), then Samtycke's targets
//! with their verdicts. 1 KB = 1000 B.

use crate::conditions::Condition;
use crate::contenders::Contender;
use crate::measure::{Load, Runs, SETTLE};

/// Samtycke's files received before its banner is visible, at most.
const BEFORE_VISIBLE_TARGET: f64 = 8_000.0;
/// Samtycke's files received by a first visit, at most.
const FIRST_VISIT_TARGET: f64 = 70_000.0;
/// Samtycke's files received by a returning visitor, at most (and no wasm).
const RETURNING_TARGET: f64 = 4_000.0;
/// Samtycke's median long tasks on a first visit when this comparison was first run (widget
/// build `69757c3a8e7c`, 2026-12-03: none in either condition); the target is no worse.
const LONG_TASKS_TODAY_MS: f64 = 0.0;

/// One contender's row: medians over its loads.
#[derive(Debug)]
struct Row {
    visible: Option<f64>,
    visible_p90: Option<f64>,
    before: Option<f64>,
    first: Option<f64>,
    returning: Option<f64>,
    wasm_loads: usize,
    returning_loads: usize,
    long_tasks: Option<f64>,
}

impl Row {
    fn of(runs: &Runs) -> Self {
        let first = &runs.first;
        let mut visible: Vec<f64> = first.iter().filter_map(|l| l.visible).collect();
        let of = |loads: &[Load], value: fn(&Load) -> Option<f64>| {
            median(&mut loads.iter().filter_map(value).collect::<Vec<_>>())
        };
        Self {
            visible: median(&mut visible),
            visible_p90: percentile(&mut visible, 90),
            before: of(first, |l| l.bytes_before_visible().map(|b| b as f64)),
            first: of(first, |l| Some(l.bytes() as f64)),
            returning: of(&runs.returning, |l| Some(l.bytes() as f64)),
            wasm_loads: runs.returning.iter().filter(|l| l.wasm()).count(),
            returning_loads: runs.returning.len(),
            long_tasks: of(first, |l| l.long_tasks),
        }
    }
}

/// Prints one condition's table and Samtycke's targets. Samtycke is the first contender.
pub fn print(condition: &Condition, contenders: &[Contender], runs: &[Runs]) {
    let loads = runs.first().map_or(0, |r| r.first.len());
    println!(
        "\n{}: {loads} first and {loads} returning visits per contender, interleaved, cold HTTP cache",
        condition.name
    );
    println!(
        "{:<30} {:>18} {:>14} {:>32} {:>11} {:>11}",
        "", "banner visible, ms", "ratio", "KB received, as served", "returning", "long tasks"
    );
    println!(
        "{:<30} {:>9} {:>8} {:>14} {:>10} {:>10} {:>10} {:>11} {:>11}",
        "contender",
        "median",
        "p90",
        "Samtycke/peer",
        "before it",
        "1st visit",
        "returning",
        "wasm loads",
        "median, ms"
    );
    let rows: Vec<Row> = runs.iter().map(Row::of).collect();
    let samtycke = &rows[0];
    for (contender, row) in contenders.iter().zip(&rows) {
        let ratio = if std::ptr::eq(row, samtycke) {
            "—".to_owned()
        } else {
            ratio(samtycke.visible, row.visible).map_or("n/a".to_owned(), |r| format!("{r:.2}"))
        };
        println!(
            "{:<30} {:>9} {:>8} {:>14} {:>10} {:>10} {:>10} {:>11} {:>11}",
            contender.name,
            ms(row.visible),
            ms(row.visible_p90),
            ratio,
            kb(row.before),
            kb(row.first),
            kb(row.returning),
            format!("{}/{}", row.wasm_loads, row.returning_loads),
            ms(row.long_tasks),
        );
    }
    for note in [
        "banner visible: from navigation start to the first animation frame in which the banner's"
            .to_owned(),
        "  root has a layout box and is hidden neither by display, visibility nor opacity 0.".into(),
        "KB received, as served: the contender's own files (Samtycke: the collector's; a peer: the"
            .into(),
        "  CDN's and its files on the site), response bodies as the browser received them, compressed"
            .into(),
        "  as each server chose, headers not counted; before it: responses that ended before the"
            .into(),
        "  banner was visible. A peer's inline snippet is part of the page, which is not counted."
            .into(),
        format!(
            "long tasks: first visits, summed up to {} ms after the banner is visible.",
            SETTLE.as_millis()
        ),
    ] {
        println!("  {note}");
    }
    targets(contenders, &rows);
}

fn targets(contenders: &[Contender], rows: &[Row]) {
    let samtycke = &rows[0];
    println!("  targets for Samtycke:");
    let fastest = contenders
        .iter()
        .zip(rows)
        .skip(1)
        .filter_map(|(c, r)| Some((c, r.visible?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match fastest {
        Some((peer, time)) => {
            let ratio = ratio(samtycke.visible, Some(time));
            println!(
                "    time to the banner ≤ the fastest peer's ({}, {time:.1} ms): {} ms, ratio {} — {}",
                peer.name,
                ms(samtycke.visible),
                ratio.map_or("n/a".to_owned(), |r| format!("{r:.2}")),
                verdict(ratio.is_some_and(|r| r <= 1.0)),
            );
        }
        None => println!("    time to the banner: no peer's banner was timed — OVER"),
    }
    let within = |value: Option<f64>, target: f64| value.is_some_and(|v| v <= target);
    println!(
        "    bytes before the banner ≤ {}: {} — {}",
        kb_unit(BEFORE_VISIBLE_TARGET),
        kb_unit_of(samtycke.before),
        verdict(within(samtycke.before, BEFORE_VISIBLE_TARGET)),
    );
    println!(
        "    first visit ≤ {}: {} — {}",
        kb_unit(FIRST_VISIT_TARGET),
        kb_unit_of(samtycke.first),
        verdict(within(samtycke.first, FIRST_VISIT_TARGET)),
    );
    println!(
        "    returning visitor ≤ {} and no wasm: {}, wasm in {}/{} loads — {}",
        kb_unit(RETURNING_TARGET),
        kb_unit_of(samtycke.returning),
        samtycke.wasm_loads,
        samtycke.returning_loads,
        verdict(within(samtycke.returning, RETURNING_TARGET) && samtycke.wasm_loads == 0),
    );
    println!(
        "    long tasks ≤ today's widget's ({LONG_TASKS_TODAY_MS:.1} ms, build 69757c3a8e7c): {} ms — {}",
        ms(samtycke.long_tasks),
        verdict(within(samtycke.long_tasks, LONG_TASKS_TODAY_MS)),
    );
}

fn ratio(samtycke: Option<f64>, peer: Option<f64>) -> Option<f64> {
    match (samtycke, peer) {
        (Some(s), Some(p)) if p > 0.0 => Some(s / p),
        _ => None,
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER" }
}

/// The median of the values (sorted in place), nearest rank.
pub fn median(values: &mut [f64]) -> Option<f64> {
    percentile(values, 50)
}

/// The `p`th percentile of the values (sorted in place), nearest rank.
fn percentile(values: &mut [f64], p: usize) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let rank = (values.len() * p).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

fn ms(value: Option<f64>) -> String {
    value.map_or("n/a".to_owned(), |v| format!("{v:.1}"))
}

fn kb(bytes: Option<f64>) -> String {
    bytes.map_or("n/a".to_owned(), |b| format!("{:.1}", b / 1000.0))
}

fn kb_unit(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1000.0)
}

fn kb_unit_of(bytes: Option<f64>) -> String {
    bytes.map_or("n/a".to_owned(), kb_unit)
}
