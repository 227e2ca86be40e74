// The analog product of one crossbar array for a batch of vectors, with
// optional per-cell read noise (src/array.rs: Array::read without wires).
//
// Conductances g are row-major rows x cols, normalised (Gmax = 1), resident on
// the device. Vector b of the batch reads every cell k = i*cols + j as
//     g'_k = clamp(g_k + sigma_k * (e_k + shift), lo, hi)
// with e_k dense draw k of the read-noise stream of vector b (philox.cuh):
// Φ⁻¹ of word k mod 4 of Philox block k / 4 for a Normal law (shift 0), the
// uniform w·2^-32 for a Uniform law (shift -1/2). The stream is
// (seed, array, ReadNoise, call_base | (b & 0xFFFFFF)), as ReadKey::stream.
// The noisy conductance is formed in double precision, then multiplied and
// summed in T (float or double).
//
//     MVM: y[b*rows + i] = sum_j g'_ij x[b*cols + j]   (a warp per 32 rows, j in order)
//     VMM: y[b*cols + j] = sum_i x[b*rows + i] g'_ij   (a thread per 4 outputs, i in order)
//
// Per-output read noise (src/array.rs: Array::add_output_noise) is three
// steps after a noiseless product: the per-cell variances summed per output,
// var[b*n_out + o] += sum_in (sigma x)^2 (xbar_output_squares_*, the product
// kernels with squared terms, in input order, in double precision), or for one
// sigma shared by every cell vu[b] += sum_in (sigma x)^2 (xbar_vector_squares_*,
// in input order); then y[b*n_out + o] += sqrt(var + vu[b]) * z_o
// (xbar_output_noise_*) with z_o dense normal draw o of vector b's read-noise
// stream. At most two noises (a balanced pair's) add into var and vu, and a sum
// of two terms does not depend on their order, so the variance is the CPU's.
//
// A static product at batch > 1 is a GEMM (xbar_gemm_*): see its comment.

#define XBAR_NOISE_NONE 0
#define XBAR_NOISE_NORMAL 1
#define XBAR_NOISE_UNIFORM 2

// Cell k as vector b sees it; `words` is Philox block k / 4 of its stream.
template <typename T>
__device__ __forceinline__ T xbar_seen(const T* g, const T* sigma, int per_cell, double sigma_uniform,
                                       int noise, double lo, double hi, size_t k, unsigned int word) {
    if (noise == XBAR_NOISE_NONE) return g[k];
    const double sd = per_cell ? (double)sigma[k] : sigma_uniform;
    const double e = noise == XBAR_NOISE_NORMAL ? xbar_normal_of(word) : xbar_uniform_of(word) - 0.5;
    return (T)fmin(fmax((double)g[k] + sd * e, lo), hi);
}

__device__ __forceinline__ unsigned int xbar_word(uint4 w, int q) {
    return q == 0 ? w.x : q == 1 ? w.y : q == 2 ? w.z : w.w;
}

// The read-noise words of cells k .. k + n - 1 (n <= 4) of stream s: one
// Philox block when they lie in one, else two.
__device__ __forceinline__ void xbar_words4(const xbar_stream& s, size_t k, int n, unsigned int (&w)[4]) {
    const unsigned int q = (unsigned int)(k / 4);
    const int a = (int)(k % 4);
    const uint4 first = xbar_block_at(s, q);
    const uint4 second = a + n > 4 ? xbar_block_at(s, q + 1) : first;
#pragma unroll
    for (int m = 0; m < 4; ++m) w[m] = a + m < 4 ? xbar_word(first, a + m) : xbar_word(second, a + m - 4);
}

// MVM tiles: a block is one warp and reads XBAR_TILE rows for one vector,
// XBAR_TILE columns at a time. The warp loads each tile 4 rows at a time, 8
// lanes per row, each lane 4 neighbouring cells with their noise (whose draws
// come from one Philox block, two where they straddle one), into shared
// memory; then lane r sums row r of the tile in column order. So every output is the
// sum of its products in input order, as the CPU's, and the same noisy cell
// values are used.
#define XBAR_TILE 32

