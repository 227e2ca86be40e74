//! Argument checks done before any caller memory is touched: NULL pointers,
//! layout codes, element counts (with overflow), aliasing and non-finite
//! values. Slices are built only from pointers and counts that passed.

use std::ffi::{c_char, CStr};

use super::status::{xbar_status, Failure};
use crate::core::Layout;

/// `XBAR_ROW_MAJOR` in the header.
pub(crate) const ROW_MAJOR: u32 = 0;
/// `XBAR_COL_MAJOR` in the header.
pub(crate) const COL_MAJOR: u32 = 1;

/// The layout for a C layout code; anything else is `XBAR_ERR_INVALID_ARGUMENT`.
pub(crate) fn layout(code: u32) -> Result<Layout, Failure> {
    match code {
        ROW_MAJOR => Ok(Layout::RowMajor),
        COL_MAJOR => Ok(Layout::ColMajor),
        other => Err(Failure::invalid(format!(
            "layout is {other}; expected XBAR_ROW_MAJOR (0) or XBAR_COL_MAJOR (1)"
        ))),
    }
}

/// `XBAR_ERR_NULL_ARGUMENT` naming `arg` when `ptr` is NULL.
pub(crate) fn non_null<T>(ptr: *const T, arg: &str) -> Result<(), Failure> {
    if ptr.is_null() {
        Err(Failure::null(arg))
    } else {
        Ok(())
    }
}

/// `XBAR_ERR_SHAPE` when a size argument differs from what the core needs.
pub(crate) fn size_matches(arg: &str, given: usize, expected: usize, what: &str) -> Result<(), Failure> {
    if given == expected {
        Ok(())
    } else {
        Err(Failure::shape(format!(
            "{arg} is {given}, expected {expected} ({what})"
        )))
    }
}

/// Number of `T` values in a buffer of `factors` (product of the factors,
/// each given with a name for the message), checked for overflow of both the
/// count and its size in bytes (Rust slices are limited to `isize::MAX` bytes).
pub(crate) fn count<T>(buffer: &str, factors: &[(&str, usize)]) -> Result<usize, Failure> {
    let total = factors
        .iter()
        .try_fold(1usize, |acc, &(_, f)| acc.checked_mul(f))
        .filter(|&n| n.checked_mul(size_of::<T>()).is_some_and(|b| b <= isize::MAX as usize));
    total.ok_or_else(|| {
        let dims: Vec<String> = factors.iter().map(|(name, v)| format!("{name} {v}")).collect();
        Failure::shape(format!(
            "{buffer}: {} elements of {} bytes overflow the address space",
            dims.join(" x "),
            size_of::<T>()
        ))
    })
}

fn aligned<T>(ptr: *const T, arg: &str) -> Result<(), Failure> {
    if ptr.is_aligned() {
        Ok(())
    } else {
        Err(Failure::invalid(format!(
            "`{arg}` is not aligned to {} bytes",
            align_of::<T>()
        )))
    }
}

