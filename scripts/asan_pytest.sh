#!/usr/bin/env bash
# The Python tests and the API fuzzer against an AddressSanitizer +
# UndefinedBehaviorSanitizer build of the extension (fastcpp._core and
# libfastcpp both instrumented), so a memory error or UB reached from Python
# fails the run with the sanitizer's report.
#
#   scripts/asan_pytest.sh [BUILD_DIR]
# Environment: PY (python with pytest, numpy, pybind11; default python3),
#   FUZZ_SECONDS (default 30; 0 skips the fuzzer),
#   ASAN_PYTEST_ARGS (extra pytest arguments), ASAN_PYTEST_TIMEOUT (s, default 900).
#
# How: CPython itself is not instrumented, so the ASan runtime is preloaded
# (LD_PRELOAD) before anything else; leak detection is off because CPython
# keeps interned objects alive at exit (the leak tests in
# tests_py/test_threads_leaks.py cover leaks instead). No LTO here
# (CMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF stops pybind11 adding -flto): it
# would compile the module twice for no gain in what the sanitizers see.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$(realpath -m "${1:-$ROOT/build/asan-py}")
PY=${PY:-python3}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

# An existing sanitizer build dir (scripts/test.sh passes the one ctest ran
# in) is reused: only the bindings are compiled on top of it.
EXTRA=()
[ -f "$BUILD/CMakeCache.txt" ] || EXTRA=(-DFASTCPP_BUILD_TESTING=OFF)
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFASTCPP_BUILD_PYTHON=ON "${EXTRA[@]}" \
    -DFASTCPP_SANITIZE=address,undefined -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF \
    -DPython_EXECUTABLE="$(command -v "$PY")" \
    -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" >/dev/null
cmake --build "$BUILD"

CXX_BIN=${CXX:-g++}
LOGS=$BUILD/sanitizer-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
export LD_PRELOAD="$("$CXX_BIN" -print-file-name=libasan.so):$("$CXX_BIN" -print-file-name=libubsan.so)"
# Reports go to stderr, and (ASan) to files as well.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$LOGS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$LOGS/ubsan"
export PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"
# Only our library is instrumented: check that this is the build being tested.
"$PY" -c 'import fastcpp, sys; f = fastcpp._core.__file__; print("testing", f); sys.exit("'"$BUILD"'" not in f)'

report() {
    local rc=$1
    if compgen -G "$LOGS/*" >/dev/null; then
        echo "=== sanitizer reports:"
        cat "$LOGS"/*
        rc=1
    fi
    return "$rc"
}

# Everything but the leak/RSS tests (ASan's allocator makes RSS meaningless),
# the huge-input tests (ASan's shadow memory vs RLIMIT_AS) and dask (slow).
set +e
# -s: a sanitizer aborts the process, and pytest's capture would lose the report.
timeout "${ASAN_PYTEST_TIMEOUT:-900}" "$PY" -m pytest "$ROOT/tests_py" -q -x -s \
    -p no:cacheprovider --ignore="$ROOT/tests_py/test_huge.py" \
    --ignore-glob="$ROOT/tests_py/test_dask*.py" \
    -k "not rss_flat and not python_heap_flat" ${ASAN_PYTEST_ARGS:-}
rc=$?
set -e
report $rc || exit 1

if [ "$FUZZ_SECONDS" != 0 ]; then
    set +e
    "$PY" "$ROOT/scripts/fuzz_api.py" --seconds "$FUZZ_SECONDS"
    rc=$?
    set -e
    report $rc || exit 1
fi
echo "asan_pytest: clean"
