// The generic training driver: one epoch of a compiled plan (plan.h) on
// memory the trainer owns, off the JS thread.
//
// A step is cut into pieces whose sizes depend only on the batch and the
// plan, never on the thread count T, so threads 1, 2, 3, ... give
// bit-identical parameters. Two barriers per step:
//   1. chunks: the batch rows are cut into nc chunks (num_chunks: at most
//      512 rows each, an even count, multiples of 8 rows); thread t takes chunks
//      [t nc / T, (t+1) nc / T). Per chunk: gather its rows, forward through
//      the steps, the fused output loss (gradient scaled for the mean over
//      the whole batch), backward down to the first dense (no dx there),
//      writing the chunk's bias column sums and (loss, correct) partials.
//      Every matrix a chunk reads here is one it wrote, or W.  -- barrier --
//   2. every thread sums the chunk losses in chunk order; a NaN/Inf total
//      stops the epoch with nothing applied.
//   3. weights: each dense's W rows are cut into blocks by its shape and the
//      trainer's batch size alone (num_blocks); task k of the fixed (layer, block) list runs on
//      thread k mod T: dW[block] = x[:, block]^T dz over the whole batch
//      (one GEMM whose dimensions do not depend on T), then the optimizer
//      update of those rows. Biases: each dense's columns split over T
//      (element-wise, so any split gives the same bits), db[j] = the chunk
//      partials summed in chunk order, then the update (no weight decay on
//      biases).                                                -- barrier --
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "optimizer.h"
#include "layer_stats.h"
#include "plan.h"
#include "thread_pool.h"

namespace descent {


// Chunks a batch of `count` rows is cut into (an even number, at most
// kChunkTarget rows each), and rows per chunk (the last smaller; a trailing
// chunk left empty is skipped); blocks of W rows likewise. Measured on a
// 2-core EPYC (OpenBLAS Haswell kernels): a 128-row GEMM is ~4% slower
// than a 512-row one, 256 ~1-3%, 64 ~8%; with 256-row targets the
// 784-1024-1024-10 b1024 step ran 3-5% slower than with 512: chunks stay
// large. A batch of 1024 is two chunks, as many as two cores can share.
constexpr int kChunkTarget = 512;
int num_chunks(int count);
int chunk_rows(int count);
// Blocks a dense layer's W rows are cut into for the weight gradient, and
// rows per block, from the layer's shape and the trainer's batch size. A
// layer whose gradient is under kMinBlockMacs multiply-adds stays one
// block: a second GEMM call costs more than a thread can win there (the
// 64-32-10 b32 step was 5% slower with its first layer in two blocks).
constexpr double kMinBlockMacs = 1 << 20;
int num_blocks(int inputs, int units, int max_batch);
int block_rows(int inputs, int units, int max_batch);

// The training set, copied in on the JS thread (the worker never reads JS memory).
struct TrainingData {
  FloatBuffer x;                       // x is (n, inputs), or empty when x_bytes holds the inputs
  AlignedBuffer<std::uint8_t> x_bytes;  // x_bytes is (n, inputs) of value / x_scale, or empty
  float x_scale = 1.0f;                // an input is x_bytes * x_scale
  long n = 0;
  AlignedBuffer<std::int32_t> labels;  // labels is (n), checked in [0, classes); empty when absent
  FloatBuffer targets;                 // targets is (n, outputs); empty when absent
  bool has_labels = false;
  bool has_targets = false;
  bool bytes = false;                  // the inputs are x_bytes
};

struct EpochOutcome {
  double loss_sum = 0.0;   // sum of per-sample losses over the applied batches
  long correct = 0;        // correctly classified samples among them
  long samples = 0;        // samples in the applied batches
  long steps = 0;          // batches applied
  long failed_batch = -1;  // index of the batch whose loss was NaN/Inf, or -1
  double failed_loss = 0;  // its mean loss
  bool aborted = false;    // stopped by cancel() or dispose
};

class TrainerCore {
 public:
  // Takes ownership of the data, params (plan.size) and moments (slots *
  // plan.size); allocates every workspace for batches of up to max_batch
  // rows and starts its threads (a lead thread that runs the epochs and
  // threads-1 helpers), all at the background priority (thread_pool.h).
  TrainerCore(const CompiledPlan& plan, const UpdateHyper& hyper, int max_batch, int threads, double seed,
              long long step, TrainingData data, FloatBuffer params, FloatBuffer moments);
  ~TrainerCore();
  TrainerCore(const TrainerCore&) = delete;
  TrainerCore& operator=(const TrainerCore&) = delete;

  int threads() const { return threads_; }
  int max_batch() const { return max_batch_; }
  long n() const { return data_.n; }
  // The data buffers, allocated for n rows, for the binding to fill on the
  // JS thread before the first epoch (train_epoch reads them).
  TrainingData& data_to_fill() { return data_; }
  const CompiledPlan& plan() const { return plan_; }
  // Optimizer updates applied so far, including config.step.
  long long step() const { return step_.load(std::memory_order_acquire); }
  const FloatBuffer& params() const { return params_; }
  const FloatBuffer& moments() const { return moments_; }
  // Between epochs only: params and moments copied from (load) or to
  // (store) arrays of plan.size and slots * plan.size floats (either may be
  // null: nothing is copied for it), on the caller's thread.
  void load(const float* params, const float* moments);
  void store(float* params, float* moments) const;

