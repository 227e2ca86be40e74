//! One aihwkit tile: its weights (normalised units, single precision), the
//! periphery of both directions with the draws made once when the tile is
//! built, and the read of a whole batch through the pipeline of spec §2.
//!
//! A batch is read round by round: every vector still in play is prepared
//! by its DAC, the analog products of all of them are one GEMM (plus one
//! more per non-ideality that needs another sum: IR drop, PCM read noise),
//! and each vector's outputs then pass the ADC on their own. Vectors whose
//! bound management asks for another round are read again, with their input
//! halved; the others are done. Each vector's noise comes from its own
//! streams (tile, direction, draw kind, read call, vector), element
//! `round·len + line`, so results do not depend on the thread count or on
//! which other vectors share the batch's rounds.

use super::noise_management as nm;
use super::nonideal;
use super::periphery::{fixed_normals, Periphery};
use crate::params::aihwkit::{BoundManagement, IoParameters, MvType, NoiseManagement, WeightNoise};
use crate::product::gemm::{self, Shape, Source};
use crate::rng::identity;
use crate::threads;
use rayon::prelude::*;

/// Draw kinds of one read (the `kind` of [`identity::aihwkit_io`]).
const INP_NOISE: u32 = 0;
const INP_ROUND: u32 = 1;
const W_NOISE: u32 = 2;
const OUT_NOISE: u32 = 3;
const OUT_ROUND: u32 = 4;
/// A two-pass MAC's negative pass draws its weight noise, and a digital
/// sum's second ADC its output noise and rounding, from kind + 3 (5, 6, 7).
const SECOND_PASS: u32 = 3;
/// Draw kind of the two-pass MAC's read asymmetry, made once per tile
/// ([`identity::aihwkit_tile`]; kinds 0 to 2 are the periphery's).
const FIXED_READ_ASYMMETRY: u32 = 3;

/// Which pass of the tile: MVM (`y = W x`) or VMM (`x̄ = Wᵀ d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// Where the draws of one read come from.
#[derive(Debug, Clone, Copy)]
pub struct ReadDraws {
    pub seed: u64,
    /// The core's read call.
    pub call: u64,
}

/// One tile: `rows × cols` weights (MVM outputs × inputs).
#[derive(Debug, Clone)]
pub struct Tile {
    id: u32,
    rows: usize,
    cols: usize,
    /// Row-major normalised weights.
    w: Vec<f32>,
    /// `|W|`, kept when a non-ideality needs it.
    w_abs: Vec<f32>,
    fwd: Periphery,
    bwd: Periphery,
    /// The running `AVERAGE_ABS_MAX` value, shared by both directions.
    running: Option<f32>,
    /// Per direction, the weights of a two-pass MAC's negative pass,
    /// `W ⊙ (1 + w_read_asymmetry_dtod·ξ)` (drawn once), and their `|·|`
    /// where needed; `None`: the negative pass reads `W`.
    negative: [Option<(Vec<f32>, Vec<f32>)>; 2],
}

/// The analog sums of one pass over every vector of a round.
struct Pass {
    /// `W u`, one vector after another.
    sums: Vec<f32>,
    /// IR drop's `Σ|W||u|` and weighted `Σ W u'`.
    ir: Option<(Vec<f32>, Vec<f32>)>,
    /// PCM read noise's `Σ|W| u²`.
    pcm: Option<Vec<f32>>,
    /// `Σ_j u_j` and `‖u‖₂` of each vector.
    u_sum: Vec<f32>,
    u_norm: Vec<f32>,
}

impl Tile {
    /// Tile `id` with weights `w` (`rows × cols`, row-major, normalised).
    pub fn new(
        id: u32,
        w: Vec<f32>,
        rows: usize,
        cols: usize,
        fwd: &IoParameters,
        bwd: &IoParameters,
        seed: u64,
    ) -> Tile {
        let fwd = Periphery::new(fwd, Direction::Forward, rows, seed, id);
        let bwd = Periphery::new(bwd, Direction::Backward, cols, seed, id);
        let needs_abs = |p: &Periphery| {
            !p.perfect && (p.ir_drop > 0.0 || (p.w_noise > 0.0 && p.w_noise_type == WeightNoise::PcmRead))
        };
        let w_abs = if needs_abs(&fwd) || needs_abs(&bwd) {
            w.iter().map(|v| v.abs()).collect()
        } else {
            Vec::new()
        };
        let negative = [(&fwd, Direction::Forward), (&bwd, Direction::Backward)].map(|(p, dir)| {
            (!p.perfect && p.mv != MvType::OnePass && p.read_dtod > 0.0).then(|| {
                let xi = fixed_normals(seed, id, dir, FIXED_READ_ASYMMETRY, w.len());
                let wn: Vec<f32> = w.iter().zip(&xi).map(|(v, x)| v * (1.0 + p.read_dtod * x)).collect();
                let abs = if needs_abs(p) {
                    wn.iter().map(|v| v.abs()).collect()
                } else {
                    Vec::new()
                };
                (wn, abs)
            })
        });
        Tile {
            id,
            rows,
            cols,
            w,
            w_abs,
            fwd,
            bwd,
            running: None,
            negative,
        }
    }

