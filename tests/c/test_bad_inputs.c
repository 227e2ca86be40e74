/*
 * The bad-input matrix of the xbar C API: every function of include/xbar.h is
 * called with one argument wrong at a time. The variants are generated from a
 * table that describes each function's arguments (which are handles, data
 * inputs, outputs, sizes, layout codes, scalars, text):
 *
 *   - every pointer argument NULL (also together with a size of 0);
 *   - every size 0, one off, 2^40 and SIZE_MAX; batches whose byte count
 *     overflows; cores of 2^40 and more elements;
 *   - NaN, +Inf and -Inf at the first, a middle and the last element of every
 *     data input, and as every scalar; negative learning rates and times;
 *   - unknown layout codes; an output overlapping an input;
 *   - real data on a complex core and complex data on a real one;
 *   - calls in the wrong order (read, MVM, VMM, update, set_time before program);
 *   - invalid, truncated and non-UTF-8 JSON, unknown parameter paths,
 *     wrong types and out-of-range values, unknown presets;
 *   - missing, empty, malformed, truncated and non-finite lookup-table and
 *     pulse-train files.
 *
 * Each case checks the documented status, a non-empty last error message
 * that starts with the function's name, handle out-parameters set to NULL,
 * output buffers untouched (filled with a sentinel beforehand) and the core
 * or parameter set unchanged (read back before and after, compared with
 * memcmp / strcmp). At the end each core, which saw every failing call, and
 * an identical twin that saw none give bit-identical noisy MVMs: no failed
 * call advanced a random stream.
 *
 * C11; built and run by tests/c/run.sh (also under valgrind and the
 * sanitizers). Prints every failed check and "bad-input matrix: N cases, M failed".
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "xbar.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cases = 0;
static int failures = 0;

static void fail(const char *label, const char *fmt, ...) {
    va_list ap;
    failures++;
    printf("FAIL %s: ", label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

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

#define BIT(s) (1u << (unsigned)(s))

/*
 * One case's status check: `got` is one of the statuses in `want` (a mask of
 * BIT(status)), and the last error message is non-empty and starts with the
 * name of the function `fn`.
 */
static void expect_status(const char *label, const char *fn, xbar_status got, unsigned want) {
    cases++;
    if ((unsigned)got >= 32 || !(BIT(got) & want)) {
        fail(label, "returned %s; last error: \"%s\"", status_name(got), xbar_last_error_message());
        return;
    }
    const char *msg = xbar_last_error_message();
    size_t n = strlen(fn);
    if (msg == NULL || msg[0] == '\0') {
        fail(label, "no last error message");
    } else if (strncmp(msg, fn, n) != 0 || msg[n] != ':') {
        fail(label, "message \"%s\" does not start with \"%s:\"", msg, fn);
    }
}

/* ------------------------------------------------------------------ buffers */

#define SENTINEL 12345.0
#define SENTINEL_F 12345.0f
#define TEXT_SENTINEL 'Z'
#define LEN_SENTINEL ((size_t)777)

/* A data buffer of doubles or floats. */
enum elem { F64, F32 };

static size_t elem_size(enum elem e) { return e == F64 ? sizeof(double) : sizeof(float); }

static void set_value(void *buf, enum elem e, size_t i, double v) {
    if (e == F64)
        ((double *)buf)[i] = v;
    else
        ((float *)buf)[i] = (float)v;
}

/* Inputs: small finite values that vary with the index. */
static void fill_data(void *buf, enum elem e, size_t n) {
    for (size_t i = 0; i < n; i++) set_value(buf, e, i, 0.25 * (double)((i * 7) % 9) - 1.0);
}

static void fill_sentinel(void *buf, enum elem e, size_t n) {
    for (size_t i = 0; i < n; i++) set_value(buf, e, i, SENTINEL);
}

static int all_sentinel(const void *buf, enum elem e, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (e == F64 ? ((const double *)buf)[i] != SENTINEL : ((const float *)buf)[i] != SENTINEL_F)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ fixture */

/* The matrix of the fixture cores, and the batch of the products. */
enum { R = 5, C = 4, B = 3 };
/* Room for every valid buffer (complex: 2 values per element) plus a margin
   that must stay untouched too. */
enum { CAP = 2 * B * R * C + 16 };

/* Noise on programming and on every read: a failed call that advanced a
   random stream would change the twins' MVMs. */
static const char *const NOISY[][2] = {
    {"xbar.device.programming_error.enable", "true"},
    {"xbar.device.programming_error.model", "\"NormalIndependentDevice\""},
    {"xbar.device.programming_error.magnitude", "0.02"},
    {"xbar.device.read_noise.enable", "true"},
    {"xbar.device.read_noise.model", "\"NormalIndependentDevice\""},
    {"xbar.device.read_noise.magnitude", "0.02"},
};

struct fixture {
    xbar_params *params[2];      /* [complex] */
    xbar_core *programmed[2];    /* the cores the bad calls go to, [complex] */
    xbar_core *twin[2];          /* identical, never given a bad call */
    xbar_core *unprogrammed[2];
    xbar_lut *lut;
    char lut_dir[64];
};

static xbar_params *noisy_params(int complex) {
    xbar_params *p = NULL;
    if (xbar_params_new(&p) != XBAR_OK) return NULL;
    for (size_t i = 0; i < sizeof NOISY / sizeof NOISY[0]; i++) {
        if (xbar_params_set(p, NOISY[i][0], NOISY[i][1]) != XBAR_OK) {
            printf("setting %s: %s\n", NOISY[i][0], xbar_last_error_message());
            xbar_params_free(p);
            return NULL;
        }
    }
    if (complex && xbar_params_set(p, "core.complex_matrix", "true") != XBAR_OK) {
        xbar_params_free(p);
        return NULL;
    }
    return p;
}

static xbar_core *programmed_core(const xbar_params *p, int complex) {
    xbar_core *c = NULL;
    double w[2 * R * C];
    fill_data(w, F64, 2 * R * C);
    if (xbar_core_new(p, R, C, 99, &c) != XBAR_OK) return NULL;
    xbar_status s = complex ? xbar_core_program_complex(c, w, R, C, XBAR_ROW_MAJOR)
                            : xbar_core_program(c, w, R, C, XBAR_ROW_MAJOR);
    if (s != XBAR_OK) {
        xbar_core_free(c);
        return NULL;
    }
    return c;
}

/* ------------------------------------------------------------------ lookup tables */

/* A valid CrossSim 2 table: G grid, CDF grid, one dG row per CDF value. */
static const char *const LUT_INC =
    "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n";
static const char *const LUT_DEC =
    "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n-3e-7, -3e-7, -3e-7\n-2e-7, -2e-7, -2e-7\n"
    "-1e-7, -1e-7, -1e-7\n";

static int write_file(const char *dir, const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) return 0;
    int ok = fputs(text, f) >= 0;
    return (fclose(f) == 0) && ok;
}

static void remove_file(const char *dir, const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    remove(path);
}

static int setup(struct fixture *fx) {
    memset(fx, 0, sizeof *fx);
    for (int k = 0; k < 2; k++) {
        fx->params[k] = noisy_params(k);
        if (fx->params[k] == NULL) return 0;
        fx->programmed[k] = programmed_core(fx->params[k], k);
        fx->twin[k] = programmed_core(fx->params[k], k);
        if (xbar_core_new(fx->params[k], R, C, 99, &fx->unprogrammed[k]) != XBAR_OK) return 0;
        if (fx->programmed[k] == NULL || fx->twin[k] == NULL) return 0;
    }
    strcpy(fx->lut_dir, "/tmp/xbar_bad_inputs_XXXXXX");
    if (mkdtemp(fx->lut_dir) == NULL) return 0;
    if (!write_file(fx->lut_dir, "dG_increasing.txt", LUT_INC) ||
        !write_file(fx->lut_dir, "dG_decreasing.txt", LUT_DEC))
        return 0;
    if (xbar_lut_load(fx->lut_dir, &fx->lut) != XBAR_OK) {
        printf("loading the valid lookup table: %s\n", xbar_last_error_message());
        return 0;
    }
    return 1;
}

