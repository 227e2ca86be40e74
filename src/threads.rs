//! xbar's own thread pool, sized by `xbar_set_num_threads` (0 = one thread
//! per available core). Parallel work never runs in rayon's global pool,
//! which a host program may be using. Results never depend on the number of
//! threads: work is split so that every output value is computed by one
//! thread in a fixed order, and random numbers come from counter-based streams.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex};

/// The requested size and the pool built for it.
static POOL: Mutex<(usize, Option<Arc<ThreadPool>>)> = Mutex::new((0, None));

/// Sets the number of worker threads xbar's own pool uses (0 = all cores);
/// calls already running keep the pool they started with. Results do not
/// depend on the thread count.
///
/// ```
/// xbar::set_num_threads(2);
/// assert_eq!(xbar::num_threads(), 2);
/// xbar::set_num_threads(0); // back to all cores
/// ```
pub fn set_num_threads(n: usize) {
    let mut g = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if g.0 != n || g.1.is_none() {
        *g = (n, None);
    }
}

/// The largest pool that can be built: 65535 threads on 64-bit targets
/// (rayon's limit; it would silently build fewer).
pub fn max_num_threads() -> usize {
    rayon::max_num_threads()
}

/// The requested number of worker threads (0 = all cores).
pub fn num_threads() -> usize {
    POOL.lock().unwrap_or_else(|e| e.into_inner()).0
}

/// The pool for the current setting, built on first use.
fn pool() -> Option<Arc<ThreadPool>> {
    let mut g = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if g.1.is_none() {
        g.1 = ThreadPoolBuilder::new()
            .num_threads(g.0)
            .thread_name(|i| format!("xbar-{i}"))
            .build()
            .ok()
            .map(Arc::new);
    }
    g.1.clone()
}

/// Runs `f` inside xbar's pool (on the calling thread if no pool could be built).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(p) => p.install(f),
        None => f(),
    }
}
