//! Order statistics and number formatting for the report.

/// Order statistics of a sample.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Smallest value.
    pub min: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Largest value.
    pub max: f64,
}

impl Stats {
    /// Stats of a non-empty sample (nearest-rank percentiles).
    ///
    /// # Panics
    ///
    /// If the sample is empty.
    pub fn of(xs: impl IntoIterator<Item = f64>) -> Stats {
        let mut v: Vec<f64> = xs.into_iter().collect();
        assert!(!v.is_empty(), "stats of an empty sample");
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Stats {
            min: v[0],
            p25: at(0.25),
            median: at(0.5),
            p75: at(0.75),
            max: v[v.len() - 1],
        }
    }
}

/// Formats seconds with a unit that keeps 3 significant digits.
pub fn fmt_secs(s: f64) -> String {
    let (v, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}
