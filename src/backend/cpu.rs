//! The CPU backend: static blocks as one GEMM per weight slice and one
//! periphery pass over the batch ([`fused`]), every other block through its reference pipeline
//! ([`Mapping::apply`]) with the products of `product/` and the circuit
//! solvers, each array read from its own storage.

use super::{ArrayReads, Backend, BlockRead};
use crate::array::{Array, Op, ReadKey};
use crate::batch::{put_values, Batch, BatchMut};
use crate::circuit::adc::quantizer::Quantizer;
use crate::circuit::adc::Adc;
use crate::circuit::dac::Dac;
use crate::cost::counts::ArrayTerm;
use crate::error::Result;
use crate::mapping::bitsliced::Recombination;
use crate::mapping::{Mapping, StaticProducts};
use crate::product::gemm::{self, GemmElem, Source};
use crate::rng::Stream;
use crate::simd::multiversion;
use crate::storage::Conductances;
use crate::{recycle, threads};
use rayon::prelude::*;
#[cfg(test)]
use std::sync::atomic::Ordering;

/// Reads run on the CPU.
#[derive(Debug, Clone, Copy)]
pub struct Cpu;

impl ArrayReads for Cpu {
    fn read(&self, a: &Array, op: Op, x: &Batch, key: &ReadKey) -> Result<Batch> {
        a.read(op, x, key)
    }

    fn difference(&self, pos: &Array, neg: &Array, single: bool, op: Op, x: &Batch, _: &ReadKey) -> Result<Batch> {
        pos.difference_product(neg, single, op, x)
    }
}

impl Backend for Cpu {
    fn read_block(&self, block: &Mapping, mut read: BlockRead, y: &mut BatchMut, out0: usize) -> Result<()> {
        if fused(block, &mut read, y, out0)? {
            return Ok(());
        }
        read.reference(block, self, y, out0)
    }
}

/// A static block read ([`Mapping::static_products`]): per weight slice one
/// GEMM over every output and every vector ([`gemm::product`], on xbar's
/// pool), multiplying the pair's stored difference matrix
/// ([`Array::stored_difference`]); then the periphery (ADC, slice
/// recombination, output scaling, added straight into the core's outputs) in
/// one pass over the batch, in parallel over vectors. The DAC outputs go
/// straight into the product's precision. Between the steps the read holds
/// one `count × outputs` buffer of products (in the storage precision) and,
/// for a bit-sliced block, one of recombined sums (`f64`), both recycled
/// ([`crate::recycle`]).
///
/// The values are those of the reference pipeline bit for bit: the same
/// matrix goes through the same GEMM, and every later step is the same
/// operation on the same value, only in another loop order. Every output is
/// computed by one thread in a fixed order, so results do not depend on the
/// thread count. Returns `false` (having done nothing) when the block is
/// not static.
fn fused(block: &Mapping, read: &mut BlockRead, y: &mut BatchMut, out0: usize) -> Result<bool> {
    #[cfg(test)]
    if tests::REFERENCE.load(Ordering::Relaxed) {
        return Ok(false);
    }
    let Some(sp) = block.static_products(read.op, read.x.count) else {
        return Ok(false);
    };
    let diffs = sp
        .pairs
        .iter()
        .map(|&(pos, neg, single)| pos.stored_difference(neg, single))
        .collect::<Result<Vec<_>>>()?;
    // The pairs of a block share one storage precision.
    let (mut f32s, mut f64s) = (Vec::new(), Vec::new());
    for d in &diffs {
        match &**d {
            Conductances::Single(g) => f32s.push(&g[..]),
            Conductances::Double(g) => f64s.push(&g[..]),
        }
    }
    match (f32s.is_empty(), f64s.is_empty()) {
        (false, true) => run(block, &sp, &f32s, read, y, out0)?,
        (true, false) => run(block, &sp, &f64s, read, y, out0)?,
        _ => return Ok(false),
    }
    #[cfg(test)]
    tests::FUSED.fetch_add(1, Ordering::Relaxed);
    Ok(true)
}

