//! Figures: several runs of one measurement, reported as median with min–max.

use serde::Serialize;

/// One line of the bench table.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// What was measured, e.g. "push 10k mutations (SQLite)".
    pub name: String,
    pub unit: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
    /// The target we hold ourselves to, as text ("≥ 5000"), if there is one.
    pub target: Option<String>,
    /// Whether the median meets the target (`None` when there is no target).
    pub met: Option<bool>,
}

/// Which way a target points.
#[derive(Clone, Copy)]
pub enum Goal {
    AtLeast(f64),
    AtMost(f64),
    None,
}

impl Figure {
    pub fn from_runs(name: impl Into<String>, unit: &str, mut runs: Vec<f64>, goal: Goal) -> Self {
        runs.sort_by(|a, b| a.total_cmp(b));
        let n = runs.len();
        let median = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            runs[n / 2]
        } else {
            (runs[n / 2 - 1] + runs[n / 2]) / 2.0
        };
        let (target, met) = match goal {
            Goal::AtLeast(t) => (Some(format!("≥ {}", fmt_num(t))), Some(median >= t)),
            Goal::AtMost(t) => (Some(format!("≤ {}", fmt_num(t))), Some(median <= t)),
            Goal::None => (None, None),
        };
        Figure {
            name: name.into(),
            unit: unit.into(),
            median,
            min: runs.first().copied().unwrap_or(f64::NAN),
            max: runs.last().copied().unwrap_or(f64::NAN),
            runs: n,
            target,
            met,
        }
    }
}

/// A number with at most 3 significant decimals, for the table.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Percentile (0–100) of already collected samples.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

/// Prints the figures as one table.
pub fn print_table(figures: &[Figure]) {
    let w = figures
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(10)
        .max(10);
    let (name, median, range, unit, target) = ("figure", "median", "min – max", "unit", "target");
    println!("\n{name:<w$}  {median:>10}  {range:>21}  {unit:<9}  {target:>10}  met");
    for f in figures {
        let range = format!("{} – {}", fmt_num(f.min), fmt_num(f.max));
        let met = match f.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "{:<w$}  {:>10}  {:>21}  {:<9}  {:>10}  {}",
            f.name,
            fmt_num(f.median),
            range,
            f.unit,
            f.target.as_deref().unwrap_or(""),
            met
        );
    }
}
