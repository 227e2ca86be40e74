/*
 * xbar_mex.c: the MEX gateway of the MATLAB / GNU Octave bindings of xbar.
 *
 * One MEX function dispatching on a command string: xbar_mex(cmd, ...).
 * The classes +xbar/Params.m and +xbar/Core.m are its only intended callers.
 * Build it with xbar.build (mex -R2018a in MATLAB, mkoctfile --mex in Octave).
 *
 * Handles. MATLAB never sees a pointer: each object the library creates gets
 * a uint64 id from a table kept here; every call looks the id up (with its
 * kind), so a deleted, saved-and-reloaded or made-up handle gives the error
 * xbar:handle instead of touching freed memory. While any object is alive the
 * MEX file is locked (mexLock), so `clear mex` cannot unload the library
 * under live objects; at unload (interpreter exit) the rest are freed.
 *
 * Errors. A failing xbar call becomes a MATLAB error with identifier
 * xbar:<STATUS> (xbar:SHAPE, xbar:UNSUPPORTED, ...) and the library's
 * message. mexErrMsgIdAndTxt jumps out of this function, so it is only ever
 * called after the library call has returned, with nothing left to free.
 * Wrong arguments to the gateway itself give xbar:usage.
 *
 * Data. MATLAB arrays are column-major: a rows x cols matrix goes to the
 * library with XBAR_COL_MAJOR, and a batch X (n x batch) is the row-major
 * batch x n input the library takes, so nothing is copied or transposed.
 * Complex arrays use the interleaved API (MX_HAS_INTERLEAVED_COMPLEX), whose
 * memory is exactly the (re, im) pairs of the *_complex functions. Build with
 * -R2018a in both MATLAB and Octave: Octave passes interleaved arrays only to
 * MEX files carrying the marker symbol that mkoctfile -R2018a links in.
 */
#include "mex.h"
#include "xbar.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(MX_HAS_INTERLEAVED_COMPLEX) || !MX_HAS_INTERLEAVED_COMPLEX
#error "xbar_mex.c needs the interleaved complex API: build with xbar.build (mex -R2018a or mkoctfile --mex -R2018a)"
#endif

/* ------------------------------------------------------------ handle table */

enum kind { KIND_PARAMS = 1, KIND_CORE = 2 };

typedef struct {
    uint64_t id;
    int kind;
    void *ptr;
} entry;

static entry *table = NULL;
static size_t n_live = 0;
static size_t capacity = 0;
static uint64_t next_id = 1;
static int exit_registered = 0;

static void free_object(int kind, void *ptr) {
    if (kind == KIND_PARAMS) {
        xbar_params_free((xbar_params *)ptr);
    } else {
        xbar_core_free((xbar_core *)ptr);
    }
}

static void free_all(void) { /* at MEX unload: nothing may outlive the library */
    for (size_t i = 0; i < n_live; i++) {
        free_object(table[i].kind, table[i].ptr);
    }
    free(table);
    table = NULL;
    n_live = capacity = 0;
}

/* Records a new object; returns its id as a uint64 scalar. */
static mxArray *register_object(int kind, void *ptr) {
    if (n_live == capacity) {
        size_t cap = capacity ? 2 * capacity : 16;
        entry *t = (entry *)realloc(table, cap * sizeof *t);
        if (t == NULL) {
            free_object(kind, ptr);
            mexErrMsgIdAndTxt("xbar:OUT_OF_MEMORY", "xbar_mex: out of memory for the handle table");
        }
        table = t;
        capacity = cap;
    }
    if (n_live == 0) {
        mexLock();
    }
    table[n_live].id = next_id;
    table[n_live].kind = kind;
    table[n_live].ptr = ptr;
    n_live++;
    mxArray *h = mxCreateNumericMatrix(1, 1, mxUINT64_CLASS, mxREAL);
    *mxGetUint64s(h) = next_id++;
    return h;
}

static const char *kind_name(int kind) { return kind == KIND_PARAMS ? "xbar.Params" : "xbar.Core"; }

