#include <xbar.hpp>
#include <cstdio>
#include <vector>
int main() {
    xbar::Core core(xbar::Params::preset("default"), 64, 48, /*seed*/ 1);
    std::vector<double> W(64 * 48, 0.5), X(4 * 48, 0.25);  // W: 64 x 48, X: 4 vectors of 48
    core.program(W, xbar::RowMajor);
    std::vector<double> Y = core.mvm(X, /*batch*/ 4);      // Y: 4 x 64, row-major
    std::printf("Y[0] = %.6f (exact %.6f)\n", Y[0], 48 * 0.5 * 0.25);
}
