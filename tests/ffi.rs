//! Rust-side tests of the C ABI (`xbar::ffi`): the panic boundary and core
//! poisoning (through the Rust-only test hook, which has no C symbol), the
//! thread-local last error and out-parameter rules. The C-side contract is
//! exercised end to end by tests/c/test_api.c.

use std::ffi::{CStr, CString};
use std::ptr;

use xbar::ffi::xbar_status::*;
use xbar::ffi::*;

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
        xbar::ffi::test_hooks::panic_in_next_core_mutation();
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
fn a_failing_call_without_panic_does_not_poison() {
    let c = new_core(2, 2);
    let x = [1.0, f64::NAN];
    let mut y = [0.0; 2];
    unsafe {
        assert_eq!(
            xbar_core_mvm(c, x.as_ptr(), 1, 2, y.as_mut_ptr(), 2),
            XBAR_ERR_INVALID_ARGUMENT
        );
        assert_eq!(last_error(), "xbar_core_mvm: x[1] is NaN; inputs must be finite");
        // A refused update (core not programmed) is the Core's own error, not poisoning.
        assert_eq!(
            xbar_core_update(c, [1.0, 1.0].as_ptr(), [1.0, 1.0].as_ptr(), 1, 0.1),
            XBAR_ERR_NOT_PROGRAMMED
        );
        assert!(!last_error().contains("poisoned"), "{}", last_error());
        xbar_core_free(c);
    }
}

#[test]
fn the_hook_only_fires_once_and_only_on_this_thread() {
    xbar::ffi::test_hooks::panic_in_next_core_mutation();
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

#[test]
fn last_error_is_thread_local_and_kept_by_successful_calls() {
    std::thread::spawn(|| {
        assert_eq!(last_error(), "");
        let mut p = ptr::null_mut();
        unsafe {
            assert_eq!(xbar_params_from_json(ptr::null(), &mut p), XBAR_ERR_NULL_ARGUMENT);
            assert!(p.is_null());
            assert_eq!(last_error(), "xbar_params_from_json: argument `json` is NULL");
            std::thread::spawn(|| assert_eq!(last_error(), "")).join().unwrap();
            assert_eq!(xbar_params_new(&mut p), XBAR_OK);
            assert_eq!(last_error(), "xbar_params_from_json: argument `json` is NULL");
            xbar_params_free(p);
        }
    })
    .join()
    .unwrap();
}

#[test]
fn handle_out_params_are_null_after_failure() {
    let junk = 0x10 as *mut xbar_params;
    let mut p = junk;
    let bad = CString::new("no-such-preset").unwrap();
    unsafe {
        assert_ne!(xbar_params_preset(bad.as_ptr(), &mut p), XBAR_OK);
        assert!(p.is_null());
        let junk_core = 0x10 as *mut xbar_core;
        let mut c = junk_core;
        assert_eq!(xbar_core_new(ptr::null(), 1, 1, 0, &mut c), XBAR_ERR_NULL_ARGUMENT);
        assert!(c.is_null());
    }
}

#[test]
fn shape_errors_name_expected_and_given_sizes() {
    let c = new_core(3, 2);
    let x = [0.0; 64];
    let mut y = [9.0; 64];
    unsafe {
        assert_eq!(xbar_core_mvm(c, x.as_ptr(), 2, 4, y.as_mut_ptr(), 3), XBAR_ERR_SHAPE);
        assert_eq!(
            last_error(),
            "xbar_core_mvm: n is 4, expected 2 (the core's columns, the MVM input length)"
        );
        assert_eq!(xbar_core_vmm(c, x.as_ptr(), 2, 3, y.as_mut_ptr(), 5), XBAR_ERR_SHAPE);
        assert_eq!(
            last_error(),
            "xbar_core_vmm: n is 5, expected 2 (the core's columns, the VMM output length)"
        );
        assert_eq!(
            xbar_core_mvm(c, x.as_ptr(), usize::MAX, 2, y.as_mut_ptr(), 3),
            XBAR_ERR_SHAPE
        );
        assert!(
            last_error().contains("batch 18446744073709551615 x n 2"),
            "{}",
            last_error()
        );
        assert_eq!(xbar_core_program(c, x.as_ptr(), 3, 2, 2), XBAR_ERR_INVALID_ARGUMENT);
        assert_eq!(
            last_error(),
            "xbar_core_program: layout is 2; expected XBAR_ROW_MAJOR (0) or XBAR_COL_MAJOR (1)"
        );
        assert_eq!(
            xbar_core_mvm(c, x.as_ptr(), 1, 2, x.as_ptr().cast_mut(), 3),
            XBAR_ERR_INVALID_ARGUMENT
        );
        assert!(last_error().contains("overlap"));
        assert!(y.iter().all(|&v| v == 9.0));
        xbar_core_free(c);
    }
}

#[test]
fn text_outputs_query_the_size_then_fill() {
    let mut p = ptr::null_mut();
    unsafe {
        assert_eq!(xbar_params_new(&mut p), XBAR_OK);
        let mut len = 0usize;
        assert_eq!(
            xbar_params_to_json(p, ptr::null_mut(), 0, &mut len),
            XBAR_ERR_BUFFER_TOO_SMALL
        );
        assert!(len >= 1);
        let mut buf = vec![b'Z' as std::ffi::c_char; len];
        let mut len2 = 0usize;
        if len > 1 {
            assert_eq!(
                xbar_params_to_json(p, buf.as_mut_ptr(), len - 1, &mut len2),
                XBAR_ERR_BUFFER_TOO_SMALL
            );
            assert_eq!(len2, len);
            assert!(buf.iter().all(|&b| b == b'Z' as std::ffi::c_char));
        }
        assert_eq!(xbar_params_to_json(p, buf.as_mut_ptr(), len, &mut len2), XBAR_OK);
        assert_eq!(len2, len);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_bytes().len() + 1, len);
        assert_eq!(
            xbar_params_to_json(p, ptr::null_mut(), 5, &mut len2),
            XBAR_ERR_NULL_ARGUMENT
        );
        xbar_params_free(p);
    }
}

