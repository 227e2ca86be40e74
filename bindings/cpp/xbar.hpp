// xbar.hpp: header-only C++17 bindings over the xbar C API (xbar.h).
//
// Everything here is a thin layer: each call goes straight to the C
// function of the same name, and a failing status becomes an xbar::Error
// carrying the status and the library's message. No physics lives here.
//
//   xbar::Params p = xbar::Params::preset("default");
//   xbar::Core core(p, rows, cols, /*seed*/ 1);
//   core.program(W, xbar::RowMajor);             // std::vector<double>, rows * cols
//   std::vector<double> Y = core.mvm(X, batch);  // X: batch x cols, Y: batch x rows
//
// Classes:
//   xbar::Error     std::runtime_error + status() (xbar_status) + name() ("SHAPE", ...)
//   xbar::Params    owns an xbar_params; move-only; preset / from_json / get / set
//   xbar::Core      owns an xbar_core; move-only; program / read / mvm / vmm /
//                   update / set_time, in double, float and std::complex<double>;
//                   save / load / serialize / deserialize, export_spice,
//                   cost_json / cost_reset
//   xbar::LookupTable  owns an xbar_lut (measured device tables); move-only;
//                   attached with Core::set_lookup_table
//   xbar::Matrix<T> a small owning dense matrix in row- or column-major order,
//                   accepted by program / mvm / vmm, returned by read_matrix
// Data arguments come as std::vector, as pointer + element count, or (C++20)
// as std::span. Batches are row-major batch x n, which is the same memory as
// a column-major n x batch matrix: both are accepted unchanged.
//
// Thread safety is that of the C API: one Core must not be used from two
// threads at once; distinct Cores are independent.

#ifndef XBAR_HPP
#define XBAR_HPP

#include "xbar.h"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if __cplusplus >= 202002L && defined(__has_include)
#if __has_include(<span>)
#include <span>
#define XBAR_HPP_HAS_SPAN 1
#endif
#endif
#ifndef XBAR_HPP_HAS_SPAN
#define XBAR_HPP_HAS_SPAN 0
#endif

