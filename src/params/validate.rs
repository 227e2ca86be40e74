//! Validation of a whole parameter tree: value ranges and the cross-field
//! rules of CrossSim 3.2 (spec section 2.4), plus the combinations CrossSim
//! accepts but then fails on. Every message starts with the dotted path.

use super::converters::{AdcParams, CalibratedRange};
use super::enums::AdcRangeOption;
use super::json;
use super::simulation::SimulationParams;
use super::tree::*;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value;

/// `Err(Params(msg))` unless `ok`.
fn require(ok: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::params(msg()))
    }
}

/// A finite number for which `ok` holds; `want` describes the condition.
fn num(path: &str, x: f64, ok: impl Fn(f64) -> bool, want: &str) -> Result<()> {
    require(x.is_finite() && ok(x), || format!("{path}: expected {want}, got {x}"))
}

/// A finite number >= 0.
fn non_negative(path: &str, x: f64) -> Result<()> {
    num(path, x, |x| x >= 0.0, "a finite number >= 0")
}

/// Any finite number.
fn finite(path: &str, x: f64) -> Result<()> {
    num(path, x, |_| true, "a finite number")
}

/// Runs every check on `p`; the first failure is returned.
pub(crate) fn validate(p: &Params) -> Result<()> {
    json::check_values(&json::to_value(p)?)?;
    core(&p.core)?;
    simulation(&p.simulation)?;
    device(&p.xbar.device)?;
    array(&p.xbar.array)?;
    for (op, adc) in [("mvm", &p.xbar.adc.mvm), ("vmm", &p.xbar.adc.vmm)] {
        adc_values(&format!("xbar.adc.{op}"), adc)?;
    }
    cross_rules(p)?;
    super::cost::validate(&p.xbar.cost)?;
    pair_matches("core.mapping.inputs", &p.core.mapping.inputs)?;
    pair_matches("xbar.adc", &p.xbar.adc)?;
    pair_matches("xbar.dac", &p.xbar.dac)?;
    super::aihwkit::validate(&p.aihwkit)
}

/// `core`: the balanced-core combination and the mappings.
fn core(c: &CoreParams) -> Result<()> {
    require(
        !c.balanced.interleaved_posneg || c.balanced.subtract_current_in_xbar,
        || {
            "core.balanced.interleaved_posneg: true requires core.balanced.subtract_current_in_xbar = true \
         (interleaved G+ and G- currents combine on one wire and cannot be digitised separately)"
                .to_string()
        },
    )?;
    let w = &c.mapping.weights;
    range_mapping("core.mapping.weights", w.min, w.max, w.percentile)?;
    for (name, list) in [
        ("row_partition_priority", &w.row_partition_priority),
        ("col_partition_priority", &w.col_partition_priority),
    ] {
        for (i, d) in list.iter().enumerate() {
            num(
                &format!("core.mapping.weights.{name}[{i}]"),
                *d,
                |d| d > 0.0,
                "a finite number > 0",
            )?;
        }
    }
    for (op, m) in [("mvm", &c.mapping.inputs.mvm), ("vmm", &c.mapping.inputs.vmm)] {
        range_mapping(&format!("core.mapping.inputs.{op}"), m.min, m.max, m.percentile)?;
    }
    Ok(())
}

/// A weight or input mapping: either percentile, or min < max.
fn range_mapping(path: &str, min: Option<f64>, max: Option<f64>, percentile: Option<f64>) -> Result<()> {
    match (percentile, min, max) {
        (Some(pc), None, None) => num(&format!("{path}.percentile"), pc, |x| x > 0.0, "a finite number > 0"),
        (Some(_), _, _) => Err(Error::params(format!(
            "{path}: percentile is set, so min and max must be null (either percentile or min/max mapping)"
        ))),
        (None, Some(lo), Some(hi)) => {
            finite(&format!("{path}.min"), lo)?;
            finite(&format!("{path}.max"), hi)?;
            require(lo < hi, || format!("{path}: min ({lo}) must be less than max ({hi})"))
        }
        (None, _, _) => Err(Error::params(format!(
            "{path}: percentile is null, so min and max must both be given"
        ))),
    }
}

/// `simulation`: solver settings.
fn simulation(s: &SimulationParams) -> Result<()> {
    num(
        "simulation.Verr_th_mvm",
        s.verr_th_mvm,
        |x| x > 0.0,
        "a finite number > 0",
    )?;
    num(
        "simulation.relaxation_gamma",
        s.relaxation_gamma,
        |x| x > 0.0 && x <= 1.0,
        "a number in (0, 1]",
    )
}

