/*
 * The cross-language reference case, for the C and C++ tests: the inputs
 * (the same integer formulas as tests/bindings/main.rs, exact multiples of
 * 1/8) and a reader of tests/bindings/reference_64x48.txt, whose lines hold
 * the expected IEEE-754 bits in hex. Valid C11 and C++17.
 */
#ifndef XBAR_REFERENCE_CASE_H
#define XBAR_REFERENCE_CASE_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { REF_ROWS = 64, REF_COLS = 48, REF_BATCH = 4, REF_SEED = 7 };

/* W[i][j] = ((7 i + 3 j) mod 17) / 8 - 1 */
static inline double ref_weight(size_t i, size_t j) { return (double)((7 * i + 3 * j) % 17) / 8.0 - 1.0; }

/* X[b][j] = ((5 b + 11 j) mod 13) / 8 - 0.75 */
static inline double ref_input(size_t b, size_t j) { return (double)((5 * b + 11 * j) % 13) / 8.0 - 0.75; }

/* Reads up to `cap` expected values (as bits) from `path`; returns how many
 * were read, or 0 when the file cannot be opened. */
static inline size_t ref_load(const char *path, uint64_t *bits, size_t cap) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    char line[256];
    size_t n = 0;
    while (n < cap && fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        uint64_t v = 0;
        if (sscanf(line, "%" SCNx64, &v) == 1) {
            bits[n++] = v;
        }
    }
    fclose(f);
    return n;
}

/* Bits of a double, without aliasing tricks. */
static inline uint64_t ref_bits(double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

#endif
