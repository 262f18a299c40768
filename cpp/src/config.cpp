#include "fastcpp/config.hpp"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "fastcpp/detail/checks.hpp"

#if defined(__linux__)
#include <sched.h>
#endif

namespace fastcpp {
namespace {

/// CPUs this process may run on (affinity-aware), at least 1.
int available_cpus() noexcept {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? static_cast<int>(n) : 1;
}

int initial_threads() noexcept {
    if (const char* env = std::getenv("FASTCPP_NUM_THREADS")) {
        char* end = nullptr;
        const long v = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && v > 0 && v <= 4096) return static_cast<int>(v);
    }
    return available_cpus();
}

std::atomic<int>& thread_setting() noexcept {
    static std::atomic<int> n{initial_threads()};
    return n;
}

}  // namespace

int num_threads() noexcept { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
    detail::require(n >= 1, "set_num_threads", "n (=", n, ") must be >= 1");
    thread_setting().store(n, std::memory_order_relaxed);
}

std::string version() { return FASTCPP_VERSION; }
std::string compiler() { return FASTCPP_COMPILER; }

std::string simd_level() {
#if defined(__x86_64__) && defined(__GNUC__)
    // Mirrors the target_clones resolver's choice (see detail/simd.hpp).
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
    if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
#endif
    return "baseline";
}

}  // namespace fastcpp
