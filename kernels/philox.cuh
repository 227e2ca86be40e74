// Counter-based random streams on the device: Philox4x32-10 and the dense
// normal/uniform draws of src/rng/, operation for operation. Compiled with
// --fmad=false so that no a*b+c is contracted into a fused multiply-add: the
// only fused operations are the explicit fmaf() calls, as the CPU's mul_add.
// Every step is one IEEE single-precision operation (division and square
// root correctly rounded, NVRTC's default), and the logarithm is computed
// here, not taken from the device's library: the Philox words, the normals
// and the uniforms are bit-identical to the CPU's.
//
// This header is prepended to every kernel file by the library (NVRTC sees
// one translation unit), so it has no include guard and no includes.

#define XBAR_M0 0xD2511F53u  // multiplier of counter word 0
#define XBAR_M1 0xCD9E8D57u  // multiplier of counter word 2
#define XBAR_W0 0x9E3779B9u  // Weyl increment of key word 0
#define XBAR_W1 0xBB67AE85u  // Weyl increment of key word 1
#define XBAR_PURPOSE_READ_NOISE 2u
#define XBAR_PURPOSE_ADC_ROUNDING 5u
#define XBAR_TWO_POW_M32 (1.0 / 4294967296.0)

// Philox4x32-10 of `c` under key `k` (rng/mod.rs: philox4x32).
__device__ __forceinline__ uint4 xbar_philox4x32(uint4 c, uint2 k) {
#pragma unroll
    for (int r = 0; r < 10; ++r) {
        if (r > 0) {
            k.x += XBAR_W0;
            k.y += XBAR_W1;
        }
        const unsigned int hi0 = __umulhi(XBAR_M0, c.x), lo0 = XBAR_M0 * c.x;
        const unsigned int hi1 = __umulhi(XBAR_M1, c.z), lo1 = XBAR_M1 * c.z;
        c = make_uint4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// One stream (rng/mod.rs: Stream): key = seed, counter = [i, array, word2, word3].
struct xbar_stream {
    uint2 key;
    unsigned int array;
    unsigned int word2;  // (purpose << 24) | ((call >> 32) & 0xFFFFFF)
    unsigned int word3;  // call as u32
};

// rng.rs: Stream::new(seed, array, purpose, call).
__device__ __forceinline__ xbar_stream xbar_stream_new(unsigned long long seed, unsigned int array,
                                                       unsigned int purpose, unsigned long long call) {
    xbar_stream s;
    s.key = make_uint2((unsigned int)seed, (unsigned int)(seed >> 32));
    s.array = array;
    s.word2 = (purpose << 24) | ((unsigned int)(call >> 32) & 0x00FFFFFFu);
    s.word3 = (unsigned int)call;
    return s;
}

// rng.rs: Stream::block_at(i).
__device__ __forceinline__ uint4 xbar_block_at(const xbar_stream& s, unsigned int i) {
    return xbar_philox4x32(make_uint4(i, s.array, s.word2, s.word3), s.key);
}

// c[0]·x^(n−1) + … + c[n−1] by Horner's rule with fused multiply-adds
// (rng/normal.rs: horner).
template <int N>
__device__ __forceinline__ float xbar_horner(float x, const float (&c)[N]) {
    float p = c[0];
#pragma unroll
    for (int i = 1; i < N; ++i) p = fmaf(p, x, c[i]);
    return p;
}

// ln y for a positive normal float (rng/normal.rs: ln): y = m·2^e with
// m in [√½, √2), ln y = f − f²/2 + f³·L(f) + e·ln 2 with f = m − 1.
__device__ __forceinline__ float xbar_ln(float y) {
    const float series[9] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                             -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                             2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
    const int bits = __float_as_int(y);
    const int e = (bits - 0x3F3504F3) >> 23;
    const float f = __int_as_float(bits - (e << 23)) - 1.0f;
    const float ef = (float)e;
    const float z = f * f;
    float t = (f * z) * xbar_horner(f, series);
    t = fmaf(ef, -2.12194440e-4f, t);
    t = fmaf(-0.5f, z, t);
    return fmaf(ef, 0.693359375f, f + t);
}

// Dense standard normal from one word, Φ⁻¹((w + ½)·2^-32) in single precision
// (rng/normal.rs: normal_of): t = min(w, ~w), p_t = (t + ½)·2^-32,
// v = −ln(4 p_t (1 − p_t)), erfinv(x)/x = P(v − 2.5) for v < 5 (Giles) or
// T(√v − 3.441824) (tail fit), z = √2·(erfinv(x)/x)·x with x = 2p − 1.
__device__ __forceinline__ double xbar_normal_of(unsigned int w) {
    const float centre[9] = {2.81022636e-08f,  3.43273939e-07f,  -3.5233877e-06f,
                             -4.39150654e-06f, 0.00021858087f,   -0.00125372503f,
                             -0.00417768164f,  0.246640727f,     1.50140941f};
    const float tail[10] = {4.4031545e-05f, -1.2237637e-06f, -3.2531578e-04f, 6.3100964e-04f, -7.9903862e-04f,
                            1.2635670e-03f, -2.3579788e-03f, 3.6695132e-03f,  1.0069672f,     3.2768922f};
    const unsigned int t = min(w, ~w);
    const float pt = fmaf((float)t, 2.3283064e-10f, 1.1641532e-10f);
    const float v = -xbar_ln((pt * (1.0f - pt)) * 4.0f);
    const float g = v < 5.0f ? xbar_horner(v - 2.5f, centre) : xbar_horner(sqrtf(v) - 3.441824f, tail);
    const float x = fmaf((float)(int)(w ^ 0x80000000u), 4.6566129e-10f, 2.3283064e-10f);
    return (double)((g * x) * 1.41421356f);
}

// Dense uniform in [0, 1) from one word: w·2^-32 (rng/mod.rs: dense_uniform).
__device__ __forceinline__ double xbar_uniform_of(unsigned int w) {
    return (double)w * XBAR_TWO_POW_M32;
}
