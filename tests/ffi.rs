//! Rust-side tests of the C ABI (`xbar::ffi`): failing calls that do not
//! poison a core, the thread-local last error and out-parameter rules. The
//! panic boundary and core poisoning are tested inside the crate
//! (`src/ffi/hook_tests.rs`), with fault-injection hooks that exist only in
//! its test build. The C-side contract is exercised end to end by
//! tests/c/test_api.c.

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
    assert_eq!(xbar::num_threads(), 3);
    assert_eq!(xbar_set_num_threads(0), XBAR_OK);
    assert_eq!(xbar::num_threads(), 0);
    // Beyond the pool's limit: refused, the setting unchanged.
    assert_eq!(xbar::max_num_threads(), 65535);
    assert_eq!(xbar_set_num_threads(2), XBAR_OK);
    for bad in [65536, usize::MAX] {
        assert_eq!(xbar_set_num_threads(bad), XBAR_ERR_INVALID_ARGUMENT);
        assert_eq!(
            last_error(),
            format!("xbar_set_num_threads: n is {bad}; xbar's thread pool holds at most 65535 threads (0 = one per available core)")
        );
        assert_eq!(xbar::num_threads(), 2);
    }
    assert_eq!(xbar_set_num_threads(0), XBAR_OK);
}
