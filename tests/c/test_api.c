/*
 * End-to-end test of the xbar C API (include/xbar.h) against the built
 * library: versions, parameters, cores, the f32 and complex twins, and every
 * error path. After each failure it checks that the status is the expected
 * one, that xbar_last_error_message() is non-empty (and names what it
 * should), that handle out-parameters are NULL and that outputs are
 * untouched.
 *
 * C11; build and run with tests/c/run.sh. Prints one line per failed check
 * and closes with "N passed, M failed"; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, pthreads */

#include "xbar.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

static void check(int ok, int line, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL line %d: %s\n", line, what);
    }
}
#define CHECK(cond) check((cond) != 0, __LINE__, #cond)

static const char *status_name(xbar_status s) {
    static const char *const names[] = {
        "XBAR_OK", "XBAR_ERR_NULL_ARGUMENT", "XBAR_ERR_INVALID_ARGUMENT", "XBAR_ERR_SHAPE",
        "XBAR_ERR_PARAMS", "XBAR_ERR_PARSE", "XBAR_ERR_UNSUPPORTED",
        "XBAR_ERR_BACKEND_UNAVAILABLE", "XBAR_ERR_NOT_PROGRAMMED", "XBAR_ERR_NO_CONVERGENCE",
        "XBAR_ERR_BUFFER_TOO_SMALL", "XBAR_ERR_OUT_OF_MEMORY", "XBAR_ERR_IO",
        "XBAR_ERR_INTERNAL"};
    int i = (int)s;
    return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : "(out of range)";
}

/*
 * Checks that `got` is `want`. For a failure status it also checks that the
 * last error message is non-empty and contains `needle1` and `needle2` (each
 * may be NULL).
 */
static void expect(xbar_status got, xbar_status want, const char *needle1, const char *needle2,
                   const char *expr, int line) {
    if (got != want) {
        failed++;
        printf("FAIL line %d: %s\n    returned %s, expected %s; last error: \"%s\"\n", line,
               expr, status_name(got), status_name(want), xbar_last_error_message());
        return;
    }
    passed++;
    if (want == XBAR_OK) {
        return;
    }
    const char *msg = xbar_last_error_message();
    if (msg == NULL || msg[0] == '\0') {
        failed++;
        printf("FAIL line %d: %s\n    failed without a last error message\n", line, expr);
        return;
    }
    passed++;
    const char *needles[2] = {needle1, needle2};
    for (int i = 0; i < 2; i++) {
        if (needles[i] == NULL) {
            continue;
        }
        if (strstr(msg, needles[i]) == NULL) {
            failed++;
            printf("FAIL line %d: %s\n    message \"%s\" does not contain \"%s\"\n", line, expr,
                   msg, needles[i]);
        } else {
            passed++;
        }
    }
}
#define EXPECT_OK(call) expect((call), XBAR_OK, NULL, NULL, #call, __LINE__)
#define EXPECT_ERR(call, status) expect((call), (status), NULL, NULL, #call, __LINE__)
#define EXPECT_ERR_MSG(call, status, n1, n2) expect((call), (status), (n1), (n2), #call, __LINE__)

/* ------------------------------------------------------------------ helpers */

#define SENTINEL 12345.0
#define SENTINEL_F 12345.0f

static void fill(double *v, size_t n, double value) {
    for (size_t i = 0; i < n; i++) v[i] = value;
}
static void fill_f(float *v, size_t n, float value) {
    for (size_t i = 0; i < n; i++) v[i] = value;
}
static int untouched(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] != SENTINEL) return 0;
    return 1;
}
static int untouched_f(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] != SENTINEL_F) return 0;
    return 1;
}

/*
 * |got - want| <= tol * max(1, max |want|) elementwise. The default
 * parameters are ideal (no noise, no quantisation), so the only error left
 * is the rounding of conductances and intermediate sums: the library stores
 * conductances in single precision on some paths (relative ~6e-8), hence
 * 1e-6 for double outputs, and 1e-5 for float outputs (their own rounding
 * ~6e-8 relative on top, summed over a few terms).
 */
static int close_to(const double *got, const double *want, size_t n, double tol) {
    double scale = 1.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(want[i]) > scale) scale = fabs(want[i]);
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol * scale)) return 0;
    return 1;
}
static int close_to_f(const float *got, const double *want, size_t n, double tol) {
    double g[64];
    for (size_t i = 0; i < n && i < 64; i++) g[i] = (double)got[i];
    return n <= 64 && close_to(g, want, n, tol);
}

#define TOL 1e-6
#define TOL_F 1e-5

/* The test matrix: 3 x 2, dyadic entries. */
enum { ROWS = 3, COLS = 2, BATCH = 3 };
static const double W_RM[ROWS * COLS] = {0.5, -0.25, 1.0, 0.75, 0.0, -1.0};
static const double W_CM[ROWS * COLS] = {0.5, 1.0, 0.0, -0.25, 0.75, -1.0};
static const double X[BATCH * COLS] = {1.0, 2.0, -1.0, 0.5, 0.25, -4.0};
static const double V[BATCH * ROWS] = {1.0, -0.5, 2.0, 0.0, 1.0, 0.0, -1.0, 0.25, 0.5};

/* y[b, i] = sum_j W[i, j] x[b, j] */
static void exact_mvm(const double *x, double *y) {
    for (int b = 0; b < BATCH; b++)
        for (int i = 0; i < ROWS; i++) {
            double s = 0.0;
            for (int j = 0; j < COLS; j++) s += W_RM[i * COLS + j] * x[b * COLS + j];
            y[b * ROWS + i] = s;
        }
}
/* y[b, j] = sum_i v[b, i] W[i, j] */
static void exact_vmm(const double *v, double *y) {
    for (int b = 0; b < BATCH; b++)
        for (int j = 0; j < COLS; j++) {
            double s = 0.0;
            for (int i = 0; i < ROWS; i++) s += v[b * ROWS + i] * W_RM[i * COLS + j];
            y[b * COLS + j] = s;
        }
}