namespace xbar {

// ---------------------------------------------------------------- errors

/// Short name of a status code, as used in error identifiers of every
/// binding: "OK", "NULL_ARGUMENT", "SHAPE", ... ("UNKNOWN" outside the enum).
inline const char* status_name(xbar_status s) noexcept {
    switch (s) {
        case XBAR_OK: return "OK";
        case XBAR_ERR_NULL_ARGUMENT: return "NULL_ARGUMENT";
        case XBAR_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
        case XBAR_ERR_SHAPE: return "SHAPE";
        case XBAR_ERR_PARAMS: return "PARAMS";
        case XBAR_ERR_PARSE: return "PARSE";
        case XBAR_ERR_UNSUPPORTED: return "UNSUPPORTED";
        case XBAR_ERR_BACKEND_UNAVAILABLE: return "BACKEND_UNAVAILABLE";
        case XBAR_ERR_NOT_PROGRAMMED: return "NOT_PROGRAMMED";
        case XBAR_ERR_NO_CONVERGENCE: return "NO_CONVERGENCE";
        case XBAR_ERR_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
        case XBAR_ERR_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
        case XBAR_ERR_IO: return "IO";
        case XBAR_ERR_INTERNAL: return "INTERNAL";
    }
    return "UNKNOWN";
}

/// A failed xbar call: the status code and the library's message
/// (xbar_last_error_message() read right after the call).
class Error : public std::runtime_error {
public:
    Error(xbar_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    /// The C status code.
    xbar_status status() const noexcept { return status_; }
    /// Its short name, e.g. "SHAPE".
    const char* name() const noexcept { return status_name(status_); }

private:
    xbar_status status_;
};

/// Throws xbar::Error for anything but XBAR_OK.
inline void check(xbar_status s) {
    if (s != XBAR_OK) {
        const char* m = xbar_last_error_message();
        throw Error(s, m != nullptr ? m : "");
    }
}

// ---------------------------------------------------------------- library

/// The library's version, "MAJOR.MINOR.PATCH".
inline std::string version() { return xbar_version(); }
/// The library's version number; equals XBAR_VERSION_NUMBER of a matching header.
inline std::uint32_t version_number() noexcept { return xbar_version_number(); }
/// True when the loaded library was built with the header this code was compiled with.
inline bool header_matches_library() noexcept { return xbar_version_number() == XBAR_VERSION_NUMBER; }
/// Size of xbar's own thread pool (0 = one thread per core).
inline void set_num_threads(std::size_t n) { check(xbar_set_num_threads(n)); }

// ---------------------------------------------------------------- layouts

/// Memory order of a matrix.
enum class Layout : std::uint32_t {
    RowMajor = XBAR_ROW_MAJOR,  ///< element (i, j) at i * cols + j (C, NumPy)
    ColMajor = XBAR_COL_MAJOR,  ///< element (i, j) at i + j * rows (Fortran, Julia, MATLAB, Eigen)
};
inline constexpr Layout RowMajor = Layout::RowMajor;
inline constexpr Layout ColMajor = Layout::ColMajor;

/// Offset of element (i, j) of a rows x cols matrix stored in `layout`.
constexpr std::size_t index(Layout layout, std::size_t i, std::size_t j, std::size_t rows,
                            std::size_t cols) noexcept {
    return layout == Layout::RowMajor ? i * cols + j : i + j * rows;
}

/// A dense rows x cols matrix owning its elements in either layout. Kept
/// deliberately small: element access, the raw buffer, and layout changes.
template <class T>
class Matrix {
public:
    Matrix() = default;
    Matrix(std::size_t rows, std::size_t cols, Layout layout = Layout::RowMajor, T fill = T())
        : rows_(rows), cols_(cols), layout_(layout), data_(rows * cols, fill) {}
    /// Takes over `data` (rows * cols elements in `layout`).
    Matrix(std::size_t rows, std::size_t cols, Layout layout, std::vector<T> data)
        : rows_(rows), cols_(cols), layout_(layout), data_(std::move(data)) {
        if (data_.size() != rows * cols) {
            throw Error(XBAR_ERR_SHAPE, "xbar::Matrix: " + std::to_string(rows) + " x " +
                                            std::to_string(cols) + " needs " +
                                            std::to_string(rows * cols) + " elements, got " +
                                            std::to_string(data_.size()));
        }
    }
    /// Builds a matrix from f(i, j).
    template <class F>
    static Matrix from_function(std::size_t rows, std::size_t cols, F&& f,
                                Layout layout = Layout::RowMajor) {
        Matrix m(rows, cols, layout);
        for (std::size_t i = 0; i < rows; ++i) {
            for (std::size_t j = 0; j < cols; ++j) {
                m(i, j) = f(i, j);
            }
        }
        return m;
    }

    std::size_t rows() const noexcept { return rows_; }
    std::size_t cols() const noexcept { return cols_; }
    std::size_t size() const noexcept { return data_.size(); }
    Layout layout() const noexcept { return layout_; }
    T* data() noexcept { return data_.data(); }
    const T* data() const noexcept { return data_.data(); }
    const std::vector<T>& vector() const noexcept { return data_; }

    T& operator()(std::size_t i, std::size_t j) noexcept { return data_[index(layout_, i, j, rows_, cols_)]; }
    const T& operator()(std::size_t i, std::size_t j) const noexcept {
        return data_[index(layout_, i, j, rows_, cols_)];
    }

