//! `Params::from_json` on arbitrary text: never panics; what it accepts
//! writes back as JSON that parses to the same parameters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xbar::Params;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Params::from_json(text) {
        let again = Params::from_json(&p.to_json()).expect("to_json output parses");
        assert_eq!(again, p, "from_json(to_json(p)) == p");
    }
});
