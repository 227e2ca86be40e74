//! The figure: one panel per result group of the run (converters, read
//! noise, devices, drift with and without compensation, wire resistance,
//! in-situ training curves) under a caption that names the data set, the
//! network, the preset, the number of seeds and what the error bars are.
//! Drawn with plotters into an RGB buffer with an embedded font (no system
//! fonts needed) and saved as PNG.
//!
//! Curves of one panel never hide one another: each has its own colour and
//! marker, a later curve is drawn thinner than an earlier one (so a curve
//! lying on another still shows as a coloured edge), and the points of
//! curve k of n are shifted sideways by (k − (n−1)/2) times a small step
//! ([`XAxis`]), so that equal values at the same x sit side by side.

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

const FONT: &[u8] = include_bytes!("../data/DejaVuSans-ASCII.ttf");
const WIDTH: u32 = 1200;
/// Height of one row of panels (pixels).
const ROW: u32 = 430;
/// Height of the caption band above the panels (pixels): three lines.
const CAPTION: u32 = 84;
/// Plot height (pixels) a legend row takes, and the legend's padding.
const LEGEND_ROW: f64 = 19.0;
const LEGEND_PAD: f64 = 16.0;
/// Height (pixels) of a panel's plotting area, about: the row less caption and axis labels.
const PLOT_HEIGHT: f64 = 320.0;

/// One curve: (x, mean accuracy, std over seeds; 0 when not repeated).
pub struct Curve {
    pub name: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// How a panel's x axis is scaled and how far curves are shifted apart.
pub enum XAxis {
    /// Linear; curves shifted by multiples of `dodge` (x units).
    Linear { dodge: f64 },
    /// Logarithmic; curves shifted by factors of `dodge` (> 1).
    Log { dodge: f64 },
    /// Named categories at x = 0, 1, 2, ... (points with error bars, no lines).
    Categories(Vec<String>),
}

/// One panel: a result group.
pub struct Panel {
    pub title: String,
    pub x_desc: String,
    pub x: XAxis,
    pub curves: Vec<Curve>,
    /// Shown when no curve has a point (the group was unavailable or failed).
    pub empty_note: String,
}

pub struct Figure {
    /// Three caption lines: data set and network; preset, seeds and error bars; in-situ training.
    pub caption: [String; 3],
    /// Accuracy of the floating-point network (a dashed grey line in every panel).
    pub float: f64,
    /// Panels, drawn two per row, left to right.
    pub panels: Vec<Panel>,
}

type DrawResult<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("plot: {e:?}")
}

const COLORS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
];

/// Stroke width of curve k: earlier curves wider, so later ones never cover them.
fn width(k: usize) -> u32 {
    4u32.saturating_sub(k as u32).max(1)
}