static void teardown(struct fixture *fx) {
    for (int k = 0; k < 2; k++) {
        xbar_core_free(fx->programmed[k]);
        xbar_core_free(fx->twin[k]);
        xbar_core_free(fx->unprogrammed[k]);
        xbar_params_free(fx->params[k]);
    }
    xbar_lut_free(fx->lut);
    remove_file(fx->lut_dir, "dG_increasing.txt");
    remove_file(fx->lut_dir, "dG_decreasing.txt");
    remove(fx->lut_dir);
}

/*
 * What a core looks like from outside: its read-back (programmed) or the
 * status of a read (not programmed), and its shape.
 */
struct snapshot {
    xbar_status status;
    size_t rows, cols;
    double w[2 * R * C];
};

static void take_snapshot(xbar_core *c, int complex, struct snapshot *s) {
    memset(s, 0, sizeof *s);
    s->rows = xbar_core_rows(c);
    s->cols = xbar_core_cols(c);
    s->status = complex ? xbar_core_read_complex(c, s->w, R, C, XBAR_ROW_MAJOR)
                        : xbar_core_read(c, s->w, R, C, XBAR_ROW_MAJOR);
}

static void expect_core_unchanged(const char *label, xbar_core *c, int complex,
                                  const struct snapshot *before) {
    struct snapshot after;
    take_snapshot(c, complex, &after);
    if (memcmp(before, &after, sizeof after) != 0) fail(label, "the core changed");
}

/* ------------------------------------------------------------------ core data functions */

/* The arguments of one call of a core data function; an adapter per function
   passes the ones it takes. */
struct args {
    xbar_core *c;
    const void *in;  /* w, x or v */
    const void *in2; /* d */
    void *out;       /* w_out or y */
    size_t size[3];  /* the size arguments, in call order */
    uint32_t layout;
    double scalar;   /* lr or seconds */
};

static xbar_status a_program(const struct args *a) {
    return xbar_core_program(a->c, a->in, a->size[0], a->size[1], a->layout);
}
static xbar_status a_program_f32(const struct args *a) {
    return xbar_core_program_f32(a->c, a->in, a->size[0], a->size[1], a->layout);
}
static xbar_status a_program_complex(const struct args *a) {
    return xbar_core_program_complex(a->c, a->in, a->size[0], a->size[1], a->layout);
}
static xbar_status a_read(const struct args *a) {
    return xbar_core_read(a->c, a->out, a->size[0], a->size[1], a->layout);
}
static xbar_status a_read_f32(const struct args *a) {
    return xbar_core_read_f32(a->c, a->out, a->size[0], a->size[1], a->layout);
}
static xbar_status a_read_complex(const struct args *a) {
    return xbar_core_read_complex(a->c, a->out, a->size[0], a->size[1], a->layout);
}
static xbar_status a_mvm(const struct args *a) {
    return xbar_core_mvm(a->c, a->in, a->size[0], a->size[1], a->out, a->size[2]);
}
static xbar_status a_mvm_f32(const struct args *a) {
    return xbar_core_mvm_f32(a->c, a->in, a->size[0], a->size[1], a->out, a->size[2]);
}
static xbar_status a_mvm_complex(const struct args *a) {
    return xbar_core_mvm_complex(a->c, a->in, a->size[0], a->size[1], a->out, a->size[2]);
}
static xbar_status a_vmm(const struct args *a) {
    return xbar_core_vmm(a->c, a->in, a->size[0], a->size[1], a->out, a->size[2]);
}
static xbar_status a_vmm_f32(const struct args *a) {
    return xbar_core_vmm_f32(a->c, a->in, a->size[0], a->size[1], a->out, a->size[2]);
}
static xbar_status a_vmm_complex(const struct args *a) {
    return xbar_core_vmm_complex(a->c, a->in, a->size[0], a->size[1], a->out, a->size[2]);
}
static xbar_status a_update(const struct args *a) {
    return xbar_core_update(a->c, a->in, a->in2, a->size[0], a->scalar);
}
static xbar_status a_update_f32(const struct args *a) {
    return xbar_core_update_f32(a->c, a->in, a->in2, a->size[0], (float)a->scalar);
}
static xbar_status a_set_time(const struct args *a) { return xbar_core_set_time(a->c, a->scalar); }

enum kind { PROGRAM, READ, MVM, VMM, UPDATE, SET_TIME };

struct core_fn {
    const char *name;
    enum kind kind;
    enum elem elem;
    int complex; /* interleaved (re, im) data for a complex core */
    xbar_status (*call)(const struct args *);
};

static const struct core_fn CORE_FNS[] = {
    {"xbar_core_program", PROGRAM, F64, 0, a_program},
    {"xbar_core_program_f32", PROGRAM, F32, 0, a_program_f32},
    {"xbar_core_program_complex", PROGRAM, F64, 1, a_program_complex},
    {"xbar_core_read", READ, F64, 0, a_read},
    {"xbar_core_read_f32", READ, F32, 0, a_read_f32},
    {"xbar_core_read_complex", READ, F64, 1, a_read_complex},
    {"xbar_core_mvm", MVM, F64, 0, a_mvm},
    {"xbar_core_mvm_f32", MVM, F32, 0, a_mvm_f32},
    {"xbar_core_mvm_complex", MVM, F64, 1, a_mvm_complex},
    {"xbar_core_vmm", VMM, F64, 0, a_vmm},
    {"xbar_core_vmm_f32", VMM, F32, 0, a_vmm_f32},
    {"xbar_core_vmm_complex", VMM, F64, 1, a_vmm_complex},
    {"xbar_core_update", UPDATE, F64, 0, a_update},
    {"xbar_core_update_f32", UPDATE, F32, 0, a_update_f32},
    {"xbar_core_set_time", SET_TIME, F64, 0, a_set_time},
};

/* The shape of a function's arguments: how many sizes (and which is a batch),
   which buffers it takes and their valid lengths (in values). */
struct shape {
    int nsizes;
    int batch_slot; /* index of the batch size, -1 if none */
    size_t size[3];
    size_t in_len, in2_len, out_len; /* 0: no such argument */
    int has_layout, has_scalar;
    double scalar;
    int needs_program; /* NOT_PROGRAMMED before program */
};

static struct shape shape_of(const struct core_fn *f) {
    size_t k = f->complex ? 2 : 1;
    struct shape s = {0, -1, {0, 0, 0}, 0, 0, 0, 0, 0, 0.0, 0};
    switch (f->kind) {
    case PROGRAM:
        s = (struct shape){2, -1, {R, C, 0}, k * R * C, 0, 0, 1, 0, 0.0, 0};
        break;
    case READ:
        s = (struct shape){2, -1, {R, C, 0}, 0, 0, k * R * C, 1, 0, 0.0, 1};
        break;
    case MVM:
        s = (struct shape){3, 0, {B, C, R}, k * B * C, 0, k * B * R, 0, 0, 0.0, 1};
        break;
    case VMM:
        s = (struct shape){3, 0, {B, R, C}, k * B * R, 0, k * B * C, 0, 0, 0.0, 1};
        break;
    case UPDATE:
        s = (struct shape){1, 0, {B, 0, 0}, B * C, B * R, 0, 0, 1, 0.1, 1};
        break;
    case SET_TIME:
        s = (struct shape){0, -1, {0, 0, 0}, 0, 0, 0, 0, 1, 1.0, 1};
        break;
    }
    return s;
}