/* Index of the live object with this handle and kind; raises xbar:handle otherwise. */
static size_t find_object(const mxArray *h, int kind) {
    if (!mxIsUint64(h) || mxIsComplex(h) || mxGetNumberOfElements(h) != 1) {
        mexErrMsgIdAndTxt("xbar:handle", "xbar_mex: a %s handle must be a uint64 scalar", kind_name(kind));
    }
    uint64_t id = *mxGetUint64s(h);
    for (size_t i = 0; i < n_live; i++) {
        if (table[i].id == id && table[i].kind == kind) {
            return i;
        }
    }
    mexErrMsgIdAndTxt("xbar:handle", "xbar_mex: %s handle %llu is not alive (deleted, or from another session)",
                      kind_name(kind), (unsigned long long)id);
    return 0; /* not reached */
}

static void *object(const mxArray *h, int kind) { return table[find_object(h, kind)].ptr; }

static void release_object(const mxArray *h, int kind) {
    size_t i = find_object(h, kind);
    free_object(table[i].kind, table[i].ptr);
    table[i] = table[--n_live];
    if (n_live == 0) {
        mexUnlock();
    }
}

/* ------------------------------------------------------------ errors and arguments */

static const char *status_id(xbar_status s) {
    switch (s) {
        case XBAR_OK: return "xbar:OK";
        case XBAR_ERR_NULL_ARGUMENT: return "xbar:NULL_ARGUMENT";
        case XBAR_ERR_INVALID_ARGUMENT: return "xbar:INVALID_ARGUMENT";
        case XBAR_ERR_SHAPE: return "xbar:SHAPE";
        case XBAR_ERR_PARAMS: return "xbar:PARAMS";
        case XBAR_ERR_PARSE: return "xbar:PARSE";
        case XBAR_ERR_UNSUPPORTED: return "xbar:UNSUPPORTED";
        case XBAR_ERR_BACKEND_UNAVAILABLE: return "xbar:BACKEND_UNAVAILABLE";
        case XBAR_ERR_NOT_PROGRAMMED: return "xbar:NOT_PROGRAMMED";
        case XBAR_ERR_NO_CONVERGENCE: return "xbar:NO_CONVERGENCE";
        case XBAR_ERR_BUFFER_TOO_SMALL: return "xbar:BUFFER_TOO_SMALL";
        case XBAR_ERR_OUT_OF_MEMORY: return "xbar:OUT_OF_MEMORY";
        case XBAR_ERR_IO: return "xbar:IO";
        case XBAR_ERR_INTERNAL: return "xbar:INTERNAL";
    }
    return "xbar:UNKNOWN";
}

/* Raises the MATLAB error for a failed call (after it has returned). */
static void check(xbar_status s) {
    if (s != XBAR_OK) {
        mexErrMsgIdAndTxt(status_id(s), "%s", xbar_last_error_message());
    }
}

