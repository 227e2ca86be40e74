//! The saved-core parser (`Core::from_bytes`) on arbitrary bytes: never
//! panics. When the first byte is odd the rest is taken as a payload and
//! framed with a valid header and checksum, so that the payload decoder and
//! the rebuilding of the core are reached. A core it accepts saves and
//! restores to the same bytes, and a small one runs an MVM.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xbar::internals::persist::frame;
use xbar::Core;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        frame::seal(rest)
    } else {
        data.to_vec()
    };
    let Ok(mut core) = Core::from_bytes(&bytes) else {
        return;
    };
    let saved = core.to_bytes().expect("a restored core saves");
    let again = Core::from_bytes(&saved).expect("a saved core restores");
    assert_eq!(
        again.to_bytes().expect("saves again"),
        saved,
        "save, restore, save: same bytes"
    );
    let (m, n) = (core.rows(), core.cols());
    if core.is_programmed() && !core.is_complex() && m * n <= 4096 {
        let mut y = vec![0.0; m];
        let _ = core.mvm(&vec![0.5; n], 1, &mut y);
    }
});
