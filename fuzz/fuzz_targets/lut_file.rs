//! The lookup-table file parser on arbitrary text. The input is one file, or
//! two (increasing, decreasing) separated by a line `---`: each parsed file
//! writes back as text that parses to the same table; a parsed pair is
//! preprocessed into a model and a few updates are written through it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use xbar::lut::format;
use xbar::lut::{LookupTableModel, LutOptions};
use xbar::internals::device::update::DeviceUpdate;
use xbar::internals::rng::{Purpose, Stream};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (inc, dec) = text.split_once("\n---\n").unwrap_or((text, ""));
    let parsed: Vec<_> = [inc, dec]
        .iter()
        .filter_map(|t| format::parse(t, "fuzz").ok())
        .collect();
    for t in &parsed {
        let back = format::parse(&format::to_text(t), "again").expect("to_text output parses");
        assert_eq!(&back, t, "parse(to_text(t)) == t");
    }
    if let [i, d] = &parsed[..] {
        let names = [("inc".to_string(), "dec".to_string())];
        if let Ok(m) = LookupTableModel::from_tables(&[(i.clone(), d.clone())], &names, &LutOptions::default()) {
            let lut = Arc::new(m).bind(0.1, 7);
            let s = Stream::new(7, 0, Purpose::Update, 1);
            let mut g = 0.5;
            for (cell, dg) in [0.01, -0.02, 0.3, -1.0, 1e-9].into_iter().enumerate() {
                g = lut.apply(cell, g, dg, &s);
                assert!(g.is_finite(), "a lookup-table update gives a finite conductance");
            }
        }
    }
});