static void usage(const char *msg) { mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s", msg); }

static void need_args(int nrhs, int n, const char *cmd) {
    if (nrhs != n) {
        mexErrMsgIdAndTxt("xbar:usage", "xbar_mex('%s', ...) takes %d arguments, got %d", cmd, n - 1, nrhs - 1);
    }
}

/* A char row vector; mxFree the result (MATLAB also frees it if an error jumps out). */
static char *string_arg(const mxArray *a, const char *what) {
    if (!mxIsChar(a) || (mxGetM(a) > 1)) {
        mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s must be a character row vector", what);
    }
    char *s = mxArrayToString(a);
    if (s == NULL) {
        mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s could not be converted to text", what);
    }
    return s;
}

static double real_scalar(const mxArray *a, const char *what) {
    if (!mxIsNumeric(a) || mxIsComplex(a) || mxGetNumberOfElements(a) != 1) {
        mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s must be a real numeric scalar", what);
    }
    return mxGetScalar(a);
}

static size_t size_arg(const mxArray *a, const char *what) {
    double v = real_scalar(a, what);
    if (!(v >= 0.0) || v != floor(v) || v > 9007199254740992.0) {
        mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s must be a non-negative integer", what);
    }
    return (size_t)v;
}

static uint64_t seed_arg(const mxArray *a) {
    if (mxIsUint64(a) && !mxIsComplex(a) && mxGetNumberOfElements(a) == 1) {
        return *mxGetUint64s(a);
    }
    return (uint64_t)size_arg(a, "seed");
}

/* Data kinds accepted for matrices and batches. */
enum data { DATA_DOUBLE, DATA_SINGLE, DATA_COMPLEX };

static enum data data_kind(const mxArray *a, const char *what) {
    if (mxIsSparse(a) || mxGetNumberOfDimensions(a) != 2) {
        mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s must be a full 2-D matrix", what);
    }
    if (mxIsDouble(a)) {
        return mxIsComplex(a) ? DATA_COMPLEX : DATA_DOUBLE;
    }
    if (mxIsSingle(a) && !mxIsComplex(a)) {
        return DATA_SINGLE;
    }
    mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: %s must be double (real or complex) or real single", what);
    return DATA_DOUBLE; /* not reached */
}

/* A zero-filled m x n output matrix. Complex ones get their data buffer from
 * here: GNU Octave 7.3's mxCreateNumericMatrix(..., mxCOMPLEX) with the
 * interleaved API allocates only half of the (re, im) pairs (valgrind shows
 * the overrun), so the gateway creates a 0 x 0 complex array and gives it a
 * buffer of the right size, the pattern MATLAB documents for
 * mxSetComplexDoubles. */
static mxArray *new_matrix(enum data d, size_t m, size_t n) {
    if (d != DATA_COMPLEX) {
        return mxCreateNumericMatrix(m, n, d == DATA_SINGLE ? mxSINGLE_CLASS : mxDOUBLE_CLASS, mxREAL);
    }
    mxArray *a = mxCreateNumericMatrix(0, 0, mxDOUBLE_CLASS, mxCOMPLEX);
    if (m > 0 && n > 0) {
        mxComplexDouble *data = (mxComplexDouble *)mxCalloc(m * n, sizeof *data);
        mxFree(mxGetComplexDoubles(a));
        mxSetComplexDoubles(a, data);
    }
    mxSetM(a, m);
    mxSetN(a, n);
    return a;
}

/* Query size, then fill: `fn(ctx, buf, cap, &len)` is one C call writing `len`
 * bytes into a caller buffer. Returns them in an mxMalloc'ed buffer (mxFree
 * it) and their number in *out_len; raises the MATLAB error of a failure. */
typedef xbar_status (*fill_fn)(const void *ctx, void *buf, size_t cap, size_t *len);

static void *fetch_bytes(fill_fn fn, const void *ctx, size_t *out_len) {
    size_t len = 0;
    xbar_status s = fn(ctx, NULL, 0, &len);
    for (int tries = 0; s == XBAR_ERR_BUFFER_TOO_SMALL && tries < 4; tries++) {
        void *buf = mxMalloc(len);
        s = fn(ctx, buf, len, &len);
        if (s == XBAR_OK) {
            *out_len = len;
            return buf;
        }
        mxFree(buf);
    }
    check(s);
    *out_len = 0; /* XBAR_OK with cap 0: nothing to write */
    return NULL;
}

/* The text of a NUL-terminated-text call as a MATLAB char array. */
static mxArray *fetch_string(fill_fn fn, const void *ctx) {
    size_t len = 0;
    char *buf = (char *)fetch_bytes(fn, ctx, &len);
    mxArray *out = mxCreateString(len > 0 ? buf : "");
    mxFree(buf);
    return out;
}

/* Contexts and adapters of the text- and byte-returning calls. */
typedef struct {
    const xbar_params *p;
    const char *path;
} params_text;

static xbar_status params_get_fill(const void *ctx, void *buf, size_t cap, size_t *len) {
    const params_text *t = (const params_text *)ctx;
    return xbar_params_get(t->p, t->path, (char *)buf, cap, len);
}

static xbar_status params_to_json_fill(const void *ctx, void *buf, size_t cap, size_t *len) {
    return xbar_params_to_json(((const params_text *)ctx)->p, (char *)buf, cap, len);
}

typedef struct {
    const xbar_core *c;
    const double *x;
    size_t n;
} core_input;

static xbar_status core_serialize_fill(const void *ctx, void *buf, size_t cap, size_t *len) {
    return xbar_core_serialize(((const core_input *)ctx)->c, (uint8_t *)buf, cap, len);
}

static xbar_status core_export_spice_fill(const void *ctx, void *buf, size_t cap, size_t *len) {
    const core_input *in = (const core_input *)ctx;
    return xbar_core_export_spice(in->c, in->x, in->n, (char *)buf, cap, len);
}

static xbar_status core_cost_json_fill(const void *ctx, void *buf, size_t cap, size_t *len) {
    return xbar_core_cost_json(((const core_input *)ctx)->c, (char *)buf, cap, len);
}

/* ------------------------------------------------------------ commands */

static void cmd_params_new(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)prhs;
    need_args(nrhs, 1, "params_new");
    xbar_params *p = NULL;
    check(xbar_params_new(&p));
    plhs[0] = register_object(KIND_PARAMS, p);
}

