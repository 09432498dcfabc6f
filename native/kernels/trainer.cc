#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dense.h"
#include "dropout.h"
#include "output_loss.h"
#include "thread_pool.h"

namespace descent {

namespace {

// Rows are gathered from random places in the data set: fetching a few rows
// ahead keeps several cache misses in flight instead of one.
constexpr int kGatherAhead = 4;

inline void prefetch_row(const void* row, long bytes_count) {
#if defined(__GNUC__) || defined(__clang__)
  const char* bytes = static_cast<const char*>(row);
  for (long at = 0; at < bytes_count; at += 64) __builtin_prefetch(bytes + at, 0, 3);
#else
  (void)row;
  (void)bytes_count;
#endif
}

inline int ceil_div(int a, int b) { return (a + b - 1) / b; }
inline int round_up(int a, int m) { return (a + m - 1) / m * m; }


}  // namespace

int num_chunks(int count) { return count < 64 ? 1 : round_up(std::max(2, ceil_div(count, kChunkTarget)), 2); }
int chunk_rows(int count) { return round_up(ceil_div(count, num_chunks(count)), 8); }
int num_blocks(int inputs, int units, int max_batch) {
  const double macs = static_cast<double>(inputs) * units * max_batch;
  if (inputs < 64 || macs < kMinBlockMacs) return 1;
  return round_up(std::max(2, ceil_div(inputs, kChunkTarget)), 2);
}
int block_rows(int inputs, int units, int max_batch) {
  return round_up(ceil_div(inputs, num_blocks(inputs, units, max_batch)), 8);
}

TrainerCore::TrainerCore(const CompiledPlan& plan, const UpdateHyper& hyper, int max_batch, int threads, double seed,
                         long long step, TrainingData data, FloatBuffer params, FloatBuffer moments)
    : plan_(plan),
      hyper_(hyper),
      max_batch_(max_batch),
      threads_(threads < 1 ? 1 : threads),
      seed_(seed),
      slots_(optimizer_slots(hyper.kind)),
      step_(step),
      data_(std::move(data)),
      params_(std::move(params)),
      moments_(std::move(moments)) {
  const std::size_t rows = static_cast<std::size_t>(max_batch_);
  grads_ = FloatBuffer(static_cast<std::size_t>(plan_.size));
  batch_x_ = FloatBuffer(rows * plan_.inputs);
  if (data_.has_labels) batch_labels_ = AlignedBuffer<std::int32_t>(rows);
  if (data_.has_targets) batch_targets_ = FloatBuffer(rows * plan_.outputs);
  for (const int width : plan_.widths) {
    values_.emplace_back(rows * width);
    grads_buf_.emplace_back(rows * width);
  }
  // Weight-gradient tasks: layers in plan order, blocks in row order.
  long bias_total = 0;
  for (std::size_t d = 0; d < plan_.dense_steps.size(); d++) {
    const Step& s = plan_.steps[plan_.dense_steps[d]];
    const int block = block_rows(s.in_width, s.out_width, max_batch_);
    for (int begin = 0; begin < s.in_width; begin += block) {
      tasks_.push_back({static_cast<int>(d), begin, std::min(s.in_width, begin + block)});
    }
    for (int t = 0; t < threads_; t++) {
      // Bias columns: element-wise work, so any split gives the same bits.
      const Range cols = split_range(s.out_width, threads_, t);
      bias_split_.push_back({cols.begin, cols.end});
    }
    bias_offset_.push_back(bias_total);
    bias_total += s.out_width;
  }
  bias_stride_ = (bias_total + 15) / 16 * 16;  // a cache line apart per chunk
  const int max_chunks = num_chunks(max_batch_);  // non-decreasing in the batch size
  partials_.assign(max_chunks, Partial{0.0, 0});
  bias_partials_ = FloatBuffer(static_cast<std::size_t>(bias_stride_) * max_chunks);
  if (threads_ > 1) pool_ = std::make_unique<ThreadPool>(threads_, Priority::Background, "descent-step");
  lead_ = std::make_unique<BackgroundThread>("descent-epoch");
}

TrainerCore::~TrainerCore() = default;

bool TrainerCore::stop_requested() const {
  return cancel_.load(std::memory_order_relaxed) || stop_requested_.load(std::memory_order_relaxed);
}

EpochOutcome TrainerCore::train_epoch(const std::uint32_t* order, long order_length, int batch_size, double lr,
                                      std::uint32_t epoch) {
  epoch_.order = order;
  epoch_.order_length = order_length;
  epoch_.batch_size = batch_size;
  epoch_.lr = lr;
  epoch_.epoch = epoch;
  epoch_.first_step = step_.load(std::memory_order_relaxed);
  epoch_.outcome = EpochOutcome{};
  // The epoch runs on the trainer's own thread at the background
  // priority (thread_pool.h), not on the caller's.
  lead_->run(&TrainerCore::run_epoch, this);
  return epoch_.outcome;
}

void TrainerCore::run_epoch(void* self) { static_cast<TrainerCore*>(self)->epoch_on_lead(); }

void TrainerCore::epoch_on_lead() {
  stop_ = stop_requested();
  if (probe_) {
    for (LayerStats& st : stats_) {
      const int layer = st.layer;
      const bool dense = st.dense;
      const long units = st.units;
      st = LayerStats{};
      st.layer = layer;
      st.dense = dense;
      st.units = units;
    }
    for (auto& alive : alive_) std::memset(alive.data(), 0, alive.size());
  }
  if (pool_) {
    pool_->run(&TrainerCore::run_thread, this);
  } else {
    epoch_thread(0);
  }
  step_.fetch_add(epoch_.outcome.steps, std::memory_order_acq_rel);
  if (probe_) {
    for (std::size_t d = 0; d < plan_.dense_steps.size(); d++) {
      const Step& s = plan_.steps[plan_.dense_steps[d]];
      const float* w = params_.data() + s.weight_offset;
      const long count = static_cast<long>(s.in_width) * s.out_width;
      double squares = 0.0;
      for (long i = 0; i < count; i++) squares += static_cast<double>(w[i]) * w[i];
      LayerStats& st = stats_[dense_stats_[d]];
      st.weight_squares = squares;
      st.steps = epoch_.outcome.steps;
    }
    for (std::size_t o = 0; o < observed_.size(); o++) {
      LayerStats& st = stats_[observed_[o].stats];
      st.steps = epoch_.outcome.steps;
      long dead = 0;
      for (long j = 0; j < st.units; j++) dead += alive_[o].data()[j] == 0 ? 1 : 0;
      st.dead_units = st.values == 0 ? 0 : dead;
    }
  }
}

void TrainerCore::enable_probe() {
  if (probe_) return;
  probe_ = true;
  const int max_chunks = num_chunks(max_batch_);
  // Dense layers and their activations, in plan order.
  for (std::size_t i = 0; i < plan_.steps.size(); i++) {
    const Step& s = plan_.steps[i];
    if (s.kind == Layer::Dense) {
      LayerStats st;
      st.layer = s.layer;
      st.dense = true;
      dense_stats_.push_back(static_cast<long>(stats_.size()));
      stats_.push_back(st);
    }
    const bool hidden_activation = (s.kind == Layer::Dense && s.fused) || s.kind == Layer::Activation;
    if (hidden_activation) {
      LayerStats st;
      st.layer = s.kind == Layer::Dense ? s.layer + 1 : s.layer;
      st.units = s.out_width;
      observed_.push_back(Observed{static_cast<int>(i), st.layer, s.act, s.out_width, static_cast<long>(stats_.size())});
      stats_.push_back(st);
      alive_.emplace_back(static_cast<std::size_t>(s.out_width));
      chunk_alive_.emplace_back(static_cast<std::size_t>(s.out_width) * max_chunks);
      chunk_saturated_.emplace_back(max_chunks, 0L);
    }
  }
  task_grad_squares_.assign(tasks_.size(), 0.0);
  task_update_squares_.assign(tasks_.size(), 0.0);
  std::size_t largest = 0;
  for (const Task& task : tasks_) {
    const Step& s = plan_.steps[plan_.dense_steps[task.dense]];
    largest = std::max(largest, static_cast<std::size_t>(task.end - task.begin) * s.out_width);
  }
  for (int t = 0; t < threads_; t++) update_scratch_.emplace_back(largest);
}

// A chunk's hidden activation outputs, right after the step that wrote them
// (a later in-place op may overwrite them): units seen non-zero, values saturated.
void TrainerCore::observe_chunk(int step_index, int c, int r0, int rows) {
  for (std::size_t o = 0; o < observed_.size(); o++) {
    const Observed& ob = observed_[o];
    if (ob.step != step_index) continue;
    const float* a = value(plan_.steps[step_index].out, r0);
    std::uint8_t* alive = chunk_alive_[o].data() + static_cast<long>(c) * ob.width;
    std::memset(alive, 0, static_cast<std::size_t>(ob.width));
    long saturated = 0;
    for (int r = 0; r < rows; r++) {
      const float* row = a + static_cast<long>(r) * ob.width;
      for (int j = 0; j < ob.width; j++) {
        if (row[j] != 0.0f) alive[j] = 1;
        if (saturated_output(ob.act, row[j])) saturated++;
      }
    }
    chunk_saturated_[o][c] = saturated;
  }
}

// Thread 0, once a batch's loss is known finite and before the barrier that
// lets the next batch rewrite the chunks: the chunks' activation statistics
// into the epoch's.
void TrainerCore::merge_chunks(int chunks, int count) {
  for (std::size_t o = 0; o < observed_.size(); o++) {
    const Observed& ob = observed_[o];
    LayerStats& st = stats_[ob.stats];
    std::uint8_t* alive = alive_[o].data();
    for (int c = 0; c < chunks; c++) {
      const std::uint8_t* part = chunk_alive_[o].data() + static_cast<long>(c) * ob.width;
      for (int j = 0; j < ob.width; j++) alive[j] |= part[j];
      st.saturated += chunk_saturated_[o][c];
    }
    st.values += static_cast<long>(count) * ob.width;
  }
}

// Thread 0, after the barrier that ends a batch (every task done; the next
// batch rewrites them only after its own first barrier): the tasks' sums
// into each dense layer's, in task order.
void TrainerCore::merge_tasks() {
  std::vector<double> grad(plan_.dense_steps.size(), 0.0);
  std::vector<double> update(plan_.dense_steps.size(), 0.0);
  for (std::size_t k = 0; k < tasks_.size(); k++) {
    grad[tasks_[k].dense] += task_grad_squares_[k];
    update[tasks_[k].dense] += task_update_squares_[k];
  }
  for (std::size_t d = 0; d < grad.size(); d++) {
    stats_[dense_stats_[d]].grad_squares += grad[d];
    stats_[dense_stats_[d]].update_squares += update[d];
  }
}

namespace {

struct CopyJob {
  struct Pair {
    float* to;
    const float* from;
    std::size_t count;
  };
  Pair pairs[2];
};

// Each pair copied whole on the calling thread: the JS thread calls these,
// and waiting on the trainer's helpers (which run below its priority,
// thread_pool.h) could hold it for as long as a busy machine delays them.
void run_copy(const CopyJob& job) {
  for (const CopyJob::Pair& p : job.pairs) {
    if (p.to == nullptr || p.from == nullptr || p.count == 0) continue;
    std::memcpy(p.to, p.from, p.count * sizeof(float));
  }
}

}  // namespace

void TrainerCore::load(const float* params, const float* moments) {
  run_copy(CopyJob{{{params_.data(), params, params_.size()}, {moments_.data(), moments, moments_.size()}}});
}

void TrainerCore::store(float* params, float* moments) const {
  run_copy(CopyJob{{{params, params_.data(), params_.size()}, {moments, moments_.data(), moments_.size()}}});
}

void TrainerCore::run_thread(void* self, int thread) { static_cast<TrainerCore*>(self)->epoch_thread(thread); }

void TrainerCore::run_chunk(int c, int r0, int r1, int count, const std::uint32_t* index, bool consecutive,
                            const float* x, const std::int32_t* labels, const float* targets, long batch_index) {
  const int inputs = plan_.inputs;
  const int outputs = plan_.outputs;
  const int rows = r1 - r0;
  const TrainingData& data = data_;
  const float* params = params_.data();

  // Gather: rows [r0, r1) of the batch into the batch buffers (bytes widened).
  if (!consecutive) {
    for (int r = r0; r < r1; r++) {
      const long from = static_cast<long>(index[r]);
      float* row = batch_x_.data() + static_cast<long>(r) * inputs;
      if (data.bytes) {
        if (r + kGatherAhead < r1) {
          prefetch_row(data.x_bytes.data() + static_cast<long>(index[r + kGatherAhead]) * inputs, inputs);
        }
        const std::uint8_t* bytes = data.x_bytes.data() + from * inputs;
        for (int j = 0; j < inputs; j++) row[j] = static_cast<float>(bytes[j]) * data.x_scale;
      } else {
        if (r + kGatherAhead < r1) {
          prefetch_row(data.x.data() + static_cast<long>(index[r + kGatherAhead]) * inputs,
                       static_cast<long>(inputs) * sizeof(float));
        }
        std::memcpy(row, data.x.data() + from * inputs, sizeof(float) * inputs);
      }
      if (data.has_labels) batch_labels_.data()[r] = data.labels.data()[from];
      if (data.has_targets) {
        std::memcpy(batch_targets_.data() + static_cast<long>(r) * outputs, data.targets.data() + from * outputs,
                    sizeof(float) * outputs);
      }
    }
  }
  // A dropout layer's mask in this batch: keyed by the updates applied before it.
  const auto mask_key = [&](const Step& s) {
    return dropout_key(seed_, epoch_.epoch, static_cast<std::uint32_t>(epoch_.first_step + batch_index),
                       static_cast<std::uint32_t>(s.layer));
  };
  auto val = [&](int buffer) -> float* {
    return buffer < 0 ? const_cast<float*>(x) + static_cast<long>(r0) * inputs : value(buffer, r0);
  };

  // Forward.
  for (const Step& s : plan_.steps) {
    const float* in = val(s.in);
    float* out = value(s.out, r0);
    switch (s.kind) {
      case Layer::Dense:
        gemm_forward(out, in, params + s.weight_offset, rows, s.in_width, s.out_width);
        bias_activation(out, params + s.bias_offset, rows, s.out_width, s.out_width, s.act);
        break;
      case Layer::Activation:
        activation_forward(out, in, static_cast<long>(rows) * s.out_width, s.act);
        break;
      case Layer::Dropout:
        dropout_apply(out, in, rows, s.out_width, r0,
                      mask_key(s),
                      dropout_params(s.rate));
        break;
      default:
        break;
    }
    if (probe_) observe_chunk(static_cast<int>(&s - plan_.steps.data()), c, r0, rows);
  }

  // The output activation, loss and dz in one pass, scaled for the whole batch.
  const long row0 = static_cast<long>(r0) * outputs;
  const OutputLossResult part =
      output_loss_rows(grad(plan_.logits, r0), value(plan_.logits, r0), labels == nullptr ? nullptr : labels + r0,
                       targets == nullptr ? nullptr : targets + row0, rows, outputs, plan_.output_act, plan_.loss,
                       count);
  partials_[c] = Partial{part.loss_sum, part.correct};

  // Backward down to the first dense, whose input needs no gradient.
  float* bias_sums = bias_partials_.data() + static_cast<long>(c) * bias_stride_;
  for (int i = static_cast<int>(plan_.steps.size()) - 1; i >= plan_.first_dense; i--) {
    const Step& s = plan_.steps[i];
    float* dy = grad(s.out, r0);
    switch (s.kind) {
      case Layer::Dense:
        // dz = dy * act'(y) and the chunk's bias sums in one pass.
        activation_backward_sums(dy, value(s.out, r0), bias_sums + bias_offset_[s.dense_index], rows, s.out_width,
                                 s.out_width, s.fused ? s.act : Act::Linear);
        if (i != plan_.first_dense) {
          gemm_input_gradient(grad(s.in, r0), dy, params + s.weight_offset, rows, s.in_width, s.out_width,
                              s.in_width);
        }
        break;
      case Layer::Activation:
        // In place (in == out) only when the derivative reads the output alone.
        activation_backward_elementwise(grad(s.in, r0), dy, s.in == s.out ? nullptr : value(s.in, r0),
                                        value(s.out, r0), static_cast<long>(rows) * s.out_width, s.act);
        break;
      case Layer::Dropout:
        dropout_apply(grad(s.in, r0), dy, rows, s.out_width, r0,
                      mask_key(s),
                      dropout_params(s.rate));
        break;
      default:
        break;
    }
  }
}

void TrainerCore::epoch_thread(int t) {
  const int T = threads_;
  const Epoch& e = epoch_;
  EpochOutcome& outcome = epoch_.outcome;  // written by thread 0 only
  const TrainingData& data = data_;
  const int inputs = plan_.inputs;
  const int outputs = plan_.outputs;
  float* params = params_.data();
  float* moments = slots_ > 0 ? moments_.data() : nullptr;
  const long size = plan_.size;
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
    bool consecutive = !data.bytes;
    for (int r = 1; r < count && consecutive; r++) consecutive = index[r] == index[0] + static_cast<std::uint32_t>(r);
    const float* x = consecutive ? data.x.data() + static_cast<long>(index[0]) * inputs : batch_x_.data();
    const std::int32_t* labels = !data.has_labels ? nullptr
                                 : consecutive    ? data.labels.data() + index[0]
                                                  : batch_labels_.data();
    const float* targets = !data.has_targets ? nullptr
                           : consecutive     ? data.targets.data() + static_cast<long>(index[0]) * outputs
                                             : batch_targets_.data();

    // 1. This thread's chunks: cut by the batch size alone.
    const int nc = num_chunks(count);
    const int per_chunk = chunk_rows(count);
    const int c_begin = static_cast<int>(static_cast<long>(t) * nc / T);
    const int c_end = static_cast<int>(static_cast<long>(t + 1) * nc / T);
    for (int c = c_begin; c < c_end; c++) {
      const int r0 = c * per_chunk;
      const int r1 = std::min(count, r0 + per_chunk);
      if (r0 >= r1) continue;  // an empty trailing chunk
      run_chunk(c, r0, r1, count, index, consecutive, x, labels, targets, batch_index);
    }
    if (pool_) pool_->barrier();

    // 2. The batch loss, summed in chunk order so every thread (and every T) agrees.
    double loss_sum = 0.0;
    long correct = 0;
    for (int c = 0; c < nc && c * per_chunk < count; c++) {
      loss_sum += partials_[c].loss_sum;
      correct += partials_[c].correct;
    }
    if (!std::isfinite(loss_sum)) {
      if (t == 0) {
        outcome.failed_batch = batch_index;
        outcome.failed_loss = loss_sum / count;
      }
      break;
    }

    // 3. Weight gradients and updates: task k on thread k mod T.
    UpdateHyper hyper = hyper_;
    hyper.lr = e.lr;
    hyper.step = static_cast<double>(e.first_step + applied + 1);
    UpdateHyper no_decay = hyper;
    no_decay.weight_decay = 0.0;
    for (std::size_t k = t; k < tasks_.size(); k += T) {
      const Task& task = tasks_[k];
      const Step& s = plan_.steps[plan_.dense_steps[task.dense]];
      const float* layer_input = s.in < 0 ? x : values_[s.in].data();
      const long w_at = s.weight_offset + static_cast<long>(task.begin) * s.out_width;
      const long w_count = static_cast<long>(task.end - task.begin) * s.out_width;
      gemm_weight_gradient(grads + w_at, layer_input + task.begin, grads_buf_[s.out].data(), count,
                           task.end - task.begin, s.out_width, s.in_width);
      float* before = nullptr;
      if (probe_) {
        double squares = 0.0;
        for (long i = 0; i < w_count; i++) squares += static_cast<double>(grads[w_at + i]) * grads[w_at + i];
        task_grad_squares_[k] = squares;
        before = update_scratch_[t].data();
        std::memcpy(before, params + w_at, static_cast<std::size_t>(w_count) * sizeof(float));
      }
      optimizer_update(params + w_at, grads + w_at, moments != nullptr ? moments + w_at : nullptr, size, w_count,
                       hyper);
      if (before != nullptr) {
        double squares = 0.0;
        for (long i = 0; i < w_count; i++) {
          const double change = static_cast<double>(params[w_at + i]) - before[i];
          squares += change * change;
        }
        task_update_squares_[k] = squares;
      }
    }
    // Biases: this thread's columns of every dense, chunk partials in chunk order.
    for (std::size_t d = 0; d < plan_.dense_steps.size(); d++) {
      const Step& s = plan_.steps[plan_.dense_steps[d]];
      const Range cols = bias_split_[d * T + t];
      if (cols.end <= cols.begin) continue;
      const long b_at = s.bias_offset + cols.begin;
      const int width = cols.end - cols.begin;
      float* db = grads + b_at;
      std::fill(db, db + width, 0.0f);
      for (int c = 0; c < nc && c * per_chunk < count; c++) {
        const float* part = bias_partials_.data() + static_cast<long>(c) * bias_stride_ + bias_offset_[d] + cols.begin;
        for (int j = 0; j < width; j++) db[j] += part[j];
      }
      optimizer_update(params + b_at, db, moments != nullptr ? moments + b_at : nullptr, size, width, no_decay);
    }
    if (t == 0) {
      stop_ = stop_requested();
      if (probe_) merge_chunks((count + per_chunk - 1) / per_chunk, count);
    }
    if (pool_) pool_->barrier();

    applied++;
    if (t == 0) {
      if (probe_) merge_tasks();
      outcome.loss_sum += loss_sum;
      outcome.correct += correct;
      outcome.samples += count;
      outcome.steps++;
    }
  }
}

}  // namespace descent
