// Host execution of the CUDA kernel sources of kernels/*.cu, unchanged, as C++20
// (g++ or clang++ with -std=c++20 -pthread; -ffp-contract=off matches NVRTC's
// --fmad=false). Machines without a GPU run the exact kernels under this shim.
//
// Execution model. xbar_host::launch(grid, block, kernel, args...) runs the
// blocks of the grid one after another; the threads of a block run at the same
// time, one std::thread per CUDA thread, so a missing barrier or a race shows up
// as a wrong result instead of being hidden by a sequential loop:
//   - blockIdx, threadIdx (thread-local), blockDim, gridDim;
//   - __shared__ variables are function-local statics: one block runs at a time
//     (launches are serialised), so each block has them to itself;
//   - __syncthreads() is a barrier of the block's threads, __syncwarp() of the
//     warp's; a thread that returns early leaves both barriers (as on the device);
//   - warps are 32 consecutive threads (linear thread index); shuffles (_sync
//     forms: idx, up, down, xor) and votes (ballot, all, any) exchange values
//     through the warp and assume every lane of the warp takes part;
//   - atomics act on the address through std::atomic_ref;
//   - the integer and bit-cast intrinsics the kernels use; math functions come
//     from <cmath> (the device's libm may differ in the last bits).
// Meant for the small grids of tests: every CUDA thread of a block is an OS thread.
//
// XBAR_HOST_EXPORT(kernel) gives a kernel two C entry points, which the
// emulated device of src/gpu/emulated.rs calls: xbar_host_launch_<kernel>(grid,
// block, args) with the arguments packed as cuLaunchKernel takes them, and
// xbar_host_signature_<kernel>() with its parameter codes, checked before any
// launch.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#define __device__
#define __host__
#define __global__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)

using std::fmax;
using std::isnan;
using std::fmin;
using std::min;
using std::sqrt;

struct uint2 {
    unsigned int x, y;
};
struct uint4 {
    unsigned int x, y, z, w;
};
inline uint2 make_uint2(unsigned int a, unsigned int b) { return {a, b}; }
inline uint4 make_uint4(unsigned int a, unsigned int b, unsigned int c, unsigned int d) { return {a, b, c, d}; }

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

// The built-in variables: the running thread's indices, and the launch's shape.
inline thread_local dim3 blockIdx, threadIdx;
inline dim3 blockDim, gridDim;