    /// The same matrix stored in `layout` (a copy; no-op copy when equal).
    Matrix in_layout(Layout layout) const {
        Matrix m(rows_, cols_, layout);
        for (std::size_t i = 0; i < rows_; ++i) {
            for (std::size_t j = 0; j < cols_; ++j) {
                m(i, j) = (*this)(i, j);
            }
        }
        return m;
    }
    /// The transpose without moving an element: the same buffer, read in the
    /// other layout (row-major r x c is column-major c x r).
    Matrix transposed() && {
        Matrix m;
        m.rows_ = cols_;
        m.cols_ = rows_;
        m.layout_ = layout_ == Layout::RowMajor ? Layout::ColMajor : Layout::RowMajor;
        m.data_ = std::move(data_);
        return m;
    }
    Matrix transposed() const& { return Matrix(*this).transposed(); }

private:
    std::size_t rows_ = 0;
    std::size_t cols_ = 0;
    Layout layout_ = Layout::RowMajor;
    std::vector<T> data_;
};

namespace detail {

template <class T>
struct identity {  // std::type_identity before C++20: keeps T out of deduction
    using type = T;
};

inline std::string shape_message(const char* fn, const char* what, std::size_t want, std::size_t got) {
    return std::string(fn) + ": " + what + ": expected " + std::to_string(want) + " elements, got " +
           std::to_string(got);
}

// Query-size-then-fill: `call(buf, cap, &len)` writes len bytes into a
// caller buffer; returns them in a Buf (std::string or std::vector<uint8_t>).
template <class Buf, class Fn>
Buf fetch(Fn&& call) {
    std::size_t len = 0;
    xbar_status s = call(nullptr, 0, &len);
    if (s != XBAR_ERR_BUFFER_TOO_SMALL) {
        check(s);
    }
    for (;;) {
        Buf buf(len, typename Buf::value_type());
        s = call(buf.data(), buf.size(), &len);
        if (s == XBAR_ERR_BUFFER_TOO_SMALL) {
            continue;  // the content grew in between; len holds the new size
        }
        check(s);
        buf.resize(len);
        return buf;
    }
}

// fetch() of a function writing NUL-terminated text.
template <class Fn>
std::string fetch_text(Fn&& call) {
    std::string text = fetch<std::string>(std::forward<Fn>(call));
    if (!text.empty()) {
        text.pop_back();  // drop the terminating NUL
    }
    return text;
}

template <class T>
std::string json_number(T v) {
    if constexpr (std::is_same_v<T, bool>) {
        return v ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(v);
    } else {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
        return buf;
    }
}

// Interleaved (re, im) view of std::complex<double> data: [complex.numbers]
// guarantees the array-of-two-doubles layout.
inline const double* interleaved(const std::complex<double>* p) noexcept {
    return reinterpret_cast<const double*>(p);
}
inline double* interleaved(std::complex<double>* p) noexcept { return reinterpret_cast<double*>(p); }

}  // namespace detail

// ---------------------------------------------------------------- Params

/// A parameter set (xbar_params). Move-only; copy explicitly with clone().
class Params {
public:
    /// The defaults (ideal devices and periphery).
    Params() {
        xbar_params* raw = nullptr;
        check(xbar_params_new(&raw));
        h_.reset(raw);
    }
    /// A preset shipped with xbar: "default", "ISAAC", "ISAAC-SarADC", "PRIME", "SONOS-TCAS",
    /// "aihwkit-inference", "aihwkit-hwa".
    static Params preset(const std::string& name) {
        xbar_params* raw = nullptr;
        check(xbar_params_preset(name.c_str(), &raw));
        return Params(raw);
    }
    /// From xbar or CrossSim 3.x JSON text; absent keys keep their defaults.
    static Params from_json(const std::string& json) {
        xbar_params* raw = nullptr;
        check(xbar_params_from_json(json.c_str(), &raw));
        return Params(raw);
    }
    /// Takes ownership of a handle from the C API (nullptr is allowed: an empty object).
    static Params adopt(xbar_params* raw) noexcept { return Params(raw); }

    Params(Params&&) noexcept = default;
    Params& operator=(Params&&) noexcept = default;
    Params(const Params&) = delete;
    Params& operator=(const Params&) = delete;
    ~Params() = default;

    /// An independent copy (through JSON).
    Params clone() const { return from_json(to_json()); }

    /// The whole set as JSON text.
    std::string to_json() const {
        return detail::fetch_text([this](char* b, std::size_t cap, std::size_t* len) {
            return xbar_params_to_json(h_.get(), b, cap, len);
        });
    }
    /// One parameter (or a group) as JSON text, e.g. get("xbar.adc.mvm.bits") == "8".
    std::string get(const std::string& path) const {
        return detail::fetch_text([this, &path](char* b, std::size_t cap, std::size_t* len) {
            return xbar_params_get(h_.get(), path.c_str(), b, cap, len);
        });
    }
    /// Sets one parameter from JSON text: set("xbar.adc.mvm.model", "\"SarADC\"").
    Params& set(const std::string& path, const std::string& json_value) {
        check(xbar_params_set(h_.get(), path.c_str(), json_value.c_str()));
        return *this;
    }
    /// Same; keeps string literals away from the bool overload.
    Params& set(const std::string& path, const char* json_value) {
        return set(path, std::string(json_value != nullptr ? json_value : "null"));
    }
    /// Sets a number or a bool: set("xbar.adc.mvm.bits", 8), set("...enable", true).
    template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
    Params& set(const std::string& path, T value) {
        return set(path, detail::json_number(value));
    }

