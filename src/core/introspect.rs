//! What a core holds, read back: the physical conductances of all its arrays
//! ([`Core::array_layout`], [`Core::conductances`]) and the global drift
//! compensation factor in effect ([`Core::drift_compensation`]).

use super::Core;
use crate::error::Result;
use crate::mapping::bitsliced::SliceArrays;
use crate::mapping::Mapping;

/// The part an array plays in its block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ArrayRole {
    /// The one array of an OFFSET block (or of an OFFSET weight slice).
    Single = 0,
    /// G+ of a BALANCED pair.
    Positive = 1,
    /// G− of a BALANCED pair.
    Negative = 2,
}

/// Where one array's cells sit in [`Core::conductances`] and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Tile (block) indices: row block and column block of the core's tiling.
    pub tile_row: usize,
    /// Column block of the tile (see `tile_row`).
    pub tile_col: usize,
    /// The first weight row and column the block covers.
    pub row0: usize,
    /// The first weight column the block covers.
    pub col0: usize,
    /// What the array holds (single array, G+ or G− of a pair).
    pub role: ArrayRole,
    /// Weight slice of a BITSLICED core (0 = least significant); 0 otherwise.
    pub slice: usize,
    /// The array's physical rows and columns (its cells are `rows × cols`,
    /// row-major; an OFFSET block with a reference column has one column more).
    pub rows: usize,
    /// The array's physical columns (see `rows`).
    pub cols: usize,
    /// Index in [`Core::conductances`] of the array's first cell.
    pub offset: usize,
}

impl Core {
    /// Every array of the core in a fixed order: blocks row block by row
    /// block (then column block), within a block G+ before G− (BALANCED) or
    /// its one array (OFFSET), and for BITSLICED cores slice by slice from the
    /// least significant, each slice's arrays in that order. The cells of
    /// the arrays follow one another in this order in [`Core::conductances`].
    pub fn array_layout(&self) -> Vec<ArrayInfo> {
        let ncb = self.tiling.col_blocks.len();
        let mut out = Vec::new();
        let mut offset = 0;
        for (b, block) in self.blocks.iter().enumerate() {
            let (tile_row, tile_col) = (b / ncb, b % ncb);
            let (row0, col0) = (self.tiling.row_blocks[tile_row].0, self.tiling.col_blocks[tile_col].0);
            let roles: Vec<(ArrayRole, usize)> = match block {
                Mapping::Balanced(_) => vec![(ArrayRole::Positive, 0), (ArrayRole::Negative, 0)],
                Mapping::Offset(_) => vec![(ArrayRole::Single, 0)],
                Mapping::BitSliced(m) => m
                    .slices
                    .iter()
                    .enumerate()
                    .flat_map(|(k, s)| match s {
                        SliceArrays::Offset(_) => vec![(ArrayRole::Single, k)],
                        SliceArrays::Balanced(_) => vec![(ArrayRole::Positive, k), (ArrayRole::Negative, k)],
                    })
                    .collect(),
            };
            for (a, (role, slice)) in block.arrays().into_iter().zip(roles) {
                out.push(ArrayInfo {
                    tile_row,
                    tile_col,
                    row0,
                    col0,
                    role,
                    slice,
                    rows: a.rows,
                    cols: a.cols,
                    offset,
                });
                offset += a.rows * a.cols;
            }
        }
        out
    }

    /// The conductance of every cell of every array in siemens, arrays in
    /// the order of [`Core::array_layout`], each row-major: the stored
    /// normalised value (programming error, updates and the drift at
    /// [`Core::time`] included; read noise, drawn per read, is not) times
    /// `Gmax = 1/Rmin` (`xbar.device.Rmin`, ohms). Empty before the core is
    /// programmed.
    pub fn conductances(&self) -> Result<Vec<f64>> {
        let gmax = 1.0 / self.params.xbar.device.rmin;
        let mut out = Vec::new();
        for block in self.host_blocks()?.iter() {
            for a in block.arrays() {
                out.extend(a.g.as_f64().iter().map(|&g| g * gmax));
            }
        }
        Ok(out)
    }

    /// Number of cells [`Core::conductances`] returns.
    pub fn conductance_count(&self) -> usize {
        self.blocks.iter().flat_map(|b| b.arrays()).map(|a| a.g.len()).sum()
    }

    /// The global drift compensation factor `β₀/β_t` by which outputs are
    /// multiplied at the present time (`xbar.device.drift_compensation`,
    /// from reference reads at programming and at the last `set_time`); 1
    /// without compensation or before any `set_time`.
    pub fn drift_compensation(&self) -> f64 {
        self.drift_factor
    }
}
