"""setuptools build of the ferguard Python package: CMake builds libferguard, the CLI and the extension, then the
package gets the extension, libferguard.so.0 (lib/), the CLI (bin/), face-api's weights and Chart.js (share/ferguard),
laid out as the install prefix is, so that the library finds its models from its own path.

Environment:
  FERGUARD_CMAKE_BUILD_DIR  an existing CMake build folder to reuse (make's build/): only what changed is built
  FERGUARD_JOBS             parallel compile jobs (default: the number of cores)
The graph models (no licence upstream) are not put in the package: `python3 -m ferguard models install`.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = pathlib.Path(__file__).resolve().parent


def project_version():
    text = (SOURCE / "CMakeLists.txt").read_text()
    return re.search(r"project\(ferguard VERSION ([0-9.]+)", text).group(1)


def run(*cmd, **kwargs):
    print("ferguard build:", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("FERGUARD_CMAKE_BUILD_DIR")
        build = pathlib.Path(build).resolve() if build else SOURCE / "build" / "pip" / "cmake"
        if not (build / "CMakeCache.txt").exists():
            args = ["cmake", "-S", SOURCE, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                    f"-DPython_EXECUTABLE={sys.executable}", "-DFERGUARD_BUILD_TESTS=OFF",
                    "-DFERGUARD_BUILD_BENCHMARKS=OFF", "-DFERGUARD_BUILD_EXAMPLES=OFF"]
            if shutil.which("ninja"):
                args += ["-G", "Ninja"]
            if shutil.which("ccache"):
                args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
            run(*args)
        jobs = os.environ.get("FERGUARD_JOBS", str(os.cpu_count() or 1))
        run("cmake", "--build", build, "-j", jobs, "--target", "ferguard", "ferguard_cli", "ferguard_python")

        stage = pathlib.Path(self.build_temp).resolve() / "stage"
        shutil.rmtree(stage, ignore_errors=True)
        for component in ("Unspecified", "models", "python"):
            run("cmake", "--install", build, "--prefix", stage, "--component", component)

        package = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve().parent
        libdir = self._cache_value(build, "CMAKE_INSTALL_LIBDIR") or "lib"
        for old in ("lib", "bin", "share", libdir):
            shutil.rmtree(package / old, ignore_errors=True)
        # The extension, and the library under its SONAME (a wheel holds no symlinks).
        for f in [*stage.glob("_core*.so"), stage / "_core.pyi"]:
            shutil.copy2(f, package / f.name)
        (package / libdir).mkdir(parents=True)
        shutil.copy2(stage / libdir / "libferguard.so.0", package / libdir / "libferguard.so.0")
        (package / "bin").mkdir()
        shutil.copy2(stage / "bin" / "ferguard", package / "bin" / "ferguard")
        data = package / "share" / "ferguard"
        for name in ("faceapi", "chartjs"):
            shutil.copytree(stage / "share" / "ferguard" / name, data / name)
        for name in ("fetch_models.sh", "assets.sha256"):
            shutil.copy2(stage / "share" / "ferguard" / name, data / name)

    @staticmethod
    def _cache_value(build, key):
        for line in (build / "CMakeCache.txt").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split("=", 1)[1]
        return None


setup(
    version=project_version(),
    ext_modules=[Extension("ferguard._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