namespace xbar_host {

constexpr int warp_size = 32;

// One warp: its barrier and the slots its lanes exchange values through.
struct Warp {
    explicit Warp(std::ptrdiff_t lanes) : barrier(lanes), size((int)lanes) {}
    std::barrier<> barrier;
    int size;
    std::uint64_t slots[warp_size] = {};
};

// One block: the barrier of all its threads and its warps.
struct Block {
    explicit Block(std::ptrdiff_t threads) : barrier(threads) {}
    std::barrier<> barrier;
    std::vector<std::unique_ptr<Warp>> warps;
};

inline thread_local Block* this_block = nullptr;
inline thread_local Warp* this_warp = nullptr;
inline thread_local int this_lane = 0;
inline std::mutex launch_mutex;

template <typename T>
std::uint64_t to_slot(T v) {
    static_assert(sizeof(T) <= sizeof(std::uint64_t), "a shuffled value fits 64 bits");
    std::uint64_t s = 0;
    std::memcpy(&s, &v, sizeof(T));
    return s;
}

template <typename T>
T from_slot(std::uint64_t s) {
    T v;
    std::memcpy(&v, &s, sizeof(T));
    return v;
}

// Every lane publishes `v`; lane l receives the value of lane source(l), or
// keeps its own where the source lies outside the warp.
template <typename T, typename F>
T exchange(T v, F source) {
    Warp& w = *this_warp;
    w.slots[this_lane] = to_slot(v);
    w.barrier.arrive_and_wait();
    const int src = source(this_lane);
    const T r = src >= 0 && src < w.size ? from_slot<T>(w.slots[src]) : v;
    w.barrier.arrive_and_wait();
    return r;
}

// Runs `kernel(args...)` on a grid of `grid` blocks of `block` threads. The
// launch starts one thread per CUDA thread of a block; together they run the
// blocks one after another (a barrier between blocks, where the next block's
// barriers and warps are set up), so a launch costs `block` thread starts
// whatever the grid's size.
template <typename... P, typename... A>
void launch(dim3 grid, dim3 block, void (*kernel)(P...), A... args) {
    std::lock_guard<std::mutex> lock(launch_mutex);
    gridDim = grid;
    blockDim = block;
    const unsigned int n = block.x * block.y * block.z;
    const unsigned long long blocks = (unsigned long long)grid.x * grid.y * grid.z;
    if (n == 0 || blocks == 0) return;
    auto make_block = [n] {
        auto b = std::make_unique<Block>(n);
        for (unsigned int w0 = 0; w0 < n; w0 += warp_size)
            b->warps.push_back(std::make_unique<Warp>(std::min<unsigned int>(warp_size, n - w0)));
        return b;
    };
    std::unique_ptr<Block> current = make_block();
    auto next = [&]() noexcept { current = make_block(); };
    std::barrier<decltype(next)> between(n, next);
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned int t = 0; t < n; ++t)
        threads.emplace_back([&, t] {
            threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            this_lane = (int)(t % warp_size);
            for (unsigned long long k = 0; k < blocks; ++k) {
                blockIdx = dim3((unsigned int)(k % grid.x), (unsigned int)((k / grid.x) % grid.y),
                                (unsigned int)(k / ((unsigned long long)grid.x * grid.y)));
                this_block = current.get();
                this_warp = this_block->warps[t / warp_size].get();
                kernel(static_cast<P>(args)...);
                // A thread that is done leaves its block's barriers (as one that
                // returns early on the device), then waits for the block's end.
                this_warp->barrier.arrive_and_drop();
                this_block->barrier.arrive_and_drop();
                between.arrive_and_wait();
            }
        });
    for (auto& t : threads) t.join();
}

// The one-letter code of a kernel parameter type, as the Rust side names the
// arguments it passes (src/gpu/kernels.rs): p pointer, i int, u unsigned int,
// U unsigned long long, f float, d double.
template <typename T>
constexpr char type_code() {
    if constexpr (std::is_pointer_v<T>) return 'p';
    else if constexpr (std::is_same_v<T, int>) return 'i';
    else if constexpr (std::is_same_v<T, unsigned int>) return 'u';
    else if constexpr (std::is_same_v<T, unsigned long long>) return 'U';
    else if constexpr (std::is_same_v<T, float>) return 'f';
    else if constexpr (std::is_same_v<T, double>) return 'd';
    else static_assert(sizeof(T) == 0, "a kernel parameter type without a code");
}

// The parameter codes of `kernel`, e.g. "ppid".
template <typename... P>
const char* signature(void (*)(P...)) {
    static const char codes[] = {type_code<P>()..., '\0'};
    return codes;
}

// Runs `kernel` with its arguments packed as the CUDA driver takes them:
// args[i] points to the value of parameter i.
template <typename... P, std::size_t... I>
void launch_packed(void (*kernel)(P...), dim3 grid, dim3 block, void** args, std::index_sequence<I...>) {
    launch(grid, block, kernel, *static_cast<P*>(args[I])...);
}
template <typename... P>
void launch_packed(void (*kernel)(P...), dim3 grid, dim3 block, void** args) {
    launch_packed(kernel, grid, block, args, std::index_sequence_for<P...>{});
}
}  // namespace xbar_host

inline void __syncthreads() { xbar_host::this_block->barrier.arrive_and_wait(); }
inline void __syncwarp(unsigned int = 0xFFFFFFFFu) { xbar_host::this_warp->barrier.arrive_and_wait(); }

