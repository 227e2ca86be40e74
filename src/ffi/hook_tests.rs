//! The panic boundary, core poisoning and the in-use rule of the C ABI,
//! driven by the fault-injection hooks of [`super::test_hooks`], which exist
//! only in this crate's test build (never in the library users link).

use super::test_hooks::{panic_in_next_core_mutation, pause_in_next_core_mutation};
use super::xbar_status::*;
use super::*;
use std::ffi::{CStr, CString};
use std::ptr;
use std::sync::mpsc::channel;
use std::thread;

fn last_error() -> String {
    unsafe { CStr::from_ptr(xbar_last_error_message()) }
        .to_str()
        .unwrap()
        .to_owned()
}

fn new_core(rows: usize, cols: usize) -> *mut xbar_core {
    let mut p = ptr::null_mut();
    let mut c = ptr::null_mut();
    unsafe {
        assert_eq!(xbar_params_new(&mut p), XBAR_OK);
        assert_eq!(xbar_core_new(p, rows, cols, 1, &mut c), XBAR_OK);
        xbar_params_free(p);
    }
    assert!(!c.is_null());
    c
}

#[test]
fn a_panic_inside_a_mutating_call_poisons_the_core() {
    let c = new_core(3, 2);
    let w = [0.5, -0.25, 1.0, 0.75, 0.0, -1.0];
    let x = [1.0, 2.0];
    let mut y = [7.0; 3];
    unsafe {
        panic_in_next_core_mutation();
        assert_eq!(xbar_core_program(c, w.as_ptr(), 3, 2, 0), XBAR_ERR_INTERNAL);
        let msg = last_error();
        assert!(msg.starts_with("xbar_core_program: "), "{msg}");
        assert!(msg.contains("panic") && msg.contains("injected test panic"), "{msg}");

        // Every later call on the core fails with the poisoned message ...
        assert_eq!(xbar_core_mvm(c, x.as_ptr(), 1, 2, y.as_mut_ptr(), 3), XBAR_ERR_INTERNAL);
        assert!(last_error().contains("core is poisoned by an earlier internal error; free it"));
        assert_eq!(y, [7.0; 3], "outputs untouched");
        assert_eq!(xbar_core_program(c, w.as_ptr(), 3, 2, 0), XBAR_ERR_INTERNAL);
        assert_eq!(xbar_core_read(c, y.as_mut_ptr(), 3, 1, 0), XBAR_ERR_INTERNAL);
        assert!(last_error().contains("poisoned"));
        assert_eq!(xbar_core_set_time(c, 1.0), XBAR_ERR_INTERNAL);
        assert!(last_error().starts_with("xbar_core_set_time: core is poisoned"));
        // ... while a NULL argument is still reported as such, and free works.
        assert_eq!(
            xbar_core_mvm(ptr::null_mut(), x.as_ptr(), 1, 2, y.as_mut_ptr(), 3),
            XBAR_ERR_NULL_ARGUMENT
        );
        xbar_core_free(c);
    }
}

#[test]
fn the_hook_only_fires_once_and_only_on_this_thread() {
    panic_in_next_core_mutation();
    let other = std::thread::spawn(|| {
        let c = new_core(1, 1);
        let status = unsafe { xbar_core_set_time(c, 1.0) };
        unsafe { xbar_core_free(c) };
        status
    });
    assert_eq!(other.join().unwrap(), XBAR_ERR_NOT_PROGRAMMED);
    let c = new_core(1, 1);
    unsafe {
        assert_eq!(xbar_core_set_time(c, 1.0), XBAR_ERR_INTERNAL);
        xbar_core_free(c);
    }
    let c = new_core(1, 1);
    unsafe {
        assert_eq!(xbar_core_set_time(c, 1.0), XBAR_ERR_NOT_PROGRAMMED);
        xbar_core_free(c);
    }
}

/// Output buffers of the poisoning table, filled with a sentinel.
struct Out {
    d: [f64; 16],
    f: [f32; 16],
}

impl Out {
    fn new() -> Self {
        Out {
            d: [7.0; 16],
            f: [7.0; 16],
        }
    }
    fn untouched(&self) -> bool {
        self.d.iter().all(|&v| v == 7.0) && self.f.iter().all(|&v| v == 7.0)
    }
}

/// A call of one entry point on a core, writing into `Out`.
type CoreCall = Box<dyn Fn(*mut xbar_core, &mut Out) -> xbar_status>;

