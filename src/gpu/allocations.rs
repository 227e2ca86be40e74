//! The allocation table of a [`Device`](super::device::Device): the memory
//! handed out by `alloc`, by device address, behind one lock. Both devices
//! keep theirs here — the CUDA driver its `CudaSlice`s, the emulated device
//! its host blocks — so that looking an address up, checking that a copy
//! fits, inserting and removing are written once.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// One allocation of a device: what the table needs to know of it.
pub trait Allocation: Send {
    /// The allocation's size in bytes (what a copy may fill).
    fn bytes(&self) -> usize;
}

/// The allocations of one device, by address.
#[derive(Debug)]
pub struct Allocations<A> {
    /// The device, as errors name it ("GPU", "emulated").
    device: &'static str,
    table: Mutex<HashMap<u64, A>>,
}

impl<A: Allocation> Allocations<A> {
    /// An empty table of the device named `device` in errors.
    pub fn new(device: &'static str) -> Allocations<A> {
        Allocations {
            device,
            table: Mutex::new(HashMap::new()),
        }
    }

    /// The table, locked: while the guard lives no allocation is added,
    /// removed or copied to (a launch holds it until its kernel has finished).
    pub fn lock(&self) -> Result<MutexGuard<'_, HashMap<u64, A>>> {
        self.table
            .lock()
            .map_err(|_| Error::Internal(format!("{} allocation table poisoned", self.device)))
    }

    /// Records `allocation` at `addr`.
    pub fn insert(&self, addr: u64, allocation: A) -> Result<()> {
        self.lock()?.insert(addr, allocation);
        Ok(())
    }

    /// Releases the allocation at `addr`, if any (none is released while the
    /// table is poisoned: `free` cannot fail, and the memory goes with the device).
    pub fn remove(&self, addr: u64) {
        if let Ok(mut t) = self.lock() {
            t.remove(&addr);
        }
    }

    /// Runs `f` on the allocation at `addr`, the table locked, once a copy of
    /// `len` bytes is known to fit it; `Error::Internal` when no allocation
    /// starts at `addr` or it is shorter than `len` bytes.
    pub fn copy<R>(&self, addr: u64, len: usize, f: impl FnOnce(&mut A) -> Result<R>) -> Result<R> {
        let mut t = self.lock()?;
        let a = t
            .get_mut(&addr)
            .ok_or_else(|| Error::Internal(format!("no device allocation at {addr:#x}")))?;
        if len > a.bytes() {
            return Err(Error::Internal(format!(
                "a copy of {len} bytes into a device allocation of {}",
                a.bytes()
            )));
        }
        f(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Allocation for Vec<u8> {
        fn bytes(&self) -> usize {
            self.len()
        }
    }

    #[test]
    fn copies_reach_only_recorded_allocations_that_hold_them() {
        let table = Allocations::new("test");
        table.insert(16, vec![0u8; 8]).unwrap();
        table
            .copy(16, 8, |a| {
                a[7] = 5;
                Ok(())
            })
            .unwrap();
        assert_eq!(table.copy(16, 0, |a| Ok(a[7])).unwrap(), 5);
        let e = table.copy(16, 9, |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("a copy of 9 bytes into a device allocation of 8"), "{e}");
        let e = table.copy(17, 1, |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("no device allocation at 0x11"), "{e}");
        table.remove(16);
        assert!(table.copy(16, 1, |_| Ok(())).is_err());
        table.remove(16);
        assert!(table.lock().unwrap().is_empty());
    }

    #[test]
    fn a_poisoned_table_names_its_device() {
        let table = std::sync::Arc::new(Allocations::<Vec<u8>>::new("emulated"));
        let t = table.clone();
        let _ = std::thread::spawn(move || {
            let _guard = t.lock().unwrap();
            panic!("poisoning the lock");
        })
        .join();
        let e = table.insert(0, Vec::new()).unwrap_err().to_string();
        assert!(e.contains("emulated allocation table poisoned"), "{e}");
    }
}
