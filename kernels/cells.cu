// The cell laws on the device (src/device/cells.rs, src/device/*.rs): the
// programming error and drift of Cells::write and the per-cell read-noise σ
// of Cells::read_noise, operation for operation as the CPU computes them, in
// double precision (src/gpu/cells.rs drives them).
//
// * xbar_cells_write: one thread per cell writes target g[i] to its
//   programmed (or drifted) state: clip(shift(G) + σ(G)·e) for an error law,
//   or aihwkit's PCM programming, drift exponent and drift for PCMLike;
// * xbar_cells_sigma_check_*: one thread per cell compares its σ with cell
//   0's and raises a flag where they differ (so the host learns, from two
//   words, whether one σ serves every cell);
// * xbar_cells_sigma_*: one thread per cell writes its σ, rounded once to the
//   storage precision.
//
// The draws are the CPU's Stream::normal_at and Stream::uniform_at: 53-bit
// uniforms from two words of the cell's Philox block, and Box-Muller
// sqrt(-2 ln u1)·cos(2π u2) for the normals. log, cos, exp and pow are the
// device library's: on the emulated device they are the host's libm (the
// CPU's bits); CUDA's may differ from them by an ulp. Every other step is one
// IEEE double operation (--fmad=false: no contraction).
//
// The law comes as an array of doubles (gpu::cells::Law builds it):
//   [0] law code (XBAR_CELLS_*), [1] draw (0 normal, 1 uniform − ½),
//   [2] clip lo, [3] clip hi, then from [4] the law's own constants:
//   generic:            magnitude;
//   PCMJoshi, RRAMWan, RRAMMilo: Gmin (µS), Gmax (µS), gmin, grange;
//   SONOS (write, read): Imax, Imin, gmin, grange, days, A, B, p_0..p_10
//                       (the read law: A_r, B_r and no polynomial);
//   PCMLike:            drift (0 or 1), seconds after programming.

// rng::Purpose::ProgrammingError, Drift, DriftReadNoise.
#define XBAR_CELLS_PURPOSE_PROGRAMMING 1u
#define XBAR_CELLS_PURPOSE_DRIFT 3u
#define XBAR_CELLS_PURPOSE_DRIFT_READ 7u

#define XBAR_CELLS_INDEPENDENT 0
#define XBAR_CELLS_PROPORTIONAL 1
#define XBAR_CELLS_INVERSE 2
#define XBAR_CELLS_PCM_JOSHI 3
#define XBAR_CELLS_RRAM_WAN 4
#define XBAR_CELLS_RRAM_MILO 5
#define XBAR_CELLS_SONOS_WRITE 6
#define XBAR_CELLS_SONOS_READ 7
#define XBAR_CELLS_PCM_LIKE 8

#define XBAR_CELLS_LAW 4  // first index of the law's own constants