/* ------------------------------------------------------------------ library */

static void *thread_last_error(void *arg) {
    (void)arg;
    /* A fresh thread has no last error, whatever other threads did. */
    return (void *)(uintptr_t)(strcmp(xbar_last_error_message(), "") == 0);
}

static void test_library(void) {
    /* Before any failure on this thread the message is empty. */
    CHECK(xbar_last_error_message() != NULL);
    CHECK(strcmp(xbar_last_error_message(), "") == 0);

    CHECK(XBAR_VERSION_NUMBER ==
          ((XBAR_VERSION_MAJOR << 16) | (XBAR_VERSION_MINOR << 8) | XBAR_VERSION_PATCH));
    CHECK(xbar_version_number() == XBAR_VERSION_NUMBER);
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR,
             XBAR_VERSION_PATCH);
    CHECK(xbar_version() != NULL && strcmp(xbar_version(), expected) == 0);

    /* Values of the status enum are fixed. */
    CHECK(XBAR_OK == 0);
    CHECK(XBAR_ERR_NULL_ARGUMENT == 1);
    CHECK(XBAR_ERR_SHAPE == 3);
    CHECK(XBAR_ERR_BUFFER_TOO_SMALL == 10);
    CHECK(XBAR_ERR_INTERNAL == 13);
    CHECK(XBAR_ROW_MAJOR == 0u && XBAR_COL_MAJOR == 1u);

    /* Every code has its own non-empty text; others are "unknown status". */
    for (int i = XBAR_OK; i <= XBAR_ERR_INTERNAL; i++) {
        const char *s = xbar_status_string((xbar_status)i);
        CHECK(s != NULL && s[0] != '\0' && strcmp(s, "unknown status") != 0);
        for (int j = XBAR_OK; j < i; j++)
            CHECK(strcmp(s, xbar_status_string((xbar_status)j)) != 0);
    }
    CHECK(strcmp(xbar_status_string((xbar_status)14), "unknown status") == 0);
    CHECK(strcmp(xbar_status_string((xbar_status)-1), "unknown status") == 0);
    CHECK(strcmp(xbar_status_string((xbar_status)1000000), "unknown status") == 0);

    EXPECT_OK(xbar_set_num_threads(2));
    EXPECT_OK(xbar_set_num_threads(0));
}

static void test_thread_local_error(void) {
    xbar_params *p = NULL;
    EXPECT_ERR(xbar_params_from_json(NULL, &p), XBAR_ERR_NULL_ARGUMENT);
    pthread_t t;
    void *result = NULL;
    CHECK(pthread_create(&t, NULL, thread_last_error, NULL) == 0);
    CHECK(pthread_join(t, &result) == 0);
    CHECK(result == (void *)(uintptr_t)1);
    /* Successful calls leave this thread's message as it is. */
    char *kept = strdup(xbar_last_error_message());
    CHECK(kept != NULL && kept[0] != '\0');
    CHECK(xbar_version_number() == XBAR_VERSION_NUMBER);
    EXPECT_OK(xbar_params_new(&p));
    CHECK(kept != NULL && strcmp(kept, xbar_last_error_message()) == 0);
    xbar_params_free(p);
    free(kept);
}

/* ------------------------------------------------------------------ params */

/* A pointer value that is not NULL, to see that failures overwrite it. */
static xbar_params *junk_params(void) {
    static char junk;
    return (xbar_params *)(void *)&junk;
}
static xbar_core *junk_core(void) {
    static char junk;
    return (xbar_core *)(void *)&junk;
}