    /// Bytes of the weights and of `|W|` where kept.
    pub fn state_bytes(&self) -> usize {
        (self.w.len() + self.w_abs.len()) * std::mem::size_of::<f32>()
    }

    /// (inputs, outputs) of a direction.
    fn sizes(&self, dir: Direction) -> (usize, usize) {
        match dir {
            Direction::Forward => (self.cols, self.rows),
            Direction::Backward => (self.rows, self.cols),
        }
    }

    /// `m·u` for every vector of `u` (`count` of them) in direction `dir`: `W u` or `Wᵀ u`.
    fn product(&self, m: &[f32], dir: Direction, u: &[f32], count: usize) -> Vec<f32> {
        let (nin, nout) = self.sizes(dir);
        if count == 0 {
            return Vec::new();
        }
        let x: Vec<f64> = u.iter().map(|&v| f64::from(v)).collect();
        let mut y = vec![0.0; nout * count];
        let s = Shape {
            rows: self.rows,
            cols: self.cols,
            count,
        };
        debug_assert_eq!(x.len(), nin * count);
        match dir {
            Direction::Forward => gemm::mvm(&Source::Stored(m), s, &x, &mut y),
            Direction::Backward => gemm::vmm(&Source::Stored(m), s, &x, &mut y),
        }
        y.into_iter().map(|v| v as f32).collect()
    }

    /// Reads `count` vectors `x` (one after another) in direction `dir`;
    /// returns the outputs (one vector after another), in the tile's
    /// normalised output units times `out_scale`.
    pub fn read(&mut self, dir: Direction, x: &[f32], count: usize, draws: ReadDraws) -> Vec<f32> {
        let (nin, nout) = self.sizes(dir);
        let p = match dir {
            Direction::Forward => &self.fwd,
            Direction::Backward => &self.bwd,
        };
        if p.perfect {
            let mut y = self.product(&self.w, dir, x, count);
            let s = p.out_scale;
            y.iter_mut().for_each(|v| *v *= s);
            return y;
        }
        let mut scales: Vec<f32> = if p.nm == NoiseManagement::AverageAbsMax {
            let mut running = self.running;
            let s = x
                .chunks(nin)
                .map(|xb| {
                    let v = nm::average_update(running, xb);
                    running = Some(v);
                    v
                })
                .collect();
            self.running = running;
            s
        } else {
            threads::install(|| x.par_chunks(nin).map(|xb| p.scale(xb)).collect())
        };
        let p = match dir {
            Direction::Forward => &self.fwd,
            Direction::Backward => &self.bwd,
        };
        let mut y = vec![0.0f32; nout * count];
        // Vectors whose output is zero without a read (spec §2: s_nm ≤ 0).
        let mut active: Vec<usize> = (0..count)
            .filter(|&b| {
                let zero = p.nm != NoiseManagement::None
                    && scales[b] <= 0.0
                    && (dir == Direction::Backward || p.inp_noise <= 0.0);
                !zero
            })
            .collect();
        let mut red = 0.5f32;
        let mut round = 0usize;
        while !active.is_empty() {
            red *= 2.0;
            round += 1;
            if p.bm == BoundManagement::IterativeWorstCase && round == 2 && p.nm != NoiseManagement::AbsMaxNpSum {
                for &b in &active {
                    let xb = &x[b * nin..(b + 1) * nin];
                    scales[b] = nm::np_sum(xb, p.nm_thres, p.dac.step, p.max_bm_res, p.adc.bound);
                }
                red = 1.0;
            }
            let c_of = |b: usize| {
                let mut c = 1.0f32;
                if p.nm != NoiseManagement::None && scales[b] > 0.0 {
                    c /= scales[b];
                }
                if p.bm != BoundManagement::None {
                    c /= red;
                }
                c
            };
            let u = self.prepare(p, dir, x, &active, &c_of, round - 1, draws);
            let k = active.len();
            let passes: Vec<Pass> = if p.mv == MvType::OnePass {
                vec![self.pass(p, dir, &self.w, &self.w_abs, &u, k)]
            } else {
                let pos: Vec<f32> = u.iter().map(|&v| v.max(0.0)).collect();
                let neg: Vec<f32> = u.iter().map(|&v| v.min(0.0)).collect();
                let (wn, wn_abs) = match &self.negative[dir as usize] {
                    Some((w, a)) => (w, a),
                    None => (&self.w, &self.w_abs),
                };
                vec![
                    self.pass(p, dir, &self.w, &self.w_abs, &pos, k),
                    self.pass(p, dir, wn, wn_abs, &neg, k),
                ]
            };
            let results: Vec<(Vec<f32>, bool)> = threads::install(|| {
                (0..k)
                    .into_par_iter()
                    .map(|a| {
                        fn line(v: &[f32], a: usize, n: usize) -> &[f32] {
                            &v[a * n..(a + 1) * n]
                        }
                        let analog: Vec<Analog> = passes
                            .iter()
                            .map(|q| Analog {
                                y: line(&q.sums, a, nout),
                                ir: q.ir.as_ref().map(|(s, w)| (line(s, a, nout), line(w, a, nout))),
                                pcm: q.pcm.as_ref().map(|v| line(v, a, nout)),
                                u_sum: q.u_sum[a],
                                u_norm: q.u_norm[a],
                            })
                            .collect();
                        self.finish(p, dir, &analog, nin, active[a], round - 1, draws)
                    })
                    .collect()
            });
            let mut next = Vec::new();
            for (&b, (out, flagged)) in active.iter().zip(results) {
                if p.bm_done(flagged, red) {
                    let g = p.out_scale / c_of(b);
                    for (o, v) in y[b * nout..(b + 1) * nout].iter_mut().zip(out) {
                        *o = v * g;
                    }
                } else {
                    next.push(b);
                }
            }
            active = next;
        }
        y
    }

