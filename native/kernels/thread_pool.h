// A small pool of persistent threads for the training step: the caller is
// thread 0 and runs a job together with threads-1 helpers, which sleep
// between jobs. Inside a job the threads meet at a barrier that spins
// briefly and then sleeps, so a step pays no thread creation and, when the
// threads arrive together, no system call. The caller, too, spins briefly
// for the helpers to finish before it sleeps.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace descent {

class Barrier {
 public:
  explicit Barrier(int count) : count_(count) {}
  // Blocks until all `count` threads have called wait().
  void wait();

 private:
  const int count_;
  alignas(64) std::atomic<int> arrived_{0};
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  std::atomic<int> sleepers_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
};

// Threads that compute in the background of a JS program (a trainer's
// epochs, predictAsync) run below the priority of the thread that started
// them (nice + kBackgroundNice on Linux): while they keep every core busy,
// the JS thread still gets a core the moment its event loop has work.
// Measured on a 2-core machine with an epoch running on both cores: the
// longest gap of a 1 ms timer fell from 13-67 ms to 7-9 ms, the epoch's
// time unchanged (nothing else wanted the cores).
constexpr int kBackgroundNice = 5;

// Lowers the calling thread to the background priority: the process's
// nice + background_nice() (at most 19). Never raises it; a no-op where
// the system has no per-thread priority.
void lower_thread_priority();
// How far below the process's priority background threads run: 0 to 19,
// kBackgroundNice unless set (DESCENT_BACKGROUND_NICE, read by the loader).
// Threads already started keep theirs.
int background_nice();
void set_background_nice(int nice);

// Names the calling thread (at most 15 characters: Linux's limit), as
// `top -H` and /proc/<pid>/task/<tid>/comm show it; threads it starts
// inherit the name.
void name_thread(const char* name);

enum class Priority { Normal, Background };

class ThreadPool {
 public:
  using JobFn = void (*)(void* context, int thread);

  // Background: the helpers lower their priority (lower_thread_priority)
  // when they start. A name names the helpers (name_thread).
  explicit ThreadPool(int threads, Priority priority = Priority::Normal, const char* name = nullptr);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }
  // Runs fn(context, t) for every t in [0, size()) at once, t = 0 on the
  // calling thread; returns when all have finished. Not reentrant.
  void run(JobFn fn, void* context);
  // For use inside a job: all size() threads meet here.
  void barrier() { barrier_.wait(); }

 private:
  void helper_loop(int thread);
  void stop_helpers();

  const int threads_;
  const Priority priority_;
  const char* const name_;
  Barrier barrier_;
  std::vector<std::thread> helpers_;
  // A job is published by bumping job_generation_ (fn_ and context_ are
  // written before it); helpers count themselves down in running_.
  alignas(64) std::atomic<std::uint64_t> job_generation_{0};
  alignas(64) std::atomic<int> running_{0};  // the caller spins on this line alone
  alignas(64) std::atomic<int> sleeping_helpers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  JobFn fn_ = nullptr;
  void* context_ = nullptr;
};

// One persistent thread at the background priority that runs jobs for a
// caller who waits: a trainer's epochs run there, not on the libuv thread
// that queued them (whose priority descent must not change: the program's
// file system and crypto work share it, and lowering a thread's priority
// cannot be undone without privileges).
class BackgroundThread {
 public:
  using JobFn = void (*)(void* context);
  explicit BackgroundThread(const char* name);  // starts the thread
  ~BackgroundThread();
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;
  // Runs fn(context) on the thread; returns when it has returned,
  // rethrowing what it threw. One caller at a time.
  void run(JobFn fn, void* context);

 private:
  void loop();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  JobFn fn_ = nullptr;
  void* context_ = nullptr;
  std::exception_ptr error_;
  bool pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

// Runs fn() on a new thread at the background priority and waits for it,
// rethrowing what it threw; on the calling thread when no thread can be
// started. Threads the job starts inherit its priority.
template <typename Fn>
void run_in_background(const char* name, Fn&& fn) {
  std::exception_ptr error;
  std::thread thread;
  try {
    thread = std::thread([&fn, &error, name] {
      name_thread(name);
      lower_thread_priority();
      try {
        fn();
      } catch (...) {
        error = std::current_exception();
      }
    });
  } catch (const std::system_error&) {
    fn();
    return;
  }
  thread.join();
  if (error) std::rethrow_exception(error);
}

// CPUs this process may run on (its affinity mask on Linux).
int available_cpus();

// The process-wide share of the CPUs. Every trainer (for its lifetime) and
// every predict call (for its duration) leases its threads here, in any
// worker thread or environment: a lease gets what it asks for while
// threads are free, and otherwise what is left, at least 1 (the calling
// thread itself). So 8 concurrent fits on 2 CPUs run 8 calling threads
// (at most libuv's pool size at a time), not 8 x 2. Results do not depend
// on the count granted: work is cut by the batch and plan alone. A count
// the user named (the `threads` option) is granted whole: they asked.
class ThreadLease {
 public:
  ThreadLease(int wanted, bool named);
  ~ThreadLease();
  ThreadLease(ThreadLease&& other) noexcept : threads_(other.threads_) { other.threads_ = 0; }
  ThreadLease(const ThreadLease&) = delete;
  ThreadLease& operator=(const ThreadLease&) = delete;
  ThreadLease& operator=(ThreadLease&&) = delete;
  int threads() const { return threads_; }

  struct Usage {
    int leases;      // leases held now
    int threads;     // threads they hold
    int peak_extra;  // the most threads ever held beyond one per lease (at most CPUs - 1 unless named)
  };
  static Usage usage();

 private:
  int threads_;
};

// A half-open range of rows or columns.
struct Range {
  int begin;
  int end;
  int count() const { return end - begin; }
};

// Part `part` of [0, count) cut into `parts` pieces whose boundaries are
// multiples of 8 when count allows (so threads do not share cache lines).
Range split_range(int count, int parts, int part);

// The threads a piece of work is worth: `requested` when positive (at most
// max_threads); otherwise 1 below min_flops_for_two, then one more per
// flops_per_thread_beyond_two, up to the CPUs this process may use, and
// never fewer than 8 batch rows per thread.
int threads_for_work(double flops, int batch, int requested, int max_threads, double min_flops_for_two,
                     double flops_per_thread_beyond_two);

}  // namespace descent
