// A whole network on raw pointers: its shape and parameter layout (the same
// layout as src/layout.ts), the forward pass for prediction, and the rule
// that picks a thread count for a training step.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace descent {

// One dense layer's place in the contiguous parameter buffer: W (inputs x
// outputs, row-major) at weight_offset, then b (outputs) at bias_offset.
struct LayerSlot {
  int inputs;
  int outputs;
  long weight_offset;
  long bias_offset;
};

struct NetworkShape {
  std::vector<int> sizes;  // layer sizes, inputs first
  int hidden_act;          // activation code of the hidden layers
  int output_act;          // activation code of the output layer
  int loss;                // loss code
  std::vector<LayerSlot> layers;
  long param_count;

  int inputs() const { return sizes.front(); }
  int outputs() const { return sizes.back(); }
  int max_width() const;
};

// Fills in layers and param_count from sizes (as parameterLayout does).
NetworkShape make_shape(const std::vector<int>& sizes, int hidden_act, int output_act, int loss);

// Floating-point operations of one training step on a batch: 2*b*in*out per
// layer forward, 4*b*in*out backward (2*b*in*out for the first layer, which
// needs no input gradient).
double step_flops(const NetworkShape& shape, int batch);

// The threads a trainer uses: `requested` when positive (at most 64),
// otherwise one thread for small steps (under 2 MFLOP: a 64-32-10 step on
// 32 rows is 0.3), two from there, more (up to the CPUs this process may
// use) as the work per step grows, and never fewer than 8 rows per thread.
int choose_threads(const NetworkShape& shape, int batch, int requested);

// Activated outputs of n rows: out (n, outputs) = the network applied to
// x (n, inputs) with params in the layout of shape. Large inputs are split
// by rows over up to `threads` threads (0 = choose by the work, like
// choose_threads); workspaces are allocated once per call.
void predict(float* out,            // out is (n, outputs)
             const float* params,   // params is (shape.param_count)
             const NetworkShape& shape,
             const float* x,        // x is (n, inputs)
             long n, int threads = 0);

// A float buffer aligned to a cache line, allocated once.
class FloatBuffer {
 public:
  FloatBuffer() = default;
  explicit FloatBuffer(std::size_t count);
  ~FloatBuffer();
  FloatBuffer(FloatBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  FloatBuffer& operator=(FloatBuffer&& other) noexcept;
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace descent
