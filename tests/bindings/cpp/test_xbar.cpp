// Tests of the header-only C++ bindings (bindings/cpp/xbar.hpp) against the
// built library. Compiled by tests/bindings/cpp.sh with -std=c++17 and
// -std=c++20 (-Wall -Wextra -Wpedantic -Werror) and run, also under valgrind.
// argv[1]: tests/bindings/reference_64x48.txt (the cross-language case).
// Prints one line per failed check and "N passed, M failed".

#include "xbar.hpp"

#include "../reference_case.h"

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

int passed = 0;
int failed = 0;

void check(bool cond, int line, const char* what) {
    if (cond) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAIL line %d: %s\n", line, what);
    }
}
#define CHECK(cond) check((cond), __LINE__, #cond)

// Runs `f`, expects an xbar::Error with `status` whose message contains `needle`.
template <class F>
void expect_error(F&& f, xbar_status status, const char* needle, int line) {
    try {
        f();
        ++failed;
        std::printf("FAIL line %d: no exception (expected %s)\n", line, xbar::status_name(status));
    } catch (const xbar::Error& e) {
        bool good = e.status() == status && std::string(e.what()).find(needle) != std::string::npos &&
                    std::strcmp(e.name(), xbar::status_name(status)) == 0;
        if (good) {
            ++passed;
        } else {
            ++failed;
            std::printf("FAIL line %d: got %s \"%s\", expected %s containing \"%s\"\n", line, e.name(), e.what(),
                        xbar::status_name(status), needle);
        }
    }
}
#define EXPECT_ERROR(stmt, status, needle) expect_error([&] { stmt; }, status, needle, __LINE__)

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t k = 0; k < a.size(); ++k) {
        if (ref_bits(a[k]) != ref_bits(b[k])) {
            return false;
        }
    }
    return true;
}

// ---- compile-time properties
static_assert(!std::is_copy_constructible_v<xbar::Core>, "Core is move-only");
static_assert(!std::is_copy_assignable_v<xbar::Core>, "Core is move-only");
static_assert(std::is_nothrow_move_constructible_v<xbar::Core>, "Core moves without throwing");
static_assert(std::is_nothrow_move_assignable_v<xbar::Core>, "Core moves without throwing");
static_assert(!std::is_copy_constructible_v<xbar::Params>, "Params is move-only");
static_assert(!std::is_copy_assignable_v<xbar::Params>, "Params is move-only");
static_assert(std::is_nothrow_move_constructible_v<xbar::Params>, "Params moves without throwing");
static_assert(std::is_base_of_v<std::runtime_error, xbar::Error>, "Error is a std::runtime_error");
static_assert(static_cast<std::uint32_t>(xbar::RowMajor) == XBAR_ROW_MAJOR, "layout codes");
static_assert(static_cast<std::uint32_t>(xbar::ColMajor) == XBAR_COL_MAJOR, "layout codes");
static_assert(xbar::index(xbar::RowMajor, 1, 2, 3, 4) == 6 && xbar::index(xbar::ColMajor, 1, 2, 3, 4) == 7,
              "index()");

void test_library() {
    CHECK(xbar::header_matches_library());
    CHECK(xbar::version_number() == XBAR_VERSION_NUMBER);
    CHECK(xbar::version() == std::to_string(XBAR_VERSION_MAJOR) + "." + std::to_string(XBAR_VERSION_MINOR) + "." +
                                 std::to_string(XBAR_VERSION_PATCH));
    CHECK(std::string(xbar::status_name(XBAR_ERR_SHAPE)) == "SHAPE");
    CHECK(std::string(xbar::status_name(XBAR_ERR_UNSUPPORTED)) == "UNSUPPORTED");
    CHECK(std::string(xbar::status_name(XBAR_OK)) == "OK");
    xbar::set_num_threads(1);
    xbar::set_num_threads(0);
}

