/*
 * digits.c: the digits example (examples/digits/) through the C API.
 *
 * A 64-32-10 perceptron (ReLU hidden layer, softmax outputs) on the UCI
 * optical digits: trained in floating point, programmed on xbar cores and
 * evaluated with ADC and DAC resolutions, read noise, device models, PCM
 * drift and wire resistance, then trained in situ on the cores. It is the
 * run of `cargo run --release --example digits` step for step: the same
 * split, initial weights and sample order (from the same Philox4x32-10
 * stream), the same floating-point operations in the same order, the same
 * parameters and core seeds; so digits.csv holds the same numbers, bit for
 * bit, and the table on stdout is the same (tests/c/digits.sh checks both).
 * No plot is drawn.
 *
 * Build and run from the repository root (static link, no install needed):
 *
 *   cargo build --release
 *   gcc -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -Iinclude examples/c/digits.c \
 *       target/release/libxbar.a -lm -lpthread -ldl -o target/digits-c
 *   gzip -dc examples/data/digits.csv.gz | target/digits-c [--quick | --full] [--out DIR]
 *
 * The data come on standard input: one image per line, 65 comma-separated
 * integers (the 64 pixels 0..16 row by row, then the label 0..9).
 *
 * Bit-identical floating point needs a*b+c to stay two roundings, as in
 * Rust: gcc's -std=c11 implies -ffp-contract=off; with clang, or with a GNU
 * mode and FMA instructions enabled (-march=...), add -ffp-contract=off, or
 * fused multiply-adds change the numbers.
 */
#define _POSIX_C_SOURCE 200809L /* getline, open_memstream, mkdir, clock_gettime */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "xbar.h"

/* Image size, classes, hidden units, layers; BATCH: the minibatch of every training run. */
enum { PIXELS = 64, CLASSES = 10, HIDDEN = 32, LAYERS = 2, BATCH = 16 };

/* ------------------------------------------------------------------ helpers */

/* Prints "digits: <message>" to stderr and exits with status 1. */
static void fail(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    fputs("digits: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) fail("out of memory");
    return p;
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + 1e-9 * (double)(now.tv_nsec - start->tv_nsec);
}

/* The double nearest to d.ddd x 10^exp10 (digits "dddd"). */
static double decimal(const char *digits, int exp10) {
    char text[40];
    snprintf(text, sizeof text, "%c.%se%d", digits[0], digits + 1, exp10);
    return strtod(text, NULL);
}

/*
 * Writes v as Rust's `{}` Display formats an f64: the shortest decimal that
 * reads back as v (of two such, the nearer to v, the larger on a tie),
 * written out positionally (never with an exponent) and without a fraction
 * when there is none: 4.0 -> "4", 0.05 -> "0.05", 1e-7 -> "0.0000001",
 * 31557600.0 -> "31557600", -0.0 -> "-0". v must be finite; `out` gets at
 * most cap - 1 characters (up to 345 for the extreme doubles).
 */
static void format_f64(char *out, size_t cap, double v) {
    /* |v| exactly, as "d.<766 digits>e<exp>": 767 significant digits hold any double. */
    char exact[780];
    snprintf(exact, sizeof exact, "%.766e", fabs(v));
    const char *rest = exact + 2; /* the digits after the first */
    int exp10 = atoi(exact + 769);

    /* The fewest digits n for which |v| truncated to n digits (lo) or one
     * unit above it (hi) reads back as v; n = 17 always succeeds. */
    char digits[20];
    for (int n = 1; n <= 17; n++) {
        char lo[20], hi[20];
        lo[0] = exact[0];
        memcpy(lo + 1, rest, (size_t)n - 1);
        lo[n] = '\0';
        memcpy(hi, lo, sizeof lo);
        int hi_exp = exp10, i = n - 1;
        while (i >= 0 && hi[i] == '9') hi[i--] = '0';
        if (i >= 0) {
            hi[i]++;
        } else { /* 99..9 + 1 = 10..0 */
            hi[0] = '1';
            hi_exp++;
        }
        int lo_ok = decimal(lo, exp10) == fabs(v), hi_ok = decimal(hi, hi_exp) == fabs(v);
        if (!lo_ok && !hi_ok) continue;
        /* The digits of |v| beyond lo against half a unit (5000...): the sign of
         * `half` says below, exactly half or above. */
        const char *tail = rest + n - 1;
        int half = *tail != '5' ? *tail - '5' : strspn(tail + 1, "0") < strlen(tail + 1);
        int up = hi_ok && (!lo_ok || half >= 0);
        memcpy(digits, up ? hi : lo, sizeof lo);
        exp10 = up ? hi_exp : exp10;
        break;
    }
    size_t n = strlen(digits);
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';

    /* Positional notation: `point` digits before the decimal point. */
    char text[352];
    size_t len = 0;
    int point = exp10 + 1;
    if (signbit(v)) text[len++] = '-';
    if (point <= 0) { /* 0.000ddd */
        text[len++] = '0';
        text[len++] = '.';
        for (int i = 0; i < -point; i++) text[len++] = '0';
        for (size_t i = 0; i < n; i++) text[len++] = digits[i];
    } else if ((size_t)point >= n) { /* ddd000 */
        for (size_t i = 0; i < n; i++) text[len++] = digits[i];
        for (size_t i = n; i < (size_t)point; i++) text[len++] = '0';
    } else { /* dd.ddd */
        for (size_t i = 0; i < n; i++) {
            if (i == (size_t)point) text[len++] = '.';
            text[len++] = digits[i];
        }
    }
    text[len] = '\0';
    snprintf(out, cap, "%s", text);
}

/* Prints s padded with spaces to `width` characters (Unicode code points, as
 * Rust's format! counts them), left-aligned or right-aligned. */
static void print_padded(const char *s, size_t width, int right) {
    size_t chars = 0;
    for (const char *c = s; *c; c++) chars += ((unsigned char)*c & 0xC0) != 0x80;
    int pad = chars < width ? (int)(width - chars) : 0;
    if (right) printf("%*s", pad, "");
    fputs(s, stdout);
    if (!right) printf("%*s", pad, "");
}

/* One line of the table: "{group:<12} {setting:<70} {runs:>4}  {accuracy}". */
static void table_line(const char *group, const char *setting, const char *runs, const char *accuracy) {
    print_padded(group, 12, 0);
    putchar(' ');
    print_padded(setting, 70, 0);
    putchar(' ');
    print_padded(runs, 4, 1);
    printf("  %s\n", accuracy);
}

/* The last library error without its leading "function: ", which is the text
 * of the Rust example's xbar::Error. */
static const char *library_message(void) {
    const char *m = xbar_last_error_message();
    const char *colon = strstr(m, ": ");
    return colon ? colon + 2 : m;
}

/* -------------------------------------------------------------- randomness */

/* Philox4x32-10 (src/rng/mod.rs): encrypts the counter c in place under the key (k0, k1). */
static void philox4x32(uint32_t c[4], uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
        uint32_t next[4] = {(uint32_t)(p1 >> 32) ^ c[1] ^ k0, (uint32_t)p1,
                            (uint32_t)(p0 >> 32) ^ c[3] ^ k1, (uint32_t)p0};
        memcpy(c, next, sizeof next);
    }
}

