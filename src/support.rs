//! What this version of xbar can simulate. A parameter set that asks for a
//! physical effect not yet implemented is refused with `Error::Unsupported`
//! naming the parameter, never silently ignored.

use crate::error::{Error, Result};
use crate::params::{DeviceModel, OutputDtype, Params, ParasiticSolver};

/// Refuses parameter sets that need models this version does not have.
pub fn check(p: &Params) -> Result<()> {
    let d = &p.xbar.device;
    let nonlinear = d.nonlinear_iv.enable && d.nonlinear_iv.model != DeviceModel::Ideal;
    if nonlinear
        && crate::circuit::parasitics::Wires::from_params(p).is_active()
        && p.simulation.parasitic_solver == ParasiticSolver::CrossSim
    {
        return Err(Error::unsupported(
            "simulation.parasitic_solver: \"crosssim\" does not model nonlinear I-V cells (xbar.device.nonlinear_IV); use \"exact\"",
        ));
    }
    let conv = &p.simulation.convolution;
    if conv.x_par * conv.y_par > 1 {
        return Err(Error::unsupported(
            "simulation.convolution: packing several sliding windows into one array (x_par, y_par > 1) is not available",
        ));
    }
    if p.simulation.analytics.profile_adc_inputs {
        return Err(Error::unsupported(
            "simulation.analytics.profile_adc_inputs: ADC input profiling is not available",
        ));
    }
    if p.core.output_dtype == OutputDtype::Float16 {
        return Err(Error::unsupported(
            "core.output_dtype: FLOAT16 outputs are not available",
        ));
    }
    Ok(())
}