static void cmd_params_preset(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "params_preset");
    char *name = string_arg(prhs[1], "the preset name");
    xbar_params *p = NULL;
    xbar_status s = xbar_params_preset(name, &p);
    mxFree(name);
    check(s);
    plhs[0] = register_object(KIND_PARAMS, p);
}

static void cmd_params_from_json(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "params_from_json");
    char *json = string_arg(prhs[1], "the JSON text");
    xbar_params *p = NULL;
    xbar_status s = xbar_params_from_json(json, &p);
    mxFree(json);
    check(s);
    plhs[0] = register_object(KIND_PARAMS, p);
}

static void cmd_params_free(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 2, "params_free");
    release_object(prhs[1], KIND_PARAMS);
}

static void cmd_params_set(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 4, "params_set");
    xbar_params *p = (xbar_params *)object(prhs[1], KIND_PARAMS);
    char *path = string_arg(prhs[2], "the parameter path");
    char *json = string_arg(prhs[3], "the JSON value");
    xbar_status s = xbar_params_set(p, path, json);
    mxFree(path);
    mxFree(json);
    check(s);
}

static void cmd_params_get(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 3, "params_get");
    xbar_params *p = (xbar_params *)object(prhs[1], KIND_PARAMS);
    char *path = string_arg(prhs[2], "the parameter path");
    params_text ctx = {p, path};
    plhs[0] = fetch_string(params_get_fill, &ctx);
    mxFree(path);
}

static void cmd_params_to_json(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "params_to_json");
    xbar_params *p = (xbar_params *)object(prhs[1], KIND_PARAMS);
    params_text ctx = {p, NULL};
    plhs[0] = fetch_string(params_to_json_fill, &ctx);
}

static void cmd_core_new(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 5, "core_new");
    xbar_params *p = (xbar_params *)object(prhs[1], KIND_PARAMS);
    size_t rows = size_arg(prhs[2], "rows");
    size_t cols = size_arg(prhs[3], "cols");
    uint64_t seed = seed_arg(prhs[4]);
    xbar_core *c = NULL;
    check(xbar_core_new(p, rows, cols, seed, &c));
    plhs[0] = register_object(KIND_CORE, c);
}

static void cmd_core_free(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 2, "core_free");
    release_object(prhs[1], KIND_CORE);
}