    /// The raw handle, for mixing in C calls; still owned by this object.
    xbar_params* native_handle() noexcept { return h_.get(); }
    const xbar_params* native_handle() const noexcept { return h_.get(); }
    /// Gives up ownership of the raw handle (free it with xbar_params_free).
    xbar_params* release() noexcept { return h_.release(); }
    explicit operator bool() const noexcept { return h_ != nullptr; }

private:
    explicit Params(xbar_params* raw) noexcept : h_(raw) {}
    struct Deleter {
        void operator()(xbar_params* p) const noexcept { xbar_params_free(p); }
    };
    std::unique_ptr<xbar_params, Deleter> h_;
};

// ---------------------------------------------------------------- LookupTable

/// Measured device lookup tables (xbar_lut, CrossSim 2 format). Move-only;
/// cores it is attached to keep their own reference.
class LookupTable {
public:
    /// Loads the tables of folder `dir`: one pair dG_increasing.txt /
    /// dG_decreasing.txt, numbered pairs, or one sub-folder per device.
    explicit LookupTable(const std::string& dir) {
        xbar_lut* raw = nullptr;
        check(xbar_lut_load(dir.c_str(), &raw));
        h_.reset(raw);
    }
    xbar_lut* native_handle() noexcept { return h_.get(); }
    const xbar_lut* native_handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_ != nullptr; }

private:
    struct Deleter {
        void operator()(xbar_lut* t) const noexcept { xbar_lut_free(t); }
    };
    std::unique_ptr<xbar_lut, Deleter> h_;
};

/// Builds a lookup table from raw pulse-train CSVs (columns: ramps of
/// conductances in siemens) and writes it in the CrossSim 2 format into the
/// existing folder `out_dir`.
inline void lut_from_pulse_trains(const std::string& set_csv, const std::string& reset_csv,
                                  const std::string& out_dir) {
    check(xbar_lut_from_pulse_trains(set_csv.c_str(), reset_csv.c_str(), out_dir.c_str()));
}

// ---------------------------------------------------------------- Core

/// The part an array plays in its tile (xbar_core_array_layout's role code).
enum class ArrayRole : std::uint32_t {
    Single = 0,    ///< the one array of an OFFSET tile (or weight slice)
    Positive = 1,  ///< G+ of a BALANCED pair
    Negative = 2,  ///< G- of a BALANCED pair
};

/// One physical array of a core (Core::arrays()): its tile, role, weight
/// slice (BITSLICED cores, 0 = least significant), physical shape and the
/// index of its first cell in Core::conductances().
struct ArrayInfo {
    std::size_t tile_row, tile_col;  ///< row block and column block of the tiling
    std::size_t row0, col0;          ///< first weight row and column of the tile
    ArrayRole role;
    std::size_t slice;
    std::size_t rows, cols;          ///< the array's cells: rows x cols, row-major
    std::size_t offset;              ///< index of its first cell in Core::conductances()
};

/// One simulated matrix (xbar_core). Move-only. MVM: y = W x (x has cols()
/// entries, y rows()); VMM: y = v W (v has rows() entries, y cols()).
class Core {
public:
    /// A rows x cols core with (a copy of) `params`; `seed` is its only source of randomness.
    Core(const Params& params, std::size_t rows, std::size_t cols, std::uint64_t seed = 0) {
        xbar_core* raw = nullptr;
        check(xbar_core_new(params.native_handle(), rows, cols, seed, &raw));
        h_.reset(raw);
        rows_ = rows;
        cols_ = cols;
    }
    /// Takes ownership of a handle from the C API.
    static Core adopt(xbar_core* raw) noexcept { return Core(raw); }