/// [`fused`] in the product precision `E`, the slices' difference matrices `gs`.
fn run<E: GemmElem>(
    block: &Mapping,
    sp: &StaticProducts,
    gs: &[&[E]],
    read: &mut BlockRead,
    y: &mut BatchMut,
    out0: usize,
) -> Result<()> {
    let (pos, _, _) = sp.pairs[0];
    let op = read.op;
    let count = read.x.count;
    let shape = gemm::Shape {
        rows: pos.rows,
        cols: pos.cols,
        count,
    };
    let n_out = pos.outputs(op);
    let par = gemm::parallel(shape.work());
    let term = read
        .count
        .as_deref()
        .map(|c| (ArrayTerm::of(&block.periphery(op).dac), c.line_sums));
    let (xs, energies) = dac_pass::<E>(block, read, term, par);
    // Counted before the outputs are touched (the one step here that can fail).
    if let Some(c) = read.count.as_deref_mut() {
        c.count_energies(block, op, &energies, read.len, n_out)?;
    }
    // Each product is written by the GEMM, each sum by the first slice.
    let mut prod = recycle::scratch(n_out * count, E::default());
    let mut acc = match sp.recombination {
        Some(_) => recycle::scratch(n_out * count, 0.0),
        None => Vec::new(),
    };
    let lanes = Lanes {
        par,
        n_out,
        out0,
        y_len: y.len,
    };
    for (i, g) in gs.iter().enumerate() {
        gemm::product(&Source::Stored(g), op, shape, &xs, &mut prod);
        let adc = sp.adcs[i];
        let rounding = adc.and_then(|a| a.rounding(&read.key, 0));
        let step = Step {
            first: i == 0,
            fresh: read.fresh,
            s_out: read.s_out,
            rec: sp.recombination.as_ref().map(|r| (r, r.weight(i))),
        };
        match adc {
            None | Some(Adc::Ideal) => lanes.slice(&Exact, &step, &prod, y.data, &mut acc),
            Some(Adc::Uniform(q)) => lanes.slice(&Uniform(q), &step, &prod, y.data, &mut acc),
            Some(a) => lanes.slice(&Any(a, rounding.as_ref()), &step, &prod, y.data, &mut acc),
        }
    }
    if let Some(rec) = &sp.recombination {
        let s_out = read.s_out;
        let fresh = read.fresh;
        lanes.each(y.data, &acc, |b, d, a| finish_sums(rec, fresh, s_out[b], d, a));
    }
    recycle::give(prod);
    recycle::give(acc);
    recycle::give(xs);
    Ok(())
}

/// One vector of [`dac_pass`]: its DAC outputs in `E`, its inputs (all
/// lines), its input scale and its array term.
type DacItem<'a, E> = (((&'a mut [E], &'a [f64]), &'a f64), &'a mut f64);

/// The block's DAC outputs for every vector of `read` ([`crate::circuit::dac::Dac::scaled`] of its
/// input lines), written straight into the product's precision `E`, and,
/// with `term` (the array term's form and the input lines' conductance
/// sums, when costs are counted), each vector's array term
/// ([`ArrayTerm::vector`], the cost counters' only use of the DAC outputs).
/// One pass over the inputs, a vector at a time through a buffer of its own,
/// in xbar's pool when `par`: each vector's values and term are computed on
/// their own, so the split over threads changes no bit.
fn dac_pass<E: GemmElem>(
    block: &Mapping,
    read: &BlockRead,
    term: Option<(ArrayTerm, &[f64])>,
    par: bool,
) -> (Vec<E>, Vec<f64>) {
    let dac = &block.periphery(read.op).dac;
    let (first, len, count) = (read.first, read.len, read.x.count);
    // Every value is written below (`len` per vector), and every term.
    let mut xs: Vec<E> = recycle::scratch(len * count, E::default());
    let mut energies = vec![0.0; count];
    if len == 0 {
        return (xs, energies);
    }
    let one = |v: &mut Vec<f64>, (((xb, src), &s), e): DacItem<E>| {
        *e = dac_vector(dac, &src[first..first + len], s, v, term.as_ref(), xb);
    };
    let x = read.x;
    if par {
        threads::install(|| {
            xs.par_chunks_mut(len)
                .zip(x.data.par_chunks(x.len))
                .zip(read.s_in)
                .zip(&mut energies)
                .with_min_len(VECTORS_PER_TASK)
                .for_each_init(|| vec![0.0; len], one)
        });
    } else {
        let mut v = vec![0.0; len];
        xs.chunks_mut(len)
            .zip(x.data.chunks(x.len))
            .zip(read.s_in)
            .zip(&mut energies)
            .for_each(|item| one(&mut v, item));
    }
    (xs, energies)
}

/// An ADC as the periphery pass applies it: one value `v` of output line
/// `line`, element `k` (`b·outputs + line`) of the batch. One type per kind
/// of converter, so the pass's loop has no dispatch in it.
trait Digitise: Sync {
    fn at(&self, v: f64, k: usize, line: usize) -> f64;
}