static void cmd_core_program(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 3, "core_program");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    const mxArray *w = prhs[2];
    size_t m = mxGetM(w), n = mxGetN(w);
    switch (data_kind(w, "W")) {
        case DATA_DOUBLE: check(xbar_core_program(c, mxGetDoubles(w), m, n, XBAR_COL_MAJOR)); break;
        case DATA_SINGLE: check(xbar_core_program_f32(c, mxGetSingles(w), m, n, XBAR_COL_MAJOR)); break;
        case DATA_COMPLEX:
            check(xbar_core_program_complex(c, (const double *)mxGetComplexDoubles(w), m, n, XBAR_COL_MAJOR));
            break;
    }
}

static void cmd_core_read(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 3, "core_read");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    char *cls = string_arg(prhs[2], "the class");
    enum data d = DATA_DOUBLE;
    if (strcmp(cls, "single") == 0) {
        d = DATA_SINGLE;
    } else if (strcmp(cls, "complex") == 0) {
        d = DATA_COMPLEX;
    } else if (strcmp(cls, "double") != 0) {
        usage("core_read: class must be 'double', 'single' or 'complex'");
    }
    mxFree(cls);
    size_t m = xbar_core_rows(c), n = xbar_core_cols(c);
    mxArray *w = new_matrix(d, m, n);
    xbar_status s = XBAR_OK;
    switch (d) {
        case DATA_DOUBLE: s = xbar_core_read(c, mxGetDoubles(w), m, n, XBAR_COL_MAJOR); break;
        case DATA_SINGLE: s = xbar_core_read_f32(c, mxGetSingles(w), m, n, XBAR_COL_MAJOR); break;
        case DATA_COMPLEX: s = xbar_core_read_complex(c, (double *)mxGetComplexDoubles(w), m, n, XBAR_COL_MAJOR); break;
    }
    if (s != XBAR_OK) {
        mxDestroyArray(w);
        check(s);
    }
    plhs[0] = w;
}

/* mvm (transpose = 0): X is cols x batch, Y rows x batch.
 * vmm (transpose = 1): V is rows x batch, Y cols x batch. */
static void products(int transpose, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    const char *cmd = transpose ? "core_vmm" : "core_mvm";
    need_args(nrhs, 3, cmd);
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    const mxArray *x = prhs[2];
    enum data d = data_kind(x, transpose ? "V" : "X");
    size_t n = mxGetM(x), batch = mxGetN(x);
    size_t m = transpose ? xbar_core_cols(c) : xbar_core_rows(c);
    mxArray *y = new_matrix(d, m, batch);
    xbar_status s = XBAR_OK;
    switch (d) {
        case DATA_DOUBLE:
            s = (transpose ? xbar_core_vmm : xbar_core_mvm)(c, mxGetDoubles(x), batch, n, mxGetDoubles(y), m);
            break;
        case DATA_SINGLE:
            s = (transpose ? xbar_core_vmm_f32 : xbar_core_mvm_f32)(c, mxGetSingles(x), batch, n, mxGetSingles(y), m);
            break;
        case DATA_COMPLEX:
            s = (transpose ? xbar_core_vmm_complex : xbar_core_mvm_complex)(
                c, (const double *)mxGetComplexDoubles(x), batch, n, (double *)mxGetComplexDoubles(y), m);
            break;
    }
    if (s != XBAR_OK) {
        mxDestroyArray(y);
        check(s);
    }
    plhs[0] = y;
}

static void cmd_core_mvm(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    products(0, plhs, nrhs, prhs);
}

static void cmd_core_vmm(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    products(1, plhs, nrhs, prhs);
}

