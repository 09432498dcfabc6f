// A small pool of persistent threads for the training step: the caller is
// thread 0 and runs a job together with threads-1 helpers, which sleep
// between jobs. Inside a job the threads meet at a barrier that spins
// briefly and then sleeps, so a step pays no thread creation and, when the
// threads arrive together, no system call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
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

class ThreadPool {
 public:
  using JobFn = void (*)(void* context, int thread);

  explicit ThreadPool(int threads);
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
  Barrier barrier_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::uint64_t job_generation_ = 0;
  int running_ = 0;
  bool stopping_ = false;
  JobFn fn_ = nullptr;
  void* context_ = nullptr;
};

// CPUs this process may run on (its affinity mask on Linux).
int available_cpus();

}  // namespace descent