void test_params() {
    xbar::Params p;
    CHECK(static_cast<bool>(p));
    CHECK(p.get("xbar.adc.mvm.bits") == "0");
    p.set("xbar.adc.mvm.bits", 8).set("xbar.adc.mvm.model", "\"QuantizerADC\"");
    CHECK(p.get("xbar.adc.mvm.bits") == "8");
    CHECK(p.get("xbar.adc.mvm.model") == "\"QuantizerADC\"");
    p.set("core.complex_input", true);
    CHECK(p.get("core.complex_input") == "true");
    p.set("core.complex_input", false);
    p.set("xbar.device.Vread", 0.125);
    CHECK(p.get("xbar.device.Vread") == "0.125");
    p.set("xbar.adc.mvm.calibrated_range", std::string("[-8, 8]"));
    CHECK(p.get("xbar.adc.mvm.calibrated_range").find("-8") != std::string::npos);

    // JSON round trip and clone
    std::string json = p.to_json();
    CHECK(json.size() > 100 && json.front() == '{' && json.back() == '}');
    xbar::Params q = xbar::Params::from_json(json);
    CHECK(q.to_json() == json);
    xbar::Params r = p.clone();
    r.set("xbar.adc.mvm.bits", 6);
    CHECK(p.get("xbar.adc.mvm.bits") == "8" && r.get("xbar.adc.mvm.bits") == "6");
    CHECK(xbar::Params::from_json("{}").to_json() == xbar::Params().to_json());

    // presets
    xbar::Params d = xbar::Params::preset("default");
    CHECK(d.get("core").find("rows_max") != std::string::npos);
    CHECK(xbar::Params::preset("ISAAC").get("xbar.adc.mvm.bits") != "0");

    // errors carry the status and the library's message
    EXPECT_ERROR(xbar::Params::preset("no-such-preset"), XBAR_ERR_PARAMS, "no-such-preset");
    EXPECT_ERROR(xbar::Params::from_json("{not json"), XBAR_ERR_PARSE, "");
    EXPECT_ERROR(p.set("xbar.adc.mvm.no_such_key", 1), XBAR_ERR_PARAMS, "no_such_key");
    EXPECT_ERROR(p.get("no.such.path"), XBAR_ERR_PARAMS, "unknown key");
    EXPECT_ERROR(p.set("xbar.adc.mvm.bits", "eight"), XBAR_ERR_PARSE, "");
    CHECK(p.get("xbar.adc.mvm.bits") == "8");  // unchanged by the failures

    // moves leave an empty object whose use is an error, not a crash
    xbar::Params moved = std::move(p);
    CHECK(!p && static_cast<bool>(moved));
    EXPECT_ERROR(p.get("xbar.adc.mvm.bits"), XBAR_ERR_NULL_ARGUMENT, "");
    p = std::move(moved);
    CHECK(p.get("xbar.adc.mvm.bits") == "8");

    // release / adopt
    xbar_params* raw = p.release();
    CHECK(raw != nullptr && !p);
    xbar::Params back = xbar::Params::adopt(raw);
    CHECK(back.get("xbar.adc.mvm.bits") == "8");
}

void test_matrix() {
    auto m = xbar::Matrix<double>::from_function(2, 3, [](std::size_t i, std::size_t j) { return static_cast<double>(10 * i + j); });
    CHECK(m.rows() == 2 && m.cols() == 3 && m.layout() == xbar::RowMajor);
    CHECK((m.vector() == std::vector<double>{0, 1, 2, 10, 11, 12}));
    auto c = m.in_layout(xbar::ColMajor);
    CHECK((c.vector() == std::vector<double>{0, 10, 1, 11, 2, 12}));
    CHECK(c(1, 2) == 12.0 && m(1, 2) == 12.0);
    auto t = m.transposed();
    CHECK(t.rows() == 3 && t.cols() == 2 && t.layout() == xbar::ColMajor && t(2, 1) == 12.0);
    CHECK(t.vector() == m.vector());  // same buffer, other layout
    EXPECT_ERROR((xbar::Matrix<double>(2, 2, xbar::RowMajor, std::vector<double>(3))), XBAR_ERR_SHAPE, "got 3");
}

constexpr std::size_t R = 6, C = 5, B = 3;
double wf(std::size_t i, std::size_t j) { return static_cast<double>((3 * i + 5 * j) % 7) / 4.0 - 0.75; }
double xf(std::size_t b, std::size_t j) { return static_cast<double>((b + 2 * j) % 5) / 4.0 - 0.5; }

