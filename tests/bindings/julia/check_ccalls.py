#!/usr/bin/env python3
"""Static check of the Julia bindings against the C header.

Julia cannot be installed on the CI machines, so the Julia package is checked
without running it:

1. every .jl file parses with tree-sitter-julia (no ERROR or MISSING node);
2. every `@ccall lib.fn(a::T, ...)::R` and `ccall((:fn, lib), R, (T, ...), ...)`
   names a function declared in include/xbar.h (parsed with tree-sitter-c),
   passes the same number of arguments, and uses Julia types that match the
   C types argument by argument and for the return value; the library is the
   package's `libxbar` constant.

Header functions that no @ccall wraps are listed (for information).

    python3 tests/bindings/julia/check_ccalls.py [--header include/xbar.h] [PATH ...]

PATH: .jl files or directories (default: bindings/julia). Exit status 1 when
any check fails. Needs the PyPI packages tree-sitter, tree-sitter-julia and
tree-sitter-c.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[3]
LIBRARY_CONST = "libxbar"


def parsers():
    import tree_sitter_c
    import tree_sitter_julia
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_julia.language())), Parser(Language(tree_sitter_c.language()))


def text(src: bytes, node) -> str:
    return src[node.start_byte : node.end_byte].decode()


# ----------------------------------------------------------------- C side


@dataclass(frozen=True)
class CType:
    base: str  # "double", "char", "size_t", "struct xbar_core", "enum xbar_status", "void", ...
    depth: int  # number of `*`
    const: bool  # the pointee (or the value) is const

    def __str__(self) -> str:
        return ("const " if self.const else "") + self.base + (" " + "*" * self.depth if self.depth else "")


@dataclass
class CFunction:
    name: str
    ret: CType
    params: list[CType]
    line: int


def _base_type(src: bytes, decl) -> tuple[str, bool]:
    const = any(c.type == "type_qualifier" and text(src, c) == "const" for c in decl.children)
    t = decl.child_by_field_name("type")
    return " ".join(text(src, t).split()), const


def _unwrap(src: bytes, declarator):
    """Pointer depth and innermost declarator of a (possibly abstract) declarator."""
    depth = 0
    node = declarator
    while node is not None and node.type in ("pointer_declarator", "abstract_pointer_declarator"):
        depth += 1
        node = node.child_by_field_name("declarator")
    return depth, node


def header_functions(c_parser, header: pathlib.Path) -> dict[str, CFunction]:
    src = header.read_bytes()
    tree = c_parser.parse(src)
    out: dict[str, CFunction] = {}

    def visit(node):
        if node.type == "declaration":
            base, const = _base_type(src, node)
            for decl in node.children_by_field_name("declarator"):
                depth, inner = _unwrap(src, decl)
                if inner is None or inner.type != "function_declarator":
                    continue
                name = text(src, inner.child_by_field_name("declarator"))
                params: list[CType] = []
                for p in inner.child_by_field_name("parameters").named_children:
                    if p.type != "parameter_declaration":
                        continue
                    pbase, pconst = _base_type(src, p)
                    pdepth, _ = _unwrap(src, p.child_by_field_name("declarator"))
                    params.append(CType(pbase, pdepth, pconst))
                if len(params) == 1 and params[0] == CType("void", 0, False):
                    params = []
                out[name] = CFunction(name, CType(base, depth, const), params, node.start_point[0] + 1)
        for c in node.children:
            visit(c)

    visit(tree.root_node)
    return out


# C type -> the Julia spellings accepted for it.
SCALARS = {
    "void": {"Cvoid", "Nothing"},
    "char": {"Cchar", "UInt8", "Int8"},
    "size_t": {"Csize_t", "UInt", "UInt64"},
    "uint8_t": {"UInt8"},
    "uint32_t": {"UInt32", "Cuint"},
    "uint64_t": {"UInt64", "Culonglong"},
    "double": {"Cdouble", "Float64"},
    "float": {"Cfloat", "Float32"},
    "enum xbar_status": {"Cint", "Int32"},  # #[repr(C)] enum: a C int
    "xbar_status": {"Cint", "Int32"},
}
HANDLES = {"struct xbar_params", "struct xbar_core", "struct xbar_lut", "xbar_params", "xbar_core", "xbar_lut"}


def accepted(ct: CType, function: str) -> set[str]:
    if ct.base in HANDLES:
        if ct.depth == 1:
            return {"Ptr{Cvoid}", "Ptr{Nothing}"}
        if ct.depth == 2:
            return {"Ref{Ptr{Cvoid}}", "Ptr{Ptr{Cvoid}}"}
        return set()
    names = SCALARS.get(ct.base, set())
    if ct.depth == 0:
        return set(names)
    if ct.depth == 1 and ct.base == "char":
        # a const char * is a NUL-terminated input string; a char * a buffer to fill
        out = {"Ptr{UInt8}", "Ptr{Cchar}"}
        return out | {"Cstring"} if ct.const else out
    if ct.depth == 1 and ct.base != "void":
        out = {f"Ptr{{{n}}}" for n in names} | {f"Ref{{{n}}}" for n in names}
        if ct.base == "double" and function.endswith("_complex"):
            out |= {"Ptr{ComplexF64}"}  # interleaved (re, im) doubles: the memory of ComplexF64
        return out
    return set()


# ----------------------------------------------------------------- Julia side


@dataclass
class JuliaCall:
    file: str
    line: int
    form: str  # "@ccall" or "ccall"
    library: str | None
    name: str
    ret: str
    args: list[str]


def syntax_errors(src: bytes, tree) -> list[str]:
    found: list[str] = []

    def visit(node):
        if node.type == "ERROR" or node.is_missing:
            what = "missing " + node.type if node.is_missing else "cannot parse"
            snippet = text(src, node).splitlines()[0][:60] if node.end_byte > node.start_byte else ""
            found.append(f"line {node.start_point[0] + 1}: {what} {snippet!r}")
            return
        for c in node.children:
            visit(c)

    if tree.root_node.has_error:
        visit(tree.root_node)
    return found


def julia_calls(src: bytes, tree, file: str) -> tuple[list[JuliaCall], list[str]]:
    calls: list[JuliaCall] = []
    problems: list[str] = []

    def squash(s: str) -> str:
        return "".join(s.split())

    def visit(node):
        line = node.start_point[0] + 1
        if node.type == "macrocall_expression" and text(src, node.children[0]) == "@ccall":
            args = node.child_by_field_name("arguments") or next(
                (c for c in node.children if c.type == "macro_argument_list"), None
            )
            te = args.named_children[0] if args is not None and args.named_children else None
            if te is None or te.type != "typed_expression" or te.named_children[0].type != "call_expression":
                problems.append(f"{file}:{line}: @ccall without a `fn(args...)::ReturnType` form")
            else:
                call, ret = te.named_children[0], te.named_children[-1]
                callee = call.named_children[0]
                if callee.type == "field_expression":
                    library, name = text(src, callee.named_children[0]), text(src, callee.named_children[-1])
                else:
                    library, name = None, text(src, callee)
                types = []
                arglist = next(c for c in call.named_children if c.type == "argument_list")
                for a in arglist.named_children:
                    if a.type != "typed_expression":
                        problems.append(f"{file}:{line}: {name}: argument {text(src, a)!r} has no ::Type")
                        types.append("?")
                    else:
                        types.append(squash(text(src, a.named_children[-1])))
                calls.append(JuliaCall(file, line, "@ccall", library, name, squash(text(src, ret)), types))
        elif node.type == "call_expression" and text(src, node.children[0]) == "ccall":
            a = next(c for c in node.named_children if c.type == "argument_list").named_children
            spec = a[0] if a else None
            if spec is None or spec.type != "tuple_expression" or len(a) < 3 or a[2].type != "tuple_expression":
                problems.append(f"{file}:{line}: ccall without a literal (:fn, lib) and a tuple of types")
            else:
                name = text(src, spec.named_children[0]).lstrip(":").strip('"')
                library = text(src, spec.named_children[1]) if len(spec.named_children) > 1 else None
                types = [squash(text(src, t)) for t in a[2].named_children]
                calls.append(JuliaCall(file, line, "ccall", library, name, squash(text(src, a[1])), types))
        for c in node.children:
            visit(c)

    visit(tree.root_node)
    return calls, problems


# ----------------------------------------------------------------- the check


def check(header: pathlib.Path, paths: list[pathlib.Path]) -> tuple[list[str], list[str], int]:
    """Returns (errors, notes, number of call sites checked)."""
    jl, c = parsers()
    functions = header_functions(c, header)
    errors: list[str] = []
    notes: list[str] = []
    if not functions:
        return [f"{header}: no function declarations found"], notes, 0

    files: list[pathlib.Path] = []
    for p in paths:
        files.extend(sorted(p.rglob("*.jl")) if p.is_dir() else [p])
    if not files:
        errors.append("no .jl files to check")

    used: set[str] = set()
    sites = 0
    for f in files:
        src = f.read_bytes()
        tree = jl.parse(src)
        rel = str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else str(f)
        errors.extend(f"{rel}: syntax: {e}" for e in syntax_errors(src, tree))
        calls, problems = julia_calls(src, tree, rel)
        errors.extend(problems)
        for call in calls:
            sites += 1
            where = f"{call.file}:{call.line}: {call.name}"
            if call.library != LIBRARY_CONST:
                errors.append(f"{where}: library is {call.library!r}, expected the constant {LIBRARY_CONST}")
            fn = functions.get(call.name)
            if fn is None:
                errors.append(f"{where}: not declared in {header.name}")
                continue
            used.add(call.name)
            if len(call.args) != len(fn.params):
                errors.append(
                    f"{where}: {len(call.args)} arguments, {header.name}:{fn.line} declares {len(fn.params)}"
                )
                continue
            for i, (jt, ct) in enumerate(zip(call.args, fn.params), start=1):
                ok = accepted(ct, fn.name)
                if jt not in ok:
                    errors.append(f"{where}: argument {i} is {jt}, C has `{ct}` (use {' or '.join(sorted(ok))})")
            ok = accepted(fn.ret, fn.name)
            if call.ret not in ok:
                errors.append(f"{where}: returns {call.ret}, C returns `{fn.ret}` (use {' or '.join(sorted(ok))})")

    missing = sorted(set(functions) - used)
    if missing:
        notes.append("header functions without a Julia wrapper: " + ", ".join(missing))
    notes.append(f"{len(files)} files parsed, {sites} call sites checked, {len(used)} of {len(functions)} "
                 f"header functions wrapped")
    return errors, notes, sites


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--header", type=pathlib.Path, default=ROOT / "include" / "xbar.h")
    ap.add_argument("paths", nargs="*", type=pathlib.Path, default=[ROOT / "bindings" / "julia"])
    a = ap.parse_args(argv)
    errors, notes, _ = check(a.header, [p.resolve() for p in a.paths])
    for n in notes:
        print(n)
    for e in errors:
        print("ERROR", e)
    print("julia static check:", "ok" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
