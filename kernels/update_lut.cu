// Training updates of the lookup-table model (src/device/update/lookup_table/)
// on the device: one thread per four neighbouring cells (one Philox block of
// uniform draws), doing to each written cell what the CPU's LutUpdate does (lookup_table/mod.rs: LutUpdate::cell and
// LookupTableModel::step; lookup.rs: Table::response and Table::sample;
// device/update/mod.rs: write_cells' requested changes), operation for
// operation in double precision. Only IEEE additions, multiplications,
// divisions and square roots are used (correctly rounded on the device and
// on the host): the new conductances are the CPU's bits on a real GPU too.
//
// The tables (src/gpu/update_lut.rs uploads them once per model and device):
//   tconst: per table t, XBAR_LUT_CONSTS doubles (w0h, dw, dc, 1/A down, 1/A up),
//     w0h = w[0] − Δw/2 the lower edge of node 0;
//   tidx: per table t, XBAR_LUT_INDICES words (ng, nc, uniform, w, cdf, mean
//     down, mean up, err down, err up, bias down, bias up): the sizes, whether
//     both grids are uniform, and where each array starts in data64 (the error
//     tables of the default draw on uniform grids: where they start in data32,
//     in single precision);
//   devices: the device (table) of each cell of the array, one byte per cell
//     (XBAR_LUT_BYTES), or else the table is hashed from the array's key.

#define XBAR_LUT_CONSTS 5
#define XBAR_LUT_INDICES 11

// mode bits
#define XBAR_LUT_OUTER 1u       // the request is an outer product (x, d), else dense (dw)
#define XBAR_LUT_BYTES 2u       // devices holds each cell's table
#define XBAR_LUT_NOISE 4u       // write noise: one uniform per cell
#define XBAR_LUT_CALIBRATED 8u  // CrossSim's disable_nonlinearity
#define XBAR_LUT_CROSSSIM2 16u  // LutDraw::CrossSim2 (else Unbiased)
#define XBAR_LUT_FREEZE 32u     // freeze_outside_target with several tables

// limit(c) of device/update/mod.rs: ±f64::MAX at most, NaN passes.
__device__ __forceinline__ double xbar_lut_limit(double c) {
    const double max = 1.7976931348623157e308;
    return c < -max ? -max : (c > max ? max : c);
}

// simd::clip: v limited to [lo, hi], NaN passes.
__device__ __forceinline__ double xbar_lut_clip(double v, double lo, double hi) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