    Core(Core&& o) noexcept : h_(std::move(o.h_)), rows_(std::exchange(o.rows_, 0)), cols_(std::exchange(o.cols_, 0)) {}
    Core& operator=(Core&& o) noexcept {
        h_ = std::move(o.h_);
        rows_ = std::exchange(o.rows_, 0);
        cols_ = std::exchange(o.cols_, 0);
        return *this;
    }
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;
    ~Core() = default;

    std::size_t rows() const noexcept { return rows_; }
    std::size_t cols() const noexcept { return cols_; }
    xbar_core* native_handle() noexcept { return h_.get(); }
    const xbar_core* native_handle() const noexcept { return h_.get(); }
    xbar_core* release() noexcept {
        rows_ = cols_ = 0;
        return h_.release();
    }
    explicit operator bool() const noexcept { return h_ != nullptr; }

    // ---- program: rows() * cols() weights in `layout`

    void program(const double* w, std::size_t size, Layout layout = Layout::RowMajor) {
        expect_size("xbar::Core::program", "w (rows * cols)", rows_ * cols_, size);
        check(xbar_core_program(h_.get(), w, rows_, cols_, static_cast<std::uint32_t>(layout)));
    }
    void program(const float* w, std::size_t size, Layout layout = Layout::RowMajor) {
        expect_size("xbar::Core::program", "w (rows * cols)", rows_ * cols_, size);
        check(xbar_core_program_f32(h_.get(), w, rows_, cols_, static_cast<std::uint32_t>(layout)));
    }
    void program(const std::complex<double>* w, std::size_t size, Layout layout = Layout::RowMajor) {
        expect_size("xbar::Core::program", "w (rows * cols)", rows_ * cols_, size);
        check(xbar_core_program_complex(h_.get(), detail::interleaved(w), rows_, cols_,
                                        static_cast<std::uint32_t>(layout)));
    }
    template <class T>
    void program(const std::vector<T>& w, Layout layout = Layout::RowMajor) {
        program(w.data(), w.size(), layout);
    }
    template <class T>
    void program(const Matrix<T>& w) {
        expect_live("xbar::Core::program");
        if (w.rows() != rows_ || w.cols() != cols_) {
            throw Error(XBAR_ERR_SHAPE, "xbar::Core::program: matrix is " + std::to_string(w.rows()) + " x " +
                                            std::to_string(w.cols()) + ", the core is " +
                                            std::to_string(rows_) + " x " + std::to_string(cols_));
        }
        program(w.data(), w.size(), w.layout());
    }

    // ---- read: the effective weights as stored now

    void read(double* out, std::size_t size, Layout layout = Layout::RowMajor) {
        expect_size("xbar::Core::read", "out (rows * cols)", rows_ * cols_, size);
        check(xbar_core_read(h_.get(), out, rows_, cols_, static_cast<std::uint32_t>(layout)));
    }
    void read(float* out, std::size_t size, Layout layout = Layout::RowMajor) {
        expect_size("xbar::Core::read", "out (rows * cols)", rows_ * cols_, size);
        check(xbar_core_read_f32(h_.get(), out, rows_, cols_, static_cast<std::uint32_t>(layout)));
    }
    void read(std::complex<double>* out, std::size_t size, Layout layout = Layout::RowMajor) {
        expect_size("xbar::Core::read", "out (rows * cols)", rows_ * cols_, size);
        check(xbar_core_read_complex(h_.get(), detail::interleaved(out), rows_, cols_,
                                     static_cast<std::uint32_t>(layout)));
    }
    /// rows() * cols() weights in `layout`.
    std::vector<double> read(Layout layout = Layout::RowMajor) { return read_as<double>(layout); }
    std::vector<float> read_f32(Layout layout = Layout::RowMajor) { return read_as<float>(layout); }
    std::vector<std::complex<double>> read_complex(Layout layout = Layout::RowMajor) {
        return read_as<std::complex<double>>(layout);
    }
    template <class T = double>
    Matrix<T> read_matrix(Layout layout = Layout::RowMajor) {
        return Matrix<T>(rows_, cols_, layout, read_as<T>(layout));
    }

    // ---- mvm: y[b,:] = W x[b,:]; x is batch x cols, y batch x rows (row-major)

