/*
 * The C API's cost report: xbar_core_cost_json (query size, then fill; the
 * counts of a hand-counted read; the "isaac-32nm" library's IMA power) and
 * xbar_core_cost_reset, with their argument checks.
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

/* The report of core c, in a fresh buffer (freed by the caller); NULL on failure. */
static char *report(const struct xbar_core *c) {
    size_t len = 0;
    CHECK(xbar_core_cost_json(c, NULL, 0, &len) == XBAR_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 1);
    char *buf = malloc(len);
    size_t len2 = 0;
    CHECK(xbar_core_cost_json(c, buf, len, &len2) == XBAR_OK);
    CHECK(len2 == len && strlen(buf) + 1 == len);
    return buf;
}

/* The number after "key": in the object that follows "section" (and then
 * "sub", unless NULL) in text. */
static double number_in(const char *text, const char *section, const char *sub, const char *key) {
    const char *s = strstr(text, section);
    if (s && sub) s = strstr(s, sub);
    if (!s) return NAN;
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *k = strstr(s, pattern);
    return k ? strtod(k + strlen(pattern), NULL) : NAN;
}

static void test_counts_and_reset(void) {
    struct xbar_params *p = NULL;
    CHECK(xbar_params_new(&p) == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.dac.mvm", "{\"model\": \"QuantizerDAC\", \"bits\": 8}") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.adc.mvm", "{\"model\": \"QuantizerADC\", \"bits\": 8, \"adc_range_option\": \"MAX\"}") == XBAR_OK);
    struct xbar_core *c = NULL;
    CHECK(xbar_core_new(p, 3, 4, 7, &c) == XBAR_OK);
    size_t len = 7;
    char small[4] = "abc";
    CHECK(xbar_core_cost_json(c, small, sizeof small, &len) == XBAR_ERR_NOT_PROGRAMMED && len == 7);
    const double w[12] = {0.5, -0.25, 1.0, 0.0, -1.0, 0.75, 0.125, -0.5, 0.25, 0.5, -0.75, 0.375};
    CHECK(xbar_core_program(c, w, 3, 4, XBAR_ROW_MAJOR) == XBAR_OK);
    const double x[8] = {0.5, -1.0, 0.25, 0.75, 0.1, 0.2, 0.3, 0.4};
    double y[6];
    CHECK(xbar_core_mvm(c, x, 2, 4, y, 3) == XBAR_OK);
    /* Argument checks: nothing written on failure. */
    CHECK(xbar_core_cost_json(NULL, small, sizeof small, &len) == XBAR_ERR_NULL_ARGUMENT && len == 7);
    CHECK(xbar_core_cost_json(c, small, sizeof small, NULL) == XBAR_ERR_NULL_ARGUMENT);
    CHECK(xbar_core_cost_json(c, NULL, 5, &len) == XBAR_ERR_NULL_ARGUMENT && len == 7);
    CHECK(xbar_core_cost_json(c, small, sizeof small, &len) == XBAR_ERR_BUFFER_TOO_SMALL && len > 4);
    CHECK(strcmp(small, "abc") == 0);
    CHECK(xbar_core_cost_reset(NULL) == XBAR_ERR_NULL_ARGUMENT);

    /* A BALANCED pair, 2 vectors: 2 arrays x 4 inputs DAC conversions and 3 ADC conversions per vector. */
    char *r = report(c);
    CHECK(number_in(r, "\"since_program\"", "\"counts\"", "dac") == 16.0);
    CHECK(number_in(r, "\"since_program\"", "\"counts\"", "adc") == 6.0);
    CHECK(number_in(r, "\"since_program\"", "\"counts\"", "array_reads") == 4.0);
    CHECK(number_in(r, "\"since_program\"", NULL, "vectors") == 2.0);
    CHECK(number_in(r, "\"since_program\"", "\"energy_j\"", "total") > 0.0);
    CHECK(number_in(r, "\"area_parts_m2\"", NULL, "adc") > 0.0);
    free(r);
    CHECK(xbar_core_mvm(c, x, 1, 4, y, 3) == XBAR_OK);
    r = report(c);
    CHECK(number_in(r, "\"last_call\"", "\"counts\"", "dac") == 8.0);
    CHECK(number_in(r, "\"since_program\"", "\"counts\"", "dac") == 24.0);
    free(r);
    CHECK(xbar_core_cost_reset(c) == XBAR_OK);
    r = report(c);
    CHECK(number_in(r, "\"since_program\"", "\"counts\"", "dac") == 0.0);
    CHECK(number_in(r, "\"since_program\"", NULL, "calls") == 0.0);
    free(r);
    xbar_core_free(c);
    xbar_params_free(p);
}

static void test_isaac_power(void) {
    /* ISAAC's IMA: 8 offset slices of 2 bits, 16 one-bit input slices, an 8-bit ADC per array. */
    struct xbar_params *p = NULL;
    CHECK(xbar_params_preset("ISAAC", &p) == XBAR_OK);
    CHECK(xbar_params_set(p, "core.offset.style", "\"DIGITAL_OFFSET\"") == XBAR_OK);
    CHECK(xbar_params_set(p, "core.mapping.inputs.mvm", "{\"min\": 0.0, \"max\": 1.0}") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.dac.mvm",
                          "{\"model\": \"QuantizerDAC\", \"bits\": 16, \"signed\": false, "
                          "\"input_bitslicing\": true, \"slice_size\": 1}") == XBAR_OK);
    CHECK(xbar_params_set(p, "xbar.adc.mvm", "{\"model\": \"QuantizerADC\", \"bits\": 8}") == XBAR_OK);
    struct xbar_core *c = NULL;
    CHECK(xbar_core_new(p, 128, 128, 3, &c) == XBAR_OK);
    double *w = malloc(sizeof(double) * 128 * 128);
    for (int k = 0; k < 128 * 128; k++) w[k] = (double)((k * 7919) % 2001 - 1000) / 1000.0;
    CHECK(xbar_core_program(c, w, 128, 128, XBAR_ROW_MAJOR) == XBAR_OK);
    double x[128], y[128];
    for (int k = 0; k < 128; k++) x[k] = (double)(k % 97) / 97.0;
    CHECK(xbar_core_mvm(c, x, 1, 128, y, 128) == XBAR_OK);
    char *r = report(c);
    /* The subtraction of the digital offset lies outside the IMA's analog part. */
    double t = number_in(r, "\"last_call\"", NULL, "latency_s");
    double e = number_in(r, "\"last_call\"", "\"energy_j\"", "total") - number_in(r, "\"last_call\"", "\"energy_j\"", "subtract");
    double mw = e / t * 1e3;
    CHECK(fabs(t - 1.6e-6) < 1e-15);
    CHECK(fabs(mw - 22.6) < 0.226);
    free(r);
    free(w);
    xbar_core_free(c);
    xbar_params_free(p);
}

int main(void) {
    test_counts_and_reset();
    test_isaac_power();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
