// The periphery of a read on the device: the DAC (input scaling, quantiser,
// input bit slices), the uniform and stochastic quantiser ADCs, the Horner
// accumulation of input slices, the combination of G+ and G- currents and
// the scaling back to weight units. Each kernel does, element by element and
// operation for operation, what the CPU does (src/circuit/dac.rs,
// src/circuit/adc/quantizer.rs, src/mapping/input_slicing.rs,
// src/mapping/currents.rs, src/mapping/mod.rs), in double precision, so the
// results are the CPU's bits.
//
// Every kernel takes one thread per element of a batch held as `count`
// vectors of `len` values (element e = b*len + i), any block size.

// The flat index of this thread.
__device__ __forceinline__ unsigned long long xbar_element() {
    return (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
}

// NumPy's clip (and Rust's f64::clamp for ordered bounds): NaN passes through.
__device__ __forceinline__ double xbar_clip(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

// Quantiser with q = (L - 1)/(hi - lo) steps per unit on [lo, hi]:
// rint((clip(v) - lo)*q)/q + lo, ties to even (Dac::convert, Quantizer::convert).
__device__ __forceinline__ double xbar_quantise(double v, double lo, double hi, double q) {
    double u = xbar_clip(v, lo, hi);
    u -= lo;
    u *= q;
    u = rint(u);
    u /= q;
    return u + lo;
}

// DAC: x[e] = quantise(x[e] * scale[b]) (Mapping::dac_outputs); `quantise` 0
// for an ideal DAC or 0 bits (scaling only).
extern "C" __global__ void xbar_dac_convert(double* x, const double* scale, unsigned long long n, int len, int quantise,
                                            double lo, double hi, double q) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    double v = x[e] * scale[e / len];
    if (quantise) v = xbar_quantise(v, lo, hi, q);
    x[e] = v;
}

// Input bit slice k of quantised DAC outputs (Dac::slices): with
// m = rint(|v|*full) (sign-magnitude, sign of v) or rint(v*full) (sign 1),
// digit k of m in base s, times the sign, over (s - 1). Slices are numbered
// from the least significant.
extern "C" __global__ void xbar_dac_slice(const double* xd, double* out, unsigned long long n, int k, double s,
                                          double full, int sign_magnitude) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    const double v = xd[e];
    double mag, sign = 1.0;
    if (sign_magnitude) {
        mag = rint(fabs(v) * full);
        sign = v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
    } else {
        mag = rint(v * full);
    }
    for (int j = 0; j < k; ++j) mag = floor(mag / s);
    double digit = fmod(mag, s);
    if (digit < 0.0) digit += fabs(s);
    out[e] = (digit * sign) / (s - 1.0);
}

// One term of the cost counters' array term (cost::counts::ArrayTerm): without
// input slices (sliced = 0) (v*v)*S; with them S*(sum_k d_k^2) over the
// `digits` base-2^size digits d_k of X = rint(m*full), m = |v| for
// sign-magnitude and v otherwise, X taken as Rust's saturating `as u64` of
// max(rint(m*full), 0) (NaN and negatives give 0), the squares summed in
// unsigned 64-bit integers and the sum rounded to double.
__device__ __forceinline__ double xbar_energy_term(double v, double s, int sliced, double full, int size, int digits,
                                                   int sign_magnitude) {
    if (!sliced) return v * v * s;
    const double r = rint((sign_magnitude ? fabs(v) : v) * full);
    unsigned long long x = 0;
    if (r >= 18446744073709551616.0) x = ~0ull;
    else if (r > 0.0) x = (unsigned long long)r;
    const unsigned long long mask = (1ull << size) - 1ull;
    unsigned long long squares = 0;
    for (int i = 0; i < digits; ++i) {
        const int shift = size * i;
        const unsigned long long d = shift < 64 ? (x >> shift) & mask : 0ull;
        squares += d * d;
    }
    return s * (double)squares;
}

// The cost counters' array term of each of `count` vectors of `len` DAC
// outputs xd against the input lines' conductance sums S (`len` values), into
// out[b] (ArrayTerm::vector, in the CPU's order): the eight threads 8b..8b+7
// make vector b; thread l adds, from 0, the terms j = 8c + l of the whole
// chunks of eight in order; the eight partials are then added left to right
// from -0.0, the tail (the last len % 8 terms, left to right from -0.0) after
// them, and with input slices the sum is divided by top2 = (2^size - 1)^2.
// The block size is a multiple of 32, and every thread of a warp reaches the
// shuffles (no thread returns before them).
extern "C" __global__ void xbar_dac_energy(const double* xd, const double* sums, double* out, int len, int count,
                                           int sliced, double full, int size, int digits, int sign_magnitude,
                                           double top2) {
    const unsigned long long t = xbar_element();
    const unsigned long long b = t / 8;
    const int lane = (int)(t % 8);
    const bool live = b < (unsigned long long)count;
    const int whole = len / 8;
    const double* v = live ? xd + b * (unsigned long long)len : xd;
    double acc = 0.0;
    if (live) {
        for (int c = 0; c < whole; ++c) {
            const int j = 8 * c + lane;
            acc += xbar_energy_term(v[j], sums[j], sliced, full, size, digits, sign_magnitude);
        }
    }
    // The group's first lane within its warp; lane l's partial comes from it + l.
    const int first = (int)(threadIdx.x % 32) & ~7;
    double total = -0.0;
    for (int l = 0; l < 8; ++l) total += __shfl_sync(0xFFFFFFFFu, acc, first + l);
    if (!live || lane != 0) return;
    double tail = -0.0;
    for (int j = 8 * whole; j < len; ++j) tail += xbar_energy_term(v[j], sums[j], sliced, full, size, digits, sign_magnitude);
    double e = total + tail;
    if (sliced) e = e / top2;
    out[b] = e;
}

