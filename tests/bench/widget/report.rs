//! The benchmark's tables: bytes per file fetched with the budgets beside the totals, then the
//! timings' median and 90th percentile.

use crate::Load;
use crate::sizes::{Size, Sizes};

/// Returning visitor: the loader alone, compressed.
const RETURNING_BUDGET: usize = 2_000;
/// First visit: loader and app together, compressed; the site's policy is not counted.
const FIRST_VISIT_BUDGET: usize = 60_000;

/// One timing of a load, if it was taken.
type Timing = fn(&Load) -> Option<f64>;

pub fn print(first: &[Load], returning: &[Load], sizes: &Sizes) {
    println!(
        "\nwidget benchmark: the demo shop in headless Chromium, cold HTTP cache, {} first visits \
         and {} returning visits (1 KB = 1000 B)",
        first.len(),
        returning.len()
    );

    let code = bytes("first visit", first, sizes);
    let verdict = if code.brotli <= FIRST_VISIT_BUDGET {
        "ok"
    } else {
        "OVER"
    };
    println!(
        "  budget: loader + app ≤ {} brotli: {} — {verdict}",
        kb(FIRST_VISIT_BUDGET),
        kb(code.brotli)
    );

    let code = bytes("returning visitor", returning, sizes);
    let wasm = returning
        .iter()
        .filter(|l| l.resources.iter().any(|r| r.ends_with(".wasm")))
        .count();
    let verdict = if code.brotli <= RETURNING_BUDGET && wasm == 0 {
        "ok"
    } else {
        "OVER"
    };
    println!(
        "  budget: ≤ {} brotli and no wasm: {}, wasm in {wasm} loads — {verdict}",
        kb(RETURNING_BUDGET),
        kb(code.brotli)
    );

    println!(
        "\n{:<68} {:>9} {:>9}",
        "time from navigation start (ms)", "median", "p90"
    );
    let times: [(&str, &[Load], Timing); 6] = [
        ("first visit: banner dialog visible", first, |l| l.dialog),
        ("first visit: frame that paints it begins", first, |l| {
            l.frame
        }),
        (
            "first visit: main-thread long tasks (sum per load)",
            first,
            |l| l.long_tasks,
        ),
        ("first visit: load event end", first, |l| l.load_event),
        (
            "returning visitor: main-thread long tasks (sum)",
            returning,
            |l| l.long_tasks,
        ),
        ("returning visitor: load event end", returning, |l| {
            l.load_event
        }),
    ];
    for (name, loads, value) in times {
        let mut values: Vec<f64> = loads.iter().filter_map(value).collect();
        values.sort_by(f64::total_cmp);
        match (percentile(&values, 50), percentile(&values, 90)) {
            (Some(median), Some(p90)) => println!("{name:<68} {median:>9.1} {p90:>9.1}"),
            _ => println!("{name:<68} {:>9} {:>9}", "n/a", "n/a"),
        }
    }
}

/// Prints the files one kind of visit fetched and returns the widget's own bytes per load (the
/// loader and `/assets/`).
fn bytes(visit: &str, loads: &[Load], sizes: &Sizes) -> Size {
    println!(
        "\n{:<68} {:>7} {:>9} {:>9} {:>9}",
        format!("{visit}: bytes fetched"),
        "loads",
        "raw",
        "gzip",
        "brotli"
    );
    let mut code = Size::default();
    let mut total = Size::default();
    for (path, size) in sizes {
        let count = loads.iter().filter(|l| l.resources.contains(path)).count();
        if count == 0 {
            continue;
        }
        println!(
            "  {path:<66} {:>7} {:>9} {:>9} {:>9}",
            format!("{count}/{}", loads.len()),
            size.raw,
            size.gzip,
            size.brotli
        );
        let per_load = share(*size, count, loads.len());
        total = total + per_load;
        if path.starts_with("/s/") || path.starts_with("/assets/") {
            code = code + per_load;
        }
    }
    let line = |name: &str, s: Size| {
        println!(
            "  {name:<66} {:>7} {:>9} {:>9} {:>9}",
            "", s.raw, s.gzip, s.brotli
        );
    };
    line("loader + app (per load)", code);
    line("total (per load)", total);
    code
}

/// A file's bytes per load when `count` of `loads` fetched it.
fn share(size: Size, count: usize, loads: usize) -> Size {
    let part = |bytes: usize| (bytes * count).div_ceil(loads.max(1));
    Size {
        raw: part(size.raw),
        gzip: part(size.gzip),
        brotli: part(size.brotli),
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: usize) -> Option<f64> {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn kb(bytes: usize) -> String {
    format!("{:.2} KB", bytes as f64 / 1000.0)
}
