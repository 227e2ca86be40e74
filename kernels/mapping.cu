// The mapping of a block's weights to an array's target conductances on the
// device (src/mapping/targets.rs; src/gpu/mapping.rs drives them): one thread
// per cell reads its weight from the block's weights (uploaded once per
// block) and writes its quantised target, so that only the weights cross.
//
// Each __device__ function here is the device's copy of the Rust function of
// the same name in src/mapping/targets.rs (balanced_target, offset_level,
// offset_target, slice_digit, slice_conductance, slice_target), with the
// same arguments in the same order and the same IEEE operations in the same
// order (compiled with --fmad=false: no contraction), and the quantisation
// is Window::quantize / Window::quantize_f32 (src/device/conductance.rs):
// the device's targets are the host's bits.
//
// * xbar_mapping_balanced: G+ or G− of a balanced block, rounded to single
//   precision and quantised in it;
// * xbar_mapping_offset: an OFFSET block's array, its unit line (the first
//   `unit_rows` rows, target `unit`) first;
// * xbar_mapping_slice: one weight slice of a bit-sliced block (an offset
//   slice's array with its unit line, or G+ or G− of a balanced slice).
//
// `q` is the quantisation's (L − 1)/(1 − gmin) for L = 2^cell_bits levels,
// 0 for continuous conductances; `gmin` and `grange` the window's.

// The flat index of this thread.
__device__ __forceinline__ unsigned long long xbar_mapping_index() {
    return (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
}

// Window::quantize of one conductance: rint((g − gmin)·q)/q + gmin.
__device__ __forceinline__ double xbar_mapping_quantize(double g, double gmin, double q) {
    return rint((g - gmin) * q) / q + gmin;
}

// Window::quantize_f32 of one conductance: the same in single precision,
// q and gmin rounded to single precision first.
__device__ __forceinline__ float xbar_mapping_quantize_f32(float g, float gmin, float q) {
    return rintf((g - gmin) * q) / q + gmin;
}

// targets.rs balanced_target: with m = x/wmax, TWO_SIDED
// gmin + grange·(1 ± m)/2; ONE_SIDED G+ = gmin + grange·m where m ≥ r,
// G− = gmin − grange·m where m < −r, else gmin.
__device__ __forceinline__ double xbar_mapping_balanced_target(double x, int positive, int two_sided, double r,
                                                               double wmax, double gmin, double grange) {
    const double m = x / wmax;
    if (two_sided) {
        return positive ? gmin + (grange * (1.0 + m)) / 2.0 : gmin + (grange * (1.0 - m)) / 2.0;
    }
    if (positive && m >= r) return gmin + grange * m;
    if (!positive && m < -r) return gmin - grange * m;
    return gmin;
}

// targets.rs offset_level: wr·(m + ½) + g0.
__device__ __forceinline__ double xbar_mapping_offset_level(double m, double wr, double g0) {
    return wr * (m + 0.5) + g0;
}

// targets.rs offset_target: offset_level of x/(2·wmax).
__device__ __forceinline__ double xbar_mapping_offset_target(double x, double wmax, double wr, double g0) {
    return xbar_mapping_offset_level(x / (2.0 * wmax), wr, g0);
}

// targets.rs slice_digit: digit `index` of `slices` base-`base` digits of
// q ≥ 0 (Rust's rem_euclid: fmod, plus |base| when negative); the last digit
// takes every remaining bit.
__device__ __forceinline__ double xbar_mapping_slice_digit(double q, unsigned int index, unsigned int slices,
                                                           double base) {
    for (unsigned int i = 0; i < slices; ++i) {
        if (i + 1 == slices) return q;
        double s = fmod(q, base);
        if (s < 0.0) s += fabs(base);
        if (i == index) return s;
        q = (q - s) / base;
    }
    return q;
}

// targets.rs slice_conductance: gmin + t·grange when gmin > 0, else t.
__device__ __forceinline__ double xbar_mapping_slice_conductance(double t, double gmin, double grange) {
    return gmin > 0.0 ? gmin + t * grange : t;
}

// targets.rs slice_target: Q = rint(x/(2·wmax)·top·shrink (+ half for offset
// slices)), digit `index` of |Q| with Q's sign over `full`, on G+ where ≥ 0
// and G− where < 0 for balanced slices.
__device__ __forceinline__ double xbar_mapping_slice_target(double x, unsigned int index, unsigned int slices,
                                                            int balanced, int positive, double wmax, double top,
                                                            double shrink, double half, double base, double full,
                                                            double gmin, double grange) {
    double q = x / (2.0 * wmax);
    q *= top;
    q *= shrink;
    if (!balanced) q += half;
    q = rint(q);
    const double sign = q < 0.0 ? -1.0 : 1.0;
    double t = xbar_mapping_slice_digit(fabs(q), index, slices, base) * sign / full;
    if (balanced) {
        if (positive) {
            t = t >= 0.0 ? fabs(t) : 0.0;
        } else {
            t = t < 0.0 ? fabs(t) : 0.0;
        }
    }
    return xbar_mapping_slice_conductance(t, gmin, grange);
}

// g[i] for the n cells of G+ (positive) or G− of a balanced block from its
// n weights w: the target rounded to float, quantised in float (q > 0),
// widened.
extern "C" __global__ void xbar_mapping_balanced(const double* w, double* g, unsigned long long n, int positive,
                                                 int two_sided, double r, double wmax, double gmin, double grange,
                                                 double q) {
    const unsigned long long i = xbar_mapping_index();
    if (i >= n) return;
    float t = (float)xbar_mapping_balanced_target(w[i], positive, two_sided, r, wmax, gmin, grange);
    if (q > 0.0) t = xbar_mapping_quantize_f32(t, (float)gmin, (float)q);
    g[i] = (double)t;
}

// g[i] for the n cells of an OFFSET block's array (`cols` per row): its
// first unit_rows rows hold `unit`, the others the targets of the weights w
// (n − unit_rows·cols of them); quantised when q > 0.
extern "C" __global__ void xbar_mapping_offset(const double* w, double* g, unsigned long long n, int cols,
                                               int unit_rows, double unit, double wmax, double wr, double g0,
                                               double gmin, double q) {
    const unsigned long long i = xbar_mapping_index();
    if (i >= n) return;
    const unsigned long long head = (unsigned long long)unit_rows * (unsigned long long)cols;
    const double t = i < head ? unit : xbar_mapping_offset_target(w[i - head], wmax, wr, g0);
    g[i] = q > 0.0 ? xbar_mapping_quantize(t, gmin, q) : t;
}

// g[i] for the n cells of weight slice `index` (an offset slice's array,
// its unit line of `unit` first; or G+ or G− of a balanced slice), as
// xbar_mapping_offset lays them out; quantised when q > 0.
extern "C" __global__ void xbar_mapping_slice(const double* w, double* g, unsigned long long n, int cols,
                                              int unit_rows, double unit, unsigned int index, unsigned int slices,
                                              int balanced, int positive, double wmax, double top, double shrink,
                                              double half, double base, double full, double gmin, double grange,
                                              double q) {
    const unsigned long long i = xbar_mapping_index();
    if (i >= n) return;
    const unsigned long long head = (unsigned long long)unit_rows * (unsigned long long)cols;
    const double t = i < head ? unit
                              : xbar_mapping_slice_target(w[i - head], index, slices, balanced, positive, wmax, top,
                                                          shrink, half, base, full, gmin, grange);
    g[i] = q > 0.0 ? xbar_mapping_quantize(t, gmin, q) : t;
}
