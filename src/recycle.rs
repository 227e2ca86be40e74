//! Recycled buffers for the read pipeline's large temporaries.
//!
//! A read passes its batch through several steps (input scaling and DAC,
//! products, ADC, recombination), each with a buffer of `count × len` values:
//! at 1024 × 1024 and a batch of 1024 that is 8 MiB per step. Freshly
//! allocated, each such buffer costs the kernel a page fault per 4 KiB page
//! (and the allocator may hand the pages back between calls), which took
//! about a third of a static batched read. So buffers of at least
//! [`MIN_LEN`] values are kept when dropped and handed out again: at most
//! [`KEPT`] per thread and element type, the largest first dropped when more
//! arrive, released when the thread ends. Smaller buffers come from and go
//! to the allocator as usual.
//!
//! What comes back holds no old values that matter: [`take`] returns an
//! empty vector (length 0) with at least the asked capacity, and
//! [`scratch`] (for buffers written in full before they are read) leaves
//! old values in place instead of filling them first.

use std::cell::RefCell;

/// Buffers shorter than this many elements are not kept (256 KiB of f64).
pub const MIN_LEN: usize = 1 << 15;
/// Buffers kept per thread and element type.
pub const KEPT: usize = 6;

/// An element type whose buffers are recycled.
pub trait Recycled: Copy + 'static {
    /// Runs `f` on this thread's kept buffers of this type (`None` once the
    /// thread's storage is gone, as it ends).
    fn with_kept<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> Option<R>;
}

thread_local! {
    static KEPT_F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
    static KEPT_F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

impl Recycled for f64 {
    fn with_kept<R>(f: impl FnOnce(&mut Vec<Vec<f64>>) -> R) -> Option<R> {
        KEPT_F64.try_with(|k| f(&mut k.borrow_mut())).ok()
    }
}

impl Recycled for f32 {
    fn with_kept<R>(f: impl FnOnce(&mut Vec<Vec<f32>>) -> R) -> Option<R> {
        KEPT_F32.try_with(|k| f(&mut k.borrow_mut())).ok()
    }
}

/// The smallest kept buffer with room for `len` elements, as it was given
/// back (its old values still in it), if any.
fn kept<T: Recycled>(len: usize) -> Option<Vec<T>> {
    if len < MIN_LEN {
        return None;
    }
    T::with_kept(|kept| {
        let best = kept
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        best.map(|i| kept.swap_remove(i))
    })
    .flatten()
}

/// An empty vector with room for at least `len` elements: the smallest kept
/// buffer that is large enough, or a new one.
pub fn take<T: Recycled>(len: usize) -> Vec<T> {
    match kept(len) {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(len),
    }
}

/// `len` elements for a caller that writes every one of them before it
/// reads any: a kept buffer's old values where it has them (no pass over
/// memory that is about to be overwritten), `fill` beyond them, or a new
/// buffer of `fill`s.
pub fn scratch<T: Recycled>(len: usize, fill: T) -> Vec<T> {
    let mut v = kept(len).unwrap_or_default();
    v.truncate(len);
    v.resize(len, fill);
    v
}

/// `len` copies of `value` in a recycled buffer.
pub fn filled<T: Recycled>(len: usize, value: T) -> Vec<T> {
    let mut v = take(len);
    v.resize(len, value);
    v
}

/// A copy of `src` in a recycled buffer.
pub fn copied<T: Recycled>(src: &[T]) -> Vec<T> {
    let mut v = take(src.len());
    v.extend_from_slice(src);
    v
}

/// Hands `v` back: kept for a later [`take`] if large enough (the largest
/// kept buffer goes when more than [`KEPT`] are held), freed otherwise.
pub fn give<T: Recycled>(v: Vec<T>) {
    if v.capacity() < MIN_LEN {
        return;
    }
    // On a thread that is ending, the buffer is simply freed.
    T::with_kept(|kept| {
        kept.push(v);
        if kept.len() > KEPT {
            let largest = (0..kept.len()).max_by_key(|&i| kept[i].capacity()).unwrap_or(0);
            kept.swap_remove(largest);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_come_back_and_small_ones_do_not() {
        let v: Vec<f64> = filled(MIN_LEN, 1.5);
        let p = v.as_ptr();
        give(v);
        let w: Vec<f64> = take(MIN_LEN);
        assert_eq!((w.as_ptr(), w.len()), (p, 0), "the kept buffer is reused, empty");
        give(w);
        let small: Vec<f64> = filled(10, 0.0);
        give(small);
        assert_eq!(
            f64::with_kept(|k| k.iter().all(|v| v.capacity() >= MIN_LEN)),
            Some(true)
        );
        let mut v: Vec<f64> = filled(MIN_LEN + 8, 2.5);
        let p = v.as_ptr();
        v.truncate(MIN_LEN);
        give(v);
        let s: Vec<f64> = scratch(MIN_LEN + 4, 0.0);
        assert_eq!(s.as_ptr(), p, "scratch reuses the kept buffer");
        assert!(s[..MIN_LEN].iter().all(|&x| x == 2.5) && s[MIN_LEN..] == [0.0; 4]);
        give(s);
        let c = copied(&[1.0f32; MIN_LEN + 3]);
        assert_eq!(c.len(), MIN_LEN + 3);
        assert!(c.iter().all(|&x| x == 1.0));
    }

    #[test]
    fn at_most_kept_buffers_stay_and_the_largest_goes_first() {
        for k in 0..KEPT + 3 {
            give(Vec::<f32>::with_capacity(MIN_LEN + k));
        }
        let caps: Vec<usize> = f32::with_kept(|kept| kept.iter().map(Vec::capacity).collect()).unwrap();
        assert_eq!(caps.len(), KEPT);
        assert!(caps.iter().all(|&c| c < MIN_LEN + KEPT), "{caps:?}");
    }
}
