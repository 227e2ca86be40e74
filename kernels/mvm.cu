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
//     VMM: y[b*cols + j] = sum_i x[b*rows + i] g'_ij   (one thread per output, i in order)

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

// MVM tiles: a block is one warp and reads XBAR_TILE rows for one vector,
// XBAR_TILE columns at a time. The warp loads each tile row by row (lane c
// takes column c: coalesced), cell by cell with its noise, into shared memory;
// then lane r sums row r of the tile in column order. So every output is the
// sum of its products in input order, as the CPU's, and the same noisy cell
// values are used.
#define XBAR_TILE 32

template <typename T>
__device__ void xbar_mvm(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise, double lo,
                         double hi, const T* x, T* y, int rows, int cols, int count, unsigned long long seed,
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
    T acc = 0;
    for (int c0 = 0; c0 < cols; c0 += XBAR_TILE) {
        const int c = c0 + lane;
        xs[lane] = c < cols ? xv[c] : (T)0;
        for (int r = 0; r < XBAR_TILE; ++r) {
            const int i = r0 + r;
            T v = 0;
            if (i < rows && c < cols) {
                const size_t k = (size_t)i * cols + c;
                const unsigned int word =
                    noise == XBAR_NOISE_NONE ? 0u : xbar_word(xbar_block_at(s, (unsigned int)(k / 4)), (int)(k % 4));
                v = xbar_seen(g, sigma, per_cell, sigma_uniform, noise, lo, hi, k, word);
            }
            tile[r][lane] = v;
        }
        __syncwarp();
        const int n = min(XBAR_TILE, cols - c0);
        for (int j = 0; j < n; ++j) acc += tile[lane][j] * xs[j];
        __syncwarp();
    }
    if (r0 + lane < rows) y[(size_t)b * rows + r0 + lane] = acc;
}

template <typename T>
__device__ void xbar_vmm(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise, double lo,
                         double hi, const T* x, T* y, int rows, int cols, int count, unsigned long long seed,
                         unsigned int array, unsigned long long call_base) {
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long)cols * count) return;
    const int j = (int)(t % cols), b = (int)(t / cols);
    const T* xv = x + (size_t)b * rows;
    const xbar_stream s =
        xbar_stream_new(seed, array, XBAR_PURPOSE_READ_NOISE, call_base | ((unsigned long long)b & 0xFFFFFFull));
    T acc = 0;
    for (int i = 0; i < rows; ++i) {
        const size_t k = (size_t)i * cols + j;
        const unsigned int word = noise == XBAR_NOISE_NONE ? 0u : xbar_word(xbar_block_at(s, (unsigned int)(k / 4)), (int)(k % 4));
        acc += xv[i] * xbar_seen(g, sigma, per_cell, sigma_uniform, noise, lo, hi, k, word);
    }
    y[(size_t)b * cols + j] = acc;
}

#define XBAR_PRODUCT_KERNEL(name, body, T)                                                                        \
    extern "C" __global__ void name(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise,     \
                                    double lo, double hi, const T* x, T* y, int rows, int cols, int count,          \
                                    unsigned long long seed, unsigned int array, unsigned long long call_base) {    \
        body<T>(g, sigma, per_cell, sigma_uniform, noise, lo, hi, x, y, rows, cols, count, seed, array, call_base); \
    }

XBAR_PRODUCT_KERNEL(xbar_mvm_f32, xbar_mvm, float)
XBAR_PRODUCT_KERNEL(xbar_mvm_f64, xbar_mvm, double)
XBAR_PRODUCT_KERNEL(xbar_vmm_f32, xbar_vmm, float)
XBAR_PRODUCT_KERNEL(xbar_vmm_f64, xbar_vmm, double)
