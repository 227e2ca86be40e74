#!/usr/bin/env bash
# Packaging suite: installs xbar into a temporary prefix with
# scripts/install.sh, checks the installed layout (versioned symlinks,
# SONAME, headers, pkg-config and CMake files), then builds the consumer
# tests/bindings/consumer/consumer.cpp two ways and runs it against the
# cross-language reference numbers:
#   1. CMake: find_package(xbar 0.1 REQUIRED CONFIG) with targets xbar::xbar
#      (shared) and xbar::xbar_static;
#   2. pkg-config: g++ consumer.cpp $(pkg-config --cflags --libs xbar).
# Also checks that the version file refuses incompatible versions, that a
# DESTDIR staged install lands where it should, that a moved prefix
# still works through CMake, that the installed libraries are stripped (and
# keep their debug info with --debug), and runs README.md's install-and-link
# lines exactly as written (a prefix under $HOME, here a temporary folder):
# pkg-config, plain cc and CMake programs run without LD_LIBRARY_PATH.
# Needs cargo, gcc, g++, cmake, pkg-config, readelf.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
version="$(sed -n 's/^version *= *"\([0-9][0-9.]*\)".*/\1/p' Cargo.toml | head -n1)"
major="${version%%.*}"
minor="${version#*.}"
minor="${minor%%.*}"

step "scripts/install.sh $prefix" bash scripts/install.sh "$prefix"

layout_ok() {
    local lib="$prefix/lib" ok=0
    [ "$(readlink "$lib/libxbar.so")" = "libxbar.so.$major" ] || { echo "libxbar.so -> $(readlink "$lib/libxbar.so")"; ok=1; }
    [ "$(readlink "$lib/libxbar.so.$major")" = "libxbar.so.$version" ] || { echo "bad libxbar.so.$major link"; ok=1; }
    [ -f "$lib/libxbar.so.$version" ] && [ ! -L "$lib/libxbar.so.$version" ] || { echo "libxbar.so.$version missing"; ok=1; }
    [ -f "$lib/libxbar.a" ] || { echo "libxbar.a missing"; ok=1; }
    local soname
    soname="$(readelf -d "$lib/libxbar.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')"
    [ "$soname" = "libxbar.so.$major" ] || { echo "SONAME is '$soname'"; ok=1; }
    cmp -s include/xbar.h "$prefix/include/xbar.h" || { echo "installed xbar.h differs"; ok=1; }
    cmp -s bindings/cpp/xbar.hpp "$prefix/include/xbar.hpp" || { echo "installed xbar.hpp differs"; ok=1; }
    for f in lib/pkgconfig/xbar.pc lib/cmake/xbar/xbarConfig.cmake lib/cmake/xbar/xbarConfigVersion.cmake; do
        [ -f "$prefix/$f" ] || { echo "$f missing"; ok=1; }
        if grep -q '@[A-Z_]*@' "$prefix/$f" 2>/dev/null; then
            echo "$f has unfilled placeholders"
            ok=1
        fi
    done
    [ $ok = 0 ] && echo "libxbar.so -> libxbar.so.$major -> libxbar.so.$version, SONAME $soname, headers, .pc, CMake files"
    return $ok
}
step "installed layout" layout_ok

needs_soname() { # the program records the SONAME, not the file it was linked with
    readelf -d "$1" | grep -q "NEEDED.*\[libxbar.so.$major\]" || {
        echo "$1 does not record NEEDED libxbar.so.$major"
        return 1
    }
}

cmake_consumer() {
    cmake -S tests/bindings/consumer -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >"$tmp/cmake.log" 2>&1 &&
        cmake --build "$tmp/cmake" >>"$tmp/cmake.log" 2>&1 || {
        cat "$tmp/cmake.log"
        return 1
    }
    grep -- "-- xbar" "$tmp/cmake.log"
    needs_soname "$tmp/cmake/consumer" &&
        "$tmp/cmake/consumer" "$ref" &&
        "$tmp/cmake/consumer_static" "$ref" &&
        if readelf -d "$tmp/cmake/consumer_static" | grep -q "libxbar"; then
            echo "consumer_static depends on libxbar.so"
            false
        fi
}
step "CMake find_package(xbar) consumer, shared and static: build and run" cmake_consumer

pkgconfig_consumer() {
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    local got
    got="$(pkg-config --modversion xbar)" || return 1
    [ "$got" = "$version" ] || {
        echo "pkg-config --modversion xbar: $got"
        return 1
    }
    echo "pkg-config --cflags --libs xbar: $(pkg-config --cflags --libs xbar)"
    # shellcheck disable=SC2046
    g++ -std=c++17 -Wall -Wextra -Werror tests/bindings/consumer/consumer.cpp -o "$tmp/pc_consumer" \
        $(pkg-config --cflags --libs xbar) -Wl,-rpath,"$(pkg-config --variable=libdir xbar)" &&
        needs_soname "$tmp/pc_consumer" &&
        "$tmp/pc_consumer" "$ref"
}
step "pkg-config consumer: build and run" pkgconfig_consumer