/// No ADC (or an ideal one).
struct Exact;
/// A uniform quantiser.
struct Uniform<'a>(&'a Quantizer);
/// Any ADC, through [`Adc::convert_at`] with its rounding stream.
struct Any<'a>(&'a Adc, Option<&'a Stream>);

impl Digitise for Exact {
    #[inline(always)]
    fn at(&self, v: f64, _: usize, _: usize) -> f64 {
        v
    }
}

impl Digitise for Uniform<'_> {
    #[inline(always)]
    fn at(&self, v: f64, _: usize, _: usize) -> f64 {
        self.0.convert(v)
    }
}

impl Digitise for Any<'_> {
    #[inline(always)]
    fn at(&self, v: f64, k: usize, line: usize) -> f64 {
        self.0.convert_at(v, self.1, k, line)
    }
}

/// What one weight slice's pass does with its digitised outputs: add them,
/// scaled per vector by `s_out`, into the core's outputs (a balanced block;
/// the first slice of a [`BlockRead::fresh`] read writes them, `0.0 + v`)
/// or into the recombined sums (`rec`: the recombination and the slice's
/// weight; the first slice sets the sums).
struct Step<'a> {
    first: bool,
    fresh: bool,
    s_out: &'a [f64],
    rec: Option<(&'a Recombination, f64)>,
}

/// How a batch's outputs are laid out: `n_out` outputs per vector in the
/// products, written to entries `out0..out0 + n_out` of each `y_len`-long
/// vector of the core's outputs; `par`: in xbar's pool.
#[derive(Clone, Copy)]
struct Lanes {
    par: bool,
    n_out: usize,
    out0: usize,
    y_len: usize,
}

/// One vector of [`dac_pass`]: the DAC outputs of inputs `src` scaled by
/// `s` ([`Dac::scaled`], into `v`), written to `xb` in the product's
/// precision; returns the vector's array term against `term`'s line sums
/// (0 without).
#[inline(always)]
fn dac_vector_of<E: GemmElem>(
    dac: &Dac,
    src: &[f64],
    s: f64,
    v: &mut [f64],
    term: Option<&(ArrayTerm, &[f64])>,
    xb: &mut [E],
) -> f64 {
    dac.scaled(src, s, v);
    for (o, &u) in xb.iter_mut().zip(v.iter()) {
        *o = E::from_f64(u);
    }
    // A match, not `map_or`: its closure would not be inlined into the
    // vectorised forms of this function.
    match term {
        Some((t, sums)) => t.vector(v, sums),
        None => 0.0,
    }
}

multiversion! {
    fn dac_vector<E: GemmElem>(dac: &Dac, src: &[f64], s: f64, v: &mut [f64], term: Option<&(ArrayTerm, &[f64])>, xb: &mut [E]) -> f64 = dac_vector_of;
}

/// Vectors per task of a pass over the batch.
const VECTORS_PER_TASK: usize = 4;

impl Lanes {
    /// Runs `f(b, y_b, src_b)` for every vector `b`: `y_b` the block's
    /// outputs of vector `b` in `y`, `src_b` its `n_out` values in `src`.
    fn each<T: Sync>(&self, y: &mut [f64], src: &[T], f: impl Fn(usize, &mut [f64], &[T]) + Sync) {
        let (n, o0) = (self.n_out, self.out0);
        let one = |(b, (yb, sb)): (usize, (&mut [f64], &[T]))| f(b, &mut yb[o0..o0 + n], sb);
        if self.par {
            threads::install(|| {
                y.par_chunks_mut(self.y_len.max(1))
                    .zip(src.par_chunks(n.max(1)))
                    .enumerate()
                    .with_min_len(VECTORS_PER_TASK)
                    .for_each(one)
            });
        } else {
            y.chunks_mut(self.y_len.max(1))
                .zip(src.chunks(n.max(1)))
                .enumerate()
                .for_each(one);
        }
    }

    /// One weight slice's periphery: its products `prod` digitised by `d`,
    /// then `step` (into `y`, or into the recombined sums `acc`).
    fn slice<E: GemmElem, D: Digitise>(&self, d: &D, step: &Step, prod: &[E], y: &mut [f64], acc: &mut [f64]) {
        let n = self.n_out;
        match step.rec {
            None => {
                let write = step.first && step.fresh;
                self.each(y, prod, |b, yb, pb| {
                    into_outputs(d, write, step.s_out[b], b * n, yb, pb)
                })
            }
            Some((rec, f)) => {
                // The sums are laid out as the products: a plain zip of the two.
                let lanes = Lanes {
                    out0: 0,
                    y_len: n,
                    ..*self
                };
                let first = step.first;
                lanes.each(acc, prod, |b, ab, pb| into_sums(d, rec, f, first, b * n, ab, pb))
            }
        }
    }
}

