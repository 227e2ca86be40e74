//! Test-only hooks, reachable from Rust (`tests/ffi.rs`) and absent from the
//! C header: they are plain Rust functions, not `extern "C"` symbols.

use std::cell::Cell;

thread_local! {
    static PANIC_IN_NEXT_MUTATION: Cell<bool> = const { Cell::new(false) };
}

/// Makes the next core-mutating call on this thread (program, mvm, vmm,
/// update, set_time and their twins) panic inside its poisoned region, as a
/// bug in the simulator would. Used to test the panic boundary and poisoning.
pub fn panic_in_next_core_mutation() {
    PANIC_IN_NEXT_MUTATION.with(|flag| flag.set(true));
}

/// Panics if [`panic_in_next_core_mutation`] armed this thread, disarming it.
pub(crate) fn maybe_panic() {
    if PANIC_IN_NEXT_MUTATION.with(|flag| flag.replace(false)) {
        panic!("injected test panic (xbar::ffi::test_hooks)");
    }
}
