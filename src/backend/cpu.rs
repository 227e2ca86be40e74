//! The CPU backend: static blocks as one fused pass over blocks of outputs
//! ([`fused`]), every other block through its reference pipeline
//! ([`Mapping::apply`]) with the products of `product/` and the circuit
//! solvers, each array read from its own storage.

use super::{ArrayReads, Backend, BlockRead};
use crate::array::{Array, Op, ReadKey};
use crate::batch::Batch;
use crate::error::Result;
use crate::mapping::{Mapping, StaticProducts};
use crate::product::gemm::{self, AnySource, GemmElem, Source};
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
    fn read_block(&self, block: &Mapping, mut read: BlockRead, y: &mut Batch, out0: usize) -> Result<()> {
        if fused(block, &mut read, y, out0)? {
            return Ok(());
        }
        read.reference(block, self, y, out0)
    }
}

/// A static block read ([`Mapping::static_products`]) as one pass over
/// blocks of [`gemm::OUT_BLOCK`] outputs: each block's products (one GEMM
/// per weight slice, [`gemm::block`]), its ADCs, its slice recombination and
/// output scaling run on one thread while the block is in cache, and the
/// results are added straight into the core's outputs. No batch of `count ×
/// outputs` values is built between the steps; the DAC outputs go straight
/// into the product's precision.
///
/// The values are those of the reference pipeline bit for bit: the same
/// blocks go through the same GEMM, and every later step is the same
/// operation on the same value, only in another loop order. Blocks are
/// fixed by the shape, so results do not depend on the thread count.
/// Returns `false` (having done nothing) when the block is not static.
fn fused(block: &Mapping, read: &mut BlockRead, y: &mut Batch, out0: usize) -> Result<bool> {
    #[cfg(test)]
    if tests::REFERENCE.load(Ordering::Relaxed) {
        return Ok(false);
    }
    let Some(sp) = block.static_products(read.op, read.x.count) else {
        return Ok(false);
    };
    let sources = sp
        .pairs
        .iter()
        .map(|&(pos, neg, single)| pos.difference_source(neg, single))
        .collect::<Result<Vec<_>>>()?;
    // The pairs of a block share one storage precision.
    let (mut f32s, mut f64s) = (Vec::new(), Vec::new());
    for s in sources {
        match s {
            AnySource::F32(s) => f32s.push(s),
            AnySource::F64(s) => f64s.push(s),
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

/// [`fused`] in the product precision `E`, the slices' differences `sources`.
fn run<E: GemmElem>(
    block: &Mapping,
    sp: &StaticProducts,
    sources: &[Source<E>],
    read: &mut BlockRead,
    y: &mut Batch,
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
    // DAC outputs of every vector, and in the product's precision.
    let xd = block.dac_outputs_of(op, read.x, read.first, read.len, read.s_in);
    let xs: Vec<E> = gemm::convert(&xd.data);
    let roundings: Vec<_> = sp
        .adcs
        .iter()
        .map(|a| a.and_then(|a| a.rounding(&read.key, 0)))
        .collect();
    // Each block's share of every vector's outputs in `y`.
    let n_blocks = gemm::blocks(n_out).count();
    let mut parts: Vec<Vec<&mut [f64]>> = (0..n_blocks).map(|_| Vec::with_capacity(count)).collect();
    for row in y.data.chunks_mut(y.len.max(1)) {
        for (k, seg) in row[out0..out0 + n_out].chunks_mut(gemm::OUT_BLOCK).enumerate() {
            parts[k].push(seg);
        }
    }
    let s_out = read.s_out;
    let one_block = |((o0, n), mut dst): ((usize, usize), Vec<&mut [f64]>)| {
        let mut prod = recycle::filled(n * count, E::default());
        let mut acc = match sp.recombination {
            Some(_) => recycle::filled(n * count, 0.0),
            None => Vec::new(),
        };
        for (i, src) in sources.iter().enumerate() {
            gemm::block(src, op, shape, &xs, o0, n, &mut prod);
            let (adc, r) = (sp.adcs[i], roundings[i].as_ref());
            let digitise = |v: f64, b: usize, l: usize| match adc {
                Some(a) => a.convert_at(v, r, b * n_out + o0 + l, o0 + l),
                None => v,
            };
            match &sp.recombination {
                None => {
                    for (b, d) in dst.iter_mut().enumerate() {
                        let so = s_out[b];
                        for (l, (o, &p)) in d.iter_mut().zip(&prod[b * n..(b + 1) * n]).enumerate() {
                            *o += digitise(p.into(), b, l) * so;
                        }
                    }
                }
                Some(rec) => {
                    let f = rec.weight(i);
                    for b in 0..count {
                        let a = &mut acc[b * n..(b + 1) * n];
                        for (l, (a, &p)) in a.iter_mut().zip(&prod[b * n..(b + 1) * n]).enumerate() {
                            let o = rec.slice(digitise(p.into(), b, l));
                            *a = if i == 0 { o } else { *a + f * o };
                        }
                    }
                }
            }
        }
        if let Some(rec) = &sp.recombination {
            for (b, d) in dst.iter_mut().enumerate() {
                let so = s_out[b];
                for (o, &a) in d.iter_mut().zip(&acc[b * n..(b + 1) * n]) {
                    *o += rec.finish(a, None) * so;
                }
            }
        }
        recycle::give(prod);
        recycle::give(acc);
    };
    let work: Vec<_> = gemm::blocks(n_out).zip(parts).collect();
    if gemm::parallel(shape.rows * shape.cols * count * sources.len(), n_out) {
        threads::install(|| work.into_par_iter().for_each(one_block));
    } else {
        work.into_iter().for_each(one_block);
    }
    recycle::give(xs);
    if let Some(c) = read.count.as_deref_mut() {
        c.count(block, op, &xd, n_out)?;
    }
    Ok(())
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
    /// fused pass or the reference pipeline.
    fn outputs(settings: &[(&str, &str)], reference: bool, batch: usize) -> Vec<f64> {
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
        out
    }

    const DAC: (&str, &str) = ("xbar.dac.mvm", r#"{"model": "SignMagnitudeDAC", "bits": 8}"#);
    const DAC_V: (&str, &str) = ("xbar.dac.vmm", r#"{"model": "SignMagnitudeDAC", "bits": 8}"#);
    const ERROR: (&str, &str) = (
        "xbar.device.programming_error",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.01}"#,
    );

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
            let want = outputs(case, true, 9);
            for n in [1, 2] {
                threads::set_num_threads(n);
                FUSED.store(0, Ordering::Relaxed);
                let got = outputs(case, false, 9);
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
