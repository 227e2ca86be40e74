#!/usr/bin/env python3
"""Per-call overhead of the Python layer over the C call.

For each size it times the same MVM (preset "default", seed 1, weights and
inputs exact multiples of 1/64, one library thread unless --threads) three ways:

* ``C``: ``xbar_core_mvm`` in a loop in C (mvm_loop.c, compiled here with
  ``cc`` into a shared library linked to the library the package loads, and
  run in this process: the same core, buffers and heap as the Python loops;
  skipped without a compiler);
* ``ctypes``: the bare ctypes call of ``xbar_core_mvm`` with prepared pointers
  (the floor of any ctypes binding);
* ``xbar``: ``core.mvm(x)`` of the package (argument checks, dtype dispatch,
  the handle guard, the output allocation, the status check).

Each way runs ``--rounds`` rounds of ``reps`` calls, interleaved (C, ctypes,
xbar, C, ...) so that load on the machine hits all alike. Two clocks: wall
time, and the CPU time of the process (all threads; ``time.process_time`` and
``CLOCK_PROCESS_CPUTIME_ID``), which time spent waiting for a CPU on a busy
machine does not inflate. Each is reported as the minimum over rounds (the
least disturbed round). The overhead is ``xbar - C`` per call, and relative
to C; the 5 % criterion at 1024 x 1024 is checked on CPU time (on an idle
machine the two clocks agree).

    python bindings/python/bench/overhead.py [--threads N] [--rounds R]

Exits with status 1 when the overhead at 1024 x 1024, batch 1, is not below 5 %.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import xbar
from xbar._lib import lib

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.join(HERE, "..", "..", "..", "include")
CASES = [(64, 64, 1, 20000), (256, 256, 1, 2000), (1024, 1024, 1, 50), (1024, 1024, 16, 10)]


def data(rows: int, cols: int, batch: int):
    w = ((np.arange(rows * cols) * 7 % 129) - 64).reshape(rows, cols) / 64.0
    x = ((np.arange(batch * cols) * 5 % 129) - 64).reshape(batch, cols) / 64.0
    return w, x


def build_loop(tmp: str):
    """mvm_loop.c as a ctypes function, or None without a C compiler or the header."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not os.path.exists(os.path.join(INCLUDE, "xbar.h")):
        return None
    # The library the package loads, under the names the linker and the loader look
    # for (its SONAME is libxbar.so.<major>; the loader then reuses the loaded copy).
    libpath = xbar.library_path()
    for name in ("libxbar.so", f"libxbar.so.{xbar.version_number() >> 16}"):
        os.symlink(os.path.abspath(libpath), os.path.join(tmp, name))
    so = os.path.join(tmp, "mvm_loop.so")
    cmd = [cc, "-std=c11", "-O2", "-shared", "-fPIC", "-I", INCLUDE, os.path.join(HERE, "mvm_loop.c"),
           f"-L{tmp}", "-lxbar", f"-Wl,-rpath,{tmp}", "-o", so]
    subprocess.run(cmd, check=True)
    loop = ctypes.CDLL(so).xbar_bench_mvm_loop
    loop.restype = ctypes.c_int
    loop.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p,
                     ctypes.c_size_t, ctypes.c_size_t, ctypes.POINTER(ctypes.c_double * 2)]
    return loop


def time_loop(f, reps):
    """(wall, process CPU) seconds per call of f()."""
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(reps):
        f()
    return (time.perf_counter() - w0) / reps, (time.process_time() - c0) / reps


def measure(rows, cols, batch, reps, rounds, c_loop):
    w, x = data(rows, cols, batch)
    with xbar.Params.preset("default") as p:
        core = xbar.Core(p, rows, cols, seed=1)
    core.program(w)
    y = np.empty((batch, rows))
    h = core._address  # held by `core`, which outlives every call below
    xp, yp = x.ctypes.data, y.ctypes.data
    f = lib.xbar_core_mvm
    assert f(h, xp, batch, cols, yp, rows) == 0
    assert np.array_equal(core.mvm(x), y)  # the same numbers: nothing is skipped
    times = (ctypes.c_double * 2)()

    def c_side():
        assert c_loop(h, xp, batch, cols, yp, rows, reps, ctypes.byref(times)) == 0
        return times[0] * 1e-9, times[1] * 1e-9

    ways = {"C": c_side} if c_loop else {}
    ways["ctypes"] = lambda: time_loop(lambda: f(h, xp, batch, cols, yp, rows), reps)
    ways["xbar"] = lambda: time_loop(lambda: core.mvm(x), reps)
    for way in ways.values():  # warm up
        way()
    t = {k: [] for k in ways}
    for _ in range(rounds):
        for k, way in ways.items():
            t[k].append(way())
    core.close()
    return {k: (min(r[0] for r in v), min(r[1] for r in v)) for k, v in t.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description="Per-call overhead of the Python layer over the C call.")
    ap.add_argument("--threads", type=int, default=1, help="library threads (0: one per core)")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    xbar.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        c_loop = build_loop(tmp)
        if c_loop is None:
            print("no C compiler or include/xbar.h: the bare ctypes call stands in for the C loop")
        print(f"xbar {xbar.version()}, {args.threads} library thread(s), min over {args.rounds} rounds; "
              "microseconds per call, wall / process CPU")
        print(f"{'size':>11} {'batch':>5} {'C':>17} {'ctypes':>17} {'xbar':>17} {'overhead':>17} {'of C (CPU)':>10}")
        verdict = None
        for rows, cols, batch, reps in CASES:
            r = measure(rows, cols, batch, reps, args.rounds, c_loop)
            base = r.get("C", r["ctypes"])
            over = (r["xbar"][0] - base[0], r["xbar"][1] - base[1])
            cell = lambda v: f"{v[0] * 1e6:8.2f} /{v[1] * 1e6:8.2f}"  # noqa: E731
            print(f"{rows:>4} x {cols:<4} {batch:>5} {cell(r['C']) if 'C' in r else '-':>17} "
                  f"{cell(r['ctypes'])} {cell(r['xbar'])} {cell(over)} {100 * over[1] / base[1]:9.1f}%")
            if (rows, cols, batch) == (1024, 1024, 1):
                verdict = over[1] / base[1]
    ok = verdict < 0.05
    print(f"overhead at 1024 x 1024, batch 1: {100 * verdict:.2f} % of the C call's CPU time "
          f"({'below' if ok else 'NOT below'} 5 %)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
