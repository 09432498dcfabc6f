#include "network.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "codes.h"
#include "dense.h"
#include "thread_pool.h"

namespace descent {

namespace {
constexpr std::size_t kAlignment = 64;
// A step below this many flops stays on one thread: it gains too little
// from a second one to risk it. Barriers are cheap (~0.1 us, two per step); what
// costs is cache lines moving between cores (every thread reads all of W,
// which the update then writes in slices). Measured on a 2-core AVX-512
// machine, T=2 over T=1 (runs vary by +-10%): 0.83x at 0.3 MFLOP per step,
// 1.0-1.17x at 0.65, 1.15-1.3x at 1.3, 1.2-1.35x at 2.3-2.8, 1.3-1.6x at
// 5-26, 1.5x at 77, 1.8x at 600+. The margin below the ~0.5 MFLOP
// break-even is for busy machines, where a barrier may wait for a
// descheduled thread: a few-microsecond step has nothing to gain there.
constexpr double kMinFlopsForTwoThreads = 2.0e6;
// Beyond two threads (not measured here: this machine has two cores) each
// more thread must bring this much work.
constexpr double kMinFlopsPerThreadBeyondTwo = 4.0e6;
constexpr int kMaxThreads = 64;
constexpr long kPredictChunk = 256;
// Starting a thread for a predict call costs ~50 us: worth it from about
// this much forward work per thread.
constexpr double kMinPredictFlopsPerThread = 2.0e7;
}  // namespace

FloatBuffer::FloatBuffer(std::size_t count) : size_(count) {
  if (count > 0) {
    data_ = static_cast<float*>(::operator new(count * sizeof(float), std::align_val_t(kAlignment)));
    std::memset(data_, 0, count * sizeof(float));
  }
}

FloatBuffer::~FloatBuffer() {
  if (data_ != nullptr) ::operator delete(data_, std::align_val_t(kAlignment));
}

FloatBuffer& FloatBuffer::operator=(FloatBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::operator delete(data_, std::align_val_t(kAlignment));
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

int NetworkShape::max_width() const { return *std::max_element(sizes.begin(), sizes.end()); }

NetworkShape make_shape(const std::vector<int>& sizes, int hidden_act, int output_act, int loss) {
  NetworkShape shape{sizes, hidden_act, output_act, loss, {}, 0};
  long offset = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); l++) {
    const LayerSlot slot{sizes[l], sizes[l + 1], offset, offset + static_cast<long>(sizes[l]) * sizes[l + 1]};
    offset = slot.bias_offset + slot.outputs;
    shape.layers.push_back(slot);
  }
  shape.param_count = offset;
  return shape;
}

double step_flops(const NetworkShape& shape, int batch) {
  double flops = 0.0;
  for (std::size_t l = 0; l < shape.layers.size(); l++) {
    const double mac = static_cast<double>(shape.layers[l].inputs) * shape.layers[l].outputs;
    flops += 2.0 * batch * mac + (l == 0 ? 2.0 : 4.0) * batch * mac;
  }
  return flops;
}

int choose_threads(const NetworkShape& shape, int batch, int requested) {
  if (requested > 0) return std::min(requested, kMaxThreads);
  const double flops = step_flops(shape, batch);
  const int cpus = std::min(available_cpus(), kMaxThreads);
  int threads = 1;
  if (flops >= kMinFlopsForTwoThreads) {
    threads = static_cast<int>(std::max(2.0, std::min<double>(flops / kMinFlopsPerThreadBeyondTwo, cpus)));
    threads = std::min(threads, cpus);
  }
  // Keep at least 8 rows per thread for the forward pass.
  threads = std::min(threads, std::max(1, batch / 8));
  return std::max(threads, 1);
}

namespace {

struct PredictWorkspace {
  FloatBuffer ping;
  FloatBuffer pong;
};

// Rows [begin, end) in chunks through two ping-pong workspaces (allocated
// by the caller, so nothing in a helper thread can fail).
void predict_rows(float* out, const float* params, const NetworkShape& shape, const float* x, long begin, long end,
                  PredictWorkspace& work) {
  const std::size_t last = shape.layers.size() - 1;
  for (long start = begin; start < end; start += kPredictChunk) {
    const int rows = static_cast<int>(std::min(kPredictChunk, end - start));
    const float* input = x + start * shape.inputs();
    for (std::size_t l = 0; l <= last; l++) {
      const LayerSlot& slot = shape.layers[l];
      float* output = l == last ? out + start * shape.outputs() : (l % 2 == 0 ? work.ping.data() : work.pong.data());
      dense_forward(output, input, params + slot.weight_offset, params + slot.bias_offset, rows, slot.inputs,
                    slot.outputs, l == last ? shape.output_act : shape.hidden_act);
      input = output;
    }
  }
}

}  // namespace

void predict(float* out, const float* params, const NetworkShape& shape, const float* x, long n, int threads) {
  if (n <= 0) return;
  if (threads <= 0) {
    double flops = 0.0;
    for (const LayerSlot& slot : shape.layers) flops += 2.0 * n * slot.inputs * slot.outputs;
    threads = static_cast<int>(std::min<double>(flops / kMinPredictFlopsPerThread, available_cpus()));
  }
  threads = static_cast<int>(std::max<long>(1, std::min<long>({static_cast<long>(threads), kMaxThreads, n / 64})));
  // Whole chunks per thread, so every thread's GEMMs keep their full height.
  const long per_thread = (n + threads - 1) / threads;
  const std::size_t chunk = static_cast<std::size_t>(std::min(per_thread, kPredictChunk));
  const std::size_t width = static_cast<std::size_t>(shape.max_width());
  std::vector<PredictWorkspace> work;
  work.reserve(threads);
  for (int t = 0; t < threads; t++) work.push_back({FloatBuffer(chunk * width), FloatBuffer(chunk * width)});

  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  try {
    for (int t = 1; t < threads; t++) {
      const long begin = std::min(n, t * per_thread);
      const long end = std::min(n, begin + per_thread);
      PredictWorkspace* mine = &work[t];
      helpers.emplace_back([=, &shape] { predict_rows(out, params, shape, x, begin, end, *mine); });
    }
  } catch (...) {
    // Could not start a thread: those started finish their rows, this thread does the rest.
    const long done = static_cast<long>(helpers.size() + 1) * per_thread;
    predict_rows(out, params, shape, x, std::min(n, done), n, work[0]);
  }
  predict_rows(out, params, shape, x, 0, std::min(n, per_thread), work[0]);
  for (auto& helper : helpers) helper.join();
}

}  // namespace descent
