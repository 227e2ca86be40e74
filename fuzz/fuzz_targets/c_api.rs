//! Random sequences of C-API calls with random shapes, layouts and values
//! (NaN and infinities included), decoded from the fuzz input with
//! `arbitrary`. Buffers always hold as many values as the sizes passed
//! claim, so any crash is the library's. Every call must return: a failure
//! leaves a non-empty last-error message and NULL handle outputs; a core
//! serialized and deserialized serializes to the same bytes.
#![no_main]
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use std::ffi::{CStr, CString};
use std::ptr;
use xbar::ffi::*;

/// Parameter paths the sequences set (most of the model switches).
const PATHS: [&str; 24] = [
    "core.style",
    "core.complex_matrix",
    "core.weight_bits",
    "core.bit_sliced.num_slices",
    "core.rows_max",
    "core.cols_max",
    "core.offset.style",
    "core.balanced.style",
    "core.mapping.weights.percentile",
    "core.mapping.inputs.mvm.percentile",
    "xbar.device.programming_error",
    "xbar.device.read_noise",
    "xbar.device.drift_error",
    "xbar.device.drift_compensation",
    "xbar.device.cell_bits",
    "xbar.device.update",
    "xbar.device.update.batch_mode",
    "xbar.adc.mvm",
    "xbar.adc.vmm.bits",
    "xbar.dac.mvm",
    "xbar.array.Icol_max",
    "xbar.array.parasitics",
    "simulation.parasitic_solver",
    "core.output_dtype",
];

/// JSON values the sequences set (or `Value::Text` for anything).
const VALUES: [&str; 26] = [
    "true",
    "false",
    "0",
    "1",
    "2",
    "8",
    "0.05",
    "-1",
    "1e308",
    "null",
    "[]",
    "\"BALANCED\"",
    "\"OFFSET\"",
    "\"BITSLICED\"",
    "\"ONE_SIDED\"",
    "\"UNIT_COLUMN_SUBTRACTION\"",
    "\"accumulate\"",
    "\"crosssim\"",
    "{\"enable\": true, \"model\": \"NormalIndependentDevice\", \"magnitude\": 0.05}",
    "{\"enable\": true, \"model\": \"PCMLike\"}",
    "{\"enable\": true, \"model\": \"SONOS\"}",
    "{\"model\": \"Analytic\", \"alpha\": 2.0, \"write_noise\": 0.1}",
    "{\"model\": \"QuantizerADC\", \"bits\": 6, \"calibrated_range\": [-4, 4]}",
    "{\"model\": \"SarADC\", \"bits\": 5, \"sigma_capacitor\": 0.02, \"calibrated_range\": [-4, 4]}",
    "{\"bits\": 4, \"input_bitslicing\": true}",
    "{\"enable\": true, \"Rp_row\": 0.01, \"Rp_col\": 0.01}",
];

#[derive(Arbitrary, Debug)]
enum Value {
    Known(u8),
    Text(String),
}

/// A size: usually the core's own, sometimes off by a little.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Size {
    Right,
    Off(i8),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Precision {
    F64,
    F32,
    Complex,
}

#[derive(Arbitrary, Debug)]
enum Call {
    ParamsNew,
    ParamsPreset(u8),
    ParamsFromJson(String),
    ParamsSet {
        path: u8,
        value: Value,
    },
    ParamsSetText {
        path: String,
        value: String,
    },
    ParamsToJson {
        cap: u16,
    },
    CoreNew {
        core: u8,
        rows: u8,
        cols: u8,
        seed: u64,
    },
    CoreFree(u8),
    Program {
        core: u8,
        precision: Precision,
        rows: Size,
        cols: Size,
        layout: u32,
        values: Vec<f64>,
    },
    Read {
        core: u8,
        precision: Precision,
        rows: Size,
        cols: Size,
        layout: u32,
    },
    Mvm {
        core: u8,
        precision: Precision,
        batch: u8,
        n: Size,
        m: Size,
        values: Vec<f64>,
    },
    Vmm {
        core: u8,
        precision: Precision,
        batch: u8,
        n: Size,
        m: Size,
        values: Vec<f64>,
    },
    Update {
        core: u8,
        precision: Precision,
        batch: u8,
        lr: f64,
        values: Vec<f64>,
    },
    SetTime {
        core: u8,
        seconds: f64,
    },
    Resave {
        core: u8,
    },
    Deserialize {
        core: u8,
        bytes: Vec<u8>,
    },
}

const CORES: usize = 3;

struct State {
    params: *mut xbar_params,
    cores: [*mut xbar_core; CORES],
}

fn size(s: Size, right: usize) -> usize {
    match s {
        Size::Right => right,
        Size::Off(d) => right.saturating_add_signed(d as isize).min(64),
    }
}

/// `n` values cycled from the fuzz input (0.5 when it gave none).
fn fill(values: &[f64], n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            if values.is_empty() {
                0.5
            } else {
                values[i % values.len()]
            }
        })
        .collect()
}