#[test]
fn status_codes_have_fixed_values_and_texts() {
    let codes = [
        XBAR_OK,
        XBAR_ERR_NULL_ARGUMENT,
        XBAR_ERR_INVALID_ARGUMENT,
        XBAR_ERR_SHAPE,
        XBAR_ERR_PARAMS,
        XBAR_ERR_PARSE,
        XBAR_ERR_UNSUPPORTED,
        XBAR_ERR_BACKEND_UNAVAILABLE,
        XBAR_ERR_NOT_PROGRAMMED,
        XBAR_ERR_NO_CONVERGENCE,
        XBAR_ERR_BUFFER_TOO_SMALL,
        XBAR_ERR_OUT_OF_MEMORY,
        XBAR_ERR_IO,
        XBAR_ERR_INTERNAL,
    ];
    for (i, code) in codes.iter().enumerate() {
        assert_eq!(*code as i32, i as i32);
        let text = unsafe { CStr::from_ptr(xbar_status_string(i as i32)) };
        assert_ne!(text.to_str().unwrap(), "unknown status");
    }
    for bad in [-1, 14, i32::MAX] {
        assert_eq!(
            unsafe { CStr::from_ptr(xbar_status_string(bad)) }.to_str().unwrap(),
            "unknown status"
        );
    }
}

#[test]
fn num_threads_is_stored_for_the_backend() {
    assert_eq!(xbar_set_num_threads(3), XBAR_OK);
    assert_eq!(xbar::threads::num_threads(), 3);
    assert_eq!(xbar_set_num_threads(0), XBAR_OK);
    assert_eq!(xbar::threads::num_threads(), 0);
    // Beyond the pool's limit: refused, the setting unchanged.
    assert_eq!(xbar::threads::max_num_threads(), 65535);
    assert_eq!(xbar_set_num_threads(2), XBAR_OK);
    for bad in [65536, usize::MAX] {
        assert_eq!(xbar_set_num_threads(bad), XBAR_ERR_INVALID_ARGUMENT);
        assert_eq!(
            last_error(),
            format!("xbar_set_num_threads: n is {bad}; xbar's thread pool holds at most 65535 threads (0 = one per available core)")
        );
        assert_eq!(xbar::threads::num_threads(), 2);
    }
    assert_eq!(xbar_set_num_threads(0), XBAR_OK);
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
        xbar::ffi::test_hooks::panic_in_next_core_mutation();
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
