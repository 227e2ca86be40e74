//! The trained network on xbar cores: one core per weight matrix, biases and
//! ReLU in digital. Each layer's parameters start from `Params::default()`
//! with the input range set to what the layer sees, and an experiment then
//! changes what it studies (ADC, DAC, devices, drift, wires).

use super::mlp::{Dense, Layer, Mlp};
use xbar::{Core, Layout, Params};

/// A weight matrix programmed on a core.
pub struct Analog {
    pub core: Core,
}

impl Layer for Analog {
    fn rows(&self) -> usize {
        self.core.rows()
    }
    fn forward(&mut self, x: &[f64], batch: usize, y: &mut [f64]) -> xbar::Result<()> {
        self.core.mvm(x, batch, y)
    }
    fn backward(&mut self, v: &[f64], batch: usize, y: &mut [f64]) -> xbar::Result<()> {
        self.core.vmm(v, batch, y)
    }
    fn update(&mut self, x: &[f64], d: &[f64], batch: usize, lr: f64) -> xbar::Result<()> {
        self.core.update(x, d, batch, lr)
    }
}

/// What a layer's periphery has to cover, measured on the training set
/// with the floating-point network.
#[derive(Clone, Copy, Debug)]
pub struct LayerInfo {
    /// 0 for the hidden layer, 1 for the output layer.
    pub index: usize,
    /// Largest input value (inputs are non-negative: pixels, ReLU outputs).
    pub x_max: f64,
    /// Largest |W x| (before the bias).
    pub y_max: f64,
    /// max |W|, the weight that maps onto the full conductance range.
    pub w_max: f64,
}

impl LayerInfo {
    /// The ADC range, in column-current units (one fully-on cell at full
    /// input = 1), that holds every output seen on the training set. With
    /// an unsigned DAC over [0, x_max] and a balanced core, the current on
    /// output line i is `Σ_j (G+ - G-)_ij x_j / x_max = (Gmax - Gmin) (W x)_i / (w_max x_max)`.
    pub fn adc_range(&self, p: &Params) -> f64 {
        let g_range = 1.0 - p.xbar.device.gmin_norm();
        g_range * self.y_max / (self.w_max * self.x_max)
    }
}

/// The starting parameters of every layer: xbar's defaults (balanced
/// one-sided cores, Rmin = 1 kΩ, Rmax = 10 kΩ, ideal DAC, ADC and devices)
/// with inputs mapped from [0, x_max] onto an unsigned DAC. Energy: ISAAC's
/// component library (`xbar.cost`), the arrays costed by the energy their
/// cells dissipate (`t_read·Σ V²·G`, so it follows the weights, the inputs
/// and the device's Rmin) and both converters by Walden's law (energy
/// doubling per bit; ideal converters cost nothing).
pub fn base_params(info: &LayerInfo) -> xbar::Result<Params> {
    let mut p = Params::default();
    p.set_json("xbar.cost.array.law", r#""cells""#)?;
    p.set_json("xbar.cost.dac.law", r#""walden""#)?;
    p.set_json(
        "core.mapping.inputs.mvm",
        &format!(r#"{{"min": 0.0, "max": {}, "percentile": null}}"#, info.x_max),
    )?;
    p.set_json("xbar.dac.mvm.signed", "false")?;
    Ok(p)
}

/// Programs both layers of `net` on cores with the parameters `params`
/// gives for each layer; the cores of layer l get seed `2 seed + l`.
pub fn deploy(
    net: &Mlp<Dense>,
    infos: &[LayerInfo; 2],
    seed: u64,
    params: &dyn Fn(&LayerInfo) -> xbar::Result<Params>,
) -> xbar::Result<Mlp<Analog>> {
    let layer = |d: &Dense, info: &LayerInfo| -> xbar::Result<Analog> {
        let p = params(info)?;
        let mut core = Core::new(&p, d.rows, d.cols, 2 * seed + info.index as u64)?;
        core.program(&d.w, Layout::RowMajor)?;
        Ok(Analog { core })
    };
    Ok(Mlp {
        l1: layer(&net.l1, &infos[0])?,
        b1: net.b1.clone(),
        l2: layer(&net.l2, &infos[1])?,
        b2: net.b2.clone(),
    })
}