template <typename T>
T __shfl_sync(unsigned int, T v, int src) {
    return xbar_host::exchange(v, [src](int) { return src; });
}
template <typename T>
T __shfl_up_sync(unsigned int, T v, unsigned int d) {
    return xbar_host::exchange(v, [d](int l) { return l - (int)d; });
}
template <typename T>
T __shfl_down_sync(unsigned int, T v, unsigned int d) {
    return xbar_host::exchange(v, [d](int l) { return l + (int)d; });
}
template <typename T>
T __shfl_xor_sync(unsigned int, T v, int m) {
    return xbar_host::exchange(v, [m](int l) { return l ^ m; });
}

inline unsigned int __ballot_sync(unsigned int, int pred) {
    xbar_host::Warp& w = *xbar_host::this_warp;
    w.slots[xbar_host::this_lane] = pred != 0;
    w.barrier.arrive_and_wait();
    unsigned int bits = 0;
    for (int l = 0; l < w.size; ++l) bits |= (w.slots[l] != 0 ? 1u : 0u) << l;
    w.barrier.arrive_and_wait();
    return bits;
}
inline int __any_sync(unsigned int mask, int pred) { return __ballot_sync(mask, pred) != 0; }
inline int __all_sync(unsigned int mask, int pred) {
    const unsigned int lanes = xbar_host::this_warp->size;
    const unsigned int full = lanes == 32 ? 0xFFFFFFFFu : (1u << lanes) - 1u;
    return __ballot_sync(mask, pred) == full;
}

template <typename T>
T atomicAdd(T* p, T v) {
    return std::atomic_ref<T>(*p).fetch_add(v);
}
template <typename T>
T atomicSub(T* p, T v) {
    return std::atomic_ref<T>(*p).fetch_sub(v);
}
template <typename T>
T atomicExch(T* p, T v) {
    return std::atomic_ref<T>(*p).exchange(v);
}
template <typename T>
T atomicCAS(T* p, T compare, T v) {
    std::atomic_ref<T>(*p).compare_exchange_strong(compare, v);
    return compare;
}
template <typename T>
T atomicMax(T* p, T v) {
    std::atomic_ref<T> a(*p);
    T old = a.load();
    while (old < v && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}
template <typename T>
T atomicMin(T* p, T v) {
    std::atomic_ref<T> a(*p);
    T old = a.load();
    while (old > v && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}

inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((std::uint64_t)a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
inline int __float_as_int(float f) { return std::bit_cast<int>(f); }
inline float __int_as_float(int i) { return std::bit_cast<float>(i); }
inline unsigned int __float_as_uint(float f) { return std::bit_cast<unsigned int>(f); }
inline float __uint_as_float(unsigned int i) { return std::bit_cast<float>(i); }
inline long long __double_as_longlong(double d) { return std::bit_cast<long long>(d); }
inline double __longlong_as_double(long long i) { return std::bit_cast<double>(i); }
inline int __popc(unsigned int v) { return std::popcount(v); }
inline int __clz(int v) { return std::countl_zero((unsigned int)v); }
inline int __ffs(int v) { return v == 0 ? 0 : std::countr_zero((unsigned int)v) + 1; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline float rsqrtf(float v) { return 1.0f / std::sqrt(v); }
inline double rsqrt(double v) { return 1.0 / std::sqrt(v); }

#define XBAR_HOST_EXPORT(kernel)                                                                        \
    extern "C" void xbar_host_launch_##kernel(const unsigned int* grid, const unsigned int* block,       \
                                              void** args) {                                          \
        xbar_host::launch_packed(kernel, dim3(grid[0], grid[1], grid[2]), dim3(block[0], block[1], block[2]), \
                                 args);                                                               \
    }                                                                                                 \
    extern "C" const char* xbar_host_signature_##kernel() { return xbar_host::signature(kernel); }
