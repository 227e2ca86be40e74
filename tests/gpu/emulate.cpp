// Runs the product kernels of kernels/mvm.cu on the host under the shim
// kernels/host/cuda_host.h (one std::thread per CUDA thread, a block's threads
// at once), so that a machine without a GPU checks the kernels' arithmetic
// against the CPU backend (tests/gpu_emulation.rs). Built with g++ -std=c++20
// -ffp-contract=off, the host counterpart of NVRTC's --fmad=false.
//
// stdin: "mvm|vmm f32|f64 rows cols count seed array call noise per_cell sigma_uniform lo hi",
// then the rows*cols conductances, the rows*cols sigmas and the inputs.
// stdout: the outputs, one per line.
#include "../../kernels/host/cuda_host.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

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
    // As src/gpu/resident.rs: MVM one 32-lane block per 32 rows of a vector, VMM 256 threads per block.
    const unsigned block = mvm ? 32 : 256;
    const long long blocks = mvm ? (long long)((rows + 31) / 32) * count : ((long long)n_out * count + block - 1) / block;
    const unsigned grid = (unsigned)blocks;
    Kernel<T> k = mvm ? (sizeof(T) == 4 ? (Kernel<T>)xbar_mvm_f32 : (Kernel<T>)xbar_mvm_f64)
                      : (sizeof(T) == 4 ? (Kernel<T>)xbar_vmm_f32 : (Kernel<T>)xbar_vmm_f64);
    xbar_host::launch(dim3(grid), dim3(block), k, g.data(), sigma.data(), per_cell, sigma_uniform, noise, lo, hi,
                      x.data(), y.data(), rows, cols, count, seed, array, call);
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
