// The parasitic (IR-drop) circuit of an input-source array read, solved on the
// device by conjugate gradients on the cell currents: the unknowns, operator,
// stopping rule and residual check of src/circuit/parasitics/pcg.rs, one
// system per vector of the batch, matrix-free.
//
// In the frame of src/circuit/parasitics/wires.rs (m output lines i, n input
// lines j, `pols` cells per crossing, frame cell k = p*m*n + i*n + j), with
// s = sqrt(G) per cell and e the ideal cell voltages (+x_j for polarity 0,
// -x_j for polarity 1), the system is
//
//     (1 + s S s) y = s e,   cell currents I = s y,
//
// S being the transfer resistance of the wires. A product S t is two sweeps:
// along each output line i, the segment currents P[i,k] = sum_{l<=k} sum_p t
// and the potentials V[i,j] = sum_{k>=j} R_out_k P[i,k] (R_out_k = r_out, the
// last r_out_end); down each input line (p, j), the drops
// D[i] = sum_{s<=i} R_in_s Q[s] with Q[s] = sum_{t>=s} t_p[t,j] (R_in_0 =
// r_in_end, the others r_in); (S t)_p[i,j] = V[i,j] + D_p[i,j]. With supply
// lines (`separate`) the drops are along supply line (p, i) instead, from its
// source before j = 0: D_p[i,j] = sum_{s<=j} R_in_s Q[s] with
// Q[s] = sum_{t>=s} t_p[i,t], and a cell is on only where its input
// |x_j| > `active` (off, it is a cell of G = 0 for that vector).
//
// One block solves one vector (blockIdx.x); its threads share the cells. Every
// sum runs in a fixed order (block reductions by a fixed tree), so results do
// not depend on timing. Conjugate gradients run from zero until the recurrence
// residual satisfies ||r||_2 <= tol ||b||_2; then the true residual b - A y is
// formed and, if it is still above, the iteration restarts from it. Output
// line i carries sum_{p,j} s y.
//
// Work per vector: 5 vectors of pols*m*n doubles (y, r, p, q, t), m*n (w) and
// pols*m*n (the cells on for the vector).

// Sum of every thread's `v`, returned to every thread (blockDim.x a power of
// two, at most 1024; `red` holds blockDim.x doubles).
__device__ double xbar_pcg_block_sum(double v, double* red) {
    const unsigned int t = threadIdx.x;
    red[t] = v;
    __syncthreads();
    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) red[t] += red[t + s];
        __syncthreads();
    }
    const double total = red[0];
    __syncthreads();
    return total;
}

// q = v + s (S (s v)), with t and w as scratch (see the file's comment).
__device__ void xbar_pcg_apply(const double* sg, const double* v, double* q, double* t, double* w, int m, int n,
                               int pols, double r_out, double r_out_end, double r_in, double r_in_end, int separate) {
    const unsigned long long mn = (unsigned long long)m * n, len = pols * mn;
    for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) t[k] = sg[k] * v[k];
    __syncthreads();
    // Output lines: prefix sums of the currents, then suffix sums of R times them.
    for (int i = threadIdx.x; i < m; i += blockDim.x) {
        double* wi = w + (unsigned long long)i * n;
        double acc = 0.0;
        for (int j = 0; j < n; ++j) {
            double c = t[(unsigned long long)i * n + j];
            for (int p = 1; p < pols; ++p) c += t[p * mn + (unsigned long long)i * n + j];
            acc += c;
            wi[j] = acc;
        }
        double pot = 0.0;
        for (int j = n - 1; j >= 0; --j) {
            const double r = j == n - 1 ? r_out_end : r_out;
            pot += r * wi[j];
            wi[j] = pot;
        }
    }
    __syncthreads();
    if (separate) {
        // Supply lines: the line total, then the drops from the source along.
        for (int c = threadIdx.x; c < pols * m; c += blockDim.x) {
            const int p = c / m, i = c % m;
            const double* tp = t + p * mn + (unsigned long long)i * n;
            double total = 0.0;
            for (int j = 0; j < n; ++j) total += tp[j];
            double above = 0.0, drop = 0.0;
            for (int j = 0; j < n; ++j) {
                const unsigned long long cell = (unsigned long long)i * n + j, k = p * mn + cell;
                const double r = j == 0 ? r_in_end : r_in;
                drop += r * (total - above);
                above += tp[j];
                q[k] = v[k] + sg[k] * (w[cell] + drop);
            }
        }
        __syncthreads();
        return;
    }
    // Input lines: the column total, then the drops from the driver down.
    for (int c = threadIdx.x; c < pols * n; c += blockDim.x) {
        const int p = c / n, j = c % n;
        const double* tp = t + p * mn;
        double total = 0.0;
        for (int i = 0; i < m; ++i) total += tp[(unsigned long long)i * n + j];
        double above = 0.0, drop = 0.0;
        for (int i = 0; i < m; ++i) {
            const unsigned long long cell = (unsigned long long)i * n + j, k = p * mn + cell;
            const double r = i == 0 ? r_in_end : r_in;
            drop += r * (total - above);
            above += tp[cell];
            q[k] = v[k] + sg[k] * (w[cell] + drop);
        }
    }
    __syncthreads();
}

