//! The example's own randomness (train/test split, weight initialisation,
//! sample order), drawn from xbar's counter-based streams so that the whole
//! run is reproducible from one seed. The simulator's noise comes from each
//! core's seed, not from here.

use xbar::internals::rng::{Purpose, Stream};

pub struct Rng {
    stream: Stream,
    next: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Purpose `Update` on array u32::MAX: a stream no core ever uses.
        Rng {
            stream: Stream::new(seed, u32::MAX, Purpose::Update, 0),
            next: 0,
        }
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        let u = self.stream.uniform_at(self.next);
        self.next += 1;
        u
    }
    /// Uniform integer in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }
    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}
