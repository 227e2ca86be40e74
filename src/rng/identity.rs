//! The names of a core's random streams: the one place that packs a core's
//! identities (block, array, ADC bank, input slice, call, vector, sample, …)
//! into the fields of a [`Stream`], with the range of every field.
//!
//! A stream is `(seed, array: u32, purpose, call < 2^56)` and element `i <
//! 2^32` of it one Philox block ([`super`]). The packings below are injective
//! within their ranges; a core never lets a value leave its range (it reads a
//! large batch in several calls, and refuses a tiling or a call count past
//! them), so no two draws of a core share a stream element.
//!
//! | identity | packed as | range |
//! | --- | --- | --- |
//! | array `k` of block `b` | `b·128 + k` | `b <` [`MAX_BLOCKS`], `k < 128` |
//! | ADC bank of weight slice `s`, MVM/VMM | array id `b·128 + 2s + (0 MVM, 1 VMM)` | `2s + 1 < 128` |
//! | read noise of an array, input slice `j`, read call `c`, vector `v` | array field `id·2^8 + j`, call field `c·2^24 + v` | `j < 256`, `c <` [`MAX_CALLS`], `v <` [`MAX_VECTORS_PER_CALL`] |
//! | ADC rounding of bank `id`, input slice `j`, part `p` (G+/G−), read call `c` | array field `id·2^8 + 2j + p`, call `c` | `j < 128` |
//! | write `w` of update call `u` | call field `u·2^24 + w` | `u <` [`MAX_CALLS`], `w < 2^24` |
//! | programming call `p`, time call `t` (drift read noise) | call field `p·2^24 + t` | `p <` [`MAX_CALLS`], `t < 2^24` |
//! | aihwkit tile `t`, direction `v` (0 MVM, 1 VMM), draw kind `k`, read call `c`, vector `b` | array field `t·32 + 16v + k`, call field `c·2^24 + b` | `t <` [`MAX_AIHWKIT_TILES`], `k < 16` |
//! | aihwkit tile `t`, direction `v`, fixed draw kind `k` (once per tile) | array field `t·32 + 16v + k`, call 0 | as above |

use super::{NoiseStream, Purpose, Stream};

/// Blocks (array tiles) one core may have: an array id `block·128 + k` is
/// shifted left by 8 bits in the read-noise and ADC-rounding streams.
pub const MAX_BLOCKS: usize = 1 << 17;
/// Arrays (and ADC banks) of one block.
pub const ARRAYS_PER_BLOCK: u32 = 128;
/// Vectors one read call names; [`crate::core::Core`] reads a larger batch in
/// several calls.
pub const MAX_VECTORS_PER_CALL: usize = 1 << 24;
/// Read, update and programming calls one core can name.
pub const MAX_CALLS: u64 = 1 << 32;
/// Writes of one update call, and time calls of one programming call.
pub const MAX_SUBCALLS: u64 = 1 << 24;

/// The id of array `k` of block `block`.
///
/// # Panics
/// If `block` or `k` is out of range (a core checks its tiling when it is built).
pub fn array_id(block: u32, k: u32) -> u32 {
    assert!(
        (block as usize) < MAX_BLOCKS,
        "rng: block {block} exceeds {MAX_BLOCKS} blocks"
    );
    assert!(
        k < ARRAYS_PER_BLOCK,
        "rng: array {k} of a block exceeds {ARRAYS_PER_BLOCK}"
    );
    block * ARRAYS_PER_BLOCK + k
}

/// The id of the ADC bank of weight slice `slice` of block `block` for the
/// MVM (`vmm = false`) or the VMM direction.
pub fn adc_bank_id(block: u32, slice: usize, vmm: bool) -> u32 {
    let k = u32::try_from(2 * slice + 1).unwrap_or(u32::MAX);
    array_id(block, k - u32::from(!vmm))
}

/// The read-noise streams of array `id` for input slice `slice` of read call
/// `call`; vector `b` of the read draws from [`NoiseStream::vector`].
///
/// # Panics
/// If `call` ≥ [`MAX_CALLS`] or `slice` ≥ 256.
pub fn read_noise(seed: u64, id: u32, slice: u32, call: u64) -> NoiseStream {
    assert!(call < MAX_CALLS, "rng: read call {call} exceeds 2^32");
    assert!(slice < 256, "rng: input slice {slice} exceeds 255");
    NoiseStream {
        seed,
        array: (id << 8) | slice,
        call: call << 24,
    }
}

impl NoiseStream {
    /// The stream of vector `b` of the read.
    ///
    /// # Panics
    /// If `b` ≥ [`MAX_VECTORS_PER_CALL`].
    pub fn vector(&self, b: usize) -> Stream {
        assert!(b < MAX_VECTORS_PER_CALL, "rng: vector {b} of one read exceeds 2^24");
        Stream::new(self.seed, self.array, Purpose::ReadNoise, self.call | b as u64)
    }
}

