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
        for (int i = 0; i < job.open_slots && i < sleeping_; ++i) work_ready_.notify_one();
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
        for (;;) {
            spin_until([&] { return open_slots_.load(std::memory_order_acquire) > 0; });
            CrewJob* job = nullptr;
            {
                std::unique_lock lock(mutex_);
                while (head_ == nullptr) {
                    ++sleeping_;
                    work_ready_.wait(lock);
                    --sleeping_;
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
    std::condition_variable work_ready_;  // a job was offered
    std::condition_variable job_done_;    // a helper finished its task
    CrewJob* head_ = nullptr;             // jobs with open slots, oldest first
    CrewJob* tail_ = nullptr;
    std::atomic<int> open_slots_{0};  // their open slots together: what spinners watch
    int threads_ = 0;
    int sleeping_ = 0;
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
