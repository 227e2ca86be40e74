// Pulsed step-device updates on the device (src/device/update/pulsed/):
// aihwkit's stochastic pulse trains and the six step laws, operation for
// operation as the CPU computes them, in double precision, so that each
// written cell gets the CPU's bits (src/gpu/update_pulsed.rs drives them).
//
// * xbar_pulsed_trains: one thread per line draws its pulse train (a bit
//   mask of BL slots) from the write's pulse-train stream (trains.rs: train);
// * xbar_pulsed_outer_*: one thread per cell of an outer product counts the
//   coincidences of its row's and column's trains and gives the cell that
//   many pulses (Pulsed::write_outer);
// * xbar_pulsed_dense_*: one thread per cell of a dense request turns its
//   change into ⌊|Δw|/ε + u⌋ pulses (Pulsed::respond).
//
// A cell's device-to-device parameters are drawn here, from the same stream
// as the CPU's (seed, array, DeviceToDevice, 0) at the cell's index: a pure
// function of the cell, cheaper to draw again than to read back from memory.
// The model's constants (nominal parameters, the step law's own ones and the
// PiecewiseStep nodes) come in one array of doubles, laid out as the
// XBAR_PULSED_* indices say (gpu::update_pulsed::Constants builds it).
//
// exp() (ExpStep) and pow() (PowStep) are the device library's: on the
// emulated device they are the host's libm, the CPU's bits; CUDA's may
// differ from them by an ulp or two. Every other operation is one IEEE
// double operation (compiled with --fmad=false: no contraction).

// rng::Purpose::PulseTrain and rng::Purpose::DeviceToDevice.
#define XBAR_PULSED_PURPOSE_TRAIN 8u
#define XBAR_PULSED_PURPOSE_D2D 9u

// Indices of the constants array.
#define XBAR_PULSED_W_MIN 0        // nominal bounds (device units)
#define XBAR_PULSED_W_MAX 1
#define XBAR_PULSED_W_MIN_DTOD 2   // device-to-device spreads
#define XBAR_PULSED_W_MAX_DTOD 3
#define XBAR_PULSED_DW_MIN 4       // nominal step
#define XBAR_PULSED_DW_MIN_DTOD 5
#define XBAR_PULSED_DW_MIN_STD 6   // cycle-to-cycle spread
#define XBAR_PULSED_UP_DOWN 7
#define XBAR_PULSED_UP_DOWN_DTOD 8
#define XBAR_PULSED_GMIN 9         // conductance window [gmin, 1]
#define XBAR_PULSED_K 10           // device units per unit of conductance
#define XBAR_PULSED_EPS 11         // granularity ε
#define XBAR_PULSED_DESIRED_BL 12  // longest train
#define XBAR_PULSED_STRIDE 13      // dense draws per cell and write
#define XBAR_PULSED_STEP 14        // XBAR_STEP_*
#define XBAR_PULSED_OWN_DRAWS 15   // whether the law's own parameters take draws
#define XBAR_PULSED_LAW 16         // the law's own constants (below)
#define XBAR_PULSED_NODES 24       // PiecewiseStep: up nodes, then down nodes

#define XBAR_STEP_CONSTANT 0
#define XBAR_STEP_LINEAR 1  // LinearStep and SoftBounds
#define XBAR_STEP_EXP 2
#define XBAR_STEP_POW 3
#define XBAR_STEP_PIECEWISE 4

// The law's constants, from XBAR_PULSED_LAW on:
//   LinearStep: gamma_up, gamma_down, gamma_up_dtod, gamma_down_dtod,
//               reference (1: nominal bounds, 0: the cell's own), ref w_min, ref w_max, mult_noise;
//   ExpStep:    a, b, a_up, a_down, gamma_up, gamma_down;
//   PowStep:    gamma, gamma_dtod, up_down, up_down_dtod;
//   PiecewiseStep: number of up nodes, number of down nodes.