/// `xbar.device`: resistances, times and error magnitudes.
fn device(d: &DeviceParams) -> Result<()> {
    num("xbar.device.Rmin", d.rmin, |x| x > 0.0, "a finite number > 0")?;
    let want = format!("a finite number > Rmin ({})", d.rmin);
    num("xbar.device.Rmax", d.rmax, |x| x > d.rmin, &want)?;
    finite("xbar.device.Vread", d.vread)?;
    non_negative("xbar.device.time", d.time)?;
    let errors = [
        ("read_noise", &d.read_noise),
        ("programming_error", &d.programming_error),
        ("drift_error", &d.drift_error),
        ("nonlinear_IV", &d.nonlinear_iv),
    ];
    for (name, e) in errors {
        non_negative(&format!("xbar.device.{name}.magnitude"), e.magnitude)?;
    }
    non_negative("xbar.device.update.alpha", d.update.alpha)?;
    non_negative("xbar.device.update.write_noise", d.update.write_noise)?;
    for (name, bits) in [("x_bits", d.update.x_bits), ("d_bits", d.update.d_bits)] {
        require(bits == 0 || (2..=32).contains(&bits), || {
            format!("xbar.device.update.{name}: expected 0 (off) or 2 to 32 bits, got {bits}")
        })?;
    }
    pulsed(&d.update.pulsed)?;
    lookup_table(&d.update)
}

/// `xbar.device.update.pulsed`: train length, a positive step, bounds on
/// either side of zero, non-negative spreads and matching piecewise node lists.
fn pulsed(p: &super::pulsed::PulsedParams) -> Result<()> {
    let path = |k: &str| format!("xbar.device.update.pulsed.{k}");
    require((1..=64).contains(&p.desired_bl), || {
        format!("{}: expected 1 to 64 pulses, got {}", path("desired_bl"), p.desired_bl)
    })?;
    num(&path("dw_min"), p.dw_min, |x| x > 0.0, "a finite number > 0")?;
    num(&path("w_min"), p.w_min, |x| x <= 0.0, "a finite number <= 0")?;
    num(
        &path("w_max"),
        p.w_max,
        |x| x >= 0.0 && x > p.w_min,
        "a finite number >= 0 and > w_min",
    )?;
    let spreads = [
        ("dw_min_dtod", p.dw_min_dtod),
        ("dw_min_std", p.dw_min_std),
        ("w_min_dtod", p.w_min_dtod),
        ("w_max_dtod", p.w_max_dtod),
        ("up_down_dtod", p.up_down_dtod),
        ("linear_step.gamma_up_dtod", p.linear_step.gamma_up_dtod),
        ("linear_step.gamma_down_dtod", p.linear_step.gamma_down_dtod),
        ("pow_step.gamma_dtod", p.pow_step.gamma_dtod),
        ("pow_step.up_down_dtod", p.pow_step.up_down_dtod),
    ];
    for (k, v) in spreads {
        non_negative(&path(k), v)?;
    }
    let l = &p.linear_step;
    let e = &p.exp_step;
    let signed = [
        ("up_down", p.up_down),
        ("linear_step.gamma_up", l.gamma_up),
        ("linear_step.gamma_down", l.gamma_down),
        ("exp_step.a_up", e.a_up),
        ("exp_step.a_down", e.a_down),
        ("exp_step.gamma_up", e.gamma_up),
        ("exp_step.gamma_down", e.gamma_down),
        ("exp_step.a", e.a),
        ("exp_step.b", e.b),
        ("pow_step.gamma", p.pow_step.gamma),
        ("pow_step.up_down", p.pow_step.up_down),
    ];
    for (k, v) in signed {
        finite(&path(k), v)?;
    }
    let pw = &p.piecewise_step;
    require(!pw.up.is_empty() && pw.up.len() == pw.down.len(), || {
        format!(
            "{}: up and down need the same number (>= 1) of nodes, got {} and {}",
            path("piecewise_step"),
            pw.up.len(),
            pw.down.len()
        )
    })?;
    for (k, v) in pw
        .up
        .iter()
        .map(|v| ("piecewise_step.up", *v))
        .chain(pw.down.iter().map(|v| ("piecewise_step.down", *v)))
    {
        finite(&path(k), v)?;
    }
    Ok(())
}

/// `xbar.device.update.lut_*`: a table folder for the LookupTable model and
/// `0 <= lut_gmin_relative < lut_gmax_relative`.
fn lookup_table(u: &UpdateParams) -> Result<()> {
    let (lo, hi) = (u.lut_gmin_relative, u.lut_gmax_relative);
    non_negative("xbar.device.update.lut_gmin_relative", lo)?;
    require(hi.is_finite() && hi > lo, || {
        format!("xbar.device.update.lut_gmax_relative: must be finite and > lut_gmin_relative ({lo}), got {hi}")
    })?;
    let dir = u.lut_dir.as_deref().unwrap_or("");
    require(
        u.model != super::enums::UpdateModel::LookupTable || !dir.is_empty(),
        || "xbar.device.update.lut_dir: the LookupTable model needs a folder of lookup tables".to_string(),
    )
}