    void mvm(const double* x, std::size_t x_size, double* y, std::size_t y_size) {
        std::size_t b = batch_of("xbar::Core::mvm", x_size, cols_, y_size, rows_);
        check(xbar_core_mvm(h_.get(), x, b, cols_, y, rows_));
    }
    void mvm(const float* x, std::size_t x_size, float* y, std::size_t y_size) {
        std::size_t b = batch_of("xbar::Core::mvm", x_size, cols_, y_size, rows_);
        check(xbar_core_mvm_f32(h_.get(), x, b, cols_, y, rows_));
    }
    void mvm(const std::complex<double>* x, std::size_t x_size, std::complex<double>* y, std::size_t y_size) {
        std::size_t b = batch_of("xbar::Core::mvm", x_size, cols_, y_size, rows_);
        check(xbar_core_mvm_complex(h_.get(), detail::interleaved(x), b, cols_, detail::interleaved(y), rows_));
    }
    /// `batch` input vectors in x (batch * cols() elements); returns batch * rows() elements.
    template <class T>
    std::vector<T> mvm(const std::vector<T>& x, std::size_t batch = 1) {
        expect_size("xbar::Core::mvm", "x (batch * cols)", batch * cols_, x.size());
        std::vector<T> y(batch * rows_);
        mvm(x.data(), x.size(), y.data(), y.size());
        return y;
    }
    /// X as row-major batch x cols() or column-major cols() x batch (the
    /// same memory); Y comes back in the same convention (batch x rows() or
    /// rows() x batch).
    template <class T>
    Matrix<T> mvm(const Matrix<T>& x) {
        expect_live("xbar::Core::mvm");
        bool row = x.layout() == Layout::RowMajor;
        std::size_t batch = row ? x.rows() : x.cols();
        std::size_t n = row ? x.cols() : x.rows();
        if (n != cols_) {
            throw Error(XBAR_ERR_SHAPE, "xbar::Core::mvm: input vectors have " + std::to_string(n) +
                                            " elements, the core has " + std::to_string(cols_) + " columns");
        }
        Matrix<T> y = row ? Matrix<T>(batch, rows_, Layout::RowMajor) : Matrix<T>(rows_, batch, Layout::ColMajor);
        mvm(x.data(), x.size(), y.data(), y.size());
        return y;
    }

    // ---- vmm: y[b,:] = v[b,:] W; v is batch x rows, y batch x cols (row-major)

    void vmm(const double* v, std::size_t v_size, double* y, std::size_t y_size) {
        std::size_t b = batch_of("xbar::Core::vmm", v_size, rows_, y_size, cols_);
        check(xbar_core_vmm(h_.get(), v, b, rows_, y, cols_));
    }
    void vmm(const float* v, std::size_t v_size, float* y, std::size_t y_size) {
        std::size_t b = batch_of("xbar::Core::vmm", v_size, rows_, y_size, cols_);
        check(xbar_core_vmm_f32(h_.get(), v, b, rows_, y, cols_));
    }
    void vmm(const std::complex<double>* v, std::size_t v_size, std::complex<double>* y, std::size_t y_size) {
        std::size_t b = batch_of("xbar::Core::vmm", v_size, rows_, y_size, cols_);
        check(xbar_core_vmm_complex(h_.get(), detail::interleaved(v), b, rows_, detail::interleaved(y), cols_));
    }
    template <class T>
    std::vector<T> vmm(const std::vector<T>& v, std::size_t batch = 1) {
        expect_size("xbar::Core::vmm", "v (batch * rows)", batch * rows_, v.size());
        std::vector<T> y(batch * cols_);
        vmm(v.data(), v.size(), y.data(), y.size());
        return y;
    }
    /// V as row-major batch x rows() or column-major rows() x batch; Y in the same convention.
    template <class T>
    Matrix<T> vmm(const Matrix<T>& v) {
        expect_live("xbar::Core::vmm");
        bool row = v.layout() == Layout::RowMajor;
        std::size_t batch = row ? v.rows() : v.cols();
        std::size_t m = row ? v.cols() : v.rows();
        if (m != rows_) {
            throw Error(XBAR_ERR_SHAPE, "xbar::Core::vmm: input vectors have " + std::to_string(m) +
                                            " elements, the core has " + std::to_string(rows_) + " rows");
        }
        Matrix<T> y = row ? Matrix<T>(batch, cols_, Layout::RowMajor) : Matrix<T>(cols_, batch, Layout::ColMajor);
        vmm(v.data(), v.size(), y.data(), y.size());
        return y;
    }

