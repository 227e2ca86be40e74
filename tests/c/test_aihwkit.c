/*
 * aihwkit's tile periphery through the C API, reached by parameters alone:
 * the "aihwkit-inference" preset runs a 1024-input layer (MVM forward
 * pipeline, VMM backward), aihwkit's field and enum names are read and set by
 * path, and bad or unsupported settings give their status codes.
 *
 * C11; built and run by tests/c/run.sh. Prints one line per failed check and
 * closes with "N passed, M failed"; exits non-zero on any failure.
 */
#include "xbar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define ROWS 64
#define COLS 1024
#define BATCH 8

/* A deterministic weight in [-0.1, 0.1] and input in [-0.25, 0.25]. */
static double weight(size_t k) { return ((double)((k * 7919u) % 201u) - 100.0) / 1000.0; }
static double input(size_t k) { return ((double)((k * 31u) % 23u) - 11.0) / 44.0; }

static void test_inference_layer(void) {
    struct xbar_params *p = NULL;
    CHECK(xbar_params_preset("aihwkit-inference", &p) == XBAR_OK);
    char buf[64];
    size_t len = 0;
    CHECK(xbar_params_get(p, "aihwkit.enable", buf, sizeof buf, &len) == XBAR_OK && strcmp(buf, "true") == 0);
    CHECK(xbar_params_get(p, "aihwkit.forward.noise_management", buf, sizeof buf, &len) == XBAR_OK &&
          strcmp(buf, "\"ABS_MAX\"") == 0);
    CHECK(xbar_params_get(p, "aihwkit.forward.bound_management", buf, sizeof buf, &len) == XBAR_OK &&
          strcmp(buf, "\"ITERATIVE\"") == 0);

    double *w = malloc(sizeof(double) * ROWS * COLS);
    double *x = malloc(sizeof(double) * BATCH * COLS);
    double *y = malloc(sizeof(double) * BATCH * ROWS);
    double *y2 = malloc(sizeof(double) * BATCH * ROWS);
    double *d = malloc(sizeof(double) * BATCH * ROWS);
    double *g = malloc(sizeof(double) * BATCH * COLS);
    if (!w || !x || !y || !y2 || !d || !g) {
        printf("FAILED: out of memory\n");
        exit(1);
    }
    for (size_t k = 0; k < (size_t)ROWS * COLS; k++) w[k] = weight(k);
    for (size_t k = 0; k < (size_t)BATCH * COLS; k++) x[k] = input(k);
    for (size_t k = 0; k < (size_t)BATCH * ROWS; k++) d[k] = input(3 * k + 1);

    struct xbar_core *c = NULL;
    CHECK(xbar_core_new(p, ROWS, COLS, 11, &c) == XBAR_OK);
    CHECK(xbar_core_program(c, w, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);
    CHECK(xbar_core_mvm(c, x, BATCH, COLS, y, ROWS) == XBAR_OK);
    /* The forward tracks W x: PCM programming noise (about 0.004 per weight),
     * output noise 0.06 per tile and 7/9-bit converters stay far below 0.3. */
    double worst = 0.0;
    for (size_t b = 0; b < BATCH; b++) {
        for (size_t i = 0; i < ROWS; i++) {
            double exact = 0.0;
            for (size_t j = 0; j < COLS; j++) exact += w[i * COLS + j] * x[b * COLS + j];
            double e = fabs(y[b * ROWS + i] - exact);
            CHECK(isfinite(y[b * ROWS + i]));
            if (e > worst) worst = e;
        }
    }
    CHECK(worst < 0.3);
    CHECK(worst > 0.0); /* the read is noisy */
    /* Output noise is fresh on every read. */
    CHECK(xbar_core_mvm(c, x, BATCH, COLS, y2, ROWS) == XBAR_OK);
    CHECK(memcmp(y, y2, sizeof(double) * BATCH * ROWS) != 0);

    /* Backward: is_perfect in this preset, so Wᵀd of the stored weights. */
    CHECK(xbar_core_vmm(c, d, BATCH, ROWS, g, COLS) == XBAR_OK);
    double *ws = malloc(sizeof(double) * ROWS * COLS);
    CHECK(ws != NULL && xbar_core_read(c, ws, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);
    double worst_b = 0.0;
    for (size_t b = 0; ws && b < BATCH; b++) {
        for (size_t j = 0; j < COLS; j++) {
            double exact = 0.0;
            for (size_t i = 0; i < ROWS; i++) exact += ws[i * COLS + j] * d[b * ROWS + i];
            double e = fabs(g[b * COLS + j] - exact);
            if (e > worst_b) worst_b = e;
        }
    }
    /* Single-precision weights and sums over 64 rows. */
    CHECK(worst_b < 1e-5);
    free(ws);
    xbar_core_free(c);

    /* A second core of the same seed repeats the first read exactly. */
    CHECK(xbar_core_new(p, ROWS, COLS, 11, &c) == XBAR_OK);
    CHECK(xbar_core_program(c, w, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);
    CHECK(xbar_core_mvm(c, x, BATCH, COLS, y2, ROWS) == XBAR_OK);
    CHECK(memcmp(y, y2, sizeof(double) * BATCH * ROWS) == 0);
    xbar_core_free(c);

    free(w);
    free(x);
    free(y);
    free(y2);
    free(d);
    free(g);
    xbar_params_free(p);
}

static void test_parameters(void) {
    struct xbar_params *p = NULL;
    CHECK(xbar_params_new(&p) == XBAR_OK);
    CHECK(xbar_params_set(p, "aihwkit.enable", "true") == XBAR_OK);
    CHECK(xbar_params_set(p, "aihwkit.forward.w_noise_type", "\"PCM_READ\"") == XBAR_OK);
    CHECK(xbar_params_set(p, "aihwkit.forward.out_noise", "-1") == XBAR_ERR_PARAMS);
    CHECK(strstr(xbar_last_error_message(), "aihwkit.forward.out_noise") != NULL);
    CHECK(xbar_params_set(p, "aihwkit.forward.noise_management", "\"SOMETIMES\"") == XBAR_ERR_PARAMS);
    CHECK(xbar_params_set(p, "aihwkit.forward.mv_type", "\"POS_NEG_SEPARATE_DIGITAL_SUM\"") == XBAR_OK);
    struct xbar_core *c = NULL;
    CHECK(xbar_core_new(p, 4, 4, 1, &c) == XBAR_OK);
    xbar_core_free(c);
    /* Per-read conductance noise is not applied on the aihwkit path: refused. */
    CHECK(xbar_params_set(p, "xbar.device.read_noise",
                          "{\"enable\": true, \"model\": \"NormalIndependentDevice\", \"magnitude\": 0.1}") == XBAR_OK);
    c = NULL;
    CHECK(xbar_core_new(p, 4, 4, 1, &c) == XBAR_ERR_UNSUPPORTED);
    CHECK(c == NULL);
    CHECK(strstr(xbar_last_error_message(), "xbar.device.read_noise") != NULL);
    xbar_params_free(p);
}

int main(void) {
    test_inference_layer();
    test_parameters();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
