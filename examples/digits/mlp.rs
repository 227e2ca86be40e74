//! A two-layer perceptron (inputs → ReLU hidden layer → softmax outputs)
//! whose two matrix layers are anything that can multiply and be updated:
//! plain `f64` matrices for floating-point training, or xbar cores for
//! analog inference and in-situ training. Biases stay digital (`f64`).

use super::data::{Set, CLASSES};
use super::random::Rng;

/// A matrix `W` (rows × cols) as a layer: `y = W x`, `v W`, and the update `W += lr Σ d ⊗ x`.
pub trait Layer {
    fn rows(&self) -> usize;
    /// `y[b] = W x[b]`: x is batch × cols, y is batch × rows.
    fn forward(&mut self, x: &[f64], batch: usize, y: &mut [f64]) -> xbar::Result<()>;
    /// `y[b] = v[b] W`: v is batch × rows, y is batch × cols.
    fn backward(&mut self, v: &[f64], batch: usize, y: &mut [f64]) -> xbar::Result<()>;
    /// `W += lr Σ_b d[b] ⊗ x[b]`: d is batch × rows, x is batch × cols.
    fn update(&mut self, x: &[f64], d: &[f64], batch: usize, lr: f64) -> xbar::Result<()>;
}

/// A floating-point matrix, row-major.
#[derive(Clone)]
pub struct Dense {
    pub rows: usize,
    pub cols: usize,
    pub w: Vec<f64>,
}

impl Dense {
    /// He-uniform initialisation: `U(-a, a)` with `a = sqrt(6 / cols)`.
    pub fn init(rows: usize, cols: usize, rng: &mut Rng) -> Dense {
        let a = (6.0 / cols as f64).sqrt();
        Dense {
            rows,
            cols,
            w: (0..rows * cols).map(|_| a * (2.0 * rng.uniform() - 1.0)).collect(),
        }
    }
    pub fn max_abs(&self) -> f64 {
        self.w.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    }
}

impl Layer for Dense {
    fn rows(&self) -> usize {
        self.rows
    }
    fn forward(&mut self, x: &[f64], batch: usize, y: &mut [f64]) -> xbar::Result<()> {
        for b in 0..batch {
            let xb = &x[b * self.cols..(b + 1) * self.cols];
            for i in 0..self.rows {
                let row = &self.w[i * self.cols..(i + 1) * self.cols];
                y[b * self.rows + i] = row.iter().zip(xb).map(|(w, x)| w * x).sum();
            }
        }
        Ok(())
    }
    fn backward(&mut self, v: &[f64], batch: usize, y: &mut [f64]) -> xbar::Result<()> {
        y[..batch * self.cols].fill(0.0);
        for b in 0..batch {
            for i in 0..self.rows {
                let vi = v[b * self.rows + i];
                let row = &self.w[i * self.cols..(i + 1) * self.cols];
                for (o, w) in y[b * self.cols..(b + 1) * self.cols].iter_mut().zip(row) {
                    *o += vi * w;
                }
            }
        }
        Ok(())
    }
    fn update(&mut self, x: &[f64], d: &[f64], batch: usize, lr: f64) -> xbar::Result<()> {
        for b in 0..batch {
            for i in 0..self.rows {
                let di = lr * d[b * self.rows + i];
                let xb = &x[b * self.cols..(b + 1) * self.cols];
                for (w, x) in self.w[i * self.cols..(i + 1) * self.cols].iter_mut().zip(xb) {
                    *w += di * x;
                }
            }
        }
        Ok(())
    }
}

/// Inputs → `l1` → + b1 → ReLU → `l2` → + b2 → class scores.
pub struct Mlp<L: Layer> {
    pub l1: L,
    pub b1: Vec<f64>,
    pub l2: L,
    pub b2: Vec<f64>,
}

/// Intermediate values of one forward pass over a batch.
pub struct Pass {
    /// Hidden pre-activations `W1 x + b1` (batch × hidden).
    pub pre: Vec<f64>,
    /// Hidden activations `max(0, pre)`.
    pub hidden: Vec<f64>,
    /// Class scores `W2 h + b2` (batch × classes).
    pub scores: Vec<f64>,
}

