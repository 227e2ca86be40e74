//! Parasitic circuit solvers: the exact solver on a 256×256 balanced pair
//! (batch 16) and a 1024×1024 array (batch 1), per call with new
//! conductances (read noise): conjugate gradients on the cell currents (the
//! default for these input-source arrays), and the sparse Cholesky
//! factorisation (numeric factorisation + solve, and with the factorisation
//! reused); CrossSim's relaxation at Verr 1e-10 on the same circuits for the
//! ratio.
//!
//! Wires (Rmin = 10 kΩ): Rp_row = Rp_col = 0.2 Ω (r = 2e-5) on 256×256 and
//! 10 mΩ (r = 1e-6) on 1024×1024, weak enough for the relaxation to converge
//! at gamma = 1 (its iteration contracts only while about 0.45·r·N² < 1). The
//! exact solver's cost does not depend on r.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use xbar::internals::array::Op;
use xbar::internals::batch::Batch;
use xbar::internals::circuit::parasitics::{solve_relaxation, LinearSolver, Method, Problem, Relaxation, Wires};
use xbar::params::{SelectedRows, VerrCriterion};

fn wires(r: f64) -> Wires {
    Wires {
        enable: true,
        r_row: r,
        r_col: r,
        r_row_terminal: 0.0,
        r_col_terminal: 0.0,
        current_from_input: true,
        selected_rows: SelectedRows::Top,
        rows_max: 0,
        cols_max: 0,
        rmin_ohm: 1e4,
    }
}

/// Deterministic values in `[lo, hi)`.
fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn relaxation() -> Relaxation {
    Relaxation {
        gamma: 1.0,
        threshold: 1e-10,
        max_iterations: 2_000,
        criterion: VerrCriterion::MaxMax,
    }
}

/// The MVM of the `n × n` array `g` on `x` through `w`.
fn mvm<'a>(w: &'a Wires, n: usize, g: &'a [f64], x: &'a Batch) -> Problem<'a> {
    Problem {
        wires: w,
        op: Op::Mvm,
        rows: n,
        cols: n,
        g,
        gn: None,
        x,
    }
}

fn bench(c: &mut Criterion) {
    let w = wires(2e-5);

    // 256 × 256 balanced pair (G+ and G- on separate arrays), batch 16.
    let (n, batch) = (256, 16);
    let gp = values(n * n, 1, 0.1, 1.0);
    let gn = values(n * n, 2, 0.1, 1.0);
    let x = Batch::from_vec(n, batch, values(n * batch, 3, -1.0, 1.0));
    let mut sp = LinearSolver::new(&w, Op::Mvm, n, n, false).unwrap();
    let mut sn = LinearSolver::new(&w, Op::Mvm, n, n, false).unwrap();
    sp.set_method(Method::Direct);
    sn.set_method(Method::Direct);
    sp.factor(&gp, None).unwrap();
    sn.factor(&gn, None).unwrap();
    let (mut stp, mut stn) = (relaxation(), relaxation());
    let it_p = solve_relaxation(&mvm(&w, n, &gp, &x), &mut stp).unwrap();
    let it_n = solve_relaxation(&mvm(&w, n, &gn, &x), &mut stn).unwrap();
    eprintln!(
        "256x256: {} unknowns, {} factor entries per array; relaxation: {} + {} iterations, {} retries",
        sp.nodes(),
        sp.factor_entries().unwrap(),
        it_p.iterations,
        it_n.iterations,
        it_p.retries + it_n.retries
    );
    let mut g = c.benchmark_group("parasitics 256x256 pair, batch 16");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("exact, Cholesky: factor both + solve", |b| {
        b.iter(|| {
            sp.factor(black_box(&gp), None).unwrap();
            sn.factor(black_box(&gn), None).unwrap();
            (sp.solve(&x).unwrap(), sn.solve(&x).unwrap())
        })
    });
    let (mut ip, mut in_) = (
        LinearSolver::new(&w, Op::Mvm, n, n, false).unwrap(),
        LinearSolver::new(&w, Op::Mvm, n, n, false).unwrap(),
    );
    ip.set_method(Method::Iterative);
    in_.set_method(Method::Iterative);
    g.bench_function("exact, conjugate gradients (default): both arrays", |b| {
        b.iter(|| {
            ip.factor(black_box(&gp), None).unwrap();
            in_.factor(black_box(&gn), None).unwrap();
            (ip.solve(&x).unwrap(), in_.solve(&x).unwrap())
        })
    });
    g.bench_function("exact, Cholesky: solve both (factors reused)", |b| {
        b.iter(|| (sp.solve(black_box(&x)).unwrap(), sn.solve(black_box(&x)).unwrap()))
    });
    g.bench_function("relaxation Verr 1e-10", |b| {
        b.iter(|| {
            let (mut a, mut bb) = (relaxation(), relaxation());
            let p = solve_relaxation(&mvm(&w, n, black_box(&gp), &x), &mut a).unwrap();
            let q = solve_relaxation(&mvm(&w, n, black_box(&gn), &x), &mut bb).unwrap();
            (p, q)
        })
    });
    g.finish();

    // 1024 × 1024 array, batch 1: only when benchmarking (`cargo bench` passes
    // --bench); `cargo test --all-targets` runs benches once as smoke tests,
    // unoptimised, where this case alone would take minutes.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let w = wires(1e-6);
    let n = 1024;
    let g1 = values(n * n, 4, 0.1, 1.0);
    let x1 = Batch::from_vec(n, 1, values(n, 5, -1.0, 1.0));
    let mut s1 = LinearSolver::new(&w, Op::Mvm, n, n, false).unwrap();
    s1.set_method(Method::Direct);
    s1.factor(&g1, None).unwrap();
    // The default for this size and batch: conjugate gradients.
    let mut s2 = LinearSolver::new(&w, Op::Mvm, n, n, false).unwrap();
    let mut st = relaxation();
    let it = solve_relaxation(&mvm(&w, n, &g1, &x1), &mut st).unwrap();
    eprintln!(
        "1024x1024: {} unknowns, {} factor entries; relaxation: {} iterations, {} retries",
        s1.nodes(),
        s1.factor_entries().unwrap(),
        it.iterations,
        it.retries
    );
    let mut g = c.benchmark_group("parasitics 1024x1024, batch 1");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.bench_function("exact, conjugate gradients (default)", |b| {
        b.iter(|| {
            s2.factor(black_box(&g1), None).unwrap();
            s2.solve(&x1).unwrap()
        })
    });
    g.bench_function("exact, Cholesky: factor + solve", |b| {
        b.iter(|| {
            s1.factor(black_box(&g1), None).unwrap();
            s1.solve(&x1).unwrap()
        })
    });
    g.bench_function("exact, Cholesky: solve (factor reused)", |b| {
        b.iter(|| s1.solve(black_box(&x1)).unwrap())
    });
    g.bench_function("relaxation Verr 1e-10", |b| {
        b.iter(|| {
            let mut st = relaxation();
            solve_relaxation(&mvm(&w, n, black_box(&g1), &x1), &mut st).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
