#include "fastcpp/detail/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>

#include "fastcpp/detail/parallel.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

namespace fastcpp::detail {
namespace {

/// How long a helper keeps looking for work after its task before it sleeps,
/// and how long a caller spins for its helpers before it sleeps. Calls in a
/// loop (a Python loop over images) then find their helper awake; the price
/// is one core busy for this long after the last parallel call.
constexpr auto kSpin = std::chrono::microseconds(50);

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// Spins until ready() or kSpin has passed; true if ready() held.
template <class Ready>
bool spin_until(Ready&& ready) noexcept {
    const auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (;;) {
        for (int i = 0; i < 16; ++i) {
            if (ready()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= deadline) return ready();
    }
}

/// A parked helper: offer() wakes it by name, so it can steer it first.
struct Sleeper {
    std::condition_variable wake;
    bool woken = false;
    Sleeper* next = nullptr;
#if defined(__linux__)
    pthread_t self{};
    bool steered = false;  // its CPUs were narrowed by Steer::apply: widen them back
    cpu_set_t restore{};   // to these
#endif
};

#if defined(__linux__)
/// Where a woken helper runs. Linux places a woken thread on an idle CPU
/// only if it sees one as available; a VM's halted vCPU may count as busy
/// (its host thread is preempted), and then the helper queues behind its
/// caller on the caller's CPU until the load balancer moves it, a tick or
/// more later (sched_switch traces on a 2-vCPU VM: a 10M-value dot after a
/// 0.2 s pause ran at one thread's speed in about half its calls). So
/// before waking a helper, the caller takes its own CPU out of the helper's
/// allowed set; the helper, once running elsewhere, allows it again.
class Steer {
public:
    /// For wakes from the calling thread: true if there is another CPU.
    bool prepare() noexcept {
        if (sched_getaffinity(0, sizeof all_, &all_) != 0) return false;
        const int cpu = sched_getcpu();
        if (cpu < 0 || !CPU_ISSET(cpu, &all_) || CPU_COUNT(&all_) < 2) return false;
        others_ = all_;
        CPU_CLR(cpu, &others_);
        return true;
    }
    /// Narrows the parked helper s to the other CPUs.
    void apply(Sleeper& s) const noexcept {
        s.steered = pthread_setaffinity_np(s.self, sizeof others_, &others_) == 0;
        s.restore = all_;
    }

private:
    cpu_set_t all_{}, others_{};
};
#endif

}  // namespace

class Pool {
public:
    void offer(CrewJob& job, int helpers) noexcept {
        const std::lock_guard lock(mutex_);
        start_threads(helpers);
        if (threads_ == 0) return;  // none could start: the caller does it all
        // No more slots than threads: a slot no thread can take would only
        // make a helper run the task a second time, to find no work left.
        job.open_slots = std::min(helpers, threads_);
        job.next = nullptr;
        (tail_ == nullptr ? head_ : tail_->next) = &job;
        tail_ = &job;
        open_slots_.fetch_add(job.open_slots, std::memory_order_release);
        // Spinning helpers find the job themselves; parked ones are woken,
        // one per slot left, the most recently parked first.
#if defined(__linux__)
        Steer steer;
        const bool steering = sleepers_ != nullptr && steer.prepare();
#endif
        for (int i = 0; i < job.open_slots && sleepers_ != nullptr; ++i) {
            Sleeper& s = *sleepers_;
            sleepers_ = s.next;
#if defined(__linux__)
            if (steering) steer.apply(s);
#endif
            s.woken = true;
            s.wake.notify_one();
        }
    }

    void withdraw_and_wait(CrewJob& job) noexcept {
        {
            const std::lock_guard lock(mutex_);
            if (job.open_slots > 0) unlink(job);
        }
        const auto done = [&] { return job.running.load(std::memory_order_acquire) == 0; };
        if (spin_until(done)) return;
        std::unique_lock lock(mutex_);
        ++waiting_;
        job_done_.wait(lock, done);
        --waiting_;
    }

    [[nodiscard]] int threads() noexcept {
        const std::lock_guard lock(mutex_);
        return threads_;
    }

private:
    // Holds mutex_. A thread that cannot start (EAGAIN, an address-space
    // cap) is not an error: fewer helpers come, the caller takes the rest.
    void start_threads(int wanted) noexcept {
        while (threads_ < wanted) {
            try {
                std::thread([this] { work(); }).detach();
            } catch (...) {
                return;
            }
            ++threads_;
        }
    }