/*
 * The example's own randomness (split, initial weights, sample order), as
 * examples/digits/random.rs draws it: element i of xbar's stream (seed,
 * array u32::MAX, purpose Update = 6, call 0), i.e. the Philox block of key
 * (seed low, seed high) and counter (i, 0xFFFFFFFF, 6 << 24, 0); no core
 * uses that stream. (Runs here draw far fewer than the 2^32 elements a
 * stream holds.)
 */
typedef struct {
    uint64_t seed;
    uint32_t next;
} Rng;

static Rng rng_new(uint64_t seed) {
    Rng r = {seed, 0};
    return r;
}

/* Uniform in [0, 1): 53 bits, word 0 on top of the upper 21 bits of word 1. */
static double rng_uniform(Rng *r) {
    uint32_t c[4] = {r->next++, UINT32_MAX, 6u << 24, 0};
    philox4x32(c, (uint32_t)r->seed, (uint32_t)(r->seed >> 32));
    uint64_t m = ((uint64_t)c[0] << 21) | (c[1] >> 11);
    return (double)m * (1.0 / 9007199254740992.0);
}

/* Uniform integer in 0..n-1 (n >= 1). */
static size_t rng_below(Rng *r, size_t n) {
    size_t k = (size_t)(rng_uniform(r) * (double)n);
    return k < n - 1 ? k : n - 1;
}