void test_core() {
    xbar::Params p = xbar::Params::preset("default");
    xbar::Core core(p, R, C, 1);
    CHECK(core.rows() == R && core.cols() == C && static_cast<bool>(core));

    std::vector<double> x(B * C);
    for (std::size_t k = 0; k < x.size(); ++k) {
        x[k] = xf(k / C, k % C);
    }
    EXPECT_ERROR(core.mvm(x, B), XBAR_ERR_NOT_PROGRAMMED, "");

    auto W = xbar::Matrix<double>::from_function(R, C, wf);
    core.program(W.vector(), xbar::RowMajor);
    std::vector<double> y = core.mvm(x, B);
    CHECK(y.size() == B * R);
    double maxerr = 0.0;
    for (std::size_t b = 0; b < B; ++b) {
        for (std::size_t i = 0; i < R; ++i) {
            double exact = 0.0;
            for (std::size_t j = 0; j < C; ++j) {
                exact += wf(i, j) * xf(b, j);
            }
            maxerr = std::fmax(maxerr, std::fabs(y[b * R + i] - exact));
        }
    }
    CHECK(maxerr < 1e-5);

    // the same product through every entry point gives the same bits
    std::vector<double> y2(B * R);
    core.mvm(x.data(), x.size(), y2.data(), y2.size());
    CHECK(same_bits(y, y2));
    xbar::Matrix<double> Xrow(B, C, xbar::RowMajor, x);
    xbar::Matrix<double> Yrow = core.mvm(Xrow);
    CHECK(Yrow.rows() == B && Yrow.cols() == R && same_bits(Yrow.vector(), y));
    xbar::Matrix<double> Xcol = Xrow.transposed();  // C x B column-major: the same memory
    xbar::Matrix<double> Ycol = core.mvm(Xcol);
    CHECK(Ycol.rows() == R && Ycol.cols() == B && Ycol.layout() == xbar::ColMajor);
    CHECK(same_bits(Ycol.vector(), y));
    CHECK(Ycol(R - 1, B - 1) == y[(B - 1) * R + R - 1]);

    // program in column-major (from a Matrix): the same results
    xbar::Core core_cm(p, R, C, 1);
    core_cm.program(W.in_layout(xbar::ColMajor));
    CHECK(same_bits(core_cm.mvm(x, B), y));

    // read back in both layouts
    std::vector<double> wr = core.read(xbar::RowMajor);
    std::vector<double> wc = core.read(xbar::ColMajor);
    xbar::Matrix<double> Wm = core.read_matrix(xbar::ColMajor);
    bool agree = true;
    double werr = 0.0;
    for (std::size_t i = 0; i < R; ++i) {
        for (std::size_t j = 0; j < C; ++j) {
            agree = agree && ref_bits(wr[i * C + j]) == ref_bits(wc[i + j * R]) &&
                    ref_bits(Wm(i, j)) == ref_bits(wr[i * C + j]);
            werr = std::fmax(werr, std::fabs(wr[i * C + j] - wf(i, j)));
        }
    }
    CHECK(agree);
    CHECK(werr < 1e-6);

    // vmm: y = v W
    std::vector<double> v(2 * R);
    for (std::size_t k = 0; k < v.size(); ++k) {
        v[k] = static_cast<double>(k % 4) / 4.0 - 0.25;
    }
    std::vector<double> u = core.vmm(v, 2);
    CHECK(u.size() == 2 * C);
    double verr = 0.0;
    for (std::size_t b = 0; b < 2; ++b) {
        for (std::size_t j = 0; j < C; ++j) {
            double exact = 0.0;
            for (std::size_t i = 0; i < R; ++i) {
                exact += v[b * R + i] * wf(i, j);
            }
            verr = std::fmax(verr, std::fabs(u[b * C + j] - exact));
        }
    }
    CHECK(verr < 1e-5);
    xbar::Matrix<double> Vcol(R, 2, xbar::ColMajor, v);
    CHECK(same_bits(core.vmm(Vcol).vector(), u));

    // single precision twins
    std::vector<float> xs(x.begin(), x.end());
    std::vector<float> ys = core.mvm(xs, B);
    CHECK(ys.size() == B * R);
    bool close = true;
    for (std::size_t k = 0; k < ys.size(); ++k) {
        close = close && std::fabs(static_cast<double>(ys[k]) - y[k]) < 1e-5;
    }
    CHECK(close);
    std::vector<float> ws = core.read_f32();
    CHECK(ws.size() == R * C && std::fabs(static_cast<double>(ws[7]) - wr[7]) < 1e-6);
    std::vector<float> vs(v.begin(), v.end());
    CHECK(core.vmm(vs, 2).size() == 2 * C);
    xbar::Core core_f(p, R, C, 1);
    std::vector<float> wsf(W.vector().begin(), W.vector().end());
    core_f.program(wsf);
    CHECK(core_f.read().size() == R * C);

    // errors: the wrapper's own size checks and the library's
    EXPECT_ERROR(core.mvm(x, B + 1), XBAR_ERR_SHAPE, "expected");
    std::vector<double> short_y(B * R - 1);
    EXPECT_ERROR(core.mvm(x.data(), x.size(), short_y.data(), short_y.size()), XBAR_ERR_SHAPE, "output");
    EXPECT_ERROR(core.program(std::vector<double>(R * C + 1)), XBAR_ERR_SHAPE, "w (rows * cols)");
    EXPECT_ERROR(core.program(xbar::Matrix<double>(C, R)), XBAR_ERR_SHAPE, "the core is");
    EXPECT_ERROR(core.mvm(xbar::Matrix<double>(B, R)), XBAR_ERR_SHAPE, "columns");
    std::vector<double> bad = x;
    bad[4] = std::nan("");
    EXPECT_ERROR(core.mvm(bad, B), XBAR_ERR_INVALID_ARGUMENT, "x[4]");
    EXPECT_ERROR(core.program(std::vector<double>(R * C, INFINITY)), XBAR_ERR_INVALID_ARGUMENT, "");
    EXPECT_ERROR(xbar::Core(p, 0, C), XBAR_ERR_SHAPE, "");
    CHECK(same_bits(core.mvm(x, B), y));  // failures left the core unchanged

    // update: lr = 0 is a no-op, a negative lr is refused
    std::vector<double> d(B * R, 0.5);
    core.update(x, d, 0.0);
    core.update(xs, std::vector<float>(B * R, 0.5f), 0.0f);
    EXPECT_ERROR(core.update(x, d, -0.1), XBAR_ERR_INVALID_ARGUMENT, "lr");
    EXPECT_ERROR(core.update(x, std::vector<double>(B * R + 1), 0.1), XBAR_ERR_SHAPE, "");
    // set_time: without a drift model in the parameters nothing changes
    core.set_time(3600.0);
    CHECK(same_bits(core.mvm(x, B), y));
    EXPECT_ERROR(core.set_time(std::nan("")), XBAR_ERR_INVALID_ARGUMENT, "seconds");
    EXPECT_ERROR(core.set_time(-1.0), XBAR_ERR_INVALID_ARGUMENT, "seconds");
    EXPECT_ERROR(xbar::Core(p, R, C).set_time(1.0), XBAR_ERR_NOT_PROGRAMMED, "");

    // what the core holds: the arrays, their conductances in siemens, the compensation factor
    const std::vector<xbar::ArrayInfo> arrays = core.arrays();
    const std::vector<double> g = core.conductances();
    CHECK(!arrays.empty());
    CHECK(arrays.back().offset + arrays.back().rows * arrays.back().cols == g.size());
    const double gmax = 1.0 / std::stod(p.get("xbar.device.Rmin"));
    bool in_window = true;
    for (double gk : g) {
        in_window = in_window && gk >= 0.0 && gk <= gmax * (1.0 + 1e-12);
    }
    CHECK(in_window);
    CHECK(arrays[0].role == xbar::ArrayRole::Positive || arrays[0].role == xbar::ArrayRole::Single);
    CHECK(core.drift_compensation() == 1.0);
    EXPECT_ERROR(xbar::Core(p, R, C).conductances(), XBAR_ERR_NOT_PROGRAMMED, "");

    // moves: the moved-from core is empty and says so
    xbar::Core other = std::move(core);
    CHECK(!core && other.rows() == R);
    EXPECT_ERROR(core.mvm(x, B), XBAR_ERR_NULL_ARGUMENT, "empty");
    EXPECT_ERROR(core.set_time(1.0), XBAR_ERR_NULL_ARGUMENT, "empty");
    CHECK(same_bits(other.mvm(x, B), y));
    core = std::move(other);
    CHECK(same_bits(core.mvm(x, B), y));

    // mixing in C calls through the raw handle
    std::vector<double> y3(B * R);
    CHECK(xbar_core_mvm(core.native_handle(), x.data(), B, C, y3.data(), R) == XBAR_OK);
    CHECK(same_bits(y3, y));
    xbar::Core adopted = xbar::Core::adopt(core.release());
    CHECK(!core && adopted.rows() == R && adopted.cols() == C);
}

