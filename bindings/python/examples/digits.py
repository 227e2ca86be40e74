#!/usr/bin/env python3
"""digits.py: the digits example (examples/digits/) through the Python package.

A 64-32-10 perceptron (ReLU hidden layer, softmax outputs) on the UCI optical
digits: trained in floating point, programmed on xbar cores and evaluated
with ADC and DAC resolutions, read noise, device models, PCM drift and wire
resistance, then trained in situ on the cores. It is the run of
``cargo run --release --example digits`` step for step (as examples/c/digits.c
is): the same split, initial weights and sample order (from the same
Philox4x32-10 stream), the same floating-point operations in the same order,
the same parameters and core seeds; so digits.csv holds the same numbers, bit
for bit, and the table on stdout is the same. No plot is drawn.

How the floating-point work stays bit-identical with NumPy: every sum is
accumulated term by term in the order of the Rust code, as a loop over the
summed index whose body is one element-wise NumPy operation over the other
indices (element-wise IEEE operations round exactly as scalar ones do; NumPy's
reductions such as ``sum`` and ``@`` use other orders and are not used for
sums). ``exp`` is ``math.exp`` (the C library's, as in Rust), not ``np.exp``.

Run from the repository after ``pip install ./bindings/python``:

    python bindings/python/examples/digits.py [--quick | --full] [--out DIR] [--data FILE]

``--data`` reads the images from a CSV file (``.gz`` allowed; ``-`` for
standard input): one image per line, 65 comma-separated integers (the 64
pixels 0..16 row by row, then the label 0..9). Default: the repository's
examples/data/digits.csv.gz.
"""

from __future__ import annotations

import argparse
import decimal
import gzip
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

import xbar

PIXELS, CLASSES, HIDDEN, BATCH = 64, 10, 32, 16
FLOAT_LR = 0.05
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "examples", "data", "digits.csv.gz")

# ------------------------------------------------------------------ utilities