/// A caller's input buffer of `len` values.
///
/// # Safety
/// When non-NULL, `ptr` points to `len` initialised values that stay valid and
/// unmodified during `'a`.
pub(crate) unsafe fn input<'a, T>(ptr: *const T, len: usize, arg: &str) -> Result<&'a [T], Failure> {
    non_null(ptr, arg)?;
    aligned(ptr, arg)?;
    // SAFETY: non-NULL and aligned (checked), `len` elements fit in isize (checked by
    // `count`), validity per the contract above.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A caller's output buffer of `len` values.
///
/// # Safety
/// When non-NULL, `ptr` points to `len` writable values that nothing else
/// accesses during `'a`.
pub(crate) unsafe fn output<'a, T>(ptr: *mut T, len: usize, arg: &str) -> Result<&'a mut [T], Failure> {
    non_null(ptr, arg)?;
    aligned(ptr.cast_const(), arg)?;
    // SAFETY: as in `input`; exclusivity per the contract above.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// `XBAR_ERR_INVALID_ARGUMENT` when an input and the output buffer overlap
/// (the output is written while the input is read).
pub(crate) fn disjoint<T>(
    input: *const T,
    input_len: usize,
    input_arg: &str,
    output: *const T,
    output_len: usize,
    output_arg: &str,
) -> Result<(), Failure> {
    let (a, b) = (input as usize, output as usize);
    let a_end = a.saturating_add(input_len.saturating_mul(size_of::<T>()));
    let b_end = b.saturating_add(output_len.saturating_mul(size_of::<T>()));
    if input_len > 0 && output_len > 0 && a < b_end && b < a_end {
        Err(Failure::invalid(format!(
            "`{input_arg}` and `{output_arg}` overlap; the output must be a separate buffer"
        )))
    } else {
        Ok(())
    }
}

/// Floating-point element types whose finiteness is checked.
pub(crate) trait Float: Copy {
    fn is_finite(self) -> bool;
    fn describe(self) -> &'static str;
}

macro_rules! float_impl {
    ($($t:ty),*) => {$(
        impl Float for $t {
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn describe(self) -> &'static str {
                if self.is_nan() { "NaN" } else if self > 0.0 { "+inf" } else { "-inf" }
            }
        }
    )*};
}
float_impl!(f32, f64);

/// `XBAR_ERR_INVALID_ARGUMENT` naming the first NaN or infinite value.
pub(crate) fn finite<T: Float>(values: &[T], arg: &str) -> Result<(), Failure> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Failure::invalid(format!(
            "{arg}[{i}] is {}; inputs must be finite",
            values[i].describe()
        ))),
    }
}

/// `XBAR_ERR_INVALID_ARGUMENT` when a scalar is NaN or infinite.
pub(crate) fn finite_scalar<T: Float>(value: T, arg: &str) -> Result<(), Failure> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Failure::invalid(format!(
            "{arg} is {}; it must be finite",
            value.describe()
        )))
    }
}

/// A NUL-terminated string argument as UTF-8 text. NULL is
/// `XBAR_ERR_NULL_ARGUMENT`; invalid UTF-8 fails with `bad_utf8` (chosen by
/// the caller: a parse error for JSON text, an invalid argument for a name).
///
/// # Safety
/// When non-NULL, `ptr` points to a NUL-terminated string valid during `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, arg: &str, bad_utf8: xbar_status) -> Result<&'a str, Failure> {
    non_null(ptr, arg)?;
    // SAFETY: non-NULL (checked) and NUL-terminated per the contract above.
    let cstr = unsafe { CStr::from_ptr(ptr) };
    cstr.to_str().map_err(|e| {
        Failure::new(
            bad_utf8,
            format!("`{arg}` is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_detects_overflow_of_elements_and_bytes() {
        assert_eq!(count::<f64>("x", &[("batch", 3), ("n", 2)]), Ok(6));
        assert_eq!(count::<f64>("x", &[("batch", 0), ("n", usize::MAX)]), Ok(0));
        let e = count::<f64>("x", &[("batch", usize::MAX), ("n", 2)]).unwrap_err();
        assert!(e.message.contains("batch 18446744073709551615 x n 2"), "{}", e.message);
        assert!(count::<f64>("x", &[("n", usize::MAX / 8)]).is_err());
        assert!(count::<u8>("x", &[("n", isize::MAX as usize)]).is_ok());
    }

    #[test]
    fn finite_names_the_first_bad_index() {
        assert!(finite(&[1.0f64, 2.0], "x").is_ok());
        let e = finite(&[1.0f64, f64::NAN, f64::INFINITY], "x").unwrap_err();
        assert_eq!(e.message, "x[1] is NaN; inputs must be finite");
        let e = finite(&[f32::NEG_INFINITY], "w").unwrap_err();
        assert_eq!(e.message, "w[0] is -inf; inputs must be finite");
    }

    #[test]
    fn overlapping_buffers_are_detected() {
        let buf = [0.0f64; 8];
        let p = buf.as_ptr();
        assert!(disjoint(p, 4, "x", p.wrapping_add(4), 4, "y").is_ok());
        assert!(disjoint(p, 5, "x", p.wrapping_add(4), 4, "y").is_err());
        assert!(disjoint(p, 0, "x", p, 4, "y").is_ok());
    }
}
