/*
 * Saving and restoring a core through the C API: xbar_core_serialize /
 * xbar_core_deserialize (query size, then fill) and xbar_core_save /
 * xbar_core_load. A restored core continues bit for bit as the original;
 * damaged or truncated data is XBAR_ERR_PARSE with a message; a missing
 * folder is XBAR_ERR_IO; every failure leaves *out NULL.
 *
 * C11; built and run by tests/c/run.sh. Prints one line per failed check and
 * closes with "N passed, M failed"; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "xbar.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
/* A failure with a non-empty message containing `needle`. */
#define CHECK_ERR(call, status, needle)                                                          \
    check((call) == (status) && strlen(xbar_last_error_message()) > 0 &&                        \
              strstr(xbar_last_error_message(), (needle)) != NULL,                               \
          __LINE__, #call " == " #status ", message containing " #needle)

enum { ROWS = 6, COLS = 5, BATCH = 3 };

/* Noisy devices, so that equal outputs mean equal random streams. */
static const char *const SETTINGS[][2] = {
    {"xbar.device.programming_error",
     "{\"enable\": true, \"model\": \"NormalProportionalDevice\", \"magnitude\": 0.05}"},
    {"xbar.device.read_noise",
     "{\"enable\": true, \"model\": \"NormalIndependentDevice\", \"magnitude\": 0.02}"},
    {"xbar.device.update", "{\"model\": \"Analytic\", \"alpha\": 1.5, \"write_noise\": 0.1}"},
};

/* One MVM and one update on `c`; returns the MVM outputs in `y`. */
static void step(xbar_core *c, int k, double *y) {
    double x[BATCH * COLS], d[BATCH * ROWS];
    for (int i = 0; i < BATCH * COLS; i++) x[i] = ((i * 7 + k * 3) % 11) / 5.5 - 1.0;
    for (int i = 0; i < BATCH * ROWS; i++) d[i] = ((i * 5 + k) % 13) / 6.5 - 1.0;
    CHECK(xbar_core_mvm(c, x, BATCH, COLS, y, ROWS) == XBAR_OK);
    CHECK(xbar_core_update(c, x, d, BATCH, 0.05) == XBAR_OK);
}

/* Drives `a` and `b` through the same calls; checks the outputs are bit-identical. */
static void same_future(xbar_core *a, xbar_core *b) {
    for (int k = 0; k < 4; k++) {
        double ya[BATCH * ROWS], yb[BATCH * ROWS];
        step(a, k, ya);
        step(b, k, yb);
        CHECK(memcmp(ya, yb, sizeof ya) == 0);
    }
}

int main(void) {
    xbar_params *p = NULL;
    CHECK(xbar_params_new(&p) == XBAR_OK);
    for (size_t i = 0; i < sizeof SETTINGS / sizeof SETTINGS[0]; i++) {
        CHECK(xbar_params_set(p, SETTINGS[i][0], SETTINGS[i][1]) == XBAR_OK);
    }
    xbar_core *a = NULL;
    CHECK(xbar_core_new(p, ROWS, COLS, 2024, &a) == XBAR_OK);
    double w[ROWS * COLS];
    for (int i = 0; i < ROWS * COLS; i++) w[i] = ((i * 3) % 17) / 8.5 - 1.0;
    CHECK(xbar_core_program(a, w, ROWS, COLS, XBAR_ROW_MAJOR) == XBAR_OK);
    double y[BATCH * ROWS];
    step(a, 99, y);

    /* In memory: query the size, then fill. */
    size_t len = 0;
    CHECK_ERR(xbar_core_serialize(a, NULL, 0, &len), XBAR_ERR_BUFFER_TOO_SMALL, "needed");
    CHECK(len > 20);
    uint8_t *buf = malloc(len);
    size_t len2 = 0;
    CHECK_ERR(xbar_core_serialize(a, buf, len - 1, &len2), XBAR_ERR_BUFFER_TOO_SMALL, "needed");
    CHECK(len2 == len);
    CHECK(xbar_core_serialize(a, buf, len, &len2) == XBAR_OK && len2 == len);
    CHECK(memcmp(buf, "XBARCORE", 8) == 0);
    CHECK_ERR(xbar_core_serialize(NULL, buf, len, &len2), XBAR_ERR_NULL_ARGUMENT, "c");
    CHECK_ERR(xbar_core_serialize(a, buf, len, NULL), XBAR_ERR_NULL_ARGUMENT, "len");
    CHECK_ERR(xbar_core_serialize(a, NULL, len, &len2), XBAR_ERR_NULL_ARGUMENT, "buf");

    xbar_core *b = NULL;
    CHECK(xbar_core_deserialize(buf, len, &b) == XBAR_OK && b != NULL);
    same_future(a, b);

    /* Damaged data: *out stays NULL, the message says what is wrong. */
    xbar_core *bad = (xbar_core *)buf; /* any non-NULL value: it must be reset to NULL */
    CHECK_ERR(xbar_core_deserialize(buf, len - 1, &bad), XBAR_ERR_PARSE, "truncated");
    CHECK(bad == NULL);
    buf[len / 2] ^= 0x20;
    CHECK_ERR(xbar_core_deserialize(buf, len, &bad), XBAR_ERR_PARSE, "checksum");
    CHECK(bad == NULL);
    buf[len / 2] ^= 0x20;
    buf[8] = 77;
    CHECK_ERR(xbar_core_deserialize(buf, len, &bad), XBAR_ERR_PARSE, "version 77");
    CHECK_ERR(xbar_core_deserialize((const uint8_t *)"{}", 2, &bad), XBAR_ERR_PARSE, "not a saved");
    CHECK_ERR(xbar_core_deserialize(NULL, 0, &bad), XBAR_ERR_NULL_ARGUMENT, "buf");
    CHECK_ERR(xbar_core_deserialize(buf, len, NULL), XBAR_ERR_NULL_ARGUMENT, "out");
    free(buf);

    /* Files. */
    char dir[] = "/tmp/xbar-c-persist-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], missing[256];
    snprintf(path, sizeof path, "%s/core.xbar", dir);
    snprintf(missing, sizeof missing, "%s/absent/core.xbar", dir);
    CHECK(xbar_core_save(a, path) == XBAR_OK);
    CHECK(xbar_core_save(a, path) == XBAR_OK); /* replaces the file */
    xbar_core *c = NULL;
    CHECK(xbar_core_load(path, &c) == XBAR_OK && c != NULL);
    same_future(a, c);
    CHECK_ERR(xbar_core_save(a, missing), XBAR_ERR_IO, "absent");
    bad = (xbar_core *)dir;
    CHECK_ERR(xbar_core_load(missing, &bad), XBAR_ERR_IO, "absent");
    CHECK(bad == NULL);
    CHECK_ERR(xbar_core_save(NULL, path), XBAR_ERR_NULL_ARGUMENT, "c");
    CHECK_ERR(xbar_core_save(a, NULL), XBAR_ERR_NULL_ARGUMENT, "path");
    CHECK_ERR(xbar_core_load(NULL, &bad), XBAR_ERR_NULL_ARGUMENT, "path");
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL && fputs("not a core", f) >= 0 && fclose(f) == 0);
    CHECK_ERR(xbar_core_load(path, &bad), XBAR_ERR_PARSE, "core.xbar");
    CHECK(bad == NULL);
    CHECK(remove(path) == 0 && rmdir(dir) == 0);

    xbar_core_free(c);
    xbar_core_free(b);
    xbar_core_free(a);
    xbar_params_free(p);
    printf("test_persist: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
