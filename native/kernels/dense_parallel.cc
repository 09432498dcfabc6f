#include "dense_parallel.h"

#include <algorithm>
#include <mutex>

#include "dense.h"
#include "thread_pool.h"

namespace descent {

namespace {

// A call below this many flops stays on one thread. Unlike a training
// step, which wakes its pool once per epoch, every standalone call wakes a
// sleeping helper: some 10-15 us before it runs. Measured on a 2-core
// AVX-512 machine (relu, medians; runs vary by +-15%), 2 parts over 1:
// 0.25-0.45x at 0.26 MFLOP, 0.5-0.7x at 1-2, 0.9-1.15x at 2-4, 1.1-1.45x
// at 8, 1.45-1.6x at 17, 1.7x at 34, 1.9x at 130+. The margin above the
// ~3 MFLOP break-even is for busy machines.
constexpr double kMinFlopsForTwoThreads = 8.0e6;
// Beyond two threads (not measured here: this machine has two cores) each
// more thread must bring this much work.
constexpr double kMinFlopsPerThreadBeyondTwo = 8.0e6;
constexpr int kMaxParts = 64;


// The pool, created on first use and never destroyed: its helpers sleep
// until the process ends, and no thread is joined during static
// destruction. Null when the process may use one CPU or no thread could be
// started (every call then runs on the calling thread).
ThreadPool* shared_pool() {
  static ThreadPool* const pool = []() -> ThreadPool* {
    const int cpus = std::min(available_cpus(), kMaxParts);
    if (cpus < 2) return nullptr;
    try {
      return new ThreadPool(cpus);
    } catch (...) {
      return nullptr;
    }
  }();
  return pool;
}

// ThreadPool::run is not reentrant: one call at a time uses the pool.
std::mutex pool_mutex;

// A job of `parts` parts in one or two phases; every part of phase one
// finishes before any part of phase two starts.
struct Job {
  int parts;
  int workers = 1;
  ThreadPool* pool = nullptr;
  void (*phase1)(const Job&, int part) = nullptr;
  void (*phase2)(const Job&, int part) = nullptr;  // or null
  // The kernel's arguments.
  float* dw;
  float* db;
  float* dx;
  float* dy;
  float* y_out;  // the forward pass's output
  const float* x;
  const float* w;
  const float* b;
  const float* y;
  int batch;
  int inputs;
  int outputs;
  Act act;
};

void run_worker(void* context, int worker) {
  const Job& job = *static_cast<const Job*>(context);
  for (int part = worker; part < job.parts; part += job.workers) job.phase1(job, part);
  if (job.phase2 != nullptr) {
    if (job.pool != nullptr) job.pool->barrier();
    for (int part = worker; part < job.parts; part += job.workers) job.phase2(job, part);
  }
}

// Runs the job's parts on the pool, or all of them on this thread when
// there is no pool or another call holds it (same parts, same result).
// Every pool thread takes part in the job (and its barriers), those
// beyond `parts` with nothing to do.
void run(Job& job) {
  ThreadPool* pool = job.parts > 1 ? shared_pool() : nullptr;
  std::unique_lock<std::mutex> lock(pool_mutex, std::defer_lock);
  if (pool != nullptr && lock.try_lock()) {
    job.pool = pool;
    job.workers = pool->size();
    pool->run(&run_worker, &job);
  } else {
    job.pool = nullptr;
    job.workers = 1;
    run_worker(&job, 0);
  }
}

// Forward, part p: its batch rows, GEMM then bias and activation.
void forward_rows(const Job& job, int part) {
  const Range rows = split_range(job.batch, job.parts, part);
  if (rows.count() <= 0) return;
  float* y = job.y_out + static_cast<long>(rows.begin) * job.outputs;
  gemm_forward(y, job.x + static_cast<long>(rows.begin) * job.inputs, job.w, rows.count(), job.inputs, job.outputs);
  bias_activation(y, job.b, rows.count(), job.outputs, job.outputs, job.act);
}

// Backward phase one, part p: its batch rows of dz = dy * act'(y), then of
// dx = dz W^T (which needs only these rows of dz).
void backward_rows(const Job& job, int part) {
  const Range rows = split_range(job.batch, job.parts, part);
  if (rows.count() <= 0) return;
  float* dz = job.dy + static_cast<long>(rows.begin) * job.outputs;
  activation_backward(dz, job.y + static_cast<long>(rows.begin) * job.outputs, rows.count(), job.outputs,
                      job.outputs, job.act);
  if (job.dx != nullptr) {
    gemm_input_gradient(job.dx + static_cast<long>(rows.begin) * job.inputs, dz, job.w, rows.count(), job.inputs,
                        job.outputs, job.inputs);
  }
}

// Backward phase two, part p: its rows of dW = x^T dz (over the whole
// batch) and its columns of db.
void backward_weights(const Job& job, int part) {
  const Range in = split_range(job.inputs, job.parts, part);
  if (in.count() > 0) {
    gemm_weight_gradient(job.dw + static_cast<long>(in.begin) * job.outputs, job.x + in.begin, job.dy, job.batch,
                         in.count(), job.outputs, job.inputs);
  }
  const Range out = split_range(job.outputs, job.parts, part);
  if (out.count() > 0) column_sums(job.db + out.begin, job.dy + out.begin, job.batch, out.count(), job.outputs);
}

}  // namespace

int choose_dense_threads(double flops, int batch, int requested) {
  return threads_for_work(flops, batch, requested, kMaxParts, kMinFlopsForTwoThreads, kMinFlopsPerThreadBeyondTwo);
}

void dense_forward_parallel(float* y, const float* x, const float* w, const float* b, int batch, int inputs,
                            int outputs, Act act, int threads) {
  const double flops = 2.0 * batch * inputs * outputs;
  const int parts = choose_dense_threads(flops, batch, threads);
  if (parts <= 1) {
    dense_forward(y, x, w, b, batch, inputs, outputs, act);
    return;
  }
  Job job{};
  job.parts = parts;
  job.phase1 = &forward_rows;
  job.y_out = y;
  job.x = x;
  job.w = w;
  job.b = b;
  job.batch = batch;
  job.inputs = inputs;
  job.outputs = outputs;
  job.act = act;
  run(job);
}

void dense_backward_parallel(float* dw, float* db, float* dx, float* dy, const float* x, const float* w,
                             const float* y, int batch, int inputs, int outputs, Act act, int threads) {
  const double flops = (dx != nullptr ? 4.0 : 2.0) * batch * inputs * outputs;
  const int parts = choose_dense_threads(flops, batch, threads);
  if (parts <= 1) {
    dense_backward(dw, db, dx, dy, x, w, y, batch, inputs, outputs, act);
    return;
  }
  Job job{};
  job.parts = parts;
  job.phase1 = &backward_rows;
  job.phase2 = &backward_weights;
  job.dw = dw;
  job.db = db;
  job.dx = dx;
  job.dy = dy;
  job.x = x;
  job.w = w;
  job.y = y;
  job.batch = batch;
  job.inputs = inputs;
  job.outputs = outputs;
  job.act = act;
  run(job);
}

}  // namespace descent