    // ---- update: W += lr * sum_b d[b,:] (outer) x[b,:]; x batch x cols, d batch x rows

    void update(const double* x, std::size_t x_size, const double* d, std::size_t d_size, double lr) {
        std::size_t b = batch_of("xbar::Core::update", x_size, cols_, d_size, rows_);
        check(xbar_core_update(h_.get(), x, d, b, lr));
    }
    void update(const float* x, std::size_t x_size, const float* d, std::size_t d_size, float lr) {
        std::size_t b = batch_of("xbar::Core::update", x_size, cols_, d_size, rows_);
        check(xbar_core_update_f32(h_.get(), x, d, b, lr));
    }
    template <class T>
    void update(const std::vector<T>& x, const std::vector<T>& d, typename detail::identity<T>::type lr) {
        update(x.data(), x.size(), d.data(), d.size(), lr);
    }

    /// Moves the arrays to their drifted state `seconds` after programming.
    void set_time(double seconds) {
        expect_live("xbar::Core::set_time");
        check(xbar_core_set_time(h_.get(), seconds));
    }

    // ---- what the core holds

    /// Every array of the programmed core, tile by tile, G+ before G-,
    /// slices from the least significant (xbar_core_array_layout).
    std::vector<ArrayInfo> arrays() const {
        expect_live("xbar::Core::arrays");
        std::size_t n = 0;
        check(xbar_core_array_count(h_.get(), &n));
        std::vector<std::size_t> f(9 * n);
        check(xbar_core_array_layout(h_.get(), f.data(), f.size()));
        std::vector<ArrayInfo> out;
        out.reserve(n);
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t* a = f.data() + 9 * k;
            out.push_back(ArrayInfo{a[0], a[1], a[2], a[3], static_cast<ArrayRole>(a[4]), a[5], a[6], a[7], a[8]});
        }
        return out;
    }

    /// The physical conductance of every cell in siemens, the arrays one
    /// after another in the order of arrays(), each row-major: stored values
    /// (programming error, updates, drift; no read noise) times Gmax = 1/Rmin.
    std::vector<double> conductances() const {
        expect_live("xbar::Core::conductances");
        std::size_t n = 0;
        check(xbar_core_conductance_count(h_.get(), &n));
        std::vector<double> g(n);
        check(xbar_core_conductances(h_.get(), g.data(), g.size()));
        return g;
    }

    /// The global drift compensation factor outputs are multiplied by now
    /// (xbar.device.drift_compensation; 1 without it or before any set_time).
    double drift_compensation() const {
        expect_live("xbar::Core::drift_compensation");
        double f = 0.0;
        check(xbar_core_drift_compensation(h_.get(), &f));
        return f;
    }

    /// Later updates write through the measured tables `lut` (the core keeps its own reference).
    void set_lookup_table(const LookupTable& lut) {
        expect_live("xbar::Core::set_lookup_table");
        check(xbar_core_set_lut(h_.get(), lut.native_handle()));
    }

    // ---- saved state: a restored core continues bit for bit

    /// Saves the whole state to the file `path` (atomically).
    void save(const std::string& path) const {
        expect_live("xbar::Core::save");
        check(xbar_core_save(h_.get(), path.c_str()));
    }
    /// The core saved in the file `path`.
    static Core load(const std::string& path) {
        xbar_core* raw = nullptr;
        check(xbar_core_load(path.c_str(), &raw));
        return Core(raw);
    }
    /// The whole state as bytes (the content of a save() file).
    std::vector<std::uint8_t> serialize() const {
        expect_live("xbar::Core::serialize");
        return detail::fetch<std::vector<std::uint8_t>>([this](std::uint8_t* b, std::size_t cap, std::size_t* len) {
            return xbar_core_serialize(h_.get(), b, cap, len);
        });
    }
    /// The core whose state `size` bytes at `data` hold (from serialize() or a saved file).
    static Core deserialize(const std::uint8_t* data, std::size_t size) {
        xbar_core* raw = nullptr;
        check(xbar_core_deserialize(data, size, &raw));
        return Core(raw);
    }
    static Core deserialize(const std::vector<std::uint8_t>& bytes) {
        return deserialize(bytes.data(), bytes.size());
    }