void test_complex() {
    xbar::Params p;
    p.set("core.complex_matrix", true);
    xbar::Core core(p, 2, 3, 3);
    using cd = std::complex<double>;
    std::vector<cd> w = {{1.0, 0.5}, {-0.25, 0.0}, {0.0, 1.0}, {0.0, -0.5}, {0.75, -1.0}, {0.5, 0.25}};
    core.program(w);
    std::vector<cd> x = {{1.0, 0.0}, {0.5, -0.5}, {-1.0, 2.0}};
    std::vector<cd> y = core.mvm(x);
    CHECK(y.size() == 2);
    double err = 0.0;
    for (std::size_t i = 0; i < 2; ++i) {
        cd exact = 0.0;
        for (std::size_t j = 0; j < 3; ++j) {
            exact += w[i * 3 + j] * x[j];
        }
        err = std::fmax(err, std::abs(y[i] - exact));
    }
    CHECK(err < 1e-5);
    std::vector<cd> back = core.read_complex(xbar::ColMajor);
    CHECK(back.size() == 6 && std::abs(back[1] - w[3]) < 1e-6);
    std::vector<cd> v = {{1.0, 1.0}, {-0.5, 0.0}};
    CHECK(core.vmm(v).size() == 3);
    xbar::Core real(xbar::Params(), 2, 3, 3);
    EXPECT_ERROR(real.program(w), XBAR_ERR_INVALID_ARGUMENT, "complex_matrix");
}