/* to_json into a fresh malloc'd buffer (size query then fill); NULL on failure. */
static char *params_json(const xbar_params *p) {
    size_t len = 0;
    if (xbar_params_to_json(p, NULL, 0, &len) != XBAR_ERR_BUFFER_TOO_SMALL || len == 0)
        return NULL;
    char *buf = malloc(len);
    size_t len2 = 0;
    if (buf == NULL || xbar_params_to_json(p, buf, len, &len2) != XBAR_OK || len2 != len) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_params(void) {
    xbar_params *p = junk_params();
    size_t len = 7;
    char small[4] = {'Z', 'Z', 'Z', 'Z'};

    /* new */
    EXPECT_ERR_MSG(xbar_params_new(NULL), XBAR_ERR_NULL_ARGUMENT, "out", NULL);
    EXPECT_OK(xbar_params_new(&p));
    CHECK(p != NULL && p != junk_params());
    xbar_params_free(NULL); /* no-op */

    /* to_json: query the size, then fill */
    len = 0;
    EXPECT_ERR(xbar_params_to_json(p, NULL, 0, &len), XBAR_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 2);
    char *json = malloc(len + 8);
    CHECK(json != NULL);
    if (json == NULL) return;
    memset(json, 'Z', len + 8);
    size_t len2 = 0;
    /* one byte short: BUFFER_TOO_SMALL, buffer untouched, *len still the need */
    EXPECT_ERR_MSG(xbar_params_to_json(p, json, len - 1, &len2), XBAR_ERR_BUFFER_TOO_SMALL,
                   "needed", NULL);
    CHECK(len2 == len);
    CHECK(json[0] == 'Z' && json[len - 2] == 'Z');
    EXPECT_OK(xbar_params_to_json(p, json, len + 8, &len2));
    CHECK(len2 == len && strlen(json) + 1 == len);
    CHECK(json[0] == '{');
    CHECK(json[len] == 'Z'); /* nothing written past the NUL */
    /* to_json errors */
    len2 = 99;
    EXPECT_ERR_MSG(xbar_params_to_json(NULL, json, len, &len2), XBAR_ERR_NULL_ARGUMENT, "`p`",
                   NULL);
    CHECK(len2 == 99);
    EXPECT_ERR_MSG(xbar_params_to_json(p, json, len, NULL), XBAR_ERR_NULL_ARGUMENT, "`len`",
                   NULL);
    EXPECT_ERR_MSG(xbar_params_to_json(p, NULL, 10, &len2), XBAR_ERR_NULL_ARGUMENT, "`buf`",
                   NULL);
    CHECK(len2 == 99);

    /* from_json: round trip */
    xbar_params *q = junk_params();
    EXPECT_OK(xbar_params_from_json(json, &q));
    CHECK(q != junk_params());
    if (q != junk_params() && q != NULL) {
        char *json2 = params_json(q);
        CHECK(json2 != NULL && strcmp(json, json2) == 0);
        free(json2);
        xbar_params_free(q);
    }
    /* absent keys keep their defaults */
    q = NULL;
    EXPECT_OK(xbar_params_from_json("{}", &q));
    if (q != NULL) {
        char *json2 = params_json(q);
        CHECK(json2 != NULL && strcmp(json, json2) == 0);
        free(json2);
        xbar_params_free(q);
    }
    /* from_json errors: out is NULL afterwards */
    q = junk_params();
    EXPECT_ERR_MSG(xbar_params_from_json(NULL, &q), XBAR_ERR_NULL_ARGUMENT, "json", NULL);
    CHECK(q == NULL);
    EXPECT_ERR(xbar_params_from_json("{}", NULL), XBAR_ERR_NULL_ARGUMENT);
    q = junk_params();
    EXPECT_ERR(xbar_params_from_json("{not json", &q), XBAR_ERR_PARSE);
    CHECK(q == NULL);
    q = junk_params();
    EXPECT_ERR(xbar_params_from_json("", &q), XBAR_ERR_PARSE);
    CHECK(q == NULL);
    q = junk_params();
    EXPECT_ERR_MSG(xbar_params_from_json("{\"xbar\": {\"no_such_key\": 1}}", &q), XBAR_ERR_PARAMS,
                   "no_such_key", NULL);
    CHECK(q == NULL);
    q = junk_params();
    EXPECT_ERR(xbar_params_from_json("{\"xbar\": {\"adc\": {\"mvm\": {\"bits\": \"eight\"}}}}", &q),
               XBAR_ERR_PARAMS);
    CHECK(q == NULL);
    q = junk_params();
    EXPECT_ERR(xbar_params_from_json("\xff\xfe{}", &q), XBAR_ERR_PARSE);
    CHECK(q == NULL);

    /* set / get */
    EXPECT_OK(xbar_params_set(p, "xbar.adc.mvm.bits", "8"));
    len = 0;
    EXPECT_ERR(xbar_params_get(p, "xbar.adc.mvm.bits", NULL, 0, &len), XBAR_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 2);
    char value[64];
    memset(value, 'Z', sizeof value);
    EXPECT_OK(xbar_params_get(p, "xbar.adc.mvm.bits", value, sizeof value, &len));
    CHECK(len == 2 && strcmp(value, "8") == 0);
    /* a group path gives an object */
    EXPECT_ERR(xbar_params_get(p, "xbar.adc.mvm", NULL, 0, &len), XBAR_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 2);
    /* cap too small: buffer untouched */
    EXPECT_ERR(xbar_params_get(p, "xbar.adc.mvm.bits", small, 1, &len), XBAR_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 2 && small[0] == 'Z');
    /* set errors leave p unchanged */
    char *before = params_json(p);
    CHECK(before != NULL);
    EXPECT_ERR_MSG(xbar_params_set(p, "xbar.adc.mvm.no_such_key", "1"), XBAR_ERR_PARAMS,
                   "no_such_key", NULL);
    EXPECT_ERR(xbar_params_set(p, "xbar.adc.mvm.bits", "{"), XBAR_ERR_PARSE);
    EXPECT_ERR(xbar_params_set(p, "xbar.adc.mvm.bits", "\"eight\""), XBAR_ERR_PARAMS);
    EXPECT_ERR_MSG(xbar_params_set(NULL, "xbar.adc.mvm.bits", "8"), XBAR_ERR_NULL_ARGUMENT, "`p`",
                   NULL);
    EXPECT_ERR_MSG(xbar_params_set(p, NULL, "8"), XBAR_ERR_NULL_ARGUMENT, "`path`", NULL);
    EXPECT_ERR_MSG(xbar_params_set(p, "xbar.adc.mvm.bits", NULL), XBAR_ERR_NULL_ARGUMENT,
                   "`json_value`", NULL);
    char *after = params_json(p);
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    free(before);
    free(after);
    /* get errors: outputs untouched */
    len = 99;
    memset(value, 'Z', sizeof value);
    EXPECT_ERR_MSG(xbar_params_get(p, "xbar.no_such_group.bits", value, sizeof value, &len),
                   XBAR_ERR_PARAMS, "no_such_group", NULL);
    CHECK(len == 99 && value[0] == 'Z');
    EXPECT_ERR(xbar_params_get(NULL, "xbar.adc.mvm.bits", value, sizeof value, &len),
               XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_params_get(p, NULL, value, sizeof value, &len), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_params_get(p, "xbar.adc.mvm.bits", value, sizeof value, NULL),
               XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_params_get(p, "xbar.adc.mvm.bits", NULL, 8, &len), XBAR_ERR_NULL_ARGUMENT);
    CHECK(len == 99 && value[0] == 'Z');

    /* presets */
    static const char *const presets[] = {"default", "ISAAC", "ISAAC-SarADC", "PRIME",
                                          "SONOS-TCAS"};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        q = NULL;
        EXPECT_OK(xbar_params_preset(presets[i], &q));
        CHECK(q != NULL);
        xbar_params_free(q);
    }
    q = junk_params();
    EXPECT_ERR_MSG(xbar_params_preset("no-such-preset", &q), XBAR_ERR_PARAMS, "no-such-preset",
                   NULL);
    CHECK(q == NULL);
    q = junk_params();
    EXPECT_ERR(xbar_params_preset(NULL, &q), XBAR_ERR_NULL_ARGUMENT);
    CHECK(q == NULL);
    EXPECT_ERR(xbar_params_preset("ISAAC", NULL), XBAR_ERR_NULL_ARGUMENT);

    free(json);
    xbar_params_free(p);
}