static void cmd_core_update(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 5, "core_update");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    const mxArray *x = prhs[2], *dd = prhs[3];
    double lr = real_scalar(prhs[4], "lr");
    enum data d = data_kind(x, "X");
    if (data_kind(dd, "D") != d || d == DATA_COMPLEX) {
        usage("core_update: X and D must both be real double or both real single");
    }
    /* The C function takes the sizes from the core: check them before it reads. */
    size_t batch = mxGetN(x);
    if (mxGetM(x) != xbar_core_cols(c) || mxGetM(dd) != xbar_core_rows(c) || mxGetN(dd) != batch) {
        mexErrMsgIdAndTxt("xbar:SHAPE", "xbar_core_update: X is %zu x %zu and D %zu x %zu; expected %zu x batch and %zu x batch",
                          (size_t)mxGetM(x), batch, (size_t)mxGetM(dd), (size_t)mxGetN(dd), xbar_core_cols(c),
                          xbar_core_rows(c));
    }
    if (d == DATA_DOUBLE) {
        check(xbar_core_update(c, mxGetDoubles(x), mxGetDoubles(dd), batch, lr));
    } else {
        check(xbar_core_update_f32(c, mxGetSingles(x), mxGetSingles(dd), batch, (float)lr));
    }
}

static void cmd_core_set_time(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 3, "core_set_time");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    check(xbar_core_set_time(c, real_scalar(prhs[2], "seconds")));
}

/* The array layout: a 9 x n double matrix, one column per array (tile row,
 * tile column, first weight row, first weight column, role 0/1/2, slice,
 * rows, cols, offset of the first cell; all 0-based as the C API gives them). */
static void cmd_core_arrays(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_arrays");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    size_t n = 0;
    check(xbar_core_array_count(c, &n));
    size_t *info = (size_t *)mxMalloc((9 * n > 0 ? 9 * n : 1) * sizeof(size_t));
    xbar_status s = xbar_core_array_layout(c, info, 9 * n);
    if (s != XBAR_OK) {
        mxFree(info);
        check(s);
    }
    plhs[0] = mxCreateDoubleMatrix(9, n, mxREAL);
    double *out = mxGetDoubles(plhs[0]);
    for (size_t k = 0; k < 9 * n; k++) out[k] = (double)info[k];
    mxFree(info);
}

/* Every cell's conductance in siemens: a column vector in the C API's order. */
static void cmd_core_conductances(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_conductances");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    size_t n = 0;
    check(xbar_core_conductance_count(c, &n));
    plhs[0] = mxCreateDoubleMatrix(n, 1, mxREAL);
    check(xbar_core_conductances(c, mxGetDoubles(plhs[0]), n));
}

static void cmd_core_drift_compensation(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_drift_compensation");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    double f = 0.0;
    check(xbar_core_drift_compensation(c, &f));
    plhs[0] = mxCreateDoubleScalar(f);
}

static void cmd_core_save(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 3, "core_save");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    char *path = string_arg(prhs[2], "the file name");
    xbar_status s = xbar_core_save(c, path);
    mxFree(path);
    check(s);
}

static void cmd_core_load(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_load");
    char *path = string_arg(prhs[1], "the file name");
    xbar_core *c = NULL;
    xbar_status s = xbar_core_load(path, &c);
    mxFree(path);
    check(s);
    plhs[0] = register_object(KIND_CORE, c);
}

static void cmd_core_serialize(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_serialize");
    core_input ctx = {(const xbar_core *)object(prhs[1], KIND_CORE), NULL, 0};
    size_t len = 0;
    uint8_t *bytes = (uint8_t *)fetch_bytes(core_serialize_fill, &ctx, &len);
    plhs[0] = mxCreateNumericMatrix(1, len, mxUINT8_CLASS, mxREAL);
    if (len > 0) {
        memcpy(mxGetUint8s(plhs[0]), bytes, len);
    }
    mxFree(bytes);
}

static void cmd_core_deserialize(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_deserialize");
    const mxArray *b = prhs[1];
    if (!mxIsUint8(b) || mxIsComplex(b) || mxIsSparse(b)) {
        usage("core_deserialize: the bytes must be a uint8 array");
    }
    xbar_core *c = NULL;
    check(xbar_core_deserialize(mxGetUint8s(b), mxGetNumberOfElements(b), &c));
    plhs[0] = register_object(KIND_CORE, c);
}