// Uniform quantiser ADC in place (Adc::Uniform).
extern "C" __global__ void xbar_adc_uniform(double* y, unsigned long long n, double lo, double hi, double q) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    y[e] = xbar_quantise(y[e], lo, hi, q);
}

// Stochastic-rounding quantiser ADC in place (Adc::Stochastic): with
// s = (clip(v) - lo)*q, level floor(s) + [u < s - floor(s)], u the 53-bit
// uniform of element e of the stream (seed, field, AdcRounding, call),
// field = identity::adc_rounding's array field (bank, slice, part).
extern "C" __global__ void xbar_adc_stochastic(double* y, unsigned long long n, double lo, double hi, double q,
                                               unsigned long long seed, unsigned int field,
                                               unsigned long long call) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    const xbar_stream st = xbar_stream_new(seed, field, XBAR_PURPOSE_ADC_ROUNDING, call);
    const uint4 w = xbar_block_at(st, (unsigned int)e);
    const unsigned long long bits53 = ((unsigned long long)w.x << 21) | (unsigned long long)(w.y >> 11);
    const double u = (double)bits53 * (1.0 / 9007199254740992.0);
    double s = xbar_clip(y[e], lo, hi);
    s -= lo;
    s *= q;
    const double f = floor(s);
    const double level = f + (u < s - f ? 1.0 : 0.0);
    y[e] = level / q + lo;
}

// One Horner step over input slices (input_slicing::horner):
// acc = (first ? r : acc + r) / shift.
extern "C" __global__ void xbar_horner_step(double* acc, const double* r, unsigned long long n, double shift, int first) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    const double a = first ? r[e] : acc[e] + r[e];
    acc[e] = a / shift;
}

// G+ and G- currents into one value per line (Currents::combine): pos -= neg.
extern "C" __global__ void xbar_subtract(double* pos, const double* neg, unsigned long long n) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    pos[e] = pos[e] - neg[e];
}

// Every value clipped to [lo, hi] (Batch::clip_symmetric: the column current limit).
extern "C" __global__ void xbar_clip(double* y, unsigned long long n, double lo, double hi) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    y[e] = xbar_clip(y[e], lo, hi);
}

// Every value times m, then divided by d (exact for d = 1: a plain factor);
// the corrections of input_slicing::correct and correct_posneg.
extern "C" __global__ void xbar_scale(double* y, unsigned long long n, double m, double d) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    y[e] = (y[e] * m) / d;
}

// a += f*b (the weight slices' sum, bitsliced.rs: `a + f * b`).
extern "C" __global__ void xbar_add_scaled(double* a, const double* b, unsigned long long n, double f) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    a[e] = a[e] + f * b[e];
}

// The sum of each of `count` vectors of `len` values, in order from -0.0
// (Batch::sums, Rust's f64 Sum): one thread per vector.
extern "C" __global__ void xbar_vector_sums(const double* x, double* sums, int len, int count) {
    const unsigned long long b = xbar_element();
    if (b >= (unsigned long long)count) return;
    double acc = -0.0;
    for (int i = 0; i < len; ++i) acc += x[b * (unsigned long long)len + i];
    sums[b] = acc;
}

// y[b*len + i] -= f * sums[b] (Batch::subtract_per_vector: the offset of an
// OFFSET block, f = g0 + wr/2 times each vector's input sum).
extern "C" __global__ void xbar_subtract_sums(double* y, const double* sums, unsigned long long n, int len, double f) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    y[e] -= f * sums[e / len];
}

// Each vector of `len` values without its first, less the first
// (Batch::minus_first: the unit line subtracted): out has len - 1 per vector.
extern "C" __global__ void xbar_minus_first(const double* y, double* out, unsigned long long n, int len) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    const unsigned long long w = (unsigned long long)(len - 1), b = e / w, i = e % w;
    out[e] = y[b * len + i + 1] - y[b * len];
}

