//! The CUDA sources of the backend (`kernels/*.cu`, embedded at build time)
//! and their compilation by NVRTC to PTX.
//!
//! Each kernel file is compiled as one translation unit after the shared
//! header `kernels/philox.cuh` (the random streams of `crate::rng`), with
//! `--fmad=false` so that no `a*b + c` is fused: the device then rounds
//! every product and sum as the CPU does.

use super::probe;
use crate::error::{Error, Result};

/// The header prepended to every kernel file.
pub const HEADER: &str = include_str!("../../kernels/philox.cuh");

/// Every kernel file of `kernels/`: (file name, source).
pub const SOURCES: &[(&str, &str)] = &[
    ("mvm.cu", include_str!("../../kernels/mvm.cu")),
    ("periphery.cu", include_str!("../../kernels/periphery.cu")),
    ("parasitics.cu", include_str!("../../kernels/parasitics.cu")),
    ("resident.cu", include_str!("../../kernels/resident.cu")),
    ("update.cu", include_str!("../../kernels/update.cu")),
    ("update_pulsed.cu", include_str!("../../kernels/update_pulsed.cu")),
    ("cells.cu", include_str!("../../kernels/cells.cu")),
    ("update_lut.cu", include_str!("../../kernels/update_lut.cu")),
    ("mapping.cu", include_str!("../../kernels/mapping.cu")),
];

/// One kernel entry point: the file it is in, its name, and its parameter
/// codes (`kernels/host/cuda_host.h`, `type_code`: p pointer, i int, u
/// unsigned int, U unsigned long long, f float, d double). Every launch is
/// checked against them; the emulated device also checks them against the
/// compiled sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    pub file: &'static str,
    pub name: &'static str,
    pub signature: &'static str,
}

/// The product kernels' parameters (`kernels/mvm.cu`): g, sigma, per_cell,
/// sigma_uniform, noise, lo, hi, x, y, rows, cols, count, seed, array, call_base.
const PRODUCT: &str = "ppididdppiiiUuU";

/// The variance kernels' parameters: sigma, x, var, rows, cols, count.
const SQUARES: &str = "pppiii";

/// The GEMM kernels' parameters: g, x, y, rows, cols, count.
const GEMM: &str = "pppiii";

