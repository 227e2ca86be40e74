// Training updates on the device for the ideal and analytic models
// (src/device/update/ideal.rs, analytic.rs), and the digitally accumulated
// change of a batch (src/backend/write.rs, accumulate_into). src/gpu/update_basic.rs
// launches them.
//
// A write changes the cells first .. first + n of an array's conductances g
// (row-major, float or double, the array's storage precision). Cell k of the
// request is asked for
//   outer (a = x, b = d):  c = limit(scale * ((lr * d[k / cols]) * x[k % cols]))
//   dense (a = dw):        c = limit(scale * dw[k])
// (device/update/mod.rs: changes_outer, changes_dense; limit: to ±DBL_MAX).
// A cell with c == 0 is not touched; every other one is read as a double,
// given its new value by the model and stored once, rounded to the storage
// precision, exactly as DeviceUpdate::write on the CPU. Compiled with
// --fmad=false: the only fused multiply-adds are the explicit fma() calls,
// where the CPU calls mul_add, so every cell has the CPU's bits.
//
// One thread writes the (up to) four cells 4q .. 4q + 3 of the array (q
// counted from first / 4): the dense draw of cell c is word c % 4 of Philox
// block c / 4 of the write's stream (Stream::fill_dense), so a thread makes
// one Philox block for its four cells. Whether any cell was written is
// raised in *written (atomicMax to 1), once per thread block.

#define XBAR_BASIC_DBL_MAX 1.7976931348623157e308

// v limited to [lo, hi], NaN kept (device/update/simd.rs: clip).
__device__ __forceinline__ double xbar_basic_clip(double v, double lo, double hi) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

// e^x of device/update/simd.rs (exp), operation for operation: x = k ln 2 + r,
// e^r by its Taylor polynomial of degree 13 with fused multiply-adds, times
// 2^k in two factors. Plain IEEE arithmetic and fma, no library call, so a
// real GPU gives the CPU's bits.
__device__ __forceinline__ double xbar_basic_exp(double x) {
    x = xbar_basic_clip(x, -746.0, 710.0);
    const double shifter = 6755399441055744.0;  // 1.5 * 2^52
    const double t = x * 1.4426950408889634 + shifter;
    const double kf = t - shifter;
    const double r = (x - kf * 0.6931471803691238) - kf * 1.9082149292705877e-10;
    const double c[14] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
                          1.0 / 40320.0,      1.0 / 5040.0,      1.0 / 720.0,      1.0 / 120.0,     1.0 / 24.0,
                          1.0 / 6.0,          0.5,               1.0,              1.0};
    double p = c[0];
#pragma unroll
    for (int i = 1; i < 14; ++i) p = fma(p, r, c[i]);
    // k: the low 51 bits of t, sign-extended; 2^k = 2^k1 · 2^k2.
    const unsigned long long bits = (unsigned long long)__double_as_longlong(t);
    const long long k = ((long long)(bits << 13)) >> 13;
    const long long k1 = k >> 1;
    const long long k2 = k - k1;
    const double s1 = __longlong_as_double((long long)((unsigned long long)(k1 + 1023) << 52));
    const double s2 = __longlong_as_double((long long)((unsigned long long)(k2 + 1023) << 52));
    return p * s1 * s2;
}

// The ideal model: clip(g + c, gmin, 1).
struct xbar_basic_ideal {
    double gmin;
    static constexpr bool draws = false;
    __device__ __forceinline__ double operator()(double g, double c, double) const {
        return xbar_basic_clip(g + c, gmin, 1.0);
    }
};

// The analytic model (analytic.rs: Analytic::cell) on the window [wmin, wmin + r]
// with its precomputed constants; `lin` (alpha = 0), `sym` and the write-noise
// law `noise` (0 none, 1 independent, 2 proportional, 3 inverse) pick the variant.
template <bool LIN, bool SYM, int NOISE>
struct xbar_basic_analytic {
    double wmin, r, alpha, w0, big_a, b, sigma, r15, sqrt_r;
    static constexpr bool draws = NOISE != 0;
    __device__ __forceinline__ double operator()(double g, double dg, double xi) const {
        double delta;
        if (LIN) {
            delta = dg;
        } else if (SYM) {
            const double d = dg / r;
            delta = big_a / (1.0 + xbar_basic_exp(-2.0 * alpha * d) * (big_a / (g - b) - 1.0)) + b - g;
        } else {
            const double d = dg / r;
            const bool up = d > 0.0;
            const double e = xbar_basic_exp(up ? -alpha * d : alpha * d);
            const double base = up ? w0 + wmin - g : wmin + r - w0 - g;
            delta = base * (1.0 - e);
        }
        if (NOISE != 0) {
            const double m = fabs(delta);
            double s;
            if (NOISE == 1) {
                s = sqrt(m * r);
            } else if (NOISE == 2) {
                s = sqrt(m) * g / sqrt_r;
            } else {
                s = sqrt(m) / g * r15;
            }
            const double noisy = delta + s * sigma * xi;
            delta = delta != 0.0 ? noisy : delta;
        }
        return xbar_basic_clip(g + delta, wmin, wmin + r);
    }
};

