//! A batch of equal-length vectors stored contiguously, one vector after
//! another (row-major `count × len`): the unit of data that flows through the
//! MVM / VMM pipeline.

use crate::recycle;

/// `count` vectors of `len` values each, vector `b` at `data[b*len..(b+1)*len]`.
/// Large buffers are recycled when a batch is dropped (`src/recycle.rs`).
#[derive(Debug, PartialEq)]
pub struct Batch {
    pub len: usize,
    pub count: usize,
    pub data: Vec<f64>,
}

impl Batch {
    /// A batch of zeros.
    pub fn zeros(len: usize, count: usize) -> Batch {
        Batch {
            len,
            count,
            data: recycle::filled(len * count, 0.0),
        }
    }
    /// Wraps `data` (`count × len`).
    pub fn from_vec(len: usize, count: usize, data: Vec<f64>) -> Batch {
        debug_assert_eq!(data.len(), len * count);
        Batch { len, count, data }
    }
    /// The batch as a mutably borrowed one.
    pub fn view_mut(&mut self) -> BatchMut<'_> {
        BatchMut::new(self.len, self.count, &mut self.data)
    }
    /// The batch as a borrowed one.
    pub fn view(&self) -> BatchRef<'_> {
        BatchRef::new(self.len, self.count, &self.data)
    }
    /// Vector `b`.
    pub fn vector(&self, b: usize) -> &[f64] {
        self.view().vector(b)
    }
    /// Vector `b`, mutable.
    pub fn vector_mut(&mut self, b: usize) -> &mut [f64] {
        &mut self.data[b * self.len..(b + 1) * self.len]
    }
    /// The vectors of `parts` (of equal length), one batch after another.
    pub fn concat(parts: &[Batch]) -> Batch {
        let len = parts.first().map_or(0, |p| p.len);
        debug_assert!(parts.iter().all(|p| p.len == len));
        let mut data = recycle::take(parts.iter().map(|p| p.data.len()).sum());
        for p in parts {
            data.extend_from_slice(&p.data);
        }
        Batch::from_vec(len, data.len() / len.max(1), data)
    }
    /// The batch cut into consecutive batches of `count` vectors (the inverse of [`Batch::concat`]).
    pub fn split(self, count: usize) -> Vec<Batch> {
        let len = self.len;
        self.data
            .chunks(len * count.max(1))
            .map(|c| Batch::from_vec(len, count, recycle::copied(c)))
            .collect()
    }
    /// Entries `start..start+len` of every vector, as a new batch.
    pub fn sub(&self, start: usize, len: usize) -> Batch {
        self.view().sub(start, len)
    }
    /// Adds `other` into entries `start..start+other.len` of every vector.
    pub fn add_into(&mut self, start: usize, other: &Batch) {
        self.put_into(start, other, false);
    }
    /// [`Batch::add_into`], or with `fresh` (those entries hold no value
    /// yet) writes `0.0 + v`: the bits of adding `v` into zeros, without a
    /// pass that zeroes them first.
    pub fn put_into(&mut self, start: usize, other: &Batch, fresh: bool) {
        self.view_mut().put_into(start, other, fresh);
    }
    /// Applies `f` to every value.
    pub fn map(&mut self, f: impl Fn(f64) -> f64) {
        for v in &mut self.data {
            *v = f(*v);
        }
    }
    /// `self = f(self, other)` elementwise (same shape).
    pub fn zip_with(&mut self, other: &Batch, f: impl Fn(f64, f64) -> f64) {
        debug_assert_eq!(self.data.len(), other.data.len());
        for (a, b) in self.data.iter_mut().zip(&other.data) {
            *a = f(*a, *b);
        }
    }
    /// The sum of each vector's entries, summed in index order.
    pub fn sums(&self) -> Vec<f64> {
        (0..self.count).map(|b| self.vector(b).iter().sum()).collect()
    }
    /// Clips every value to `[-limit, limit]`.
    pub fn clip_symmetric(&mut self, limit: f64) {
        self.map(|v| v.clamp(-limit, limit));
    }
    /// `v[i] -= factor · per_vector[b]` for every entry of vector b.
    pub fn subtract_per_vector(&mut self, per_vector: &[f64], factor: f64) {
        for (b, &s) in per_vector.iter().enumerate() {
            for v in self.vector_mut(b) {
                *v -= factor * s;
            }
        }
    }
    /// Each vector with entry 0 removed and subtracted from the rest:
    /// `[v1 - v0, v2 - v0, ...]` (reference-line subtraction).
    pub fn minus_first(&self) -> Batch {
        let mut r = Batch::zeros(self.len - 1, self.count);
        for b in 0..self.count {
            let v = self.vector(b);
            for (d, &s) in r.vector_mut(b).iter_mut().zip(&v[1..]) {
                *d = s - v[0];
            }
        }
        r
    }
    /// Each vector with a 0 prepended (an undriven first line).
    pub fn with_leading_zero(&self) -> Batch {
        let mut ext = Batch::zeros(self.len + 1, self.count);
        ext.add_into(1, self);
        ext
    }
}
/// `count` vectors of `len` values borrowed from someone else's buffer
/// (laid out as a [`Batch`]): a caller's inputs read where they are, with
/// no copy.
#[derive(Debug, Clone, Copy)]
pub struct BatchRef<'a> {
    pub len: usize,
    pub count: usize,
    pub data: &'a [f64],
}