/// `xbar.array`: current limit and wire resistances.
fn array(a: &ArrayParams) -> Result<()> {
    non_negative("xbar.array.Icol_max", a.icol_max)?;
    let p = &a.parasitics;
    let wires = [
        ("Rp_row", p.rp_row),
        ("Rp_col", p.rp_col),
        ("Rp_row_terminal", p.rp_row_terminal),
        ("Rp_col_terminal", p.rp_col_terminal),
    ];
    for (name, r) in wires {
        non_negative(&format!("xbar.array.parasitics.{name}"), r)?;
    }
    Ok(())
}

/// One ADC's numbers: circuit values and the calibrated range.
fn adc_values(path: &str, a: &AdcParams) -> Result<()> {
    finite(&format!("{path}.gain_db"), a.gain_db)?;
    let sigmas = [
        ("sigma_capacitor", a.sigma_capacitor),
        ("sigma_comparator", a.sigma_comparator),
        ("sigma_C1", a.sigma_c1),
        ("sigma_C2", a.sigma_c2),
        ("sigma_Cpar", a.sigma_cpar),
    ];
    for (name, s) in sigmas {
        non_negative(&format!("{path}.{name}"), s)?;
    }
    let path = format!("{path}.calibrated_range");
    match &a.calibrated_range {
        CalibratedRange::Pair(v) if v.is_empty() => Ok(()),
        CalibratedRange::Pair(v) => range_pair(&path, v),
        CalibratedRange::PerSlice(v) => v
            .iter()
            .enumerate()
            .try_for_each(|(i, pair)| range_pair(&format!("{path}[{i}]"), pair)),
    }
}

/// A `[min, max]` pair of finite numbers with min < max.
fn range_pair(path: &str, v: &[f64]) -> Result<()> {
    let ok = matches!(v, [lo, hi] if lo.is_finite() && hi.is_finite() && lo < hi);
    require(ok, || format!("{path}: expected [min, max] with min < max, got {v:?}"))
}

/// CrossSim's cross-field rules on the ADC, DAC and parasitics.
fn cross_rules(p: &Params) -> Result<()> {
    let x = &p.xbar;
    let ops = [("mvm", &x.adc.mvm, &x.dac.mvm), ("vmm", &x.adc.vmm, &x.dac.vmm)];
    for (op, adc, dac) in ops {
        require(
            adc.adc_range_option != AdcRangeOption::Granular || adc.adc_per_ibit,
            || format!("xbar.adc.{op}.adc_range_option: GRANULAR (3) requires xbar.adc.{op}.adc_per_ibit = true"),
        )?;
        require(!adc.adc_per_ibit || dac.input_bitslicing, || {
            format!("xbar.adc.{op}.adc_per_ibit: true requires xbar.dac.{op}.input_bitslicing = true")
        })?;
        require(!dac.input_bitslicing || dac.bits > 0, || {
            format!("xbar.dac.{op}.input_bitslicing: true requires xbar.dac.{op}.bits > 0")
        })?;
    }
    require(
        x.device.pcm_pair == super::enums::PcmPair::Physical || p.core.style == super::enums::CoreStyle::Balanced,
        || {
            format!(
                "xbar.device.pcm_pair: \"aihwkit\" drifts the net conductance of a balanced pair and requires \
             core.style = \"BALANCED\", got \"{}\"",
                p.core.style.name()
            )
        },
    )?;
    let dac = &x.dac.mvm;
    require(
        x.array.parasitics.current_from_input || (dac.input_bitslicing && dac.slice_size == 1),
        || {
            "xbar.array.parasitics.current_from_input: false requires xbar.dac.mvm.input_bitslicing = true \
         with xbar.dac.mvm.slice_size = 1"
                .to_string()
        },
    )
}

/// With `_match` true, `mvm` and `vmm` must be equal; the message names the
/// first field that differs.
fn pair_matches<T: PartialEq + Serialize>(path: &str, p: &Paired<T>) -> Result<()> {
    if !p.match_ || p.mvm == p.vmm {
        return Ok(());
    }
    let (m, v) = (to_object(&p.mvm), to_object(&p.vmm));
    let field = m
        .iter()
        .chain(v.iter())
        .find(|(k, _)| m.get(*k) != v.get(*k))
        .map(|(k, _)| {
            let show = |o: &serde_json::Map<String, Value>| o.get(k).map_or("(absent)".to_string(), Value::to_string);
            format!(" (field {k}: {} vs {})", show(&m), show(&v))
        })
        .unwrap_or_default();
    Err(Error::params(format!(
        "{path}: _match is true but mvm and vmm differ{field}"
    )))
}

/// A record as a JSON object (empty if it does not serialise to one).
fn to_object<T: Serialize>(v: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}
