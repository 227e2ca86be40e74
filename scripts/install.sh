#!/usr/bin/env bash
# Installs xbar like any C library:
#
#   scripts/install.sh [--no-build] [--debug] PREFIX
#
#   PREFIX/lib/libxbar.so.X.Y.Z            the shared library (SONAME libxbar.so.X), stripped
#                                          of its symbol table and debug info (the exported
#                                          dynamic symbols stay)
#   PREFIX/lib/libxbar.so.X -> libxbar.so.X.Y.Z
#   PREFIX/lib/libxbar.so   -> libxbar.so.X
#   PREFIX/lib/libxbar.a                   the static archive, stripped of debug info
#   PREFIX/include/xbar.h                  the C API (the committed, tested header)
#   PREFIX/include/xbar.hpp                the header-only C++17 bindings
#   PREFIX/lib/pkgconfig/xbar.pc           for pkg-config --cflags --libs xbar
#   PREFIX/lib/cmake/xbar/xbarConfig.cmake, xbarConfigVersion.cmake
#                                          for find_package(xbar): targets xbar::xbar, xbar::xbar_static
#
# It first runs `cargo build --release --lib` (skip with --no-build to install
# what target/release already holds). --debug installs the libraries with the
# debug info of the release build (line tables; 37 MB and 99 MB instead of a
# few MB). DESTDIR is honoured for staged installs (files go to
# $DESTDIR$PREFIX; the installed files name PREFIX). Linux only.
#
# A program linked against a PREFIX that the dynamic loader does not search
# (anything but /usr/lib and the folders of /etc/ld.so.conf) finds
# libxbar.so.X through the run path the build files export: xbar.pc's Libs
# carry -Wl,-rpath,PREFIX/lib, and CMake records the imported library's
# folder in what it builds. README.md shows the lines; tests/bindings/packaging.sh
# runs them.
set -euo pipefail

usage() {
    echo "usage: scripts/install.sh [--no-build] [--debug] PREFIX" >&2
    exit 2
}
build=1
debug=0
prefix=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --debug) debug=1 ;;
        -h | --help) usage ;;
        -*) usage ;;
        *) [ -z "$prefix" ] || usage; prefix="$1" ;;
    esac
    shift
done
[ -n "$prefix" ] || usage
case "$prefix" in
    /*) ;;
    *) prefix="$(pwd)/$prefix" ;;
esac
prefix="${prefix%/}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version="$(sed -n 's/^version *= *"\([0-9][0-9.]*\)".*/\1/p' Cargo.toml | head -n1)"
major="${version%%.*}"
rest="${version#*.}"
minor="${rest%%.*}"
soname="libxbar.so.$major" # as build.rs sets it
[ -n "$version" ] || {
    echo "install.sh: cannot read the version from Cargo.toml" >&2
    exit 1
}

if [ $build = 1 ]; then
    cargo build --release --lib
fi
libdir_built="${CARGO_TARGET_DIR:-$root/target}/release"
so="$libdir_built/libxbar.so"
[ -f "$so" ] || {
    echo "install.sh: $so is missing (run without --no-build)" >&2
    exit 1
}
if command -v readelf >/dev/null; then
    got="$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')"
    if [ "$got" != "$soname" ]; then
        echo "install.sh: $so has SONAME '$got', expected '$soname' (see build.rs)" >&2
        exit 1
    fi
fi

dest="${DESTDIR:-}$prefix"
install -d "$dest/lib" "$dest/include" "$dest/lib/pkgconfig" "$dest/lib/cmake/xbar"

# strip_copy HOW FILE: strips an installed library unless --debug (HOW: strip's option).
strip_copy() {
    [ $debug = 1 ] && return 0
    if command -v strip >/dev/null; then
        strip "$1" "$2"
    else
        echo "install.sh: strip (binutils) missing: $2 keeps its debug info" >&2
    fi
}
install -m 755 "$so" "$dest/lib/libxbar.so.$version"
strip_copy --strip-unneeded "$dest/lib/libxbar.so.$version"
ln -sfn "libxbar.so.$version" "$dest/lib/$soname"
ln -sfn "$soname" "$dest/lib/libxbar.so"
if [ -f "$libdir_built/libxbar.a" ]; then
    install -m 644 "$libdir_built/libxbar.a" "$dest/lib/libxbar.a"
    strip_copy --strip-debug "$dest/lib/libxbar.a"
fi
install -m 644 include/xbar.h "$dest/include/xbar.h"
install -m 644 bindings/cpp/xbar.hpp "$dest/include/xbar.hpp"

# What a Rust staticlib needs from the system (rustc --print native-static-libs
# on x86_64 Linux with glibc).
native_static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
fill() { # fill TEMPLATE OUTPUT
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@MAJOR@|$major|g" \
        -e "s|@MINOR@|$minor|g" -e "s|@SONAME@|$soname|g" \
        -e "s|@NATIVE_STATIC_LIBS@|$native_static_libs|g" "$1" >"$2"
    chmod 644 "$2"
}
fill bindings/packaging/xbar.pc.in "$dest/lib/pkgconfig/xbar.pc"
fill bindings/packaging/xbarConfig.cmake.in "$dest/lib/cmake/xbar/xbarConfig.cmake"
fill bindings/packaging/xbarConfigVersion.cmake.in "$dest/lib/cmake/xbar/xbarConfigVersion.cmake"

echo "installed xbar $version into $dest:"
(cd "$dest" && find lib/libxbar* include/xbar.h include/xbar.hpp lib/pkgconfig/xbar.pc lib/cmake/xbar -maxdepth 1 \
    \( -type f -o -type l \) | sort | sed 's/^/  /')
