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
    pub ratio: String,
    pub peak_rss_mib: f64,
    /// Server CPU time per request, in microseconds (0 when not measured).
    pub cpu_us: f64,
}

pub fn print_header() {
    println!(
        "{:<16} {:>10} {:>8} {:>8} {:>8} {:>9} {:>8} {:>14} {:>9} {:>11}",
        "scenario",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "non-2xx",
        "ratio",
        "RSS MiB",
        "CPU us/req"
    );
}

pub fn print_row(row: &Row) {
    let s = &row.samples;
    println!(
        "{:<16} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>8} {:>14} {:>9.1} {:>11.1}",
        row.name,
        row.rps,
        s.percentile(0.5),
        s.percentile(0.9),
        s.percentile(0.99),
        s.percentile(1.0),
        s.errors,
        row.ratio,
        row.peak_rss_mib,
        row.cpu_us
    );
}
