/*
 * mvm_loop.c: the C side of bindings/python/bench/overhead.py, compiled by it
 * into a small shared library and called once per round through ctypes, so
 * that the C loop runs in the same process as the Python loop it is compared
 * with: the same core, the same buffers, the same heap.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <time.h>

#include "xbar.h"

static double ns_between(const struct timespec *a, const struct timespec *b) {
    return 1e9 * (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec);
}

/* Runs xbar_core_mvm(c, x, batch, n, y, m) `reps` times; stores the mean wall
 * time and the mean CPU time of the process (all threads) per call, in
 * nanoseconds, in times[0] and times[1]. Returns 0, or -1 if a call failed. */
int xbar_bench_mvm_loop(xbar_core *c, const double *x, size_t batch, size_t n, double *y, size_t m,
                        size_t reps, double times[2]) {
    struct timespec w0, w1, c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &w0);
    for (size_t r = 0; r < reps; r++) {
        if (xbar_core_mvm(c, x, batch, n, y, m) != XBAR_OK) return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &w1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    times[0] = ns_between(&w0, &w1) / (double)reps;
    times[1] = ns_between(&c0, &c1) / (double)reps;
    return 0;
}