    /// An ngspice netlist of the core's first array for the MVM input `x`
    /// (cols() values, weight units), with xbar's output currents as comments.
    std::string export_spice(const double* x, std::size_t size) const {
        expect_size("xbar::Core::export_spice", "x (cols)", cols_, size);
        return detail::fetch_text([this, x, size](char* b, std::size_t cap, std::size_t* len) {
            return xbar_core_export_spice(h_.get(), x, size, b, cap, len);
        });
    }
    std::string export_spice(const std::vector<double>& x) const { return export_spice(x.data(), x.size()); }

    /// The cost report of the reads as JSON text: "last_call" and
    /// "since_program" (energy by component in J, latency in s, event
    /// counts) and "area_m2" (see xbar_core_cost_json).
    std::string cost_json() const {
        return detail::fetch_text([this](char* b, std::size_t cap, std::size_t* len) {
            return xbar_core_cost_json(h_.get(), b, cap, len);
        });
    }
    /// Clears the cost counters ("last_call" and "since_program").
    void cost_reset() {
        expect_live("xbar::Core::cost_reset");
        check(xbar_core_cost_reset(h_.get()));
    }

#if XBAR_HPP_HAS_SPAN
    // ---- C++20: std::span views of caller memory (std::vector converts too)
#define XBAR_HPP_SPAN_OVERLOADS(T)                                                          \
    void program(std::span<const T> w, Layout layout = Layout::RowMajor) {                  \
        program(w.data(), w.size(), layout);                                                \
    }                                                                                       \
    void read(std::span<T> out, Layout layout = Layout::RowMajor) { read(out.data(), out.size(), layout); } \
    void mvm(std::span<const T> x, std::span<T> y) { mvm(x.data(), x.size(), y.data(), y.size()); } \
    void vmm(std::span<const T> v, std::span<T> y) { vmm(v.data(), v.size(), y.data(), y.size()); }
    XBAR_HPP_SPAN_OVERLOADS(double)
    XBAR_HPP_SPAN_OVERLOADS(float)
    XBAR_HPP_SPAN_OVERLOADS(std::complex<double>)
#undef XBAR_HPP_SPAN_OVERLOADS
    void update(std::span<const double> x, std::span<const double> d, double lr) {
        update(x.data(), x.size(), d.data(), d.size(), lr);
    }
    void update(std::span<const float> x, std::span<const float> d, float lr) {
        update(x.data(), x.size(), d.data(), d.size(), lr);
    }
#endif

private:
    explicit Core(xbar_core* raw) noexcept
        : h_(raw), rows_(xbar_core_rows(raw)), cols_(xbar_core_cols(raw)) {}

    // Every operation first checks that this object still owns a core.
    void expect_live(const char* fn) const {
        if (!h_) {
            throw Error(XBAR_ERR_NULL_ARGUMENT, std::string(fn) + ": this xbar::Core is empty (moved from or released)");
        }
    }
    void expect_size(const char* fn, const char* what, std::size_t want, std::size_t got) const {
        expect_live(fn);
        if (want != got) {
            throw Error(XBAR_ERR_SHAPE, detail::shape_message(fn, what, want, got));
        }
    }
    // The batch size implied by an input of `in_size` elements (vectors of
    // `n`), checked against an output of `out_size` elements (vectors of `m`).
    std::size_t batch_of(const char* fn, std::size_t in_size, std::size_t n, std::size_t out_size,
                         std::size_t m) const {
        expect_live(fn);
        std::size_t batch = n == 0 ? 0 : in_size / n;
        expect_size(fn, "input (batch * n)", batch * n, in_size);
        expect_size(fn, "output (batch * m)", batch * m, out_size);
        return batch;
    }
    template <class T>
    std::vector<T> read_as(Layout layout) {
        std::vector<T> out(rows_ * cols_);
        read(out.data(), out.size(), layout);
        return out;
    }

    struct Deleter {
        void operator()(xbar_core* c) const noexcept { xbar_core_free(c); }
    };
    std::unique_ptr<xbar_core, Deleter> h_;
    std::size_t rows_ = 0;
    std::size_t cols_ = 0;
};

}  // namespace xbar

#endif  // XBAR_HPP