/// The stochastic-rounding stream of ADC bank `bank` for input slice `slice`,
/// `part` (0, or 1 for the G− currents of a pair digitised separately) and
/// read call `call`.
///
/// # Panics
/// If `slice` ≥ 128.
pub fn adc_rounding(seed: u64, bank: u32, slice: u32, part: u32, call: u64) -> Stream {
    assert!(slice < 128, "rng: input slice {slice} exceeds 127");
    Stream::new(
        seed,
        (bank << 8) | (slice << 1) | (part & 1),
        Purpose::AdcRounding,
        call,
    )
}

/// aihwkit tiles one core may have (the tile id takes 27 bits of an array field).
pub const MAX_AIHWKIT_TILES: usize = 1 << 27;

/// The array field of aihwkit tile `tile`, direction `vmm`, draw kind `kind`.
///
/// # Panics
/// If `tile` ≥ [`MAX_AIHWKIT_TILES`] or `kind` ≥ 16.
fn aihwkit_field(tile: u32, vmm: bool, kind: u32) -> u32 {
    assert!(
        (tile as usize) < MAX_AIHWKIT_TILES,
        "rng: aihwkit tile {tile} exceeds 2^27"
    );
    assert!(kind < 16, "rng: aihwkit draw kind {kind} exceeds 15");
    (tile << 5) | (u32::from(vmm) << 4) | kind
}

/// The per-read stream of draw kind `kind` of aihwkit tile `tile` (direction
/// `vmm`) for vector `b` of read call `call`. Element `round·len + j` is the
/// draw of line `j` (of `len`) in bound-management round `round` (from 0).
///
/// # Panics
/// If `call` ≥ [`MAX_CALLS`], `b` ≥ [`MAX_VECTORS_PER_CALL`], or a field is out of range.
pub fn aihwkit_io(seed: u64, tile: u32, vmm: bool, kind: u32, call: u64, b: usize) -> Stream {
    assert!(b < MAX_VECTORS_PER_CALL, "rng: vector {b} of one read exceeds 2^24");
    Stream::new(
        seed,
        aihwkit_field(tile, vmm, kind),
        Purpose::AihwkitIo,
        subcall(call, b as u64),
    )
}

/// The stream of the draws made once for aihwkit tile `tile` (direction
/// `vmm`), kind `kind`; element `i` belongs to output line `i`.
pub fn aihwkit_tile(seed: u64, tile: u32, vmm: bool, kind: u32) -> Stream {
    Stream::new(seed, aihwkit_field(tile, vmm, kind), Purpose::AihwkitTile, 0)
}

/// The call field of write `w` of update call `call` (or of time call `w`
/// of programming call `call`).
///
/// # Panics
/// If `call` ≥ [`MAX_CALLS`] or `w` ≥ [`MAX_SUBCALLS`].
pub fn subcall(call: u64, w: u64) -> u64 {
    assert!(call < MAX_CALLS, "rng: call {call} exceeds 2^32");
    assert!(w < MAX_SUBCALLS, "rng: sub-call {w} exceeds 2^24");
    (call << 24) | w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packings_are_the_documented_ones() {
        assert_eq!(array_id(3, 5), 3 * 128 + 5);
        assert_eq!(adc_bank_id(3, 2, false), 3 * 128 + 4);
        assert_eq!(adc_bank_id(3, 2, true), 3 * 128 + 5);
        let n = read_noise(9, 7, 2, 11);
        assert_eq!((n.array, n.call), ((7 << 8) | 2, 11 << 24));
        assert_eq!(
            n.vector(4),
            Stream::new(9, (7 << 8) | 2, Purpose::ReadNoise, (11 << 24) | 4)
        );
        assert_eq!(subcall(5, 6), (5 << 24) | 6);
        assert_eq!(
            aihwkit_io(9, 3, true, 2, 11, 4),
            Stream::new(9, (3 << 5) | 16 | 2, Purpose::AihwkitIo, (11 << 24) | 4)
        );
        assert_eq!(
            aihwkit_tile(9, 3, false, 1),
            Stream::new(9, (3 << 5) | 1, Purpose::AihwkitTile, 0)
        );
    }

    #[test]
    #[should_panic(expected = "exceeds 131072 blocks")]
    fn a_block_past_the_range_is_refused() {
        array_id(MAX_BLOCKS as u32, 0);
    }

    #[test]
    #[should_panic(expected = "exceeds 2^24")]
    fn a_vector_past_the_range_is_refused() {
        read_noise(1, 0, 0, 0).vector(MAX_VECTORS_PER_CALL);
    }
}
