// The numeric codes the kernels and src/spec.ts agree on. They are part of
// the addon's ABI: change them only together with src/spec.ts (the loader in
// src/backend/native.ts compares both tables when the addon loads).
#pragma once

namespace descent {

enum Activation : int {
  kLinear = 0,
  kRelu = 1,
  kLeakyRelu = 2,
  kTanh = 3,
  kSigmoid = 4,
  kSoftmax = 5,
};

enum Loss : int {
  kCrossEntropy = 0,
  kBinaryCrossEntropy = 1,
  kMse = 2,
};

enum Optimizer : int {
  kSgd = 0,
  kMomentum = 1,
  kAdam = 2,
  kAdamW = 3,
};

// Slope of leaky ReLU for negative inputs (LEAKY_RELU_SLOPE in spec.ts).
constexpr double kLeakyReluSlope = 0.01;

inline bool is_activation(int code) { return code >= kLinear && code <= kSoftmax; }
// Activations with an element-wise derivative (all but softmax): the hidden
// activations and the ones dense_backward accepts.
inline bool is_elementwise_activation(int code) { return code >= kLinear && code <= kSigmoid; }
inline bool is_loss(int code) { return code >= kCrossEntropy && code <= kMse; }
inline bool is_optimizer(int code) { return code >= kSgd && code <= kAdamW; }

// Whether a loss accepts an output activation (OUTPUTS_FOR_LOSS in spec.ts).
inline bool loss_accepts_output(int loss, int output) {
  switch (loss) {
    case kCrossEntropy: return output == kSoftmax;
    case kBinaryCrossEntropy: return output == kSigmoid;
    case kMse: return output == kLinear || output == kTanh || output == kSigmoid || output == kSoftmax;
    default: return false;
  }
}

}  // namespace descent
