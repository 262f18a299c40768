#!/usr/bin/env bash
# The whole test suite from a fresh clone, in one command (README, .ci/run):
#   1. a venv with every tool and test dependency (PyPI only)
#   2. Catch2 through Conan: ConanCenter when reachable, else Debian's catch2
#      through the checked-in platform profile (conan/offline.profile)
#   3. C++ core + Catch2 tests (ctest) at the CPU's SIMD level, then again at each
#      lower level it supports (FASTCPP_SIMD: baseline, x86-64-v3),
#   4. install + the find_package consumer,
#   5. the same tests under AddressSanitizer + UBSan,
#   6. the wheel (pip install .) + pytest, ruff and mypy; the per-kernel pytest
#      files again at each lower SIMD level,
#   7. the API fuzzer (scripts/fuzz_api.py, 45 s) against the wheel,
#   8. pytest + the fuzzer against an ASan/UBSan build of the extension
#      (scripts/asan_pytest.sh; skipped with FASTCPP_SKIP_SANITIZE=1).
# Environment: VENV (default .venv-test), BUILD (default build/test),
#              FASTCPP_SKIP_SANITIZE=1 to skip step 5 locally.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv-test}
BUILD=${BUILD:-$ROOT/build/test}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
export CMAKE_GENERATOR=Ninja
step() { printf '\n=== %s\n' "$*"; }

# The SIMD levels below the CPU's own (which the unconstrained runs cover)
# that the kernels are tested at again: baseline always, x86-64-v3 where the
# CPU has AVX-512 (x86-64-v2 runs the baseline kernels). $1 = CPU level.
lower_levels() {
    local cpu=$1 l
    for l in baseline x86-64-v3; do
        [ "$l" = "$cpu" ] && break
        [ "$cpu" = x86-64-v2 ] && [ "$l" = x86-64-v3 ] && break
        echo "$l"
    done
}

mkdir -p "$BUILD"
step "Python environment ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
PY=$VENV/bin/python
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q "cmake>=3.21" ninja "conan>=2.0" "pybind11>=2.13" \
    "scikit-build-core>=0.10" ruff mypy
export PATH=$VENV/bin:$PATH

step "Catch2 through Conan"
CONAN_OUT=$BUILD/conan
conan profile detect --exist-ok >/dev/null 2>&1 || true
if conan install . --output-folder "$CONAN_OUT" -pr:a conan/online.profile \
        --build=missing >"$BUILD.conan-online.log" 2>&1; then
    echo "Catch2 from ConanCenter"
else
    echo "ConanCenter unreachable: Catch2 from the system (platform profile)"
    if [ ! -f /usr/lib/cmake/Catch2/Catch2Config.cmake ]; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
        $SUDO apt-get install -y -q catch2 >/dev/null 2>&1 ||
            { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q catch2 >/dev/null; }
    fi
    conan install . --output-folder "$CONAN_OUT" -pr:a conan/offline.profile
fi
TOOLCHAIN=$CONAN_OUT/conan_toolchain.cmake

step "C++ build + ctest"
cmake -S . -B "$BUILD/cpp" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
    -DCMAKE_BUILD_TYPE=Release -DFASTCPP_BUILD_TESTING=ON
cmake --build "$BUILD/cpp"
env -u FASTCPP_SIMD ctest --test-dir "$BUILD/cpp" --output-on-failure -j2
CPU_LEVEL=$(env -u FASTCPP_SIMD "$BUILD/cpp/tests_cpp/fastcpp_tests" "[simd-level]" -s |
    sed -n 's/.*cpu simd level: \([a-z0-9-]*\).*/\1/p' | head -1)
echo "CPU SIMD level: ${CPU_LEVEL:?could not read it from fastcpp_tests}"
for level in $(lower_levels "$CPU_LEVEL"); do
    step "C++ tests at FASTCPP_SIMD=$level"
    FASTCPP_SIMD=$level ctest --test-dir "$BUILD/cpp" --output-on-failure -j2
done

step "Install + find_package(fastcpp) consumer"
rm -rf "$BUILD/prefix"
cmake --install "$BUILD/cpp" --prefix "$BUILD/prefix"
cmake -S examples/consumer -B "$BUILD/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$BUILD/prefix"
cmake --build "$BUILD/consumer"
"$BUILD/consumer/consumer"

if [ "${FASTCPP_SKIP_SANITIZE:-0}" != 1 ]; then
    step "C++ tests under address,undefined sanitizers"
    cmake -S . -B "$BUILD/asan" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTCPP_BUILD_TESTING=ON \
        -DFASTCPP_SANITIZE=address,undefined
    cmake --build "$BUILD/asan"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$BUILD/asan" --output-on-failure -j2
fi

step "Wheel: pip install .[test]"
"$PY" -m pip install -q ".[test]"

step "Lint: ruff, mypy"
ruff check python tests_py
mypy python/fastcpp

step "C++ consumer against the wheel's own libfastcpp (fastcpp.get_cmake_dir())"
cmake -S examples/consumer -B "$BUILD/consumer-wheel" -G Ninja \
    -Dfastcpp_DIR="$("$PY" -c 'import fastcpp; print(fastcpp.get_cmake_dir())')"
cmake --build "$BUILD/consumer-wheel"
"$BUILD/consumer-wheel/consumer"

step "pytest"
cd "$BUILD"  # import the installed wheel, not the source tree
env -u FASTCPP_SIMD "$PY" -m pytest "$ROOT/tests_py" -p no:cacheprovider
KERNEL_TESTS=()
for f in reduce rolling ema elementwise geo median_filter accumulator; do
    [ -f "$ROOT/tests_py/test_$f.py" ] && KERNEL_TESTS+=("$ROOT/tests_py/test_$f.py")
done
for level in $(lower_levels "$CPU_LEVEL"); do
    step "pytest, per-kernel files, at FASTCPP_SIMD=$level"
    FASTCPP_SIMD=$level "$PY" -c "import fastcpp, sys; sys.exit(fastcpp.simd_level() != '$level')"
    FASTCPP_SIMD=$level "$PY" -m pytest "${KERNEL_TESTS[@]}" -x -q -m "not slow" -p no:cacheprovider
done

step "API fuzzer against the wheel (${FUZZ_SECONDS:-45} s; longer: scripts/fuzz_api.py --help)"
"$PY" "$ROOT/scripts/fuzz_api.py" --seconds "${FUZZ_SECONDS:-45}"

if [ "${FASTCPP_SKIP_SANITIZE:-0}" != 1 ]; then
    step "pytest + fuzzer against an ASan/UBSan build of the extension"
    cd "$ROOT"
    PY="$PY" FUZZ_SECONDS=30 scripts/asan_pytest.sh "$BUILD/asan"
fi

