//! The SVG bar chart of the speedups: one row per workload, a bar for
//! zio-uring and one for zio-epoll, drawn from 1× on a log scale (right of
//! the line: zio faster; left: tokio faster).

use std::path::Path;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::harness::Engine;
use crate::row::Row;

/// Bar colors: zio-uring, zio-epoll.
const COLORS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(255, 127, 14)];

/// The x range: every speedup, 1× and a margin, on a log scale.
fn x_range(speedups: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = speedups.fold((1.0f64, 1.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    (lo / 1.5, hi * 1.5)
}

/// An x label at 1, 2 and 5 times a power of ten; none elsewhere (a log
/// axis has a key point at every integer multiple).
fn label_125(x: &f64) -> String {
    let mantissa = x / 10f64.powf(x.log10().floor());
    if [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6) {
        format!("{x}×")
    } else {
        String::new()
    }
}

/// Writes the chart of `rows` (at least one) to `path`; `title` heads it.
pub fn write_svg(path: &Path, rows: &[Row], title: &str) -> Result<(), Box<dyn std::error::Error>> {
    let engines = [Engine::ZioUring, Engine::ZioEpoll];
    let n = rows.len();
    // Row i is drawn at segment n - 1 - i, so the first row is on top.
    let bars: Vec<(usize, usize, f64)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            engines
                .iter()
                .enumerate()
                .filter_map(move |(k, e)| Some((n - 1 - i, k, r.speedup(*e)?.median)))
        })
        .collect();
    let names: Vec<&str> = rows.iter().rev().map(|r| r.workload.as_str()).collect();
    let (lo, hi) = x_range(bars.iter().map(|b| b.2));

    let height = 120 + 26 * n as u32;
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(330)
        // `0..k` has k + 1 segments; a one-row chart keeps an empty one
        // (a zero-width range draws nothing).
        .build_cartesian_2d((lo..hi).log_scale(), (0..n.max(2) - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_labels(20)
        .x_label_formatter(&label_125)
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).map_or(String::new(), |s| s.to_string()),
            _ => String::new(),
        })
        .x_desc("speedup over the better tokio flavor (log scale; > 1: zio faster)")
        .draw()?;
    for (k, engine) in engines.iter().enumerate() {
        let color = COLORS[k];
        chart
            .draw_series(bars.iter().filter(|b| b.1 == k).map(|&(seg, _, x)| {
                // zio-uring in the upper half of its segment, zio-epoll in
                // the lower.
                let (top, bottom) = if k == 0 {
                    (SegmentValue::Exact(seg + 1), SegmentValue::CenterOf(seg))
                } else {
                    (SegmentValue::CenterOf(seg), SegmentValue::Exact(seg))
                };
                Rectangle::new([(1.0, top), (x, bottom)], color.filled())
            }))?
            .label(engine.label())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Exact(n))],
        BLACK.stroke_width(1),
    )))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