/// One vector's outputs `yb` of a weight slice's pass: its products `pb`
/// digitised by `d` (element `k0 + l` of the batch for line `l`), scaled by
/// `so`, written (`write`: `0.0 + v`) or added.
#[inline(always)]
fn outputs_of<E: GemmElem, D: Digitise>(d: &D, write: bool, so: f64, k0: usize, yb: &mut [f64], pb: &[E]) {
    let values = yb.iter_mut().zip(pb).enumerate();
    put_values(values.map(|(l, (o, &p))| (o, d.at(p.into(), k0 + l, l) * so)), write);
}

multiversion! {
    fn into_outputs<E: GemmElem, D: Digitise>(d: &D, write: bool, so: f64, k0: usize, yb: &mut [f64], pb: &[E]) -> () = outputs_of;
}

/// One vector's recombined sums `ab` after a weight slice: its products
/// `pb` digitised by `d` (element `k0 + l`, line `l`) and put in slice units
/// ([`Recombination::slice`]); the first slice sets the sums, later ones add
/// `f` (the slice's place value) times theirs.
#[inline(always)]
fn sums_of<E: GemmElem, D: Digitise>(
    d: &D,
    rec: &Recombination,
    f: f64,
    first: bool,
    k0: usize,
    ab: &mut [f64],
    pb: &[E],
) {
    let values = ab.iter_mut().zip(pb).enumerate();
    let values = values.map(|(l, (a, &p))| (a, rec.slice(d.at(p.into(), k0 + l, l))));
    if first {
        values.for_each(|(a, o)| *a = o);
    } else {
        values.for_each(|(a, o)| *a += f * o);
    }
}

multiversion! {
    fn into_sums<E: GemmElem, D: Digitise>(d: &D, rec: &Recombination, f: f64, first: bool, k0: usize, ab: &mut [f64], pb: &[E]) -> () = sums_of;
}

/// One vector's outputs `yb` from its recombined sums `ab`
/// ([`Recombination::finish`]) scaled by `so`, written (`write`: `0.0 + v`)
/// or added.
#[inline(always)]
fn finished(rec: &Recombination, write: bool, so: f64, yb: &mut [f64], ab: &[f64]) {
    put_values(
        yb.iter_mut().zip(ab).map(|(o, &a)| (o, rec.finish(a, None) * so)),
        write,
    );
}

multiversion! {
    fn finish_sums<>(rec: &Recombination, write: bool, so: f64, yb: &mut [f64], ab: &[f64]) -> () = finished;
}

#[cfg(test)]
mod tests {
    use crate::{threads, Core, Layout, Params};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Reads take the reference pipeline (the read may run on a pool thread).
    pub(super) static REFERENCE: AtomicBool = AtomicBool::new(false);
    /// Blocks read by the fused pass.
    pub(super) static FUSED: AtomicUsize = AtomicUsize::new(0);

    fn data(n: usize, seed: usize) -> Vec<f64> {
        (0..n)
            .map(|k| (((k * 7919 + seed * 104729) % 1009) as f64 - 504.0) / 504.0)
            .collect()
    }