// The flat index of this thread.
__device__ __forceinline__ unsigned long long xbar_pulsed_index() {
    return (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
}

// Rust's f64::clamp for ordered bounds: NaN passes through.
__device__ __forceinline__ double xbar_pulsed_clamp(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

// Word i (0..3) of a Philox block.
__device__ __forceinline__ unsigned int xbar_pulsed_word(uint4 b, unsigned int i) {
    return i == 0 ? b.x : (i == 1 ? b.y : (i == 2 ? b.z : b.w));
}

// Set bits of a 64-bit mask.
__device__ __forceinline__ int xbar_pulsed_popc64(unsigned long long m) {
    return __popc((unsigned int)m) + __popc((unsigned int)(m >> 32));
}

// A cell's parameters (pulsed/mod.rs: Cell, and the law's own: LinearStep's
// slopes or PowStep's exponents).
struct xbar_pulsed_cell {
    double up, down;        // step of one up and one down pulse
    double w_min, w_max;    // the cell's bounds
    double own_up, own_down;
};

// Cell::draw and Step::own of cell `cell` (d2d: the device-to-device stream).
__device__ __forceinline__ xbar_pulsed_cell xbar_pulsed_draw_cell(const double* k, const xbar_stream& d2d,
                                                                  unsigned long long cell) {
    const uint4 b = xbar_block_at(d2d, (unsigned int)(2 * cell));
    const double xi0 = xbar_normal_of(b.x), xi1 = xbar_normal_of(b.y), xi2 = xbar_normal_of(b.z),
                 xi3 = xbar_normal_of(b.w);
    double hi = k[XBAR_PULSED_W_MAX] * (1.0 + k[XBAR_PULSED_W_MAX_DTOD] * xi0);
    double lo = k[XBAR_PULSED_W_MIN] * (1.0 + k[XBAR_PULSED_W_MIN_DTOD] * xi1);
    const double gain = 1.0 + k[XBAR_PULSED_DW_MIN_DTOD] * xi2;
    const double r = k[XBAR_PULSED_UP_DOWN_DTOD] * xi3;
    const double beta = k[XBAR_PULSED_UP_DOWN];
    const double up = ((fmin(beta, 0.0) + gain) + r) * k[XBAR_PULSED_DW_MIN];
    const double down = ((-fmax(beta, 0.0) + gain) - r) * k[XBAR_PULSED_DW_MIN];
    if (lo > hi) {
        const double t = lo;
        lo = hi;
        hi = t;
    }
    xbar_pulsed_cell c;
    c.up = fabs(up);
    c.down = fabs(down);
    c.w_min = -fabs(lo);
    c.w_max = fabs(hi);
    c.own_up = 0.0;
    c.own_down = 0.0;
    const int step = (int)k[XBAR_PULSED_STEP];
    if (step != XBAR_STEP_LINEAR && step != XBAR_STEP_POW) return c;
    double o0 = 0.0, o1 = 0.0;
    if (k[XBAR_PULSED_OWN_DRAWS] != 0.0) {
        const uint4 ob = xbar_block_at(d2d, (unsigned int)(2 * cell + 1));
        o0 = xbar_normal_of(ob.x);
        o1 = xbar_normal_of(ob.y);
    }
    const double* law = k + XBAR_PULSED_LAW;
    if (step == XBAR_STEP_LINEAR) {
        // linear_step.rs: LinearStep::own.
        const double gu = fabs(law[0] + law[2] * o0);
        const double gd = fabs(law[1] + law[3] * o1);
        const bool nominal = law[4] != 0.0;
        const double rlo = nominal ? law[5] : c.w_min;
        const double rhi = nominal ? law[6] : c.w_max;
        c.own_up = (-gu * c.up) / rhi;
        c.own_down = (-gd * c.down) / rlo;
    } else {
        // pow_step.rs: PowStep::own.
        const double pg = 1.0 + law[1] * o0;
        const double pr = law[3] * o1;
        c.own_up = fabs(((fmin(law[2], 0.0) + pg) + pr) * law[0]);
        c.own_down = fabs(((-fmax(law[2], 0.0) + pg) - pr) * law[0]);
    }
    return c;
}

// piecewise_step.rs: factor, of the `nv` nodes `v` at w.
__device__ __forceinline__ double xbar_pulsed_factor(const double* v, int nv, const xbar_pulsed_cell& c, double w) {
    const int n = nv - 1;
    if (n == 0 || c.w_max <= c.w_min) return v[0];
    const double t = fmax(((w - c.w_min) / (c.w_max - c.w_min)) * (double)n, 0.0);
    const double fl = floor(t);
    const int i = fl < (double)(n - 1) ? (int)fl : n - 1;
    const double q = fmin(t - (double)i, 1.0);
    return (1.0 - q) * v[i] + q * v[i + 1];
}

// Step::pulse of the model's law: w after one pulse, before the clip.
__device__ __forceinline__ double xbar_pulsed_pulse(const double* k, const xbar_pulsed_cell& c, double w, bool up,
                                                    double f) {
    const double* law = k + XBAR_PULSED_LAW;
    switch ((int)k[XBAR_PULSED_STEP]) {
    case XBAR_STEP_LINEAR:
        if (law[7] != 0.0) return up ? w + (c.own_up * w + c.up) * f : w - (c.own_down * w + c.down) * f;
        return up ? (w + c.own_up * w) + c.up * f : (w - c.own_down * w) - c.down * f;
    case XBAR_STEP_EXP: {
        const double range = c.w_max - c.w_min;
        if (range == 0.0) return w;
        const double z = ((2.0 * law[0]) * w) / range + law[1];
        if (up) return w + (fmax(1.0 - law[2] * exp(law[4] * z), 0.0) * c.up) * f;
        return w - (fmax(1.0 - law[3] * exp(-law[5] * z), 0.0) * c.down) * f;
    }
    case XBAR_STEP_POW: {
        const double range = c.w_max - c.w_min;
        if (range == 0.0) return w;
        if (up) return w + (c.up * pow((c.w_max - w) / range, c.own_up)) * f;
        return w - (c.down * pow((w - c.w_min) / range, c.own_down)) * f;
    }
    case XBAR_STEP_PIECEWISE: {
        const int nu = (int)law[0], nd = (int)law[1];
        const double* nodes = k + XBAR_PULSED_NODES;
        if (up) return w + (c.up * xbar_pulsed_factor(nodes, nu, c, w)) * f;
        return w - (c.down * xbar_pulsed_factor(nodes + nu, nd, c, w)) * f;
    }
    default:  // XBAR_STEP_CONSTANT
        return up ? w + c.up * f : w - c.down * f;
    }
}

// Pulsed::write_cell: conductance g of cell `cell` after n pulses (up or
// down); pulse t's cycle-to-cycle factor 1 + std·ξ_t, ξ_t the dense normal
// cell·stride + t of the write's stream.
__device__ __forceinline__ double xbar_pulsed_write_cell(const double* k, const xbar_stream& draws,
                                                         const xbar_stream& d2d, unsigned long long cell, double g,
                                                         bool up, int n) {
    const xbar_pulsed_cell c = xbar_pulsed_draw_cell(k, d2d, cell);
    const double std_c2c = k[XBAR_PULSED_DW_MIN_STD];
    const unsigned long long base = cell * (unsigned long long)k[XBAR_PULSED_STRIDE] / 4;
    double w = k[XBAR_PULSED_W_MIN] + (g - k[XBAR_PULSED_GMIN]) * k[XBAR_PULSED_K];
    w = xbar_pulsed_clamp(w, c.w_min, c.w_max);
    uint4 words = make_uint4(0, 0, 0, 0);
    for (int t = 0; t < n; ++t) {
        double f = 1.0;
        if (std_c2c != 0.0) {
            if (t % 4 == 0) words = xbar_block_at(draws, (unsigned int)(base + (unsigned long long)(t / 4)));
            f = 1.0 + std_c2c * xbar_normal_of(xbar_pulsed_word(words, (unsigned int)(t % 4)));
        }
        w = xbar_pulsed_clamp(xbar_pulsed_pulse(k, c, w, up, f), c.w_min, c.w_max);
    }
    return k[XBAR_PULSED_GMIN] + (w - k[XBAR_PULSED_W_MIN]) / k[XBAR_PULSED_K];
}

// One flag word per write: set when any lane of the warp wrote a cell.
// Every thread of the (whole-warp) block reaches the vote.
__device__ __forceinline__ void xbar_pulsed_report(unsigned int* written, bool wrote) {
    if (__any_sync(0xFFFFFFFFu, wrote ? 1 : 0) && (threadIdx.x % 32) == 0) atomicMax(written, 1u);
}

// trains.rs: train. Line l < cols is input line l (p = b·|x_l|), the others
// output line l − cols (p = a·|d|); it fires in slot s when word s mod 4 of
// block 16·l + s/4 of the stream (seed, array, PulseTrain, call) is below p·2^32.
extern "C" __global__ void xbar_pulsed_trains(const double* x, const double* d, unsigned long long* trains, int cols,
                                              int rows, double a, double b, int bl, unsigned long long seed,
                                              unsigned int array, unsigned long long call) {
    const unsigned long long l = xbar_pulsed_index();
    if (l >= (unsigned long long)cols + (unsigned long long)rows) return;
    const double p = l < (unsigned long long)cols ? b * fabs(x[l]) : a * fabs(d[l - cols]);
    const unsigned long long all = bl == 64 ? ~0ull : (1ull << bl) - 1;
    unsigned long long mask = 0;
    if (p >= 1.0) {
        mask = all;
    } else if (p > 0.0) {
        const xbar_stream ts = xbar_stream_new(seed, array, XBAR_PULSED_PURPOSE_TRAIN, call);
        const double threshold = p * 4294967296.0;
        for (int blk = 0; blk < (bl + 3) / 4; ++blk) {
            const uint4 w = xbar_block_at(ts, (unsigned int)(16 * l + (unsigned long long)blk));
            const unsigned int ws[4] = {w.x, w.y, w.z, w.w};
            for (int t = 0; t < 4; ++t)
                if ((double)ws[t] < threshold) mask |= 1ull << (4 * blk + t);
        }
        mask &= all;
    }
    trains[l] = mask;
}

// Pulsed::write_outer: cell first + k, k = i·cols + j < cells, gets
// popcount(train_x[j] & train_d[i]) pulses, up when lambda·d_i·x_j > 0.
template <typename T>
__device__ __forceinline__ void xbar_pulsed_outer(T* g, const double* k, const double* x, const double* d,
                                                  const unsigned long long* trains, unsigned int* written,
                                                  unsigned long long first, unsigned long long cells, int cols,
                                                  double lambda, unsigned long long seed, unsigned int array,
                                                  unsigned int purpose, unsigned long long call) {
    const unsigned long long e = xbar_pulsed_index();
    bool wrote = false;
    if (e < cells) {
        const unsigned long long i = e / (unsigned long long)cols, j = e % (unsigned long long)cols;
        const int n = xbar_pulsed_popc64(trains[j] & trains[cols + i]);
        if (n > 0) {
            const bool up = (lambda * d[i]) * x[j] > 0.0;
            const xbar_stream draws = xbar_stream_new(seed, array, purpose, call);
            const xbar_stream d2d = xbar_stream_new(seed, array, XBAR_PULSED_PURPOSE_D2D, 0);
            const unsigned long long cell = first + e;
            g[cell] = (T)xbar_pulsed_write_cell(k, draws, d2d, cell, (double)g[cell], up, n);
            wrote = true;
        }
    }
    xbar_pulsed_report(written, wrote);
}

// Pulsed::respond through write_cells: cell first + k with change
// c = clamp(scale·dw_k, ±MAX) ≠ 0 gets n = min(⌊|c·K|/ε + u⌋, desired_bl)
// pulses (u the dense uniform cell·stride + desired_bl), up when c > 0; it
// counts as written even when n = 0.
template <typename T>
__device__ __forceinline__ void xbar_pulsed_dense(T* g, const double* k, const double* dw, unsigned int* written,
                                                  unsigned long long first, unsigned long long cells, double scale,
                                                  unsigned long long seed, unsigned int array, unsigned int purpose,
                                                  unsigned long long call) {
    const unsigned long long e = xbar_pulsed_index();
    bool wrote = false;
    if (e < cells) {
        const double c = xbar_pulsed_clamp(scale * dw[e], -1.7976931348623157e308, 1.7976931348623157e308);
        if (c != 0.0) {
            wrote = true;
            const xbar_stream draws = xbar_stream_new(seed, array, purpose, call);
            const unsigned long long cell = first + e;
            const double bl = k[XBAR_PULSED_DESIRED_BL];
            const unsigned long long at = cell * (unsigned long long)k[XBAR_PULSED_STRIDE] + (unsigned long long)bl;
            const uint4 b = xbar_block_at(draws, (unsigned int)(at / 4));
            const double u = xbar_uniform_of(xbar_pulsed_word(b, (unsigned int)(at % 4)));
            const double pulses = fmin(floor(fabs(c * k[XBAR_PULSED_K]) / k[XBAR_PULSED_EPS] + u), bl);
            const int n = (int)pulses;
            if (n > 0) {
                const xbar_stream d2d = xbar_stream_new(seed, array, XBAR_PULSED_PURPOSE_D2D, 0);
                g[cell] = (T)xbar_pulsed_write_cell(k, draws, d2d, cell, (double)g[cell], c > 0.0, n);
            }
        }
    }
    xbar_pulsed_report(written, wrote);
}

extern "C" __global__ void xbar_pulsed_outer_f32(float* g, const double* k, const double* x, const double* d,
                                                 const unsigned long long* trains, unsigned int* written,
                                                 unsigned long long first, unsigned long long cells, int cols,
                                                 double lambda, unsigned long long seed, unsigned int array,
                                                 unsigned int purpose, unsigned long long call) {
    xbar_pulsed_outer<float>(g, k, x, d, trains, written, first, cells, cols, lambda, seed, array, purpose, call);
}

extern "C" __global__ void xbar_pulsed_outer_f64(double* g, const double* k, const double* x, const double* d,
                                                 const unsigned long long* trains, unsigned int* written,
                                                 unsigned long long first, unsigned long long cells, int cols,
                                                 double lambda, unsigned long long seed, unsigned int array,
                                                 unsigned int purpose, unsigned long long call) {
    xbar_pulsed_outer<double>(g, k, x, d, trains, written, first, cells, cols, lambda, seed, array, purpose, call);
}

extern "C" __global__ void xbar_pulsed_dense_f32(float* g, const double* k, const double* dw, unsigned int* written,
                                                 unsigned long long first, unsigned long long cells, double scale,
                                                 unsigned long long seed, unsigned int array, unsigned int purpose,
                                                 unsigned long long call) {
    xbar_pulsed_dense<float>(g, k, dw, written, first, cells, scale, seed, array, purpose, call);
}

extern "C" __global__ void xbar_pulsed_dense_f64(double* g, const double* k, const double* dw, unsigned int* written,
                                                 unsigned long long first, unsigned long long cells, double scale,
                                                 unsigned long long seed, unsigned int array, unsigned int purpose,
                                                 unsigned long long call) {
    xbar_pulsed_dense<double>(g, k, dw, written, first, cells, scale, seed, array, purpose, call);
}
