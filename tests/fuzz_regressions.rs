//! Inputs the fuzz targets of fuzz/ (tests/fuzz/run.sh) found to break an
//! invariant, kept as regression tests: each case names its target and
//! what went wrong before the fix.

use std::sync::Arc;
use xbar::internals::device::update::DeviceUpdate;
use xbar::internals::rng::{Purpose, Stream};
use xbar::lut::format;
use xbar::lut::{LookupTableModel, LutOptions};
use xbar::{Core, Error, Layout, Params};

/// lut_file: a table whose changes are finite but so large (8e307 S) that
/// the preprocessed means overflow gave NaN conductances on update; such a
/// pair is now refused when the model is built.
#[test]
fn lut_file_overflowing_changes_are_refused() {
    let inc =
        "title\n1e-05, 2.8e-05, 4.6e-05, 6.4e-05, 8.2e-05, 0.0001\n0.0, 0.3333333333333333, 0.6666666666666666, 1.0\n\
        1e-06, 9e-07, 8e307, 7e-07,-6e0  ,74e-07\n\
        1.6e-06, 1.5e-06, 1.3e-06, 1.1606, 1e-06, 8.3e-07\n\
        2.3e-06, 2.1e-06, 1.8e-06, 1.6e-06, 1.4e-06, 1.1e-06\n\
        3e-06, 2.7e-06, 2.4e-06, 2.1e-06, 1.8e-06, 1.5e-06\n";
    let dec =
        "title\n1e-05, 2.8e-05, 4.6e-05, 6.4e-05, 8.2e-05, 0.0001\n0.0, 0.3333333333333333, 0.6666666666666666, 1.0\n\
        -5e-07, -4.5e-07, -4e-07, -3.5e-07, -3e-07, -2.5e-07\n\
        -8.3e-07, -7.4e-07, -607, -5.8e-07, -5e-07, -4.166666666607\n\
        -1.1e-06, -1.05e-06, -9.3e-07, -8.1e-07, -6.9e-07, -5.8e-07\n\
        -1.5e-06, -1.35e-06, -1.2e-06, -1.05e-06, -9e-07, -7.5e-07\n";
    let pair = (format::parse(inc, "inc").unwrap(), format::parse(dec, "dec").unwrap());
    let names = [("inc".to_string(), "dec".to_string())];
    match LookupTableModel::from_tables(&[pair], &names, &LutOptions::default()) {
        Err(Error::Parse(m)) => assert!(m.contains("inc") && m.contains("overflow"), "{m}"),
        Err(other) => panic!("expected a parse error, got {other:?}"),
        Ok(m) => {
            let lut = Arc::new(m).bind(0.1, 7);
            let s = Stream::new(7, 0, Purpose::Update, 1);
            let mut g = 0.5;
            for (cell, dg) in [0.01, -0.02, 0.3, -1.0, 1e-9].into_iter().enumerate() {
                g = lut.apply(cell, g, dg, &s);
                assert!(g.is_finite(), "update {cell} gave {g}");
            }
        }
    }
}

/// Found while reducing the lut_file case: an update so large that the
/// requested change overflows (`lr·d·x` = inf) met write noise (inf − inf)
/// and left NaN conductances; such a request now drives the devices to the
/// edge of their window like any request beyond it.
#[test]
fn overflowing_update_saturates_without_nan() {
    let mut p = Params::default();
    p.set_json("xbar.device.update", r#"{"model": "Analytic", "write_noise": 0.1}"#)
        .unwrap();
    let mut c = Core::new(&p, 2, 2, 1).unwrap();
    c.program(&[0.5, -0.5, 0.25, 0.0], Layout::RowMajor).unwrap();
    c.update(&[1e200, 1e200], &[1e200, -1e200], 1, 1e10).unwrap();
    let mut w = [0.0f64; 4];
    c.read(&mut w, Layout::RowMajor).unwrap();
    // Row 0 is pushed up, row 1 down, each to the same saturated weight
    // inside the default range [-1, 1]: finite, never NaN.
    assert!(w.iter().all(|v| v.is_finite() && v.abs() <= 1.0), "{w:?}");
    assert!(w[0] > 0.0 && w[0] == w[1] && w[2] == -w[0] && w[3] == w[2], "{w:?}");
}

/// lut_file (same mechanism): a huge request through well-formed tables
/// gives a finite state at the table edge.
#[test]
fn huge_lookup_table_request_reaches_the_edge() {
    let (inc, dec) = (TABLE_INC, TABLE_DEC);
    let pair = (format::parse(inc, "inc").unwrap(), format::parse(dec, "dec").unwrap());
    let m = LookupTableModel::from_tables(&[pair], &[("inc".into(), "dec".into())], &LutOptions::default()).unwrap();
    let (lo, hi) = m.clip();
    let lut = Arc::new(m).bind(0.1, 7);
    let s = Stream::new(7, 0, Purpose::Update, 1);
    assert_eq!(lut.model().step(0, 0.5, f64::MAX, 0.3), hi);
    assert_eq!(lut.model().step(0, 0.5, -f64::MAX, 0.3), lo);
    for dg in [f64::MAX, -f64::MAX, 1e300] {
        assert!(lut.apply(0, 0.5, dg, &s).is_finite());
    }
}

const TABLE_INC: &str =
    "title\n1e-05, 5.5e-05, 0.0001\n0.0, 0.5, 1.0\n1e-06, 8e-07, 5e-07\n2e-06, 1.5e-06, 1e-06\n3e-06, 2e-06, 1.5e-06\n";
const TABLE_DEC: &str = "title\n1e-05, 5.5e-05, 0.0001\n0.0, 0.5, 1.0\n-1.5e-06, -2e-06, -3e-06\n-1e-06, -1.5e-06, -2e-06\n-5e-07, -8e-07, -1e-06\n";

/// The bytes the saved_core fuzz target restores from input `name` of
/// `tests/data/fuzz/`: the target frames payload seeds (odd first byte) itself.
fn saved_core_input(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/fuzz/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(path).unwrap();
    if data[0] & 1 == 1 {
        xbar::internals::persist::frame::seal(&data[1..])
    } else {
        data
    }
}

/// saved_core: a payload whose conductance (finite as f64) overflows float32,
/// the parameters' storage, restored to an infinite conductance that could
/// not be saved and restored again; such a file is now refused.
#[test]
fn saved_conductances_beyond_float32_are_refused() {
    match Core::from_bytes(&saved_core_input("saved_core-float32-overflow")) {
        Err(Error::Parse(m)) => assert!(m.contains("float32"), "{m}"),
        Err(other) => panic!("expected a parse error, got {other:?}"),
        Ok(core) => {
            let saved = core.to_bytes().unwrap();
            assert!(Core::from_bytes(&saved).is_ok(), "a restored core saves and restores");
        }
    }
}

/// saved_core: a payload whose saved weight range is reversed (min > max),
/// which made programming's clamp panic; such a file is now refused.
#[test]
fn a_reversed_saved_weight_range_is_refused() {
    match Core::from_bytes(&saved_core_input("saved_core-weight-range-reversed")) {
        Err(Error::Parse(m)) => assert!(m.contains("reversed"), "{m}"),
        other => panic!("expected a parse error, got {:?}", other.map(|_| "a core")),
    }
}