version_refused() {
    local v rc=0
    for v in 0.1 "0.1...<1"; do
        cmake -S tests/bindings/consumer -B "$tmp/v" -DCMAKE_PREFIX_PATH="$prefix" \
            -DXBAR_REQUIRED_VERSION="$v" >/dev/null 2>&1 || { echo "find_package(xbar $v) failed"; rc=1; }
        rm -rf "$tmp/v"
    done
    for v in 9.0 "$major.$((minor + 1))" "0.0...0.0.5"; do
        if cmake -S tests/bindings/consumer -B "$tmp/v" -DCMAKE_PREFIX_PATH="$prefix" \
            -DXBAR_REQUIRED_VERSION="$v" >/dev/null 2>&1; then
            echo "find_package(xbar $v) accepted $version"
            rc=1
        fi
        rm -rf "$tmp/v"
    done
    [ $rc = 0 ] && echo "accepted 0.1 and 0.1...<1; refused 9.0, the next minor and 0.0...0.0.5"
    return $rc
}
step "xbarConfigVersion.cmake accepts and refuses the right versions" version_refused

staged_and_moved() {
    DESTDIR="$tmp/stage" bash scripts/install.sh --no-build /opt/xbar >/dev/null &&
        [ -L "$tmp/stage/opt/xbar/lib/libxbar.so" ] &&
        grep -qx "prefix=/opt/xbar" "$tmp/stage/opt/xbar/lib/pkgconfig/xbar.pc" || {
        echo "DESTDIR install did not stage /opt/xbar"
        return 1
    }
    # The CMake package is relocatable: use the staged tree where it lies.
    rm -rf "$tmp/cmake2"
    cmake -S tests/bindings/consumer -B "$tmp/cmake2" -DCMAKE_PREFIX_PATH="$tmp/stage/opt/xbar" \
        >"$tmp/cmake2.log" 2>&1 && cmake --build "$tmp/cmake2" --target consumer >>"$tmp/cmake2.log" 2>&1 &&
        "$tmp/cmake2/consumer" "$ref" || {
        cat "$tmp/cmake2.log"
        return 1
    }
}
step "DESTDIR staged install; relocated CMake package" staged_and_moved

has_debug_info() { readelf -S "$1" 2>/dev/null | grep -q '\.debug_info'; }
stripped() {
    local f rc=0
    for f in "$prefix/lib/libxbar.so.$version" "$prefix/lib/libxbar.a"; do
        if has_debug_info "$f"; then
            echo "${f#"$prefix"/} has debug info"
            rc=1
        fi
    done
    DESTDIR="$tmp/debug" bash scripts/install.sh --no-build --debug /opt/xbar >/dev/null &&
        has_debug_info "$tmp/debug/opt/xbar/lib/libxbar.so.$version" ||
        { echo "--debug did not keep the debug info"; rc=1; }
    [ $rc = 0 ] && echo "stripped: libxbar.so.$version $(du -h "$prefix/lib/libxbar.so.$version" | cut -f1)," \
        "libxbar.a $(du -h "$prefix/lib/libxbar.a" | cut -f1); with --debug:" \
        "$(du -h "$tmp/debug/opt/xbar/lib/libxbar.so.$version" | cut -f1), $(du -h "$tmp/debug/opt/xbar/lib/libxbar.a" | cut -f1)"
    rm -rf "$tmp/debug"
    return $rc
}
step "installed libraries stripped; --debug keeps the debug info" stripped

# The ```sh block of README.md that starts with PREFIX=$HOME/...: run line by line as written,
# with HOME a temporary folder, no LD_LIBRARY_PATH and no PKG_CONFIG_PATH from outside.
readme_install_lines() {
    local block
    block="$(awk '/^```sh$/ { inside = 1; text = ""; next }
                  /^```$/ { if (inside && text ~ /^PREFIX=\$HOME\//) { printf "%s", text; exit } inside = 0; next }
                  inside { text = text $0 "\n" }' README.md)"
    [ -n "$block" ] || {
        echo "README.md has no \`\`\`sh block starting with PREFIX=\$HOME/"
        return 1
    }
    printf '%s\n' "$block" | sed 's/^/  $ /'
    mkdir -p "$tmp/home"
    # cargo and rustup keep their own folders (they default to ones under HOME).
    env -u LD_LIBRARY_PATH -u PKG_CONFIG_PATH CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
        RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" HOME="$tmp/home" bash -euo pipefail -c "$block" \
        >"$tmp/readme.log" 2>&1 || {
        cat "$tmp/readme.log"
        return 1
    }
    tail -n 6 "$tmp/readme.log"
    [ -f "$tmp/home/.local/xbar/lib/libxbar.so.$version" ] || {
        echo "the lines did not install into \$HOME/.local/xbar"
        return 1
    }
}
step "README.md install and link lines, as written, for a prefix under \$HOME" readme_install_lines

finish "packaging"