  // Stops a running epoch before its next batch. Any thread may call it;
  // clear_cancel() (JS thread, before an epoch is queued) resets it.
  void cancel() { cancel_.store(true, std::memory_order_relaxed); }
  void clear_cancel() { cancel_.store(false, std::memory_order_relaxed); }
  // Like cancel, for good (dispose): never cleared.
  void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }

  // Runs the batches order[0..batch), order[batch..2 batch), ... of one
  // epoch on the owned buffers. Allocates nothing. Preconditions (checked by
  // the caller): order values < n, 1 <= batch_size <= max_batch, epoch >= 1.
  EpochOutcome train_epoch(const std::uint32_t* order,  // order is (order_length)
                           long order_length, int batch_size, double lr, std::uint32_t epoch);

  // Collect per-layer statistics in every later epoch (layer_stats.h). Off by
  // default: training without it does none of the work. Between epochs only.
  void enable_probe();
  bool probing() const { return probe_; }
  // The last epoch's statistics, dense and activation layers in plan order.
  const std::vector<LayerStats>& layer_stats() const { return stats_; }

 private:
  struct Task {
    int dense;  // index into plan_.dense_steps
    int begin;  // W rows [begin, end)
    int end;
  };
  struct alignas(64) Partial {
    double loss_sum;
    long correct;
  };
  struct Epoch {
    const std::uint32_t* order;
    long order_length;
    int batch_size;
    double lr;
    std::uint32_t epoch;
    long long first_step;
    EpochOutcome outcome;
  };

  static void run_epoch(void* self);
  void epoch_on_lead();  // the epoch set up in epoch_, on lead_
  static void run_thread(void* self, int thread);
  void epoch_thread(int thread);
  bool stop_requested() const;
  // Gathers, forward, loss and backward of rows [r0, r1) of the batch.
  // x, labels, targets: the batch's rows (gathered, or the data set in place).
  void run_chunk(int chunk, int r0, int r1, int count, const std::uint32_t* index, bool consecutive,
                 const float* x, const std::int32_t* labels, const float* targets, long batch_index);
  float* value(int buffer, int r0) {
    return values_[buffer].data() + static_cast<long>(r0) * plan_.widths[buffer];
  }
  float* grad(int buffer, int r0) {
    return grads_buf_[buffer].data() + static_cast<long>(r0) * plan_.widths[buffer];
  }

  CompiledPlan plan_;
  UpdateHyper hyper_;  // lr and step filled per update
  int max_batch_;
  int threads_;
  double seed_;
  int slots_;
  std::atomic<long long> step_;

  TrainingData data_;
  FloatBuffer params_;   // (size)
  FloatBuffer moments_;  // (slots, size)
  FloatBuffer grads_;    // (size)

  FloatBuffer batch_x_;                       // (max_batch, inputs): the gathered batch
  AlignedBuffer<std::int32_t> batch_labels_;  // (max_batch)
  FloatBuffer batch_targets_;                 // (max_batch, outputs)
  std::vector<FloatBuffer> values_;           // [buffer] is (max_batch, width)
  std::vector<FloatBuffer> grads_buf_;        // [buffer] is dL/d(values_[buffer])
  std::vector<Task> tasks_;                   // the weight-gradient tasks, in their fixed order
  std::vector<Range> bias_split_;             // [dense * threads + t]: bias columns of thread t
  std::vector<long> bias_offset_;             // [dense]: where its columns start in a chunk's partials
  long bias_stride_ = 0;                      // floats per chunk in bias_partials_
  std::vector<Partial> partials_;             // (max chunks)
  FloatBuffer bias_partials_;                 // (max chunks, bias_stride_)
  std::unique_ptr<ThreadPool> pool_;         // threads 1.. of a step (thread 0 is lead_)
  std::unique_ptr<BackgroundThread> lead_;   // runs the epochs

  Epoch epoch_{};
  std::atomic<bool> cancel_{false};
  std::atomic<bool> stop_requested_{false};
  // Written by thread 0 before a barrier, read by all after it.
  bool stop_ = false;

  // The statistics mode (enable_probe). An observed activation: the buffer a
  // hidden activation writes (a dense step's when fused) and its plan layer.
  struct Observed {
    int step;
    int layer;
    Act act;
    int width;
    long stats;  // index in stats_
  };
  void observe_chunk(int step_index, int c, int r0, int rows);
  void merge_chunks(int chunks, int count);
  void merge_tasks();
  bool probe_ = false;
  std::vector<LayerStats> stats_;
  std::vector<Observed> observed_;
  std::vector<long> dense_stats_;                    // [dense] index in stats_
  std::vector<AlignedBuffer<std::uint8_t>> alive_;   // [observed] (units): ever non-zero this epoch
  std::vector<AlignedBuffer<std::uint8_t>> chunk_alive_;  // [observed] (max chunks, units) in this batch
  std::vector<std::vector<long>> chunk_saturated_;   // [observed][chunk]
  std::vector<double> task_grad_squares_;            // [task] in this batch
  std::vector<double> task_update_squares_;          // [task] in this batch
  std::vector<FloatBuffer> update_scratch_;          // [thread]: a task's weights before its update
};

}  // namespace descent
