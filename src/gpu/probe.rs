//! Whether CUDA can be used at all, asked without risking a panic.
//!
//! cudarc opens each library lazily on its first call and panics when the
//! library (or one of its symbols) is missing. So before any other cudarc
//! call the backend asks cudarc's own `is_culib_present` probes, which try
//! the same library names and return `false` instead; every later cudarc
//! call still runs inside [`guard`], which turns a panic into an error.

use crate::error::{Error, Result};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// Whether the CUDA driver library (`libcuda.so`) can be loaded (asked once per process).
pub fn driver_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    // SAFETY: the probe only dlopens candidate file names and drops the handles.
    *PRESENT.get_or_init(|| unsafe { cudarc::driver::sys::is_culib_present() })
}

/// Whether NVRTC (`libnvrtc.so.13` or another name cudarc tries) can be
/// loaded (asked once per process).
pub fn nvrtc_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    // SAFETY: as in `driver_present`.
    *PRESENT.get_or_init(|| unsafe { cudarc::nvrtc::sys::is_culib_present() })
}

/// `Ok` when both libraries the backend needs can be loaded, else
/// [`Error::BackendUnavailable`] naming the missing one.
pub fn libraries() -> Result<()> {
    require_driver()?;
    require_nvrtc()
}

/// `Ok` when the driver library can be loaded, else [`Error::BackendUnavailable`].
pub fn require_driver() -> Result<()> {
    if !driver_present() {
        return Err(Error::BackendUnavailable(
            "no CUDA driver: libcuda.so could not be loaded (no NVIDIA driver on this machine, or not on the loader's path)"
                .into(),
        ));
    }
    Ok(())
}

/// `Ok` when NVRTC can be loaded, else [`Error::BackendUnavailable`].
pub fn require_nvrtc() -> Result<()> {
    if !nvrtc_present() {
        return Err(Error::BackendUnavailable(
            "no NVRTC: libnvrtc.so.13 could not be loaded (install the CUDA 13 runtime compiler, e.g. the nvidia-cuda-nvrtc package, and put its lib folder on LD_LIBRARY_PATH)"
                .into(),
        ));
    }
    Ok(())
}

/// Runs `f`, turning a panic inside it (cudarc's missing-library or
/// missing-symbol panics) into [`Error::BackendUnavailable`] that says what
/// was being done.
pub fn guard<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("unknown panic");
        Err(Error::BackendUnavailable(format!("CUDA: {what} failed: {msg}")))
    })
}