// With SQUARES the tile holds the cells' sigma (noise off), each term is
// (sigma x)^2 in double precision, and the sum is added to y (a double
// variance): xbar_output_squares_*.
template <typename T, typename Out, bool SQUARES>
__device__ void xbar_mvm(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise, double lo,
                         double hi, const T* x, Out* y, int rows, int cols, int count, unsigned long long seed,
                         unsigned int array, unsigned long long call_base) {
    __shared__ T tile[XBAR_TILE][XBAR_TILE + 1];
    __shared__ T xs[XBAR_TILE];
    const int lane = threadIdx.x;
    const long long row_tiles = (rows + XBAR_TILE - 1) / XBAR_TILE;
    // The whole block leaves together: past the last tile, or launched with
    // another block size than the one warp the tiles are written for.
    if ((long long)blockIdx.x >= row_tiles * count || blockDim.x != XBAR_TILE) return;
    const int r0 = (int)(blockIdx.x % row_tiles) * XBAR_TILE, b = (int)(blockIdx.x / row_tiles);
    const T* xv = x + (size_t)b * cols;
    const xbar_stream s =
        xbar_stream_new(seed, array, XBAR_PURPOSE_READ_NOISE, call_base | ((unsigned long long)b & 0xFFFFFFull));
    Out acc = 0;
    for (int c0 = 0; c0 < cols; c0 += XBAR_TILE) {
        const int c = c0 + lane;
        xs[lane] = c < cols ? xv[c] : (T)0;
        // Lane (rr, cq) loads row r = 4·pass + rr, columns 4·cq .. 4·cq + 3.
        const int rr = lane / 8, cq = lane % 8;
        const int width = min(4, cols - (c0 + 4 * cq));
        for (int pass = 0; pass < XBAR_TILE / 4; ++pass) {
            const int r = 4 * pass + rr, i = r0 + r;
            const size_t k = (size_t)i * cols + c0 + 4 * cq;
            unsigned int w[4] = {0u, 0u, 0u, 0u};
            if (i < rows && width > 0 && noise != XBAR_NOISE_NONE) xbar_words4(s, k, width, w);
#pragma unroll
            for (int m = 0; m < 4; ++m)
                tile[r][4 * cq + m] =
                    i < rows && m < width ? xbar_seen(g, sigma, per_cell, sigma_uniform, noise, lo, hi, k + m, w[m]) : (T)0;
        }
        __syncwarp();
        const int n = min(XBAR_TILE, cols - c0);
        if constexpr (SQUARES) {
            for (int j = 0; j < n; ++j) {
                const double t = (double)tile[lane][j] * (double)xs[j];
                acc += t * t;
            }
        } else {
            for (int j = 0; j < n; ++j) acc += tile[lane][j] * xs[j];
        }
        __syncwarp();
    }
    if (r0 + lane < rows) {
        Out& out = y[(size_t)b * rows + r0 + lane];
        out = SQUARES ? out + acc : acc;
    }
}

// SQUARES as for xbar_mvm.
template <typename T, typename Out, bool SQUARES>
__device__ void xbar_vmm(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise, double lo,
                         double hi, const T* x, Out* y, int rows, int cols, int count, unsigned long long seed,
                         unsigned int array, unsigned long long call_base) {
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)cols * count) return;
    const int j = (int)(t % cols), b = (int)(t / cols);
    const T* xv = x + (size_t)b * rows;
    const xbar_stream s =
        xbar_stream_new(seed, array, XBAR_PURPOSE_READ_NOISE, call_base | ((unsigned long long)b & 0xFFFFFFull));
    Out acc = 0;
    for (int i = 0; i < rows; ++i) {
        const size_t k = (size_t)i * cols + j;
        const unsigned int word = noise == XBAR_NOISE_NONE ? 0u : xbar_word(xbar_block_at(s, (unsigned int)(k / 4)), (int)(k % 4));
        if constexpr (SQUARES) {
            const double t = (double)xv[i] * (double)g[k];
            acc += t * t;
        } else {
            acc += xv[i] * xbar_seen(g, sigma, per_cell, sigma_uniform, noise, lo, hi, k, word);
        }
    }
    Out& out = y[(size_t)b * cols + j];
    out = SQUARES ? out + acc : acc;
}

