#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "codes.h"
#include "dense.h"
#include "output_loss.h"
#include "thread_pool.h"

namespace descent {

namespace {

// Rows are gathered from random places in the data set: fetching a few rows
// ahead keeps several cache misses in flight instead of one.
constexpr int kGatherAhead = 4;

inline void prefetch_row(const float* row, int count) {
#if defined(__GNUC__) || defined(__clang__)
  const char* bytes = reinterpret_cast<const char*>(row);
  const long size = static_cast<long>(count) * sizeof(float);
  for (long at = 0; at < size; at += 64) __builtin_prefetch(bytes + at, 0, 3);
#else
  (void)row;
  (void)count;
#endif
}

}  // namespace

TrainerCore::TrainerCore(const NetworkShape& shape, const OptimizerConfig& optimizer, int max_batch, int threads,
                         bool has_labels, bool has_targets)
    : shape_(shape), optimizer_(optimizer), max_batch_(max_batch), threads_(threads < 1 ? 1 : threads) {
  const std::size_t rows = static_cast<std::size_t>(max_batch_);
  batch_x_ = FloatBuffer(rows * shape_.inputs());
  if (has_labels) batch_labels_.assign(rows, 0);
  if (has_targets) batch_targets_ = FloatBuffer(rows * shape_.outputs());
  for (const LayerSlot& slot : shape_.layers) {
    activations_.emplace_back(rows * slot.outputs);
    deltas_.emplace_back(rows * slot.outputs);
  }
  const std::size_t params = static_cast<std::size_t>(shape_.param_count);
  grads_ = FloatBuffer(params);
  if (optimizer_.kind != kSgd) moment1_ = FloatBuffer(params);
  if (optimizer_.kind == kAdam || optimizer_.kind == kAdamW) moment2_ = FloatBuffer(params);
  for (const LayerSlot& slot : shape_.layers) {
    for (int t = 0; t < threads_; t++) input_split_.push_back(split(slot.inputs, threads_, t, 8));
    for (int t = 0; t < threads_; t++) output_split_.push_back(split(slot.outputs, threads_, t, 8));
  }
  partials_.assign(threads_, Partial{0.0, 0});
  long bias_total = 0;
  for (const LayerSlot& slot : shape_.layers) {
    bias_partial_offset_.push_back(bias_total);
    bias_total += slot.outputs;
  }
  bias_partial_stride_ = (bias_total + 15) / 16 * 16;  // a cache line apart per thread
  bias_partials_ = FloatBuffer(static_cast<std::size_t>(bias_partial_stride_) * threads_);
  if (threads_ > 1) pool_ = std::make_unique<ThreadPool>(threads_);
}

TrainerCore::~TrainerCore() = default;

// Part `part` of [0, count) cut into `parts` pieces whose boundaries are
// multiples of `align` (so threads do not share cache lines) when count allows.
TrainerCore::Range TrainerCore::split(int count, int parts, int part, int align) {
  int chunk = (count + parts - 1) / parts;
  if (count >= align * parts) chunk = (chunk + align - 1) / align * align;
  const int begin = std::min(count, part * chunk);
  const int end = std::min(count, begin + chunk);
  return {begin, end};
}

bool TrainerCore::cancel_requested() const {
  if (stop_requested_.load(std::memory_order_relaxed)) return true;
  if (epoch_.cancel == nullptr) return false;
#if defined(__GNUC__) || defined(__clang__)
  return __atomic_load_n(epoch_.cancel, __ATOMIC_RELAXED) != 0;
#else
  return *static_cast<const volatile std::int32_t*>(epoch_.cancel) != 0;
#endif
}

EpochOutcome TrainerCore::train_epoch(float* params, const TrainingSet& data, const std::uint32_t* order,
                                      long order_length, int batch_size, double lr, const std::int32_t* cancel) {
  epoch_.params = params;
  epoch_.data = data;
  epoch_.order = order;
  epoch_.order_length = order_length;
  epoch_.batch_size = batch_size;
  epoch_.lr = lr;
  epoch_.cancel = cancel;
  epoch_.first_update = updates_;
  epoch_.outcome = EpochOutcome{};
  stop_ = cancel_requested();
  if (pool_) {
    pool_->run(&TrainerCore::run_thread, this);
  } else {
    epoch_thread(0);
  }
  updates_ += epoch_.outcome.steps;
  return epoch_.outcome;
}

void TrainerCore::run_thread(void* self, int thread) { static_cast<TrainerCore*>(self)->epoch_thread(thread); }

void TrainerCore::epoch_thread(int t) {
  const int T = threads_;
  const Epoch& e = epoch_;
  EpochOutcome& outcome = epoch_.outcome;  // written by thread 0 only
  const TrainingSet& data = e.data;
  const int inputs = shape_.inputs();
  const int outputs = shape_.outputs();
  const int last = static_cast<int>(shape_.layers.size()) - 1;
  float* params = e.params;
  float* m = moment1_.size() > 0 ? moment1_.data() : nullptr;
  float* v = moment2_.size() > 0 ? moment2_.data() : nullptr;
  float* grads = grads_.data();
  long applied = 0;

  for (long start = 0, batch_index = 0; start < e.order_length; start += e.batch_size, batch_index++) {
    if (stop_) {
      if (t == 0) outcome.aborted = true;
      break;
    }
    const int count = static_cast<int>(std::min<long>(e.batch_size, e.order_length - start));
    const std::uint32_t* index = e.order + start;

    // A batch that is a run of consecutive rows is read in place (float inputs
    // only: bytes are always widened into the batch buffer).
    bool consecutive = data.x_bytes == nullptr;
    for (int r = 1; r < count && consecutive; r++) consecutive = index[r] == index[0] + static_cast<std::uint32_t>(r);
    const float* x = consecutive ? data.x + static_cast<long>(index[0]) * inputs : batch_x_.data();
    const std::int32_t* labels =
        data.labels == nullptr ? nullptr : consecutive ? data.labels + index[0] : batch_labels_.data();
    const float* targets = data.targets == nullptr ? nullptr
                           : consecutive ? data.targets + static_cast<long>(index[0]) * outputs
                                         : batch_targets_.data();

    // 1. This thread's rows: gather them, run the forward pass on them (each
    // layer reads only rows this thread wrote: no barrier), the output loss
    // and the backward pass down to the first layer.
    const Range rows = split(count, T, t, 8);
    const int row_count = rows.end - rows.begin;
    partials_[t] = Partial{0.0, 0};
    if (row_count > 0) {
      if (!consecutive) {
        for (int r = rows.begin; r < rows.end; r++) {
          const long from = static_cast<long>(index[r]);
          float* row = batch_x_.data() + static_cast<long>(r) * inputs;
          if (data.x_bytes != nullptr) {
            const std::uint8_t* bytes = data.x_bytes + from * inputs;
            for (int j = 0; j < inputs; j++) row[j] = static_cast<float>(bytes[j]) * data.x_scale;
          } else {
            if (r + kGatherAhead < rows.end) {
              prefetch_row(data.x + static_cast<long>(index[r + kGatherAhead]) * inputs, inputs);
            }
            std::memcpy(row, data.x + from * inputs, sizeof(float) * inputs);
          }
          if (data.labels != nullptr) batch_labels_[r] = data.labels[from];
          if (data.targets != nullptr) {
            std::memcpy(batch_targets_.data() + static_cast<long>(r) * outputs, data.targets + from * outputs,
                        sizeof(float) * outputs);
          }
        }
      }
      const float* input = x + static_cast<long>(rows.begin) * inputs;
      for (int l = 0; l <= last; l++) {
        const LayerSlot& slot = shape_.layers[l];
        float* y = activations_[l].data() + static_cast<long>(rows.begin) * slot.outputs;
        gemm_forward(y, input, params + slot.weight_offset, row_count, slot.inputs, slot.outputs);
        bias_activation(y, params + slot.bias_offset, row_count, slot.outputs, slot.outputs,
                        l == last ? kLinear : shape_.hidden_act);
        input = y;
      }
      const long row0 = static_cast<long>(rows.begin) * outputs;
      const OutputLossResult part = output_loss_rows(
          deltas_[last].data() + row0, activations_[last].data() + row0,
          labels == nullptr ? nullptr : labels + rows.begin, targets == nullptr ? nullptr : targets + row0, row_count,
          outputs, shape_.output_act, shape_.loss, count);
      partials_[t] = Partial{part.loss_sum, part.correct};

      // Back-propagate dz through the layers for these rows too: every
      // input is a row this thread wrote, and W is read before any update.
      // The bias gradients are summed over these rows on the way.
      float* bias_sums = bias_partials_.data() + static_cast<long>(t) * bias_partial_stride_;
      column_sums(bias_sums + bias_partial_offset_[last], deltas_[last].data() + row0, row_count, outputs, outputs);
      for (int l = last; l > 0; l--) {
        const LayerSlot& slot = shape_.layers[l];
        float* dx = deltas_[l - 1].data() + static_cast<long>(rows.begin) * slot.inputs;
        gemm_input_gradient(dx, deltas_[l].data() + static_cast<long>(rows.begin) * slot.outputs,
                            params + slot.weight_offset, row_count, slot.inputs, slot.outputs, slot.inputs);
        activation_backward_sums(dx, activations_[l - 1].data() + static_cast<long>(rows.begin) * slot.inputs,
                                 bias_sums + bias_partial_offset_[l - 1], row_count, slot.inputs, slot.inputs,
                                 shape_.hidden_act);
      }
    } else {
      float* bias_sums = bias_partials_.data() + static_cast<long>(t) * bias_partial_stride_;
      std::fill(bias_sums, bias_sums + bias_partial_stride_, 0.0f);
    }
    if (pool_) pool_->barrier();

    // 2. The batch loss, summed in thread order so every thread agrees.
    double loss_sum = 0.0;
    long correct = 0;
    for (int u = 0; u < T; u++) {
      loss_sum += partials_[u].loss_sum;
      correct += partials_[u].correct;
    }
    if (!std::isfinite(loss_sum)) {
      if (t == 0) {
        outcome.failed_batch = batch_index;
        outcome.failed_loss = loss_sum / count;
      }
      break;
    }

    // 3. Gradients and updates, each layer split by its inputs: thread t
    // owns rows [i0, i1) of W (dW[i0:i1] = x[:, i0:i1]^T dz, then the
    // optimizer step on them) and a slice of the biases (the per-thread sums
    // added in thread order). Layers are independent here: no barrier.
    UpdateHyper hyper{};
    hyper.kind = optimizer_.kind;
    hyper.lr = e.lr;
    hyper.momentum = optimizer_.momentum;
    hyper.nesterov = optimizer_.nesterov;
    hyper.beta1 = optimizer_.beta1;
    hyper.beta2 = optimizer_.beta2;
    hyper.epsilon = optimizer_.epsilon;
    hyper.weight_decay = optimizer_.weight_decay;  // weights only
    hyper.step = static_cast<double>(e.first_update + applied + 1);
    UpdateHyper no_decay = hyper;
    no_decay.weight_decay = 0.0;
    for (int l = last; l >= 0; l--) {
      const LayerSlot& slot = shape_.layers[l];
      const Range in = input_split_[l * T + t];
      if (in.end > in.begin) {
        const float* layer_input = l == 0 ? x : activations_[l - 1].data();
        const long w_at = slot.weight_offset + static_cast<long>(in.begin) * slot.outputs;
        const long w_count = static_cast<long>(in.end - in.begin) * slot.outputs;
        gemm_weight_gradient(grads + w_at, layer_input + in.begin, deltas_[l].data(), count, in.end - in.begin,
                             slot.outputs, slot.inputs);
        optimizer_update(params + w_at, grads + w_at, m ? m + w_at : nullptr, v ? v + w_at : nullptr, w_count,
                         hyper);
      }
      const Range out = output_split_[l * T + t];
      if (out.end > out.begin) {
        const long b_at = slot.bias_offset + out.begin;
        const int width = out.end - out.begin;
        float* db = grads + b_at;
        std::fill(db, db + width, 0.0f);
        for (int u = 0; u < T; u++) {
          const float* part = bias_partials_.data() + static_cast<long>(u) * bias_partial_stride_ +
                              bias_partial_offset_[l] + out.begin;
          for (int j = 0; j < width; j++) db[j] += part[j];
        }
        optimizer_update(params + b_at, db, m ? m + b_at : nullptr, v ? v + b_at : nullptr, width, no_decay);
      }
    }
    if (t == 0) stop_ = cancel_requested();
    if (pool_) pool_->barrier();

    applied++;
    if (t == 0) {
      outcome.loss_sum += loss_sum;
      outcome.correct += correct;
      outcome.samples += count;
      outcome.steps++;
    }
  }
}

}  // namespace descent