/* ------------------------------------------------------------------ cores */

static void test_core_new(void) {
    xbar_params *p = NULL;
    EXPECT_OK(xbar_params_new(&p));
    xbar_core *c = junk_core();
    EXPECT_ERR_MSG(xbar_core_new(NULL, ROWS, COLS, 1, &c), XBAR_ERR_NULL_ARGUMENT, "`p`", NULL);
    CHECK(c == NULL);
    EXPECT_ERR(xbar_core_new(p, ROWS, COLS, 1, NULL), XBAR_ERR_NULL_ARGUMENT);
    c = junk_core();
    EXPECT_OK(xbar_core_new(p, ROWS, COLS, 1, &c));
    CHECK(c != NULL && c != junk_core());
    /* the core copies p: freeing p does not affect it */
    xbar_params_free(p);
    CHECK(xbar_core_rows(c) == ROWS && xbar_core_cols(c) == COLS);
    CHECK(xbar_core_rows(NULL) == 0 && xbar_core_cols(NULL) == 0);
    xbar_core_free(c);
    xbar_core_free(NULL); /* no-op */
}

/* Every error path of a real core before and after programming. */
static void test_core_errors(xbar_core *c) {
    double y[BATCH * ROWS + 8];
    double w[ROWS * COLS + 8];
    double bad[BATCH * ROWS];
    size_t ny = sizeof y / sizeof y[0];
    size_t nw = sizeof w / sizeof w[0];

    /* program */
    EXPECT_ERR_MSG(xbar_core_program(NULL, W_RM, ROWS, COLS, XBAR_ROW_MAJOR),
                   XBAR_ERR_NULL_ARGUMENT, "`c`", NULL);
    EXPECT_ERR_MSG(xbar_core_program(c, NULL, ROWS, COLS, XBAR_ROW_MAJOR),
                   XBAR_ERR_NULL_ARGUMENT, "`w`", NULL);
    EXPECT_ERR(xbar_core_program(c, NULL, 0, 0, XBAR_ROW_MAJOR), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_program(c, W_RM, ROWS, COLS, 2u), XBAR_ERR_INVALID_ARGUMENT,
                   "layout", NULL);
    EXPECT_ERR_MSG(xbar_core_program(c, W_RM, ROWS + 1, COLS, XBAR_ROW_MAJOR), XBAR_ERR_SHAPE,
                   "expected 3", "4");
    EXPECT_ERR_MSG(xbar_core_program(c, W_RM, ROWS, COLS - 1, XBAR_COL_MAJOR), XBAR_ERR_SHAPE,
                   "expected 2", "1");
    memcpy(bad, W_RM, sizeof W_RM);
    bad[3] = NAN;
    EXPECT_ERR_MSG(xbar_core_program(c, bad, ROWS, COLS, XBAR_ROW_MAJOR),
                   XBAR_ERR_INVALID_ARGUMENT, "w[3]", "NaN");
    bad[3] = 0.0;
    bad[5] = -INFINITY;
    EXPECT_ERR_MSG(xbar_core_program(c, bad, ROWS, COLS, XBAR_ROW_MAJOR),
                   XBAR_ERR_INVALID_ARGUMENT, "w[5]", "inf");

    /* read */
    fill(w, nw, SENTINEL);
    EXPECT_ERR(xbar_core_read(NULL, w, ROWS, COLS, XBAR_ROW_MAJOR), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_read(c, NULL, ROWS, COLS, XBAR_ROW_MAJOR), XBAR_ERR_NULL_ARGUMENT,
                   "`w_out`", NULL);
    EXPECT_ERR(xbar_core_read(c, w, ROWS, COLS, 7u), XBAR_ERR_INVALID_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_read(c, w, COLS, ROWS, XBAR_ROW_MAJOR), XBAR_ERR_SHAPE,
                   "expected 3", NULL);
    CHECK(untouched(w, nw));

    /* mvm */
    double x[BATCH * COLS];
    memcpy(x, X, sizeof X);
    fill(y, ny, SENTINEL);
    EXPECT_ERR_MSG(xbar_core_mvm(NULL, x, BATCH, COLS, y, ROWS), XBAR_ERR_NULL_ARGUMENT, "`c`",
                   NULL);
    EXPECT_ERR_MSG(xbar_core_mvm(c, NULL, BATCH, COLS, y, ROWS), XBAR_ERR_NULL_ARGUMENT, "`x`",
                   NULL);
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, BATCH, COLS, NULL, ROWS), XBAR_ERR_NULL_ARGUMENT, "`y`",
                   NULL);
    EXPECT_ERR(xbar_core_mvm(c, NULL, 0, COLS, y, ROWS), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, BATCH, COLS + 3, y, ROWS), XBAR_ERR_SHAPE, "expected 2",
                   "5");
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, BATCH, COLS, y, ROWS - 1), XBAR_ERR_SHAPE, "expected 3",
                   "2");
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, SIZE_MAX / 2 + 1, COLS, y, ROWS), XBAR_ERR_SHAPE,
                   "overflow", NULL);
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, SIZE_MAX / 16, COLS, y, ROWS), XBAR_ERR_SHAPE, "overflow",
                   NULL);
    x[4] = NAN;
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, BATCH, COLS, y, ROWS), XBAR_ERR_INVALID_ARGUMENT, "x[4]",
                   "NaN");
    x[4] = INFINITY;
    EXPECT_ERR_MSG(xbar_core_mvm(c, x, BATCH, COLS, y, ROWS), XBAR_ERR_INVALID_ARGUMENT, "x[4]",
                   "inf");
    memcpy(x, X, sizeof X);
    /* the output overlapping the input */
    memcpy(y, X, sizeof X);
    EXPECT_ERR_MSG(xbar_core_mvm(c, y, BATCH, COLS, y + 1, ROWS), XBAR_ERR_INVALID_ARGUMENT,
                   "overlap", NULL);
    CHECK(memcmp(y, X, sizeof X) == 0);
    fill(y, ny, SENTINEL);
    CHECK(untouched(y, ny));

    /* vmm */
    double v[BATCH * ROWS];
    memcpy(v, V, sizeof V);
    EXPECT_ERR(xbar_core_vmm(NULL, v, BATCH, ROWS, y, COLS), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_vmm(c, NULL, BATCH, ROWS, y, COLS), XBAR_ERR_NULL_ARGUMENT, "`v`",
                   NULL);
    EXPECT_ERR(xbar_core_vmm(c, v, BATCH, ROWS, NULL, COLS), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_vmm(c, v, BATCH, COLS, y, COLS), XBAR_ERR_SHAPE, "expected 3", "2");
    EXPECT_ERR_MSG(xbar_core_vmm(c, v, BATCH, ROWS, y, ROWS), XBAR_ERR_SHAPE, "expected 2", "3");
    EXPECT_ERR(xbar_core_vmm(c, v, SIZE_MAX / 2, ROWS, y, COLS), XBAR_ERR_SHAPE);
    v[8] = -INFINITY;
    EXPECT_ERR_MSG(xbar_core_vmm(c, v, BATCH, ROWS, y, COLS), XBAR_ERR_INVALID_ARGUMENT, "v[8]",
                   NULL);
    CHECK(untouched(y, ny));

    /* f32 twins */
    float yf[BATCH * ROWS];
    float xf[BATCH * COLS] = {1.0f, 2.0f, -1.0f, 0.5f, 0.25f, -4.0f};
    float wf[ROWS * COLS] = {0.5f, -0.25f, 1.0f, 0.75f, 0.0f, -1.0f};
    fill_f(yf, BATCH * ROWS, SENTINEL_F);
    EXPECT_ERR(xbar_core_program_f32(c, NULL, ROWS, COLS, XBAR_ROW_MAJOR),
               XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_program_f32(c, wf, ROWS, COLS, 3u), XBAR_ERR_INVALID_ARGUMENT);
    EXPECT_ERR(xbar_core_program_f32(c, wf, COLS, ROWS, XBAR_ROW_MAJOR), XBAR_ERR_SHAPE);
    wf[0] = NAN;
    EXPECT_ERR_MSG(xbar_core_program_f32(c, wf, ROWS, COLS, XBAR_ROW_MAJOR),
                   XBAR_ERR_INVALID_ARGUMENT, "w[0]", NULL);
    EXPECT_ERR(xbar_core_read_f32(c, NULL, ROWS, COLS, XBAR_ROW_MAJOR), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_read_f32(c, yf, ROWS, COLS, 9u), XBAR_ERR_INVALID_ARGUMENT);
    EXPECT_ERR(xbar_core_mvm_f32(c, NULL, BATCH, COLS, yf, ROWS), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_mvm_f32(c, xf, BATCH, ROWS, yf, ROWS), XBAR_ERR_SHAPE);
    xf[1] = INFINITY;
    EXPECT_ERR_MSG(xbar_core_mvm_f32(c, xf, BATCH, COLS, yf, ROWS), XBAR_ERR_INVALID_ARGUMENT,
                   "x[1]", NULL);
    EXPECT_ERR(xbar_core_vmm_f32(c, xf, BATCH, ROWS, NULL, COLS), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_vmm_f32(c, xf, BATCH, ROWS, yf, ROWS), XBAR_ERR_SHAPE);
    CHECK(untouched_f(yf, BATCH * ROWS));

    /* update and set_time */
    double d[BATCH * ROWS] = {0};
    memcpy(x, X, sizeof X);
    EXPECT_ERR(xbar_core_update(NULL, x, d, BATCH, 0.1), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_update(c, NULL, d, BATCH, 0.1), XBAR_ERR_NULL_ARGUMENT, "`x`", NULL);
    EXPECT_ERR_MSG(xbar_core_update(c, x, NULL, BATCH, 0.1), XBAR_ERR_NULL_ARGUMENT, "`d`", NULL);
    EXPECT_ERR_MSG(xbar_core_update(c, x, d, BATCH, NAN), XBAR_ERR_INVALID_ARGUMENT, "lr", NULL);
    EXPECT_ERR(xbar_core_update(c, x, d, SIZE_MAX / 2, 0.1), XBAR_ERR_SHAPE);
    d[2] = NAN;
    EXPECT_ERR_MSG(xbar_core_update(c, x, d, BATCH, 0.1), XBAR_ERR_INVALID_ARGUMENT, "d[2]", NULL);
    float df[BATCH * ROWS] = {0};
    EXPECT_ERR(xbar_core_update_f32(c, NULL, df, BATCH, 0.1f), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_update_f32(c, xf, df, BATCH, INFINITY), XBAR_ERR_INVALID_ARGUMENT);
    EXPECT_ERR(xbar_core_set_time(NULL, 1.0), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_set_time(c, NAN), XBAR_ERR_INVALID_ARGUMENT, "seconds", NULL);
    EXPECT_ERR(xbar_core_set_time(c, INFINITY), XBAR_ERR_INVALID_ARGUMENT);
}

