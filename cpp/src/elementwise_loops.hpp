#pragma once
// Private helpers shared by elementwise.cpp and geo.cpp (not installed).

#include <algorithm>
#include <atomic>
#include <span>

#include "fastcpp/config.hpp"
#include "fastcpp/detail/checks.hpp"
#include "fastcpp/detail/parallel.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

/// Elements worth one thread start (~20 us), by the cost of one element.
inline constexpr index_t kGrainArith = index_t{1} << 16;  ///< a*b+c: memory speed
inline constexpr index_t kGrainExp = index_t{1} << 14;    ///< one libmvec call
inline constexpr index_t kGrainTrig = index_t{1} << 12;   ///< several libmvec calls
/// Elements per block buffer: a handful of double arrays of this size stay in L1/L2.
inline constexpr index_t kBlock = 512;
/// Widest vector (AVX-512: 8 doubles). Vector-math loops run over multiples of
/// it, padding partial blocks, so every element takes the same libmvec
/// variant: equal inputs give bit-equal outputs wherever they sit (scalar
/// libm and vector libmvec may differ by an ulp), which nearest_k needs to
/// break distance ties by index.
inline constexpr index_t kLanes = 8;

/// m rounded up to a multiple of kLanes.
constexpr index_t pad_lanes(index_t m) noexcept { return (m + kLanes - 1) / kLanes * kLanes; }

/// Elements per unit of work handed out dynamically (see for_each_chunk).
inline constexpr index_t kChunk = index_t{1} << 14;

/// Calls fn(row, begin, end) over every row of a rows x length batch, cut
/// into chunks of about kChunk elements (several short rows per chunk, or
/// several chunks per long row). Up to num_threads() workers started by
/// parallel_for take chunks from a shared counter, so a thread that the OS
/// delays (busy machine) does not hold up the others as a static split
/// would. Elementwise results do not depend on which thread ran a chunk.
/// `grain`: elements worth one extra thread (kGrainArith/Exp/Trig).
template <class Fn>
void for_each_chunk(index_t rows, index_t length, index_t grain, Fn&& fn) {
    if (rows <= 0 || length <= 0) return;
    const index_t per_row = std::max<index_t>(1, (length + kChunk - 1) / kChunk);
    const index_t rows_per = length >= kChunk ? 1 : std::max<index_t>(1, kChunk / length);
    const index_t units = length >= kChunk ? rows * per_row : (rows + rows_per - 1) / rows_per;
    auto run = [&](index_t u) {
        if (length >= kChunk) {
            const index_t r = u / per_row, c = u % per_row;
            fn(r, length * c / per_row, length * (c + 1) / per_row);
        } else {
            for (index_t r = u * rows_per; r < std::min(rows, (u + 1) * rows_per); ++r)
                fn(r, index_t{0}, length);
        }
    };
    const index_t workers = std::min<index_t>(num_threads(), rows * length / grain);
    if (workers <= 1 || in_parallel_region) {
        for (index_t u = 0; u < units; ++u) run(u);
        return;
    }
    std::atomic<index_t> next{0};
    parallel_for(workers, 1, [&](index_t lo, index_t hi) {
        for (index_t w = lo; w < hi; ++w)
            for (index_t u = next.fetch_add(1, std::memory_order_relaxed); u < units;
                 u = next.fetch_add(1, std::memory_order_relaxed))
                run(u);
    });
}

/// Offsets of a one-row batch.
inline constexpr index_t kZeroOffset[1] = {0};

/// A contiguous span as a batch of one row.
template <class T>
Rows<T> one_row(std::span<T> s) noexcept {
    return {s.data(), static_cast<index_t>(s.size()), 1, std::span<const index_t>(kZeroOffset)};
}

/// std::invalid_argument unless `b` has the shape (rows x length) of `a`.
template <class A, class B>
void require_same_shape(const char* func, const char* a_name, Rows<A> a, const char* b_name,
                        Rows<B> b) {
    require(a.count() == b.count() && a.length == b.length, func, b_name, " has ", b.count(),
            " rows of ", b.length, " elements, ", a_name, " has ", a.count(), " rows of ",
            a.length);
}

}  // namespace fastcpp::detail
