// Device-side maintenance of resident conductances (src/gpu/resident.rs):
// a copy of an array before a write changes it (copy on write, so a copy
// that other holders still read never changes), and a balanced pair's
// difference G+ − G− formed from the two resident arrays, as
// `Array::differences` forms it on the host.

// dst[k] = src[k] for the n 32-bit words of an array (f32 or f64 cells alike).
extern "C" __global__ void xbar_copy_words(const unsigned int* src, unsigned int* dst, int n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) dst[k] = src[k];
}

// out[k] = pos[k] − neg[k] for n cells: in single precision when `single`
// (each operand rounded to float, then their float difference), else the
// exact double-precision difference of the stored values; then rounded to T
// (Array::differences, then the upload's rounding to the resident precision).
template <typename T>
__device__ void xbar_difference(const T* pos, const T* neg, T* out, int n, int single) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) {
        const double p = (double)pos[k], q = (double)neg[k];
        const double d = single ? (double)((float)p - (float)q) : p - q;
        out[k] = (T)d;
    }
}

extern "C" __global__ void xbar_difference_f32(const float* pos, const float* neg, float* out, int n, int single) {
    xbar_difference<float>(pos, neg, out, n, single);
}

extern "C" __global__ void xbar_difference_f64(const double* pos, const double* neg, double* out, int n, int single) {
    xbar_difference<double>(pos, neg, out, n, single);
}

// The cost counters' input-line conductance sums of one array, added to
// those of the arrays before it (cost/counts.rs `line_sums`): `col[j] += g_ij`
// over the rows i in order (MVM input j drives column j), and
// `row[i − skip] += Σ_j g_ij` summed over the row in order from 0 (VMM input
// i drives data row i ≥ skip; a reference line above gets no input). Threads
// 0..cols take the columns, the next rows − skip the rows, each summing in
// the host's order in double precision.
template <typename T>
__device__ void xbar_line_sums(const T* g, double* col, double* row, int rows, int cols, int skip) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long lines = (long long)cols + (rows - skip);
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < lines; t += stride) {
        if (t < cols) {
            double s = col[t];
            for (int i = 0; i < rows; ++i) s += (double)g[(long long)i * cols + t];
            col[t] = s;
        } else {
            const int i = skip + (int)(t - cols);
            double s = 0.0;
            for (int j = 0; j < cols; ++j) s += (double)g[(long long)i * cols + j];
            row[i - skip] += s;
        }
    }
}

extern "C" __global__ void xbar_line_sums_f32(const float* g, double* col, double* row, int rows, int cols, int skip) {
    xbar_line_sums<float>(g, col, row, rows, cols, skip);
}

extern "C" __global__ void xbar_line_sums_f64(const double* g, double* col, double* row, int rows, int cols, int skip) {
    xbar_line_sums<double>(g, col, row, rows, cols, skip);
}
