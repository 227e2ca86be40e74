/*
 * The C API's introspection: xbar_core_array_count, _array_layout,
 * _conductance_count, _conductances (siemens) and _drift_compensation, and
 * the lookup-table switches of xbar.device.update set through
 * xbar_params_set.
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

#define ROWS 3
#define COLS 5
/* Rmin 1 kOhm, Rmax 10 kOhm: Gmax = 1e-3 S, Gmin = 1e-4 S. */
#define GMAX 1e-3
#define GMIN 1e-4

static struct xbar_params *params(void) {
    struct xbar_params *p = NULL;
    CHECK(xbar_params_new(&p) == XBAR_OK);
    CHECK(xbar_params_set(p, "core.mapping.weights", "{\"percentile\": null, \"min\": -1, \"max\": 1}") == XBAR_OK);
    /* Three matrix columns per array: the 5 columns are two tiles. */
    CHECK(xbar_params_set(p, "core.rows_max", "3") == XBAR_OK);
    CHECK(xbar_params_set(p, "simulation.conductance_precision", "\"float64\"") == XBAR_OK);
    return p;
}

static void test_conductances(void) {
    const double w[ROWS * COLS] = {0.5, -0.25, 1.0, 0.75, 0.0, -1.0, 0.125, -0.5, 0.25, 0.375, 0.625, -0.875, 0.0, 1.0, -0.125};
    struct xbar_params *p = params();
    struct xbar_core *c = NULL;
    CHECK(xbar_core_new(p, ROWS, COLS, 7, &c) == XBAR_OK);
    size_t n = 99;
    double buf[64];
    size_t info[64];
    /* Before programming. */
    CHECK(xbar_core_array_count(c, &n) == XBAR_ERR_NOT_PROGRAMMED && n == 99);
    CHECK(xbar_core_conductance_count(c, &n) == XBAR_ERR_NOT_PROGRAMMED);
    CHECK(xbar_core_conductances(c, buf, 1) == XBAR_ERR_NOT_PROGRAMMED);
    CHECK(xbar_core_program(c, w, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);

    /* Two tiles (columns 0-2 and 3-4), each a BALANCED pair: four arrays. */
    CHECK(xbar_core_array_count(c, &n) == XBAR_OK && n == 4);
    CHECK(xbar_core_array_layout(c, info, 35) == XBAR_ERR_SHAPE);
    CHECK(xbar_core_array_layout(c, info, 36) == XBAR_OK);
    size_t total = 0;
    for (size_t a = 0; a < 4; a++) {
        const size_t *f = info + 9 * a;
        CHECK(f[0] == 0);                      /* tile row */
        CHECK(f[1] == a / 2);                  /* tile column */
        CHECK(f[4] == (a % 2 == 0 ? 1u : 2u)); /* G+ then G- */
        CHECK(f[5] == 0);                      /* no slices */
        CHECK(f[2] == 0 && f[6] == ROWS);      /* every row in each tile */
        CHECK(f[7] >= 1 && f[7] <= 3);         /* at most rows_max columns */
        CHECK(f[8] == total);                  /* offset of the first cell */
        total += f[6] * f[7];
    }
    /* The pair of a tile agrees; the two tiles cover the columns in order. */
    CHECK(info[3] == 0 && info[9 + 3] == 0 && info[9 + 7] == info[7]);
    CHECK(info[18 + 3] == info[7] && info[18 + 7] + info[7] == COLS && info[27 + 7] == info[18 + 7]);
    size_t cells = 0;
    CHECK(xbar_core_conductance_count(c, &cells) == XBAR_OK && cells == total && cells == 2 * ROWS * COLS);
    buf[0] = -1.0;
    CHECK(xbar_core_conductances(c, buf, cells + 1) == XBAR_ERR_SHAPE && buf[0] == -1.0);
    CHECK(xbar_core_conductances(c, NULL, cells) == XBAR_ERR_NULL_ARGUMENT);
    CHECK(xbar_core_conductances(NULL, buf, cells) == XBAR_ERR_NULL_ARGUMENT);
    CHECK(xbar_core_conductances(c, buf, cells) == XBAR_OK);
    for (size_t k = 0; k < cells; k++) {
        CHECK(buf[k] >= GMIN * (1 - 1e-12) && buf[k] <= GMAX * (1 + 1e-12));
    }
    /* The weights read back are (G+ - G-)/(Gmax - Gmin) in units of wmax = 1
     * (to 1e-6: xbar_core_read rounds a balanced read-back to single precision). */
    double r[ROWS * COLS];
    CHECK(xbar_core_read(c, r, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);
    for (size_t i = 0; i < ROWS; i++) {
        for (size_t j = 0; j < COLS; j++) {
            size_t tile = j < info[7] ? 0 : 1;
            const size_t *pos = info + 9 * (2 * tile), *neg = pos + 9;
            size_t tc = j - pos[3], tcols = pos[7];
            double from_g = (buf[pos[8] + i * tcols + tc] - buf[neg[8] + i * tcols + tc]) / (GMAX - GMIN);
            CHECK(fabs(from_g - r[i * COLS + j]) < 1e-6);
        }
    }
    /* An update moves the conductances. */
    double before[64], x[COLS] = {1, -1, 0.5, 0.25, -0.5}, d[ROWS] = {0.5, -0.25, 1};
    memcpy(before, buf, sizeof before);
    CHECK(xbar_core_update(c, x, d, 1, 0.1) == XBAR_OK);
    CHECK(xbar_core_conductances(c, buf, cells) == XBAR_OK);
    int moved = 0;
    for (size_t k = 0; k < cells; k++) moved += buf[k] != before[k];
    CHECK(moved > (int)cells / 2);
    /* Without drift the compensation factor is 1. */
    double f = 0;
    CHECK(xbar_core_drift_compensation(c, &f) == XBAR_OK && f == 1.0);
    CHECK(xbar_core_drift_compensation(c, NULL) == XBAR_ERR_NULL_ARGUMENT);
    xbar_core_free(c);
    xbar_params_free(p);
}

static void test_drift_compensation(void) {
    struct xbar_params *p = params();
    CHECK(xbar_params_set(p, "xbar.device.drift_error.enable", "true") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.drift_error.model", "\"PCMLike\"") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.drift_compensation", "true") == XBAR_OK);
    struct xbar_core *c = NULL;
    CHECK(xbar_core_new(p, ROWS, COLS, 3, &c) == XBAR_OK);
    double w[ROWS * COLS];
    for (size_t k = 0; k < ROWS * COLS; k++) w[k] = ((double)(k % 7) - 3.0) / 4.0;
    CHECK(xbar_core_program(c, w, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);
    double f = 0, g0[64], g1[64];
    CHECK(xbar_core_drift_compensation(c, &f) == XBAR_OK && f == 1.0);
    size_t cells = 0;
    CHECK(xbar_core_conductance_count(c, &cells) == XBAR_OK && cells <= 64);
    CHECK(xbar_core_conductances(c, g0, cells) == XBAR_OK);
    CHECK(xbar_core_set_time(c, 86400.0 * 30) == XBAR_OK);
    CHECK(xbar_core_drift_compensation(c, &f) == XBAR_OK);
    /* Conductances drift down, so the reference read shrinks: factor > 1. */
    CHECK(isfinite(f) && f > 1.0);
    CHECK(xbar_core_conductances(c, g1, cells) == XBAR_OK);
    double s0 = 0, s1 = 0;
    for (size_t k = 0; k < cells; k++) {
        s0 += g0[k];
        s1 += g1[k];
    }
    CHECK(s1 < s0);
    printf("drift compensation factor after 30 days: %.6f\n", f);
    xbar_core_free(c);
    xbar_params_free(p);
}

static void test_lookup_table_switches(void) {
    struct xbar_params *p = NULL;
    CHECK(xbar_params_new(&p) == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.update.lut_draw", "\"crosssim2\"") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.update.lut_write_noise", "false") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.update.lut_calibrated", "true") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.update.lut_freeze_outside_target", "true") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.device.update.lut_draw", "\"nearest\"") == XBAR_ERR_PARAMS);
    CHECK(strstr(xbar_last_error_message(), "lut_draw") != NULL);
    char json[16384];
    size_t len = 0;
    CHECK(xbar_params_to_json(p, json, sizeof json, &len) == XBAR_OK);
    CHECK(strstr(json, "\"lut_draw\": \"crosssim2\"") != NULL);
    CHECK(strstr(json, "\"lut_write_noise\": false") != NULL);
    CHECK(strstr(json, "\"lut_calibrated\": true") != NULL);
    CHECK(strstr(json, "\"lut_freeze_outside_target\": true") != NULL);
    xbar_params_free(p);
}

int main(void) {
    test_conductances();
    test_drift_compensation();
    test_lookup_table_switches();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