/// Every kernel the backend launches.
pub const KERNELS: &[Kernel] = &[
    Kernel {
        file: "resident.cu",
        name: "xbar_copy_words",
        signature: "ppi",
    },
    Kernel {
        file: "resident.cu",
        name: "xbar_difference_f32",
        signature: "pppii",
    },
    Kernel {
        file: "resident.cu",
        name: "xbar_difference_f64",
        signature: "pppii",
    },
    Kernel {
        file: "resident.cu",
        name: "xbar_round_f32",
        signature: "ppi",
    },
    Kernel {
        file: "resident.cu",
        name: "xbar_line_sums_f32",
        signature: "pppiii",
    },
    Kernel {
        file: "resident.cu",
        name: "xbar_line_sums_f64",
        signature: "pppiii",
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_mvm_f32",
        signature: PRODUCT,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_mvm_f64",
        signature: PRODUCT,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_vmm_f32",
        signature: PRODUCT,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_vmm_f64",
        signature: PRODUCT,
    },
    // Per-output read noise (kernels/mvm.cu; gpu::resident): the squares
    // (sigma, x, var, rows, cols, count), the per-vector squares of one shared
    // σ (x, vu, n_in, count, σ) and the draws (y, var, vu, n_out, count, seed,
    // array, call_base).
    Kernel {
        file: "mvm.cu",
        name: "xbar_output_squares_mvm_f32",
        signature: SQUARES,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_output_squares_mvm_f64",
        signature: SQUARES,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_output_squares_vmm_f32",
        signature: SQUARES,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_output_squares_vmm_f64",
        signature: SQUARES,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_vector_squares_f32",
        signature: "ppiid",
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_vector_squares_f64",
        signature: "ppiid",
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_output_noise_f32",
        signature: "pppiiUuU",
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_output_noise_f64",
        signature: "pppiiUuU",
    },
    // Static products at batch > 1 (kernels/mvm.cu): g, x, y, rows, cols, count.
    Kernel {
        file: "mvm.cu",
        name: "xbar_gemm_mvm_f32",
        signature: GEMM,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_gemm_mvm_f64",
        signature: GEMM,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_gemm_vmm_f32",
        signature: GEMM,
    },
    Kernel {
        file: "mvm.cu",
        name: "xbar_gemm_vmm_f64",
        signature: GEMM,
    },
    // kernels/periphery.cu (see gpu::periphery for each one's arguments).
    Kernel {
        file: "periphery.cu",
        name: "xbar_dac_convert",
        signature: "ppUiiddd",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_dac_slice",
        signature: "ppUiddi",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_dac_energy",
        signature: "pppiiidiiid",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_adc_uniform",
        signature: "pUddd",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_adc_stochastic",
        signature: "pUdddUuU",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_adc_circuit",
        signature: "pUiiidddippi",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_horner_step",
        signature: "ppUdi",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_subtract",
        signature: "ppU",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_clip",
        signature: "pUdd",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_scale",
        signature: "pUdd",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_add_scaled",
        signature: "ppUd",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_vector_sums",
        signature: "ppii",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_subtract_sums",
        signature: "ppUid",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_minus_first",
        signature: "ppUi",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_leading_zero",
        signature: "ppUi",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_scale_vectors",
        signature: "ppUi",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_widen_f32",
        signature: "ppU",
    },
    Kernel {
        file: "periphery.cu",
        name: "xbar_narrow_f32",
        signature: "ppU",
    },
    // kernels/parasitics.cu (see gpu::parasitics).
    Kernel {
        file: "parasitics.cu",
        name: "xbar_pcg_solve",
        signature: "pUppppiiiidddddiid",
    },
    Kernel {
        file: "parasitics.cu",
        name: "xbar_pcg_cells_f32",
        signature: "ppididdpUUiiiiUuU",
    },
    Kernel {
        file: "parasitics.cu",
        name: "xbar_pcg_cells_f64",
        signature: "ppididdpUUiiiiUuU",
    },
    // kernels/update.cu (see gpu::update_basic): the ideal and analytic
    // models' writes (g, a, b, written, first, n, cols, outer, lr, scale,
    // then the model: gmin; or variant, nine constants, seed, array,
    // purpose, call) and the accumulated change of a batch.
    Kernel {
        file: "update.cu",
        name: "xbar_update_ideal_f32",
        signature: "ppppuuuiddd",
    },
    Kernel {
        file: "update.cu",
        name: "xbar_update_ideal_f64",
        signature: "ppppuuuiddd",
    },
    Kernel {
        file: "update.cu",
        name: "xbar_update_analytic_f32",
        signature: "ppppuuuiddidddddddddUuuU",
    },
    Kernel {
        file: "update.cu",
        name: "xbar_update_analytic_f64",
        signature: "ppppuuuiddidddddddddUuuU",
    },
    Kernel {
        file: "update.cu",
        name: "xbar_accumulate",
        signature: "pppiiiiiiid",
    },
    // kernels/update_pulsed.cu (see gpu::update_pulsed): the pulse trains
    // (x, d, trains, cols, rows, a, b, bl, seed, array, call), an outer
    // product's cells (g, constants, x, d, trains, written, first, cells,
    // cols, lambda, seed, array, purpose, call) and a dense request's (g,
    // constants, dw, written, first, cells, scale, seed, array, purpose, call).
    Kernel {
        file: "update_pulsed.cu",
        name: "xbar_pulsed_trains",
        signature: "pppiiddiUuU",
    },
    Kernel {
        file: "update_pulsed.cu",
        name: "xbar_pulsed_outer_f32",
        signature: "ppppppUUidUuuU",
    },
    Kernel {
        file: "update_pulsed.cu",
        name: "xbar_pulsed_outer_f64",
        signature: "ppppppUUidUuuU",
    },
    Kernel {
        file: "update_pulsed.cu",
        name: "xbar_pulsed_dense_f32",
        signature: "ppppUUdUuuU",
    },
    Kernel {
        file: "update_pulsed.cu",
        name: "xbar_pulsed_dense_f64",
        signature: "ppppUUdUuuU",
    },
    // kernels/cells.cu (see gpu::cells): a write of the cell laws (g, law,
    // n, seed, array, program call, drift read-noise call), the check that
    // every σ is cell 0's (g, law, n, info) and the σ of every cell (g, law,
    // out, n).
    Kernel {
        file: "cells.cu",
        name: "xbar_cells_write",
        signature: "ppUUuUU",
    },
    Kernel {
        file: "cells.cu",
        name: "xbar_cells_sigma_check_f32",
        signature: "ppUp",
    },
    Kernel {
        file: "cells.cu",
        name: "xbar_cells_sigma_check_f64",
        signature: "ppUp",
    },
    Kernel {
        file: "cells.cu",
        name: "xbar_cells_sigma_f32",
        signature: "pppU",
    },
    Kernel {
        file: "cells.cu",
        name: "xbar_cells_sigma_f64",
        signature: "pppU",
    },
    // kernels/update_lut.cu (gpu::update_lut): g, dw, x, d, n, first, cols,
    // lr, scale, tconst, tidx, data64, data32, devices, tables, mode, key,
    // gmin, k, inv_k, lo, hi, clip_lo, clip_hi, seed, array, purpose, call, written.
    Kernel {
        file: "update_lut.cu",
        name: "xbar_lut_write_f32",
        signature: "ppppUUUddpppppiuUdddddddUuuUp",
    },
    Kernel {
        file: "update_lut.cu",
        name: "xbar_lut_write_f64",
        signature: "ppppUUUddpppppiuUdddddddUuuUp",
    },
    // kernels/mapping.cu (gpu::mapping): w, g, n, then balanced: positive,
    // two_sided, r, wmax, gmin, grange, q; offset: cols, unit_rows, unit,
    // wmax, wr, g0, gmin, q; slice: cols, unit_rows, unit, index, slices,
    // balanced, positive, wmax, top, shrink, half, base, full, gmin, grange, q.
    Kernel {
        file: "mapping.cu",
        name: "xbar_mapping_balanced",
        signature: "ppUiiddddd",
    },
    Kernel {
        file: "mapping.cu",
        name: "xbar_mapping_offset",
        signature: "ppUiidddddd",
    },
    Kernel {
        file: "mapping.cu",
        name: "xbar_mapping_slice",
        signature: "ppUiiduuiiddddddddd",
    },
];

