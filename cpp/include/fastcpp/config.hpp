#pragma once
/// @file config.hpp
/// Library-wide settings and build facts: thread count, version, the SIMD
/// level the run-time dispatch chose on this CPU.

#include <string>

namespace fastcpp {

/// Number of threads large inputs are split across (>= 1). Defaults to the
/// CPUs this process may run on, or to the environment variable
/// `FASTCPP_NUM_THREADS` when it holds a positive integer.
[[nodiscard]] int num_threads() noexcept;

/// Sets the thread count for all later calls.
/// @param n threads to use, >= 1
/// @throws std::invalid_argument if n < 1
void set_num_threads(int n);

/// Library version, "MAJOR.MINOR.PATCH".
[[nodiscard]] std::string version();

/// Compiler that built the library, e.g. "GNU 12.2.0".
[[nodiscard]] std::string compiler();

/// Instruction-set level the `target_clones` dispatch selects on this CPU:
/// "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2+FMA) or "baseline".
[[nodiscard]] std::string simd_level();

}  // namespace fastcpp
