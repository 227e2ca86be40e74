//! The figure: test accuracy against converter resolution (left) and
//! against read noise (right), drawn with plotters into an RGB buffer with
//! an embedded font (no system fonts needed) and saved as PNG.

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

const FONT: &[u8] = include_bytes!("../data/DejaVuSans-ASCII.ttf");
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 520;

/// One curve: (x, mean accuracy, std over seeds).
pub struct Curve {
    pub name: &'static str,
    pub points: Vec<(f64, f64, f64)>,
}

pub struct Figure {
    /// Accuracy of the floating-point network (a dashed line in both panels).
    pub float: f64,
    pub bits: Vec<Curve>,
    pub noise: Vec<Curve>,
}

type DrawResult<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("plot: {e:?}")
}

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// The lowest accuracy shown: a little below the lowest point, in steps of 10 %.
fn y_floor(curves: &[Curve], float: f64) -> f64 {
    let lo = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.1 - p.2))
        .fold(float, f64::min);
    ((lo - 2.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0
}

/// Numbers on an axis: no trailing zeros.
fn tick(v: &f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn panel<X>(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    title: &str,
    x_desc: &str,
    (x_range, x_labels): (X, usize),
    curves: &[Curve],
    float: f64,
    legend: SeriesLabelPosition,
) -> DrawResult<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let y0 = y_floor(curves, float);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(46)
        .y_label_area_size(58)
        .build_cartesian_2d(x_range, y0..100.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("test accuracy (%)")
        .x_labels(x_labels)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .light_line_style(RGBColor(242, 242, 242))
        .draw()
        .map_err(err)?;
    let xs: Vec<f64> = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)).collect();
    let (xa, xb) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if xa.is_finite() {
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
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], grey.stroke_width(2)));
    }
    for (k, c) in curves.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let style = color.stroke_width(2);
        chart
            .draw_series(LineSeries::new(c.points.iter().map(|p| (p.0, p.1)), style))
            .map_err(err)?
            .label(c.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        chart
            .draw_series(c.points.iter().map(|p| Circle::new((p.0, p.1), 4, color.filled())))
            .map_err(err)?;
        chart
            .draw_series(
                c.points
                    .iter()
                    .filter(|p| p.2 > 0.0)
                    .map(|p| PathElement::new(vec![(p.0, p.1 - p.2), (p.0, p.1 + p.2)], style)),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .position(legend)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Draws the figure and returns it as a PNG file.
pub fn png(fig: &Figure) -> DrawResult<Vec<u8>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "plot: the embedded font is invalid".to_string())?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (left, right) = root.split_horizontally(WIDTH / 2);
        let bits: Vec<f64> = fig.bits.iter().flat_map(|c| c.points.iter().map(|p| p.0)).collect();
        let (b0, b1) = bits
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let (b0, b1) = if b0.is_finite() { (b0, b1) } else { (0.0, 1.0) };
        let x: RangedCoordf64 = (b0 - 0.5..b1 + 0.5).into();
        let labels = (b1 - b0) as usize + 2;
        panel(
            &left,
            "Accuracy vs converter resolution",
            "bits",
            (x, labels),
            &fig.bits,
            fig.float,
            SeriesLabelPosition::LowerRight,
        )?;
        let sig: Vec<f64> = fig.noise.iter().flat_map(|c| c.points.iter().map(|p| p.0)).collect();
        let (s0, s1) = sig
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let (s0, s1) = if s0.is_finite() {
            (s0 / 1.5, s1 * 1.5)
        } else {
            (0.001, 1.0)
        };
        let keys: Vec<f64> = [1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.3, 0.5, 1.0]
            .into_iter()
            .filter(|k| (s0..=s1).contains(k))
            .collect();
        let x = LogCoord::from((s0..s1).log_scale()).with_key_points(keys);
        let labels = 10;
        panel(
            &right,
            "Accuracy vs read noise",
            "read-noise σ (log scale)",
            (x, labels),
            &fig.noise,
            fig.float,
            SeriesLabelPosition::LowerLeft,
        )?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(&rgb).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}