/* Fisher-Yates shuffle, from the last element down. */
static void rng_shuffle(Rng *r, size_t *v, size_t n) {
    for (size_t i = n; i-- > 1;) {
        size_t j = rng_below(r, i + 1);
        size_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* -------------------------------------------------------------------- data */

/* Images as rows of PIXELS values scaled to [0, 1], and their labels. */
typedef struct {
    size_t n;
    double *x;
    int *y;
} Set;

static Set set_alloc(size_t n) {
    Set s = {n, xmalloc(n * PIXELS * sizeof(double)), xmalloc(n * sizeof(int))};
    return s;
}

static void set_free(Set *s) {
    free(s->x);
    free(s->y);
}

/* Fills `out` (room for n images) with the images and labels of `all` at idx, in that order. */
static void set_gather(const Set *all, const size_t *idx, size_t n, Set *out) {
    for (size_t k = 0; k < n; k++) {
        memcpy(&out->x[k * PIXELS], &all->x[idx[k] * PIXELS], PIXELS * sizeof(double));
        out->y[k] = all->y[idx[k]];
    }
    out->n = n;
}

/* Parses one CSV line into 64 pixels divided by 16 and a label; exits on a malformed line. */
static void parse_image(const char *line, size_t number, double *x, int *y) {
    const char *p = line;
    for (int k = 0; k <= PIXELS; k++) {
        int label = k == PIXELS;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        int ok = end != p && errno == 0 && v >= 0 && v <= (label ? CLASSES - 1 : 16);
        while (isspace((unsigned char)*end)) end++;
        if (!ok || *end != (label ? '\0' : ','))
            fail("standard input, line %zu: expected 65 integers separated by commas "
                 "(64 pixels 0..16, then a label 0..9)",
                 number);
        if (label)
            *y = (int)v;
        else
            x[k] = (double)v / 16.0;
        p = end + 1;
    }
}

/* Reads the whole data set from `in`, skipping blank lines. */
static Set load(FILE *in) {
    Set s = {0, NULL, NULL};
    size_t cap = 0, number = 0, len = 0;
    char *line = NULL;
    while (getline(&line, &len, in) != -1) {
        number++;
        const char *c = line;
        while (isspace((unsigned char)*c)) c++;
        if (*c == '\0') continue;
        if (s.n == cap) {
            cap = cap ? 2 * cap : 2048;
            s.x = realloc(s.x, cap * PIXELS * sizeof(double));
            s.y = realloc(s.y, cap * sizeof(int));
            if (!s.x || !s.y) fail("out of memory");
        }
        parse_image(line, number, &s.x[s.n * PIXELS], &s.y[s.n]);
        s.n++;
    }
    if (ferror(in)) fail("standard input: %s", strerror(errno));
    free(line);
    if (s.n == 0)
        fail("no images on standard input; run: gzip -dc examples/data/digits.csv.gz | digits-c");
    return s;
}

/* A stratified split: `test_share` of each class goes to the test set,
 * chosen by a seeded shuffle; both sets are then shuffled. */
static void split(const Set *all, double test_share, uint64_t seed, Set *train, Set *test) {
    Rng rng = rng_new(seed);
    size_t *idx = xmalloc(all->n * sizeof(size_t));
    size_t *tr = xmalloc(all->n * sizeof(size_t)), *te = xmalloc(all->n * sizeof(size_t));
    size_t n_train = 0, n_test = 0;
    for (int class = 0; class < CLASSES; class++) {
        size_t n = 0;
        for (size_t i = 0; i < all->n; i++)
            if (all->y[i] == class) idx[n++] = i;
        rng_shuffle(&rng, idx, n);
        size_t k = (size_t)round((double)n * test_share);
        for (size_t i = 0; i < n; i++) {
            if (i < k)
                te[n_test++] = idx[i];
            else
                tr[n_train++] = idx[i];
        }
    }
    rng_shuffle(&rng, tr, n_train);
    rng_shuffle(&rng, te, n_test);
    *train = set_alloc(n_train);
    *test = set_alloc(n_test);
    set_gather(all, tr, n_train, train);
    set_gather(all, te, n_test, test);
    free(idx);
    free(tr);
    free(te);
}

/* ------------------------------------------------------------------ layers */

/* A weight matrix W (rows x cols) as a layer: in floating point (w, row-major) or programmed on a core. */
typedef struct {
    size_t rows, cols;
    double *w;
    xbar_core *core;
} Layer;

/* He-uniform initialisation: U(-a, a) with a = sqrt(6 / cols). */
static Layer dense_init(size_t rows, size_t cols, Rng *rng) {
    Layer l = {rows, cols, xmalloc(rows * cols * sizeof(double)), NULL};
    double a = sqrt(6.0 / (double)cols);
    for (size_t i = 0; i < rows * cols; i++) l.w[i] = a * (2.0 * rng_uniform(rng) - 1.0);
    return l;
}

static Layer dense_copy(const Layer *d) {
    Layer l = {d->rows, d->cols, xmalloc(d->rows * d->cols * sizeof(double)), NULL};
    memcpy(l.w, d->w, d->rows * d->cols * sizeof(double));
    return l;
}

static void layer_free(Layer *l) {
    free(l->w);
    xbar_core_free(l->core);
    l->w = NULL;
    l->core = NULL;
}

/* max |W| of a floating-point layer. */
static double dense_max_abs(const Layer *d) {
    double m = 0.0;
    for (size_t i = 0; i < d->rows * d->cols; i++) m = fabs(d->w[i]) > m ? fabs(d->w[i]) : m;
    return m;
}

/* y[b] = W x[b] (x: batch x cols, y: batch x rows); each dot product summed
 * left to right from -0.0, as Rust's iter().sum(). */
static xbar_status layer_forward(Layer *l, const double *x, size_t batch, double *y) {
    if (l->core) return xbar_core_mvm(l->core, x, batch, l->cols, y, l->rows);
    for (size_t b = 0; b < batch; b++)
        for (size_t i = 0; i < l->rows; i++) {
            double s = -0.0;
            for (size_t j = 0; j < l->cols; j++) s += l->w[i * l->cols + j] * x[b * l->cols + j];
            y[b * l->rows + i] = s;
        }
    return XBAR_OK;
}

/* y[b] = v[b] W (v: batch x rows, y: batch x cols). */
static xbar_status layer_backward(Layer *l, const double *v, size_t batch, double *y) {
    if (l->core) return xbar_core_vmm(l->core, v, batch, l->rows, y, l->cols);
    for (size_t k = 0; k < batch * l->cols; k++) y[k] = 0.0;
    for (size_t b = 0; b < batch; b++)
        for (size_t i = 0; i < l->rows; i++) {
            double vi = v[b * l->rows + i];
            for (size_t j = 0; j < l->cols; j++) y[b * l->cols + j] += vi * l->w[i * l->cols + j];
        }
    return XBAR_OK;
}

/* W += lr sum_b d[b] (outer) x[b] (d: batch x rows, x: batch x cols); on a
 * core through the device's update model, one write per sample. */
static xbar_status layer_update(Layer *l, const double *x, const double *d, size_t batch, double lr) {
    if (l->core) return xbar_core_update(l->core, x, d, batch, lr);
    for (size_t b = 0; b < batch; b++)
        for (size_t i = 0; i < l->rows; i++) {
            double di = lr * d[b * l->rows + i];
            for (size_t j = 0; j < l->cols; j++) l->w[i * l->cols + j] += di * x[b * l->cols + j];
        }
    return XBAR_OK;
}

/* --------------------------------------------------------------------- MLP */

/* Inputs -> l1 -> + b1 -> ReLU -> l2 -> + b2 -> class scores; biases in floating point. */
typedef struct {
    Layer l1, l2;
    double b1[HIDDEN], b2[CLASSES];
} Mlp;

/* A floating-point copy of `net`'s layers and biases. */
static Mlp mlp_copy(const Mlp *net) {
    Mlp m = *net;
    m.l1 = dense_copy(&net->l1);
    m.l2 = dense_copy(&net->l2);
    return m;
}

static void mlp_free(Mlp *net) {
    layer_free(&net->l1);
    layer_free(&net->l2);
}

/* Intermediate values of one forward pass over a batch. */
typedef struct {
    double *pre;    /* hidden pre-activations W1 x + b1 (batch x HIDDEN) */
    double *hidden; /* max(0, pre) */
    double *scores; /* W2 h + b2 (batch x CLASSES) */
} Pass;

static void pass_free(Pass *p) {
    free(p->pre);
    free(p->hidden);
    free(p->scores);
}

static void add_bias(double *y, size_t batch, const double *bias, size_t n) {
    for (size_t b = 0; b < batch; b++)
        for (size_t k = 0; k < n; k++) y[b * n + k] += bias[k];
}

/* The forward pass of a batch; on failure nothing is left allocated. */
static xbar_status mlp_forward(Mlp *net, const double *x, size_t batch, Pass *pass) {
    pass->pre = xmalloc(batch * HIDDEN * sizeof(double));
    pass->hidden = xmalloc(batch * HIDDEN * sizeof(double));
    pass->scores = xmalloc(batch * CLASSES * sizeof(double));
    xbar_status s = layer_forward(&net->l1, x, batch, pass->pre);
    if (s == XBAR_OK) {
        add_bias(pass->pre, batch, net->b1, HIDDEN);
        for (size_t k = 0; k < batch * HIDDEN; k++) pass->hidden[k] = pass->pre[k] > 0.0 ? pass->pre[k] : 0.0;
        s = layer_forward(&net->l2, pass->hidden, batch, pass->scores);
    }
    if (s == XBAR_OK)
        add_bias(pass->scores, batch, net->b2, CLASSES);
    else
        pass_free(pass);
    return s;
}

/* Index of the largest score (the first one on ties). */
static int argmax(const double *v, int n) {
    int best = 0;
    for (int i = 0; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Share of correctly classified images of `set`, in percent. */
static xbar_status mlp_accuracy(Mlp *net, const Set *set, double *accuracy) {
    Pass pass;
    xbar_status s = mlp_forward(net, set->x, set->n, &pass);
    if (s != XBAR_OK) return s;
    size_t correct = 0;
    for (size_t b = 0; b < set->n; b++) correct += argmax(&pass.scores[b * CLASSES], CLASSES) == set->y[b];
    *accuracy = 100.0 * (double)correct / (double)set->n;
    pass_free(&pass);
    return XBAR_OK;
}

/* Column sums of a rows x cols matrix, row after row. */
static void column_sums(const double *m, size_t rows, size_t cols, double *sums) {
    for (size_t k = 0; k < cols; k++) sums[k] = 0.0;
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < cols; k++) sums[k] += m[r * cols + k];
}

/*
 * One SGD step on a minibatch with softmax cross-entropy: the output errors
 * d2 = softmax(s) - onehot(y) (divided by the batch size) are propagated
 * back through l2 (d1 = (d2 W2) masked by pre > 0), and each layer gets
 * W += lr sum (-d) (outer) input; then the biases b -= lr sum d.
 */
static xbar_status sgd_step(Mlp *net, const double *x, const int *y, size_t batch, double lr) {
    Pass pass;
    xbar_status s = mlp_forward(net, x, batch, &pass);
    if (s != XBAR_OK) return s;
    double *d2 = xmalloc(batch * CLASSES * sizeof(double)), *neg2 = xmalloc(batch * CLASSES * sizeof(double));
    double *d1 = xmalloc(batch * HIDDEN * sizeof(double)), *neg1 = xmalloc(batch * HIDDEN * sizeof(double));
    for (size_t b = 0; b < batch; b++) {
        const double *sc = &pass.scores[b * CLASSES];
        double m = -INFINITY, z = -0.0;
        for (int k = 0; k < CLASSES; k++) m = sc[k] > m ? sc[k] : m;
        for (int k = 0; k < CLASSES; k++) z += exp(sc[k] - m);
        for (int k = 0; k < CLASSES; k++) {
            double p = exp(sc[k] - m) / z;
            d2[b * CLASSES + k] = (p - (k == y[b] ? 1.0 : 0.0)) / (double)batch;
        }
    }
    s = layer_backward(&net->l2, d2, batch, d1);
    if (s == XBAR_OK) {
        for (size_t k = 0; k < batch * HIDDEN; k++) {
            if (pass.pre[k] <= 0.0) d1[k] = 0.0;
            neg1[k] = -d1[k];
        }
        for (size_t k = 0; k < batch * CLASSES; k++) neg2[k] = -d2[k];
        s = layer_update(&net->l2, pass.hidden, neg2, batch, lr);
    }
    if (s == XBAR_OK) s = layer_update(&net->l1, x, neg1, batch, lr);
    if (s == XBAR_OK) {
        double sums2[CLASSES], sums1[HIDDEN];
        column_sums(d2, batch, CLASSES, sums2);
        for (int k = 0; k < CLASSES; k++) net->b2[k] -= lr * sums2[k];
        column_sums(d1, batch, HIDDEN, sums1);
        for (int k = 0; k < HIDDEN; k++) net->b1[k] -= lr * sums1[k];
    }
    free(d2);
    free(neg2);
    free(d1);
    free(neg1);
    pass_free(&pass);
    return s;
}

/* One epoch of minibatch SGD over `train` in an order drawn from `rng`. */
static xbar_status mlp_epoch(Mlp *net, const Set *train, size_t batch, double lr, Rng *rng) {
    size_t *order = xmalloc(train->n * sizeof(size_t));
    for (size_t i = 0; i < train->n; i++) order[i] = i;
    rng_shuffle(rng, order, train->n);
    Set mb = set_alloc(batch);
    xbar_status s = XBAR_OK;
    for (size_t start = 0; start < train->n && s == XBAR_OK; start += batch) {
        size_t n = train->n - start < batch ? train->n - start : batch;
        set_gather(train, &order[start], n, &mb);
        s = sgd_step(net, mb.x, mb.y, n, lr);
    }
    set_free(&mb);
    free(order);
    return s;
}

/* --------------------------------------------------------- analog network */

/* What a layer's periphery has to cover, measured on the training set with
 * the floating-point network. */
typedef struct {
    uint64_t index; /* 0: hidden layer, 1: output layer */
    double x_max;   /* largest input (inputs are non-negative) */
    double y_max;   /* largest |W x|, before the bias */
    double w_max;   /* max |W|: the weight on the full conductance range */
} LayerInfo;

/* The largest of the n values of v (of their magnitudes when `absolute`), 0 for none larger. */
static double max_of(const double *v, size_t n, int absolute) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = absolute ? fabs(v[i]) : v[i];
        m = a > m ? a : m;
    }
    return m;
}

/* The LayerInfo of both layers of the floating-point network `net`. */
static void calibrate(Mlp *net, const Set *train, LayerInfo infos[LAYERS]) {
    size_t n = train->n;
    double *y1 = xmalloc(n * HIDDEN * sizeof(double)), *y2 = xmalloc(n * CLASSES * sizeof(double));
    Pass pass;
    /* Floating-point layers cannot fail. */
    (void)layer_forward(&net->l1, train->x, n, y1);
    (void)mlp_forward(net, train->x, n, &pass);
    (void)layer_forward(&net->l2, pass.hidden, n, y2);
    infos[0] = (LayerInfo){0, max_of(train->x, n * PIXELS, 0), max_of(y1, n * HIDDEN, 1),
                           dense_max_abs(&net->l1)};
    infos[1] = (LayerInfo){1, max_of(pass.hidden, n * HIDDEN, 0), max_of(y2, n * CLASSES, 1),
                           dense_max_abs(&net->l2)};
    pass_free(&pass);
    free(y1);
    free(y2);
}

/* Reads a number or boolean parameter of p (its JSON text: "1000.0", "false"). */
static xbar_status get_param(const xbar_params *p, const char *path, char *buf, size_t cap) {
    size_t len;
    return xbar_params_get(p, path, buf, cap, &len);
}

/* The ADC range, in column-current units, that holds every output seen on
 * the training set: with an unsigned DAC over [0, x_max] and a balanced
 * core, (1 - Gmin/Gmax) y_max / (w_max x_max); Gmin/Gmax is Rmin/Rmax, or 0
 * with an infinite on/off ratio. */
static xbar_status adc_range(const xbar_params *p, const LayerInfo *info, double *range) {
    char rmin[64], rmax[64], infinite[16];
    xbar_status s = get_param(p, "xbar.device.Rmin", rmin, sizeof rmin);
    if (s == XBAR_OK) s = get_param(p, "xbar.device.Rmax", rmax, sizeof rmax);
    if (s == XBAR_OK) s = get_param(p, "xbar.device.infinite_on_off_ratio", infinite, sizeof infinite);
    if (s != XBAR_OK) return s;
    double gmin_norm = strcmp(infinite, "true") == 0 ? 0.0 : strtod(rmin, NULL) / strtod(rmax, NULL);
    double g_range = 1.0 - gmin_norm;
    *range = g_range * info->y_max / (info->w_max * info->x_max);
    return XBAR_OK;
}

/* Replaces the device section of p by that of the preset `name`. */
static xbar_status copy_preset_device(xbar_params *p, const char *name) {
    xbar_params *preset = NULL;
    char *json = NULL;
    size_t len = 0;
    xbar_status s = xbar_params_preset(name, &preset);
    if (s == XBAR_OK) {
        s = xbar_params_get(preset, "xbar.device", NULL, 0, &len);
        if (s == XBAR_ERR_BUFFER_TOO_SMALL) {
            json = xmalloc(len);
            s = xbar_params_get(preset, "xbar.device", json, len, &len);
        }
    }
    if (s == XBAR_OK) s = xbar_params_set(p, "xbar.device", json);
    free(json);
    xbar_params_free(preset);
    return s;
}

/* Programs the floating-point matrix d on a new core with parameters p and `seed`. */
static xbar_status program_layer(const Layer *d, const xbar_params *p, uint64_t seed, Layer *out) {
    xbar_core *core = NULL;
    xbar_status s = xbar_core_new(p, d->rows, d->cols, seed, &core);
    if (s == XBAR_OK) s = xbar_core_program(core, d->w, d->rows, d->cols, XBAR_ROW_MAJOR);
    if (s != XBAR_OK) {
        xbar_core_free(core);
        return s;
    }
    *out = (Layer){d->rows, d->cols, NULL, core};
    return XBAR_OK;
}

/* ------------------------------------------------------------- experiments */

/* One row of the table: a change to each layer's parameters (and possibly a
 * time after programming), evaluated on the test set. */
typedef struct {
    const char *group;
    char label[128];
    const char *parameter; /* the swept quantity, "" for none */
    int has_value;
    double value;   /* its value */
    int stochastic; /* the outcome depends on the core seed: repeated over seeds */
    int has_time;
    double time; /* seconds after programming (xbar_core_set_time) */
    /* The changes, in this order: */
    int sonos;    /* the device section of the SONOS-TCAS preset */
    int adc_bits; /* > 0: a QuantizerADC of this many bits over the layer's calibrated range */
    size_t n_sets;
    const char *paths[3]; /* then these parameters set to these JSON values */
    char values[3][128];
} Experiment;

typedef struct {
    Experiment *e;
    size_t n;
} Experiments;

static Experiment *add_experiment(Experiments *list, const char *group, const char *parameter, int has_value,
                                  double value, int stochastic) {
    Experiment *e = &list->e[list->n++];
    memset(e, 0, sizeof *e);
    e->group = group;
    e->parameter = parameter;
    e->has_value = has_value;
    e->value = value;
    e->stochastic = stochastic;
    return e;
}

static void set_label(Experiment *e, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(e->label, sizeof e->label, fmt, args);
    va_end(args);
}

/* Adds the change `path` = the JSON value that fmt makes to e. */
static void add_set(Experiment *e, const char *path, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    e->paths[e->n_sets] = path;
    vsnprintf(e->values[e->n_sets], sizeof e->values[0], fmt, args);
    e->n_sets++;
    va_end(args);
}

/* Enables one device error model (path: xbar.device.read_noise, .programming_error, .drift_error). */
static void device_error(Experiment *e, const char *path, const char *model, double magnitude) {
    char m[32];
    format_f64(m, sizeof m, magnitude);
    add_set(e, path, "{\"enable\": true, \"model\": \"%s\", \"magnitude\": %s}", model, m);
}

/* PCMLike devices (infinite on/off ratio, drift model), with or without drift compensation. */
static void pcm_like(Experiment *e, int compensate) {
    add_set(e, "xbar.device.infinite_on_off_ratio", "true");
    add_set(e, "xbar.device.drift_compensation", compensate ? "true" : "false");
    device_error(e, "xbar.device.drift_error", "PCMLike", 0.0);
}

/* A list of sweep values. */
typedef struct {
    const double *v;
    size_t n;
} List;
#define LIST(...) {(const double[]){__VA_ARGS__}, sizeof((const double[]){__VA_ARGS__}) / sizeof(double)}

/* The sizes of the sweeps of one preset. */
typedef struct {
    List adc_bits, dac_bits;
    List proportional; /* sigma of NormalProportionalDevice read noise (relative to G) */
    List independent;  /* sigma of NormalIndependentDevice read noise (units of Gmax) */
    List wire_ohms;    /* wire resistance per segment, next to Rmin = 1 kOhm cells */
} Sweeps;

/* Every experiment of the table, in print order (free .e). */
static Experiments all_experiments(const Sweeps *s) {
    Experiments list = {NULL, 0};
    list.e = xmalloc((12 + s->adc_bits.n + s->dac_bits.n + s->proportional.n + s->independent.n +
                      s->wire_ohms.n) * sizeof(Experiment));
    char num[32];
    Experiment *e = add_experiment(&list, "analog", "", 0, 0.0, 0);
    set_label(e, "ideal DAC, ADC and devices");
    for (size_t i = 0; i < s->adc_bits.n; i++) {
        e = add_experiment(&list, "ADC", "adc_bits", 1, s->adc_bits.v[i], 0);
        e->adc_bits = (int)s->adc_bits.v[i];
        set_label(e, "QuantizerADC %d bits, calibrated range", e->adc_bits);
    }
    for (size_t i = 0; i < s->dac_bits.n; i++) {
        e = add_experiment(&list, "DAC", "dac_bits", 1, s->dac_bits.v[i], 0);
        set_label(e, "QuantizerDAC %d bits, unsigned", (int)s->dac_bits.v[i]);
        add_set(e, "xbar.dac.mvm", "{\"model\": \"QuantizerDAC\", \"bits\": %d}", (int)s->dac_bits.v[i]);
    }
    for (size_t i = 0; i < s->proportional.n; i++) {
        e = add_experiment(&list, "read noise", "read_noise_proportional", 1, s->proportional.v[i], 1);
        format_f64(num, sizeof num, s->proportional.v[i]);
        set_label(e, "NormalProportionalDevice σ = %s", num);
        device_error(e, "xbar.device.read_noise", "NormalProportionalDevice", s->proportional.v[i]);
    }
    for (size_t i = 0; i < s->independent.n; i++) {
        e = add_experiment(&list, "read noise", "read_noise_independent", 1, s->independent.v[i], 1);
        format_f64(num, sizeof num, s->independent.v[i]);
        set_label(e, "NormalIndependentDevice σ = %s Gmax", num);
        device_error(e, "xbar.device.read_noise", "NormalIndependentDevice", s->independent.v[i]);
    }
    e = add_experiment(&list, "device", "device", 0, 0.0, 1);
    set_label(e, "SONOS (SONOS-TCAS cells: 7 bits, programming error, read noise)");
    e->sonos = 1;
    device_error(e, "xbar.device.read_noise", "SONOS", 0.0);
    /* Resistive devices with a programming-error model: label, Rmin and Rmax, model. */
    static const char *const devices[][3] = {
        {"PCM, Joshi et al. (Rmin 40 kΩ, Rmax 4 MΩ, programming error)",
         "{\"Rmin\": 40e3, \"Rmax\": 4e6}", "PCMJoshi"},
        {"RRAM, Wan et al. (Rmin 25.5 kΩ, Rmax 1 MΩ, programming error)",
         "{\"Rmin\": 25.5e3, \"Rmax\": 1e6}", "RRAMWan"},
        {"RRAM, Milo et al. (Rmin 4.5 kΩ, Rmax 20 kΩ, programming error)",
         "{\"Rmin\": 4.5e3, \"Rmax\": 20e3}", "RRAMMilo"},
    };
    for (size_t i = 0; i < 3; i++) {
        e = add_experiment(&list, "device", "device", 0, 0.0, 1);
        set_label(e, "%s", devices[i][0]);
        add_set(e, "xbar.device", "%s", devices[i][1]);
        device_error(e, "xbar.device.programming_error", devices[i][2], 0.0);
    }
    e = add_experiment(&list, "device", "device", 0, 0.0, 1);
    set_label(e, "PCMLike (aihwkit PCM: programming noise, read at programming)");
    pcm_like(e, 0);
    static const char *const names[] = {"1 s", "1 day", "1 year"};
    const double day = 86400.0, times[] = {1.0, day, 365.25 * day};
    for (int compensate = 0; compensate <= 1; compensate++)
        for (size_t i = 0; i < 3; i++) {
            e = add_experiment(&list, "drift", compensate ? "drift_seconds_compensated" : "drift_seconds", 1,
                               times[i], 1);
            set_label(e, "PCMLike after %s, %s drift compensation", names[i],
                      compensate ? "with" : "without");
            pcm_like(e, compensate);
            e->has_time = 1;
            e->time = times[i];
        }
    for (size_t i = 0; i < s->wire_ohms.n; i++) {
        e = add_experiment(&list, "parasitics", "wire_ohms", 1, s->wire_ohms.v[i], 0);
        format_f64(num, sizeof num, s->wire_ohms.v[i]);
        set_label(e, "wire resistance %s Ω per segment (Rmin 1 kΩ)", num);
        add_set(e, "xbar.array.parasitics", "{\"enable\": true, \"Rp_row\": %s, \"Rp_col\": %s}", num, num);
    }
    return list;
}

/* The parameters of one layer in experiment e: xbar's defaults with the
 * inputs mapped from [0, x_max] onto an unsigned DAC, then e's changes. */
static xbar_status layer_params(const Experiment *e, const LayerInfo *info, xbar_params **out) {
    xbar_params *p = NULL;
    char json[160], num[32], range[32], neg_range[32];
    format_f64(num, sizeof num, info->x_max);
    snprintf(json, sizeof json, "{\"min\": 0.0, \"max\": %s, \"percentile\": null}", num);
    xbar_status s = xbar_params_new(&p);
    if (s == XBAR_OK) s = xbar_params_set(p, "core.mapping.inputs.mvm", json);
    if (s == XBAR_OK) s = xbar_params_set(p, "xbar.dac.mvm.signed", "false");
    /* Energy: the cells' dissipation for the arrays, Walden's law for both converters. */
    if (s == XBAR_OK) s = xbar_params_set(p, "xbar.cost.array.law", "\"cells\"");
    if (s == XBAR_OK) s = xbar_params_set(p, "xbar.cost.dac.law", "\"walden\"");
    if (s == XBAR_OK && e->sonos) s = copy_preset_device(p, "SONOS-TCAS");
    if (s == XBAR_OK && e->adc_bits > 0) {
        double r;
        s = adc_range(p, info, &r);
        if (s == XBAR_OK) {
            format_f64(range, sizeof range, r);
            format_f64(neg_range, sizeof neg_range, -r);
            snprintf(json, sizeof json,
                     "{\"model\": \"QuantizerADC\", \"bits\": %d, \"calibrated_range\": [%s, %s]}",
                     e->adc_bits, neg_range, range);
            s = xbar_params_set(p, "xbar.adc.mvm", json);
        }
    }
    for (size_t i = 0; i < e->n_sets && s == XBAR_OK; i++) s = xbar_params_set(p, e->paths[i], e->values[i]);
    if (s != XBAR_OK) {
        xbar_params_free(p);
        p = NULL;
    }
    *out = p;
    return s;
}

/* Programs both layers of `net` on cores with experiment e's parameters;
 * layer l gets core seed 2 seed + l. */
static xbar_status deploy(const Mlp *net, const LayerInfo infos[LAYERS], uint64_t seed, const Experiment *e,
                          Mlp *analog) {
    const Layer *dense[LAYERS] = {&net->l1, &net->l2};
    Layer *cores[LAYERS] = {&analog->l1, &analog->l2};
    *analog = (Mlp){{0, 0, NULL, NULL}, {0, 0, NULL, NULL}, {0}, {0}};
    memcpy(analog->b1, net->b1, sizeof net->b1);
    memcpy(analog->b2, net->b2, sizeof net->b2);
    xbar_status s = XBAR_OK;
    for (int l = 0; l < LAYERS && s == XBAR_OK; l++) {
        xbar_params *p = NULL;
        s = layer_params(e, &infos[l], &p);
        if (s == XBAR_OK) s = program_layer(dense[l], p, 2 * seed + infos[l].index, cores[l]);
        xbar_params_free(p);
    }
    if (s != XBAR_OK) mlp_free(analog);
    return s;
}

/* The energy (J) of every read of core c since programming or the last
 * reset: "total" of "energy_j" in "since_program" of its cost report. */
static xbar_status core_energy(const xbar_core *c, double *joules) {
    size_t len = 0;
    xbar_status s = xbar_core_cost_json(c, NULL, 0, &len);
    if (s != XBAR_ERR_BUFFER_TOO_SMALL) return s;
    char *json = xmalloc(len);
    s = xbar_core_cost_json(c, json, len, &len);
    if (s == XBAR_OK) {
        const char *p = strstr(json, "\"since_program\"");
        if (p) p = strstr(p, "\"energy_j\"");
        if (p) p = strstr(p, "\"total\": ");
        *joules = p ? strtod(p + strlen("\"total\": "), NULL) : NAN;
    }
    free(json);
    return s;
}

/* Test accuracy of net deployed for experiment e with core seeds from
 * `seed`, and the energy per inference (J) of both layers' reads. */
static xbar_status run_once(const Experiment *e, const Mlp *net, const LayerInfo infos[LAYERS],
                            const Set *test, uint64_t seed, double *accuracy, double *energy) {
    Mlp analog;
    xbar_status s = deploy(net, infos, seed, e, &analog);
    if (s != XBAR_OK) return s;
    if (e->has_time) s = xbar_core_set_time(analog.l1.core, e->time);
    if (s == XBAR_OK && e->has_time) s = xbar_core_set_time(analog.l2.core, e->time);
    /* Count only the test set's reads (not drift compensation's reference reads). */
    if (s == XBAR_OK) s = xbar_core_cost_reset(analog.l1.core);
    if (s == XBAR_OK) s = xbar_core_cost_reset(analog.l2.core);
    if (s == XBAR_OK) s = mlp_accuracy(&analog, test, accuracy);
    double e1 = 0.0, e2 = 0.0;
    if (s == XBAR_OK) s = core_energy(analog.l1.core, &e1);
    if (s == XBAR_OK) s = core_energy(analog.l2.core, &e2);
    if (s == XBAR_OK) *energy = (e1 + e2) / (double)test->n;
    mlp_free(&analog);
    return s;
}

/* Accuracy over the runs of one experiment, or the status that stopped it. */
typedef struct {
    xbar_status status;
    double mean, std;
    size_t runs;
    double energy; /* J per inference, mean over the runs */
} Outcome;

/* Runs e once, or once per seed 0..seeds-1 when it is stochastic: the mean
 * and the sample standard deviation of the test accuracy. */
static Outcome run_experiment(const Experiment *e, const Mlp *net, const LayerInfo infos[LAYERS],
                              const Set *test, size_t seeds) {
    Outcome o = {XBAR_OK, 0.0, 0.0, e->stochastic ? seeds : 1, 0.0};
    double *acc = xmalloc(o.runs * sizeof(double));
    for (size_t seed = 0; seed < o.runs && o.status == XBAR_OK; seed++) {
        double j = 0.0;
        o.status = run_once(e, net, infos, test, seed, &acc[seed], &j);
        if (o.status == XBAR_OK) o.energy += j / (double)o.runs;
    }
    if (o.status == XBAR_OK) {
        double sum = -0.0, squares = -0.0;
        for (size_t i = 0; i < o.runs; i++) sum += acc[i];
        o.mean = sum / (double)o.runs;
        for (size_t i = 0; i < o.runs; i++) squares += (acc[i] - o.mean) * (acc[i] - o.mean);
        double var = squares / (double)((o.runs > 2 ? o.runs : 2) - 1);
        o.std = o.runs > 1 ? sqrt(var) : 0.0;
    }
    free(acc);
    return o;
}

/* "unavailable: <message>" for what this build or configuration cannot
 * simulate, "error: <message>" otherwise (into buf). */
static void status_text(char *buf, size_t cap, xbar_status s, int unavailable) {
    unavailable = unavailable || s == XBAR_ERR_UNSUPPORTED || s == XBAR_ERR_BACKEND_UNAVAILABLE;
    snprintf(buf, cap, "%s: %s", unavailable ? "unavailable" : "error", library_message());
}

/* ------------------------------------------------------------------- CSV */

static void csv_quoted(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* An optional number: empty when NULL. */
static void csv_number(FILE *f, const double *v) {
    char num[32] = "";
    if (v) format_f64(num, sizeof num, *v);
    fprintf(f, ",%s", num);
}

/* One line of digits.csv: group,setting,parameter,value,runs,accuracy_mean,accuracy_std,status. */
static void csv_row(FILE *f, const char *group, const char *setting, const char *parameter,
                    const double *value, size_t runs, const double *mean, const double *std,
                    const char *status) {
    csv_quoted(f, group);
    fputc(',', f);
    csv_quoted(f, setting);
    fprintf(f, ",%s", parameter);
    csv_number(f, value);
    fprintf(f, ",%zu", runs);
    csv_number(f, mean);
    csv_number(f, std);
    fputc(',', f);
    csv_quoted(f, status);
    fputc('\n', f);
}

/* ------------------------------------------------------- in-situ training */

/* One way of training: a name and the xbar.device.update section (NULL: floating point). */
typedef struct {
    const char *name;
    const char *update;
} Variant;

static const Variant VARIANTS[] = {
    {"float64", NULL},
    {"Analytic, linear", "{\"model\": \"Analytic\"}"},
    {"Analytic, alpha = 3", "{\"model\": \"Analytic\", \"alpha\": 3.0}"},
    {"Analytic, write noise 0.05", "{\"model\": \"Analytic\", \"write_noise\": 0.05}"},
};
enum { N_VARIANTS = sizeof VARIANTS / sizeof VARIANTS[0] };

typedef struct {
    size_t epochs, batch;
    double lr;      /* learning rate of the first epoch; epoch e (from 0) uses lr / (1 + e/4) */
    double w_range; /* weights in [-w_range, w_range] map onto the conductance range */
    uint64_t seed;  /* sample order; core seeds 2 seed and 2 seed + 1 */
} Settings;

/* init's weights on two cores: xbar's defaults with the fixed weight range
 * (training moves weights, so the range cannot follow max |W|) and the
 * update model `update`; the biases stay digital. */
static xbar_status insitu_network(const Mlp *init, const Settings *st, const char *update, Mlp *net) {
    xbar_params *p = NULL;
    char json[128], lo[32], hi[32];
    format_f64(lo, sizeof lo, -st->w_range);
    format_f64(hi, sizeof hi, st->w_range);
    snprintf(json, sizeof json, "{\"clipping\": true, \"min\": %s, \"max\": %s, \"percentile\": null}", lo,
             hi);
    *net = *init;
    net->l1 = net->l2 = (Layer){0, 0, NULL, NULL};
    xbar_status s = xbar_params_new(&p);
    if (s == XBAR_OK) s = xbar_params_set(p, "xbar.device.update", update);
    if (s == XBAR_OK) s = xbar_params_set(p, "core.mapping.weights", json);
    if (s == XBAR_OK) s = program_layer(&init->l1, p, 2 * st->seed, &net->l1);
    if (s == XBAR_OK) s = program_layer(&init->l2, p, 2 * st->seed + 1, &net->l2);
    xbar_params_free(p);
    if (s != XBAR_OK) mlp_free(net);
    return s;
}

/* Trains net for st->epochs epochs; the test accuracy after each into acc. */
static xbar_status train_curve(Mlp *net, const Set *train, const Set *test, const Settings *st, double *acc) {
    Rng order = rng_new(st->seed);
    xbar_status s = XBAR_OK;
    for (size_t epoch = 0; epoch < st->epochs && s == XBAR_OK; epoch++) {
        s = mlp_epoch(net, train, st->batch, st->lr / (1.0 + (double)epoch / 4.0), &order);
        if (s == XBAR_OK) s = mlp_accuracy(net, test, &acc[epoch]);
    }
    return s;
}

/* Trains variant v from init: 1 with its test accuracy per epoch in acc, or 0 with the
 * status text (why it could not run) in `status`. */
static int insitu_variant(const Variant *v, const Mlp *init, const Set *train, const Set *test,
                          const Settings *st, double *acc, char *status, size_t cap) {
    Mlp net;
    xbar_status s = XBAR_OK;
    if (v->update)
        s = insitu_network(init, st, v->update, &net);
    else
        net = mlp_copy(init);
    if (s == XBAR_OK) {
        s = train_curve(&net, train, test, st, acc);
        mlp_free(&net);
    }
    if (s == XBAR_OK) return 1;
    /* An xbar without update models does not know the parameter path. */
    int unknown_update = s == XBAR_ERR_PARAMS && strstr(library_message(), "xbar.device.update") != NULL;
    status_text(status, cap, s, unknown_update);
    return 0;
}

/* ------------------------------------------------------------------- main */

/* How much of everything to run. */
typedef struct {
    const char *name;
    size_t seeds; /* core seeds per stochastic experiment */
    size_t float_epochs, insitu_epochs;
    Sweeps sweeps;
} Preset;

static const Preset PRESETS[] = {
    {"quick", 2, 60, 2,
     {LIST(4, 6, 8), LIST(4, 6, 8), LIST(0.05, 0.2), LIST(0.02, 0.1), LIST(1.0)}},
    {"default", 10, 60, 15,
     {LIST(4, 5, 6, 7, 8), LIST(4, 5, 6, 7, 8), LIST(0.02, 0.05, 0.1, 0.2, 0.3),
      LIST(0.01, 0.02, 0.05, 0.1, 0.2), LIST(0.1, 1.0)}},
    {"full", 50, 60, 30,
     {LIST(2, 3, 4, 5, 6, 7, 8, 9, 10), LIST(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
      LIST(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5), LIST(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3),
      LIST(0.1, 0.3, 1.0, 3.0)}},
};

static const char USAGE[] =
    "usage: gzip -dc examples/data/digits.csv.gz | digits-c [--quick | --full] [--out DIR]\n"
    "  --quick    fewer settings, 2 seeds, 2 in-situ epochs (seconds)\n"
    "  --full     wider sweeps, 50 seeds, 30 in-situ epochs (under a minute)\n"
    "  --out DIR  folder for digits.csv (default target/digits-from-c)\n";

typedef struct {
    const Preset *preset;
    const char *out;
} Args;

/* The command line; exits after --help (0) or a bad argument (2). */
static Args parse_args(int argc, char **argv) {
    Args args = {&PRESETS[1], "target/digits-from-c"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            args.preset = &PRESETS[0];
        } else if (strcmp(argv[i], "--full") == 0) {
            args.preset = &PRESETS[2];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            args.out = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(USAGE, stdout);
            exit(0);
        } else {
            if (strcmp(argv[i], "--out") == 0)
                fputs("digits: --out needs a folder\n", stderr);
            else
                fprintf(stderr, "digits: unknown argument \"%s\"\n", argv[i]);
            fputs(USAGE, stderr);
            exit(2);
        }
    }
    return args;
}

/* The learning rate of floating-point training. */
static const double FLOAT_LR = 0.05;

/* He-uniform initial weights (init, zero biases) and the network trained from
 * them by p->float_epochs epochs of SGD (net); *accuracy is net's test accuracy. */
static void train_float(const Preset *p, const Set *train, const Set *test, Mlp *init, Mlp *net,
                        double *accuracy) {
    Rng rng = rng_new(7);
    *init = (Mlp){{0, 0, NULL, NULL}, {0, 0, NULL, NULL}, {0}, {0}};
    init->l1 = dense_init(HIDDEN, PIXELS, &rng);
    init->l2 = dense_init(CLASSES, HIDDEN, &rng);
    *net = mlp_copy(init);
    Rng order = rng_new(11);
    /* Floating-point layers cannot fail. */
    for (size_t epoch = 0; epoch < p->float_epochs; epoch++) 
        (void)mlp_epoch(net, train, BATCH, FLOAT_LR, &order);
    (void)mlp_accuracy(net, test, accuracy);
}

/* The title, the table's head and its first line (floating point). */
static void print_head(const Preset *p, const Set *train, const Set *test, double float_acc) {
    printf("xbar %s — digits: a 64-%d-10 perceptron on the UCI optical digits "
           "(%zu training / %zu test images)\n",
           xbar_version(), HIDDEN, train->n, test->n);
    printf("preset \"%s\": %zu core seeds per stochastic row (mean ± std); biases and ReLU in digital\n\n",
           p->name, p->seeds);
    table_line("group", "setting", "runs", "test accuracy (%)  energy/inference");
    /* A rule 4 characters longer than the head's 125. */
    for (int i = 0; i < 129; i++) putchar('-');
    putchar('\n');
    char setting[64], accuracy[32];
    snprintf(setting, sizeof setting, "float64, %zu epochs of SGD", p->float_epochs);
    snprintf(accuracy, sizeof accuracy, "%.2f", float_acc);
    table_line("software", setting, "1", accuracy);
}

/* Runs every experiment of the table on `net`: prints its line, adds its CSV row. */
static void analog_inference(const Preset *p, const Mlp *net, const LayerInfo infos[LAYERS], const Set *test,
                             FILE *csv) {
    Experiments experiments = all_experiments(&p->sweeps);
    for (size_t i = 0; i < experiments.n; i++) {
        const Experiment *e = &experiments.e[i];
        Outcome o = run_experiment(e, net, infos, test, p->seeds);
        int ok = o.status == XBAR_OK;
        char status[1024] = "ok", runs[32] = "-", accuracy[1024];
        if (!ok) {
            status_text(status, sizeof status, o.status, 0);
            snprintf(accuracy, sizeof accuracy, "%s", status);
        } else {
            snprintf(runs, sizeof runs, "%zu", o.runs);
            char acc[64];
            if (o.runs > 1)
                snprintf(acc, sizeof acc, "%.2f ± %.2f", o.mean, o.std);
            else
                snprintf(acc, sizeof acc, "%.2f", o.mean);
            /* "{acc:<18} {energy:.3} nJ": padded to 18 code points. */
            size_t chars = 0;
            for (const char *c = acc; *c; c++) chars += ((unsigned char)*c & 0xC0) != 0x80;
            int pad = chars < 18 ? (int)(18 - chars) : 0;
            snprintf(accuracy, sizeof accuracy, "%s%*s %.3f nJ", acc, pad, "", o.energy * 1e9);
        }
        table_line(e->group, e->label, runs, accuracy);
        csv_row(csv, e->group, e->label, e->parameter, e->has_value ? &e->value : NULL, ok ? o.runs : 0,
                ok ? &o.mean : NULL, ok ? &o.std : NULL, status);
    }
    free(experiments.e);
}

/* Trains every variant from `init` in situ: prints the test accuracy per
 * epoch, adds one CSV row per epoch (or one saying why a variant could not run). */
static void insitu_training(const Preset *p, const Mlp *init, const Set *train, const Set *test, FILE *csv) {
    const Settings st = {.epochs = p->insitu_epochs, .batch = BATCH, .lr = 0.1, .w_range = 1.0, .seed = 11};
    double *curves = xmalloc(N_VARIANTS * st.epochs * sizeof(double));
    int trained[N_VARIANTS];
    char statuses[N_VARIANTS][1024], setting[256];
    for (size_t v = 0; v < N_VARIANTS; v++)
        trained[v] = insitu_variant(&VARIANTS[v], init, train, test, &st, &curves[v * st.epochs], statuses[v],
                                    sizeof statuses[v]);

    char w[32], lr[32];
    format_f64(w, sizeof w, st.w_range);
    format_f64(lr, sizeof lr, st.lr);
    printf("in-situ training from the initial weights: forward MVM, backward VMM, "
           "one outer-product write per sample\n");
    printf("(xbar.device.update; weights in [-%s, %s] on the conductance range; batch %zu, "
           "lr %s / (1 + epoch/4)); test accuracy (%%)\n",
           w, w, st.batch, lr);
    printf("%6s", "epoch");
    for (size_t v = 0; v < N_VARIANTS; v++) printf("  %26s", VARIANTS[v].name);
    putchar('\n');
    for (size_t epoch = 0; epoch < st.epochs; epoch++) {
        printf("%6zu", epoch + 1);
        for (size_t v = 0; v < N_VARIANTS; v++) {
            if (trained[v])
                printf("  %26.2f", curves[v * st.epochs + epoch]);
            else
                printf("  %26s", "-");
        }
        putchar('\n');
    }

    for (size_t v = 0; v < N_VARIANTS; v++) {
        if (VARIANTS[v].update)
            snprintf(setting, sizeof setting, "%s: xbar.device.update = %s", VARIANTS[v].name,
                     VARIANTS[v].update);
        else
            snprintf(setting, sizeof setting, "%s", VARIANTS[v].name);
        if (!trained[v]) {
            printf("in-situ training (%s): %s\n", VARIANTS[v].name, statuses[v]);
            csv_row(csv, "in-situ training", setting, "epoch", NULL, 0, NULL, NULL, statuses[v]);
            continue;
        }
        for (size_t epoch = 0; epoch < st.epochs; epoch++) {
            double number = (double)(epoch + 1);
            csv_row(csv, "in-situ training", setting, "epoch", &number, 1, &curves[v * st.epochs + epoch],
                    NULL, "ok");
        }
    }
    free(curves);
}

/* Creates the folder `path` and its parents (as mkdir -p). */
static void make_dirs(const char *path) {
    size_t n = strlen(path);
    char *p = xmalloc(n + 1);
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        p[i] = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) fail("%s: %s", p, strerror(errno));
        p[i] = path[i];
    }
    free(p);
}

