#!/usr/bin/env bash
# MATLAB / GNU Octave suite: installs xbar into a temporary prefix, builds the
# MEX gateway with xbar.build (mkoctfile --mex -R2018a, -Wall -Wextra -Werror)
# and runs tests/bindings/octave/test_xbar.m with octave-cli: parameters,
# cores, mtimes both ways, single and complex data, error identifiers
# (xbar:<STATUS>), handle lifetime, the cross-language reference case (bit
# for bit) and the README example (bindings/matlab/xbar_example.m, also
# checked to appear verbatim in README.md).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step "install into a temporary prefix" install_prefix "$tmp/prefix" || { finish "Octave bindings"; exit 1; }
step "README MATLAB example is bindings/matlab/xbar_example.m" \
    readme_has_example bindings/matlab/xbar_example.m matlab
mkdir -p "$tmp/mex"
run_octave() {
    octave-cli --version | head -n1
    octave-cli -H -q --no-window-system --eval \
        "addpath('$root/tests/bindings/octave'); ok = test_xbar('$tmp/prefix', '$tmp/mex'); exit(double(~ok))"
}
step "octave-cli: tests/bindings/octave/test_xbar.m" run_octave

finish "Octave bindings"
