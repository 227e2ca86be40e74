//! include/xbar.h is committed; this test regenerates it with cbindgen in
//! memory and fails when the committed file differs. `XBAR_BLESS=1 cargo test
//! --test header_up_to_date` rewrites it instead.

use std::path::Path;

fn generate() -> Vec<u8> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let config =
        cbindgen::Config::from_file(Path::new(dir).join("cbindgen.toml")).expect("cbindgen.toml is readable and valid");
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed to generate the header")
        .write(&mut fresh);
    fresh
}

fn header_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/xbar.h")
}

#[test]
fn committed_header_matches_cbindgen_output() {
    let fresh = generate();
    let path = header_path();
    if std::env::var_os("XBAR_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("include/xbar.h is writable");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/xbar.h is stale: run XBAR_BLESS=1 cargo test --test header_up_to_date"
    );
}

/// The integer value of `#define NAME <integer>` in the header text.
fn define(header: &str, name: &str) -> u32 {
    let prefix = format!("#define {name} ");
    let line = header
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("include/xbar.h has no {name}"));
    let value = line[prefix.len()..].trim().trim_end_matches('u');
    value
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not an integer: {line}"))
}

#[test]
fn header_version_macros_equal_the_crate_version() {
    let header = String::from_utf8(generate()).expect("the header is UTF-8");
    let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    assert_eq!(
        define(&header, "XBAR_VERSION_MAJOR"),
        major,
        "edit cbindgen.toml after_includes"
    );
    assert_eq!(
        define(&header, "XBAR_VERSION_MINOR"),
        minor,
        "edit cbindgen.toml after_includes"
    );
    assert_eq!(
        define(&header, "XBAR_VERSION_PATCH"),
        patch,
        "edit cbindgen.toml after_includes"
    );
    // XBAR_VERSION_NUMBER must use all three components (rustls-ffi once forgot PATCH).
    assert!(header.contains(
        "#define XBAR_VERSION_NUMBER ((XBAR_VERSION_MAJOR << 16) | (XBAR_VERSION_MINOR << 8) | XBAR_VERSION_PATCH)"
    ));
    assert_eq!(
        xbar::ffi::xbar_version_number(),
        (major << 16) | (minor << 8) | patch,
        "xbar_version_number() disagrees with Cargo.toml"
    );
    let version = unsafe { std::ffi::CStr::from_ptr(xbar::ffi::xbar_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(define(&header, "XBAR_ROW_MAJOR"), 0);
    assert_eq!(define(&header, "XBAR_COL_MAJOR"), 1);
}
