//! `Params::set_json(path, value)` on arbitrary text (the input is
//! `path\nvalue`): never panics; a failed set leaves the parameters as they
//! were; a successful one leaves them valid and readable at `path`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xbar::Params;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, value) = text.split_once('\n').unwrap_or((text, "1"));
    let mut p = Params::default();
    match p.set_json(path, value) {
        Ok(()) => {
            p.validate().expect("a successful set leaves valid parameters");
            p.get_json(path).expect("a path that was set can be read");
        }
        Err(_) => assert_eq!(p, Params::default(), "a failed set changes nothing"),
    }
});