// The write of one request with `model` (see the top of the file). `a`, `b`:
// x and d of an outer request (`outer` != 0), or dw twice of a dense one.
template <typename S, typename M>
__device__ __forceinline__ void xbar_basic_write(S* g, const double* a, const double* b, unsigned int* written,
                                                 unsigned int first, unsigned int n, unsigned int cols, int outer,
                                                 double lr, double scale, const M& model, unsigned long long seed,
                                                 unsigned int array, unsigned int purpose, unsigned long long call) {
    __shared__ unsigned int block_written;
    if (threadIdx.x == 0) block_written = 0u;
    __syncthreads();
    // This thread's group of four cells (array indices 4q .. 4q + 3).
    const unsigned int q = first / 4u + blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned long long end = (unsigned long long)first + n;
    const unsigned long long lo = 4ull * q;
    bool any = false;
    if (lo < end) {
        uint4 w = make_uint4(0u, 0u, 0u, 0u);
        if (M::draws) w = xbar_block_at(xbar_stream_new(seed, array, purpose, call), q);
        const unsigned int words[4] = {w.x, w.y, w.z, w.w};
        // Row i and column j of the group's first cell in the request (one
        // division per thread), stepped along with the cells.
        const unsigned int k0 = (unsigned int)((lo > first ? lo : first) - first);
        unsigned int i = outer ? k0 / cols : 0u;
        unsigned int j = k0 - i * cols;
#pragma unroll
        for (int l = 0; l < 4; ++l) {
            const unsigned long long cell = lo + (unsigned long long)l;
            if (cell < first || cell >= end) continue;
            const unsigned int k = (unsigned int)(cell - first);
            double c;
            if (outer) {
                c = scale * ((lr * b[i]) * a[j]);
                if (++j == cols) {
                    j = 0u;
                    ++i;
                }
            } else {
                c = scale * a[k];
            }
            c = c < -XBAR_BASIC_DBL_MAX ? -XBAR_BASIC_DBL_MAX : (c > XBAR_BASIC_DBL_MAX ? XBAR_BASIC_DBL_MAX : c);
            if (c != 0.0) {
                const double xi = M::draws ? xbar_normal_of(words[l]) : 0.0;
                g[cell] = (S)model((double)g[cell], c, xi);
                any = true;
            }
        }
    }
    if (any) atomicMax(&block_written, 1u);
    __syncthreads();
    if (threadIdx.x == 0 && block_written != 0u) atomicMax(written, 1u);
}

// The ideal model's write (Ideal::write).
#define XBAR_BASIC_IDEAL(NAME, S)                                                                                  \
    extern "C" __global__ void NAME(S* g, const double* a, const double* b, unsigned int* written,                 \
                                    unsigned int first, unsigned int n, unsigned int cols, int outer, double lr,   \
                                    double scale, double gmin) {                                                   \
        const xbar_basic_ideal model{gmin};                                                                        \
        xbar_basic_write(g, a, b, written, first, n, cols, outer, lr, scale, model, 0ull, 0u, 0u, 0ull);          \
    }
XBAR_BASIC_IDEAL(xbar_update_ideal_f32, float)
XBAR_BASIC_IDEAL(xbar_update_ideal_f64, double)

// The analytic model's write (Analytic::write): `variant` = 16·lin + 4·sym +
// noise; k[9] = wmin, R, alpha, w0, A, B, sigma, R^1.5, sqrt(R); the stream
// (seed, array, purpose, call) of the write's normal draws.
template <typename S>
__device__ __forceinline__ void xbar_basic_analytic_write(S* g, const double* a, const double* b,
                                                          unsigned int* written, unsigned int first, unsigned int n,
                                                          unsigned int cols, int outer, double lr, double scale,
                                                          int variant, const double (&k)[9], unsigned long long seed,
                                                          unsigned int array, unsigned int purpose,
                                                          unsigned long long call) {
#define XBAR_BASIC_VARIANT(LIN, SYM, NOISE)                                                                    \
    case 16 * LIN + 4 * SYM + NOISE: {                                                                         \
        const xbar_basic_analytic<LIN, SYM, NOISE> m{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]};    \
        xbar_basic_write(g, a, b, written, first, n, cols, outer, lr, scale, m, seed, array, purpose, call);   \
        break;                                                                                                 \
    }
    switch (variant) {
        XBAR_BASIC_VARIANT(1, 0, 0)
        XBAR_BASIC_VARIANT(1, 0, 1)
        XBAR_BASIC_VARIANT(1, 0, 2)
        XBAR_BASIC_VARIANT(1, 0, 3)
        XBAR_BASIC_VARIANT(0, 0, 0)
        XBAR_BASIC_VARIANT(0, 0, 1)
        XBAR_BASIC_VARIANT(0, 0, 2)
        XBAR_BASIC_VARIANT(0, 0, 3)
        XBAR_BASIC_VARIANT(0, 1, 0)
        XBAR_BASIC_VARIANT(0, 1, 1)
        XBAR_BASIC_VARIANT(0, 1, 2)
        XBAR_BASIC_VARIANT(0, 1, 3)
        default:
            break;
    }