/// A failed call left a message.
fn check(status: xbar_status) {
    if status != xbar_status::XBAR_OK {
        let msg = unsafe { CStr::from_ptr(xbar_last_error_message()) };
        assert!(!msg.to_bytes().is_empty(), "a failure without a message ({status:?})");
    }
}

/// A handle-creating call: the handle is NULL exactly when it failed.
fn created<T>(status: xbar_status, out: *mut T) {
    check(status);
    assert_eq!(
        status == xbar_status::XBAR_OK,
        !out.is_null(),
        "{status:?} with handle {out:?}"
    );
}

fn serialize(c: *const xbar_core) -> Option<Vec<u8>> {
    let mut len = 0usize;
    let s = unsafe { xbar_core_serialize(c, ptr::null_mut(), 0, &mut len) };
    check(s);
    if s != xbar_status::XBAR_ERR_BUFFER_TOO_SMALL {
        return None;
    }
    let mut buf = vec![0u8; len];
    let s = unsafe { xbar_core_serialize(c, buf.as_mut_ptr(), len, &mut len) };
    assert_eq!(s, xbar_status::XBAR_OK, "serialize with the size it asked for");
    Some(buf)
}

impl State {
    fn core(&self, k: u8) -> *mut xbar_core {
        self.cores[k as usize % CORES]
    }

    fn replace_core(&mut self, k: u8, c: *mut xbar_core) {
        let slot = &mut self.cores[k as usize % CORES];
        unsafe { xbar_core_free(*slot) };
        *slot = c;
    }

    fn replace_params(&mut self, status: xbar_status, p: *mut xbar_params) {
        created(status, p);
        if !p.is_null() {
            unsafe { xbar_params_free(self.params) };
            self.params = p;
        }
    }

    /// Rows and columns of core `c` (0 for NULL).
    fn shape(c: *mut xbar_core) -> (usize, usize) {
        unsafe { (xbar_core_rows(c), xbar_core_cols(c)) }
    }

