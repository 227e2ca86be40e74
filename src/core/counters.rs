//! The call counters of a core. Each counts the calls of one kind since the
//! core was built, and together with the seed they name the random streams of
//! the next call (see [`crate::rng::identity`]): a core restored with the
//! same counters draws the same numbers as the one that was saved.
//!
//! [`Core`](super::Core) holds one [`Counters`] and a saved core
//! (`snapshot.rs`) writes and reads it as a unit, so a counter added here is
//! saved and restored without further code. Files keep one map key per field
//! (the field's name) at the top level of the saved core's map.

use crate::rng::identity::{MAX_CALLS, MAX_SUBCALLS};
use serde::{Deserialize, Serialize};

/// Calls since the core was built, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counters {
    /// Calls of `program` (and its variants): programming call `p` draws the
    /// programming errors and the ADC mismatch of the arrays it writes.
    pub program_calls: u64,
    /// Calls of `set_time` since the core was built: they key the drift
    /// draws of the arrays re-derived at the new time.
    pub time_calls: u64,
    /// Read calls (`mvm`, `vmm`, `read` and their batched variants): each
    /// draws fresh read noise and ADC rounding.
    pub read_calls: u64,
    /// Calls of `update`: each draws its own write noise.
    pub update_calls: u64,
}

impl Counters {
    /// The state the arrays' conductances are in, `(program, update, time)`
    /// calls: equal between two moments exactly when no call wrote the arrays
    /// in between (reads leave them as they are). Keys what is derived from
    /// the conductances and cached (the cost meter's line sums, aihwkit's tiles).
    pub fn arrays_state(&self) -> (u64, u64, u64) {
        (self.program_calls, self.update_calls, self.time_calls)
    }

    /// Checks counters read from a saved core: each must be a call number the
    /// random streams can name (programming, read and update calls below
    /// [`MAX_CALLS`], time calls below [`MAX_SUBCALLS`]); `Err` names the
    /// first that is not.
    pub fn check_saved(&self) -> Result<(), String> {
        let limits = [
            ("program_calls", self.program_calls, MAX_CALLS),
            ("time_calls", self.time_calls, MAX_SUBCALLS),
            ("read_calls", self.read_calls, MAX_CALLS),
            ("update_calls", self.update_calls, MAX_CALLS),
        ];
        match limits.iter().find(|(_, v, max)| v >= max) {
            Some((name, v, max)) => Err(format!("{name} is {v}, beyond the {max} calls a core can name")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_within_the_stream_ranges_pass_and_others_are_named() {
        let ok = Counters {
            program_calls: MAX_CALLS - 1,
            time_calls: MAX_SUBCALLS - 1,
            read_calls: MAX_CALLS - 1,
            update_calls: MAX_CALLS - 1,
        };
        assert_eq!(ok.check_saved(), Ok(()));
        let time = Counters {
            time_calls: MAX_SUBCALLS,
            ..ok
        };
        assert!(time.check_saved().unwrap_err().starts_with("time_calls is 16777216"));
        let read = Counters {
            read_calls: u64::MAX,
            ..Counters::default()
        };
        assert!(read.check_saved().unwrap_err().starts_with("read_calls is"));
    }
}