// Each vector of `len` values with a 0 before it (Batch::with_leading_zero:
// the undriven unit line): out has len + 1 per vector.
extern "C" __global__ void xbar_leading_zero(const double* x, double* out, unsigned long long n, int len) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    const unsigned long long w = (unsigned long long)(len + 1), b = e / w, i = e % w;
    out[e] = i == 0 ? 0.0 : x[b * len + i - 1];
}

// Every value of vector b times f[b] (weight units, Mapping::apply).
extern "C" __global__ void xbar_scale_vectors(double* y, const double* f, unsigned long long n, int len) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    y[e] = y[e] * f[e / len];
}

// A product's single-precision currents widened to double, and back.
extern "C" __global__ void xbar_widen_f32(const float* in, double* out, unsigned long long n) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    out[e] = (double)in[e];
}

extern "C" __global__ void xbar_narrow_f32(const double* in, float* out, unsigned long long n) {
    const unsigned long long e = xbar_element();
    if (e >= n) return;
    out[e] = (float)in[e];
}

// ---- Circuit ADCs (src/circuit/adc/{sar,ramp,pipeline,cyclic}.rs) ----
// Element e is output line e % len; its converter is line / group. The input
// is clipped to [min, max], turned into a code by the model, and the output
// is the mid-rise level 2*vref*(c/2^b) - vref*(2^b - 1)/2^b. `table` and
// `offsets` are the model's own numbers, as gpu::periphery::circuit_form
// lays them out:
//   SAR: table = the 2^b thresholds T[c], offsets = one per converter;
//   ramp: table = the 2^b levels L[c] (monotone or not), offsets = one per line;
//   pipeline (and cyclic): table = b-1 stages of 5 values per converter
//     (hi_th, lo_th, 1 + gamma, gamma, den), offsets = the final threshold per converter.
#define XBAR_ADC_SAR 1
#define XBAR_ADC_RAMP 2
#define XBAR_ADC_PIPELINE 3

__device__ unsigned int xbar_sar_code(double u, int bits, const double* th, double off) {
    unsigned int reg = 0;
    for (int i = 0; i < bits; ++i) {
        const unsigned int d = 1u << (bits - 1 - i);
        if (u > th[d + reg] - off) reg += d;
    }
    return reg;
}

__device__ unsigned int xbar_ramp_code(double u, int bits, const double* lv, double off, int monotone) {
    const long long n = 1ll << bits;
    long long best;
    if (monotone) {
        // First level with (L - u) - off >= 0 (or not < 0), by bisection.
        long long lo = 0, hi = n;
        while (lo < hi) {
            const long long mid = lo + (hi - lo) / 2;
            if ((lv[mid] - u) - off < 0.0) lo = mid + 1;
            else hi = mid;
        }
        const long long k = lo;
        if (k == 0) best = 0;
        else if (k == n || fabs((lv[k - 1] - u) - off) <= fabs((lv[k] - u) - off)) best = k - 1;
        else best = k;
        while (best > 0 && fabs((lv[best - 1] - u) - off) == fabs((lv[best] - u) - off)) --best;
    } else {
        best = 0;
        double bd = fabs((lv[0] - u) - off);
        for (long long c = 1; c < n; ++c) {
            const double dc = fabs((lv[c] - u) - off);
            if (isnan(bd)) break;
            if (dc < bd || isnan(dc)) {
                best = c;
                bd = dc;
            }
        }
    }
    return (unsigned int)best;
}

__device__ unsigned int xbar_pipeline_code(double u, int bits, const double* st, double final_th, double vref) {
    const int ns = bits - 1;
    double v = u;
    unsigned int code = 0;
    for (int k = 0; k < ns; ++k) {
        const double* s = st + 5 * k;
        const bool hi = v > s[0], lo = v < s[1], mid = v < s[0] && v > s[1];
        const double c = (double)lo - (double)hi;
        code += ((unsigned int)hi << (ns - k)) + ((unsigned int)mid << (ns - 1 - k));
        v = (s[2] * v + c * vref * s[3]) / s[4];
    }
    return code + (v > final_th ? 1u : 0u);
}

extern "C" __global__ void xbar_adc_circuit(double* y, unsigned long long n, int len, int kind, int bits, double min,
                                            double max, double vref, int group, const double* table,
                                            const double* offsets, int monotone) {
    const unsigned long long e = xbar_element();
    if (e >= n || bits == 0) return;
    const int line = (int)(e % (unsigned long long)len), a = line / group;
    const double u = xbar_clip(y[e], min, max);
    unsigned int code;
    if (kind == XBAR_ADC_SAR) code = xbar_sar_code(u, bits, table, offsets[a]);
    else if (kind == XBAR_ADC_RAMP) code = xbar_ramp_code(u, bits, table, offsets[line], monotone);
    else code = xbar_pipeline_code(u, bits, table + (size_t)a * 5 * (bits - 1), offsets[a], vref);
    const double levels = (double)(1ull << bits);
    y[e] = 2.0 * vref * ((double)code / levels) - vref * (levels - 1.0) / levels;
}