/* Writes the n bytes of text to <out>/digits.csv, creating the folder; its path into `path`. */
static void write_csv(const char *out, const char *text, size_t n, char *path, size_t cap) {
    make_dirs(out);
    size_t len = strlen(out);
    snprintf(path, cap, "%s%sdigits.csv", out, len == 0 || out[len - 1] == '/' ? "" : "/");
    FILE *f = fopen(path, "w");
    if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0) fail("%s: %s", path, strerror(errno));
}

int main(int argc, char **argv) {
    Args args = parse_args(argc, argv);
    const Preset *p = args.preset;
    if (xbar_version_number() != XBAR_VERSION_NUMBER)
        fail("header %d.%d.%d does not match library %s", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR,
             XBAR_VERSION_PATCH, xbar_version());

    struct timespec start, phase;
    clock_gettime(CLOCK_MONOTONIC, &start);
    Set all = load(stdin), train, test;
    split(&all, 0.25, 2024, &train, &test);
    set_free(&all);
    if (train.n == 0 || test.n == 0) fail("too few images on standard input for a training and a test set");
    Mlp init, net;
    double float_acc;
    train_float(p, &train, &test, &init, &net, &float_acc);
    double t_float = seconds_since(&start);
    LayerInfo infos[LAYERS];
    calibrate(&net, &train, infos);
    print_head(p, &train, &test, float_acc);

    /* digits.csv is written at the end; its rows collect in memory. */
    char *csv = NULL;
    size_t csv_len = 0;
    FILE *rows = open_memstream(&csv, &csv_len);
    if (!rows) fail("open_memstream: %s", strerror(errno));
    fputs("group,setting,parameter,value,runs,accuracy_mean,accuracy_std,status\n", rows);
    csv_row(rows, "software", "float64", "", NULL, 1, &float_acc, NULL, "ok");

    clock_gettime(CLOCK_MONOTONIC, &phase);
    analog_inference(p, &net, infos, &test, rows);
    double t_analog = seconds_since(&phase);
    putchar('\n');
    clock_gettime(CLOCK_MONOTONIC, &phase);
    insitu_training(p, &init, &train, &test, rows);
    double t_insitu = seconds_since(&phase);

    if (fclose(rows) != 0) fail("digits.csv: %s", strerror(errno));
    char path[4096];
    write_csv(args.out, csv, csv_len, path, sizeof path);
    printf("\nwrote %s\n", path);
    printf("time: %.1f s (data and float training %.1f s, analog inference %.1f s, "
           "in-situ training %.1f s)\n",
           seconds_since(&start), t_float, t_analog, t_insitu);

    free(csv);
    mlp_free(&init);
    mlp_free(&net);
    set_free(&train);
    set_free(&test);
    return 0;
}