// splitmix64's finaliser (variability.rs: mix).
__device__ __forceinline__ unsigned long long xbar_lut_mix(unsigned long long z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// variability.rs: assign_keyed(key, cell, n).
__device__ __forceinline__ int xbar_lut_assign(unsigned long long key, unsigned long long cell, int n) {
    if (n <= 1) return 0;
    const unsigned long long h = xbar_lut_mix(key ^ cell);
    return (int)(((h >> 32) * (unsigned long long)n) >> 32);
}

// lookup.rs: bracket(v, x) on the n > 1 strictly increasing values v: i with
// v[i] ≤ x < v[i+1] (clamped to [0, n−2]) and the fraction t (clamped to
// [0, 1], NaN passes). The count of values ≤ x by bisection, as
// partition_point's on a sorted slice.
__device__ __forceinline__ unsigned long long xbar_lut_bracket(const double* v, unsigned long long n, double x,
                                                               double* t) {
    unsigned long long lo = 0, hi = n;
    while (lo < hi) {
        const unsigned long long mid = lo + (hi - lo) / 2;
        if (v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    const unsigned long long count = lo < 1 ? 1 : (lo > n - 1 ? n - 1 : lo);
    const unsigned long long i = count - 1;
    *t = xbar_lut_clip((x - v[i]) / (v[i + 1] - v[i]), 0.0, 1.0);
    return i;
}

// lookup.rs: Table::response(w, dw, u, calibrated, draw) of table `t`
// (`noise` false: u is None).
__device__ __forceinline__ double xbar_lut_response(const double* tc, const unsigned long long* ti,
                                                    const double* data64, const float* data32, double w, double dw,
                                                    double u, unsigned int mode) {
    if (dw == 0.0) return 0.0;
    const int up = dw > 0.0 ? 1 : 0;
    const unsigned long long ng = ti[0], nc = ti[1];
    const double* mean = data64 + ti[5 + up];
    const bool noise = (mode & XBAR_LUT_NOISE) != 0;
    double m, e = 0.0;
    if (ti[2]) {
        // Table::node: the nearest node, clamped.
        const double f = fmax((w - tc[0]) / tc[1], 0.0);
        const unsigned long long j = f >= (double)(ng - 1) ? ng - 1 : (unsigned long long)f;
        if (noise) {
            if (mode & XBAR_LUT_CROSSSIM2) {
                const double r = (u + tc[2] / 2.0) / tc[2];
                unsigned long long k = r >= (double)(nc - 1) ? nc - 1 : (unsigned long long)r;
                e = data64[ti[7 + up] + k * ng + j];
            } else {
                const double r = u / tc[2];
                const unsigned long long k = r >= (double)(nc - 2) ? nc - 2 : (unsigned long long)r;
                e = (double)data32[ti[7 + up] + k * ng + j];
            }
        }
        m = mean[j];
    } else {
        double t;
        const double* wg = data64 + ti[3];
        const unsigned long long j = xbar_lut_bracket(wg, ng, w, &t);
        m = mean[j] + t * (mean[j + 1] - mean[j]);
        if (noise) {
            double s;
            const unsigned long long k = xbar_lut_bracket(data64 + ti[4], nc, u, &s);
            const double* err = data64 + ti[7 + up];
            const double* row0 = err + k * ng;
            const double* row1 = err + (k + 1) * ng;
            const double lo = row0[j] + t * (row0[j + 1] - row0[j]);
            const double hi = row1[j] + t * (row1[j + 1] - row1[j]);
            e = lo + s * (hi - lo);
            if (!(mode & XBAR_LUT_CROSSSIM2)) {
                const double* bias = data64 + ti[9 + up];
                e = e - (bias[j] + t * (bias[j + 1] - bias[j]));
            }
        }
    }
    const double inv_norm = tc[3 + up];
    if (mode & XBAR_LUT_CALIBRATED) {
        double s = dw / m;
        // !(s.is_finite() && s > 0): s − s is 0 exactly for finite s.
        if (!(s - s == 0.0 && s > 0.0)) s = dw * inv_norm;
        return dw + sqrt(s) * e;
    }
    const double s = dw * inv_norm;
    return s * m + sqrt(s) * e;
}

// One write of the cells first .. first + n − 1 of the array `g` (T: its
// storage precision), cell first + k asked for limit(scale·dw[k]) (dense) or
// limit(scale·((lr·d[i])·x[j])), k = i·cols + j (outer product); a change of
// 0 leaves the cell as it is. Table of cell c: devices[c] or the array's hash;
// uniform draw of cell c: dense draw c of the stream (seed, array, purpose,
// call), word c % 4 of Philox block c / 4. A thread writes the (up to) four
// cells of one such block, drawing the block once: thread q the cells
// 4·(⌊first/4⌋ + q) .. + 3 that lie in the request. Sets *written to 1 when
// any cell was written. Any block size that is a multiple of 32 (every lane
// of a warp takes part in its vote).
template <typename T>
__device__ void xbar_lut_write(T* g, const double* dw, const double* x, const double* d, unsigned long long n,
                               unsigned long long first, unsigned long long cols, double lr, double scale,
                               const double* tconst, const unsigned long long* tidx, const double* data64,
                               const float* data32, const unsigned char* devices, int tables, unsigned int mode,
                               unsigned long long key, double gmin, double k, double inv_k, double lo, double hi,
                               double clip_lo, double clip_hi, unsigned long long seed, unsigned int array,
                               unsigned int purpose, unsigned long long call, unsigned int* written) {
    const unsigned long long group = first / 4 + (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned long long end = first + n;
    bool wrote = false;
    uint4 words = make_uint4(0u, 0u, 0u, 0u);
    bool drawn = false;
    for (unsigned int r = 0; r < 4; ++r) {
        const unsigned long long cell = 4 * group + r;
        if (cell < first || cell >= end) continue;
        const unsigned long long q = cell - first;
        double c;
        if (mode & XBAR_LUT_OUTER) {
            const double ld = lr * d[q / cols];
            c = xbar_lut_limit(scale * (ld * x[q % cols]));
        } else {
            c = xbar_lut_limit(scale * dw[q]);
        }
        if (c == 0.0) continue;
        const int t = (mode & XBAR_LUT_BYTES) ? (int)devices[cell] : xbar_lut_assign(key, cell, tables);
        double u = 0.0;
        if (mode & XBAR_LUT_NOISE) {
            if (!drawn) {
                words = xbar_block_at(xbar_stream_new(seed, array, purpose, call), (unsigned int)group);
                drawn = true;
            }
            u = xbar_uniform_of(r == 0 ? words.x : (r == 1 ? words.y : (r == 2 ? words.z : words.w)));
        }
        // LutUpdate::cell: g ↔ w, then LookupTableModel::step.
        const double old = (double)g[cell];
        const double w = lo + (old - gmin) * k;
        const double dwk = c * k;
        double wn;
        if ((mode & XBAR_LUT_FREEZE) && !(lo <= w && w <= hi)) {
            wn = w;
        } else {
            const double* tc = tconst + (unsigned long long)t * XBAR_LUT_CONSTS;
            const unsigned long long* ti = tidx + (unsigned long long)t * XBAR_LUT_INDICES;
            double delta = xbar_lut_response(tc, ti, data64, data32, w, dwk, u, mode);
            if (isnan(delta)) {
                const double inf = __longlong_as_double(0x7FF0000000000000ll);
                delta = isnan(dwk) ? dwk : (dwk > 0.0 ? inf : -inf);
            }
            wn = xbar_lut_clip(w + delta, clip_lo, clip_hi);
        }
        g[cell] = (T)(gmin + (wn - lo) * inv_k);
        wrote = true;
    }
    if (__any_sync(0xFFFFFFFFu, wrote) && threadIdx.x % 32 == 0) atomicMax(written, 1u);
}

extern "C" __global__ void xbar_lut_write_f32(float* g, const double* dw, const double* x, const double* d,
                                              unsigned long long n, unsigned long long first, unsigned long long cols,
                                              double lr, double scale, const double* tconst,
                                              const unsigned long long* tidx, const double* data64,
                                              const float* data32, const unsigned char* devices, int tables,
                                              unsigned int mode, unsigned long long key, double gmin, double k,
                                              double inv_k, double lo, double hi, double clip_lo, double clip_hi,
                                              unsigned long long seed, unsigned int array, unsigned int purpose,
                                              unsigned long long call, unsigned int* written) {
    xbar_lut_write<float>(g, dw, x, d, n, first, cols, lr, scale, tconst, tidx, data64, data32, devices, tables, mode,
                          key, gmin, k, inv_k, lo, hi, clip_lo, clip_hi, seed, array, purpose, call, written);
}

extern "C" __global__ void xbar_lut_write_f64(double* g, const double* dw, const double* x, const double* d,
                                              unsigned long long n, unsigned long long first, unsigned long long cols,
                                              double lr, double scale, const double* tconst,
                                              const unsigned long long* tidx, const double* data64,
                                              const float* data32, const unsigned char* devices, int tables,
                                              unsigned int mode, unsigned long long key, double gmin, double k,
                                              double inv_k, double lo, double hi, double clip_lo, double clip_hi,
                                              unsigned long long seed, unsigned int array, unsigned int purpose,
                                              unsigned long long call, unsigned int* written) {
    xbar_lut_write<double>(g, dw, x, d, n, first, cols, lr, scale, tconst, tidx, data64, data32, devices, tables,
                           mode, key, gmin, k, inv_k, lo, hi, clip_lo, clip_hi, seed, array, purpose, call, written);
}