static void test_core_real(void) {
    xbar_params *p = NULL;
    xbar_core *c = NULL;
    EXPECT_OK(xbar_params_new(&p));
    EXPECT_OK(xbar_core_new(p, ROWS, COLS, 42, &c));
    if (c == NULL) {
        xbar_params_free(p);
        return;
    }

    /* before program */
    double y[BATCH * ROWS];
    double w[ROWS * COLS];
    fill(y, BATCH * ROWS, SENTINEL);
    fill(w, ROWS * COLS, SENTINEL);
    EXPECT_ERR(xbar_core_mvm(c, X, BATCH, COLS, y, ROWS), XBAR_ERR_NOT_PROGRAMMED);
    EXPECT_ERR(xbar_core_vmm(c, V, BATCH, ROWS, y, COLS), XBAR_ERR_NOT_PROGRAMMED);
    EXPECT_ERR(xbar_core_read(c, w, ROWS, COLS, XBAR_ROW_MAJOR), XBAR_ERR_NOT_PROGRAMMED);
    CHECK(untouched(y, BATCH * ROWS) && untouched(w, ROWS * COLS));

    test_core_errors(c);

    /* program row-major, read back both ways */
    EXPECT_OK(xbar_core_program(c, W_RM, ROWS, COLS, XBAR_ROW_MAJOR));
    EXPECT_OK(xbar_core_read(c, w, ROWS, COLS, XBAR_ROW_MAJOR));
    CHECK(close_to(w, W_RM, ROWS * COLS, TOL));
    EXPECT_OK(xbar_core_read(c, w, ROWS, COLS, XBAR_COL_MAJOR));
    CHECK(close_to(w, W_CM, ROWS * COLS, TOL));

    /* mvm and vmm, batch 3 */
    double want_y[BATCH * ROWS], want_v[BATCH * COLS];
    exact_mvm(X, want_y);
    exact_vmm(V, want_v);
    EXPECT_OK(xbar_core_mvm(c, X, BATCH, COLS, y, ROWS));
    CHECK(close_to(y, want_y, BATCH * ROWS, TOL));
    double yv[BATCH * COLS];
    EXPECT_OK(xbar_core_vmm(c, V, BATCH, ROWS, yv, COLS));
    CHECK(close_to(yv, want_v, BATCH * COLS, TOL));
    /* batch 0 is valid and writes nothing */
    fill(y, BATCH * ROWS, SENTINEL);
    EXPECT_OK(xbar_core_mvm(c, X, 0, COLS, y, ROWS));
    CHECK(untouched(y, BATCH * ROWS));

    /* the same error paths on a programmed core */
    test_core_errors(c);

    /* update with zero errors leaves the weights; without a drift model the
       arrays do not change with time */
    double d[BATCH * ROWS] = {0};
    EXPECT_OK(xbar_core_update(c, X, d, BATCH, 0.1)); /* d = 0: no change */
    EXPECT_ERR_MSG(xbar_core_update(c, X, d, BATCH, -0.1), XBAR_ERR_INVALID_ARGUMENT, "lr", NULL);
    float xf[BATCH * COLS] = {0}, df[BATCH * ROWS] = {0};
    EXPECT_OK(xbar_core_update_f32(c, xf, df, BATCH, 0.1f));
    double before[ROWS * COLS], after[ROWS * COLS];
    EXPECT_OK(xbar_core_read(c, before, ROWS, COLS, XBAR_ROW_MAJOR));
    EXPECT_OK(xbar_core_set_time(c, 3600.0));
    EXPECT_OK(xbar_core_read(c, after, ROWS, COLS, XBAR_ROW_MAJOR));
    CHECK(memcmp(before, after, sizeof before) == 0);

    /* a real core cannot be programmed with a complex matrix */
    double wc[2 * ROWS * COLS] = {0};
    xbar_status s = xbar_core_program_complex(c, wc, ROWS, COLS, XBAR_ROW_MAJOR);
    CHECK(s != XBAR_OK && xbar_last_error_message()[0] != '\0');

    /* program column-major on a second core: same matrix, same products */
    xbar_core *c2 = junk_core();
    EXPECT_OK(xbar_core_new(p, ROWS, COLS, 42, &c2));
    if (c2 != NULL && c2 != junk_core()) {
        EXPECT_OK(xbar_core_program(c2, W_CM, ROWS, COLS, XBAR_COL_MAJOR));
        EXPECT_OK(xbar_core_read(c2, w, ROWS, COLS, XBAR_ROW_MAJOR));
        CHECK(close_to(w, W_RM, ROWS * COLS, TOL));
        EXPECT_OK(xbar_core_mvm(c2, X, BATCH, COLS, y, ROWS));
        CHECK(close_to(y, want_y, BATCH * ROWS, TOL));
        xbar_core_free(c2);
    }

    /* f32 twins on a third core */
    xbar_core *c3 = NULL;
    EXPECT_OK(xbar_core_new(p, ROWS, COLS, 7, &c3));
    if (c3 != NULL) {
        float wf[ROWS * COLS], yf[BATCH * ROWS], yvf[BATCH * COLS];
        float xf3[BATCH * COLS], vf[BATCH * ROWS];
        for (int i = 0; i < ROWS * COLS; i++) wf[i] = (float)W_CM[i];
        for (int i = 0; i < BATCH * COLS; i++) xf3[i] = (float)X[i];
        for (int i = 0; i < BATCH * ROWS; i++) vf[i] = (float)V[i];
        EXPECT_OK(xbar_core_program_f32(c3, wf, ROWS, COLS, XBAR_COL_MAJOR));
        EXPECT_OK(xbar_core_read_f32(c3, wf, ROWS, COLS, XBAR_ROW_MAJOR));
        CHECK(close_to_f(wf, W_RM, ROWS * COLS, TOL_F));
        EXPECT_OK(xbar_core_mvm_f32(c3, xf3, BATCH, COLS, yf, ROWS));
        CHECK(close_to_f(yf, want_y, BATCH * ROWS, TOL_F));
        EXPECT_OK(xbar_core_vmm_f32(c3, vf, BATCH, ROWS, yvf, COLS));
        CHECK(close_to_f(yvf, want_v, BATCH * COLS, TOL_F));
        xbar_core_free(c3);
    }

    xbar_core_free(c);
    xbar_params_free(p);
}

