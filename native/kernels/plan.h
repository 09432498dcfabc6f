// The layer plan: an ordered list of layer descriptors (what JS hands over,
// validated by binding/plan_args.cc), compiled into the steps one generic
// driver walks (kernels/trainer.cc for training, predict here).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "ops.h"

namespace descent {

// One entry of plan.layers.
struct LayerDesc {
  Layer kind = Layer::Dense;
  // dense: W (inputs, units) row-major at weight_offset, b (units) at bias_offset.
  int inputs = 0;
  int units = 0;
  long weight_offset = 0;
  long bias_offset = 0;
  Act act = Act::Linear;    // activation, output
  Loss loss = Loss::Mse;    // output
  double rate = 0.0;        // dropout, in [0, 1)
};

struct Plan {
  int inputs = 0;     // width of the network input
  long size = 0;      // parameter count
  std::vector<LayerDesc> layers;  // validated: ends in the one output layer
};

// The layer kinds' backward needs, one struct per DESCENT_LAYERS entry: the
// in-place rule reads these (an op may overwrite its input only when its
// own backward does not read that input and the input's producer does not
// read its output in backward).
namespace layer {
struct Dense {
  static bool backward_reads_input(const LayerDesc&) { return true; }   // dW = x^T dz
  static bool backward_reads_output(const LayerDesc&) { return false; }
};
struct Activation {
  static bool backward_reads_input(const LayerDesc& l) { return info(l.act).derivative == Derivative::Input; }
  static bool backward_reads_output(const LayerDesc& l) { return info(l.act).derivative != Derivative::Input; }
};
struct Dropout {  // the mask is recomputed from its counter
  static bool backward_reads_input(const LayerDesc&) { return false; }
  static bool backward_reads_output(const LayerDesc&) { return false; }
};
struct Output {  // the loss reads the logits
  static bool backward_reads_input(const LayerDesc&) { return true; }
  static bool backward_reads_output(const LayerDesc&) { return false; }
};
}  // namespace layer

bool backward_reads_input(const LayerDesc& l);
bool backward_reads_output(const LayerDesc& l);

// A compiled op. Buffers are numbered value buffers of (rows, width); -1 is
// the network input. Each value buffer has a gradient twin of the same shape.
struct Step {
  Layer kind;          // Dense (with act fused into its epilogue when fused), Activation or Dropout
  int layer;           // index in plan.layers (the dropout key's layer)
  int in;              // input buffer, -1 = network input
  int out;             // output buffer (== in when the op runs in place)
  int in_width;
  int out_width;
  Act act;             // Dense: the fused activation (Linear when none); Activation: its activation
  bool fused;          // Dense: an activation layer is folded into the epilogue
  long weight_offset;  // Dense
  long bias_offset;    // Dense
  int dense_index;     // Dense: 0, 1, ... in plan order
  double rate;         // Dropout
};

struct CompiledPlan {
  int inputs = 0;
  int outputs = 0;            // width at the output layer
  long size = 0;
  Act output_act = Act::Linear;
  Loss loss = Loss::Mse;
  std::vector<Step> steps;    // everything before the output layer
  std::vector<int> widths;    // [buffer] width
  int logits = -1;            // the buffer the output layer reads (-1: the input)
  int first_dense = -1;       // index in steps of the first dense step
  std::vector<int> dense_steps;  // step index of each dense, in plan order
  int max_width = 0;          // over the input and every buffer
  std::size_t last_computed = 0;  // the last step predict runs (the last that is not dropout)
};

// Compiles a validated plan: fuses a dense with a following activation whose
// derivative comes from its output, and runs an op in place when the
// in-place rule allows it.
CompiledPlan compile_plan(const Plan& plan);

// Floating-point operations of one training step on a batch: 2*b*in*out per
// dense forward, 4*b*in*out backward (2*b*in*out for the first dense, which
// needs no input gradient).
double step_flops(const CompiledPlan& plan, int batch);

// The threads a trainer uses: `requested` when positive (at most 64),
// otherwise one thread for small steps (under 2 MFLOP: a 64-32-10 step on
// 32 rows is 0.3), two from there, more (up to the CPUs this process may
// use) as the work per step grows, and never fewer than 8 rows per thread.
int choose_threads(const CompiledPlan& plan, int batch, int requested);

// predict computes rows in chunks counted from row 0, each through two
// workspaces of (chunk rows, widest layer): kMaxPredictChunk rows, fewer for
// a plan whose widest layer would make a workspace hold more than
// kPredictWorkspaceValues values (16 MiB), down to one row. A power of two,
// so that any multiple of kMaxPredictChunk rows (network.ts cuts 4096) is
// a whole number of chunks. The addon exports it as predictChunkRows(plan):
// predictAsync callers cut their calls in whole chunks to get the same bits.
constexpr long kMaxPredictChunk = 256;
constexpr long kPredictWorkspaceValues = 1L << 22;
long predict_chunk_rows(const CompiledPlan& plan);

// The most threads a step or a prediction is split over (the public
// `threads` option's upper bound; the bindings refuse more).
constexpr int kMaxThreads = 64;

// Activated outputs of n rows: out (n, outputs) = the plan applied to x (n,
// inputs), dropout as identity. Rows run in chunks of predict_chunk_rows(plan)
// counted from row 0, and large inputs share whole chunks out over up to `threads` threads
// (0 = choose by the work): the result is the same bits on any thread count.
// Workspaces are allocated once per call.
void predict(float* out,            // out is (n, plan.outputs)
             const float* params,   // params is (plan.size)
             const CompiledPlan& plan,
             const float* x,        // x is (n, plan.inputs)
             long n, int threads = 0);

// Asks AlignedBuffer to skip zeroing: for a buffer about to be overwritten
// whole (zeroing the 169 MB copy of a 60,000 x 784 float dataset held the
// JS thread for tens of ms).
struct Uninitialized {};

// A buffer aligned to a cache line, allocated once, zeroed.
template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t count);
  AlignedBuffer(std::size_t count, Uninitialized);
  ~AlignedBuffer() { release(); }
  AlignedBuffer(AlignedBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      release();
      data_ = other.data_;
      size_ = other.size_;
      other.data_ = nullptr;
      other.size_ = 0;
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void release();
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

template <typename T>
AlignedBuffer<T>::AlignedBuffer(std::size_t count) : size_(count) {
  if (count > 0) {
    data_ = static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t(64)));
    std::memset(static_cast<void*>(data_), 0, count * sizeof(T));
  }
}

template <typename T>
AlignedBuffer<T>::AlignedBuffer(std::size_t count, Uninitialized) : size_(count) {
  if (count > 0) data_ = static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t(64)));
}

template <typename T>
void AlignedBuffer<T>::release() {
  if (data_ != nullptr) ::operator delete(data_, std::align_val_t(64));
  data_ = nullptr;
  size_ = 0;
}

using FloatBuffer = AlignedBuffer<float>;

}  // namespace descent
