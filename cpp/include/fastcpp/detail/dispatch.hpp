#pragma once
/// @file detail/dispatch.hpp
/// Run-time choice of the instruction-set level a hot loop is compiled for,
/// one mechanism for every kernel, cappable by the user.
///
/// A kernel call site runs its loop through `detail::dispatch`:
///
///     detail::dispatch([&] { gaussian_chunk(a, o, twice_var); });
///
/// dispatch() switches once on active_level() and calls the lambda through
/// one of the wrappers below. Each wrapper carries GCC's `target("arch=...")`
/// and `flatten`: the lambda and everything it calls in this translation unit
/// is inlined into the wrapper and compiled for that level (vector width,
/// FMA, libmvec variant), so one portable binary holds a baseline, an
/// x86-64-v3 (AVX2+FMA) and an x86-64-v4 (AVX-512) copy of each kernel.
/// Functions meant to be compiled this way are marked FASTCPP_KERNEL (always
/// inlined: a kernel that cannot be inlined is a compile error, never a
/// silent baseline copy). Recursive calls (e.g. the introsort loop inside
/// std::sort) and calls into other translation units stay out-of-line at
/// baseline; a kernel in another file dispatches itself.
///
/// Two rules keep a kernel's helpers inside its per-level copy (GCC will
/// not inline across differing function options, and an out-of-line
/// baseline helper that takes or returns a vector wider than 16 bytes by
/// value is an ABI mismatch, i.e. a crash, when called from AVX code):
/// - no `#pragma GCC optimize` after the includes of a kernel file: put it
///   before them (it must cover the wrappers here too), or use a compile flag;
/// - helpers passing 32/64-byte vectors by value are [[gnu::always_inline]]
///   (detail/vec.hpp does so).
/// `python scripts/check_dispatch.py <library>` lists the out-of-line calls
/// made from the per-level copies.
///
/// x86-64-v2 (SSE4.2, POPCNT) is accepted as a level but runs the baseline
/// copy: for these floating-point kernels GCC emits nearly the same code for
/// both, and a fourth copy would cost ~1/3 more compile time and size.
///
/// Unlike `target_clones` (an ifunc resolved at load time), the choice is
/// ours: active_level() is the highest level the CPU supports, capped by the
/// environment variable FASTCPP_SIMD (read once, at the first kernel call),
/// so one machine can run, test and measure every path it supports.
///
/// Outside x86-64 GCC, in AddressSanitizer builds, or with FASTCPP_NO_CLONES /
/// FASTCPP_NO_DISPATCH defined, there is only the baseline wrapper, compiled
/// for whatever -march the build uses. On aarch64 that baseline includes
/// NEON (Advanced SIMD is part of ARMv8-A), which GCC auto-vectorises with,
/// so an arm user gets 128-bit vector code; SVE would be a further level.

#include <string>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(FASTCPP_NO_CLONES) && !defined(FASTCPP_NO_DISPATCH)
#define FASTCPP_DISPATCH_X86 1
#else
#define FASTCPP_DISPATCH_X86 0
#endif

/// Marks a function whose body is compiled per level by the dispatch() that
/// calls it (see above).
#define FASTCPP_KERNEL [[gnu::always_inline]] inline

