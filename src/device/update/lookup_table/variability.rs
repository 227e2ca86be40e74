//! Device-to-device variability (spec update-models.md §A.7): a model holds one
//! or several devices' tables and each cell of an array is assigned one of
//! them by a deterministic draw from (seed, array id, cell), fixed for the
//! core's life: the two devices of a balanced pair and the arrays of a tiled
//! core are assigned independently, as CrossSim v2 does.
//!
//! Directory layouts found by [`find_pairs`]: `dG_increasing.txt` +
//! `dG_decreasing.txt` (one device), numbered pairs `dG_increasing{N}.txt` +
//! `dG_decreasing{N}.txt` in one folder (a set), or subfolders each holding
//! such pairs (a set, e.g. `TaOx_all/1 … 41`). Numbered names sort numerically.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const INC: &str = "dG_increasing";
const DEC: &str = "dG_decreasing";

/// Sort key: numeric names in numeric order, then the others by name.
fn key(name: &str) -> (u8, u64, String) {
    match name.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) if name.is_empty() => (0, 0, String::new()),
        Err(_) => (1, 0, name.to_string()),
    }
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io(format!("{}: {e}", path.display()))
}

/// The (increasing, decreasing) file pairs directly in `dir`.
fn pairs_in(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut tags = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(tag) = name.strip_prefix(INC).and_then(|r| r.strip_suffix(".txt")) {
            tags.push(tag.to_string());
        }
    }
    tags.sort_by_key(|t| key(t));
    tags.into_iter()
        .map(|t| {
            let inc = dir.join(format!("{INC}{t}.txt"));
            let dec = dir.join(format!("{DEC}{t}.txt"));
            if dec.is_file() {
                Ok((inc, dec))
            } else {
                Err(Error::Io(format!("{}: no matching {}", inc.display(), dec.display())))
            }
        })
        .collect()
}

/// All table pairs of `dir` (see the module documentation), in order.
pub fn find_pairs(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let here = pairs_in(dir)?;
    if !here.is_empty() {
        return Ok(here);
    }
    let mut subs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        if entry.path().is_dir() {
            subs.push((key(&entry.file_name().to_string_lossy()), entry.path()));
        }
    }
    subs.sort();
    let mut all = Vec::new();
    for (_, sub) in subs {
        all.extend(pairs_in(&sub)?);
    }
    if all.is_empty() {
        return Err(Error::Io(format!(
            "{}: no lookup tables ({INC}*.txt with {DEC}*.txt) in it or its subfolders",
            dir.display()
        )));
    }
    Ok(all)
}

/// splitmix64's finaliser.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The table (of `n`) of cell `cell` of array `array` under assignment seed
/// `seed`: uniform on `0..n`, a pure function of its arguments, independent
/// between arrays.
#[inline]
pub fn assign(seed: u64, array: u32, cell: usize, n: usize) -> usize {
    assign_keyed(array_key(seed, array), cell, n)
}

/// The part of [`assign`] common to every cell of array `array`: computed
/// once per array, then [`assign_keyed`] per cell.
#[inline]
pub fn array_key(seed: u64, array: u32) -> u64 {
    mix(mix(seed) ^ u64::from(array))
}

/// [`assign`] from the array's [`array_key`].
#[inline(always)]
pub fn assign_keyed(key: u64, cell: usize, n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let h = mix(key ^ cell as u64);
    (((h >> 32) * n as u64) >> 32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_names_sort_numerically() {
        let mut v = vec!["10", "2", "", "1", "b", "a"];
        v.sort_by_key(|s| key(s));
        assert_eq!(v, vec!["", "1", "2", "10", "a", "b"]);
    }

    #[test]
    fn assignment_is_in_range_and_single_table_is_zero() {
        assert!((0..1000).all(|c| assign(3, 1, c, 7) < 7));
        assert!((0..1000).all(|c| assign(3, 1, c, 1) == 0));
    }
}