    // Holds mutex_: takes `job`'s open slots off the list.
    void unlink(CrewJob& job) noexcept {
        CrewJob** link = &head_;
        CrewJob* prev = nullptr;
        while (*link != &job) {
            prev = *link;
            link = &(*link)->next;
        }
        *link = job.next;
        if (tail_ == &job) tail_ = prev;
        open_slots_.fetch_sub(job.open_slots, std::memory_order_relaxed);
        job.open_slots = 0;
    }

    [[noreturn]] void work() noexcept {
        Sleeper me;
#if defined(__linux__)
        me.self = pthread_self();
#endif
        for (;;) {
            spin_until([&] { return open_slots_.load(std::memory_order_acquire) > 0; });
            CrewJob* job = nullptr;
            {
                std::unique_lock lock(mutex_);
                while (head_ == nullptr) {
                    me.woken = false;
                    me.next = sleepers_;
                    sleepers_ = &me;
                    me.wake.wait(lock, [&] { return me.woken; });  // offer() unlinked it
#if defined(__linux__)
                    if (me.steered) {  // running on another CPU now: allow them all again
                        me.steered = false;
                        const cpu_set_t all = me.restore;
                        lock.unlock();
                        pthread_setaffinity_np(me.self, sizeof all, &all);
                        lock.lock();
                    }
#endif
                }
                job = head_;
                job->running.fetch_add(1, std::memory_order_relaxed);
                open_slots_.fetch_sub(1, std::memory_order_relaxed);
                if (--job->open_slots == 0) unlink(*job);
            }
            job->task(job->context);  // parallel_for's task catches every exception
            const std::lock_guard lock(mutex_);
            // The last touch of *job: its owner may return as soon as it sees 0.
            job->running.fetch_sub(1, std::memory_order_release);
            if (waiting_ > 0) job_done_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable job_done_;  // a helper finished its task
    CrewJob* head_ = nullptr;           // jobs with open slots, oldest first
    CrewJob* tail_ = nullptr;
    std::atomic<int> open_slots_{0};  // their open slots together: what spinners watch
    Sleeper* sleepers_ = nullptr;     // parked helpers, the last parked first
    int threads_ = 0;
    int waiting_ = 0;
};

namespace {

std::atomic<Pool*> current_pool{nullptr};

#if defined(__unix__) || defined(__APPLE__)
// In a child of fork() only the forking thread exists: the pool's threads,
// and any helper lease a call on another thread held, are gone. The child
// starts a pool of its own; the parent's object (whose mutex may be held by
// a thread that does not exist here) is left alone.
void forget_pool_in_child() noexcept {
    current_pool.store(nullptr, std::memory_order_relaxed);
    helpers_running().store(0, std::memory_order_relaxed);
}
#endif

/// The process's pool, made on first use; null if it cannot be allocated.
Pool* pool() noexcept {
    Pool* p = current_pool.load(std::memory_order_acquire);
    if (p != nullptr) return p;
    static const bool registered = [] {
#if defined(__unix__) || defined(__APPLE__)
        pthread_atfork(nullptr, nullptr, forget_pool_in_child);
#endif
        return true;
    }();
    (void)registered;
    // Never deleted: detached threads wait in it until the process ends.
    auto* fresh = new (std::nothrow) Pool;  // NOLINT(cppcoreguidelines-owning-memory)
    if (fresh == nullptr) return nullptr;
    if (current_pool.compare_exchange_strong(p, fresh, std::memory_order_acq_rel)) return fresh;
    delete fresh;  // NOLINT(cppcoreguidelines-owning-memory): another thread won
    return p;
}

}  // namespace

HelperCrew::HelperCrew(int helpers, void (*task)(void*), void* context) noexcept {
    job_.task = task;
    job_.context = context;
    if (helpers > 0) {
        pool_ = pool();
        if (pool_ != nullptr) pool_->offer(job_, helpers);
    }
}

HelperCrew::~HelperCrew() {
    if (pool_ != nullptr) pool_->withdraw_and_wait(job_);
}

int pool_threads() noexcept {
    Pool* p = pool();
    return p == nullptr ? 0 : p->threads();
}

}  // namespace fastcpp::detail
