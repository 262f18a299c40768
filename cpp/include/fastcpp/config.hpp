#pragma once
/// @file config.hpp
/// Library-wide settings and build facts: thread count, version, the SIMD
/// level the run-time dispatch chose on this CPU.

#include <string>
#include <vector>

namespace fastcpp {

/// Number of threads large inputs are split across (>= 1) for calls made on
/// the calling thread: its own count if set_local_num_threads() gave one,
/// else the process-wide count, which defaults to the CPUs this process may
/// run on, or to the environment variable `FASTCPP_NUM_THREADS` when it
/// holds a positive integer (any other value is ignored and reported by
/// settings_warnings()). However many threads call at once, the helper
/// threads running in the process never exceed CPUs - 1 (detail/parallel.hpp).
[[nodiscard]] int num_threads() noexcept;

/// Sets the process-wide thread count for all later calls.
/// @param n threads to use, >= 1
/// @throws std::invalid_argument if n < 1
void set_num_threads(long long n);

/// Checks a thread count: 1 <= n <= 4096 (a huge count would start a thread
/// per chunk).
/// @throws std::invalid_argument naming `func`, n and the range
void check_num_threads(const char* func, long long n);

/// Sets the thread count of calls made on the calling thread only (0: none,
/// the process-wide count applies). Returns the previous value, to restore.
/// Python's `with fastcpp.threads(n):` is built on it.
/// @throws std::invalid_argument if n < 0 or n > 4096
int set_local_num_threads(long long n);

/// Library version, "MAJOR.MINOR.PATCH".
[[nodiscard]] std::string version();

/// Compiler that built the library, e.g. "GNU 12.2.0".
[[nodiscard]] std::string compiler();

/// Instruction-set level the kernels run at (detail/dispatch.hpp):
/// "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2+FMA) or "baseline" (SSE2 on
/// x86-64, NEON on aarch64). The highest level the CPU supports, capped by
/// the environment variable `FASTCPP_SIMD` (baseline, x86-64-v2, x86-64-v3,
/// x86-64-v4), read once at the first kernel call; x86-64-v2 runs the
/// baseline kernels.
[[nodiscard]] std::string simd_level();

/// Highest level this CPU supports (what simd_level() is without a cap).
[[nodiscard]] std::string cpu_simd_level();

/// One message per `FASTCPP_*` environment variable whose value was ignored
/// (unknown `FASTCPP_SIMD`, non-positive or non-numeric
/// `FASTCPP_NUM_THREADS`), naming the value and what is accepted. Empty
/// when all is well; the Python package turns each into a RuntimeWarning.
[[nodiscard]] std::vector<std::string> settings_warnings();

}  // namespace fastcpp