/* The buffers of one case: valid inputs, sentinel-filled output. */
struct buffers {
    double in[CAP], in2[CAP], out[CAP];
};

static void valid_args(const struct core_fn *f, const struct shape *s, xbar_core *c,
                       struct buffers *b, struct args *a) {
    memset(b, 0, sizeof *b);
    fill_data(b->in, f->elem, CAP);
    fill_data(b->in2, f->elem, CAP);
    fill_sentinel(b->out, f->elem, CAP);
    memset(a, 0, sizeof *a);
    a->c = c;
    a->in = s->in_len ? b->in : NULL;
    a->in2 = s->in2_len ? b->in2 : NULL;
    a->out = s->out_len ? b->out : NULL;
    memcpy(a->size, s->size, sizeof a->size);
    a->layout = XBAR_ROW_MAJOR;
    a->scalar = s->scalar;
}

/*
 * Runs one variant: the call must fail with a status in `want`, leave the
 * output buffer (all CAP values) and the input buffers as they were, and the
 * core `target` unchanged.
 */
static void run_core_case(const char *label, const struct core_fn *f, const struct args *a,
                          const struct buffers *b, unsigned want, xbar_core *target,
                          int target_complex) {
    struct snapshot before;
    struct buffers inputs;
    take_snapshot(target, target_complex, &before);
    memcpy(&inputs, b, sizeof inputs);
    expect_status(label, f->name, f->call(a), want);
    if (!all_sentinel(b->out, f->elem, CAP)) fail(label, "the output buffer was written");
    if (memcmp(inputs.in, b->in, sizeof b->in) != 0 || memcmp(inputs.in2, b->in2, sizeof b->in2) != 0)
        fail(label, "an input buffer was written");
    expect_core_unchanged(label, target, target_complex, &before);
}

static const char *const SIZE_NAMES[6][3] = {
    [PROGRAM] = {"rows", "cols", ""}, [READ] = {"rows", "cols", ""},
    [MVM] = {"batch", "n", "m"},       [VMM] = {"batch", "m", "n"},
    [UPDATE] = {"batch", "", ""},      [SET_TIME] = {"", "", ""},
};

static void core_fn_matrix(struct fixture *fx, const struct core_fn *f) {
    const struct shape s = shape_of(f);
    xbar_core *core = fx->programmed[f->complex];
    struct buffers *b = malloc(sizeof *b);
    struct args a;
    char label[160];
    if (b == NULL) {
        fail(f->name, "out of memory in the test");
        return;
    }
#define LABEL(...) snprintf(label, sizeof label, __VA_ARGS__)
#define RUN(want) run_core_case(label, f, &a, b, (want), core, f->complex)

    /* NULL pointers, alone and with a size of 0 */
    valid_args(f, &s, core, b, &a);
    a.c = NULL;
    LABEL("%s(c = NULL)", f->name);
    RUN(BIT(XBAR_ERR_NULL_ARGUMENT));
    const void **inputs[2] = {&a.in, &a.in2};
    const char *input_names[2] = {"input", "second input"};
    for (int i = 0; i < 2; i++) {
        if ((i == 0 ? s.in_len : s.in2_len) == 0) continue;
        valid_args(f, &s, core, b, &a);
        *inputs[i] = NULL;
        LABEL("%s(%s = NULL)", f->name, input_names[i]);
        RUN(BIT(XBAR_ERR_NULL_ARGUMENT));
        if (s.nsizes > 0) {
            a.size[0] = 0;
            LABEL("%s(%s = NULL, %s = 0)", f->name, input_names[i], SIZE_NAMES[f->kind][0]);
            RUN(BIT(XBAR_ERR_NULL_ARGUMENT));
        }
    }
    if (s.out_len) {
        valid_args(f, &s, core, b, &a);
        a.out = NULL;
        LABEL("%s(output = NULL)", f->name);
        RUN(BIT(XBAR_ERR_NULL_ARGUMENT));
        a.size[0] = 0;
        LABEL("%s(output = NULL, %s = 0)", f->name, SIZE_NAMES[f->kind][0]);
        RUN(BIT(XBAR_ERR_NULL_ARGUMENT));
    }

    /* sizes: 0, one off, 2^40, SIZE_MAX; batches whose byte count overflows */
    for (int i = 0; i < s.nsizes; i++) {
        size_t bad[6];
        int nbad = 0;
        if (i == s.batch_slot) {
            size_t per = (s.in_len > s.out_len ? s.in_len : s.out_len) / B * elem_size(f->elem);
            bad[nbad++] = (size_t)PTRDIFF_MAX / per + 1; /* just past the largest slice */
            bad[nbad++] = SIZE_MAX / 2 + 1;
            bad[nbad++] = SIZE_MAX;
        } else {
            bad[nbad++] = 0;
            bad[nbad++] = s.size[i] + 1;
            bad[nbad++] = s.size[i] - 1;
            bad[nbad++] = (size_t)1 << 40;
            bad[nbad++] = SIZE_MAX;
        }
        for (int j = 0; j < nbad; j++) {
            valid_args(f, &s, core, b, &a);
            a.size[i] = bad[j];
            LABEL("%s(%s = %zu)", f->name, SIZE_NAMES[f->kind][i], bad[j]);
            RUN(BIT(XBAR_ERR_SHAPE));
        }
    }

    /* layout codes */
    if (s.has_layout) {
        const uint32_t layouts[] = {2u, 7u, 0x80000000u, UINT32_MAX};
        for (size_t j = 0; j < sizeof layouts / sizeof layouts[0]; j++) {
            valid_args(f, &s, core, b, &a);
            a.layout = layouts[j];
            LABEL("%s(layout = %u)", f->name, (unsigned)layouts[j]);
            RUN(BIT(XBAR_ERR_INVALID_ARGUMENT));
        }
    }

    /* NaN and infinities in every data input, at the first, a middle and the last value */
    const double nonfinite[] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 2; i++) {
        size_t len = i == 0 ? s.in_len : s.in2_len;
        if (len == 0) continue;
        size_t where[] = {0, len / 2, len - 1};
        for (size_t v = 0; v < 3; v++) {
            for (size_t w = 0; w < 3; w++) {
                valid_args(f, &s, core, b, &a);
                set_value(i == 0 ? b->in : b->in2, f->elem, where[w], nonfinite[v]);
                LABEL("%s(%s[%zu] = %g)", f->name, input_names[i], where[w], nonfinite[v]);
                RUN(BIT(XBAR_ERR_INVALID_ARGUMENT));
            }
        }
    }
    /* NaN, infinities and negative values as the scalar (lr, seconds) */
    if (s.has_scalar) {
        const double scalars[] = {NAN, INFINITY, -INFINITY, -1.0, -1e-30};
        for (size_t v = 0; v < sizeof scalars / sizeof scalars[0]; v++) {
            valid_args(f, &s, core, b, &a);
            a.scalar = scalars[v];
            LABEL("%s(scalar = %g)", f->name, scalars[v]);
            RUN(BIT(XBAR_ERR_INVALID_ARGUMENT));
        }
    }

    /* an output overlapping the input: the input must come back unchanged */
    if (s.in_len && s.out_len) {
        for (size_t offset = 0; offset < 2; offset++) {
            valid_args(f, &s, core, b, &a);
            unsigned char *base = (unsigned char *)b->in;
            a.out = base + offset * elem_size(f->elem);
            LABEL("%s(output = input + %zu)", f->name, offset);
            RUN(BIT(XBAR_ERR_INVALID_ARGUMENT));
        }
    }

    /* the wrong kind of core: complex data on a real core, real data on a
       complex core (except program, which gives a complex core a real matrix) */
    if (f->kind != SET_TIME && f->kind != UPDATE && (f->complex || f->kind != PROGRAM)) {
        xbar_core *other = fx->programmed[!f->complex];
        valid_args(f, &s, other, b, &a);
        LABEL("%s(a %s core)", f->name, f->complex ? "real" : "complex");
        run_core_case(label, f, &a, b, BIT(XBAR_ERR_INVALID_ARGUMENT), other, !f->complex);
    }

    /* the wrong order: before program */
    if (s.needs_program) {
        xbar_core *fresh = fx->unprogrammed[f->complex];
        valid_args(f, &s, fresh, b, &a);
        LABEL("%s(before program)", f->name);
        run_core_case(label, f, &a, b, BIT(XBAR_ERR_NOT_PROGRAMMED), fresh, f->complex);
    }
