// A downstream C++ program built against an installed xbar (CMake
// find_package or pkg-config): checks that header and library match, runs
// the cross-language reference case and compares it with the reference
// file given as argv[1]. Exit status 0 when everything agrees.
#include <xbar.hpp>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
    if (!xbar::header_matches_library()) {
        std::printf("header %d != library %u\n", XBAR_VERSION_NUMBER, xbar::version_number());
        return 1;
    }
    const std::size_t rows = 64, cols = 48, batch = 4;
    xbar::Core core(xbar::Params::preset("default"), rows, cols, 7);
    auto W = xbar::Matrix<double>::from_function(
        rows, cols, [](std::size_t i, std::size_t j) { return static_cast<double>((7 * i + 3 * j) % 17) / 8.0 - 1.0; });
    auto X = xbar::Matrix<double>::from_function(
        batch, cols, [](std::size_t b, std::size_t j) { return static_cast<double>((5 * b + 11 * j) % 13) / 8.0 - 0.75; });
    core.program(W);
    xbar::Matrix<double> Y = core.mvm(X);  // batch x rows, row-major
    std::printf("xbar %s: y[0][0] = %.17g\n", xbar::version().c_str(), Y(0, 0));
    if (argc < 2) {
        return 0;
    }
    std::FILE* f = std::fopen(argv[1], "r");
    if (f == nullptr) {
        std::printf("cannot open %s\n", argv[1]);
        return 1;
    }
    char line[256];
    std::size_t k = 0, bad = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        std::uint64_t want = 0;
        if (line[0] == '#' || std::sscanf(line, "%" SCNx64, &want) != 1) {
            continue;
        }
        std::uint64_t got = 0;
        if (k < Y.size()) {
            std::memcpy(&got, Y.data() + k, sizeof got);
        }
        bad += k >= Y.size() || got != want;
        ++k;
    }
    std::fclose(f);
    std::printf("%zu values compared with %s, %zu differ\n", k, argv[1], bad);
    return k == Y.size() && bad == 0 ? 0 : 1;
}