impl<'a> BatchRef<'a> {
    /// Borrows `data` (`count × len`).
    pub fn new(len: usize, count: usize, data: &'a [f64]) -> BatchRef<'a> {
        debug_assert_eq!(data.len(), len * count);
        BatchRef { len, count, data }
    }
    /// Vector `b`.
    pub fn vector(self, b: usize) -> &'a [f64] {
        &self.data[b * self.len..(b + 1) * self.len]
    }
    /// Vectors `first..first + count`, still borrowed.
    pub fn vectors(self, first: usize, count: usize) -> BatchRef<'a> {
        BatchRef::new(
            self.len,
            count,
            &self.data[first * self.len..(first + count) * self.len],
        )
    }
    /// Entries `start..start+len` of every vector, as a new batch.
    pub fn sub(self, start: usize, len: usize) -> Batch {
        let mut out = recycle::take(len * self.count);
        for b in 0..self.count {
            out.extend_from_slice(&self.vector(b)[start..start + len]);
        }
        Batch::from_vec(len, self.count, out)
    }
    /// A copy as a batch of its own.
    pub fn to_batch(self) -> Batch {
        Batch::from_vec(self.len, self.count, recycle::copied(self.data))
    }
}

/// `count` vectors of `len` values in someone else's buffer, written in
/// place (laid out as a [`Batch`]): where a read puts its outputs, a
/// scratch batch or the caller's own buffer.
#[derive(Debug)]
pub struct BatchMut<'a> {
    pub len: usize,
    pub count: usize,
    pub data: &'a mut [f64],
}

impl<'a> BatchMut<'a> {
    /// Borrows `data` (`count × len`) to write into.
    pub fn new(len: usize, count: usize, data: &'a mut [f64]) -> BatchMut<'a> {
        debug_assert_eq!(data.len(), len * count);
        BatchMut { len, count, data }
    }
    /// [`Batch::add_into`], or with `fresh` (those entries hold no value
    /// yet) writes `0.0 + v`: the bits of adding `v` into zeros, without a
    /// pass that zeroes them first.
    pub fn put_into(&mut self, start: usize, other: &Batch, fresh: bool) {
        let len = self.len;
        for (b, v) in self.data.chunks_mut(len.max(1)).enumerate().take(self.count) {
            let dst = &mut v[start..start + other.len];
            put_values(dst.iter_mut().zip(other.vector(b).iter().copied()), fresh);
        }
    }
}

/// Stores every `(destination, value)` pair: with `fresh` (the destinations
/// hold no value yet) writes `0.0 + v`, the bits of adding `v` into zeros,
/// without a pass that zeroes them first; otherwise adds `v`. The choice is
/// made once, outside the loop, so that both loops vectorise.
#[inline(always)]
pub(crate) fn put_values<'a>(values: impl Iterator<Item = (&'a mut f64, f64)>, fresh: bool) {
    if fresh {
        values.for_each(|(o, v)| *o = 0.0 + v);
    } else {
        values.for_each(|(o, v)| *o += v);
    }
}

impl Clone for Batch {
    fn clone(&self) -> Batch {
        self.view().to_batch()
    }
}

/// A batch's buffer is handed back for reuse (`src/recycle.rs`).
impl Drop for Batch {
    fn drop(&mut self) {
        recycle::give(std::mem::take(&mut self.data));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh write is adding into zeros, bit for bit (a negative zero
    /// becomes +0.0 as `0.0 + -0.0` does), and leaves other entries alone.
    #[test]
    fn a_fresh_write_is_an_add_into_zeros() {
        let part = Batch::from_vec(3, 2, vec![-0.0, 1.5, -2.25, 0.1, -0.0, 3.0]);
        let mut added = Batch::zeros(5, 2);
        added.add_into(1, &part);
        let mut put = Batch::from_vec(5, 2, vec![f64::NAN; 10]);
        put.put_into(1, &part, true);
        for b in 0..2 {
            let (a, p) = (added.vector(b), put.vector(b));
            assert!(
                p[0].is_nan() && p[4].is_nan(),
                "entries outside the range are left alone"
            );
            let bits = |v: &[f64]| v[1..4].iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(a), bits(p));
        }
        assert_eq!(put.vector(0)[1].to_bits(), 0.0f64.to_bits());
        put.put_into(1, &part, false);
        assert_eq!(put.vector(1)[1], 0.1 + 0.1);
    }
}
