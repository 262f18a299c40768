#!/usr/bin/env bash
# The whole test suite from a fresh clone, in one command (README, .ci/run):
#   1. a venv with every tool and test dependency (PyPI only)
#   2. Catch2 through Conan: ConanCenter when reachable, else Debian's catch2
#      through the checked-in platform profile (conan/offline.profile)
#   3. one Release build tree gives both the wheel (python -m build; then
#      check-wheel-contents, auditwheel show, imported in a clean venv) and the
#      Catch2 tests (ctest) -- the core is compiled once -- run at the CPU's SIMD
#      level, then again at each lower level it supports (FASTCPP_SIMD: baseline,
#      x86-64-v3),
#   4. install + the find_package consumer,
#   5. the C++ tests under AddressSanitizer + UBSan,
#   6. the wheel installed with the test extras; pytest, ruff and mypy;
#      the per-kernel pytest files again at each lower SIMD level; the docs site
#      (scripts/docs.sh: warning-free, every example run) and sp-repo-review,
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
# Each step prints the minutes:seconds since the start, so a CI log shows
# where the time goes.
step() { printf '\n=== [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

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
    "scikit-build-core>=0.10" ruff mypy build check-wheel-contents auditwheel \
    "sp-repo-review[cli]==2026.8.14"  # pinned: a new release adds checks (it did)
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

step "Release build: the wheel and the Catch2 tests from one build tree"
# python -m build without isolation uses this venv's scikit-build-core, pybind11,
# cmake and ninja (installed above), so the build tree stays usable afterwards:
# the Catch2 tests are built in it beside the wheel's libraries (they are not
# installed, so the wheel is what `pip install .` makes).
REL=$BUILD/release
rm -rf "$BUILD/dist"
"$PY" -m build --wheel --no-isolation --outdir "$BUILD/dist" \
    -Cbuild-dir="$REL" -Ccmake.define.FASTCPP_BUILD_TESTING=ON \
    -Ccmake.define.CMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" . >"$BUILD/wheel.log" 2>&1 ||
    { tail -40 "$BUILD/wheel.log"; exit 1; }
WHEEL=$(ls "$BUILD"/dist/fastcpp-*.whl)
echo "built $WHEEL"

step "ctest (Release)"
env -u FASTCPP_SIMD ctest --test-dir "$REL" --output-on-failure -j2
CPU_LEVEL=$(env -u FASTCPP_SIMD "$REL/tests_cpp/fastcpp_tests" "[simd-level]" -s |
    sed -n 's/.*cpu simd level: \([a-z0-9-]*\).*/\1/p' | head -1)
echo "CPU SIMD level: ${CPU_LEVEL:?could not read it from fastcpp_tests}"
for level in $(lower_levels "$CPU_LEVEL"); do
    step "C++ tests at FASTCPP_SIMD=$level"
    FASTCPP_SIMD=$level ctest --test-dir "$REL" --output-on-failure -j2
done

step "Install (C++ layout) + find_package(fastcpp) consumer"
# The same tree, reconfigured without SKBUILD: the install rules switch from
# the wheel's layout to GNUInstallDirs; compile commands do not change, so
# nothing is rebuilt.
cmake -S . -B "$REL" -USKBUILD >/dev/null
rm -rf "$BUILD/prefix"
cmake --install "$REL" --prefix "$BUILD/prefix"
test -f "$BUILD/prefix/lib/cmake/fastcpp/fastcppConfig.cmake" || ls -R "$BUILD/prefix"
cmake -S examples/consumer -B "$BUILD/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$BUILD/prefix"
cmake --build "$BUILD/consumer"
"$BUILD/consumer/consumer"

if [ "${FASTCPP_SKIP_SANITIZE:-0}" != 1 ]; then
    step "C++ tests under address,undefined sanitizers"
    cmake -S . -B "$BUILD/asan" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTCPP_BUILD_TESTING=ON \
        -DFASTCPP_SANITIZE=address,undefined -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF
    cmake --build "$BUILD/asan"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$BUILD/asan" --output-on-failure -j2
fi

step "Wheel: check-wheel-contents, auditwheel show"
check-wheel-contents "$WHEEL"
auditwheel show "$WHEEL"

step "Wheel in a clean venv: install and import"
rm -rf "$BUILD/clean-venv"
python3 -m venv "$BUILD/clean-venv"
"$BUILD/clean-venv/bin/pip" install -q "$WHEEL"
(cd "$BUILD" && "$BUILD/clean-venv/bin/python" -c \
    "import fastcpp; assert fastcpp.sum([1e16, 1.0, -1e16]) == 1.0; print('clean venv:', fastcpp.__version__, fastcpp.simd_level())")

step "Wheel + test and docs dependencies"
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEEL"
"$PY" -m pip install -q "$WHEEL[test,docs]"

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
env -u FASTCPP_SIMD "$PY" -m pytest "$ROOT/tests_py" -p no:cacheprovider --durations=15
KERNEL_TESTS=()
for f in reduce rolling rolling_outliers ema elementwise geo median_filter median_filter_small \
    median_filter_pairs accumulator; do
    [ -f "$ROOT/tests_py/test_$f.py" ] && KERNEL_TESTS+=("$ROOT/tests_py/test_$f.py")
done
for level in $(lower_levels "$CPU_LEVEL"); do
    step "pytest, per-kernel files, at FASTCPP_SIMD=$level"
    FASTCPP_SIMD=$level "$PY" -c "import fastcpp, sys; sys.exit(fastcpp.simd_level() != '$level')"
    FASTCPP_SIMD=$level "$PY" -m pytest "${KERNEL_TESTS[@]}" -x -q -m "not slow" -p no:cacheprovider
done

step "Docs site: warning-free build, every example run (scripts/docs.sh)"
(cd "$ROOT" && PY="$PY" DOCS_OUT="$BUILD/docs-html" bash scripts/docs.sh)

step "Scientific Python repo-review"
(cd "$ROOT" && sp-repo-review --show err .)

step "API fuzzer against the wheel (${FUZZ_SECONDS:-45} s; longer: scripts/fuzz_api.py --help)"
"$PY" "$ROOT/scripts/fuzz_api.py" --seconds "${FUZZ_SECONDS:-45}"

if [ "${FASTCPP_SKIP_SANITIZE:-0}" != 1 ]; then
    step "pytest + fuzzer against an ASan/UBSan build of the extension"
    cd "$ROOT"
    PY="$PY" FUZZ_SECONDS=30 scripts/asan_pytest.sh "$BUILD/asan"
fi