#if XBAR_HPP_HAS_SPAN
void test_span() {
    xbar::Params p = xbar::Params::preset("default");
    xbar::Core core(p, R, C, 1);
    auto W = xbar::Matrix<double>::from_function(R, C, wf);
    core.program(std::span<const double>(W.vector()));
    std::vector<double> x(B * C, 0.25), y(B * R), y2(B * R);
    core.mvm(std::span<const double>(x), std::span<double>(y));
    core.mvm(x, y2);  // vectors convert to spans
    CHECK(same_bits(y, y2));
    std::vector<double> w_out(R * C);
    core.read(std::span<double>(w_out), xbar::ColMajor);
    CHECK(std::fabs(w_out[R] - wf(0, 1)) < 1e-6);
    std::vector<double> v(R, 0.5), u(C);
    core.vmm(std::span<const double>(v), std::span<double>(u));
    CHECK(u[0] != 0.0);
    EXPECT_ERROR(core.mvm(std::span<const double>(x).first(C + 1), std::span<double>(y)), XBAR_ERR_SHAPE, "");
}
#endif

// Synthetic pulse trains (the same in bindings/julia/Xbar/test/runtests.jl): 6 ramps of
// 80 pulses; SET steps shrink toward 110 uS, RESET steps toward 0.
void write_ramps(const std::string& path, bool up) {
    double g[81][6];
    for (int r = 0; r < 6; ++r) {
        g[0][r] = up ? 1e-5 + 1e-6 * r : 1e-4 - 1e-6 * r;
        for (int i = 0; i < 80; ++i) {
            double f = 0.75 + 0.1 * ((r + i) % 6), x = g[i][r];
            g[i + 1][r] = up ? x + 1.5e-6 * (1.0 - x / 1.1e-4) * f : x - 1.5e-6 * (x / 1.1e-4) * f;
        }
    }
    std::FILE* out = std::fopen(path.c_str(), "w");
    CHECK(out != nullptr);
    if (out == nullptr) {
        return;
    }
    for (int i = 0; i < 81; ++i) {
        for (int r = 0; r < 6; ++r) {
            std::fprintf(out, r == 0 ? "%.17g" : ",%.17g", g[i][r]);
        }
        std::fprintf(out, "\n");
    }
    std::fclose(out);
}

