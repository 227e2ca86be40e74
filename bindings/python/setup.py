"""Build step of the xbar wheel: compiles the Rust library and bundles it.

``pip install ./bindings/python`` runs ``build_py`` below, which runs
``cargo build --release --lib`` on the crate two folders up (the repository
checkout; or the folder in ``XBAR_SOURCE_DIR``) and copies the resulting
``libxbar.so`` into the package. Cargo builds into ``CARGO_TARGET_DIR`` when
set, else into the repository's own ``target/`` folder, so a checkout that
already built the release library does not compile it again. Setting
``XBAR_LIB`` to an existing ``libxbar.so`` bundles that file instead and
runs no cargo at all. The wheel is tagged for this platform (it carries a
native library) but for any Python 3 (the binding is ctypes only).
"""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = {"darwin": "libxbar.dylib", "win32": "xbar.dll"}.get(sys.platform, "libxbar.so")


def crate_root():
    env = os.environ.get("XBAR_SOURCE_DIR")
    candidates = [env] if env else [os.path.join(HERE, "..", "..")]
    for root in candidates:
        manifest = os.path.join(root, "Cargo.toml")
        if os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as f:
                if 'name = "xbar"' in f.read():
                    return os.path.abspath(root)
    raise SystemExit(
        "xbar: cannot find the xbar crate (Cargo.toml) two folders above "
        f"{HERE}; install from a checkout of the repository, set XBAR_SOURCE_DIR to one, "
        "or set XBAR_LIB to a built libxbar.so"
    )


def build_library():
    prebuilt = os.environ.get("XBAR_LIB")
    if prebuilt:
        if not os.path.exists(prebuilt):
            raise SystemExit(f"xbar: XBAR_LIB={prebuilt} does not exist")
        return prebuilt
    root = crate_root()
    cargo = shutil.which("cargo") or os.path.expanduser("~/.cargo/bin/cargo")
    if not os.path.exists(cargo):
        raise SystemExit("xbar: cargo (Rust) is needed to build the library; install the Rust toolchain first")
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    cmd = [cargo, "build", "--release", "--lib", "--manifest-path", os.path.join(root, "Cargo.toml")]
    print("xbar: " + " ".join(cmd) + f" (CARGO_TARGET_DIR={target})", flush=True)
    subprocess.check_call(cmd, env=env)
    return os.path.join(target, "release", LIB)


class BuildWithLibrary(build_py):
    """build_py that also puts the compiled library into the package."""

    def run(self):
        super().run()
        lib = build_library()
        dest = os.path.join(self.build_lib, "xbar", LIB)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(lib, dest)
        os.chmod(dest, 0o755)


class PlatformWheel(bdist_wheel):
    """A wheel for this platform (native library inside) and any Python 3 (ctypes)."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel})
