// The whole-network training step and the epoch runner, on raw pointers.
//
// One step, split over T threads (T = 1 runs the same code with no-op
// barriers), with two barriers per step:
//   1. rows: each thread gathers its rows of the batch and runs on them the
//      forward pass (GEMM, then bias + activation in one pass), the fused
//      output activation + loss + dz, and the backward pass down to the
//      first layer (dx = dz W^T, then dz *= act'), summing its rows' bias
//      gradients. Every matrix a thread reads here is one it wrote, or W.
//                                                              -- barrier --
//   2. every thread sums the per-thread losses in thread order; a NaN/Inf
//      total stops the epoch with nothing applied.
//   3. columns: per layer, thread t owns rows [i0, i1) of W: it computes
//      dW[i0:i1] = x[:, i0:i1]^T dz over the whole batch and applies the
//      optimizer to W[i0:i1] at once; likewise a slice of the biases, from
//      the per-thread sums added in thread order.              -- barrier --
// No gradient is reduced across per-thread copies of W, and the arithmetic
// of each element depends only on T: a fixed thread count gives
// bit-identical results. (Splitting wide layers' forward pass by output
// columns was measured: no faster.)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "network.h"
#include "optimizer.h"

namespace descent {

class ThreadPool;

struct OptimizerConfig {
  int kind;  // an Optimizer code
  double momentum;
  bool nesterov;
  double beta1;
  double beta2;
  double epsilon;
  double weight_decay;  // on weights only, never biases
};

// Training data, read in place (never copied whole).
struct TrainingSet {
  const float* x;               // x is (n, inputs), or null when x_bytes holds the inputs
  const std::uint8_t* x_bytes;  // x_bytes is (n, inputs) of value / x_scale, or null
  float x_scale;                // an input is x_bytes * x_scale
  long n;
  const std::int32_t* labels;   // labels is (n), or null
  const float* targets;         // targets is (n, outputs), or null
};

struct EpochOutcome {
  double loss_sum = 0.0;   // sum of per-sample losses over the applied batches
  long correct = 0;        // correctly classified samples among them
  long samples = 0;        // samples in the applied batches
  long steps = 0;          // batches applied
  long failed_batch = -1;  // index of the batch whose loss was NaN/Inf, or -1
  double failed_loss = 0;  // its mean loss
  bool aborted = false;    // stopped by the cancel flag
};

class TrainerCore {
 public:
  // Allocates every workspace for batches of up to max_batch rows and
  // starts threads-1 helper threads (threads as chosen by choose_threads).
  TrainerCore(const NetworkShape& shape, const OptimizerConfig& optimizer, int max_batch, int threads,
              bool has_labels, bool has_targets);
  ~TrainerCore();
  TrainerCore(const TrainerCore&) = delete;
  TrainerCore& operator=(const TrainerCore&) = delete;

  int threads() const { return threads_; }
  int max_batch() const { return max_batch_; }
  const NetworkShape& shape() const { return shape_; }
  long updates() const { return updates_; }
  // Makes a running (or the next) epoch stop before its next batch, as the
  // cancel flag does; for shutting a trainer down. Any thread may call it.
  void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }

  // Runs the batches order[0..batch), order[batch..2 batch), ... of one
  // epoch, updating params in place. cancel (may be null) is read before
  // every batch; a non-zero value stops the epoch. Allocates nothing.
  // Preconditions (checked by the caller): order values < data.n, labels
  // in range, 1 <= batch_size <= max_batch.
  EpochOutcome train_epoch(float* params,                 // params is (shape.param_count)
                           const TrainingSet& data,
                           const std::uint32_t* order,    // order is (order_length)
                           long order_length, int batch_size, double lr,
                           const std::int32_t* cancel);   // cancel is (1), or null

 private:
  struct Range {
    int begin;
    int end;
  };
  struct alignas(64) Partial {
    double loss_sum;
    long correct;
  };
  struct Epoch {
    float* params;
    TrainingSet data;
    const std::uint32_t* order;
    long order_length;
    int batch_size;
    double lr;
    const std::int32_t* cancel;
    long first_update;
    EpochOutcome outcome;
  };

  static void run_thread(void* self, int thread);
  void epoch_thread(int thread);
  bool cancel_requested() const;
  static Range split(int count, int parts, int part, int align);

  NetworkShape shape_;
  OptimizerConfig optimizer_;
  int max_batch_;
  int threads_;
  long updates_ = 0;  // optimizer steps applied so far (Adam's bias correction)

  FloatBuffer batch_x_;        // (max_batch, inputs): the gathered batch
  std::vector<std::int32_t> batch_labels_;  // (max_batch)
  FloatBuffer batch_targets_;  // (max_batch, outputs)
  std::vector<FloatBuffer> activations_;  // [l] is (max_batch, outputs of l); the last holds logits
  std::vector<FloatBuffer> deltas_;       // [l] is dL/d(activations_[l]), then dz
  FloatBuffer grads_;          // (param_count)
  FloatBuffer moment1_;        // (param_count) or empty
  FloatBuffer moment2_;        // (param_count) or empty
  std::vector<Range> input_split_;   // [l * threads + t]: rows of W_l owned by thread t
  std::vector<Range> output_split_;  // [l * threads + t]: biases of layer l owned by thread t
  std::vector<Partial> partials_;    // (threads)
  FloatBuffer bias_partials_;        // (threads, bias_partial_stride_): per-thread bias gradient sums
  std::vector<long> bias_partial_offset_;  // [l]: where layer l's biases start in a thread's sums
  long bias_partial_stride_ = 0;
  std::unique_ptr<ThreadPool> pool_;

  Epoch epoch_{};
  std::atomic<bool> stop_requested_{false};
  // Written by thread 0 before a barrier, read by all after it.
  bool stop_ = false;
};

}  // namespace descent