fn add_bias(y: &mut [f64], b: &[f64]) {
    for row in y.chunks_mut(b.len()) {
        for (v, b) in row.iter_mut().zip(b) {
            *v += b;
        }
    }
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

impl<L: Layer> Mlp<L> {
    pub fn hidden(&self) -> usize {
        self.l1.rows()
    }

    pub fn forward(&mut self, x: &[f64], batch: usize) -> xbar::Result<Pass> {
        let h = self.hidden();
        let mut pre = vec![0.0; batch * h];
        self.l1.forward(x, batch, &mut pre)?;
        add_bias(&mut pre, &self.b1);
        let hidden: Vec<f64> = pre.iter().map(|v| v.max(0.0)).collect();
        let mut scores = vec![0.0; batch * CLASSES];
        self.l2.forward(&hidden, batch, &mut scores)?;
        add_bias(&mut scores, &self.b2);
        Ok(Pass { pre, hidden, scores })
    }

    /// Share of correctly classified images of `set`, in percent.
    pub fn accuracy(&mut self, set: &Set) -> xbar::Result<f64> {
        let pass = self.forward(&set.x, set.len())?;
        let correct = (0..set.len())
            .filter(|&b| argmax(&pass.scores[b * CLASSES..(b + 1) * CLASSES]) == set.y[b])
            .count();
        Ok(100.0 * correct as f64 / set.len() as f64)
    }

    /// One SGD step on a minibatch with softmax cross-entropy: the output
    /// errors `δ2 = softmax(s) - onehot(y)` (divided by the batch size) are
    /// propagated back through `l2` (`δ1 = (δ2 W2) ⊙ [pre > 0]`), and each
    /// layer gets `W += lr Σ (-δ) ⊗ input`.
    pub fn sgd_step(&mut self, x: &[f64], y: &[usize], lr: f64) -> xbar::Result<()> {
        let batch = y.len();
        let h = self.hidden();
        let pass = self.forward(x, batch)?;
        let mut d2 = vec![0.0; batch * CLASSES];
        for b in 0..batch {
            let s = &pass.scores[b * CLASSES..(b + 1) * CLASSES];
            let m = s.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let z: f64 = s.iter().map(|v| (v - m).exp()).sum();
            for k in 0..CLASSES {
                let p = (s[k] - m).exp() / z;
                d2[b * CLASSES + k] = (p - if k == y[b] { 1.0 } else { 0.0 }) / batch as f64;
            }
        }
        let mut d1 = vec![0.0; batch * h];
        self.l2.backward(&d2, batch, &mut d1)?;
        for (d, pre) in d1.iter_mut().zip(&pass.pre) {
            if *pre <= 0.0 {
                *d = 0.0;
            }
        }
        let neg = |d: &[f64]| d.iter().map(|v| -v).collect::<Vec<f64>>();
        self.l2.update(&pass.hidden, &neg(&d2), batch, lr)?;
        self.l1.update(x, &neg(&d1), batch, lr)?;
        for (b, d) in self.b2.iter_mut().zip(column_sums(&d2, CLASSES)) {
            *b -= lr * d;
        }
        for (b, d) in self.b1.iter_mut().zip(column_sums(&d1, h)) {
            *b -= lr * d;
        }
        Ok(())
    }

    /// One epoch of minibatch SGD over `train` in an order drawn from `rng`.
    pub fn epoch(&mut self, train: &Set, batch: usize, lr: f64, rng: &mut Rng) -> xbar::Result<()> {
        let mut order: Vec<usize> = (0..train.len()).collect();
        rng.shuffle(&mut order);
        for chunk in order.chunks(batch) {
            let mb = train.select(chunk);
            self.sgd_step(&mb.x, &mb.y, lr)?;
        }
        Ok(())
    }
}

fn column_sums(m: &[f64], cols: usize) -> Vec<f64> {
    let mut s = vec![0.0; cols];
    for row in m.chunks(cols) {
        for (a, v) in s.iter_mut().zip(row) {
            *a += v;
        }
    }
    s
}
