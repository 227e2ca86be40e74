// Runs the product kernels of kernels/mvm.cu on the host, one std::thread per
// CUDA thread of a warp (warp shuffles through a barrier), so that a machine
// without a GPU checks the kernels' arithmetic against the CPU backend
// (tests/gpu_emulation.rs). Built with g++ -std=c++20 -ffp-contract=off, the
// host counterpart of NVRTC's --fmad=false.
//
// stdin: "mvm|vmm f32|f64 rows cols count seed array call noise per_cell sigma_uniform lo hi",
// then the rows*cols conductances, the rows*cols sigmas and the inputs.
// stdout: the outputs, one per line.
#include <algorithm>
#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>
using std::fmax;
using std::fmin;
using std::min;
using std::sqrt;

#define __device__
#define __forceinline__ inline
#define __global__
struct uint4 { unsigned int x, y, z, w; };
struct uint2 { unsigned int x, y; };
static uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }
static uint2 make_uint2(unsigned a, unsigned b) { return {a, b}; }
static unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((uint64_t)a * b) >> 32); }
static int __float_as_int(float f) { return std::bit_cast<int>(f); }
static float __int_as_float(int i) { return std::bit_cast<float>(i); }
struct dim { unsigned x; };
thread_local dim blockIdx, threadIdx;
static dim blockDim;
static double slots[32];
static std::barrier<>* warp_barrier;
template <typename T> T __shfl_down_sync(unsigned, T v, int off) {
    const int lane = threadIdx.x % 32;
    slots[lane] = (double)v;
    warp_barrier->arrive_and_wait();
    const T r = lane + off < 32 ? (T)slots[lane + off] : v;
    warp_barrier->arrive_and_wait();
    return r;
}
#include "../../kernels/philox.cuh"
#include "../../kernels/mvm.cu"

template <typename T>
using Kernel = void (*)(const T*, const T*, int, double, int, double, double, const T*, T*, int, int, int,
                        unsigned long long, unsigned int, unsigned long long);

template <typename T>
static int run(bool mvm, int rows, int cols, int count, unsigned long long seed, unsigned array,
               unsigned long long call, int noise, int per_cell, double sigma_uniform, double lo, double hi) {
    auto read = [](size_t n) {
        std::vector<T> v(n);
        for (auto& e : v) {
            double d;
            std::cin >> d;
            e = (T)d;
        }
        return v;
    };
    const std::vector<T> g = read((size_t)rows * cols), sigma = read((size_t)rows * cols);
    const std::vector<T> x = read((size_t)count * (mvm ? cols : rows));
    if (!std::cin) return 2;
    const int n_out = mvm ? rows : cols;
    std::vector<T> y((size_t)n_out * count, (T)0);
    const unsigned block = 256;  // as src/gpu/resident.rs
    blockDim.x = block;
    const long long threads = mvm ? (long long)n_out * count * 32 : (long long)n_out * count;
    const unsigned grid = (unsigned)((threads + block - 1) / block);
    Kernel<T> k = mvm ? (sizeof(T) == 4 ? (Kernel<T>)xbar_mvm_f32 : (Kernel<T>)xbar_mvm_f64)
                      : (sizeof(T) == 4 ? (Kernel<T>)xbar_vmm_f32 : (Kernel<T>)xbar_vmm_f64);
    for (unsigned b = 0; b < grid; ++b)
        for (unsigned w = 0; w < block / 32; ++w) {
            std::barrier<> bar(32);
            warp_barrier = &bar;
            std::vector<std::thread> lanes;
            for (unsigned l = 0; l < 32; ++l)
                lanes.emplace_back([&, l] {
                    blockIdx.x = b;
                    threadIdx.x = w * 32 + l;
                    k(g.data(), sigma.data(), per_cell, sigma_uniform, noise, lo, hi, x.data(), y.data(), rows, cols,
                      count, seed, array, call);
                });
            for (auto& t : lanes) t.join();
        }
    for (T v : y) std::printf("%.17g\n", (double)v);
    return 0;
}

int main() {
    std::string op, prec;
    int rows, cols, count, noise, per_cell;
    unsigned long long seed, call;
    unsigned array;
    double sigma_uniform, lo, hi;
    std::cin >> op >> prec >> rows >> cols >> count >> seed >> array >> call >> noise >> per_cell >> sigma_uniform >> lo >> hi;
    if (!std::cin) return 2;
    const bool mvm = op == "mvm";
    return prec == "f32" ? run<float>(mvm, rows, cols, count, seed, array, call, noise, per_cell, sigma_uniform, lo, hi)
                         : run<double>(mvm, rows, cols, count, seed, array, call, noise, per_cell, sigma_uniform, lo, hi);
}
