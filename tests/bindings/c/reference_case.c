/*
 * The cross-language reference case through the C API: program the 64 x 48
 * matrix from the "default" preset, one MVM with batch 4, and compare every
 * output bit for bit with tests/bindings/reference_64x48.txt (argv[1]).
 * Also programs the column-major copy of W and checks it gives the same bits.
 * Exits non-zero on any difference; prints "N passed, M failed".
 */
#include "xbar.h"

#include "../reference_case.h"

#include <stdio.h>
#include <stdlib.h>

static int passed = 0, failed = 0;

static int ok(xbar_status s, const char *what) {
    if (s == XBAR_OK) {
        return 1;
    }
    printf("FAIL %s: %s (%s)\n", what, xbar_status_string(s), xbar_last_error_message());
    failed++;
    return 0;
}

/* Runs the case with W passed in `layout`; writes Y (batch x rows). */
static int run(uint32_t layout, double *y) {
    static double w[REF_ROWS * REF_COLS], x[REF_BATCH * REF_COLS];
    for (size_t i = 0; i < REF_ROWS; i++) {
        for (size_t j = 0; j < REF_COLS; j++) {
            size_t k = layout == XBAR_ROW_MAJOR ? i * REF_COLS + j : i + j * REF_ROWS;
            w[k] = ref_weight(i, j);
        }
    }
    for (size_t b = 0; b < REF_BATCH; b++) {
        for (size_t j = 0; j < REF_COLS; j++) {
            x[b * REF_COLS + j] = ref_input(b, j);
        }
    }
    xbar_params *p = NULL;
    xbar_core *c = NULL;
    int good = ok(xbar_params_preset("default", &p), "xbar_params_preset") &&
               ok(xbar_core_new(p, REF_ROWS, REF_COLS, REF_SEED, &c), "xbar_core_new") &&
               ok(xbar_core_program(c, w, REF_ROWS, REF_COLS, layout), "xbar_core_program") &&
               ok(xbar_core_mvm(c, x, REF_BATCH, REF_COLS, y, REF_ROWS), "xbar_core_mvm");
    xbar_core_free(c);
    xbar_params_free(p);
    return good;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "tests/bindings/reference_64x48.txt";
    enum { N = REF_BATCH * REF_ROWS };
    uint64_t want[N];
    size_t n = ref_load(path, want, N);
    if (n != N) {
        printf("FAIL: %s gave %zu values, expected %d\n", path, n, N);
        return 1;
    }
    static double y_row[N], y_col[N];
    if (run(XBAR_ROW_MAJOR, y_row) && run(XBAR_COL_MAJOR, y_col)) {
        size_t bad = 0, first = 0;
        for (size_t k = 0; k < N; k++) {
            if (ref_bits(y_row[k]) != want[k] && bad++ == 0) {
                first = k;
            }
        }
        if (bad == 0) {
            passed++;
        } else {
            failed++;
            printf("FAIL C: %zu of %d values differ from the reference, first y[%zu] = %.17g\n", bad, N, first,
                   y_row[first]);
        }
        bad = 0;
        for (size_t k = 0; k < N; k++) {
            bad += ref_bits(y_col[k]) != ref_bits(y_row[k]);
        }
        if (bad == 0) {
            passed++;
        } else {
            failed++;
            printf("FAIL C: column-major programming changed %zu values\n", bad);
        }
    }
    if (failed == 0) {
        printf("C: %d values bit-identical to %s (row- and column-major W)\n", N, path);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