#undef XBAR_BASIC_VARIANT
}

#define XBAR_BASIC_ANALYTIC(NAME, S)                                                                                \
    extern "C" __global__ void NAME(S* g, const double* a, const double* b, unsigned int* written,                  \
                                    unsigned int first, unsigned int n, unsigned int cols, int outer, double lr,    \
                                    double scale, int variant, double wmin, double r, double alpha, double w0,      \
                                    double big_a, double bc, double sigma, double r15, double sqrt_r,               \
                                    unsigned long long seed, unsigned int array, unsigned int purpose,              \
                                    unsigned long long call) {                                                      \
        const double k[9] = {wmin, r, alpha, w0, big_a, bc, sigma, r15, sqrt_r};                                    \
        xbar_basic_analytic_write(g, a, b, written, first, n, cols, outer, lr, scale, variant, k, seed, array,      \
                                  purpose, call);                                                                   \
    }
XBAR_BASIC_ANALYTIC(xbar_update_analytic_f32, float)
XBAR_BASIC_ANALYTIC(xbar_update_analytic_f64, double)

// The accumulated change of a batch (backend/write.rs: accumulate_into):
// out[i·nc + j] = lr · Σ_{s < batch} d[s·rows + r0 + i] · x[s·cols + c0 + j],
// the sum taken over the samples in order from 0 in double precision, one
// accumulator and one fused multiply-add per sample (acc = fma(d, x, acc)),
// then scaled by lr once (one sample: d · (lr · x)): the order and operations
// of the CPU's GEMM kernel (faer's, through gemm's microkernel), so its bits
// wherever that kernel takes the samples in one pass (see
// src/gpu/update_basic.rs, accumulate). A block computes a tile of 32 rows ×
// 64 columns with 64 × 4 threads (8 rows each), staging 16 samples of x and
// d at a time in shared memory; launch with block (64, 4, 1) and grid
// (ceil(nc / 64), ceil(nr / 32), 1).
#define XBAR_ACC_ROWS 32
#define XBAR_ACC_COLS 64
#define XBAR_ACC_SAMPLES 16
extern "C" __global__ void xbar_accumulate(double* out, const double* x, const double* d, int batch, int rows,
                                           int cols, int r0, int nr, int c0, int nc, double lr) {
    __shared__ double xs[XBAR_ACC_SAMPLES][XBAR_ACC_COLS];
    __shared__ double ds[XBAR_ACC_SAMPLES][XBAR_ACC_ROWS];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int t = ty * XBAR_ACC_COLS + tx;
    const int row0 = blockIdx.y * XBAR_ACC_ROWS, col0 = blockIdx.x * XBAR_ACC_COLS;
    const int per_thread = XBAR_ACC_ROWS / 4;
    double acc[XBAR_ACC_ROWS / 4];
#pragma unroll
    for (int m = 0; m < per_thread; ++m) acc[m] = 0.0;
    for (int s0 = 0; s0 < batch; s0 += XBAR_ACC_SAMPLES) {
        const int ns = min(XBAR_ACC_SAMPLES, batch - s0);
        // Stage samples s0 .. s0 + ns of the tile's columns of x and rows of d.
        for (int e = t; e < XBAR_ACC_SAMPLES * XBAR_ACC_COLS; e += 256) {
            const int s = e / XBAR_ACC_COLS, j = e % XBAR_ACC_COLS;
            xs[s][j] = s < ns && col0 + j < nc ? x[(long long)(s0 + s) * cols + c0 + col0 + j] : 0.0;
        }
        for (int e = t; e < XBAR_ACC_SAMPLES * XBAR_ACC_ROWS; e += 256) {
            const int s = e / XBAR_ACC_ROWS, i = e % XBAR_ACC_ROWS;
            ds[s][i] = s < ns && row0 + i < nr ? d[(long long)(s0 + s) * rows + r0 + row0 + i] : 0.0;
        }
        __syncthreads();
        if (batch == 1) {
            // One sample: d·(lr·x), as the CPU's GEMM forms a rank-one product.
            const double xv = lr * xs[0][tx];
#pragma unroll
            for (int m = 0; m < per_thread; ++m) acc[m] = ds[0][ty * per_thread + m] * xv;
        } else {
            for (int s = 0; s < ns; ++s) {
                const double xv = xs[s][tx];
#pragma unroll
                for (int m = 0; m < per_thread; ++m) acc[m] = fma(ds[s][ty * per_thread + m], xv, acc[m]);
            }
        }
        __syncthreads();
    }
    const int j = col0 + tx;
    if (j >= nc) return;
#pragma unroll
    for (int m = 0; m < per_thread; ++m) {
        const int i = row0 + ty * per_thread + m;
        if (i < nr) out[(long long)i * nc + j] = batch == 1 ? acc[m] : lr * acc[m];
    }
}
