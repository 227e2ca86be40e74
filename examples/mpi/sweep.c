/*
 * sweep.c: a Monte-Carlo sweep over core seeds and ADC resolutions, spread
 * over MPI ranks, through xbar's C API.
 *
 * Each task (seed s, ADC bits b) programs the same 64 x 64 matrix onto arrays
 * with programming error and read noise (core seed s), runs a batch of 32
 * MVMs through a b-bit ADC and measures the relative RMS error against the
 * exact products. Task t goes to rank t mod size. Rank 0 collects every
 * task's error and prints, per ADC resolution, the mean and standard
 * deviation over seeds, both in decimal and as exact hexadecimal floats.
 *
 * The result does not depend on the number of ranks, bit for bit: a task's
 * error depends only on its seed and resolution (xbar's random numbers are
 * keyed by the core seed, never by thread or process), each value reaches
 * rank 0 unchanged (a sum of one value and zeros is exact), and rank 0
 * reduces over seeds in one fixed order.
 *
 *   cargo build --release
 *   mpicc -std=c11 -O2 -Iinclude examples/mpi/sweep.c target/release/libxbar.a -lm -lpthread -ldl -o sweep
 *   mpirun -np 4 ./sweep [--seeds N] [--bits MIN MAX]      (or: srun ./sweep ... under Slurm)
 *
 * (tests/mpi/run.sh links the shared library instead and checks that claim.)
 *
 * Threads: each rank uses $SLURM_CPUS_PER_TASK threads of xbar's pool when
 * that is set, else $XBAR_THREADS, else 1 (ranks usually fill the cores).
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbar.h"

enum { N = 64, BATCH = 32 };

static int rank = 0;

/* Aborts every rank with the library's message when an xbar call fails. */
#define CHECK(call)                                                                                \
    do {                                                                                           \
        xbar_status s_ = (call);                                                                   \
        if (s_ != XBAR_OK) {                                                                       \
            fprintf(stderr, "rank %d: %s: %s\n  %s\n", rank, #call, xbar_status_string(s_),       \
                    xbar_last_error_message());                                                    \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)

/* Relative RMS error of one task: seed `seed`, ADC resolution `bits`. */
static double task_error(const double *w, const double *x, const double *exact, double scale, uint64_t seed,
                         int bits) {
    xbar_params *p = NULL;
    CHECK(xbar_params_new(&p));
    CHECK(xbar_params_set(p, "xbar.device.programming_error",
                          "{\"enable\": true, \"model\": \"NormalIndependentDevice\", \"magnitude\": 0.01}"));
    CHECK(xbar_params_set(p, "xbar.device.read_noise",
                          "{\"enable\": true, \"model\": \"NormalProportionalDevice\", \"magnitude\": 0.02}"));
    char adc[200];
    /* Range in column-current units: 0.9 (= 1 - Gmin/Gmax) times the largest exact output. */
    snprintf(adc, sizeof adc,
             "{\"model\": \"QuantizerADC\", \"bits\": %d, \"calibrated_range\": [%.17g, %.17g]}", bits,
             -0.9 * scale, 0.9 * scale);
    CHECK(xbar_params_set(p, "xbar.adc.mvm", adc));
    xbar_core *c = NULL;
    CHECK(xbar_core_new(p, N, N, seed, &c));
    xbar_params_free(p);
    CHECK(xbar_core_program(c, w, N, N, XBAR_ROW_MAJOR));
    static double y[BATCH * N];
    CHECK(xbar_core_mvm(c, x, BATCH, N, y, N));
    xbar_core_free(c);
    double e2 = 0.0, r2 = 0.0;
    for (int k = 0; k < BATCH * N; k++) {
        e2 += (y[k] - exact[k]) * (y[k] - exact[k]);
        r2 += exact[k] * exact[k];
    }
    return sqrt(e2 / r2);
}

static void usage(void) {
    if (rank == 0) fprintf(stderr, "usage: sweep [--seeds N] [--bits MIN MAX]\n");
    MPI_Finalize();
    exit(2);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    int seeds = 16, bmin = 4, bmax = 8;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
            seeds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--bits") && i + 2 < argc) {
            bmin = atoi(argv[++i]);
            bmax = atoi(argv[++i]);
        } else {
            usage();
        }
    }
    if (seeds < 1 || bmin < 1 || bmax < bmin || bmax > 32) usage();

    const char *threads = getenv("SLURM_CPUS_PER_TASK");
    if (!threads) threads = getenv("XBAR_THREADS");
    CHECK(xbar_set_num_threads(threads ? (size_t)atoi(threads) : 1));

    /* The same matrix and inputs on every rank: a deterministic pattern. */
    static double w[N * N], x[BATCH * N], exact[BATCH * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) w[i * N + j] = sin(1.3 * i + 0.7 * j + 0.1 * i * j);
    for (int b = 0; b < BATCH; b++)
        for (int j = 0; j < N; j++) x[b * N + j] = cos(0.9 * b + 0.31 * j);
    double scale = 0.0;
    for (int b = 0; b < BATCH; b++)
        for (int i = 0; i < N; i++) {
            double s = 0.0;
            for (int j = 0; j < N; j++) s += w[i * N + j] * x[b * N + j];
            exact[b * N + i] = s;
            if (fabs(s) > scale) scale = fabs(s);
        }

    /* Task t = (bits index) * seeds + seed, assigned round-robin. */
    int nbits = bmax - bmin + 1, ntasks = nbits * seeds;
    double *err = calloc((size_t)ntasks, sizeof *err), *all = calloc((size_t)ntasks, sizeof *all);
    if (!err || !all) MPI_Abort(MPI_COMM_WORLD, 1);
    double t0 = MPI_Wtime();
    for (int t = rank; t < ntasks; t += size) {
        err[t] = task_error(w, x, exact, scale, (uint64_t)(t % seeds), bmin + t / seeds);
    }
    double elapsed = MPI_Wtime() - t0;
    MPI_Reduce(err, all, ntasks, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    double slowest = 0.0;
    MPI_Reduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        printf("# xbar %s sweep: %d x %d matrix, batch %d, %d seeds x ADC %d..%d bits, %d ranks, %.2f s\n",
               xbar_version(), N, N, BATCH, seeds, bmin, bmax, size, slowest);
        printf("# relative RMS error of the MVM over seeds (programming error + read noise + ADC)\n");
        printf("# bits   mean         std          mean (hex)               std (hex)\n");
        for (int k = 0; k < nbits; k++) {
            double sum = 0.0, sq = 0.0;
            for (int s = 0; s < seeds; s++) sum += all[k * seeds + s];
            double mean = sum / seeds;
            for (int s = 0; s < seeds; s++) sq += (all[k * seeds + s] - mean) * (all[k * seeds + s] - mean);
            double sd = seeds > 1 ? sqrt(sq / (seeds - 1)) : 0.0;
            printf("%6d   %-12.6g %-12.6g %-24a %a\n", bmin + k, mean, sd, mean, sd);
        }
    }
    free(err);
    free(all);
    MPI_Finalize();
    return 0;
}
