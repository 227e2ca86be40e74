"""Long calls release the GIL, and two threads run two cores at the same time."""

import threading
import time

import numpy as np

import xbar


def busy_core(seed):
    """A 256 x 256 core with wire resistance (an exact circuit solve per input):
    an MVM of batch 32 takes a good fraction of a second."""
    tree = {"xbar": {"array": {"parasitics": {"enable": True, "Rp_row": 1e-4, "Rp_col": 1e-4}}}}
    c = xbar.Core(tree, 256, 256, seed=seed)
    c.program(np.random.default_rng(seed).uniform(-1, 1, (256, 256)))
    return c


X = np.random.default_rng(7).uniform(-1, 1, (32, 256))


class Call(threading.Thread):
    """Runs core.mvm(X) on its own thread, recording when it was inside the call."""

    def __init__(self, core, gate=None):
        super().__init__()
        self.core, self.gate = core, gate
        self.inside, self.done = threading.Event(), threading.Event()
        self.result = self.error = None
        self.seconds = 0.0

    def run(self):
        if self.gate is not None:
            self.gate()
        t0 = time.perf_counter()
        self.inside.set()
        try:
            self.result = self.core.mvm(X)
        except Exception as e:  # pragma: no cover - asserted below
            self.error = e
        self.seconds = time.perf_counter() - t0
        self.done.set()


def test_a_long_call_releases_the_gil():
    core = busy_core(1)
    a = Call(core)
    a.start()
    a.inside.wait()
    time.sleep(0.02)  # needs the GIL to return: only possible while A's call lets go of it
    # Python code runs here while the MVM is in progress on the other thread.
    still_running = not a.done.is_set()
    spins = 0
    while not a.done.is_set():
        spins += 1
    a.join()
    assert a.error is None
    assert still_running, f"the main thread could not run during a {a.seconds:.3f} s MVM: the GIL was held"
    assert spins > 1000


def test_two_threads_two_cores_at_once():
    xbar.set_num_threads(1)  # one worker per call: the two calls need two cores
    try:
        c1, c2 = busy_core(1), busy_core(2)
        want1, want2 = busy_core(1).mvm(X), busy_core(2).mvm(X)  # one at a time
        t0 = time.perf_counter()
        a = Call(c1)
        # B enters its call while A is inside its own: both are in C at once.
        overlap = []

        def gate():
            a.inside.wait()
            time.sleep(0.01)
            overlap.append(not a.done.is_set())

        b = Call(c2, gate)
        a.start()
        b.start()
        a.join()
        b.join()
        wall = time.perf_counter() - t0
        assert a.error is None and b.error is None
        assert overlap == [True], "B could not start while A ran: the calls did not overlap"
        # Results do not depend on running concurrently (bit for bit).
        assert np.array_equal(a.result, want1) and np.array_equal(b.result, want2)
        print(f"two MVMs of {a.seconds:.3f} s and {b.seconds:.3f} s took {wall:.3f} s on two threads")
    finally:
        xbar.set_num_threads(0)
