// Per-layer statistics of a training epoch, collected when a trainer probes
// (TrainerCore::enable_probe). The same definitions as the TypeScript twin,
// src/backend/layer-stats.ts: over the steps an epoch applied,
// - dense layers: sum over steps of ||dL/dW||^2 and ||W_after - W_before||^2,
//   and ||W||^2 after the last step (weights only);
// - hidden activation layers: output values seen, units whose output was 0
//   on every row (dead), values in the saturated range.
#pragma once
#include "ops.h"

namespace descent {

struct LayerStats {
  int layer = 0;           // index in plan.layers
  bool dense = false;      // dense, else activation
  long steps = 0;
  double grad_squares = 0.0;
  double update_squares = 0.0;
  double weight_squares = 0.0;
  long units = 0;
  long values = 0;
  long dead_units = 0;
  long saturated = 0;
};

// Whether an activation output sits where the derivative is under 2% of
// its largest: tanh |a| >= 0.99, sigmoid a <= 0.01 or a >= 0.99; never for
// the others.
inline bool saturated_output(Act act, float a) {
  switch (act) {
    case Act::Tanh: return a >= 0.99f || a <= -0.99f;
    case Act::Sigmoid: return a <= 0.01f || a >= 0.99f;
    default: return false;
  }
}

}  // namespace descent
