//! Build script: gives the shared library its ELF SONAME (`libxbar.so.<major>`)
//! so that programs linked against it keep working across compatible updates,
//! and rebuilds when a CUDA kernel source changes (kernels are embedded).

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libxbar.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=kernels");
}
