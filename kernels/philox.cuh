// Counter-based random streams on the device: Philox4x32-10 and the dense
// normal/uniform draws of src/rng.rs, operation for operation. Compiled with
// --fmad=false so that no a*b+c is contracted into a fused multiply-add: the
// Philox words are bit-identical to the CPU's, and so are Acklam's centre
// formula and the uniforms; the tail formula uses the device's log(), which
// may differ from the host's in the last bit.
//
// This header is prepended to every kernel file by the library (NVRTC sees
// one translation unit), so it has no include guard and no includes.

#define XBAR_M0 0xD2511F53u  // multiplier of counter word 0
#define XBAR_M1 0xCD9E8D57u  // multiplier of counter word 2
#define XBAR_W0 0x9E3779B9u  // Weyl increment of key word 0
#define XBAR_W1 0xBB67AE85u  // Weyl increment of key word 1
#define XBAR_PURPOSE_READ_NOISE 2u
#define XBAR_TWO_POW_M32 (1.0 / 4294967296.0)
#define XBAR_P_LOW 0.02425

// Philox4x32-10 of `c` under key `k` (rng.rs: philox4x32).
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

// One stream (rng.rs: Stream): key = seed, counter = [i, array, word2, word3].
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

// Acklam's centre formula (rng.rs: acklam_centre).
__device__ __forceinline__ double xbar_acklam_centre(double p) {
    const double q = p - 0.5;
    const double r = q * q;
    return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r +
              1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q /
           (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r +
              6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1.0);
}

// Acklam's lower-tail formula (rng.rs: acklam_tail).
__device__ __forceinline__ double xbar_acklam_tail(double p) {
    const double q = sqrt(-2.0 * log(p));
    return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q -
              2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00) /
           ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q +
             3.754408661907416e+00) * q + 1.0);
}

// Dense standard normal from one word: Φ⁻¹((w + 1/2)·2^-32) (rng.rs: normals4).
__device__ __forceinline__ double xbar_normal_of(unsigned int w) {
    const double p = ((double)w + 0.5) * XBAR_TWO_POW_M32;
    if (p < XBAR_P_LOW) return xbar_acklam_tail(p);
    if (p <= 1.0 - XBAR_P_LOW) return xbar_acklam_centre(p);
    return -xbar_acklam_tail(1.0 - p);
}

// Dense uniform in [0, 1) from one word: w·2^-32 (rng.rs: uniforms4).
__device__ __forceinline__ double xbar_uniform_of(unsigned int w) {
    return (double)w * XBAR_TWO_POW_M32;
}
