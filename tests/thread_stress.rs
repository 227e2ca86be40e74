//! Threads and the C ABI: 8 threads each drive their own core through 1,000
//! mixed operations with noisy parameters and get bit-identical results to
//! the same sequences run on one thread; calls that only read (a core's
//! read-back and shape, a parameter set's text) run concurrently on one
//! handle. That a call changing a core while another call uses it fails
//! with `XBAR_ERR_INVALID_ARGUMENT` instead of racing is tested inside the
//! crate (`src/ffi/hook_tests.rs`, with a pause hook of its test build).

use std::ffi::{c_char, CStr};
use std::ptr;
use std::thread;

use xbar::ffi::xbar_status::*;
use xbar::ffi::*;

const ROWS: usize = 12;
const COLS: usize = 8;
const THREADS: usize = 8;
const OPS: usize = 1000;

fn last_error() -> String {
    unsafe { CStr::from_ptr(xbar_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// Programming error and 1/f read noise (PCMLike, also drifting with
/// `set_time`), Gaussian read noise on every MVM and VMM, and noisy analytic
/// updates: every operation draws from the core's random streams.
fn noisy_params() -> *mut xbar_params {
    let settings: [(&CStr, &CStr); 8] = [
        (c"xbar.device.drift_error.enable", c"true"),
        (c"xbar.device.drift_error.model", c"\"PCMLike\""),
        (c"xbar.device.read_noise.enable", c"true"),
        (c"xbar.device.read_noise.model", c"\"NormalIndependentDevice\""),
        (c"xbar.device.read_noise.magnitude", c"0.01"),
        (c"xbar.device.update.model", c"\"Analytic\""),
        (c"xbar.device.update.write_noise", c"0.05"),
        (c"xbar.device.update.alpha", c"1.0"),
    ];
    let mut p = ptr::null_mut();
    unsafe {
        assert_eq!(xbar_params_new(&mut p), XBAR_OK);
        for (path, value) in settings {
            assert_eq!(
                xbar_params_set(p, path.as_ptr(), value.as_ptr()),
                XBAR_OK,
                "{}",
                last_error()
            );
        }
    }
    p
}

/// A small deterministic generator for the operation sequences (splitmix64).
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    fn value(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
    fn values(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.value()).collect()
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What one core's run produced: every status and every output value, as bits.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    statuses: Vec<xbar_status>,
    bits: Vec<u64>,
}

/// Drives a fresh core (seed `id`) through `OPS` operations drawn from the
/// sequence `id`: program, mvm, vmm, update, set_time and read, with random
/// data and batch sizes.
fn run(id: u64) -> Record {
    let p = noisy_params();
    let mut c = ptr::null_mut();
    let mut seq = Sequence(id);
    let mut record = Record {
        statuses: Vec::with_capacity(OPS),
        bits: Vec::new(),
    };
    unsafe {
        assert_eq!(xbar_core_new(p, ROWS, COLS, id, &mut c), XBAR_OK, "{}", last_error());
        xbar_params_free(p);
        let w = seq.values(ROWS * COLS);
        assert_eq!(
            xbar_core_program(c, w.as_ptr(), ROWS, COLS, 0),
            XBAR_OK,
            "{}",
            last_error()
        );
        for _ in 0..OPS {
            let batch = 1 + seq.below(4) as usize;
            let (status, out) = match seq.below(6) {
                0 => {
                    let w = seq.values(ROWS * COLS);
                    let layout = seq.below(2) as u32;
                    (xbar_core_program(c, w.as_ptr(), ROWS, COLS, layout), vec![])
                }
                1 => {
                    let x = seq.values(batch * COLS);
                    let mut y = vec![0.0; batch * ROWS];
                    (xbar_core_mvm(c, x.as_ptr(), batch, COLS, y.as_mut_ptr(), ROWS), y)
                }
                2 => {
                    let v = seq.values(batch * ROWS);
                    let mut y = vec![0.0; batch * COLS];
                    (xbar_core_vmm(c, v.as_ptr(), batch, ROWS, y.as_mut_ptr(), COLS), y)
                }
                3 => {
                    let x = seq.values(batch * COLS);
                    let d = seq.values(batch * ROWS);
                    (xbar_core_update(c, x.as_ptr(), d.as_ptr(), batch, 0.05), vec![])
                }
                4 => (xbar_core_set_time(c, 1e4 * (seq.value() + 1.0)), vec![]),
                _ => {
                    let mut w = vec![0.0; ROWS * COLS];
                    (xbar_core_read(c, w.as_mut_ptr(), ROWS, COLS, 0), w)
                }
            };
            record.statuses.push(status);
            record.bits.extend(out.iter().map(|v| v.to_bits()));
        }
        xbar_core_free(c);
    }
    record
}

#[test]
fn eight_threads_with_their_own_cores_match_one_thread_bit_for_bit() {
    let alone: Vec<Record> = (0..THREADS as u64).map(run).collect();
    let together: Vec<Record> = (0..THREADS as u64)
        .map(|id| thread::spawn(move || run(id)))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    for (id, (a, b)) in alone.iter().zip(&together).enumerate() {
        assert_eq!(a.statuses.len(), OPS);
        // Every operation of the sequence is valid: the comparison is of real results.
        assert!(a.statuses.iter().all(|&s| s == XBAR_OK), "core {id}: {:?}", a.statuses);
        assert!(a.bits.len() > OPS * ROWS, "core {id}: {} values", a.bits.len());
        assert!(
            a == b,
            "core {id}: the threaded run differs from the single-threaded one"
        );
    }
    // The sequences differ from each other (the seeds matter).
    assert_ne!(alone[0].bits, alone[1].bits);
}

#[test]
fn reads_of_one_core_and_one_parameter_set_run_concurrently() {
    let p = noisy_params();
    let mut c = ptr::null_mut();
    let w = Sequence(99).values(ROWS * COLS);
    let mut reference = vec![0.0; ROWS * COLS];
    unsafe {
        assert_eq!(xbar_core_new(p, ROWS, COLS, 5, &mut c), XBAR_OK);
        assert_eq!(xbar_core_program(c, w.as_ptr(), ROWS, COLS, 0), XBAR_OK);
        assert_eq!(xbar_core_read(c, reference.as_mut_ptr(), ROWS, COLS, 0), XBAR_OK);
    }
    let json_of = |p: usize| {
        let p = p as *const xbar_params;
        let mut len = 0;
        unsafe {
            assert_eq!(
                xbar_params_to_json(p, ptr::null_mut(), 0, &mut len),
                XBAR_ERR_BUFFER_TOO_SMALL
            );
            let mut buf = vec![0 as c_char; len];
            assert_eq!(xbar_params_to_json(p, buf.as_mut_ptr(), len, &mut len), XBAR_OK);
            let mut bits = [0 as c_char; 16];
            assert_eq!(
                xbar_params_get(p, c"xbar.adc.mvm.bits".as_ptr(), bits.as_mut_ptr(), 16, &mut len),
                XBAR_OK
            );
            (
                CStr::from_ptr(buf.as_ptr()).to_owned(),
                CStr::from_ptr(bits.as_ptr()).to_owned(),
            )
        }
    };
    let reference_json = json_of(p as usize);
    let (core, params) = (c as usize, p as usize);
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let reference = reference.clone();
            let reference_json = reference_json.clone();
            thread::spawn(move || {
                let c = core as *mut xbar_core;
                for _ in 0..200 {
                    let mut w = vec![0.0; ROWS * COLS];
                    unsafe {
                        assert_eq!(
                            xbar_core_read(c, w.as_mut_ptr(), ROWS, COLS, 0),
                            XBAR_OK,
                            "{}",
                            last_error()
                        );
                        assert_eq!((xbar_core_rows(c), xbar_core_cols(c)), (ROWS, COLS));
                    }
                    assert_eq!(w, reference);
                    assert_eq!(json_of(params), reference_json);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    unsafe {
        xbar_core_free(c);
        xbar_params_free(p);
    }
}
