#pragma once
/// @file detail/parallel.hpp
/// The one threading mechanism of fastcpp. Kernels never start threads;
/// they hand independent ranges (rows or chunks) to parallel_for.

#include <algorithm>
#include <atomic>
#include <exception>
#include <vector>

#include "fastcpp/config.hpp"
#include "fastcpp/detail/thread_pool.hpp"
#include "fastcpp/strided.hpp"

namespace fastcpp::detail {

/// Helper threads the whole process may run at once: CPUs - 1 (the calling
/// threads are the other CPU's worth), so many threads calling fastcpp at
/// once never start more threads than there are cores.
[[nodiscard]] int helper_budget() noexcept;

/// Helper threads running now, in every call of the process together.
[[nodiscard]] std::atomic<int>& helpers_running() noexcept;

/// Takes up to `want` helpers from the process-wide budget (compare-and-swap,
/// no lock); gives them back on destruction. Zero when the budget is spent:
/// the call then runs on its own thread.
class HelperLease {
public:
    explicit HelperLease(int want) noexcept {
        auto& running = helpers_running();
        const int budget = helper_budget();
        int cur = running.load(std::memory_order_relaxed);
        while (want > 0) {
            const int take = std::min(want, budget - cur);
            if (take <= 0) return;
            if (running.compare_exchange_weak(cur, cur + take, std::memory_order_acq_rel)) {
                count_ = take;
                return;
            }
        }
    }
    ~HelperLease() {
        if (count_ > 0) helpers_running().fetch_sub(count_, std::memory_order_acq_rel);
    }
    HelperLease(const HelperLease&) = delete;
    HelperLease& operator=(const HelperLease&) = delete;
    [[nodiscard]] int count() const noexcept { return count_; }

private:
    int count_ = 0;
};

/// True on a thread that parallel_for started (or that is running one of
/// its ranges), so nested calls run inline instead of oversubscribing.
inline thread_local bool in_parallel_region = false;

/// How many pieces `threads` threads (>= 2) cut work worth `by_work` of
/// them into: a few per thread, and when the work allows fewer, a multiple
/// of the thread count (pieces a little under their worth), so that the
/// threads finish together (3 pieces on 2 threads left one thread 2/3 of the
/// work); never more than the n items.
constexpr index_t balanced_pieces(index_t n, index_t by_work, index_t threads) noexcept {
    constexpr index_t kPiecesPerThread = 4;
    return std::min({n, (by_work + threads - 1) / threads * threads, threads * kPiecesPerThread});
}

/// Calls fn(begin, end) over contiguous ranges covering [0, n) on up to
/// num_threads() threads (the calling thread is one of them).
///
/// [0, n) is cut into fixed chunks of about `grain` items or more, a few
/// per thread and a multiple of the thread count where n allows; threads
/// take the next chunk from an atomic counter. The chunks depend only on n,
/// grain and the thread count, so per-chunk results are reproducible; taking
/// them dynamically means a thread that the OS descheduled (a shared, busy
/// machine) does not hold the others back. The helpers are pooled threads
/// (HelperCrew), parked between calls: one costs a wake-up of a few us, so
/// `grain` should stand for ~20 us of work or more. Their number comes from
/// the process-wide budget (HelperLease): when other calls hold it, fewer (or
/// no) helpers join and this thread takes more chunks; the chunks themselves
/// depend on the requested thread count only.
/// The first exception thrown by any chunk is rethrown after all joined.
template <class Fn>
void parallel_for(index_t n, index_t grain, Fn&& fn) {
    if (n <= 0) return;
    grain = std::max<index_t>(grain, 1);
    const index_t by_work = (n + grain - 1) / grain;
    const index_t threads = in_parallel_region ? 1 : std::min<index_t>(num_threads(), by_work);
    if (threads <= 1) {
        fn(index_t{0}, n);
        return;
    }
    // A uint8 4x4 median of 512² is 8 tiles worth 3 chunks: in 3 chunks on 2
    // threads it took 47 us where 40 was due; balanced, 4 chunks of 2 tiles.
    const index_t chunks = balanced_pieces(n, by_work, threads);
    std::atomic<index_t> next{0};
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(chunks));
    auto worker = [&] {
        const bool was = in_parallel_region;
        in_parallel_region = true;
        for (index_t c = next++; c < chunks; c = next++) {
            try {
                fn(n * c / chunks, n * (c + 1) / chunks);
            } catch (...) {
                errors[static_cast<std::size_t>(c)] = std::current_exception();
            }
        }
        in_parallel_region = was;
    };
    using Worker = decltype(worker);
    const HelperLease lease(static_cast<int>(threads - 1));
    {
        const HelperCrew crew(
            lease.count(), [](void* w) { (*static_cast<Worker*>(w))(); }, &worker);
        worker();
    }  // every helper that joined has finished here
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

/// Reduction helper: cuts [0, n) into ranges of about `grain` items or more (a
/// few per thread), computes part(begin, end) -> R for each in parallel and
/// returns the results in range order, so combining them left to right is
/// deterministic for a given thread count.
template <class R, class Part>
std::vector<R> map_ranges(index_t n, index_t grain, Part&& part) {
    grain = std::max<index_t>(grain, 1);
    // As parallel_for: 10^5 values worth 3 ranges make 4 on 2 threads.
    const index_t by_work = n / grain;
    const index_t threads = in_parallel_region ? 1 : std::min<index_t>(num_threads(), by_work);
    const index_t ranges = threads <= 1 ? 1 : balanced_pieces(n, by_work, threads);
    std::vector<R> out(static_cast<std::size_t>(ranges));
    parallel_for(ranges, 1, [&](index_t lo, index_t hi) {
        for (index_t r = lo; r < hi; ++r)
            out[static_cast<std::size_t>(r)] = part(n * r / ranges, n * (r + 1) / ranges);
    });
    return out;
}

/// Runs fn(row, begin, end) over every row of a rows x length batch on all
/// threads: whole rows batched together when rows are many, long rows cut
/// into pieces of at least `grain` elements when they are few, so a single
/// long row still uses every thread. Units go out dynamically (parallel_for),
/// a few per thread. `grain` is the number of elements worth one helper.
template <class Fn>
void parallel_rows(index_t rows, index_t length, index_t grain, Fn&& fn) {
    if (rows <= 0 || length <= 0) return;
    grain = std::max<index_t>(grain, 1);
    // Small work first: it needs neither the thread-local flag nor the count.
    const index_t threads =
        rows * length < 2 * grain ? 1 : (in_parallel_region ? 1 : num_threads());
    if (threads <= 1) {
        for (index_t r = 0; r < rows; ++r) fn(r, index_t{0}, length);
        return;
    }
    constexpr index_t kUnitsPerThread = 4;
    const index_t want = threads * kUnitsPerThread;
    if (rows >= want) {
        parallel_for(rows, std::max<index_t>(grain / length, 1), [&](index_t lo, index_t hi) {
            for (index_t r = lo; r < hi; ++r) fn(r, index_t{0}, length);
        });
        return;
    }
    // Few rows: cut each into pieces of at least `grain` elements.
    const index_t pieces =
        std::max<index_t>(1, std::min<index_t>((want + rows - 1) / rows, length / grain));
    parallel_for(rows * pieces, 1, [&](index_t lo, index_t hi) {
        for (index_t it = lo; it < hi; ++it) {
            const index_t r = it / pieces, c = it % pieces;
            fn(r, length * c / pieces, length * (c + 1) / pieces);
        }
    });
}

}  // namespace fastcpp::detail
