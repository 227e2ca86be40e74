#!/usr/bin/env bash
# Julia suite. Julia cannot be installed on the CI machines, so this is a
# STATIC check of bindings/julia/Xbar (the package is not executed here):
#   - tests/bindings/julia/check_ccalls.py: every .jl file parses with
#     tree-sitter-julia, and every @ccall names a function of include/xbar.h
#     (parsed with tree-sitter-c) with the same number of arguments and
#     matching C types;
#   - tests/bindings/julia/test_check_ccalls.py: the checker catches planted
#     bugs (a wrong type, a wrong name, a wrong arity, ...);
#   - the README's Julia example is bindings/julia/Xbar/examples/example.jl
#     (which runtests.jl includes).
# When a `julia` is on the PATH it also runs test/runtests.jl against a
# temporary install of the library.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$root"

step "static check: parse every .jl, @ccall vs include/xbar.h" python3 tests/bindings/julia/check_ccalls.py
step "the checker catches planted bugs" python3 tests/bindings/julia/test_check_ccalls.py
step "README Julia example is examples/example.jl" readme_has_example bindings/julia/Xbar/examples/example.jl julia

if command -v julia >/dev/null; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    run_julia() {
        install_prefix "$tmp/prefix" &&
            XBAR_LIB="$tmp/prefix/lib/libxbar.so" julia --project=bindings/julia/Xbar \
                -e 'using Pkg; Pkg.test()'
    }
    step "julia: bindings/julia/Xbar/test/runtests.jl" run_julia
else
    echo
    echo "NOTE: no julia on the PATH: runtests.jl was NOT executed; the Julia bindings are checked statically only."
    echo
fi

finish "Julia bindings"
