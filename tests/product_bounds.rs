//! The public product kernels check their widths once, for real, before their
//! unchecked inner loops: a mismatched call panics instead of reading out of
//! bounds (it used to segfault in release builds).

use xbar::internals::product::{mvm, vmm, Dense, Sum};

#[test]
#[should_panic(expected = "count vectors")]
fn a_long_input_for_a_narrow_matrix_panics() {
    let g = [0.5f32; 16];
    let x = vec![1.0; 4_000_000];
    let mut y = vec![0.0; 4];
    mvm(Dense { a: &g[..], cols: 4 }, 4, 4, &x, 1, Sum::Linear, &mut y);
}

#[test]
#[should_panic(expected = "rows are not 1000000 wide")]
fn a_width_the_matrix_does_not_have_panics() {
    let g = [0.5f32; 16];
    let x = vec![1.0; 1_000_000];
    let mut y = vec![0.0; 4];
    mvm(Dense { a: &g[..], cols: 4 }, 4, 1_000_000, &x, 1, Sum::Linear, &mut y);
}

#[test]
#[should_panic]
fn more_rows_than_the_matrix_holds_panic() {
    let g = [0.5f64; 16];
    let x = vec![1.0; 100];
    let mut y = vec![0.0; 4];
    vmm(Dense { a: &g[..], cols: 4 }, 100, 4, &x, 1, Sum::Linear, &mut y);
}

#[test]
fn matching_sizes_compute_the_product() {
    let g = [1.0f64, 2.0, 3.0, 4.0];
    let mut y = [0.0; 2];
    mvm(Dense { a: &g[..], cols: 2 }, 2, 2, &[1.0, 1.0], 1, Sum::Linear, &mut y);
    assert_eq!(y, [3.0, 7.0]);
    vmm(Dense { a: &g[..], cols: 2 }, 2, 2, &[1.0, 1.0], 1, Sum::Linear, &mut y);
    assert_eq!(y, [4.0, 6.0]);
}