// The input of frame cell k of vector xb (n inputs in the read's order; a
// VMM's frame input j is its input n-1-j).
__device__ __forceinline__ double xbar_pcg_input(const double* xb, unsigned long long k, int n, int vmm) {
    const int j = (int)(k % n);
    return xb[vmm ? n - 1 - j : j];
}

// Entry k of the right-hand side s e of vector xb.
__device__ __forceinline__ double xbar_pcg_rhs(const double* sg, const double* xb, unsigned long long k,
                                               unsigned long long mn, int n, int vmm) {
    const double x = xbar_pcg_input(xb, k, n, vmm);
    return sg[k] * (k < mn ? x : -x);
}

// Solves vector blockIdx.x of the batch: x holds `count` vectors of n inputs,
// out gets m output currents per vector (in the read's order: a VMM's frame
// output i is its output m-1-i), steps the conjugate-gradient steps taken, or
// -1 when they did not converge within max_steps (or produced NaN). sg holds
// sqrt(G) in frame order, pols*m*n per vector: `sg_stride` is 0 when every
// vector sees the same conductances, pols*m*n when each has its own.
// `separate`: supply lines, cells on where |x_j| > active (see above).
// work: count * (6*pols*m*n + m*n) doubles. Any power-of-two block size up to
// 1024 (the bound keeps the registers within what 1024 threads may hold).
extern "C" __global__ void __launch_bounds__(1024) xbar_pcg_solve(const double* sg_all, unsigned long long sg_stride, const double* x,
                                          double* work, double* out, int* steps_out, int m, int n, int pols, int vmm,
                                          double r_out, double r_out_end, double r_in, double r_in_end, double tol,
                                          int max_steps, int separate, double active) {
    __shared__ double red[1024];
    const unsigned long long mn = (unsigned long long)m * n, len = pols * mn;
    const unsigned long long b = blockIdx.x;
    const double* sg_in = sg_all + b * sg_stride;
    double* y = work + b * (6 * len + mn);
    double* r = y + len;
    double* p = r + len;
    double* q = p + len;
    double* t = q + len;
    double* w = t + len;
    // sqrt(G) of the cells that are on for this vector.
    double* sg = w + mn;
    const double* xb = x + b * n;
    double part = 0.0;
    for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) {
        sg[k] = !separate || fabs(xbar_pcg_input(xb, k, n, vmm)) > active ? sg_in[k] : 0.0;
        y[k] = 0.0;
        r[k] = xbar_pcg_rhs(sg, xb, k, mn, n, vmm);
        part += r[k] * r[k];
    }
    const double bb = xbar_pcg_block_sum(part, red);
    int steps = 0, ok = 1;
    if (bb > 0.0) {
        const double limit = tol * sqrt(bb);
        double rr = bb;
        for (;;) {
            for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) p[k] = r[k];
            while (sqrt(rr) > limit) {
                if (steps == max_steps) {
                    ok = 0;
                    break;
                }
                ++steps;
                xbar_pcg_apply(sg, p, q, t, w, m, n, pols, r_out, r_out_end, r_in, r_in_end, separate);
                part = 0.0;
                for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) part += p[k] * q[k];
                const double alpha = rr / xbar_pcg_block_sum(part, red);
                part = 0.0;
                for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) {
                    y[k] += alpha * p[k];
                    r[k] -= alpha * q[k];
                    part += r[k] * r[k];
                }
                const double rr_new = xbar_pcg_block_sum(part, red);
                const double beta = rr_new / rr;
                rr = rr_new;
                if (rr != rr) {
                    ok = 0;
                    break;
                }
                for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) p[k] = r[k] + beta * p[k];
            }
            if (!ok) break;
            // The recurrence residual drifts from the true one: r = b - A y.
            xbar_pcg_apply(sg, y, q, t, w, m, n, pols, r_out, r_out_end, r_in, r_in_end, separate);
            part = 0.0;
            for (unsigned long long k = threadIdx.x; k < len; k += blockDim.x) {
                r[k] = xbar_pcg_rhs(sg, xb, k, mn, n, vmm) - q[k];
                part += r[k] * r[k];
            }
            rr = xbar_pcg_block_sum(part, red);
            if (rr != rr) {
                ok = 0;
                break;
            }
            if (sqrt(rr) <= limit) break;
        }
    }
    for (int i = threadIdx.x; i < m; i += blockDim.x) {
        double c = 0.0;
        for (int pol = 0; pol < pols; ++pol)
            for (int j = 0; j < n; ++j) {
                const unsigned long long k = pol * mn + (unsigned long long)i * n + j;
                c += sg[k] * y[k];
            }
        out[b * m + (vmm ? m - 1 - i : i)] = c;
    }
    if (threadIdx.x == 0) steps_out[b] = ok ? steps : -1;
}