/* ------------------------------------------------------------------ complex */

enum { CR = 2, CC = 3, CB = 2 };
/* W (2 x 3) as interleaved (re, im), row-major */
static const double WC_RM[2 * CR * CC] = {1.0, 0.5, -0.25, 0.0, 0.0, 1.0,
                                          0.0, -0.5, 0.75, -1.0, 0.5, 0.25};

static void complex_at(const double *a, size_t k, double *re, double *im) {
    *re = a[2 * k];
    *im = a[2 * k + 1];
}

static void test_core_complex(void) {
    xbar_params *p = NULL;
    xbar_core *c = NULL;
    EXPECT_OK(xbar_params_new(&p));
    EXPECT_OK(xbar_params_set(p, "core.complex_matrix", "true"));
    EXPECT_OK(xbar_core_new(p, CR, CC, 3, &c));
    if (c == NULL) {
        xbar_params_free(p);
        return;
    }
    /* W in column-major, for a column-major program */
    double wc_cm[2 * CR * CC];
    for (int i = 0; i < CR; i++)
        for (int j = 0; j < CC; j++) {
            wc_cm[2 * (i + j * CR)] = WC_RM[2 * (i * CC + j)];
            wc_cm[2 * (i + j * CR) + 1] = WC_RM[2 * (i * CC + j) + 1];
        }
    double x[2 * CB * CC] = {1.0, 0.0, 0.5, -0.5, -1.0, 2.0, 0.0, 1.0, 0.25, 0.0, 1.0, 1.0};
    double v[2 * CB * CR] = {1.0, 1.0, -0.5, 0.0, 0.0, -1.0, 2.0, 0.5};
    double want_y[2 * CB * CR], want_v[2 * CB * CC];
    for (int b = 0; b < CB; b++) {
        for (int i = 0; i < CR; i++) {
            double sr = 0.0, si = 0.0;
            for (int j = 0; j < CC; j++) {
                double wr, wi, xr, xi;
                complex_at(WC_RM, (size_t)(i * CC + j), &wr, &wi);
                complex_at(x, (size_t)(b * CC + j), &xr, &xi);
                sr += wr * xr - wi * xi;
                si += wr * xi + wi * xr;
            }
            want_y[2 * (b * CR + i)] = sr;
            want_y[2 * (b * CR + i) + 1] = si;
        }
        for (int j = 0; j < CC; j++) {
            double sr = 0.0, si = 0.0;
            for (int i = 0; i < CR; i++) {
                double wr, wi, vr, vi;
                complex_at(WC_RM, (size_t)(i * CC + j), &wr, &wi);
                complex_at(v, (size_t)(b * CR + i), &vr, &vi);
                sr += vr * wr - vi * wi;
                si += vr * wi + vi * wr;
            }
            want_v[2 * (b * CC + j)] = sr;
            want_v[2 * (b * CC + j) + 1] = si;
        }
    }

    double y[2 * CB * CR + 4], yv[2 * CB * CC], w[2 * CR * CC];
    size_t ny = sizeof y / sizeof y[0];
    /* error paths */
    fill(y, ny, SENTINEL);
    EXPECT_ERR(xbar_core_program_complex(NULL, WC_RM, CR, CC, XBAR_ROW_MAJOR),
               XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_program_complex(c, NULL, CR, CC, XBAR_ROW_MAJOR), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_program_complex(c, WC_RM, CR, CC, 5u), XBAR_ERR_INVALID_ARGUMENT);
    EXPECT_ERR(xbar_core_program_complex(c, WC_RM, CC, CR, XBAR_ROW_MAJOR), XBAR_ERR_SHAPE);
    double bad[2 * CR * CC];
    memcpy(bad, WC_RM, sizeof bad);
    bad[7] = NAN;
    EXPECT_ERR_MSG(xbar_core_program_complex(c, bad, CR, CC, XBAR_ROW_MAJOR),
                   XBAR_ERR_INVALID_ARGUMENT, "w[7]", NULL);
    EXPECT_ERR(xbar_core_mvm_complex(c, x, CB, CC, y, CR), XBAR_ERR_NOT_PROGRAMMED);
    EXPECT_ERR(xbar_core_mvm_complex(c, NULL, CB, CC, y, CR), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_mvm_complex(c, x, CB, CR, y, CR), XBAR_ERR_SHAPE);
    EXPECT_ERR(xbar_core_mvm_complex(c, x, SIZE_MAX / 4, CC, y, CR), XBAR_ERR_SHAPE);
    EXPECT_ERR(xbar_core_vmm_complex(c, v, CB, CR, NULL, CC), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_vmm_complex(c, v, CB, CC, yv, CC), XBAR_ERR_SHAPE);
    EXPECT_ERR(xbar_core_read_complex(c, NULL, CR, CC, XBAR_ROW_MAJOR), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_read_complex(c, w, CR, CC, 2u), XBAR_ERR_INVALID_ARGUMENT);
    CHECK(untouched(y, ny));

    /* program column-major, read row-major */
    EXPECT_OK(xbar_core_program_complex(c, wc_cm, CR, CC, XBAR_COL_MAJOR));
    EXPECT_OK(xbar_core_read_complex(c, w, CR, CC, XBAR_ROW_MAJOR));
    CHECK(close_to(w, WC_RM, 2 * CR * CC, TOL));
    x[5] = INFINITY; /* imaginary part of element 2 */
    fill(y, ny, SENTINEL);
    EXPECT_ERR_MSG(xbar_core_mvm_complex(c, x, CB, CC, y, CR), XBAR_ERR_INVALID_ARGUMENT, "x[5]",
                   NULL);
    CHECK(untouched(y, ny));
    x[5] = 2.0;
    EXPECT_OK(xbar_core_mvm_complex(c, x, CB, CC, y, CR));
    CHECK(close_to(y, want_y, 2 * CB * CR, TOL));
    EXPECT_OK(xbar_core_vmm_complex(c, v, CB, CR, yv, CC));
    CHECK(close_to(yv, want_v, 2 * CB * CC, TOL));

    xbar_core_free(c);
    xbar_params_free(p);
}