    /// The stream of draw kind `kind` for vector `b`, `len` draws of round `round`.
    #[allow(clippy::too_many_arguments)]
    fn draws(
        &self,
        dir: Direction,
        kind: u32,
        b: usize,
        round: usize,
        len: usize,
        normal: bool,
        d: ReadDraws,
    ) -> Vec<f32> {
        let s = identity::aihwkit_io(d.seed, self.id, dir == Direction::Backward, kind, d.call, b);
        let mut buf = vec![0.0; len];
        s.fill_dense((round * len) as u64, &mut buf, normal);
        buf.into_iter().map(|v| v as f32).collect()
    }

    /// The DAC of every active vector: `u_j = clip(q(c·x_j))`, plus input
    /// noise, then the input asymmetry.
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &self,
        p: &Periphery,
        dir: Direction,
        x: &[f32],
        active: &[usize],
        c_of: &(dyn Fn(usize) -> f32 + Sync),
        round: usize,
        d: ReadDraws,
    ) -> Vec<f32> {
        let (nin, _) = self.sizes(dir);
        let mut u = vec![0.0f32; nin * active.len()];
        threads::install(|| {
            u.par_chunks_mut(nin.max(1))
                .zip(active.par_iter())
                .for_each(|(ub, &b)| {
                    let c = c_of(b);
                    let xb = &x[b * nin..(b + 1) * nin];
                    let ur = p
                        .dac
                        .stochastic
                        .then(|| self.draws(dir, INP_ROUND, b, round, nin, false, d));
                    let xi = (p.inp_noise > 0.0).then(|| self.draws(dir, INP_NOISE, b, round, nin, true, d));
                    for (j, (o, &v)) in ub.iter_mut().zip(xb).enumerate() {
                        let mut v = p.dac.clip(p.dac.round(c * v, ur.as_ref().map_or(0.0, |r| r[j])));
                        if let Some(xi) = &xi {
                            v += p.inp_noise * xi[j];
                        }
                        *o = nonideal::asymmetry(v, p.inp_asymmetry);
                    }
                })
        });
        u
    }

    /// One analog pass of the `k` prepared vectors `u` through matrix `m`
    /// (`m_abs` its `|·|` where kept): the sums and what the non-idealities need.
    fn pass(&self, p: &Periphery, dir: Direction, m: &[f32], m_abs: &[f32], u: &[f32], k: usize) -> Pass {
        let (nin, _) = self.sizes(dir);
        let ir = (p.ir_drop > 0.0).then(|| {
            let ua: Vec<f32> = u.iter().map(|v| v.abs()).collect();
            let uw: Vec<f32> = u
                .chunks(nin)
                .flat_map(|ub| ub.iter().enumerate().map(|(j, v)| v * nonideal::ir_drop_weight(j, nin)))
                .collect();
            (self.product(m_abs, dir, &ua, k), self.product(m, dir, &uw, k))
        });
        let pcm = (p.w_noise > 0.0 && p.w_noise_type == WeightNoise::PcmRead).then(|| {
            let u2: Vec<f32> = u.iter().map(|v| v * v).collect();
            self.product(m_abs, dir, &u2, k)
        });
        Pass {
            sums: self.product(m, dir, u, k),
            ir,
            pcm,
            u_sum: u.chunks(nin.max(1)).map(|ub| ub.iter().sum()).collect(),
            u_norm: u
                .chunks(nin.max(1))
                .map(|ub| ub.iter().map(|v| v * v).sum::<f32>().sqrt())
                .collect(),
        }
    }

    /// The analog non-idealities and the ADC of one vector's outputs;
    /// returns them and whether bound management is triggered.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        p: &Periphery,
        dir: Direction,
        passes: &[Analog<'_>],
        nin: usize,
        b: usize,
        round: usize,
        d: ReadDraws,
    ) -> (Vec<f32>, bool) {
        let nout = passes[0].y.len();
        let kind = |base: u32, q: usize| if q == 0 { base } else { base + SECOND_PASS };
        let wn: Vec<Option<Vec<f32>>> = (0..passes.len())
            .map(|q| (p.w_noise > 0.0).then(|| self.draws(dir, kind(W_NOISE, q), b, round, nout, true, d)))
            .collect();
        // A digital sum digitises each pass; otherwise the passes add in analog.
        let stages = if p.mv == MvType::PosNegSeparateDigitalSum {
            passes.len()
        } else {
            1
        };
        let noisy = p.out_noise > 0.0 || p.out_sigma.iter().any(|&s| s > 0.0);
        let on: Vec<Option<Vec<f32>>> = (0..stages)
            .map(|q| noisy.then(|| self.draws(dir, kind(OUT_NOISE, q), b, round, nout, true, d)))
            .collect();
        let ur: Vec<Option<Vec<f32>>> = (0..stages)
            .map(|q| {
                p.adc
                    .stochastic
                    .then(|| self.draws(dir, kind(OUT_ROUND, q), b, round, nout, false, d))
            })
            .collect();
        // The analog value of output i in pass q: sum, IR drop, offsets, weight noise.
        let analog = |q: usize, i: usize| -> f32 {
            let a = &passes[q];
            let mut v = a.y[i];
            if let Some((abs_sum, weighted)) = &a.ir {
                v = nonideal::ir_drop(v, abs_sum[i], weighted[i], nin, p.ir_drop, p.ir_drop_g_ratio);
            }
            if p.voffset {
                v = nonideal::v_offset(
                    v,
                    p.v_off[i],
                    p.r_series,
                    p.r_series_max_total,
                    p.v_offset_w_min,
                    a.u_sum,
                );
            }
            if let Some(wn) = &wn[q] {
                let spread = match &a.pcm {
                    Some(s) => s[i].max(0.0).sqrt(),
                    None => a.u_norm,
                };
                v += p.w_noise * spread * wn[i];
            }
            v
        };
        let mut flagged = false;
        // The ADC (stage q) of output i's analog value v.
        let mut adc = |q: usize, i: usize, mut v: f32| -> f32 {
            if p.nonlinear {
                v = nonideal::nonlinearity(v, p.nl[i], p.nlf);
            }
            v = nonideal::asymmetry(v, p.out_asymmetry);
            if let Some(on) = &on[q] {
                let sigma = p.out_sigma.get(i).copied().unwrap_or(p.out_noise);
                v += sigma * on[i];
            }
            v = p.adc.round(v, ur[q].as_ref().map_or(0.0, |r| r[i]));
            // aihwkit's CPU flag: a later negative saturation overwrites it
            // with `bm_test_negative_bound` (so with false it resets it).
            if v > p.adc.bound {
                flagged = true;
            } else if v < -p.adc.bound {
                flagged = p.bm_negative;
            }
            p.adc.clip(v)
        };
        let mut out = vec![0.0f32; nout];
        for (i, o) in out.iter_mut().enumerate() {
            *o = if stages == 1 {
                let v = if passes.len() == 1 {
                    analog(0, i)
                } else {
                    analog(0, i) + analog(1, i)
                };
                adc(0, i, v)
            } else {
                let first = adc(0, i, analog(0, i));
                first + adc(1, i, analog(1, i))
            };
        }
        (out, flagged)
    }
}

/// The analog sums of one vector.
struct Analog<'a> {
    /// `W u`.
    y: &'a [f32],
    /// IR drop's `Σ|W||u|` and weighted `Σ W u'`.
    ir: Option<(&'a [f32], &'a [f32])>,
    /// PCM read noise's `Σ|W| u²`.
    pcm: Option<&'a [f32]>,
    u_sum: f32,
    u_norm: f32,
}
