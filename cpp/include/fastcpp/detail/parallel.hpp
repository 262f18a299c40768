#pragma once
/// @file detail/parallel.hpp
/// The one threading mechanism of fastcpp. Kernels never start threads;
/// they hand independent ranges (rows or chunks) to parallel_for.

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#include "fastcpp/config.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

/// True on a thread that parallel_for started (or that is running one of
/// its ranges), so nested calls run inline instead of oversubscribing.
inline thread_local bool in_parallel_region = false;

/// Splits [0, n) into at most num_threads() contiguous ranges of at least
/// `grain` items and calls fn(begin, end) on each, one per thread; the
/// calling thread takes the last range. Ranges depend only on n, grain and
/// the thread count, so results are reproducible for a given setting.
/// Threads are started per call (no pool): simple, fork-safe, and ~20 us,
/// which is why `grain` must stand for far more work than that.
/// The first exception thrown by any range is rethrown after all joined.
template <class Fn>
void parallel_for(index_t n, index_t grain, Fn&& fn) {
    if (n <= 0) return;
    grain = std::max<index_t>(grain, 1);
    const index_t by_work = (n + grain - 1) / grain;
    const index_t parts =
        in_parallel_region ? 1 : std::min<index_t>(num_threads(), by_work);
    if (parts <= 1) {
        fn(index_t{0}, n);
        return;
    }
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
    auto run = [&](index_t p) {
        const index_t begin = n * p / parts;
        const index_t end = n * (p + 1) / parts;
        const bool was = in_parallel_region;
        in_parallel_region = true;
        try {
            fn(begin, end);
        } catch (...) {
            errors[static_cast<std::size_t>(p)] = std::current_exception();
        }
        in_parallel_region = was;
    };
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(parts - 1));
    for (index_t p = 0; p + 1 < parts; ++p) workers.emplace_back(run, p);
    run(parts - 1);
    for (auto& w : workers) w.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

/// Runs fn(row, begin, end) over every row of a batch, splitting long rows
/// into chunks too, so a single long row still uses every thread.
/// `grain` is the number of elements worth one thread start.
template <class Fn>
void parallel_rows(index_t rows, index_t length, index_t grain, Fn&& fn) {
    if (rows <= 0 || length <= 0) return;
    grain = std::max<index_t>(grain, 1);
    const index_t threads = in_parallel_region ? 1 : num_threads();
    if (threads <= 1 || rows * length < 2 * grain) {
        for (index_t r = 0; r < rows; ++r) fn(r, index_t{0}, length);
        return;
    }
    if (rows >= threads) {
        parallel_for(rows, std::max<index_t>(grain / length, 1), [&](index_t lo, index_t hi) {
            for (index_t r = lo; r < hi; ++r) fn(r, index_t{0}, length);
        });
        return;
    }
    // Fewer rows than threads: cut each row into chunks of at least `grain`.
    const index_t chunks = std::max<index_t>(
        1, std::min<index_t>((threads + rows - 1) / rows, length / grain));
    parallel_for(rows * chunks, 1, [&](index_t lo, index_t hi) {
        for (index_t it = lo; it < hi; ++it) {
            const index_t r = it / chunks, c = it % chunks;
            fn(r, length * c / chunks, length * (c + 1) / chunks);
        }
    });
}

}  // namespace fastcpp::detail