// The VMM product: each thread computes XBAR_VMM_OUT = 4 neighbouring outputs
// j0 .. j0 + 3 of one vector, row by row: it reads each input once for its 4
// cells, and the 4 cells' draws come from one Philox block (two when they
// straddle one: a row length not a multiple of 4). Each output is still the
// sum of its products in input order with one accumulator.
#define XBAR_VMM_OUT 4

template <typename T, typename Out, bool SQUARES>
__device__ void xbar_vmm4(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise, double lo,
                          double hi, const T* x, Out* y, int rows, int cols, int count, unsigned long long seed,
                          unsigned int array, unsigned long long call_base) {
    static_assert(!SQUARES, "the variances use xbar_vmm");
    const long long groups = (cols + XBAR_VMM_OUT - 1) / XBAR_VMM_OUT;
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= groups * count) return;
    const int j0 = (int)(t % groups) * XBAR_VMM_OUT, b = (int)(t / groups);
    const int n = min(XBAR_VMM_OUT, cols - j0);
    const T* xv = x + (size_t)b * rows;
    const xbar_stream s =
        xbar_stream_new(seed, array, XBAR_PURPOSE_READ_NOISE, call_base | ((unsigned long long)b & 0xFFFFFFull));
    Out acc[XBAR_VMM_OUT] = {0, 0, 0, 0};
    unsigned int w[4] = {0u, 0u, 0u, 0u};
    for (int i = 0; i < rows; ++i) {
        const size_t k = (size_t)i * cols + j0;
        if (noise != XBAR_NOISE_NONE) xbar_words4(s, k, n, w);
        const T xi = xv[i];
#pragma unroll
        for (int m = 0; m < XBAR_VMM_OUT; ++m)
            if (m < n) acc[m] += xi * xbar_seen(g, sigma, per_cell, sigma_uniform, noise, lo, hi, k + m, w[m]);
    }
#pragma unroll
    for (int m = 0; m < XBAR_VMM_OUT; ++m)
        if (m < n) y[(size_t)b * cols + j0 + m] = acc[m];
}

#define XBAR_PRODUCT_KERNEL(name, body, T)                                                                        \
    extern "C" __global__ void name(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise,     \
                                    double lo, double hi, const T* x, T* y, int rows, int cols, int count,          \
                                    unsigned long long seed, unsigned int array, unsigned long long call_base) {    \
        body<T, T, false>(g, sigma, per_cell, sigma_uniform, noise, lo, hi, x, y, rows, cols, count, seed, array,  \
                          call_base);                                                                               \
    }

XBAR_PRODUCT_KERNEL(xbar_mvm_f32, xbar_mvm, float)
XBAR_PRODUCT_KERNEL(xbar_mvm_f64, xbar_mvm, double)
XBAR_PRODUCT_KERNEL(xbar_vmm_f32, xbar_vmm4, float)
XBAR_PRODUCT_KERNEL(xbar_vmm_f64, xbar_vmm4, double)

// var[b*n_out + o] += sum_in (sigma_cell x_in)^2 for per-cell sigma (rows x
// cols, resident precision), launched as the product of the same op.
#define XBAR_SQUARES_KERNEL(name, body, T)                                                                    \
    extern "C" __global__ void name(const T* sigma, const T* x, double* var, int rows, int cols, int count) { \
        body<T, double, true>(sigma, sigma, 0, 0.0, XBAR_NOISE_NONE, 0.0, 0.0, x, var, rows, cols, count, 0ull, \
                              0u, 0ull);                                                                      \
    }

XBAR_SQUARES_KERNEL(xbar_output_squares_mvm_f32, xbar_mvm, float)
XBAR_SQUARES_KERNEL(xbar_output_squares_mvm_f64, xbar_mvm, double)
XBAR_SQUARES_KERNEL(xbar_output_squares_vmm_f32, xbar_vmm, float)
XBAR_SQUARES_KERNEL(xbar_output_squares_vmm_f64, xbar_vmm, double)

