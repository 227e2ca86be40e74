//! The array term of the cost model against ngspice: the energy the input
//! sources deliver in the exported netlist of a core's array, `t_read ·
//! Σ_l −V_l·i(vx_l)`, equals the core's `array_cells` energy for the same
//! MVM within 1e-6 relative (ngspice prints 15 digits and solves to reltol
//! 1e-12; the conductances are the same float64 values), with ideal wires
//! and with wire and terminal resistance.

use std::process::Command;
use xbar::{Core, Layout, Params};

fn ngspice_available() -> bool {
    let found = Command::new("ngspice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("ngspice is required in CI (install the Debian package `ngspice`)");
        }
        eprintln!("SKIPPED: ngspice not found; install it (apt-get install ngspice) to check the array energy");
    }
    found
}

/// The deck with a print of every input source's current `i(vx<l>)` added
/// to its control block; returns (deck, source voltages by line).
fn with_source_prints(deck: &str) -> (String, Vec<(String, f64)>) {
    let sources: Vec<(String, f64)> = deck
        .lines()
        .filter(|l| l.starts_with("VX"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_lowercase(), f[4].parse().unwrap())
        })
        .collect();
    let prints: String = sources
        .chunks(16)
        .map(|c| {
            let names: Vec<String> = c.iter().map(|(n, _)| format!("i({n})")).collect();
            format!("print {}\n", names.join(" "))
        })
        .collect();
    (deck.replacen("\nrun\n", &format!("\nrun\n{prints}"), 1), sources)
}

/// Runs ngspice and returns the printed value of every `i(<name>)`.
fn run(deck: &str, name: &str) -> std::collections::HashMap<String, f64> {
    let dir = std::env::temp_dir().join(format!("xbar-cost-spice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.cir"));
    std::fs::write(&file, deck).unwrap();
    let out = Command::new("ngspice").arg("-b").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let _ = std::fs::remove_file(&file);
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(" = ")?;
            let k = k.trim().to_lowercase();
            let name = k.strip_prefix("i(")?.strip_suffix(')')?.to_string();
            Some((name, v.trim().parse::<f64>().ok()?))
        })
        .collect()
}

#[test]
fn array_energy_equals_the_ngspice_source_energy() {
    if !ngspice_available() {
        return;
    }
    // (style, rows, cols, Rmin, Vread, parasitics)
    let cases = [
        ("\"OFFSET\"", 24, 16, 1e3, 0.2, None),
        ("\"OFFSET\"", 40, 64, 1e4, 0.1, None),
        (
            "\"OFFSET\"",
            24,
            16,
            1e3,
            0.2,
            Some(r#"{"enable": true, "Rp_row": 1.0, "Rp_col": 2.0}"#),
        ),
        (
            "\"OFFSET\"",
            48,
            64,
            2e3,
            0.3,
            Some(r#"{"enable": true, "Rp_row": 5.0, "Rp_col": 3.0, "Rp_row_terminal": 2.0, "Rp_col_terminal": 1.0}"#),
        ),
        (
            "\"BALANCED\"",
            32,
            24,
            1e3,
            0.2,
            Some(r#"{"enable": true, "Rp_row": 2.0, "Rp_col": 2.0}"#),
        ),
    ];
    let mut worst = 0.0f64;
    for (k, &(style, rows, cols, rmin, vread, wires)) in cases.iter().enumerate() {
        let mut p = Params::default();
        p.set_json("core.style", style).unwrap();
        if let Some(w) = wires {
            p.set_json("xbar.array.parasitics", w).unwrap();
        }
        if style.contains("BALANCED") {
            // One network (the interleaved pair) is what the netlist holds.
            p.set_json("core.balanced.interleaved_posneg", "true").unwrap();
        }
        p.set_json("simulation.conductance_precision", "\"float64\"").unwrap();
        p.set_json("xbar.cost.array.law", "\"cells\"").unwrap();
        p.xbar.device.rmin = rmin;
        p.xbar.device.rmax = 20.0 * rmin;
        p.xbar.device.vread = vread;
        let mut c = Core::new(&p, rows, cols, 5).unwrap();
        let w: Vec<f64> = (0..rows * cols).map(|i| ((i * 37 % 29) as f64 - 14.0) / 14.0).collect();
        c.program(&w, Layout::RowMajor).unwrap();
        let x: Vec<f64> = (0..cols).map(|j| ((j * 11 % 13) as f64 - 6.0) / 6.0).collect();
        let mut y = vec![0.0; rows];
        c.mvm(&x, 1, &mut y).unwrap();
        let t = c.cost_figures().read_time_s;
        let ours = c.cost_energy().0.array_cells;
        let (deck, sources) = with_source_prints(&c.export_spice(&x).unwrap().netlist);
        let amps = run(&deck, &format!("case{k}"));
        let power: f64 = sources.iter().map(|(n, v)| -v * amps[n.as_str()]).sum();
        let theirs = power * t;
        let rel = (ours - theirs).abs() / theirs.abs();
        assert!(rel <= 1e-6, "case {k}: xbar {ours:e} J, ngspice {theirs:e} J ({rel:e})");
        worst = worst.max(rel);
    }
    eprintln!("array energy vs ngspice source energy: worst relative difference {worst:.2e}");
}
