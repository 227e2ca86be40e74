//! Fault-injection hooks for the crate's own tests (`hook_tests.rs`): compiled
//! only in its test build, so the library never carries them.

use std::cell::{Cell, RefCell};
use std::sync::mpsc::{channel, Receiver, Sender};

thread_local! {
    static PANIC_IN_NEXT_MUTATION: Cell<bool> = const { Cell::new(false) };
    static PAUSE_IN_NEXT_MUTATION: RefCell<Option<PauseInside>> = const { RefCell::new(None) };
}

/// Makes the next core-mutating call on this thread (program, mvm, vmm,
/// update, set_time and their twins) panic inside its poisoned region, as a
/// bug in the simulator would. Used to test the panic boundary and poisoning.
pub fn panic_in_next_core_mutation() {
    PANIC_IN_NEXT_MUTATION.with(|flag| flag.set(true));
}

/// Called by every core-mutating call while it holds the core exclusively:
/// pauses if [`pause_in_next_core_mutation`] armed this thread, then panics
/// if [`panic_in_next_core_mutation`] did (disarming each).
pub(crate) fn in_core_mutation() {
    if let Some(pause) = PAUSE_IN_NEXT_MUTATION.with(|slot| slot.borrow_mut().take()) {
        // The test side may have gone away: then there is nothing to wait for.
        if pause.inside.send(()).is_ok() {
            let _ = pause.resume.recv();
        }
    }
    if PANIC_IN_NEXT_MUTATION.with(|flag| flag.replace(false)) {
        panic!("injected test panic (xbar::ffi::test_hooks)");
    }
}

/// The mutating call's side of a pause: tells that it is inside, waits to be resumed.
struct PauseInside {
    inside: Sender<()>,
    resume: Receiver<()>,
}

/// The test's side of a pause armed with [`pause_in_next_core_mutation`].
pub struct Pause {
    inside: Receiver<()>,
    resume: Sender<()>,
}

impl Pause {
    /// Blocks until the paused call holds its core exclusively.
    pub fn wait_until_inside(&self) {
        self.inside
            .recv()
            .expect("the paused call ended without reaching the core");
    }

    /// Lets the paused call go on.
    pub fn resume(self) {
        let _ = self.resume.send(());
    }
}

/// Makes the next core-mutating call on this thread stop while it holds its
/// core exclusively, until the returned [`Pause`] (which may be sent to
/// another thread) is resumed: lets a test overlap two calls on one core
/// deterministically.
pub fn pause_in_next_core_mutation() -> Pause {
    let (inside_tx, inside_rx) = channel();
    let (resume_tx, resume_rx) = channel();
    PAUSE_IN_NEXT_MUTATION.with(|slot| {
        *slot.borrow_mut() = Some(PauseInside {
            inside: inside_tx,
            resume: resume_rx,
        })
    });
    Pause {
        inside: inside_rx,
        resume: resume_tx,
    }
}