    /// MVM and VMM outputs of a core with `settings`, batch `batch`, by the
    /// fused pass or the reference pipeline, and its cost report (counted
    /// from the DAC outputs, or from the fused pass's array terms).
    fn outputs(settings: &[(&str, &str)], reference: bool, batch: usize) -> (Vec<f64>, String) {
        let (rows, cols) = (300, 280);
        let mut p = Params::default();
        for (k, v) in settings {
            p.set_json(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
        let mut c = Core::new(&p, rows, cols, 77).unwrap();
        c.program(&data(rows * cols, 1), Layout::RowMajor).unwrap();
        REFERENCE.store(reference, Ordering::Relaxed);
        let mut out = Vec::new();
        for call in 0..2 {
            let mut y = vec![0.0; batch * rows];
            c.mvm(&data(batch * cols, 2 + call), batch, &mut y).unwrap();
            out.extend(y);
            let mut z = vec![0.0; batch * cols];
            c.vmm(&data(batch * rows, 5 + call), batch, &mut z).unwrap();
            out.extend(z);
        }
        REFERENCE.store(false, Ordering::Relaxed);
        (out, c.cost_json().unwrap())
    }

    const DAC: (&str, &str) = ("xbar.dac.mvm", r#"{"model": "SignMagnitudeDAC", "bits": 8}"#);
    const DAC_V: (&str, &str) = ("xbar.dac.vmm", r#"{"model": "SignMagnitudeDAC", "bits": 8}"#);
    const ERROR: (&str, &str) = (
        "xbar.device.programming_error",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}"#,
    );

    /// The stored difference follows the conductances: after a new
    /// programming and after an outer-product update, the fused pass reads
    /// the new matrix (the reference pipeline's outputs), not the old one.
    #[test]
    fn stored_differences_follow_writes() {
        let (rows, cols, batch) = (40, 30, 6);
        let mut c = Core::new(&Params::default(), rows, cols, 5).unwrap();
        let read = |c: &mut Core, reference: bool| {
            REFERENCE.store(reference, Ordering::Relaxed);
            let mut y = vec![0.0; batch * rows];
            c.mvm(&data(batch * cols, 3), batch, &mut y).unwrap();
            REFERENCE.store(false, Ordering::Relaxed);
            y
        };
        c.program(&data(rows * cols, 1), Layout::RowMajor).unwrap();
        let first = read(&mut c, false);
        assert_eq!(first, read(&mut c, true));
        c.program(&data(rows * cols, 9), Layout::RowMajor).unwrap();
        let second = read(&mut c, false);
        assert_ne!(first, second, "the new weights change the outputs");
        assert_eq!(second, read(&mut c, true));
        c.update(&data(cols, 4), &data(rows, 6), 1, 0.05).unwrap();
        let third = read(&mut c, false);
        assert_ne!(second, third, "the update changes the outputs");
        assert_eq!(third, read(&mut c, true));
    }

    /// Every static configuration the fused pass takes gives the reference
    /// pipeline's outputs bit for bit, at 1 and 2 threads.
    #[test]
    fn fused_reads_are_the_reference_pipeline_bit_for_bit() {
        let adc = |o: &str| {
            (
                if o == "mvm" { "xbar.adc.mvm" } else { "xbar.adc.vmm" },
                r#"{"model": "QuantizerADC", "bits": 8, "calibrated_range": [-12, 12], "stochastic_rounding": true}"#,
            )
        };
        let cases: Vec<Vec<(&str, &str)>> = vec![
            vec![],
            vec![("simulation.conductance_precision", "\"float64\"")],
            vec![
                DAC,
                DAC_V,
                adc("mvm"),
                adc("vmm"),
                ERROR,
                ("core.rows_max", "128"),
                ("core.cols_max", "200"),
            ],
            vec![
                ("core.style", "\"BITSLICED\""),
                ("core.weight_bits", "8"),
                ("core.bit_sliced.num_slices", "4"),
                DAC,
                DAC_V,
                (
                    "xbar.adc.mvm",
                    r#"{"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"}"#,
                ),
                (
                    "xbar.adc.vmm",
                    r#"{"model": "QuantizerADC", "bits": 8, "adc_range_option": "MAX"}"#,
                ),
                ERROR,
            ],
            vec![
                ("core.style", "\"BITSLICED\""),
                ("core.weight_bits", "6"),
                ("core.bit_sliced.num_slices", "3"),
                ("xbar.device.cell_bits", "0"),
                ("xbar.device.Rmin", "1000"),
                ("xbar.device.Rmax", "10000"),
                adc("mvm"),
                adc("vmm"),
            ],
        ];
        for (k, case) in cases.iter().enumerate() {
            let (want, want_cost) = outputs(case, true, 9);
            for n in [1, 2] {
                threads::set_num_threads(n);
                FUSED.store(0, Ordering::Relaxed);
                let (got, cost) = outputs(case, false, 9);
                assert_eq!(want_cost, cost, "case {k}, {n} threads: cost reports");
                assert!(
                    FUSED.load(Ordering::Relaxed) > 0,
                    "case {k}: the fused pass was not taken"
                );
                assert_eq!(want.len(), got.len());
                for (i, (a, b)) in want.iter().zip(&got).enumerate() {
                    assert_eq!(
                        a.to_bits(),
                        b.to_bits(),
                        "case {k}, {n} threads, output {i}: {a} vs {b}"
                    );
                }
            }
            threads::set_num_threads(0);
        }
    }
}