// Lookup tables from pulse trains, saved cores (file and bytes), SPICE export.
void test_lut_and_saved_cores() {
    char tmpl[] = "/tmp/xbar_cpp_XXXXXX";
    CHECK(mkdtemp(tmpl) != nullptr);
    const std::string dir = tmpl, lut_dir = dir + "/lut";
    std::filesystem::create_directory(lut_dir);
    write_ramps(dir + "/set.csv", true);
    write_ramps(dir + "/reset.csv", false);
    xbar::lut_from_pulse_trains(dir + "/set.csv", dir + "/reset.csv", lut_dir);
    CHECK(std::filesystem::is_regular_file(lut_dir + "/dG_increasing.txt"));
    EXPECT_ERROR(xbar::lut_from_pulse_trains(dir + "/none.csv", dir + "/reset.csv", lut_dir), XBAR_ERR_IO,
                 "none.csv");
    EXPECT_ERROR(xbar::LookupTable(dir + "/missing"), XBAR_ERR_IO, "missing");

    xbar::Core core(xbar::Params(), 2, 2, 5);
    core.program(std::vector<double>(4, 0.0));
    {
        xbar::LookupTable lut(lut_dir);
        CHECK(static_cast<bool>(lut));
        core.set_lookup_table(lut);
    }  // the core keeps its own reference
    const std::vector<double> x = {1.0, 1.0}, d = {1.0, -1.0};
    for (int k = 0; k < 20; ++k) {
        core.update(x, d, 0.01);
    }
    std::vector<double> w = core.read();
    CHECK(w[0] > 0.0 && w[1] > 0.0 && w[2] < 0.0 && w[3] < 0.0);

    std::vector<std::uint8_t> bytes = core.serialize();
    CHECK(bytes.size() > 100);
    const std::string path = dir + "/core.xbar";
    core.save(path);
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(file == bytes);
    xbar::Core a = xbar::Core::deserialize(bytes);
    xbar::Core b = xbar::Core::load(path);
    CHECK(a.rows() == 2 && a.cols() == 2 && b.rows() == 2 && same_bits(a.read(), w) && same_bits(b.read(), w));
    core.update(x, d, 0.01);
    a.update(x, d, 0.01);
    b.update(x, d, 0.01);
    CHECK(same_bits(a.read(), core.read()) && same_bits(b.read(), core.read()));  // bit for bit, tables included
    EXPECT_ERROR(xbar::Core::deserialize(bytes.data(), bytes.size() - 1), XBAR_ERR_PARSE, "");
    EXPECT_ERROR(xbar::Core::load(dir + "/missing.xbar"), XBAR_ERR_IO, "missing.xbar");
    xbar::Core moved = std::move(core);
    EXPECT_ERROR(core.save(path), XBAR_ERR_NULL_ARGUMENT, "empty");
    EXPECT_ERROR(static_cast<void>(core.serialize()), XBAR_ERR_NULL_ARGUMENT, "empty");

    xbar::Params q;
    q.set("xbar.array.parasitics", "{\"enable\": true, \"Rp_row\": 1.0, \"Rp_col\": 2.0}");
    xbar::Core sc(q, 2, 2, 5);
    const std::vector<double> xs = {0.5, -1.0};
    EXPECT_ERROR(static_cast<void>(sc.export_spice(xs)), XBAR_ERR_NOT_PROGRAMMED, "");
    sc.program(std::vector<double>{0.5, -0.25, 1.0, 0.0});
    std::string deck = sc.export_spice(xs);
    CHECK(deck.find('\0') == std::string::npos && deck.find("VY0 t0 0 DC 0") != std::string::npos);
    CHECK(deck.find("* xbar i(vy1) = ") != std::string::npos && deck.find("\n.end\n") != std::string::npos);
    EXPECT_ERROR(static_cast<void>(sc.export_spice(std::vector<double>(3, 0.0))), XBAR_ERR_SHAPE, "x (cols)");
    std::filesystem::remove_all(dir);
}

// The cross-language reference case: compare with the committed numbers.
void test_reference(const char* path) {
    constexpr std::size_t N = REF_BATCH * REF_ROWS;
    std::vector<std::uint64_t> want(N);
    std::size_t n = ref_load(path, want.data(), N);
    CHECK(n == N);
    if (n != N) {
        std::printf("cannot read %s\n", path);
        return;
    }
    xbar::Core core(xbar::Params::preset("default"), REF_ROWS, REF_COLS, REF_SEED);
    core.program(xbar::Matrix<double>::from_function(REF_ROWS, REF_COLS, ref_weight, xbar::ColMajor));
    auto X = xbar::Matrix<double>::from_function(REF_COLS, REF_BATCH,
                                                 [](std::size_t j, std::size_t b) { return ref_input(b, j); },
                                                 xbar::ColMajor);  // n x batch, column-major
    xbar::Matrix<double> Y = core.mvm(X);                           // rows x batch, column-major
    std::size_t bad = 0;
    for (std::size_t k = 0; k < N; ++k) {
        bad += ref_bits(Y.data()[k]) != want[k];
    }
    CHECK(bad == 0);
    if (bad == 0) {
        std::printf("C++: %zu values bit-identical to %s\n", N, path);
    } else {
        std::printf("C++: %zu of %zu values differ from %s\n", bad, N, path);
    }
}

