#pragma once
/// @file detail/thread_pool.hpp
/// The helper threads behind parallel_for: started once, on first need, and
/// parked between calls, so a parallel call costs a wake-up (a few us, none
/// when a helper is still spinning after the previous call) instead of a
/// thread start (~20-50 us on a VM) per helper. On Linux a parked helper is
/// woken on a CPU other than its caller's (thread_pool.cpp, Steer): left to
/// the scheduler, a VM's helper could queue behind its caller on one CPU
/// while the other stood idle.
///
/// The pool holds at most helper_budget() threads: the HelperLease that
/// parallel_for takes first bounds how many helpers all calls of the process
/// use at once, so the pool never needs more. In a child of fork() the pool
/// is empty again (its threads did not cross the fork) and starts anew.

#include <atomic>

namespace fastcpp::detail {

class Pool;

/// One parallel call's offer of work to pooled helpers. The caller keeps it
/// on its stack: a helper touches it only between claiming a slot and
/// finishing `task`, and ~HelperCrew waits for every such helper.
struct CrewJob {
    void (*task)(void*) = nullptr;
    void* context = nullptr;
    int open_slots = 0;           // helpers still wanted; guarded by the pool
    std::atomic<int> running{0};  // helpers inside task(context)
    CrewJob* next = nullptr;      // the pool's list of jobs with open slots
};

/// Lends up to `helpers` pooled threads to task(context) for its lifetime:
/// each one that is free in time runs task(context) once. The destructor
/// withdraws the slots no helper claimed and waits for those that did, so
/// the caller runs task(context) itself between the two (the task must take
/// its work from shared counters, as parallel_for's chunk counter does).
class HelperCrew {
public:
    HelperCrew(int helpers, void (*task)(void*), void* context) noexcept;
    ~HelperCrew();
    HelperCrew(const HelperCrew&) = delete;
    HelperCrew& operator=(const HelperCrew&) = delete;

private:
    CrewJob job_;
    Pool* pool_ = nullptr;  // the pool offered to, if any
};

/// Threads the pool has started so far in this process (for tests).
[[nodiscard]] int pool_threads() noexcept;

}  // namespace fastcpp::detail