/// One entry point of the poisoning table: its name, whether it needs a
/// complex core, whether it changes the core, and a call with valid
/// arguments on a programmed 2 x 2 core.
struct Entry {
    name: &'static str,
    complex: bool,
    mutating: bool,
    call: CoreCall,
}

fn entry(
    name: &'static str,
    complex: bool,
    mutating: bool,
    call: impl Fn(*mut xbar_core, &mut Out) -> xbar_status + 'static,
) -> Entry {
    Entry {
        name,
        complex,
        mutating,
        call: Box::new(call),
    }
}

/// Every entry point that takes a core, with valid arguments; `lut` is a
/// loaded table set for `xbar_core_set_lut`.
fn core_entry_points(lut: *const xbar_lut) -> Vec<Entry> {
    let lut = lut as usize; // the closures are 'static
    const W: [f64; 8] = [0.5, -0.25, 1.0, 0.75, 0.0, -1.0, 0.25, 0.5];
    const WF: [f32; 4] = [0.5, -0.25, 1.0, 0.75];
    unsafe {
        vec![
            entry("xbar_core_program", false, true, |c, _| {
                xbar_core_program(c, W.as_ptr(), 2, 2, 0)
            }),
            entry("xbar_core_program_f32", false, true, |c, _| {
                xbar_core_program_f32(c, WF.as_ptr(), 2, 2, 1)
            }),
            entry("xbar_core_program_complex", true, true, |c, _| {
                xbar_core_program_complex(c, W.as_ptr(), 2, 2, 0)
            }),
            entry("xbar_core_mvm", false, true, |c, o| {
                xbar_core_mvm(c, W.as_ptr(), 1, 2, o.d.as_mut_ptr(), 2)
            }),
            entry("xbar_core_mvm_f32", false, true, |c, o| {
                xbar_core_mvm_f32(c, WF.as_ptr(), 2, 2, o.f.as_mut_ptr(), 2)
            }),
            entry("xbar_core_mvm_complex", true, true, |c, o| {
                xbar_core_mvm_complex(c, W.as_ptr(), 1, 2, o.d.as_mut_ptr(), 2)
            }),
            entry("xbar_core_vmm", false, true, |c, o| {
                xbar_core_vmm(c, W.as_ptr(), 3, 2, o.d.as_mut_ptr(), 2)
            }),
            entry("xbar_core_vmm_f32", false, true, |c, o| {
                xbar_core_vmm_f32(c, WF.as_ptr(), 1, 2, o.f.as_mut_ptr(), 2)
            }),
            entry("xbar_core_vmm_complex", true, true, |c, o| {
                xbar_core_vmm_complex(c, W.as_ptr(), 2, 2, o.d.as_mut_ptr(), 2)
            }),
            entry("xbar_core_update", false, true, |c, _| {
                xbar_core_update(c, W.as_ptr(), W.as_ptr(), 2, 0.01)
            }),
            entry("xbar_core_update_f32", false, true, |c, _| {
                xbar_core_update_f32(c, WF.as_ptr(), WF.as_ptr(), 2, 0.01)
            }),
            entry("xbar_core_set_time", false, true, |c, _| xbar_core_set_time(c, 10.0)),
            entry("xbar_core_set_lut", false, true, move |c, _| {
                xbar_core_set_lut(c, lut as *const xbar_lut)
            }),
            entry("xbar_core_read", false, false, |c, o| {
                xbar_core_read(c, o.d.as_mut_ptr(), 2, 2, 0)
            }),
            entry("xbar_core_read_f32", false, false, |c, o| {
                xbar_core_read_f32(c, o.f.as_mut_ptr(), 2, 2, 1)
            }),
            entry("xbar_core_read_complex", true, false, |c, o| {
                xbar_core_read_complex(c, o.d.as_mut_ptr(), 2, 2, 0)
            }),
        ]
    }
}

/// A programmed 2 x 2 core, complex (`core.complex_matrix`) when asked.
fn programmed_core(complex: bool) -> *mut xbar_core {
    let mut p = ptr::null_mut();
    let mut c = ptr::null_mut();
    let w = [0.5, -0.25, 1.0, 0.75, 0.0, -1.0, 0.25, 0.5];
    unsafe {
        assert_eq!(xbar_params_new(&mut p), XBAR_OK);
        if complex {
            assert_eq!(
                xbar_params_set(p, c"core.complex_matrix".as_ptr(), c"true".as_ptr()),
                XBAR_OK
            );
        }
        assert_eq!(xbar_core_new(p, 2, 2, 1, &mut c), XBAR_OK);
        xbar_params_free(p);
        let status = if complex {
            xbar_core_program_complex(c, w.as_ptr(), 2, 2, 0)
        } else {
            xbar_core_program(c, w.as_ptr(), 2, 2, 0)
        };
        assert_eq!(status, XBAR_OK, "{}", last_error());
    }
    c
}

