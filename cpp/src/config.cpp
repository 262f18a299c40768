#include "fastcpp/config.hpp"

#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/dispatch.hpp"
#include "fastcpp/detail/parallel.hpp"

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

/// The thread count FASTCPP_NUM_THREADS asks for, and a message if its
/// value was not a usable count.
struct ThreadsFromEnv {
    int n = 0;  // 0: unset or unusable
    std::string warning;
};

const ThreadsFromEnv& threads_from_env() noexcept {
    static const ThreadsFromEnv r = []() noexcept {
        ThreadsFromEnv t;
        const char* env = std::getenv("FASTCPP_NUM_THREADS");
        if (env == nullptr || *env == '\0') return t;
        char* end = nullptr;
        const long v = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && v > 0 && v <= 4096) {
            t.n = static_cast<int>(v);
        } else {
            try {
                t.warning = "FASTCPP_NUM_THREADS='" + std::string(env) +
                            "' is ignored: it must be an integer from 1 to 4096; using " +
                            std::to_string(available_cpus()) + " threads";
            } catch (...) {  // out of memory for a message: stay silent
            }
        }
        return t;
    }();
    return r;
}

int initial_threads() noexcept {
    const int n = threads_from_env().n;
    return n > 0 ? n : available_cpus();
}

std::atomic<int>& thread_setting() noexcept {
    static std::atomic<int> n{initial_threads()};
    return n;
}

using detail::SimdLevel;

constexpr std::array<SimdLevel, 4> kLevels = {SimdLevel::baseline, SimdLevel::x86_64_v2,
                                              SimdLevel::x86_64_v3, SimdLevel::x86_64_v4};

/// The level the compiler flags alone guarantee (-march); what a build
/// without run-time dispatch runs at.
constexpr SimdLevel compiled_level() noexcept {
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512CD__) && \
    defined(__AVX512DQ__) && defined(__AVX512VL__)
    return SimdLevel::x86_64_v4;
#elif defined(__AVX2__) && defined(__FMA__) && defined(__BMI2__)
    return SimdLevel::x86_64_v3;
#elif defined(__SSE4_2__) && defined(__POPCNT__)
    return SimdLevel::x86_64_v2;
#else
    return SimdLevel::baseline;
#endif
}

SimdLevel cpu_level() noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return SimdLevel::x86_64_v4;
    if (__builtin_cpu_supports("x86-64-v3")) return SimdLevel::x86_64_v3;
    if (__builtin_cpu_supports("x86-64-v2")) return SimdLevel::x86_64_v2;
#endif
    // aarch64 and others: one level, "baseline" (NEON on aarch64).
    return SimdLevel::baseline;
}

}  // namespace

namespace detail {

SimdChoice choose_simd_level(SimdLevel cpu, const char* env) {
    SimdChoice c;
    c.cpu = cpu;
    c.active = FASTCPP_DISPATCH_X86 ? c.cpu : compiled_level();
    if (FASTCPP_DISPATCH_X86 && c.active == SimdLevel::x86_64_v2)
        c.active = SimdLevel::baseline;  // no separate v2 copy (detail/dispatch.hpp)
    if (env == nullptr || *env == '\0') return c;
    std::string want(env);
    for (char& ch : want) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (SimdLevel l : kLevels) {
        if (want != simd_level_name(l)) continue;
        if (!FASTCPP_DISPATCH_X86 && l != c.active)
            c.warning = "FASTCPP_SIMD='" + std::string(env) +
                        "' is ignored: this build of fastcpp has no run-time dispatch and "
                        "always runs at " +
                        simd_level_name(c.active);
        else if (l < c.active)  // never above what the CPU supports
            c.active = l;
        if (FASTCPP_DISPATCH_X86 && c.active == SimdLevel::x86_64_v2)
            c.active = SimdLevel::baseline;  // no separate v2 copy (detail/dispatch.hpp)
        return c;
    }
    c.warning = "FASTCPP_SIMD='" + std::string(env) +
                "' is ignored: use one of baseline, x86-64-v2, x86-64-v3, x86-64-v4; running "
                "at " +
                simd_level_name(c.active);
    return c;
}

}  // namespace detail

void check_num_threads(const char* func, long long n) {
    // Capped like FASTCPP_NUM_THREADS: a huge count would start a thread per chunk.
    detail::require(n >= 1 && n <= 4096, func, "n (=", n, ") must be between 1 and 4096");
}

namespace {
/// The calling thread's own count (0: none). A plain int in static TLS.
thread_local int local_threads = 0;
}  // namespace

int num_threads() noexcept {
    const int local = local_threads;
    return local > 0 ? local : thread_setting().load(std::memory_order_relaxed);
}

int set_local_num_threads(long long n) {
    detail::require(n >= 0 && n <= 4096, "threads", "n (=", n,
                    ") must be between 1 and 4096 (0: the process-wide count)");
    const int previous = local_threads;
    local_threads = static_cast<int>(n);
    return previous;
}

namespace detail {

int helper_budget() noexcept {
    static const int budget = available_cpus() - 1;
    return budget;
}

std::atomic<int>& helpers_running() noexcept {
    static std::atomic<int> running{0};
    return running;
}

}  // namespace detail

void set_num_threads(long long n) {
    check_num_threads("set_num_threads", n);
    thread_setting().store(static_cast<int>(n), std::memory_order_relaxed);
}

std::string version() { return FASTCPP_VERSION; }
std::string compiler() { return FASTCPP_COMPILER; }

std::string simd_level() { return detail::simd_level_name(detail::simd_choice().active); }

std::string cpu_simd_level() { return detail::simd_level_name(detail::simd_choice().cpu); }

std::vector<std::string> settings_warnings() {
    std::vector<std::string> w;
    if (!detail::simd_choice().warning.empty()) w.push_back(detail::simd_choice().warning);
    if (!threads_from_env().warning.empty()) w.push_back(threads_from_env().warning);
    return w;
}

namespace detail {

const char* simd_level_name(SimdLevel level) noexcept {
    switch (level) {
        case SimdLevel::baseline:
            return "baseline";
        case SimdLevel::x86_64_v2:
            return "x86-64-v2";
        case SimdLevel::x86_64_v3:
            return "x86-64-v3";
        case SimdLevel::x86_64_v4:
            return "x86-64-v4";
    }
    return "baseline";  // unreachable: the switch names every level
}

const SimdChoice& simd_choice() noexcept {
    // A failed allocation for a warning message would end here as terminate;
    // the strings are tiny and built once at start-up.
    static const SimdChoice choice = choose_simd_level(cpu_level(), std::getenv("FASTCPP_SIMD"));
    return choice;
}

}  // namespace detail

}  // namespace fastcpp