/// The lowest accuracy shown: a little below the lowest point, in steps of 10 %,
/// then lowered so that the legend (in the lower right corner, `rows` lines)
/// sits in a band below every point and hides none.
fn y_floor(curves: &[Curve], float: f64, rows: usize) -> f64 {
    let lo = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.1 - p.2))
        .fold(float, f64::min);
    let y0 = ((lo - 2.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let band = ((rows as f64 * LEGEND_ROW + LEGEND_PAD) / PLOT_HEIGHT).min(0.6);
    100.5 - (100.5 - y0) / (1.0 - band)
}

/// Numbers on an axis: no trailing zeros.
fn tick(v: &f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Times on a log axis (seconds) in words.
fn seconds(v: &f64) -> String {
    const UNITS: [(f64, &str); 6] = [
        (365.25 * 86400.0, "year"),
        (30.0 * 86400.0, "month"),
        (86400.0, "day"),
        (3600.0, "hour"),
        (60.0, "minute"),
        (1.0, "s"),
    ];
    let (unit, name) = UNITS
        .iter()
        .copied()
        .find(|(u, _)| *v >= 0.999 * u)
        .unwrap_or((1.0, "s"));
    format!("{} {name}", tick(&(v / unit)))
}

/// Smallest and largest x over all curves.
fn x_span(curves: &[Curve]) -> Option<(f64, f64)> {
    let (a, b) = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    a.is_finite().then_some((a, b))
}

/// Curve k of n, its points shifted sideways.
fn dodged(x: &XAxis, c: &Curve, k: usize, n: usize) -> Vec<(f64, f64, f64)> {
    let shift = k as f64 - (n as f64 - 1.0) / 2.0;
    c.points
        .iter()
        .map(|&(px, m, s)| match x {
            XAxis::Linear { dodge } => (px + shift * dodge, m, s),
            XAxis::Log { dodge } => (px * dodge.powf(shift), m, s),
            XAxis::Categories(_) => (px + shift * 0.12, m, s),
        })
        .collect()
}

/// Draws one panel on the coordinate `x_range` (from `xa` to `xb`) with `x_labels` labels.
#[allow(clippy::too_many_arguments)]
fn draw<X>(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    panel: &Panel,
    float: f64,
    x_range: X,
    x_labels: usize,
    x_fmt: &dyn Fn(&f64) -> String,
    (xa, xb): (f64, f64),
    lines: bool,
) -> DrawResult<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let y0 = y_floor(&panel.curves, float, panel.curves.len() + 1);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 19))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(54)
        .build_cartesian_2d(x_range, y0..100.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(panel.x_desc.as_str())
        .y_desc("test accuracy (%)")
        .x_labels(x_labels)
        .x_label_formatter(x_fmt)
        .y_label_formatter(&tick)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(242, 242, 242))
        .draw()
        .map_err(err)?;
    let grey = RGBColor(90, 90, 90);
    chart
        .draw_series(DashedLineSeries::new(
            [(xa, float), (xb, float)],
            8,
            6,
            grey.stroke_width(2),
        ))
        .map_err(err)?
        .label(format!("floating point ({float:.1} %)"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], grey.stroke_width(2)));
    let n = panel.curves.len();
    for (k, c) in panel.curves.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let style = color.stroke_width(width(k));
        let points = dodged(&panel.x, c, k, n);
        if lines {
            chart
                .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), style))
                .map_err(err)?;
        }
        chart
            .draw_series(
                points
                    .iter()
                    .filter(|p| p.2 > 0.0)
                    .map(|p| PathElement::new(vec![(p.0, p.1 - p.2), (p.0, p.1 + p.2)], color.stroke_width(2))),
            )
            .map_err(err)?;
        // One marker shape per curve: circle, triangle, cross, then again.
        let anno = match k % 3 {
            0 => chart.draw_series(points.iter().map(|p| Circle::new((p.0, p.1), 4, color.filled()))),
            1 => chart.draw_series(
                points
                    .iter()
                    .map(|p| TriangleMarker::new((p.0, p.1), 6, color.filled())),
            ),
            _ => chart.draw_series(points.iter().map(|p| Cross::new((p.0, p.1), 5, color.stroke_width(2)))),
        }
        .map_err(err)?;
        anno.label(c.name.as_str()).legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (22, 0)], style)
                + Circle::new((11, 0), 3, color.filled())
        });
    }
    if n > 0 && panel.curves.iter().all(|c| c.points.is_empty()) {
        chart
            .draw_series(std::iter::once(Text::new(
                panel.empty_note.clone(),
                (xa, (y0 + 100.0) / 2.0),
                ("sans-serif", 14),
            )))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Draws `panel` in `area`, choosing the coordinates from its axis kind.
fn panel(area: &DrawingArea<BitMapBackend<'_>, Shift>, panel: &Panel, float: f64) -> DrawResult<()> {
    let span = x_span(&panel.curves);
    match &panel.x {
        XAxis::Linear { .. } => {
            let (a, b) = span.unwrap_or((0.0, 1.0));
            let pad = ((b - a) * 0.06).max(0.5);
            let x: RangedCoordf64 = (a - pad..b + pad).into();
            let labels = ((b - a) as usize + 2).min(12);
            draw(area, panel, float, x, labels, &tick, (a - pad, b + pad), true)
        }
        XAxis::Log { .. } => {
            let (a, b) = span.unwrap_or((0.1, 10.0));
            let (lo, hi) = (a / 2.0, b * 2.0);
            let mut keys = Vec::new();
            let mut decade = 10f64.powf(lo.log10().floor());
            while decade <= hi {
                for m in [1.0, 2.0, 5.0] {
                    let k = decade * m;
                    if (lo..=hi).contains(&k) {
                        keys.push(k);
                    }
                }
                decade *= 10.0;
            }
            let time = panel.x_desc.contains("time");
            if time {
                // 1 s, 1 minute, 1 hour, 1 day, 1 month, 1 year.
                keys = [1.0, 60.0, 3600.0, 86400.0, 30.0 * 86400.0, 365.25 * 86400.0]
                    .into_iter()
                    .filter(|k| (lo..=hi).contains(k))
                    .collect();
            }
            let x = LogCoord::from((lo..hi).log_scale()).with_key_points(keys);
            let fmt: &dyn Fn(&f64) -> String = if time { &seconds } else { &tick };
            draw(area, panel, float, x, 12, fmt, (lo, hi), true)
        }
        XAxis::Categories(names) => {
            let n = names.len().max(1) as f64;
            let x: RangedCoordf64 = (-0.5..n - 0.5).into();
            let label = |v: &f64| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            draw(area, panel, float, x, names.len() + 1, &label, (-0.5, n - 0.5), false)
        }
    }
}

/// Draws the figure and returns it as a PNG file.
pub fn png(fig: &Figure) -> DrawResult<Vec<u8>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "plot: the embedded font is invalid".to_string())?;
    let rows = fig.panels.len().div_ceil(2).max(1) as u32;
    let height = CAPTION + rows * ROW;
    let mut rgb = vec![0u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, body) = root.split_vertically(CAPTION);
        for (i, line) in fig.caption.iter().enumerate() {
            top.draw(&Text::new(
                line.clone(),
                (16, 10 + 24 * i as i32),
                ("sans-serif", 16).into_font().color(&BLACK),
            ))
            .map_err(err)?;
        }
        let cells = body.split_evenly((rows as usize, 2));
        for (p, area) in fig.panels.iter().zip(cells.iter()) {
            panel(area, p, fig.float)?;
        }
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(&rgb).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}