// vu[b] += sum_i (sd x[b*n_in + i])^2 in input order, in double precision:
// one thread per vector.
template <typename T>
__device__ void xbar_vector_squares(const T* x, double* vu, int n_in, int count, double sd) {
    const long long b = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= count) return;
    const T* xv = x + (size_t)b * n_in;
    double acc = 0;
    for (int i = 0; i < n_in; ++i) {
        const double t = sd * (double)xv[i];
        acc += t * t;
    }
    vu[b] += acc;
}

// y[b*n_out + o] += sqrt(var[b*n_out + o] + vu[b]) * z, z the dense normal
// draw o of the read-noise stream of vector b (the sum in double precision,
// then rounded to T): one thread per output.
template <typename T>
__device__ void xbar_output_noise(T* y, const double* var, const double* vu, int n_out, int count,
                                  unsigned long long seed, unsigned int array, unsigned long long call_base) {
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)n_out * count) return;
    const int o = (int)(t % n_out), b = (int)(t / n_out);
    const xbar_stream s =
        xbar_stream_new(seed, array, XBAR_PURPOSE_READ_NOISE, call_base | ((unsigned long long)b & 0xFFFFFFull));
    const double z = xbar_normal_of(xbar_word(xbar_block_at(s, (unsigned int)(o / 4)), o % 4));
    y[t] = (T)((double)y[t] + sqrt(var[t] + vu[b]) * z);
}

#define XBAR_VECTOR_SQUARES_KERNEL(name, T)                                                           \
    extern "C" __global__ void name(const T* x, double* vu, int n_in, int count, double sd) {         \
        xbar_vector_squares<T>(x, vu, n_in, count, sd);                                                \
    }
#define XBAR_OUTPUT_NOISE_KERNEL(name, T)                                                                      \
    extern "C" __global__ void name(T* y, const double* var, const double* vu, int n_out, int count,           \
                                    unsigned long long seed, unsigned int array, unsigned long long call_base) { \
        xbar_output_noise<T>(y, var, vu, n_out, count, seed, array, call_base);                                 \
    }

XBAR_VECTOR_SQUARES_KERNEL(xbar_vector_squares_f32, float)
XBAR_VECTOR_SQUARES_KERNEL(xbar_vector_squares_f64, double)
XBAR_OUTPUT_NOISE_KERNEL(xbar_output_noise_f32, float)
XBAR_OUTPUT_NOISE_KERNEL(xbar_output_noise_f64, double)

// A static product at batch > 1 as a register-blocked GEMM. A block of
// XBAR_GEMM_THREADS = 16 x 16 threads computes XBAR_GEMM_OUT = 64 outputs for
// XBAR_GEMM_VEC = 64 vectors: thread (ty, tx) holds outputs o0 + ty + 16 r and
// vectors b0 + tx + 16 c (r, c < 4) in registers. The inputs are taken
// XBAR_GEMM_K = 16 at a time: the block stages that slice of the conductances
// (64 outputs x 16 inputs) and of the inputs (64 vectors x 16 inputs) in shared
// memory, then every thread adds its 16 products, input by input. So each
// conductance is read from memory once per 64 vectors, each input once per 64
// outputs, and every output is the sum of its products in input order with one
// accumulator (from 0, rounded in T after each product and sum, as the CPU's
// input-order sum).
#define XBAR_GEMM_OUT 64
#define XBAR_GEMM_VEC 64
#define XBAR_GEMM_K 16
#define XBAR_GEMM_THREADS 256
#define XBAR_GEMM_REG 4