static void cmd_core_export_spice(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 3, "core_export_spice");
    const mxArray *x = prhs[2];
    if (data_kind(x, "x") != DATA_DOUBLE) {
        usage("core_export_spice: x must be real double");
    }
    core_input ctx = {(const xbar_core *)object(prhs[1], KIND_CORE), mxGetDoubles(x), mxGetNumberOfElements(x)};
    plhs[0] = fetch_string(core_export_spice_fill, &ctx);
}

static void cmd_core_cost_json(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_cost_json");
    core_input ctx = {(const xbar_core *)object(prhs[1], KIND_CORE), NULL, 0};
    plhs[0] = fetch_string(core_cost_json_fill, &ctx);
}

static void cmd_core_cost_reset(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)plhs;
    need_args(nrhs, 2, "core_cost_reset");
    check(xbar_core_cost_reset((xbar_core *)object(prhs[1], KIND_CORE)));
}

static void cmd_core_size(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    need_args(nrhs, 2, "core_size");
    xbar_core *c = (xbar_core *)object(prhs[1], KIND_CORE);
    plhs[0] = mxCreateDoubleMatrix(1, 2, mxREAL);
    mxGetDoubles(plhs[0])[0] = (double)xbar_core_rows(c);
    mxGetDoubles(plhs[0])[1] = (double)xbar_core_cols(c);
}

static void cmd_version(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)prhs;
    need_args(nrhs, 1, "version");
    plhs[0] = mxCreateString(xbar_version());
}

static void cmd_live(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs, (void)prhs;
    need_args(nrhs, 1, "live");
    plhs[0] = mxCreateDoubleScalar((double)n_live);
}

typedef void (*command_fn)(int, mxArray *[], int, const mxArray *[]);

static const struct {
    const char *name;
    command_fn fn;
    int outputs;
} commands[] = {
    {"params_new", cmd_params_new, 1},     {"params_preset", cmd_params_preset, 1},
    {"params_from_json", cmd_params_from_json, 1},
    {"params_free", cmd_params_free, 0},   {"params_set", cmd_params_set, 0},
    {"params_get", cmd_params_get, 1},     {"params_to_json", cmd_params_to_json, 1},
    {"core_new", cmd_core_new, 1},         {"core_free", cmd_core_free, 0},
    {"core_program", cmd_core_program, 0}, {"core_read", cmd_core_read, 1},
    {"core_mvm", cmd_core_mvm, 1},         {"core_vmm", cmd_core_vmm, 1},
    {"core_update", cmd_core_update, 0},   {"core_set_time", cmd_core_set_time, 0},
    {"core_save", cmd_core_save, 0},       {"core_load", cmd_core_load, 1},
    {"core_serialize", cmd_core_serialize, 1}, {"core_deserialize", cmd_core_deserialize, 1},
    {"core_export_spice", cmd_core_export_spice, 1},
    {"core_cost_json", cmd_core_cost_json, 1}, {"core_cost_reset", cmd_core_cost_reset, 0},
    {"core_size", cmd_core_size, 1},       {"version", cmd_version, 1},
    {"live", cmd_live, 1},
    {"core_arrays", cmd_core_arrays, 1},   {"core_conductances", cmd_core_conductances, 1},
    {"core_drift_compensation", cmd_core_drift_compensation, 1},
};

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    if (!exit_registered) {
        mexAtExit(free_all);
        exit_registered = 1;
    }
    char cmd[32];
    if (nrhs < 1 || !mxIsChar(prhs[0]) || mxGetString(prhs[0], cmd, sizeof cmd) != 0) {
        usage("the first argument must be a command name, e.g. xbar_mex('version')");
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            if (nlhs > commands[i].outputs && !(nlhs == 1 && commands[i].outputs == 0)) {
                mexErrMsgIdAndTxt("xbar:usage", "xbar_mex('%s') returns %d values", cmd, commands[i].outputs);
            }
            commands[i].fn(nlhs, plhs, nrhs, prhs);
            return;
        }
    }
    mexErrMsgIdAndTxt("xbar:usage", "xbar_mex: unknown command '%s'", cmd);
}