    fn run(&mut self, call: Call) {
        unsafe {
            match call {
                Call::ParamsNew => {
                    let mut p = ptr::null_mut();
                    self.replace_params(xbar_params_new(&mut p), p);
                }
                Call::ParamsPreset(k) => {
                    let names = ["default", "ISAAC", "ISAAC-SarADC", "PRIME", "SONOS-TCAS", "none"];
                    let name = CString::new(names[k as usize % names.len()]).unwrap();
                    let mut p = ptr::null_mut();
                    self.replace_params(xbar_params_preset(name.as_ptr(), &mut p), p);
                }
                Call::ParamsFromJson(text) => {
                    let Ok(text) = CString::new(text) else { return };
                    let mut p = ptr::null_mut();
                    self.replace_params(xbar_params_from_json(text.as_ptr(), &mut p), p);
                }
                Call::ParamsSet { path, value } => {
                    let path = CString::new(PATHS[path as usize % PATHS.len()]).unwrap();
                    let value = match value {
                        Value::Known(k) => VALUES[k as usize % VALUES.len()].to_string(),
                        Value::Text(t) => t,
                    };
                    let Ok(value) = CString::new(value) else { return };
                    check(xbar_params_set(self.params, path.as_ptr(), value.as_ptr()));
                }
                Call::ParamsSetText { path, value } => {
                    let (Ok(path), Ok(value)) = (CString::new(path), CString::new(value)) else {
                        return;
                    };
                    check(xbar_params_set(self.params, path.as_ptr(), value.as_ptr()));
                }
                Call::ParamsToJson { cap } => {
                    let mut buf = vec![0u8; cap as usize];
                    let mut len = 0;
                    check(xbar_params_to_json(
                        self.params,
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        &mut len,
                    ));
                }
                Call::CoreNew { core, rows, cols, seed } => {
                    let mut c = ptr::null_mut();
                    let s = xbar_core_new(self.params, (rows % 24) as usize, (cols % 24) as usize, seed, &mut c);
                    created(s, c);
                    self.replace_core(core, c);
                }
                Call::CoreFree(core) => self.replace_core(core, ptr::null_mut()),
                Call::Program {
                    core,
                    precision,
                    rows,
                    cols,
                    layout,
                    values,
                } => {
                    let c = self.core(core);
                    let (m, n) = Self::shape(c);
                    let (r, k) = (size(rows, m), size(cols, n));
                    let layout = layout % 3;
                    match precision {
                        Precision::F64 => check(xbar_core_program(c, fill(&values, r * k).as_ptr(), r, k, layout)),
                        Precision::F32 => {
                            let w: Vec<f32> = fill(&values, r * k).iter().map(|&v| v as f32).collect();
                            check(xbar_core_program_f32(c, w.as_ptr(), r, k, layout))
                        }
                        Precision::Complex => check(xbar_core_program_complex(
                            c,
                            fill(&values, 2 * r * k).as_ptr(),
                            r,
                            k,
                            layout,
                        )),
                    }
                }
                Call::Read {
                    core,
                    precision,
                    rows,
                    cols,
                    layout,
                } => {
                    let c = self.core(core);
                    let (m, n) = Self::shape(c);
                    let (r, k) = (size(rows, m), size(cols, n));
                    let layout = layout % 3;
                    match precision {
                        Precision::F64 => check(xbar_core_read(c, vec![0.0; r * k].as_mut_ptr(), r, k, layout)),
                        Precision::F32 => check(xbar_core_read_f32(c, vec![0.0; r * k].as_mut_ptr(), r, k, layout)),
                        Precision::Complex => check(xbar_core_read_complex(
                            c,
                            vec![0.0; 2 * r * k].as_mut_ptr(),
                            r,
                            k,
                            layout,
                        )),
                    }
                }
                Call::Mvm {
                    core,
                    precision,
                    batch,
                    n,
                    m,
                    values,
                } => {
                    let c = self.core(core);
                    let (rows, cols) = Self::shape(c);
                    let (b, n, m) = ((batch % 5) as usize, size(n, cols), size(m, rows));
                    product(c, precision, b, n, m, &values, true);
                }
                Call::Vmm {
                    core,
                    precision,
                    batch,
                    n,
                    m,
                    values,
                } => {
                    let c = self.core(core);
                    let (rows, cols) = Self::shape(c);
                    let (b, n, m) = ((batch % 5) as usize, size(n, rows), size(m, cols));
                    product(c, precision, b, n, m, &values, false);
                }
                Call::Update {
                    core,
                    precision,
                    batch,
                    lr,
                    values,
                } => {
                    let c = self.core(core);
                    let (rows, cols) = Self::shape(c);
                    let b = (batch % 5) as usize;
                    let (x, d) = (fill(&values, b * cols), fill(&values[values.len() / 2..], b * rows));
                    match precision {
                        Precision::F32 => {
                            let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                            let d: Vec<f32> = d.iter().map(|&v| v as f32).collect();
                            check(xbar_core_update_f32(c, x.as_ptr(), d.as_ptr(), b, lr as f32))
                        }
                        _ => check(xbar_core_update(c, x.as_ptr(), d.as_ptr(), b, lr)),
                    }
                }
                Call::SetTime { core, seconds } => check(xbar_core_set_time(self.core(core), seconds)),
                Call::Resave { core } => {
                    let c = self.core(core);
                    let Some(bytes) = serialize(c) else { return };
                    let mut d = ptr::null_mut();
                    let s = xbar_core_deserialize(bytes.as_ptr(), bytes.len(), &mut d);
                    created(s, d);
                    assert_eq!(s, xbar_status::XBAR_OK, "a serialized core deserializes");
                    assert_eq!(serialize(d).as_ref(), Some(&bytes), "and serializes to the same bytes");
                    self.replace_core(core.wrapping_add(1), d);
                }
                Call::Deserialize { core, bytes } => {
                    let mut d = ptr::null_mut();
                    created(xbar_core_deserialize(bytes.as_ptr(), bytes.len(), &mut d), d);
                    self.replace_core(core, d);
                }
            }
        }
    }
}

/// An MVM (`mvm`) or VMM with `b` vectors of `n` inputs and `m` outputs.
unsafe fn product(c: *mut xbar_core, p: Precision, b: usize, n: usize, m: usize, values: &[f64], mvm: bool) {
    let k = if matches!(p, Precision::Complex) { 2 } else { 1 };
    let x = fill(values, k * b * n);
    let mut y = vec![0.0f64; k * b * m];
    unsafe {
        match (p, mvm) {
            (Precision::F64, true) => check(xbar_core_mvm(c, x.as_ptr(), b, n, y.as_mut_ptr(), m)),
            (Precision::F64, false) => check(xbar_core_vmm(c, x.as_ptr(), b, n, y.as_mut_ptr(), m)),
            (Precision::Complex, true) => check(xbar_core_mvm_complex(c, x.as_ptr(), b, n, y.as_mut_ptr(), m)),
            (Precision::Complex, false) => check(xbar_core_vmm_complex(c, x.as_ptr(), b, n, y.as_mut_ptr(), m)),
            (Precision::F32, _) => {
                let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let mut y = vec![0.0f32; b * m];
                let f = if mvm { xbar_core_mvm_f32 } else { xbar_core_vmm_f32 };
                check(f(c, x.as_ptr(), b, n, y.as_mut_ptr(), m))
            }
        }
    }
}

fuzz_target!(|calls: Vec<Call>| {
    let mut state = State {
        params: ptr::null_mut(),
        cores: [ptr::null_mut(); CORES],
    };
    unsafe { check(xbar_params_new(&mut state.params)) };
    for call in calls.into_iter().take(64) {
        state.run(call);
    }
    unsafe {
        for c in state.cores {
            xbar_core_free(c);
        }
        xbar_params_free(state.params);
    }
});