// aihwkit's tile periphery, reached by parameters alone: the
// "aihwkit-inference" preset on a 1024-input layer, aihwkit's names by path.
void test_aihwkit() {
    xbar::Params p = xbar::Params::preset("aihwkit-inference");
    CHECK(p.get("aihwkit.enable") == "true");
    CHECK(p.get("aihwkit.forward.noise_management") == "\"ABS_MAX\"");
    constexpr std::size_t rows = 16, cols = 1024, batch = 4;
    auto wa = [](std::size_t i, std::size_t j) { return static_cast<double>((7919 * (i * cols + j)) % 201) / 1000.0 - 0.1; };
    auto xa = [](std::size_t b, std::size_t j) { return static_cast<double>((31 * (b * cols + j)) % 23) / 44.0 - 0.25; };
    xbar::Core core(p, rows, cols, 3);
    core.program(xbar::Matrix<double>::from_function(rows, cols, wa).vector(), xbar::RowMajor);
    std::vector<double> x(batch * cols);
    for (std::size_t k = 0; k < x.size(); ++k) {
        x[k] = xa(k / cols, k % cols);
    }
    std::vector<double> y = core.mvm(x, batch);
    double maxerr = 0.0;
    for (std::size_t b = 0; b < batch; ++b) {
        for (std::size_t i = 0; i < rows; ++i) {
            double exact = 0.0;
            for (std::size_t j = 0; j < cols; ++j) {
                exact += wa(i, j) * xa(b, j);
            }
            maxerr = std::fmax(maxerr, std::fabs(y[b * rows + i] - exact));
        }
    }
    // PCM programming noise, output noise, 7-bit DAC and 9-bit ADC: well under 0.3.
    CHECK(maxerr > 0.0 && maxerr < 0.3);
    p.set("aihwkit.forward.is_perfect", true).set("xbar.device.drift_error.enable", false);
    xbar::Core perfect(p, rows, cols, 3);
    perfect.program(xbar::Matrix<double>::from_function(rows, cols, wa).vector(), xbar::RowMajor);
    std::vector<double> yp = perfect.mvm(x, batch);
    double perr = 0.0;
    for (std::size_t b = 0; b < batch; ++b) {
        for (std::size_t i = 0; i < rows; ++i) {
            double exact = 0.0;
            for (std::size_t j = 0; j < cols; ++j) {
                exact += wa(i, j) * xa(b, j);
            }
            perr = std::fmax(perr, std::fabs(yp[b * rows + i] - exact));
        }
    }
    CHECK(perr < 1e-4);  // single-precision weights and sums
    EXPECT_ERROR(p.set("aihwkit.forward.out_noise", -1), XBAR_ERR_PARAMS, "aihwkit.forward.out_noise");
    p.set("xbar.device.read_noise", std::string(R"({"enable": true, "model": "NormalIndependentDevice", "magnitude": 0.1})"));
    EXPECT_ERROR((xbar::Core(p, 2, 2, 1)), XBAR_ERR_UNSUPPORTED, "xbar.device.read_noise");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        test_library();
        test_params();
        test_matrix();
        test_core();
        test_aihwkit();
        test_complex();
        test_lut_and_saved_cores();
#if XBAR_HPP_HAS_SPAN
        test_span();
#endif
        test_reference(argc > 1 ? argv[1] : "tests/bindings/reference_64x48.txt");
    } catch (const xbar::Error& e) {
        ++failed;
        std::printf("FAIL: unexpected xbar::Error %s: %s\n", e.name(), e.what());
    }
    std::printf("C++%ld: %d passed, %d failed\n", static_cast<long>(__cplusplus / 100 % 100), passed, failed);
    return failed == 0 ? 0 : 1;
}
