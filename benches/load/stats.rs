//! Latency samples and the summary line each scenario prints.

use std::time::Duration;

#[derive(Default)]
pub struct Samples {
    pub micros: Vec<u32>,
    pub errors: u64,
}

impl Samples {
    pub fn record(&mut self, took: Duration, ok: bool) {
        self.micros
            .push(took.as_micros().min(u32::MAX as u128) as u32);
        if !ok {
            self.errors += 1;
        }
    }

    pub fn merge(all: Vec<Samples>) -> Samples {
        let mut merged = Samples::default();
        for s in all {
            merged.micros.extend(s.micros);
            merged.errors += s.errors;
        }
        merged.micros.sort_unstable();
        merged
    }

    pub fn percentile(&self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let at = ((self.micros.len() - 1) as f64 * p).round() as usize;
        self.micros[at] as f64 / 1000.0
    }
}

pub struct Row {
    pub name: String,
    pub rps: f64,
    pub samples: Samples,
    /// req/s as a share of the bare actix-web hello server's.
    pub vs_hello: Option<f64>,
    pub note: String,
    pub peak_rss_mib: f64,
    /// Server CPU time (user + system, all threads) per request, in µs.
    pub cpu_us: Option<f64>,
}

/// The table is Markdown, so a run can be pasted into the README as it is.
pub fn print_header() {
    println!(
        "| {:<24} | {:>8} | {:>7} | {:>6} | {:>6} | {:>7} | {:>7} | {:>10} | {:>7} | {:<20} |",
        "scenario",
        "req/s",
        "x hello",
        "p50 ms",
        "p99 ms",
        "max ms",
        "non-2xx",
        "CPU us/req",
        "RSS MiB",
        "note"
    );
    println!(
        "|{:-<26}|{:->9}:|{:->8}:|{:->7}:|{:->7}:|{:->8}:|{:->8}:|{:->11}:|{:->8}:|{:-<22}|",
        "", "", "", "", "", "", "", "", "", ""
    );
}

pub fn print_row(row: &Row) {
    let s = &row.samples;
    let or_blank =
        |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
    println!(
        "| {:<24} | {:>8.0} | {:>7} | {:>6.2} | {:>6.2} | {:>7.2} | {:>7} | {:>10} | {:>7} | {:<20} |",
        row.name,
        row.rps,
        or_blank(row.vs_hello, 2),
        s.percentile(0.5),
        s.percentile(0.99),
        s.percentile(1.0),
        s.errors,
        or_blank(row.cpu_us, 1),
        or_blank((row.peak_rss_mib > 0.0).then_some(row.peak_rss_mib), 1),
        row.note
    );
}