/* Measured lookup tables: built from the shared pulse-train data when it is
   present (the project does not ship measurements), loaded, attached to a
   core and used by an update. */
static void test_lut(void) {
    xbar_lut *lut = (xbar_lut *)&passed; /* not NULL: must be cleared on failure */
    EXPECT_ERR(xbar_lut_load(NULL, &lut), XBAR_ERR_NULL_ARGUMENT);
    CHECK(lut == NULL);
    EXPECT_ERR(xbar_lut_load("no/such/folder", NULL), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_lut_load("no/such/folder", &lut), XBAR_ERR_IO, "no/such/folder", NULL);
    CHECK(lut == NULL);
    EXPECT_ERR(xbar_core_set_lut(NULL, NULL), XBAR_ERR_NULL_ARGUMENT);
    xbar_lut_free(NULL);

    const char *set = "../shared/data/measured_pulse_trains/set.csv";
    const char *reset = "../shared/data/measured_pulse_trains/reset.csv";
    FILE *f = fopen(set, "r");
    if (f == NULL) {
        printf("SKIPPED: lookup-table round trip (%s absent)\n", set);
        return;
    }
    fclose(f);
    char dir[] = "/tmp/xbar_lut_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    EXPECT_OK(xbar_lut_from_pulse_trains(set, reset, dir));
    EXPECT_OK(xbar_lut_load(dir, &lut));
    CHECK(lut != NULL);

    xbar_params *p = NULL;
    xbar_core *c = NULL;
    EXPECT_OK(xbar_params_new(&p));
    EXPECT_OK(xbar_core_new(p, 2, 2, 5, &c));
    const double w[4] = {0.0, 0.0, 0.0, 0.0};
    EXPECT_OK(xbar_core_program(c, w, 2, 2, XBAR_ROW_MAJOR));
    EXPECT_OK(xbar_core_set_lut(c, lut));
    xbar_lut_free(lut); /* the core keeps its own reference */
    const double x[2] = {1.0, 1.0}, d[2] = {1.0, -1.0};
    for (int k = 0; k < 20; k++) {
        EXPECT_OK(xbar_core_update(c, x, d, 1, 0.01));
    }
    double r[4];
    EXPECT_OK(xbar_core_read(c, r, 2, 2, XBAR_ROW_MAJOR));
    CHECK(r[0] > 0.0 && r[1] > 0.0 && r[2] < 0.0 && r[3] < 0.0);
    xbar_core_free(c);
    xbar_params_free(p);
    char path[64];
    snprintf(path, sizeof path, "%s/dG_increasing.txt", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/dG_decreasing.txt", dir);
    remove(path);
    remove(dir);
}

/* SPICE export: query the size, fill, the deck's cards; argument errors. */
static void test_export_spice(void) {
    xbar_params *p = NULL;
    xbar_core *c = NULL;
    EXPECT_OK(xbar_params_new(&p));
    EXPECT_OK(xbar_params_set(p, "xbar.array.parasitics", "{\"enable\": true, \"Rp_row\": 1.0, \"Rp_col\": 2.0}"));
    EXPECT_OK(xbar_core_new(p, 2, 2, 5, &c));
    xbar_params_free(p);
    const double w[4] = {0.5, -0.25, 1.0, 0.0}, x[2] = {0.5, -1.0};
    size_t len = 0;
    EXPECT_ERR(xbar_core_export_spice(c, x, 2, NULL, 0, &len), XBAR_ERR_NOT_PROGRAMMED);
    EXPECT_OK(xbar_core_program(c, w, 2, 2, XBAR_ROW_MAJOR));
    EXPECT_ERR(xbar_core_export_spice(c, NULL, 2, NULL, 0, &len), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR(xbar_core_export_spice(c, x, 2, NULL, 0, NULL), XBAR_ERR_NULL_ARGUMENT);
    EXPECT_ERR_MSG(xbar_core_export_spice(c, x, 3, NULL, 0, &len), XBAR_ERR_SHAPE, "n", NULL);
    EXPECT_ERR(xbar_core_export_spice(c, x, 2, NULL, 0, &len), XBAR_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 100);
    char *deck = malloc(len);
    CHECK(deck != NULL);
    if (deck != NULL) {
        size_t len2 = 0;
        EXPECT_OK(xbar_core_export_spice(c, x, 2, deck, len, &len2));
        CHECK(len2 == len && strlen(deck) + 1 == len);
        CHECK(strstr(deck, "VY0 t0 0 DC 0") != NULL && strstr(deck, ".op") != NULL);
        CHECK(strstr(deck, "* xbar i(vy1) = ") != NULL && strstr(deck, "\n.end\n") != NULL);
        free(deck);
    }
    xbar_core_free(c);
}

int main(void) {
    test_library();
    test_lut();
    test_thread_local_error();
    test_params();
    test_core_new();
    test_core_real();
    test_core_complex();
    test_export_spice();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