/// The kernel called `name`.
pub fn kernel(name: &str) -> Result<&'static Kernel> {
    KERNELS
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| Error::Internal(format!("no kernel {name} in gpu::kernels::KERNELS")))
}

/// The full NVRTC program of kernel file `name` (header + file).
pub fn program(name: &str) -> Result<String> {
    SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| format!("{HEADER}\n{src}"))
        .ok_or_else(|| Error::Internal(format!("no kernel file {name}")))
}

/// `"sm_XY"` for compute capability `major.minor`.
pub fn arch(major: i32, minor: i32) -> String {
    format!("sm_{major}{minor}")
}

/// Compiles kernel file `name` with NVRTC for `arch` (e.g. `"sm_90"`) and
/// returns the PTX text. NVRTC's log is part of the error message when the
/// compilation fails ([`Error::Internal`]: the sources ship with the
/// library); a missing NVRTC is [`Error::BackendUnavailable`].
pub fn compile(name: &str, arch: &str) -> Result<String> {
    compile_program(name, &program(name)?, arch)
}

/// Compiles the CUDA program `src` (named `name` in messages) for `arch`, as [`compile`].
pub fn compile_program(name: &str, src: &str, arch: &str) -> Result<String> {
    probe::require_nvrtc()?;
    probe::guard("NVRTC compilation", || {
        let opts = cudarc::nvrtc::CompileOptions {
            fmad: Some(false),
            options: vec![format!("--gpu-architecture={arch}"), "--std=c++17".into()],
            name: Some(name.into()),
            ..Default::default()
        };
        match cudarc::nvrtc::compile_ptx_with_opts(src, opts) {
            Ok(ptx) => Ok(ptx.to_src()),
            Err(cudarc::nvrtc::CompileError::CompileError { nvrtc, log, options }) => Err(Error::Internal(format!(
                "NVRTC could not compile kernels/{name} for {arch} ({nvrtc:?}, options {options:?}):\n{}",
                log.to_string_lossy()
            ))),
            Err(e) => Err(Error::Internal(format!(
                "NVRTC could not compile kernels/{name} for {arch}: {e:?}"
            ))),
        }
    })
}
