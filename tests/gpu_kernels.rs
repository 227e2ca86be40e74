//! Every kernel file of `kernels/` compiles with NVRTC to PTX for the oldest
//! and newest architectures the backend targets (sm_75, sm_80, sm_90). Needs
//! only libnvrtc.so.13 (no GPU, no driver); without it the test is skipped
//! loudly, and fails under `CI=true`.

use std::collections::BTreeSet;
use xbar::internals::gpu::{kernels, probe};

/// Architectures compiled for: Turing (the oldest CUDA 13 supports), Ampere, Hopper.
const ARCHS: [&str; 3] = ["sm_75", "sm_80", "sm_90"];

#[test]
fn every_kernel_compiles_for_every_architecture() {
    if !probe::nvrtc_present() {
        let msg = "libnvrtc.so.13 not found: put the nvidia-cuda-nvrtc lib folder on LD_LIBRARY_PATH";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{msg} (CI=true: NVRTC is required)");
        }
        eprintln!("\n!!!!!!!! SKIPPED: kernel compilation ({msg}) !!!!!!!!\n");
        return;
    }
    // The library embeds exactly the .cu files of kernels/.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".cu"))
        .collect();
    let embedded: BTreeSet<String> = kernels::SOURCES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, embedded, "kernels/*.cu and gpu::kernels::SOURCES differ");
    for (name, _) in kernels::SOURCES {
        for arch in ARCHS {
            let ptx = kernels::compile(name, arch).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                ptx.contains(&format!(".target {arch}")),
                "{name} for {arch}: no .target line"
            );
            // The file's entry points are exactly its kernels in gpu::kernels::KERNELS.
            let entries: BTreeSet<&str> = ptx
                .lines()
                .filter_map(|l| l.split(".entry ").nth(1))
                .map(|rest| rest.trim_end_matches(|c: char| c == '(' || c.is_whitespace()))
                .collect();
            let listed: BTreeSet<&str> = kernels::KERNELS
                .iter()
                .filter(|k| k.file == *name)
                .map(|k| k.name)
                .collect();
            assert_eq!(
                entries, listed,
                "{name} for {arch}: PTX entries and gpu::kernels::KERNELS differ"
            );
        }
    }
}

#[test]
fn compile_errors_carry_the_nvrtc_log() {
    if !probe::nvrtc_present() {
        eprintln!("\n!!!!!!!! SKIPPED: NVRTC log check (libnvrtc.so.13 not found) !!!!!!!!\n");
        return;
    }
    let src = "extern \"C\" __global__ void broken(float* y) { y[0] = not_declared; }";
    let err = kernels::compile_program("broken.cu", src, "sm_80")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("NVRTC could not compile kernels/broken.cu for sm_80"),
        "{err}"
    );
    // NVRTC's own log names the undefined identifier.
    assert!(err.contains("\"not_declared\" is undefined"), "{err}");
}

/// The product kernels of `kernels/mvm.cu` the backend chooses between
/// (`gpu::resident`): the noisy and single-vector products, the GEMM of
/// static batches and the three steps of per-output read noise, in both
/// precisions, are all listed (and so compiled above for every architecture).
#[test]
fn every_product_kernel_is_listed() {
    for stem in [
        "xbar_mvm",
        "xbar_vmm",
        "xbar_gemm_mvm",
        "xbar_gemm_vmm",
        "xbar_output_squares_mvm",
        "xbar_output_squares_vmm",
        "xbar_vector_squares",
        "xbar_output_noise",
    ] {
        for precision in ["f32", "f64"] {
            let name = format!("{stem}_{precision}");
            let k = kernels::kernel(&name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(k.file, "mvm.cu", "{name}");
        }
    }
}
