#!/usr/bin/env python3
"""Proves that check_ccalls.py catches what it should: it passes the real
bindings, then plants one bug at a time in a copy of src/Xbar.jl (a wrong
argument type, a wrong function name, a wrong argument count, a wrong return
type, a string type on an output buffer, a complex pointer on a real
function, a double pointer for bytes, a pointer to a pointer for a handle,
a different library, a syntax error) and expects exactly the one
matching error each time. Prints "N passed, M failed"; exit status 1 on any
failure.
"""

from __future__ import annotations

import pathlib
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check_ccalls  # noqa: E402

ROOT = check_ccalls.ROOT
HEADER = ROOT / "include" / "xbar.h"
SOURCE = ROOT / "bindings" / "julia" / "Xbar" / "src" / "Xbar.jl"

# (description, regex to find, replacement, regex the single error must match)
PLANTS = [
    (
        "wrong argument type (Cint for size_t)",
        r"(xbar_params_to_json\(p::Ptr\{Cvoid\}, buf::Ptr\{UInt8\}, )cap::Csize_t",
        r"\1cap::Cint",
        r"xbar_params_to_json: argument 3 is Cint, C has `size_t`",
    ),
    (
        "wrong function name",
        r"xbar_version_number\(\)",
        "xbar_version_numbr()",
        r"xbar_version_numbr: not declared in xbar\.h",
    ),
    (
        "wrong number of arguments",
        r"(xbar_core_program\(c::Ptr\{Cvoid\}, W::Ptr\{Cdouble\}, rows::Csize_t, cols::Csize_t),\s*layout::UInt32",
        r"\1",
        r"xbar_core_program: 4 arguments, xbar\.h:\d+ declares 5",
    ),
    (
        "wrong return type",
        r"xbar_version\(\)::Cstring",
        "xbar_version()::Cint",
        r"xbar_version: returns Cint, C returns `const char \*`",
    ),
    (
        "Cstring for a char * output buffer",
        r"(xbar_params_get\(p::Ptr\{Cvoid\}, String\(path\)::Cstring, )buf::Ptr\{UInt8\}",
        r"\1buf::Cstring",
        r"xbar_params_get: argument 3 is Cstring, C has `char \*`",
    ),
    (
        "ComplexF64 pointer on a real function",
        r"(xbar_core_mvm\(c::Ptr\{Cvoid\}, )X::Ptr\{Cdouble\}",
        r"\1X::Ptr{ComplexF64}",
        r"xbar_core_mvm: argument 2 is Ptr\{ComplexF64\}, C has `const double \*`",
    ),
    (
        "Float32 data to the double function",
        r"(xbar_core_set_time\(c::Ptr\{Cvoid\}, )Float64\(seconds\)::Cdouble",
        r"\1Float32(seconds)::Cfloat",
        r"xbar_core_set_time: argument 2 is Cfloat, C has `double`",
    ),
    (
        "a double pointer for the uint8_t bytes",
        r"(xbar_core_deserialize\()buf::Ptr\{UInt8\}",
        r"\1buf::Ptr{Cdouble}",
        r"xbar_core_deserialize: argument 1 is Ptr\{Cdouble\}, C has `const uint8_t \*`",
    ),
    (
        "a pointer to a pointer for the lookup-table handle",
        r"(xbar_core_set_lut\(c::Ptr\{Cvoid\}, )t::Ptr\{Cvoid\}",
        r"\1t::Ref{Ptr{Cvoid}}",
        r"xbar_core_set_lut: argument 2 is Ref\{Ptr\{Cvoid\}\}, C has `const struct xbar_lut \*`",
    ),
    (
        "another library",
        r"libxbar\.xbar_version_number",
        "libother.xbar_version_number",
        r"xbar_version_number: library is 'libother'",
    ),
    (
        "syntax error",
        r"\Z",
        "\nfunction broken(x\n",
        r"syntax: line \d+",
    ),
]

passed = 0
failed = 0


def expect(cond: bool, what: str) -> None:
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(path: pathlib.Path) -> list[str]:
    errors, _notes, sites = check_ccalls.check(HEADER, [path])
    expect(sites > 0 or any("syntax" in e for e in errors), f"{path}: no call sites found")
    return errors


good = SOURCE.read_text()
errors = run(SOURCE)
expect(errors == [], f"the real bindings pass (got {errors})")

with tempfile.TemporaryDirectory() as tmp:
    for what, pattern, repl, want in PLANTS:
        planted, n = re.subn(pattern, repl, good, count=1)
        expect(n == 1, f"{what}: the pattern {pattern!r} no longer occurs in Xbar.jl")
        if n != 1:
            continue
        path = pathlib.Path(tmp) / "Xbar.jl"
        path.write_text(planted)
        errors = run(path)
        hit = [e for e in errors if re.search(want, e)]
        expect(len(hit) == 1 and len(errors) == 1, f"{what}: expected one error matching {want!r}, got {errors}")
        if hit:
            print(f"caught {what}: {hit[0].split(': ', 1)[1]}")

print(f"checker self-test: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
