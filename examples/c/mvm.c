/*
 * mvm.c: one matrix on simulated crossbar arrays, through the C API.
 *
 * Programs a 64 x 48 matrix onto arrays with read noise, programming error,
 * an 8-bit DAC and an 8-bit ADC, runs a batch of 16 matrix-vector products
 * and compares them with the exact products. Every call is checked; on a
 * failure the program prints the library's message and exits.
 *
 * Build and run from the repository root (static link, no install needed):
 *
 *   cargo build --release
 *   cc -std=c11 -O2 -Iinclude examples/c/mvm.c target/release/libxbar.a -lm -lpthread -ldl -o target/mvm
 *   target/mvm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "xbar.h"

/* Calls an xbar function; on failure prints where and why, then exits. */
#define CHECK(call)                                                                                \
    do {                                                                                           \
        xbar_status s_ = (call);                                                                   \
        if (s_ != XBAR_OK) {                                                                       \
            fprintf(stderr, "%s:%d: %s\n  %s: %s\n", __FILE__, __LINE__, #call,                   \
                    xbar_status_string(s_), xbar_last_error_message());                            \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

enum { ROWS = 64, COLS = 48, BATCH = 16 };

int main(void) {
    if (xbar_version_number() != XBAR_VERSION_NUMBER) {
        fprintf(stderr, "header %d.%d.%d does not match library %s\n", XBAR_VERSION_MAJOR,
                XBAR_VERSION_MINOR, XBAR_VERSION_PATCH, xbar_version());
        return 1;
    }

    /* The weights W (ROWS x COLS) and the inputs X (BATCH vectors of COLS), row-major. */
    static double w[ROWS * COLS], x[BATCH * COLS], y[BATCH * ROWS], exact[BATCH * ROWS];
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) w[i * COLS + j] = sin(0.37 * i + 1.13 * j);
    for (int b = 0; b < BATCH; b++)
        for (int j = 0; j < COLS; j++) x[b * COLS + j] = cos(0.71 * b - 0.29 * j);
    double scale = 0.0;
    for (int b = 0; b < BATCH; b++)
        for (int i = 0; i < ROWS; i++) {
            double s = 0.0;
            for (int j = 0; j < COLS; j++) s += w[i * COLS + j] * x[b * COLS + j];
            exact[b * ROWS + i] = s;
            if (fabs(s) > scale) scale = fabs(s);
        }

    /* Parameters: defaults, then the non-idealities, each set by its dotted path. */
    xbar_params *p = NULL;
    CHECK(xbar_params_new(&p));
    CHECK(xbar_params_set(p, "xbar.device.programming_error",
                          "{\"enable\": true, \"model\": \"NormalIndependentDevice\", \"magnitude\": 0.005}"));
    CHECK(xbar_params_set(p, "xbar.device.read_noise",
                          "{\"enable\": true, \"model\": \"NormalProportionalDevice\", \"magnitude\": 0.01}"));
    CHECK(xbar_params_set(p, "xbar.dac.mvm", "{\"model\": \"SignMagnitudeDAC\", \"bits\": 8}"));
    /* ADC range in column-current units: with inputs and weights in [-1, 1] on
       the default cells (Gmin/Gmax = 0.1) a current is 0.9 times the output. */
    char adc[160];
    snprintf(adc, sizeof adc,
             "{\"model\": \"QuantizerADC\", \"bits\": 8, \"calibrated_range\": [%.17g, %.17g]}",
             -0.9 * scale, 0.9 * scale);
    CHECK(xbar_params_set(p, "xbar.adc.mvm", adc));

    /* A mistake is reported, not ignored: an unknown parameter path. */
    if (xbar_params_set(p, "xbar.adc.mvm.bitz", "8") != XBAR_OK)
        printf("as expected, a typo is refused: %s\n", xbar_last_error_message());

    /* The core copies the parameters, so they can be freed right away. */
    xbar_core *core = NULL;
    CHECK(xbar_core_new(p, ROWS, COLS, /* seed */ 42, &core));
    xbar_params_free(p);
    CHECK(xbar_core_program(core, w, ROWS, COLS, XBAR_ROW_MAJOR));
    CHECK(xbar_core_mvm(core, x, BATCH, COLS, y, ROWS));

    double err2 = 0.0, ref2 = 0.0;
    for (int k = 0; k < BATCH * ROWS; k++) {
        err2 += (y[k] - exact[k]) * (y[k] - exact[k]);
        ref2 += exact[k] * exact[k];
    }
    printf("xbar %s: %d x %d matrix, batch of %d MVMs\n", xbar_version(), ROWS, COLS, BATCH);
    printf("y[0][0..3]     = % .6f % .6f % .6f\n", y[0], y[1], y[2]);
    printf("exact[0][0..3] = % .6f % .6f % .6f\n", exact[0], exact[1], exact[2]);
    printf("relative RMS error = %.4f %%\n", 100.0 * sqrt(err2 / ref2));

    xbar_core_free(core);
    return 0;
}