// sqrt(G) of every frame cell as vector b of the batch sees it, for one array
// (polarity) of the circuit: cell k of the row-major array g (stored in T,
// float or double, widened exactly) with its per-cell read noise drawn as
// kernels/mvm.cu draws it:
//     g' = clamp(g_k + sigma_k * (e_k + shift), lo, hi)
// e_k dense draw k of the read-noise stream (seed, array, ReadNoise,
// call_base | (b & 0xFFFFFF)) (Normal: shift 0; Uniform: the uniform, shift
// -1/2); `noise` 0 for none (then g' = g_k: the fixed cells of every vector,
// count 1), 1 Normal, 2 Uniform; sigma_k the per-cell sigma (in T) or
// sigma_uniform. Frame cell f = i*n + j of a VMM is array cell
// (rows-1-j)*cols + (cols-1-i) (src/circuit/parasitics/wires.rs).
// Writes sg[b*stride + offset + f]; one thread per (b, f), any block size.
template <typename T>
__device__ void xbar_pcg_cells(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise, double lo,
                               double hi, double* sg, unsigned long long stride, unsigned long long offset, int rows,
                               int cols, int vmm, int count, unsigned long long seed, unsigned int array,
                               unsigned long long call_base) {
    const unsigned long long e = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned long long mn = (unsigned long long)rows * cols;
    if (e >= mn * (unsigned long long)count) return;
    const unsigned long long b = e / mn, f = e % mn;
    const int n = vmm ? rows : cols;
    const unsigned long long i = f / n, j = f % n;
    const unsigned long long k = vmm ? (rows - 1 - j) * cols + (cols - 1 - i) : i * cols + j;
    double v = (double)g[k];
    if (noise != 0) {
        const xbar_stream s =
            xbar_stream_new(seed, array, XBAR_PURPOSE_READ_NOISE, call_base | (b & 0xFFFFFFull));
        const uint4 w = xbar_block_at(s, (unsigned int)(k / 4));
        const int q = (int)(k % 4);
        const unsigned int word = q == 0 ? w.x : q == 1 ? w.y : q == 2 ? w.z : w.w;
        const double draw = noise == 1 ? xbar_normal_of(word) : xbar_uniform_of(word) - 0.5;
        const double sd = per_cell ? (double)sigma[k] : sigma_uniform;
        v = fmin(fmax(v + sd * draw, lo), hi);
    }
    sg[b * stride + offset + f] = sqrt(v);
}

#define XBAR_PCG_CELLS_KERNEL(name, T)                                                                              \
    extern "C" __global__ void name(const T* g, const T* sigma, int per_cell, double sigma_uniform, int noise,     \
                                    double lo, double hi, double* sg, unsigned long long stride,                     \
                                    unsigned long long offset, int rows, int cols, int vmm, int count,               \
                                    unsigned long long seed, unsigned int array, unsigned long long call_base) {     \
        xbar_pcg_cells<T>(g, sigma, per_cell, sigma_uniform, noise, lo, hi, sg, stride, offset, rows, cols, vmm,     \
                          count, seed, array, call_base);                                                            \
    }

XBAR_PCG_CELLS_KERNEL(xbar_pcg_cells_f32, float)
XBAR_PCG_CELLS_KERNEL(xbar_pcg_cells_f64, double)
