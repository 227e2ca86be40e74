//! The size of the library-owned thread pool, set by `xbar_set_num_threads`.
//!
//! The value lives outside the C layer so that the backend can read it with
//! [`num_threads`] without knowing about the C layer; 0 means "all cores".

use std::sync::atomic::{AtomicUsize, Ordering};

static NUM_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets the number of worker threads xbar's own pool uses (0 = all cores).
pub fn set_num_threads(n: usize) {
    NUM_THREADS.store(n, Ordering::Relaxed);
}

/// The requested number of worker threads (0 = all cores).
pub fn num_threads() -> usize {
    NUM_THREADS.load(Ordering::Relaxed)
}
