"""setup.py - builds the bgsub Python module with Debian's setuptools,
offline: `pip install ./python` (from the repository's top folder).

The C library and the program's readers are built by the project's
Makefile (make -C .. BUILD=build the three archives), then linked into the
extension statically; FFmpeg, libpng and libjpeg are linked as shared
libraries (pkg-config). Nothing is downloaded. The source folder must stay
inside the repository (pip 21.3 and later build in place)."""
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.environ.get("BGSUB_BUILD", "build")
ARCHIVES = ["libbgsub_cli.a", "libbgsub_io.a", "libbgsub.a"]
PKG = "libpng zlib libjpeg libavformat libavcodec libswscale libavutil"


def version():
    with open(os.path.join(TOP, "include", "bgsub.h")) as f:
        for line in f:
            if line.startswith("#define BGS_VERSION_STRING"):
                return line.split('"')[1]
    raise RuntimeError("no BGS_VERSION_STRING in include/bgsub.h")


class BuildWithMake(build_ext):
    """Builds the archives with make before the extension."""

    def run(self):
        if not os.path.exists(os.path.join(TOP, "include", "bgsub.h")):
            sys.exit("bgsub: setup.py must run from python/ inside the bgsub repository")
        targets = [os.path.join(BUILD, a) for a in ARCHIVES]
        subprocess.check_call(["make", "-C", TOP, "-j2", "BUILD=" + BUILD] + targets)
        import numpy
        for ext in self.extensions:
            ext.include_dirs.append(numpy.get_include())
        super().run()


def pkg_libs():
    try:
        out = subprocess.run(["pkg-config", "--libs"] + PKG.split(), check=True,
                             stdout=subprocess.PIPE, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        sys.exit("bgsub: pkg-config cannot find %s (make deps installs them)" % PKG)
    return shlex.split(out)


setup(
    name="bgsub",
    version=version(),
    description="Background subtraction with a per-pixel Gaussian mixture (libbgsub)",
    packages=["bgsub"],
    package_data={"bgsub": ["__init__.pyi", "py.typed"]},
    ext_modules=[Extension(
        "bgsub._bgsub",
        sources=["src/_bgsub.c", "src/pyio.c"],
        include_dirs=[os.path.join(TOP, "include"), os.path.join(TOP, "src"),
                      os.path.join(HERE, "src")],
        extra_compile_args=["-std=c11", "-D_DEFAULT_SOURCE", "-D_GNU_SOURCE"],
        extra_objects=[os.path.join(TOP, BUILD, a) for a in ARCHIVES],
        extra_link_args=pkg_libs() + ["-ldl", "-lpthread", "-lm"],
    )],
    cmdclass={"build_ext": BuildWithMake},
    python_requires=">=3.7",
    install_requires=[],  # numpy from Debian (python3-numpy); nothing from an index
)