// The flat index of this thread.
__device__ __forceinline__ unsigned long long xbar_cells_index() {
    return (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
}

// Rust's f64::clamp for ordered bounds: NaN passes through.
__device__ __forceinline__ double xbar_cells_clamp(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

// rng/mod.rs: uniform53, ((a << 21) | (b >> 11))·2^-53 in [0, 1).
__device__ __forceinline__ double xbar_cells_uniform53(unsigned int a, unsigned int b) {
    const unsigned long long m = ((unsigned long long)a << 21) | (unsigned long long)(b >> 11);
    return (double)m * (1.0 / 9007199254740992.0);
}

// Stream::uniform_at(i).
__device__ __forceinline__ double xbar_cells_uniform_at(const xbar_stream& s, unsigned int i) {
    const uint4 b = xbar_block_at(s, i);
    return xbar_cells_uniform53(b.x, b.y);
}

// Stream::normal_at(i): u1 = 1 − U(w0, w1) in (0, 1], u2 = U(w2, w3),
// sqrt(−2 ln u1)·cos(τ u2).
__device__ __forceinline__ double xbar_cells_normal_at(const xbar_stream& s, unsigned int i) {
    const uint4 b = xbar_block_at(s, i);
    const double u1 = 1.0 - xbar_cells_uniform53(b.x, b.y);
    const double u2 = xbar_cells_uniform53(b.z, b.w);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

// us_window.rs: UsWindow::micro_siemens, then the law's σ in µS, then
// UsWindow::relative. k points at Gmin (µS), Gmax (µS), gmin, grange.
__device__ __forceinline__ double xbar_cells_micro_siemens(const double* k, double g) {
    return k[0] + (k[1] - k[0]) * (g - k[2]) / k[3];
}
__device__ __forceinline__ double xbar_cells_relative(const double* k, double sigma_us) {
    return sigma_us / (k[1] - k[0]) * k[3];
}

// sonos.rs: Window::current; k points at Imax, Imin, gmin, grange.
__device__ __forceinline__ double xbar_cells_sonos_current(const double* k, double g) {
    return k[1] + (k[0] - k[1]) * (g - k[2]) / k[3];
}

// sonos.rs: SonosWrite::drifted_current (k as above, then days, A, B, p_0..p_10).
__device__ __forceinline__ double xbar_cells_sonos_drifted(const double* k, double g) {
    double i = xbar_cells_sonos_current(k, g);
    if (k[4] > 0.0) {
        double diff = 0.0;
        double pow_i = 1.0;
        for (int p = 0; p < 11; ++p) {
            diff += k[7 + p] * pow_i;
            pow_i *= i;
        }
        i += diff;
    }
    return i;
}

// sonos.rs: Window::sigma with coefficients a, b at current i.
__device__ __forceinline__ double xbar_cells_sonos_sigma(const double* k, double a, double b, double i) {
    return fmax(a - a * exp(-i / b), 0.0) / (k[0] - k[1]) * k[3];
}

// ErrorLaw::sigma of the law in k (not PCMLike).
__device__ __forceinline__ double xbar_cells_sigma(const double* k, double g) {
    const double* c = k + XBAR_CELLS_LAW;
    switch ((int)k[0]) {
        case XBAR_CELLS_INDEPENDENT:
            return c[0];
        case XBAR_CELLS_PROPORTIONAL:
            return c[0] * g;
        case XBAR_CELLS_INVERSE:
            return g != 0.0 ? c[0] / g : 0.0;
        case XBAR_CELLS_PCM_JOSHI: {
            const double gu = xbar_cells_micro_siemens(c, g);
            return xbar_cells_relative(c, fmax(-0.00178767 * gu * gu + 0.07585724 * gu + 0.28638599, 0.0));
        }
        case XBAR_CELLS_RRAM_WAN: {
            const double gu = xbar_cells_micro_siemens(c, g);
            return xbar_cells_relative(
                c, fmax(1.536e-4 * gu * gu * gu - 1.167e-2 * gu * gu + 2.374e-1 * gu + 1.053, 0.0));
        }
        case XBAR_CELLS_RRAM_MILO: {
            const double gu = xbar_cells_micro_siemens(c, g);
            return xbar_cells_relative(c, fmax(-0.009107 * gu + 4.782321, 0.0));
        }
        case XBAR_CELLS_SONOS_WRITE:
            return xbar_cells_sonos_sigma(c, c[5], c[6], xbar_cells_sonos_drifted(c, g));
        default:  // XBAR_CELLS_SONOS_READ
            return xbar_cells_sonos_sigma(c, c[5], c[6], xbar_cells_sonos_current(c, g));
    }
}

// ErrorLaw::shift of the law in k: identity but for SONOS drift.
__device__ __forceinline__ double xbar_cells_shift(const double* k, double g) {
    if ((int)k[0] != XBAR_CELLS_SONOS_WRITE) return g;
    const double* c = k + XBAR_CELLS_LAW;
    const double i = xbar_cells_sonos_drifted(c, g);
    return c[2] + c[3] * (i - c[1]) / (c[0] - c[1]);
}

// pcm_like.rs: program, drift_exponent, at_time.
__device__ __forceinline__ double xbar_cells_pcm_program(double g_t, double xi) {
    const double sigma = (0.26348 + 1.9650 * g_t + -1.1731 * g_t * g_t) / 25.0;
    return fmax(g_t + sigma * xi, 0.0);
}
__device__ __forceinline__ double xbar_cells_pcm_exponent(double g_t, double xi) {
    const double g = fmax(fabs(g_t), 1e-7);
    const double mu = xbar_cells_clamp(-0.0155 * log(g) + 0.0244, 0.049, 0.1);
    const double sd = xbar_cells_clamp(-0.0125 * log(g) - 0.0059, 0.008, 0.045);
    return fabs(mu + sd * xi);
}
__device__ __forceinline__ double xbar_cells_pcm_at_time(double g_p, double nu, double t_inf, double xi) {
    const double t = t_inf + 20.0;
    const double g_d = t > 20.0 ? g_p * pow(t / 20.0, -nu) : g_p;
    const double q = fmin(0.0088 / fmax(pow(fabs(g_p), 0.65), 1e-3), 0.2);
    const double sigma = q * sqrt(log((t + 250e-9) / (2.0 * 250e-9)));
    return fmax(g_d + fabs(g_d) * sigma * xi, 0.0);
}

// Cells::write of n targets g (f64) of array `array`: the programming draws
// come from (seed, array, ProgrammingError, program_call); PCMLike's drift
// exponents from (seed, array, Drift, program_call) and its accumulated read
// noise from (seed, array, DriftReadNoise, read_call), element = cell.
extern "C" __global__ void xbar_cells_write(double* g, const double* k, unsigned long long n,
                                            unsigned long long seed, unsigned int array,
                                            unsigned long long program_call, unsigned long long read_call) {
    const unsigned long long i = xbar_cells_index();
    if (i >= n) return;
    const unsigned int cell = (unsigned int)i;
    const xbar_stream prog = xbar_stream_new(seed, array, XBAR_CELLS_PURPOSE_PROGRAMMING, program_call);
    const double x = g[i];
    double v;
    if ((int)k[0] == XBAR_CELLS_PCM_LIKE) {
        v = xbar_cells_pcm_program(x, xbar_cells_normal_at(prog, cell));
        if (k[XBAR_CELLS_LAW] != 0.0) {
            const xbar_stream nu = xbar_stream_new(seed, array, XBAR_CELLS_PURPOSE_DRIFT, program_call);
            const xbar_stream rd = xbar_stream_new(seed, array, XBAR_CELLS_PURPOSE_DRIFT_READ, read_call);
            const double exponent = xbar_cells_pcm_exponent(x, xbar_cells_normal_at(nu, cell));
            v = xbar_cells_pcm_at_time(v, exponent, k[XBAR_CELLS_LAW + 1], xbar_cells_normal_at(rd, cell));
        }
    } else {
        const double e = k[1] != 0.0 ? xbar_cells_uniform_at(prog, cell) - 0.5 : xbar_cells_normal_at(prog, cell);
        v = xbar_cells_shift(k, x) + xbar_cells_sigma(k, x) * e;
    }
    g[i] = xbar_cells_clamp(v, k[2], k[3]);
}

// Whether every cell of g has cell 0's σ: info[0] receives the bits of σ(g[0])
// and info[1] is set to 1 where a cell's σ differs (or is NaN), as the CPU's
// `law.sigma(x) == first` for every x.
template <typename T>
__device__ __forceinline__ void xbar_cells_sigma_check(const T* g, const double* k, unsigned long long n,
                                                       unsigned long long* info) {
    const unsigned long long i = xbar_cells_index();
    if (i >= n) return;
    const double first = xbar_cells_sigma(k, (double)g[0]);
    if (i == 0) info[0] = (unsigned long long)__double_as_longlong(first);
    if (!(xbar_cells_sigma(k, (double)g[i]) == first)) atomicExch(info + 1, 1ull);
}

// σ of every cell of g, rounded once to T.
template <typename T>
__device__ __forceinline__ void xbar_cells_sigma_fill(const T* g, const double* k, T* out, unsigned long long n) {
    const unsigned long long i = xbar_cells_index();
    if (i >= n) return;
    out[i] = (T)xbar_cells_sigma(k, (double)g[i]);
}

extern "C" __global__ void xbar_cells_sigma_check_f32(const float* g, const double* k, unsigned long long n,
                                                      unsigned long long* info) {
    xbar_cells_sigma_check(g, k, n, info);
}
extern "C" __global__ void xbar_cells_sigma_check_f64(const double* g, const double* k, unsigned long long n,
                                                      unsigned long long* info) {
    xbar_cells_sigma_check(g, k, n, info);
}
extern "C" __global__ void xbar_cells_sigma_f32(const float* g, const double* k, float* out, unsigned long long n) {
    xbar_cells_sigma_fill(g, k, out, n);
}
extern "C" __global__ void xbar_cells_sigma_f64(const double* g, const double* k, double* out,
                                                unsigned long long n) {
    xbar_cells_sigma_fill(g, k, out, n);
}
