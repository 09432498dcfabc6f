#include "thread_pool.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "simd.h"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#endif
#if defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace descent {

namespace {
// About 20-60 us of spinning before sleeping: longer than a balanced
// barrier ever waits inside a step, far shorter than a time slice.
constexpr int kSpinIterations = 1 << 12;
}  // namespace

void Barrier::wait() {
  if (count_ <= 1) return;
  const std::uint32_t generation = generation_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) == count_ - 1) {
    arrived_.store(0, std::memory_order_relaxed);
    // seq_cst on generation_ and sleepers_: a sleeper either sees the new
    // generation or is counted before we decide whether to notify.
    generation_.store(generation + 1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      cv_.notify_all();
    }
    return;
  }
  for (int i = 0; i < kSpinIterations; i++) {
    if (generation_.load(std::memory_order_acquire) != generation) return;
    DESCENT_CPU_RELAX();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  while (generation_.load(std::memory_order_seq_cst) == generation) cv_.wait(lock);
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
}

namespace {
std::atomic<int> background_nice_value{kBackgroundNice};
}  // namespace

int background_nice() { return background_nice_value.load(std::memory_order_relaxed); }

void set_background_nice(int nice) { background_nice_value.store(std::clamp(nice, 0, 19), std::memory_order_relaxed); }

void lower_thread_priority() {
#if defined(__linux__)
  // On Linux a nice value belongs to each thread (PRIO_PROCESS with a
  // thread id); the process's own (its main thread's) is the reference.
  const id_t self = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int base = getpriority(PRIO_PROCESS, static_cast<id_t>(getpid()));
  if (base == -1 && errno != 0) return;
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, self);
  if (current == -1 && errno != 0) return;
  const int target = std::min(19, base + background_nice());
  if (current < target) setpriority(PRIO_PROCESS, self, target);
#elif defined(__APPLE__)
  pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0);
#endif
}

void name_thread(const char* name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
  pthread_setname_np(name);
#else
  (void)name;
#endif
}

BackgroundThread::BackgroundThread(const char* name) {
  thread_ = std::thread([this, name] {
    name_thread(name);
    lower_thread_priority();
    loop();
  });
}

BackgroundThread::~BackgroundThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void BackgroundThread::run(JobFn fn, void* context) {
  std::unique_lock<std::mutex> lock(mutex_);
  fn_ = fn;
  context_ = context;
  error_ = nullptr;
  pending_ = true;
  wake_.notify_one();
  while (pending_) done_.wait(lock);
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void BackgroundThread::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (!pending_ && !stopping_) wake_.wait(lock);
    if (stopping_) return;
    lock.unlock();
    std::exception_ptr error;
    try {
      fn_(context_);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    error_ = error;
    pending_ = false;
    done_.notify_one();
  }
}

ThreadPool::ThreadPool(int threads, Priority priority, const char* name)
    : threads_(threads < 1 ? 1 : threads), priority_(priority), name_(name), barrier_(threads < 1 ? 1 : threads) {
  helpers_.reserve(threads_ - 1);
  try {
    for (int t = 1; t < threads_; t++) helpers_.emplace_back([this, t] { helper_loop(t); });
  } catch (...) {
    stop_helpers();
    throw;
  }
}

void ThreadPool::stop_helpers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_seq_cst);
    job_generation_.fetch_add(1, std::memory_order_seq_cst);
  }
  wake_.notify_all();
  for (auto& helper : helpers_) helper.join();
  helpers_.clear();
}

ThreadPool::~ThreadPool() { stop_helpers(); }

void ThreadPool::run(JobFn fn, void* context) {
  if (threads_ == 1) {
    fn(context, 0);
    return;
  }
  fn_ = fn;
  context_ = context;
  running_.store(threads_ - 1, std::memory_order_relaxed);
  // seq_cst on job_generation_ and sleeping_helpers_: a helper going to
  // sleep either sees the new generation or is counted before we decide
  // whether to notify (as in Barrier::wait).
  job_generation_.fetch_add(1, std::memory_order_seq_cst);
  if (sleeping_helpers_.load(std::memory_order_seq_cst) > 0) {
    // Passing through the mutex orders us after any helper between its
    // check and its wait; notifying after unlocking lets the woken helper
    // take the mutex at once.
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  fn(context, 0);
  // The helpers usually finish with us (a job ends at a barrier): spin
  // briefly before sleeping.
  for (int i = 0; i < kSpinIterations; i++) {
    if (running_.load(std::memory_order_acquire) == 0) return;
    DESCENT_CPU_RELAX();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  caller_sleeping_.store(true, std::memory_order_seq_cst);
  while (running_.load(std::memory_order_seq_cst) > 0) done_.wait(lock);
  caller_sleeping_.store(false, std::memory_order_relaxed);
}

void ThreadPool::helper_loop(int thread) {
  if (name_ != nullptr) name_thread(name_);
  if (priority_ == Priority::Background) lower_thread_priority();
  std::uint64_t seen = 0;
  for (;;) {
    // Sleep until the next job. (Spinning here for the next job was
    // measured: on a machine with as many threads as cores, the spinning
    // helper delays the threads that start the next job more than the
    // wake-up it saves.)
    {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_helpers_.fetch_add(1, std::memory_order_seq_cst);
      while (job_generation_.load(std::memory_order_seq_cst) == seen) wake_.wait(lock);
      sleeping_helpers_.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = job_generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_acquire)) return;
    fn_(context_, thread);
    if (running_.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_sleeping_.load(std::memory_order_seq_cst)) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      done_.notify_one();
    }
  }
}

int available_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

Range split_range(int count, int parts, int part) {
  long chunk = (static_cast<long>(count) + parts - 1) / parts;
  if (count >= 8L * parts) chunk = (chunk + 7) / 8 * 8;
  const long begin = std::min<long>(count, part * chunk);
  return {static_cast<int>(begin), static_cast<int>(std::min<long>(count, begin + chunk))};
}

int threads_for_work(double flops, int batch, int requested, int max_threads, double min_flops_for_two,
                     double flops_per_thread_beyond_two) {
  if (requested > 0) return std::min(requested, max_threads);
  const int cpus = std::min(available_cpus(), max_threads);
  int threads = 1;
  if (flops >= min_flops_for_two) {
    threads = static_cast<int>(std::max(2.0, std::min<double>(flops / flops_per_thread_beyond_two, cpus)));
    threads = std::min(threads, cpus);
  }
  threads = std::min(threads, std::max(1, batch / 8));
  return std::max(threads, 1);
}

namespace {
std::mutex lease_mutex;
int lease_count = 0;
int leased_threads = 0;
int peak_extra_threads = 0;
}  // namespace

ThreadLease::ThreadLease(int wanted, bool named) {
  std::lock_guard<std::mutex> lock(lease_mutex);
  const int wanted_or_one = std::max(1, wanted);
  threads_ = named ? wanted_or_one : std::max(1, std::min(wanted_or_one, available_cpus() - leased_threads));
  lease_count += 1;
  leased_threads += threads_;
  peak_extra_threads = std::max(peak_extra_threads, leased_threads - lease_count);
}

ThreadLease::~ThreadLease() {
  if (threads_ == 0) return;
  std::lock_guard<std::mutex> lock(lease_mutex);
  lease_count -= 1;
  leased_threads -= threads_;
}

ThreadLease::Usage ThreadLease::usage() {
  std::lock_guard<std::mutex> lock(lease_mutex);
  return {lease_count, leased_threads, peak_extra_threads};
}

}  // namespace descent