#undef RUN
#undef LABEL
    free(b);
}

/* ------------------------------------------------------------------ other core functions */

/* Parameters a core refuses: (switch to enable, path, value, status). */
static const struct {
    const char *enable, *path, *value;
    xbar_status want;
} REFUSED[] = {
    {"xbar.device.drift_error.enable", "xbar.device.drift_error.model",
     "\"NormalIndependentDevice\"", XBAR_ERR_PARAMS},
    {"xbar.device.programming_error.enable", "xbar.device.programming_error.model",
     "\"CubicDevice\"", XBAR_ERR_PARAMS},
    /* RRAMMilo's I-V law is calibrated for Gmax <= 225 uS; the default Rmin of 1 kOhm is outside. */
    {"xbar.device.nonlinear_IV.enable", "xbar.device.nonlinear_IV.model", "\"RRAMMilo\"",
     XBAR_ERR_PARAMS},
};

static void core_lifecycle_matrix(struct fixture *fx) {
    static char junk;
    xbar_core *out = (xbar_core *)(void *)&junk;
    char label[160];

    /* xbar_core_new: NULL pointers, empty and impossible sizes */
    out = (xbar_core *)(void *)&junk;
    expect_status("xbar_core_new(p = NULL)", "xbar_core_new",
                  xbar_core_new(NULL, R, C, 1, &out), BIT(XBAR_ERR_NULL_ARGUMENT));
    if (out != NULL) fail("xbar_core_new(p = NULL)", "*out is not NULL");
    expect_status("xbar_core_new(out = NULL)", "xbar_core_new",
                  xbar_core_new(fx->params[0], R, C, 1, NULL), BIT(XBAR_ERR_NULL_ARGUMENT));
    /* 2^40 weights and more: the core would keep 8 TiB or more; xbar_core_new
       asks the allocator first (fallibly) and gets a refusal on any machine
       whose kernel does not promise unlimited memory (vm.overcommit_memory 0
       or 2, the Linux default). */
    const struct {
        size_t rows, cols;
        unsigned want;
    } sizes[] = {
        {0, C, BIT(XBAR_ERR_SHAPE)},
        {R, 0, BIT(XBAR_ERR_SHAPE)},
        {0, 0, BIT(XBAR_ERR_SHAPE)},
        {(size_t)1 << 40, 1, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
        {1, (size_t)1 << 40, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
        {(size_t)1 << 20, (size_t)1 << 20, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
        {(size_t)1 << 32, (size_t)1 << 32, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
        {SIZE_MAX, 1, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
        {1, SIZE_MAX, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
        {SIZE_MAX, SIZE_MAX, BIT(XBAR_ERR_SHAPE) | BIT(XBAR_ERR_OUT_OF_MEMORY)},
    };
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            snprintf(label, sizeof label, "xbar_core_new(%s, rows = %zu, cols = %zu)",
                     k ? "complex" : "real", sizes[i].rows, sizes[i].cols);
            out = (xbar_core *)(void *)&junk;
            expect_status(label, "xbar_core_new",
                          xbar_core_new(fx->params[k], sizes[i].rows, sizes[i].cols, 1, &out),
                          sizes[i].want);
            if (out != NULL) {
                fail(label, "*out is not NULL");
                if (out != (xbar_core *)(void *)&junk) xbar_core_free(out);
            }
        }
    }

    /* parameter sets that are valid alone but that a core refuses */
    for (size_t i = 0; i < sizeof REFUSED / sizeof REFUSED[0]; i++) {
        xbar_params *p = NULL;
        snprintf(label, sizeof label, "xbar_core_new(%s = %s)", REFUSED[i].path, REFUSED[i].value);
        if (xbar_params_new(&p) != XBAR_OK ||
            xbar_params_set(p, REFUSED[i].enable, "true") != XBAR_OK ||
            xbar_params_set(p, REFUSED[i].path, REFUSED[i].value) != XBAR_OK) {
            fail(label, "setting up: %s", xbar_last_error_message());
        } else {
            out = (xbar_core *)(void *)&junk;
            expect_status(label, "xbar_core_new", xbar_core_new(p, R, C, 1, &out),
                          BIT(REFUSED[i].want));
            if (out != NULL) fail(label, "*out is not NULL");
        }
        xbar_params_free(p);
    }

    /* xbar_core_set_lut: NULL pointers; the core is unchanged */
    struct snapshot before;
    take_snapshot(fx->programmed[0], 0, &before);
    expect_status("xbar_core_set_lut(c = NULL)", "xbar_core_set_lut",
                  xbar_core_set_lut(NULL, fx->lut), BIT(XBAR_ERR_NULL_ARGUMENT));
    expect_status("xbar_core_set_lut(lut = NULL)", "xbar_core_set_lut",
                  xbar_core_set_lut(fx->programmed[0], NULL), BIT(XBAR_ERR_NULL_ARGUMENT));
    expect_core_unchanged("xbar_core_set_lut(lut = NULL)", fx->programmed[0], 0, &before);

    /* xbar_core_export_spice: NULL pointers, a wrong length, non-finite inputs,
       a too-small buffer, wrong cores; the core is unchanged and the buffer
       untouched on every failure (len reports the size for BUFFER_TOO_SMALL). */
    {
        double x[C];
        char buf[64];
        size_t len = 0;
        fill_data(x, F64, C);
        const struct {
            const char *label;
            xbar_core *c;
            const double *x;
            size_t n;
            char *buf;
            size_t cap;
            size_t *len;
            double bad;
            unsigned want;
        } spice[] = {
            {"c = NULL", NULL, x, C, buf, sizeof buf, &len, 0, BIT(XBAR_ERR_NULL_ARGUMENT)},
            {"x = NULL", fx->programmed[0], NULL, C, buf, sizeof buf, &len, 0, BIT(XBAR_ERR_NULL_ARGUMENT)},
            {"len = NULL", fx->programmed[0], x, C, buf, sizeof buf, NULL, 0, BIT(XBAR_ERR_NULL_ARGUMENT)},
            {"buf = NULL, cap > 0", fx->programmed[0], x, C, NULL, sizeof buf, &len, 0,
             BIT(XBAR_ERR_NULL_ARGUMENT)},
            {"n = 0", fx->programmed[0], x, 0, buf, sizeof buf, &len, 0, BIT(XBAR_ERR_SHAPE)},
            {"n = C - 1", fx->programmed[0], x, C - 1, buf, sizeof buf, &len, 0, BIT(XBAR_ERR_SHAPE)},
            {"n = SIZE_MAX", fx->programmed[0], x, SIZE_MAX, buf, sizeof buf, &len, 0, BIT(XBAR_ERR_SHAPE)},
            {"x[1] = NaN", fx->programmed[0], x, C, buf, sizeof buf, &len, NAN, BIT(XBAR_ERR_INVALID_ARGUMENT)},
            {"x[1] = Inf", fx->programmed[0], x, C, buf, sizeof buf, &len, INFINITY,
             BIT(XBAR_ERR_INVALID_ARGUMENT)},
            {"cap too small", fx->programmed[0], x, C, buf, sizeof buf, &len, 0, BIT(XBAR_ERR_BUFFER_TOO_SMALL)},
            {"unprogrammed core", fx->unprogrammed[0], x, C, buf, sizeof buf, &len, 0,
             BIT(XBAR_ERR_NOT_PROGRAMMED)},
            {"complex core", fx->programmed[1], x, C, buf, sizeof buf, &len, 0,
             BIT(XBAR_ERR_INVALID_ARGUMENT) | BIT(XBAR_ERR_UNSUPPORTED)},
        };
        for (size_t i = 0; i < sizeof spice / sizeof spice[0]; i++) {
            struct snapshot before_spice;
            take_snapshot(fx->programmed[0], 0, &before_spice);
            fill_data(x, F64, C);
            if (spice[i].bad != 0) x[1] = spice[i].bad;
            memset(buf, 0x5A, sizeof buf);
            snprintf(label, sizeof label, "xbar_core_export_spice(%s)", spice[i].label);
            expect_status(label, "xbar_core_export_spice",
                          xbar_core_export_spice(spice[i].c, spice[i].x, spice[i].n, spice[i].buf,
                                                 spice[i].cap, spice[i].len),
                          spice[i].want);
            cases++;
            for (size_t k = 0; k < sizeof buf; k++) {
                if (buf[k] != 0x5A) {
                    fail(label, "the buffer was written");
                    break;
                }
            }
            expect_core_unchanged(label, fx->programmed[0], 0, &before_spice);
        }
    }

    /* functions without a status: NULL gives 0 or does nothing */
    cases++;
    if (xbar_core_rows(NULL) != 0 || xbar_core_cols(NULL) != 0)
        fail("xbar_core_rows/cols(NULL)", "not 0");
    cases++;
    xbar_core_free(NULL);
    xbar_params_free(NULL);
    xbar_lut_free(NULL);
}

/* ------------------------------------------------------------------ parameters */

/* to_json into a malloc'd buffer; NULL on failure. */
static char *to_json(const xbar_params *p) {
    size_t len = 0;
    if (xbar_params_to_json(p, NULL, 0, &len) != XBAR_ERR_BUFFER_TOO_SMALL) return NULL;
    char *buf = malloc(len);
    if (buf != NULL && xbar_params_to_json(p, buf, len, &len) != XBAR_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Malformed JSON, out-of-range values, unknown keys, wrong types. */
static const struct {
    const char *json;
    xbar_status want;
} FROM_JSON[] = {
    {"", XBAR_ERR_PARSE},
    {" ", XBAR_ERR_PARSE},
    {"{", XBAR_ERR_PARSE},
    {"}", XBAR_ERR_PARSE},
    {"{\"xbar\":", XBAR_ERR_PARSE},
    {"{\"xbar\": {\"adc\": }}", XBAR_ERR_PARSE},
    {"{\"xbar\": {}} trailing", XBAR_ERR_PARSE},
    {"{'xbar': {}}", XBAR_ERR_PARSE},
    {"{\"xbar\": {},}", XBAR_ERR_PARSE},
    {"{\"core\": {\"rows_max\": NaN}}", XBAR_ERR_PARSE},
    {"{\"core\": {\"rows_max\": Infinity}}", XBAR_ERR_PARSE},
    {"{\"xbar\": {\"device\": {\"Rmin\": 1e999}}}", XBAR_ERR_PARSE},
    {"\xff\xfe{}", XBAR_ERR_PARSE},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"model\": \"\xc3\x28\"}}}}", XBAR_ERR_PARSE},
    {"[]", XBAR_ERR_PARAMS},
    {"null", XBAR_ERR_PARAMS},
    {"42", XBAR_ERR_PARAMS},
    {"\"params\"", XBAR_ERR_PARAMS},
    {"{\"no_such_group\": {}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"no_such_key\": 1}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"no_such_key\": 1}}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"bits\": \"eight\"}}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"bits\": -1}}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"bits\": 1000}}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"bits\": 8.5}}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"adc\": {\"mvm\": {\"model\": \"NoSuchADC\"}}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"device\": {\"Rmin\": -1}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"device\": {\"Rmin\": 0}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"device\": {\"Rmin\": 100, \"Rmax\": 10}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"device\": {\"cell_bits\": 33}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"device\": {\"time\": -1}}}", XBAR_ERR_PARAMS},
    {"{\"xbar\": {\"device\": {\"read_noise\": {\"magnitude\": -0.1}}}}", XBAR_ERR_PARAMS},
    {"{\"core\": {\"rows_max\": -5}}", XBAR_ERR_PARAMS},
    {"{\"core\": {\"rows_max\": 1e30}}", XBAR_ERR_PARAMS},
    {"{\"core\": {\"weight_bits\": 53}}", XBAR_ERR_PARAMS},
    {"{\"core\": {\"complex_matrix\": 1}}", XBAR_ERR_PARAMS},
    {"{\"core\": []}", XBAR_ERR_PARAMS},
};

/* params_set: path, JSON value, status. */
static const struct {
    const char *path, *value;
    xbar_status want;
} SET[] = {
    {"", "1", XBAR_ERR_PARAMS},
    {".", "1", XBAR_ERR_PARAMS},
    {"xbar..adc", "1", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits.", "8", XBAR_ERR_PARAMS},
    {".xbar.adc.mvm.bits", "8", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.no_such_key", "1", XBAR_ERR_PARAMS},
    {"no_such_group", "{}", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits.deeper", "8", XBAR_ERR_PARAMS},
    {"\xff", "1", XBAR_ERR_INVALID_ARGUMENT},
    {"xbar.adc.mvm.bits", "", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.bits", "{", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.bits", "8 9", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.bits", "NaN", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.bits", "Infinity", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.bits", "-Infinity", XBAR_ERR_PARSE},
    {"xbar.device.Rmin", "1e400", XBAR_ERR_PARSE},
    {"xbar.device.Rmin", "-1e400", XBAR_ERR_PARSE},
    {"xbar.adc.mvm", "{\"bits\": 8", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.model", "\"\xff\"", XBAR_ERR_PARSE},
    {"xbar.adc.mvm.bits", "\"eight\"", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits", "-1", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits", "33", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits", "18446744073709551616", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits", "null", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.bits", "[8]", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.model", "\"NoSuchADC\"", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm.model", "99", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm", "{\"no_such_key\": 1}", XBAR_ERR_PARAMS},
    {"xbar.adc.mvm", "7", XBAR_ERR_PARAMS},
    {"xbar.device.Rmin", "0", XBAR_ERR_PARAMS},
    {"xbar.device.Rmin", "-1000", XBAR_ERR_PARAMS},
    {"xbar.device.Rmin", "1e9", XBAR_ERR_PARAMS}, /* above Rmax */
    {"xbar.device.Rmax", "1", XBAR_ERR_PARAMS},   /* below Rmin */
    {"xbar.device.cell_bits", "33", XBAR_ERR_PARAMS},
    {"xbar.device.time", "-1", XBAR_ERR_PARAMS},
    {"xbar.device.read_noise.magnitude", "-0.5", XBAR_ERR_PARAMS},
    {"xbar.device.read_noise.model", "\"NoSuchDevice\"", XBAR_ERR_PARAMS},
    {"xbar.device.update.model", "\"NoSuchModel\"", XBAR_ERR_PARAMS},
    {"xbar.device.update.alpha", "-1", XBAR_ERR_PARAMS},
    {"core.rows_max", "-1", XBAR_ERR_PARAMS},
    {"core.rows_max", "0.5", XBAR_ERR_PARAMS},
    {"core.weight_bits", "53", XBAR_ERR_PARAMS},
    {"core.mapping.weights.row_partition_priority", "[0]", XBAR_ERR_PARAMS},
    {"core.mapping.weights.row_partition_priority", "[-1]", XBAR_ERR_PARAMS},
    {"core.complex_matrix", "\"yes\"", XBAR_ERR_PARAMS},
    {"xbar.dac.mvm.bits", "40", XBAR_ERR_PARAMS},
    {"core", "[]", XBAR_ERR_PARAMS},
};

static const char *const UNKNOWN_PATHS[] = {
    ".", "xbar..adc", "xbar.adc.mvm.bits.", "no_such_group", "xbar.adc.mvm.no_such_key",
    "xbar.adc.mvm.bits.deeper",
};

static const char *const UNKNOWN_PRESETS[] = {"", "no-such-preset", "isaac ", "default\n",
                                              "ISAAC-SarADC-"};

static void expect_params_unchanged(const char *label, const xbar_params *p, const char *before) {
    char *after = to_json(p);
    if (after == NULL || before == NULL || strcmp(before, after) != 0)
        fail(label, "the parameter set changed");
    free(after);
}

static void params_matrix(void) {
    static char junk;
    xbar_params *p = NULL;
    char label[200];
    if (xbar_params_new(&p) != XBAR_OK) {
        fail("xbar_params_new", "%s", xbar_last_error_message());
        return;
    }
    char *json = to_json(p);
    if (json == NULL) {
        fail("xbar_params_to_json", "%s", xbar_last_error_message());
        xbar_params_free(p);
        return;
    }
    size_t json_len = strlen(json);

    /* xbar_params_new */
    expect_status("xbar_params_new(out = NULL)", "xbar_params_new", xbar_params_new(NULL),
                  BIT(XBAR_ERR_NULL_ARGUMENT));

    /* xbar_params_from_json: NULL, malformed, truncated, out of range */
    xbar_params *out = (xbar_params *)(void *)&junk;
    expect_status("xbar_params_from_json(json = NULL)", "xbar_params_from_json",
                  xbar_params_from_json(NULL, &out), BIT(XBAR_ERR_NULL_ARGUMENT));
    if (out != NULL) fail("xbar_params_from_json(json = NULL)", "*out is not NULL");
    expect_status("xbar_params_from_json(out = NULL)", "xbar_params_from_json",
                  xbar_params_from_json("{}", NULL), BIT(XBAR_ERR_NULL_ARGUMENT));
    for (size_t i = 0; i < sizeof FROM_JSON / sizeof FROM_JSON[0]; i++) {
        snprintf(label, sizeof label, "xbar_params_from_json(\"%.60s\")", FROM_JSON[i].json);
        out = (xbar_params *)(void *)&junk;
        expect_status(label, "xbar_params_from_json", xbar_params_from_json(FROM_JSON[i].json, &out),
                      BIT(FROM_JSON[i].want));
        if (out != NULL) fail(label, "*out is not NULL");
    }
    /* the full parameter text cut short at 24 places, from 1 byte to all but the last */
    char *cut = malloc(json_len + 1);
    for (size_t k = 1; cut != NULL && k <= 24; k++) {
        size_t n = k == 24 ? json_len - 1 : json_len * k / 24;
        memcpy(cut, json, n);
        cut[n] = '\0';
        snprintf(label, sizeof label, "xbar_params_from_json(the defaults cut to %zu of %zu bytes)",
                 n, json_len);
        out = (xbar_params *)(void *)&junk;
        expect_status(label, "xbar_params_from_json", xbar_params_from_json(cut, &out),
                      BIT(XBAR_ERR_PARSE));
        if (out != NULL) fail(label, "*out is not NULL");
    }
    free(cut);

    /* xbar_params_to_json: NULL pointers, too small (nothing written but *len) */
    char buf[64];
    size_t len = LEN_SENTINEL;
    memset(buf, TEXT_SENTINEL, sizeof buf);
    const struct {
        const char *label;
        const xbar_params *p;
        char *buf;
        size_t cap;
        size_t *len;
    } to_json_cases[] = {
        {"xbar_params_to_json(p = NULL)", NULL, buf, sizeof buf, &len},
        {"xbar_params_to_json(len = NULL)", p, buf, sizeof buf, NULL},
        {"xbar_params_to_json(buf = NULL, cap = 64)", p, NULL, sizeof buf, &len},
        {"xbar_params_to_json(buf = NULL, cap = SIZE_MAX)", p, NULL, SIZE_MAX, &len},
    };
    for (size_t i = 0; i < sizeof to_json_cases / sizeof to_json_cases[0]; i++) {
        expect_status(to_json_cases[i].label, "xbar_params_to_json",
                      xbar_params_to_json(to_json_cases[i].p, to_json_cases[i].buf,
                                          to_json_cases[i].cap, to_json_cases[i].len),
                      BIT(XBAR_ERR_NULL_ARGUMENT));
        if (len != LEN_SENTINEL || buf[0] != TEXT_SENTINEL)
            fail(to_json_cases[i].label, "an output was written");
    }
    const size_t caps[] = {0, 1, sizeof buf};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        snprintf(label, sizeof label, "xbar_params_to_json(cap = %zu)", caps[i]);
        len = LEN_SENTINEL;
        expect_status(label, "xbar_params_to_json", xbar_params_to_json(p, buf, caps[i], &len),
                      BIT(XBAR_ERR_BUFFER_TOO_SMALL));
        if (len != json_len + 1) fail(label, "*len is %zu, expected %zu", len, json_len + 1);
        for (size_t j = 0; j < sizeof buf; j++)
            if (buf[j] != TEXT_SENTINEL) {
                fail(label, "buf was written");
                break;
            }
    }

    /* xbar_params_set: NULL pointers, bad paths and values; p unchanged */
    expect_status("xbar_params_set(p = NULL)", "xbar_params_set",
                  xbar_params_set(NULL, "xbar.adc.mvm.bits", "8"), BIT(XBAR_ERR_NULL_ARGUMENT));
    expect_status("xbar_params_set(path = NULL)", "xbar_params_set", xbar_params_set(p, NULL, "8"),
                  BIT(XBAR_ERR_NULL_ARGUMENT));
    expect_status("xbar_params_set(json_value = NULL)", "xbar_params_set",
                  xbar_params_set(p, "xbar.adc.mvm.bits", NULL), BIT(XBAR_ERR_NULL_ARGUMENT));
    for (size_t i = 0; i < sizeof SET / sizeof SET[0]; i++) {
        snprintf(label, sizeof label, "xbar_params_set(\"%s\", \"%s\")", SET[i].path, SET[i].value);
        expect_status(label, "xbar_params_set", xbar_params_set(p, SET[i].path, SET[i].value),
                      BIT(SET[i].want));
        expect_params_unchanged(label, p, json);
    }
    expect_params_unchanged("xbar_params_set(NULL arguments)", p, json);

    /* xbar_params_get: NULL pointers, unknown paths, too small */
    const struct {
        const char *label;
        const xbar_params *p;
        const char *path;
        char *buf;
        size_t cap;
        size_t *len;
    } get_cases[] = {
        {"xbar_params_get(p = NULL)", NULL, "xbar.adc.mvm.bits", buf, sizeof buf, &len},
        {"xbar_params_get(path = NULL)", p, NULL, buf, sizeof buf, &len},
        {"xbar_params_get(len = NULL)", p, "xbar.adc.mvm.bits", buf, sizeof buf, NULL},
        {"xbar_params_get(buf = NULL, cap = 64)", p, "xbar.adc.mvm.bits", NULL, sizeof buf, &len},
    };
    memset(buf, TEXT_SENTINEL, sizeof buf);
    for (size_t i = 0; i < sizeof get_cases / sizeof get_cases[0]; i++) {
        len = LEN_SENTINEL;
        expect_status(get_cases[i].label, "xbar_params_get",
                      xbar_params_get(get_cases[i].p, get_cases[i].path, get_cases[i].buf,
                                      get_cases[i].cap, get_cases[i].len),
                      BIT(XBAR_ERR_NULL_ARGUMENT));
        if (len != LEN_SENTINEL || buf[0] != TEXT_SENTINEL)
            fail(get_cases[i].label, "an output was written");
    }
    for (size_t i = 0; i < sizeof UNKNOWN_PATHS / sizeof UNKNOWN_PATHS[0]; i++) {
        snprintf(label, sizeof label, "xbar_params_get(\"%s\")", UNKNOWN_PATHS[i]);
        len = LEN_SENTINEL;
        expect_status(label, "xbar_params_get",
                      xbar_params_get(p, UNKNOWN_PATHS[i], buf, sizeof buf, &len),
                      BIT(XBAR_ERR_PARAMS));
        if (len != LEN_SENTINEL || buf[0] != TEXT_SENTINEL) fail(label, "an output was written");
    }
    expect_status("xbar_params_get(path not UTF-8)", "xbar_params_get",
                  xbar_params_get(p, "xbar.\xff", buf, sizeof buf, &len),
                  BIT(XBAR_ERR_INVALID_ARGUMENT));
    len = LEN_SENTINEL;
    expect_status("xbar_params_get(cap = 1)", "xbar_params_get",
                  xbar_params_get(p, "xbar.adc.mvm", buf, 1, &len),
                  BIT(XBAR_ERR_BUFFER_TOO_SMALL));
    if (buf[0] != TEXT_SENTINEL || len == LEN_SENTINEL)
        fail("xbar_params_get(cap = 1)", "buf written or *len not set");

    /* xbar_params_preset */
    out = (xbar_params *)(void *)&junk;
    expect_status("xbar_params_preset(name = NULL)", "xbar_params_preset",
                  xbar_params_preset(NULL, &out), BIT(XBAR_ERR_NULL_ARGUMENT));
    if (out != NULL) fail("xbar_params_preset(name = NULL)", "*out is not NULL");
    expect_status("xbar_params_preset(out = NULL)", "xbar_params_preset",
                  xbar_params_preset("ISAAC", NULL), BIT(XBAR_ERR_NULL_ARGUMENT));
    expect_status("xbar_params_preset(name not UTF-8)", "xbar_params_preset",
                  xbar_params_preset("\xff", &out), BIT(XBAR_ERR_INVALID_ARGUMENT));
    for (size_t i = 0; i < sizeof UNKNOWN_PRESETS / sizeof UNKNOWN_PRESETS[0]; i++) {
        snprintf(label, sizeof label, "xbar_params_preset(\"%s\")", UNKNOWN_PRESETS[i]);
        out = (xbar_params *)(void *)&junk;
        expect_status(label, "xbar_params_preset", xbar_params_preset(UNKNOWN_PRESETS[i], &out),
                      BIT(XBAR_ERR_PARAMS));
        if (out != NULL) fail(label, "*out is not NULL");
    }

    free(json);
    xbar_params_free(p);
}

/* ------------------------------------------------------------------ lookup tables */

/* Table files that must not load: (increasing, decreasing, status). */
static const struct {
    const char *what, *inc, *dec;
    xbar_status want;
} BAD_LUTS[] = {
    {"empty files", "", "", XBAR_ERR_PARSE},
    {"not numbers", "title\nabc\ndef\nghi\n", NULL, XBAR_ERR_PARSE},
    {"only a title", "title\n", NULL, XBAR_ERR_PARSE},
    {"truncated after the CDF line", "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n", NULL, XBAR_ERR_PARSE},
    {"a matrix row missing",
     "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n", NULL,
     XBAR_ERR_PARSE},
    {"a ragged row",
     "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n", NULL,
     XBAR_ERR_PARSE},
    {"NaN in the G grid",
     "title\n1e-5, nan, 3e-5\n0, 0.5, 1\n1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n",
     NULL, XBAR_ERR_PARSE},
    {"inf in the CDF grid",
     "title\n1e-5, 2e-5, 3e-5\n0, inf, 1\n1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n",
     NULL, XBAR_ERR_PARSE},
    {"-inf in the matrix",
     "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n1e-7, -inf, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n",
     NULL, XBAR_ERR_PARSE},
    {"NaN in the decreasing matrix", NULL,
     "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 1\n-3e-7, -3e-7, -3e-7\n-2e-7, NaN, -2e-7\n"
     "-1e-7, -1e-7, -1e-7\n",
     XBAR_ERR_PARSE},
    {"a G grid not increasing",
     "title\n3e-5, 2e-5, 1e-5\n0, 0.5, 1\n1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n",
     NULL, XBAR_ERR_PARSE},
    {"a CDF grid not from 0 to 1",
     "title\n1e-5, 2e-5, 3e-5\n0, 0.5, 0.9\n1e-7, 1e-7, 1e-7\n2e-7, 2e-7, 2e-7\n3e-7, 3e-7, 3e-7\n",
     NULL, XBAR_ERR_PARSE},
    {"grids of the pair differ", NULL,
     "title\n1e-5, 2e-5, 4e-5\n0, 0.5, 1\n-3e-7, -3e-7, -3e-7\n-2e-7, -2e-7, -2e-7\n"
     "-1e-7, -1e-7, -1e-7\n",
     XBAR_ERR_PARSE},
    {"not UTF-8", "title\n1e-5, 2e-5, \xff\n", NULL, XBAR_ERR_PARSE},
};

/* Pulse-train CSV files that must not convert: (set, reset, status). */
static const struct {
    const char *what, *set, *reset;
    xbar_status want;
} BAD_TRAINS[] = {
    {"empty", "", "", XBAR_ERR_PARSE},
    {"one value per ramp", "a,b\n1e-5,2e-5\n", NULL, XBAR_ERR_PARSE},
    {"not a number", "a\n1e-5\nxyz\n", NULL, XBAR_ERR_PARSE},
    {"NaN", "a\n1e-5\nnan\n2e-5\n", NULL, XBAR_ERR_PARSE},
    {"inf", NULL, "a\n2e-5\ninf\n1e-5\n", XBAR_ERR_PARSE},
    {"-inf", "a\n1e-5\n-inf\n", NULL, XBAR_ERR_PARSE},
    {"zero conductance", "a\n0\n1e-5\n", NULL, XBAR_ERR_PARSE},
    {"negative conductance", NULL, "a\n2e-5\n-1e-5\n", XBAR_ERR_PARSE},
    {"a gap inside a ramp", "a\n1e-5\n\n2e-5\n,\n3e-5\n", NULL, XBAR_ERR_PARSE},
    {"not UTF-8", "a\n1e-5\n\xff\n", NULL, XBAR_ERR_PARSE},
};
static const char *const GOOD_SET = "a,b\n1.0e-5,1.1e-5\n1.2e-5,1.3e-5\n1.4e-5,1.5e-5\n";
static const char *const GOOD_RESET = "a,b\n1.4e-5,1.5e-5\n1.2e-5,1.3e-5\n1.0e-5,1.1e-5\n";

static void lut_matrix(struct fixture *fx) {
    static char junk;
    xbar_lut *out = (xbar_lut *)(void *)&junk;
    char label[200];
    char dir[] = "/tmp/xbar_bad_lut_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        fail("lookup tables", "mkdtemp failed");
        return;
    }

    expect_status("xbar_lut_load(dir = NULL)", "xbar_lut_load", xbar_lut_load(NULL, &out),
                  BIT(XBAR_ERR_NULL_ARGUMENT));
    if (out != NULL) fail("xbar_lut_load(dir = NULL)", "*out is not NULL");
    expect_status("xbar_lut_load(out = NULL)", "xbar_lut_load", xbar_lut_load(fx->lut_dir, NULL),
                  BIT(XBAR_ERR_NULL_ARGUMENT));
    out = (xbar_lut *)(void *)&junk;
    expect_status("xbar_lut_load(dir not UTF-8)", "xbar_lut_load", xbar_lut_load("/tmp/\xff", &out),
                  BIT(XBAR_ERR_INVALID_ARGUMENT));
    const char *missing[] = {"/nonexistent/xbar", "", dir /* empty folder */};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        snprintf(label, sizeof label, "xbar_lut_load(\"%s\")", missing[i]);
        out = (xbar_lut *)(void *)&junk;
        expect_status(label, "xbar_lut_load", xbar_lut_load(missing[i], &out), BIT(XBAR_ERR_IO));
        if (out != NULL) fail(label, "*out is not NULL");
    }
    /* only one file of the pair */
    write_file(dir, "dG_increasing.txt", LUT_INC);
    out = (xbar_lut *)(void *)&junk;
    expect_status("xbar_lut_load(no dG_decreasing.txt)", "xbar_lut_load", xbar_lut_load(dir, &out),
                  BIT(XBAR_ERR_IO));
    for (size_t i = 0; i < sizeof BAD_LUTS / sizeof BAD_LUTS[0]; i++) {
        write_file(dir, "dG_increasing.txt", BAD_LUTS[i].inc ? BAD_LUTS[i].inc : LUT_INC);
        write_file(dir, "dG_decreasing.txt", BAD_LUTS[i].dec ? BAD_LUTS[i].dec : LUT_DEC);
        snprintf(label, sizeof label, "xbar_lut_load(%s)", BAD_LUTS[i].what);
        out = (xbar_lut *)(void *)&junk;
        expect_status(label, "xbar_lut_load", xbar_lut_load(dir, &out), BIT(BAD_LUTS[i].want));
        if (out != NULL) fail(label, "*out is not NULL");
    }
    remove_file(dir, "dG_increasing.txt");
    remove_file(dir, "dG_decreasing.txt");

    /* xbar_lut_from_pulse_trains: NULL, missing files, malformed CSV; nothing written */
    char set[256], reset[256], out_dir[256];
    snprintf(set, sizeof set, "%s/set.csv", dir);
    snprintf(reset, sizeof reset, "%s/reset.csv", dir);
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    write_file(dir, "set.csv", GOOD_SET);
    write_file(dir, "reset.csv", GOOD_RESET);
    const struct {
        const char *label, *set, *reset, *out;
        xbar_status want;
    } calls[] = {
        {"xbar_lut_from_pulse_trains(set_csv = NULL)", NULL, reset, out_dir, XBAR_ERR_NULL_ARGUMENT},
        {"xbar_lut_from_pulse_trains(reset_csv = NULL)", set, NULL, out_dir, XBAR_ERR_NULL_ARGUMENT},
        {"xbar_lut_from_pulse_trains(out_dir = NULL)", set, reset, NULL, XBAR_ERR_NULL_ARGUMENT},
        {"xbar_lut_from_pulse_trains(set_csv not UTF-8)", "/tmp/\xff", reset, out_dir,
         XBAR_ERR_INVALID_ARGUMENT},
        {"xbar_lut_from_pulse_trains(missing set_csv)", "/nonexistent/set.csv", reset, out_dir,
         XBAR_ERR_IO},
        {"xbar_lut_from_pulse_trains(missing reset_csv)", set, "/nonexistent/reset.csv", out_dir,
         XBAR_ERR_IO},
        {"xbar_lut_from_pulse_trains(set_csv is a folder)", dir, reset, out_dir, XBAR_ERR_IO},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        expect_status(calls[i].label, "xbar_lut_from_pulse_trains",
                      xbar_lut_from_pulse_trains(calls[i].set, calls[i].reset, calls[i].out),
                      BIT(calls[i].want));
    }
    for (size_t i = 0; i < sizeof BAD_TRAINS / sizeof BAD_TRAINS[0]; i++) {
        write_file(dir, "set.csv", BAD_TRAINS[i].set ? BAD_TRAINS[i].set : GOOD_SET);
        write_file(dir, "reset.csv", BAD_TRAINS[i].reset ? BAD_TRAINS[i].reset : GOOD_RESET);
        snprintf(label, sizeof label, "xbar_lut_from_pulse_trains(%s)", BAD_TRAINS[i].what);
        expect_status(label, "xbar_lut_from_pulse_trains",
                      xbar_lut_from_pulse_trains(set, reset, out_dir), BIT(BAD_TRAINS[i].want));
    }
    cases++;
    if (access(out_dir, F_OK) == 0) fail("xbar_lut_from_pulse_trains", "a failed call wrote %s", out_dir);
    remove_file(dir, "set.csv");
    remove_file(dir, "reset.csv");
    remove(dir);
}

/* ------------------------------------------------------------------ library */

static void library_matrix(void) {
    const size_t threads[] = {65536, (size_t)1 << 40, SIZE_MAX};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "xbar_set_num_threads(%zu)", threads[i]);
        expect_status(label, "xbar_set_num_threads", xbar_set_num_threads(threads[i]),
                      BIT(XBAR_ERR_INVALID_ARGUMENT));
    }
    const int codes[] = {-1, 14, 15, 1000, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        cases++;
        const char *s = xbar_status_string((xbar_status)codes[i]);
        if (s == NULL || strcmp(s, "unknown status") != 0)
            fail("xbar_status_string", "code %d gives \"%s\"", codes[i], s ? s : "(null)");
    }
}

/* ------------------------------------------------------------------ twins */

/* The cores that saw every failing call and their twins that saw none give
   bit-identical noisy MVMs. */
static void twins_agree(struct fixture *fx) {
    for (int k = 0; k < 2; k++) {
        size_t n = (size_t)(k ? 2 : 1);
        double x[2 * B * C], y1[2 * B * R], y2[2 * B * R];
        fill_data(x, F64, n * B * C);
        xbar_status s1 = k ? xbar_core_mvm_complex(fx->programmed[k], x, B, C, y1, R)
                           : xbar_core_mvm(fx->programmed[k], x, B, C, y1, R);
        xbar_status s2 = k ? xbar_core_mvm_complex(fx->twin[k], x, B, C, y2, R)
                           : xbar_core_mvm(fx->twin[k], x, B, C, y2, R);
        cases++;
        if (s1 != XBAR_OK || s2 != XBAR_OK)
            fail("twins", "mvm failed: %s", xbar_last_error_message());
        else if (memcmp(y1, y2, n * B * R * sizeof(double)) != 0)
            fail("twins", "the %s core's noisy MVM differs from its twin's",
                 k ? "complex" : "real");
    }
}

int main(void) {
    struct fixture fx;
    if (!setup(&fx)) {
        printf("FAIL: fixture setup: %s\n", xbar_last_error_message());
        teardown(&fx);
        return 1;
    }
    library_matrix();
    params_matrix();
    core_lifecycle_matrix(&fx);
    for (size_t i = 0; i < sizeof CORE_FNS / sizeof CORE_FNS[0]; i++) core_fn_matrix(&fx, &CORE_FNS[i]);
    lut_matrix(&fx);
    twins_agree(&fx);
    teardown(&fx);
    printf("bad-input matrix: %d cases, %d failed\n", cases, failures);
    return failures == 0 ? 0 : 1;
}