/// A lookup-table set loaded from two small valid tables.
fn small_lut() -> *mut xbar_lut {
    let dir = std::env::temp_dir().join(format!("xbar_ffi_lut_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let grids = "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n";
    std::fs::write(
        dir.join("dG_increasing.txt"),
        format!("{grids}1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("dG_decreasing.txt"),
        format!("{grids}-3e-7, -3e-7, -3e-7\n-2e-7, -2e-7, -2e-7\n-1e-7, -1e-7, -1e-7\n"),
    )
    .unwrap();
    let path = CString::new(dir.to_str().unwrap()).unwrap();
    let mut lut = ptr::null_mut();
    assert_eq!(
        unsafe { xbar_lut_load(path.as_ptr(), &mut lut) },
        XBAR_OK,
        "{}",
        last_error()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    lut
}

#[test]
fn a_panic_in_any_mutating_call_poisons_the_core_for_every_later_call_but_free() {
    let lut = small_lut();
    let entries = core_entry_points(lut);
    // Every entry point works on a fresh core of its kind.
    for e in &entries {
        let c = programmed_core(e.complex);
        assert_eq!((e.call)(c, &mut Out::new()), XBAR_OK, "{}: {}", e.name, last_error());
        unsafe { xbar_core_free(c) };
    }
    let mut poisonings = 0;
    for panicking in entries.iter().filter(|e| e.mutating) {
        let c = programmed_core(panicking.complex);
        panic_in_next_core_mutation();
        assert_eq!(
            (panicking.call)(c, &mut Out::new()),
            XBAR_ERR_INTERNAL,
            "{}",
            panicking.name
        );
        let expected = format!(
            "{}: internal error (Rust panic): injected test panic (xbar::ffi::test_hooks); please report this as a bug",
            panicking.name
        );
        assert_eq!(last_error(), expected);
        // Every later call on the core, reads included, fails and writes nothing.
        for later in entries.iter().filter(|e| e.complex == panicking.complex) {
            let mut out = Out::new();
            assert_eq!(
                (later.call)(c, &mut out),
                XBAR_ERR_INTERNAL,
                "{} after {}",
                later.name,
                panicking.name
            );
            assert_eq!(
                last_error(),
                format!("{}: core is poisoned by an earlier internal error; free it", later.name)
            );
            assert!(
                out.untouched(),
                "{} after {} wrote its output",
                later.name,
                panicking.name
            );
            poisonings += 1;
        }
        // The handle itself stays valid: its shape, and free.
        unsafe {
            assert_eq!((xbar_core_rows(c), xbar_core_cols(c)), (2, 2));
            xbar_core_free(c);
        }
    }
    // 13 mutating entry points: 10 real ones followed by 12 real calls each, 3 complex ones by 4.
    assert_eq!(poisonings, 10 * 12 + 3 * 4);
    unsafe { xbar_lut_free(lut) };
}

const ROWS: usize = 12;
const COLS: usize = 8;

/// Default parameters with read noise (so that the twin cores below also
/// check that a refused call drew no random numbers).
fn params() -> *mut xbar_params {
    let mut p = ptr::null_mut();
    unsafe {
        assert_eq!(xbar_params_new(&mut p), XBAR_OK);
        for (path, value) in [
            (c"xbar.device.read_noise.enable", c"true"),
            (c"xbar.device.read_noise.model", c"\"NormalIndependentDevice\""),
            (c"xbar.device.read_noise.magnitude", c"0.01"),
        ] {
            assert_eq!(xbar_params_set(p, path.as_ptr(), value.as_ptr()), XBAR_OK);
        }
    }
    p
}

/// A core handle that may be sent to another thread (the tests below share
/// one core between threads on purpose).
#[derive(Clone, Copy)]
struct Shared(*mut xbar_core);
unsafe impl Send for Shared {}

#[test]
fn a_call_on_a_core_that_another_call_is_changing_fails_instead_of_racing() {
    let p = params();
    let w: Vec<f64> = (0..ROWS * COLS).map(|k| ((k * 7 % 11) as f64 - 5.0) / 5.0).collect();
    let x: Vec<f64> = (0..COLS).map(|k| ((k * 3 % 5) as f64 - 2.0) / 2.0).collect();
    let (mut c, mut twin, mut other) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    unsafe {
        for core in [&mut c, &mut twin, &mut other] {
            assert_eq!(xbar_core_new(p, ROWS, COLS, 3, core), XBAR_OK);
            assert_eq!(xbar_core_program(*core, w.as_ptr(), ROWS, COLS, 0), XBAR_OK);
        }
    }
    // A thread starts an MVM on `c` and stops inside it, holding the core.
    let (tx, rx) = channel();
    let shared = Shared(c);
    let x_worker = x.clone();
    let worker = thread::spawn(move || {
        let shared = shared;
        tx.send(pause_in_next_core_mutation()).unwrap();
        let mut y = vec![0.0; ROWS];
        let status = unsafe { xbar_core_mvm(shared.0, x_worker.as_ptr(), 1, COLS, y.as_mut_ptr(), ROWS) };
        (status, y)
    });
    let pause = rx.recv().unwrap();
    pause.wait_until_inside();

    // Meanwhile every other call on `c` fails with the rule in its message
    // and writes nothing; another core is unaffected.
    let mut y = vec![7.0; ROWS];
    let mut wr = vec![7.0; ROWS * COLS];
    type Call<'a> = Box<dyn Fn(&mut [f64], &mut [f64]) -> xbar_status + 'a>;
    let calls: [(&str, Call); 6] = unsafe {
        [
            (
                "xbar_core_mvm",
                Box::new(|y, _| xbar_core_mvm(c, x.as_ptr(), 1, COLS, y.as_mut_ptr(), ROWS)),
            ),
            (
                "xbar_core_vmm",
                Box::new(|_, w| xbar_core_vmm(c, x.as_ptr(), 1, ROWS, w.as_mut_ptr(), COLS)),
            ),
            (
                "xbar_core_program",
                Box::new(|_, _| xbar_core_program(c, w.as_ptr(), ROWS, COLS, 0)),
            ),
            (
                "xbar_core_update",
                Box::new(|_, _| xbar_core_update(c, x.as_ptr(), w.as_ptr(), 1, 0.1)),
            ),
            ("xbar_core_set_time", Box::new(|_, _| xbar_core_set_time(c, 100.0))),
            (
                "xbar_core_read",
                Box::new(|_, w| xbar_core_read(c, w.as_mut_ptr(), ROWS, COLS, 0)),
            ),
        ]
    };
    for (name, call) in &calls {
        assert_eq!(call(&mut y, &mut wr), XBAR_ERR_INVALID_ARGUMENT, "{name}");
        let message = last_error();
        assert!(
            message.starts_with(&format!("{name}: the core is in use by a call on another thread")),
            "{message}"
        );
        assert!(message.contains("serialise the calls on one core"), "{message}");
    }
    assert!(
        y.iter().all(|&v| v == 7.0) && wr.iter().all(|&v| v == 7.0),
        "a refused call wrote its output"
    );
    unsafe {
        assert_eq!(
            (xbar_core_rows(c), xbar_core_cols(c)),
            (ROWS, COLS),
            "the shape stays readable"
        );
        assert_eq!(xbar_core_mvm(other, x.as_ptr(), 1, COLS, y.as_mut_ptr(), ROWS), XBAR_OK);
    }

    // The paused MVM completes normally; the refused calls changed nothing:
    // `c` goes on exactly as its twin, which only ran the one MVM.
    pause.resume();
    let (status, y_worker) = worker.join().unwrap();
    assert_eq!(status, XBAR_OK);
    let mut y_twin = vec![0.0; ROWS];
    unsafe {
        assert_eq!(
            xbar_core_mvm(twin, x.as_ptr(), 1, COLS, y_twin.as_mut_ptr(), ROWS),
            XBAR_OK
        );
        assert_eq!(y_worker, y_twin);
        let (mut a, mut b) = (vec![0.0; ROWS], vec![0.0; ROWS]);
        assert_eq!(xbar_core_mvm(c, x.as_ptr(), 1, COLS, a.as_mut_ptr(), ROWS), XBAR_OK);
        assert_eq!(xbar_core_mvm(twin, x.as_ptr(), 1, COLS, b.as_mut_ptr(), ROWS), XBAR_OK);
        assert_eq!(a, b);
        for core in [c, twin, other] {
            xbar_core_free(core);
        }
        xbar_params_free(p);
    }
}
