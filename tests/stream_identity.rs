//! Random streams never repeat within a core (`src/rng/identity.rs`):
//! - a batch of more vectors than one read call's streams can name (2^24) is
//!   read in several calls, so its later vectors get fresh read noise (before,
//!   vector 2^24 + b drew vector b's numbers);
//! - a matrix tiled into more arrays than the streams can name (2^17 tiles;
//!   before, tile 2^17 drew tile 0's numbers) is refused with a shape error.

use xbar::{Core, Error, Layout, Params};

fn noisy() -> Params {
    let mut p = Params::default();
    p.set_json(
        "xbar.device.read_noise",
        r#"{"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.1}"#,
    )
    .unwrap();
    p
}

/// The collision as reported: a 2 x 2 core with read noise, one MVM of
/// 2^24 + 4 vectors of ones. About 1.5 GB and a few seconds optimised, so it
/// runs in release test builds only (`cargo test --release --test
/// stream_identity`); the unit test of `Core` reads in several calls at a
/// small size in every build.
#[test]
#[cfg_attr(debug_assertions, ignore = "2^24-vector batch: run with --release")]
fn vectors_past_two_to_the_24_draw_fresh_noise() {
    let n = (1usize << 24) + 4;
    let mut c = Core::new(&noisy(), 2, 2, 3).unwrap();
    c.program(&[0.5, -0.5, 0.25, 1.0], Layout::RowMajor).unwrap();
    let x = vec![1.0; 2 * n];
    let mut y = vec![0.0; 2 * n];
    c.mvm(&x, n, &mut y).unwrap();
    let first = 1usize << 24;
    for b in 0..4 {
        assert_ne!(
            &y[2 * (first + b)..2 * (first + b + 1)],
            &y[2 * b..2 * (b + 1)],
            "vector 2^24 + {b} repeats vector {b}"
        );
    }
}

#[test]
fn more_tiles_than_streams_are_refused() {
    let mut p = noisy();
    p.set_json("core.rows_max", "1").unwrap();
    p.set_json("core.cols_max", "1").unwrap();
    // 363^2 = 131769 tiles > 2^17 = 131072.
    match Core::new(&p, 363, 363, 1) {
        Err(Error::Shape(m)) => assert!(m.contains("131769") && m.contains("core.rows_max"), "{m}"),
        other => panic!("expected a shape error, got {:?}", other.map(|_| ())),
    }
    // Just below the limit (362^2 = 131044 tiles) a core can be built.
    assert!(Core::new(&p, 362, 362, 1).is_ok());
}