namespace fastcpp::detail {

/// Code paths, in increasing order of capability.
enum class SimdLevel : int { baseline = 0, x86_64_v2 = 1, x86_64_v3 = 2, x86_64_v4 = 3 };

/// "baseline", "x86-64-v2", "x86-64-v3" or "x86-64-v4".
[[nodiscard]] const char* simd_level_name(SimdLevel level) noexcept;

/// What the CPU supports, what dispatch uses (the CPU's level capped by
/// FASTCPP_SIMD) and, if FASTCPP_SIMD held an unknown value, a message
/// naming it and the accepted values (the value is then ignored).
struct SimdChoice {
    SimdLevel cpu = SimdLevel::baseline;
    SimdLevel active = SimdLevel::baseline;
    std::string warning;
};

/// The choice for a CPU of level `cpu` and a FASTCPP_SIMD value `env`
/// (nullptr or "" when unset; names are matched case-insensitively).
[[nodiscard]] SimdChoice choose_simd_level(SimdLevel cpu, const char* env);

/// choose_simd_level() for this CPU and environment, computed once on first
/// use (thread-safe), then cached.
[[nodiscard]] const SimdChoice& simd_choice() noexcept;

/// The level dispatch() runs kernels at.
[[nodiscard]] inline SimdLevel active_level() noexcept {
    static const SimdLevel level = simd_choice().active;
    return level;
}

/// Whether the kernels compiled for `level` fuse a*b + c into one rounding
/// (FMA): the one rule for every kernel whose bits depend on it (vmath's flag
/// F through dispatch_fused; ema's blocked steps). With dispatch on x86-64:
/// the x86-64-v3 and v4 copies (FMA is an instruction there), not baseline
/// or v2 (std::fma would be a libm call that emulates it). Without it (one
/// path, compiled for the build's own -march): fused where the target has a
/// hardware FMA -- always on aarch64; x86-64 or other targets when the
/// compiler says so (__FMA__, __FP_FAST_FMA) -- else not.
[[nodiscard]] constexpr bool fuses_multiply_add([[maybe_unused]] SimdLevel level) noexcept {
#if FASTCPP_DISPATCH_X86
    return level >= SimdLevel::x86_64_v3;
#elif defined(__aarch64__) || defined(__FMA__) || defined(__FP_FAST_FMA)
    return true;
#else
    return false;
#endif
}

// The wrappers are noinline so that a dispatch nested inside another one (a
// kernel calling a kernel) stays a call instead of being flattened into
// copies of every level.
template <class F>
[[gnu::noinline, gnu::flatten]] decltype(auto) at_baseline(F& f) {
    return f();
}

#if FASTCPP_DISPATCH_X86
template <class F>
[[gnu::noinline, gnu::flatten]]
__attribute__((target("arch=x86-64-v3"))) decltype(auto) at_v3(F& f) {
    return f();
}
template <class F>
[[gnu::noinline, gnu::flatten]] __attribute__((target("arch=x86-64-v4"))) decltype(auto) at_v4(
    F& f) {
    return f();
}
#endif

/// Calls wide() compiled for x86-64-v4 or v3 when that is the active level,
/// else narrow() compiled for the baseline (v2 included; other CPUs always):
/// for kernels with one variant for AVX2/AVX-512 and one for SSE2 (vector
/// width, lane count, fused multiply-adds), each compiled only where it runs.
template <class Wide, class Narrow>
decltype(auto) dispatch_split([[maybe_unused]] Wide&& wide, Narrow&& narrow) {
#if FASTCPP_DISPATCH_X86
    switch (active_level()) {
        case SimdLevel::x86_64_v4:
            return at_v4(wide);
        case SimdLevel::x86_64_v3:
            return at_v3(wide);
        case SimdLevel::x86_64_v2:
            break;  // runs the baseline copy (see above)
        case SimdLevel::baseline:
            break;
    }
#endif
    return at_baseline(narrow);
}

/// Calls f() compiled for active_level(); returns what f returns.
template <class F>
decltype(auto) dispatch(F&& f) {
    return dispatch_split(f, f);
}

/// detail::dispatch for kernels that fuse a*b + c where the level does
/// (fuses_multiply_add above; detail/vmath.hpp's flag F): calls
/// f(std::true_type{}) or f(std::false_type{}), so each level's copy holds
/// only the variant it runs. x86-64 with dispatch: fused at v3/v4, plain at
/// baseline and v2; one path (e.g. aarch64): as the predicate says.
template <class F>
decltype(auto) dispatch_fused(F&& f) {
    auto plain = [&] { return f(std::false_type{}); };
    auto fused = [&] { return f(std::true_type{}); };
#if FASTCPP_DISPATCH_X86
    static_assert(
        fuses_multiply_add(SimdLevel::x86_64_v4) && fuses_multiply_add(SimdLevel::x86_64_v3) &&
        !fuses_multiply_add(SimdLevel::x86_64_v2) && !fuses_multiply_add(SimdLevel::baseline));
    return dispatch_split(fused, plain);
#else
    // One path: the predicate does not depend on the level here.
    if constexpr (fuses_multiply_add(SimdLevel::baseline))
        return at_baseline(fused);
    else
        return at_baseline(plain);
#endif
}

}  // namespace fastcpp::detail