def fmt(v: float) -> str:
    """``v`` as Rust's ``{}`` Display writes an f64: the shortest decimal that reads
    back as ``v``, positional (never an exponent), without a fraction when there is
    none: 4.0 -> "4", 1e-7 -> "0.0000001", -0.0 -> "-0"."""
    text = format(decimal.Decimal(repr(float(v))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def table_line(group: str, setting: str, runs: str, accuracy: str) -> None:
    """One line of the table: ``{group:<12} {setting:<70} {runs:>4}  {accuracy}``."""
    print(f"{group:<12} {setting:<70} {runs:>4}  {accuracy}")


def library_message(e: xbar.Error) -> str:
    """The library's message without its leading ``function: `` (the Rust error's text)."""
    m = str(e)
    i = m.find(": ")
    return m[i + 2 :] if i >= 0 else m


def status_text(e: xbar.Error, unavailable: bool = False) -> str:
    """``unavailable: <message>`` for what this build cannot simulate, else ``error: ...``."""
    unavailable = unavailable or isinstance(e, (xbar.UnsupportedError, xbar.BackendUnavailableError))
    return f"{'unavailable' if unavailable else 'error'}: {library_message(e)}"


# -------------------------------------------------------------- randomness

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_LO = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


def philox4x32(c: List[np.ndarray], k0: int, k1: int) -> List[np.ndarray]:
    """Philox4x32-10 (src/rng/mod.rs) of the counters ``c`` (four uint64 arrays holding
    32-bit words) under the key ``(k0, k1)``."""
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & 0xFFFFFFFF
            k1 = (k1 + _W1) & 0xFFFFFFFF
        p0 = _M0 * c[0]
        p1 = _M1 * c[2]
        c = [(p1 >> _S32) ^ c[1] ^ np.uint64(k0), p1 & _LO, (p0 >> _S32) ^ c[3] ^ np.uint64(k1), p0 & _LO]
    return c


class Rng:
    """The example's own randomness (examples/digits/random.rs): element i of xbar's
    stream (seed, array u32::MAX, purpose Update = 6, call 0), i.e. the Philox block
    of key (seed low, seed high) and counter (i, 0xFFFFFFFF, 6 << 24, 0)."""

    def __init__(self, seed: int) -> None:
        self.seed, self.next = seed, 0

    def uniforms(self, n: int) -> np.ndarray:
        """The next ``n`` uniforms in [0, 1): 53 bits, word 0 above the top 21 bits of word 1."""
        i = np.arange(self.next, self.next + n, dtype=np.uint64)
        self.next += n
        c = [i, np.full(n, 0xFFFFFFFF, np.uint64), np.full(n, 6 << 24, np.uint64), np.zeros(n, np.uint64)]
        c = philox4x32(c, self.seed & 0xFFFFFFFF, self.seed >> 32)
        m = (c[0] << np.uint64(21)) | (c[1] >> np.uint64(11))
        return m.astype(np.float64) * (1.0 / 9007199254740992.0)

    def shuffle(self, v: list) -> None:
        """Fisher-Yates, from the last element down; j uniform in 0..=i."""
        n = len(v)
        if n < 2:
            return
        u = self.uniforms(n - 1)
        for k, i in enumerate(range(n - 1, 0, -1)):
            j = min(int(u[k] * float(i + 1)), i)
            v[i], v[j] = v[j], v[i]


# -------------------------------------------------------------------- data


@dataclass
class Set:
    x: np.ndarray  # n x PIXELS, pixels / 16
    y: np.ndarray  # n labels

    @property
    def n(self) -> int:
        return len(self.y)

    def gather(self, idx) -> "Set":
        return Set(np.ascontiguousarray(self.x[idx]), self.y[idx])


def load(path: str) -> Set:
    if path == "-":
        text = sys.stdin.read()
    elif path.endswith(".gz"):
        with gzip.open(path, "rt") as f:
            text = f.read()
    else:
        with open(path) as f:
            text = f.read()
    xs, ys = [], []
    for number, line in enumerate(io.StringIO(text), 1):
        if not line.strip():
            continue
        try:
            values = [int(v) for v in line.split(",")]
            ok = len(values) == PIXELS + 1 and all(0 <= v <= 16 for v in values[:-1]) and 0 <= values[-1] < CLASSES
        except ValueError:
            ok = False
        if not ok:
            sys.exit(f"digits: {path}, line {number}: expected 65 integers separated by commas "
                     "(64 pixels 0..16, then a label 0..9)")
        xs.append(values[:-1])
        ys.append(values[-1])
    if not ys:
        sys.exit(f"digits: no images in {path}")
    return Set(np.array(xs, dtype=np.float64) / 16.0, np.array(ys, dtype=np.int64))


def split(all_: Set, test_share: float, seed: int) -> Tuple[Set, Set]:
    """A stratified split: ``test_share`` of each class to the test set, chosen by a
    seeded shuffle; both sets are then shuffled."""
    rng = Rng(seed)
    tr, te = [], []
    for c in range(CLASSES):
        idx = [i for i in range(all_.n) if all_.y[i] == c]
        rng.shuffle(idx)
        k = int(math.floor(len(idx) * test_share + 0.5))  # C's round(): halves away from zero
        te += idx[:k]
        tr += idx[k:]
    rng.shuffle(tr)
    rng.shuffle(te)
    return all_.gather(tr), all_.gather(te)


# ------------------------------------------------------------------ layers


class Layer:
    """A weight matrix W (rows x cols): in floating point (``w``) or on an xbar.Core."""

    def __init__(self, w: Optional[np.ndarray] = None, core: Optional[xbar.Core] = None) -> None:
        self.w, self.core = w, core
        self.rows, self.cols = (w.shape if w is not None else core.shape)

    @staticmethod
    def init(rows: int, cols: int, rng: Rng) -> "Layer":
        """He-uniform: U(-a, a) with a = sqrt(6 / cols)."""
        a = math.sqrt(6.0 / cols)
        return Layer(w=(a * (2.0 * rng.uniforms(rows * cols) - 1.0)).reshape(rows, cols))

    def copy(self) -> "Layer":
        return Layer(w=self.w.copy())

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y[b] = W x[b]; each dot product summed left to right from -0.0."""
        if self.core is not None:
            return self.core.mvm(x)
        y = np.full((x.shape[0], self.rows), -0.0)
        for j in range(self.cols):
            y += x[:, j, None] * self.w[None, :, j]
        return y

    def backward(self, v: np.ndarray) -> np.ndarray:
        """y[b] = v[b] W, accumulated over the rows of W in order."""
        if self.core is not None:
            return self.core.vmm(v)
        y = np.zeros((v.shape[0], self.cols))
        for i in range(self.rows):
            y += v[:, i, None] * self.w[None, i, :]
        return y

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        """W += lr sum_b d[b] (outer) x[b], sample after sample; on a core through its
        update model, one write per sample."""
        if self.core is not None:
            self.core.update(x, d, lr)
            return
        for b in range(x.shape[0]):
            self.w += (lr * d[b])[:, None] * x[b][None, :]

    def close(self) -> None:
        if self.core is not None:
            self.core.close()


@dataclass
class Mlp:
    """Inputs -> l1 -> + b1 -> ReLU -> l2 -> + b2 -> class scores; biases in floating point."""

    l1: Layer
    l2: Layer
    b1: np.ndarray = field(default_factory=lambda: np.zeros(HIDDEN))
    b2: np.ndarray = field(default_factory=lambda: np.zeros(CLASSES))

    def copy(self) -> "Mlp":
        return Mlp(self.l1.copy(), self.l2.copy(), self.b1.copy(), self.b2.copy())

    def close(self) -> None:
        self.l1.close()
        self.l2.close()

    def forward(self, x: np.ndarray):
        """(pre-activations, hidden, scores) of a batch."""
        pre = self.l1.forward(x) + self.b1[None, :]
        hidden = np.where(pre > 0.0, pre, 0.0)
        scores = self.l2.forward(hidden) + self.b2[None, :]
        return pre, hidden, scores

    def accuracy(self, s: Set) -> float:
        """Share of correctly classified images in percent (argmax: the first on ties)."""
        _, _, scores = self.forward(s.x)
        correct = int(np.count_nonzero(np.argmax(scores, axis=1) == s.y))
        return 100.0 * correct / s.n

    def sgd_step(self, x: np.ndarray, y: np.ndarray, lr: float) -> None:
        """One SGD step with softmax cross-entropy (as examples/digits/mlp.rs)."""
        batch = x.shape[0]
        pre, hidden, scores = self.forward(x)
        shifted = scores - np.max(scores, axis=1)[:, None]
        e = np.array([math.exp(v) for v in shifted.ravel()]).reshape(shifted.shape)
        z = np.full(batch, -0.0)
        for k in range(CLASSES):
            z += e[:, k]
        onehot = np.zeros((batch, CLASSES))
        onehot[np.arange(batch), y] = 1.0
        d2 = (e / z[:, None] - onehot) / float(batch)
        d1 = self.l2.backward(d2)
        d1[pre <= 0.0] = 0.0
        self.l2.update(hidden, -d2, lr)
        self.l1.update(x, -d1, lr)
        self.b2 -= lr * column_sums(d2)
        self.b1 -= lr * column_sums(d1)

    def epoch(self, train: Set, batch: int, lr: float, rng: Rng) -> None:
        """One epoch of minibatch SGD over ``train`` in an order drawn from ``rng``."""
        order = list(range(train.n))
        rng.shuffle(order)
        for start in range(0, train.n, batch):
            mb = train.gather(order[start : start + batch])
            self.sgd_step(mb.x, mb.y, lr)


def column_sums(m: np.ndarray) -> np.ndarray:
    """Column sums, row after row from +0.0."""
    s = np.zeros(m.shape[1])
    for r in range(m.shape[0]):
        s += m[r]
    return s


# --------------------------------------------------------- analog network


@dataclass
class LayerInfo:
    """What a layer's periphery has to cover, measured on the training set."""

    index: int  # 0: hidden layer, 1: output layer
    x_max: float  # largest input (inputs are non-negative)
    y_max: float  # largest |W x|, before the bias
    w_max: float  # max |W|


def calibrate(net: Mlp, train: Set) -> List[LayerInfo]:
    y1 = net.l1.forward(train.x)
    _, hidden, _ = net.forward(train.x)
    y2 = net.l2.forward(hidden)
    return [
        LayerInfo(0, max(0.0, float(train.x.max())), max(0.0, float(np.abs(y1).max())),
                  max(0.0, float(np.abs(net.l1.w).max()))),
        LayerInfo(1, max(0.0, float(hidden.max())), max(0.0, float(np.abs(y2).max())),
                  max(0.0, float(np.abs(net.l2.w).max()))),
    ]


def adc_range(p: xbar.Params, info: LayerInfo) -> float:
    """The ADC range holding every training output: (1 - Gmin/Gmax) y_max / (w_max x_max)."""
    gmin_norm = 0.0 if p["xbar.device.infinite_on_off_ratio"] else p["xbar.device.Rmin"] / p["xbar.device.Rmax"]
    return (1.0 - gmin_norm) * info.y_max / (info.w_max * info.x_max)


@dataclass
class Experiment:
    """One row of the table: changes to each layer's parameters (and a time)."""

    group: str
    label: str
    parameter: str = ""
    value: Optional[float] = None
    stochastic: bool = False
    time: Optional[float] = None
    sonos: bool = False
    adc_bits: int = 0
    sets: List[Tuple[str, object]] = field(default_factory=list)


def device_error(model: str, magnitude: float) -> dict:
    return {"enable": True, "model": model, "magnitude": magnitude}


def pcm_like(e: Experiment, compensate: bool) -> Experiment:
    e.sets += [
        ("xbar.device.infinite_on_off_ratio", True),
        ("xbar.device.drift_compensation", compensate),
        ("xbar.device.drift_error", device_error("PCMLike", 0.0)),
    ]
    return e


@dataclass
class Sweeps:
    adc_bits: List[int]
    dac_bits: List[int]
    proportional: List[float]
    independent: List[float]
    wire_ohms: List[float]


def all_experiments(s: Sweeps) -> List[Experiment]:
    out = [Experiment("analog", "ideal DAC, ADC and devices")]
    for b in s.adc_bits:
        out.append(Experiment("ADC", f"QuantizerADC {b} bits, calibrated range", "adc_bits", float(b), adc_bits=b))
    for b in s.dac_bits:
        out.append(Experiment("DAC", f"QuantizerDAC {b} bits, unsigned", "dac_bits", float(b),
                              sets=[("xbar.dac.mvm", {"model": "QuantizerDAC", "bits": b})]))
    for v in s.proportional:
        out.append(Experiment("read noise", f"NormalProportionalDevice σ = {fmt(v)}", "read_noise_proportional", v,
                              True, sets=[("xbar.device.read_noise", device_error("NormalProportionalDevice", v))]))
    for v in s.independent:
        out.append(Experiment("read noise", f"NormalIndependentDevice σ = {fmt(v)} Gmax", "read_noise_independent",
                              v, True,
                              sets=[("xbar.device.read_noise", device_error("NormalIndependentDevice", v))]))
    out.append(Experiment("device", "SONOS (SONOS-TCAS cells: 7 bits, programming error, read noise)", "device",
                          None, True, sonos=True, sets=[("xbar.device.read_noise", device_error("SONOS", 0.0))]))
    for label, device, model in [
        ("PCM, Joshi et al. (Rmin 40 kΩ, Rmax 4 MΩ, programming error)", {"Rmin": 40e3, "Rmax": 4e6}, "PCMJoshi"),
        ("RRAM, Wan et al. (Rmin 25.5 kΩ, Rmax 1 MΩ, programming error)", {"Rmin": 25.5e3, "Rmax": 1e6}, "RRAMWan"),
        ("RRAM, Milo et al. (Rmin 4.5 kΩ, Rmax 20 kΩ, programming error)", {"Rmin": 4.5e3, "Rmax": 20e3},
         "RRAMMilo"),
    ]:
        out.append(Experiment("device", label, "device", None, True,
                              sets=[("xbar.device", device),
                                    ("xbar.device.programming_error", device_error(model, 0.0))]))
    out.append(pcm_like(Experiment("device", "PCMLike (aihwkit PCM: programming noise, read at programming)",
                                   "device", None, True), False))
    day = 86400.0
    for compensate in (False, True):
        for name, t in (("1 s", 1.0), ("1 day", day), ("1 year", 365.25 * day)):
            out.append(pcm_like(Experiment(
                "drift", f"PCMLike after {name}, {'with' if compensate else 'without'} drift compensation",
                "drift_seconds_compensated" if compensate else "drift_seconds", t, True, time=t), compensate))
    for v in s.wire_ohms:
        out.append(Experiment("parasitics", f"wire resistance {fmt(v)} Ω per segment (Rmin 1 kΩ)", "wire_ohms", v,
                              sets=[("xbar.array.parasitics", {"enable": True, "Rp_row": v, "Rp_col": v})]))
    return out


def layer_params(e: Experiment, info: LayerInfo) -> xbar.Params:
    """xbar's defaults with inputs mapped from [0, x_max] onto an unsigned DAC, then e's changes."""
    p = xbar.Params()
    p["core.mapping.inputs.mvm"] = {"min": 0.0, "max": info.x_max, "percentile": None}
    p["xbar.dac.mvm.signed"] = False
    # Energy: the cells' dissipation for the arrays, Walden's law for both converters.
    p["xbar.cost.array.law"] = "cells"
    p["xbar.cost.dac.law"] = "walden"
    if e.sonos:
        with xbar.Params.preset("SONOS-TCAS") as preset:
            p["xbar.device"] = preset["xbar.device"]
    if e.adc_bits > 0:
        r = adc_range(p, info)
        p["xbar.adc.mvm"] = {"model": "QuantizerADC", "bits": e.adc_bits, "calibrated_range": [-r, r]}
    for path, value in e.sets:
        p[path] = value
    return p


def program_layer(d: Layer, p: xbar.Params, seed: int) -> Layer:
    core = xbar.Core(p, d.rows, d.cols, seed)
    core.program(d.w)
    return Layer(core=core)


def deploy(net: Mlp, infos: List[LayerInfo], seed: int, e: Experiment) -> Mlp:
    """Both layers on cores with e's parameters; layer l gets core seed 2 seed + l."""
    layers = []
    try:
        for dense, info in zip((net.l1, net.l2), infos):
            with layer_params(e, info) as p:
                layers.append(program_layer(dense, p, 2 * seed + info.index))
    except xbar.Error:
        for layer in layers:
            layer.close()
        raise
    return Mlp(layers[0], layers[1], net.b1.copy(), net.b2.copy())


def run_once(e: Experiment, net: Mlp, infos: List[LayerInfo], test: Set, seed: int) -> Tuple[float, float]:
    """The test accuracy and the energy per inference (J) of both layers' reads."""
    analog = deploy(net, infos, seed, e)
    try:
        if e.time is not None:
            analog.l1.core.set_time(e.time)
            analog.l2.core.set_time(e.time)
        # Count only the test set's reads (not drift compensation's reference reads).
        analog.l1.core.cost_reset()
        analog.l2.core.cost_reset()
        a = analog.accuracy(test)
        joules = (analog.l1.core.cost()["since_program"]["energy_j"]["total"]
                  + analog.l2.core.cost()["since_program"]["energy_j"]["total"])
        return a, joules / test.n
    finally:
        analog.close()


def run_experiment(e: Experiment, net: Mlp, infos: List[LayerInfo], test: Set, seeds: int):
    """(mean, sample std, runs, energy per inference) of the test accuracy over the core
    seeds 0..seeds-1 (one run when e is deterministic); the energy is the mean over the runs."""
    runs = seeds if e.stochastic else 1
    acc = []
    energy = 0.0
    for seed in range(runs):
        a, j = run_once(e, net, infos, test, seed)
        acc.append(a)
        energy += j / runs
    total = -0.0
    for a in acc:
        total += a
    mean = total / runs
    squares = -0.0
    for a in acc:
        squares += (a - mean) * (a - mean)
    var = squares / (max(runs, 2) - 1)
    return mean, (math.sqrt(var) if runs > 1 else 0.0), runs, energy


# ------------------------------------------------------------------- CSV


def csv_quoted(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def csv_row(rows: List[str], group: str, setting: str, parameter: str, value: Optional[float], runs: int,
            mean: Optional[float], std: Optional[float], status: str) -> None:
    num = lambda v: "" if v is None else fmt(v)  # noqa: E731
    rows.append(f"{csv_quoted(group)},{csv_quoted(setting)},{parameter},{num(value)},{runs},{num(mean)},"
                f"{num(std)},{csv_quoted(status)}\n")


# ------------------------------------------------------- in-situ training

VARIANTS = [
    ("float64", None),
    ("Analytic, linear", '{"model": "Analytic"}'),
    ("Analytic, alpha = 3", '{"model": "Analytic", "alpha": 3.0}'),
    ("Analytic, write noise 0.05", '{"model": "Analytic", "write_noise": 0.05}'),
]


@dataclass
class Settings:
    epochs: int
    batch: int = BATCH
    lr: float = 0.1  # epoch e (from 0) uses lr / (1 + e/4)
    w_range: float = 1.0  # weights in [-w_range, w_range] on the conductance range
    seed: int = 11  # sample order; core seeds 2 seed and 2 seed + 1


def insitu_network(init: Mlp, st: Settings, update: str) -> Mlp:
    """init's weights on two cores with a fixed weight range and the update model."""
    with xbar.Params() as p:
        p["xbar.device.update"] = json.loads(update)
        p["core.mapping.weights"] = {"clipping": True, "min": -st.w_range, "max": st.w_range, "percentile": None}
        l1 = program_layer(init.l1, p, 2 * st.seed)
        try:
            l2 = program_layer(init.l2, p, 2 * st.seed + 1)
        except xbar.Error:
            l1.close()
            raise
    return Mlp(l1, l2, init.b1.copy(), init.b2.copy())


def insitu_variant(update: Optional[str], init: Mlp, train: Set, test: Set, st: Settings):
    """(accuracy per epoch, None), or (None, status text) when the variant cannot run."""
    try:
        net = insitu_network(init, st, update) if update else init.copy()
        try:
            order = Rng(st.seed)
            acc = []
            for epoch in range(st.epochs):
                net.epoch(train, st.batch, st.lr / (1.0 + epoch / 4.0), order)
                acc.append(net.accuracy(test))
        finally:
            net.close()
        return acc, None
    except xbar.Error as e:
        # An xbar without update models does not know the parameter path.
        unknown_update = isinstance(e, xbar.ParamsError) and "xbar.device.update" in library_message(e)
        return None, status_text(e, unknown_update)


# ------------------------------------------------------------------- main

PRESETS = {
    "quick": (2, 60, 2, Sweeps([4, 6, 8], [4, 6, 8], [0.05, 0.2], [0.02, 0.1], [1.0])),
    "default": (10, 60, 15, Sweeps([4, 5, 6, 7, 8], [4, 5, 6, 7, 8], [0.02, 0.05, 0.1, 0.2, 0.3],
                                   [0.01, 0.02, 0.05, 0.1, 0.2], [0.1, 1.0])),
    "full": (50, 60, 30, Sweeps(list(range(2, 11)), list(range(1, 11)), [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5],
                                [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3], [0.1, 0.3, 1.0, 3.0])),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="The digits study through xbar's Python package.")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_const", dest="preset", const="quick",
                   help="fewer settings, 2 seeds, 2 in-situ epochs")
    g.add_argument("--full", action="store_const", dest="preset", const="full",
                   help="wider sweeps, 50 seeds, 30 in-situ epochs")
    ap.add_argument("--out", default="target/digits-from-python", help="folder for digits.csv")
    ap.add_argument("--data", default=DEFAULT_DATA, help="images as CSV (.gz allowed, - for stdin)")
    args = ap.parse_args(argv)
    name = args.preset or "default"
    seeds, float_epochs, insitu_epochs, sweeps = PRESETS[name]

    start = time.monotonic()
    train, test = split(load(args.data), 0.25, 2024)
    if train.n == 0 or test.n == 0:
        sys.exit("digits: too few images for a training and a test set")
    rng = Rng(7)
    init = Mlp(Layer.init(HIDDEN, PIXELS, rng), Layer.init(CLASSES, HIDDEN, rng))
    net = init.copy()
    order = Rng(11)
    for _ in range(float_epochs):
        net.epoch(train, BATCH, FLOAT_LR, order)
    float_acc = net.accuracy(test)
    t_float = time.monotonic() - start
    infos = calibrate(net, train)

    print(f"xbar {xbar.version()} — digits: a 64-{HIDDEN}-10 perceptron on the UCI optical digits "
          f"({train.n} training / {test.n} test images)")
    print(f'preset "{name}": {seeds} core seeds per stochastic row (mean ± std); biases and ReLU in digital\n')
    table_line("group", "setting", "runs", f"{'test accuracy (%)':<18} energy/inference")
    print("-" * 129)
    table_line("software", f"float64, {float_epochs} epochs of SGD", "1", f"{float_acc:.2f}")
    sys.stdout.flush()

    rows = ["group,setting,parameter,value,runs,accuracy_mean,accuracy_std,status\n"]
    csv_row(rows, "software", "float64", "", None, 1, float_acc, None, "ok")
    phase = time.monotonic()
    for e in all_experiments(sweeps):
        try:
            mean, std, runs, energy = run_experiment(e, net, infos, test, seeds)
        except xbar.Error as err:
            status = status_text(err)
            table_line(e.group, e.label, "-", status)
            csv_row(rows, e.group, e.label, e.parameter, e.value, 0, None, None, status)
            continue
        acc = f"{mean:.2f} ± {std:.2f}" if runs > 1 else f"{mean:.2f}"
        table_line(e.group, e.label, str(runs), f"{acc:<18} {energy * 1e9:.3f} nJ")
        csv_row(rows, e.group, e.label, e.parameter, e.value, runs, mean, std, "ok")
        sys.stdout.flush()
    t_analog = time.monotonic() - phase
    print()

    phase = time.monotonic()
    st = Settings(epochs=insitu_epochs)
    results = [insitu_variant(update, init, train, test, st) for _, update in VARIANTS]
    print("in-situ training from the initial weights: forward MVM, backward VMM, one outer-product write per sample")
    print(f"(xbar.device.update; weights in [-{fmt(st.w_range)}, {fmt(st.w_range)}] on the conductance range; "
          f"batch {st.batch}, lr {fmt(st.lr)} / (1 + epoch/4)); test accuracy (%)")
    print(f"{'epoch':>6}" + "".join(f"  {v[0]:>26}" for v in VARIANTS))
    for epoch in range(st.epochs):
        print(f"{epoch + 1:>6}" + "".join(f"  {acc[epoch]:26.2f}" if acc else f"  {'-':>26}" for acc, _ in results))
    for (vname, update), (acc, status) in zip(VARIANTS, results):
        setting = f"{vname}: xbar.device.update = {update}" if update else vname
        if acc is None:
            print(f"in-situ training ({vname}): {status}")
            csv_row(rows, "in-situ training", setting, "epoch", None, 0, None, None, status)
            continue
        for epoch, a in enumerate(acc):
            csv_row(rows, "in-situ training", setting, "epoch", float(epoch + 1), 1, a, None, "ok")
    t_insitu = time.monotonic() - phase

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(rows))
    print(f"\nwrote {path}")
    print(f"time: {time.monotonic() - start:.1f} s (data and float training {t_float:.1f} s, "
          f"analog inference {t_analog:.1f} s, in-situ training {t_insitu:.1f} s)")
    init.close()
    net.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
