// Self-test of kernels/host/cuda_host.h: kernels whose results are right only
// if a block's threads really run at the same time with working barriers,
// shuffles, votes and atomics. Each would come out wrong if the shim ran the
// threads one after another with barriers as no-ops (a thread would read
// shared memory or a neighbour's lane before it is written). Built and run by
// tests/gpu_emulation.rs; prints one line per check and "N passed, N failed".
#include "../../kernels/host/cuda_host.h"

#include <cstdio>
#include <numeric>
#include <string>

// Tree reduction in shared memory with a barrier after every level.
__global__ void tree_sum(const float* in, float* out) {
    __shared__ float s[256];
    const unsigned int t = threadIdx.x;
    s[t] = in[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (unsigned int h = blockDim.x / 2; h > 0; h /= 2) {
        if (t < h) s[t] += s[t + h];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = s[0];
}

// Each thread reads the value its right neighbour wrote (needs the barrier).
__global__ void rotate(const int* in, int* out) {
    __shared__ int s[128];
    const unsigned int t = threadIdx.x;
    s[t] = in[t];
    __syncthreads();
    out[t] = s[(t + 1) % blockDim.x];
}

// Warp sums by shuffles down, and every lane's sum by a butterfly (xor).
__global__ void warp_sums(const double* in, double* down, double* butterfly) {
    const unsigned int g = blockIdx.x * blockDim.x + threadIdx.x;
    double v = in[g], b = in[g];
    for (int off = 16; off > 0; off /= 2) v += __shfl_down_sync(0xFFFFFFFFu, v, off);
    for (int m = 1; m < 32; m *= 2) b += __shfl_xor_sync(0xFFFFFFFFu, b, m);
    if (threadIdx.x % 32 == 0) down[g / 32] = v;
    butterfly[g] = b;
}

// Lane 0's value broadcast, and the lane below's value (lane 0 keeps its own).
__global__ void shuffles(int* bcast, int* up) {
    const int lane = threadIdx.x % 32;
    bcast[threadIdx.x] = __shfl_sync(0xFFFFFFFFu, lane * 10 + 7, 0);
    up[threadIdx.x] = __shfl_up_sync(0xFFFFFFFFu, lane, 1);
}

// Votes over the warp.
__global__ void votes(unsigned int* ballot, int* all, int* any) {
    const int lane = threadIdx.x % 32;
    const unsigned int b = __ballot_sync(0xFFFFFFFFu, lane % 3 == 0);
    const int a = __all_sync(0xFFFFFFFFu, lane < 32);
    const int n = __any_sync(0xFFFFFFFFu, lane == 31);
    if (lane == 0) {
        ballot[threadIdx.x / 32] = b;
        all[threadIdx.x / 32] = a;
        any[threadIdx.x / 32] = n;
    }
}

// Every thread of every block adds to the same counters.
__global__ void count(unsigned int* n, double* sum, int* biggest) {
    atomicAdd(n, 1u);
    atomicAdd(sum, 0.5);
    atomicMax(biggest, (int)(blockIdx.x * blockDim.x + threadIdx.x));
}

// Threads past `n` leave before the barrier; the others still meet at it.
__global__ void early_exit(int n, int* out) {
    __shared__ int s[64];
    const int t = threadIdx.x;
    if (t >= n) return;
    s[t] = t * t;
    __syncthreads();
    out[t] = s[n - 1 - t];
}

static int passed = 0, failed = 0;

static void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok    " : "FAILED", what.c_str());
    (ok ? passed : failed)++;
}

int main() {
    {
        std::vector<float> in(3 * 256), out(3);
        for (size_t i = 0; i < in.size(); ++i) in[i] = (float)(i % 7);
        xbar_host::launch(dim3(3), dim3(256), tree_sum, in.data(), out.data());
        bool ok = true;
        for (int b = 0; b < 3; ++b) {
            float want = 0;
            for (int t = 0; t < 256; ++t) want += in[b * 256 + t];
            ok = ok && out[b] == want;
        }
        check(ok, "shared-memory tree reduction with __syncthreads (3 blocks of 256)");
    }
    {
        std::vector<int> in(128), out(128);
        std::iota(in.begin(), in.end(), 100);
        xbar_host::launch(dim3(1), dim3(128), rotate, in.data(), out.data());
        bool ok = true;
        for (int t = 0; t < 128; ++t) ok = ok && out[t] == in[(t + 1) % 128];
        check(ok, "neighbour read through shared memory after __syncthreads");
    }
    {
        std::vector<double> in(128), down(4), butterfly(128);
        for (int i = 0; i < 128; ++i) in[i] = i * 0.25;
        xbar_host::launch(dim3(2), dim3(64), warp_sums, in.data(), down.data(), butterfly.data());
        bool ok = true;
        for (int w = 0; w < 4; ++w) {
            double want = 0;
            for (int l = 0; l < 32; ++l) want += in[w * 32 + l];
            ok = ok && down[w] == want;
            for (int l = 0; l < 32; ++l) ok = ok && butterfly[w * 32 + l] == want;
        }
        check(ok, "warp reductions by __shfl_down_sync and __shfl_xor_sync");
    }
    {
        std::vector<int> bcast(64), up(64);
        xbar_host::launch(dim3(1), dim3(64), shuffles, bcast.data(), up.data());
        bool ok = true;
        for (int t = 0; t < 64; ++t) ok = ok && bcast[t] == 7 && up[t] == (t % 32 == 0 ? 0 : t % 32 - 1);
        check(ok, "__shfl_sync broadcast and __shfl_up_sync");
    }
    {
        std::vector<unsigned int> ballot(2);
        std::vector<int> all(2), any(2);
        xbar_host::launch(dim3(1), dim3(64), votes, ballot.data(), all.data(), any.data());
        unsigned int want = 0;
        for (int l = 0; l < 32; l += 3) want |= 1u << l;
        check(ballot[0] == want && ballot[1] == want && all[0] && all[1] && any[0] && any[1],
              "__ballot_sync, __all_sync, __any_sync");
    }
    {
        unsigned int n = 0;
        double sum = 0;
        int biggest = -1;
        xbar_host::launch(dim3(4), dim3(96), count, &n, &sum, &biggest);
        check(n == 384 && sum == 192.0 && biggest == 383, "atomicAdd (unsigned, double) and atomicMax from 384 threads");
    }
    {
        std::vector<int> out(64, -1);
        xbar_host::launch(dim3(1), dim3(64), early_exit, 40, out.data());
        bool ok = true;
        for (int t = 0; t < 64; ++t) ok = ok && out[t] == (t < 40 ? (39 - t) * (39 - t) : -1);
        check(ok, "threads that return before __syncthreads leave the barrier");
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