template <typename T, bool VMM>
__device__ void xbar_gemm(const T* g, const T* x, T* y, int rows, int cols, int count) {
    // One padding column: the staging stores (consecutive threads, consecutive
    // inputs) fall in distinct banks.
    __shared__ T gs[XBAR_GEMM_K][XBAR_GEMM_OUT + 1];
    __shared__ T xs[XBAR_GEMM_K][XBAR_GEMM_VEC + 1];
    const int n_in = VMM ? rows : cols, n_out = VMM ? cols : rows;
    const long long out_tiles = (n_out + XBAR_GEMM_OUT - 1) / XBAR_GEMM_OUT;
    const long long vec_tiles = ((long long)count + XBAR_GEMM_VEC - 1) / XBAR_GEMM_VEC;
    // The whole block leaves together (past the last tile, or another block size).
    if ((long long)blockIdx.x >= out_tiles * vec_tiles || blockDim.x != XBAR_GEMM_THREADS) return;
    const int o0 = (int)(blockIdx.x % out_tiles) * XBAR_GEMM_OUT;
    const int b0 = (int)(blockIdx.x / out_tiles) * XBAR_GEMM_VEC;
    const int t = threadIdx.x, ty = t / 16, tx = t % 16;
    T acc[XBAR_GEMM_REG][XBAR_GEMM_REG];
#pragma unroll
    for (int r = 0; r < XBAR_GEMM_REG; ++r)
#pragma unroll
        for (int c = 0; c < XBAR_GEMM_REG; ++c) acc[r][c] = 0;
    for (int k0 = 0; k0 < n_in; k0 += XBAR_GEMM_K) {
        // Conductances: along the outputs for a VMM (a row segment), along
        // the inputs for an MVM, so that neighbouring threads read neighbours.
        for (int e = t; e < XBAR_GEMM_K * XBAR_GEMM_OUT; e += XBAR_GEMM_THREADS) {
            const int k = VMM ? e / XBAR_GEMM_OUT : e % XBAR_GEMM_K;
            const int o = VMM ? e % XBAR_GEMM_OUT : e / XBAR_GEMM_K;
            const int i = k0 + k, oo = o0 + o;
            T v = 0;
            if (i < n_in && oo < n_out) v = VMM ? g[(size_t)i * cols + oo] : g[(size_t)oo * cols + i];
            gs[k][o] = v;
        }
        for (int e = t; e < XBAR_GEMM_K * XBAR_GEMM_VEC; e += XBAR_GEMM_THREADS) {
            const int k = e % XBAR_GEMM_K, v = e / XBAR_GEMM_K;
            const int i = k0 + k, b = b0 + v;
            xs[k][v] = (i < n_in && b < count) ? x[(size_t)b * n_in + i] : (T)0;
        }
        __syncthreads();
        const int n = min(XBAR_GEMM_K, n_in - k0);
        for (int k = 0; k < n; ++k) {
            T gr[XBAR_GEMM_REG], xr[XBAR_GEMM_REG];
#pragma unroll
            for (int r = 0; r < XBAR_GEMM_REG; ++r) gr[r] = gs[k][ty + 16 * r];
#pragma unroll
            for (int c = 0; c < XBAR_GEMM_REG; ++c) xr[c] = xs[k][tx + 16 * c];
#pragma unroll
            for (int r = 0; r < XBAR_GEMM_REG; ++r)
#pragma unroll
                for (int c = 0; c < XBAR_GEMM_REG; ++c) acc[r][c] += gr[r] * xr[c];
        }
        __syncthreads();
    }
#pragma unroll
    for (int r = 0; r < XBAR_GEMM_REG; ++r)
#pragma unroll
        for (int c = 0; c < XBAR_GEMM_REG; ++c) {
            const int o = o0 + ty + 16 * r, b = b0 + tx + 16 * c;
            if (o < n_out && b < count) y[(size_t)b * n_out + o] = acc[r][c];
        }
}

#define XBAR_GEMM_KERNEL(name, T, VMM)                                                                \
    extern "C" __global__ void name(const T* g, const T* x, T* y, int rows, int cols, int count) {    \
        xbar_gemm<T, VMM>(g, x, y, rows, cols, count);                                                 \
    }

XBAR_GEMM_KERNEL(xbar_gemm_mvm_f32, float, false)
XBAR_GEMM_KERNEL(xbar_gemm_mvm_f64, double, false)
XBAR_GEMM_KERNEL(xbar_gemm_vmm_f32, float, true)
XBAR_GEMM_KERNEL(xbar_gemm_vmm_f64, double, true)
