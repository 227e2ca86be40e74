//! The PCM inference model of aihwkit (`PCMLikeNoiseModel`, Nandakumar et al.,
//! ICECS 2019; spec update-models.md §B.8), in conductances normalised to
//! Gmax = 1 (aihwkit's g/g_max, fitted at g_max = g_ref = 25 µS):
//!
//! * programming: `σ_prog = c0 + c1·G + c2·G²` (c = 0.26348, 1.9650, -1.1731, in
//!   units of g_ref), `G_P = max(0, G_T + σ_prog/g_ref·ξ)`;
//! * drift exponent per device, from the target: `g = max(G_T, 1e-7)`,
//!   `μ_ν = clamp(-0.0155 ln g + 0.0244, 0.049, 0.1)`,
//!   `σ_ν = clamp(-0.0125 ln g - 0.0059, 0.008, 0.045)`, `ν = |μ_ν + σ_ν·ξ|`;
//! * at `t_inf` seconds after programming, `t = t_inf + t0` (t0 = 20 s):
//!   `G_D = G_P·(t/t0)^-ν`, and accumulated 1/f read noise
//!   `σ_r = min(0.2, 0.0088/max(1e-3, G_P^0.65))·sqrt(ln((t + t_r)/(2 t_r)))`
//!   (t_r = 250 ns), `G_F = max(0, G_D + |G_D|·σ_r·ξ)`.

const PROG: [f64; 3] = [0.26348, 1.9650, -1.1731];
const G_REF_US: f64 = 25.0;
const T0: f64 = 20.0;
const T_READ: f64 = 250e-9;

/// Programmed conductance for target `g_t` and unit normal draw `xi`.
pub fn program(g_t: f64, xi: f64) -> f64 {
    let sigma = (PROG[0] + PROG[1] * g_t + PROG[2] * g_t * g_t) / G_REF_US;
    (g_t + sigma * xi).max(0.0)
}

/// Drift exponent ν of a device programmed to `g_t`, for unit normal draw `xi`.
pub fn drift_exponent(g_t: f64, xi: f64) -> f64 {
    let g = g_t.abs().max(1e-7);
    let mu = (-0.0155 * g.ln() + 0.0244).clamp(0.049, 0.1);
    let sd = (-0.0125 * g.ln() - 0.0059).clamp(0.008, 0.045);
    (mu + sd * xi).abs()
}

/// Conductance `t_inf` seconds after programming to `g_p` with exponent `nu`,
/// with accumulated read noise for unit normal draw `xi`.
pub fn at_time(g_p: f64, nu: f64, t_inf: f64, xi: f64) -> f64 {
    let t = t_inf + T0;
    let g_d = if t > T0 { g_p * (t / T0).powf(-nu) } else { g_p };
    let q = (0.0088 / g_p.abs().powf(0.65).max(1e-3)).min(0.2);
    let sigma = q * ((t + T_READ) / (2.0 * T_READ)).ln().sqrt();
    (g_d + g_d.abs() * sigma * xi).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_lowers_conductance_by_the_power_law() {
        // One day: (86420/20)^-ν.
        let g = at_time(0.8, 0.05, 86400.0, 0.0);
        assert!((g - 0.8 * (86420.0f64 / 20.0).powf(-0.05)).abs() < 1e-15);
        assert_eq!(at_time(0.8, 0.05, 0.0, 0.0), 0.8);
        // Mean exponent of a fully-on device: clamp(0.0244, 0.049, 0.1) = 0.049.
        assert_eq!(drift_exponent(1.0, 0.0), 0.049);
        assert_eq!(program(0.5, 0.0), 0.5);
    }
}
