// The output activation, the loss and dL/dz in one pass over the logits.
#pragma once

#include <cstdint>

#include "ops.h"

namespace descent {

struct OutputLossResult {
  double loss_sum;  // sum over the rows of each sample's loss
  long correct;     // rows whose predicted class equals their label (0 without labels)
};

// Same meaning as outputLoss in src/backend/reference-kernels.ts:
// - cross-entropy (softmax): loss = logsumexp(z) - z_label, dz = (p - onehot) / batch.
// - binary-cross-entropy (sigmoid): loss = mean_j max(z,0) - z t + log(1 + e^-|z|),
//   dz = (sigmoid(z) - t) / (batch * outputs).
// - mse (any output): loss = mean_j (a - t)^2, dz = 2 (a - t) / (batch * outputs) * act'(a),
//   through the softmax Jacobian for a softmax output.
// Targets are float targets or class labels (one-hot, or 0/1 for one output unit).
// Computed in double, as the reference does, and stored as float.
// A label outside [0, classes) makes that row's loss NaN (callers validate first).
OutputLossResult output_loss(float* dz,                // dz is (batch, outputs); may not alias z
                             const float* z,           // z is (batch, outputs), the logits
                             const std::int32_t* labels,  // labels is (batch), or null
                             const float* targets,     // targets is (batch, outputs), or null
                             int batch, int outputs, Act output_act, Loss loss);

// The same over a block of rows of a larger batch: the gradient is scaled for a
// mean over scale_batch samples (the whole batch), not over the rows given.
OutputLossResult output_loss_rows(float* dz,                   // dz is (rows, outputs)
                                  const float* z,              // z is (rows, outputs)
                                  const std::int32_t* labels,  // labels is (rows), or null
                                  const float* targets,        // targets is (rows, outputs), or null
                                  int rows, int outputs, Act output_act, Loss loss, int scale_batch);

// One struct per DESCENT_LOSSES entry (ops.h): rows() is output_loss_rows
// for that loss (output_act one it accepts, loss_accepts_output).
namespace loss {
struct CrossEntropy {
  static OutputLossResult rows(float* dz, const float* z, const std::int32_t* labels, const float* targets, int rows,
                               int outputs, Act output_act, int scale_batch);
};
struct BinaryCrossEntropy {
  static OutputLossResult rows(float* dz, const float* z, const std::int32_t* labels, const float* targets, int rows,
                               int outputs, Act output_act, int scale_batch);
};
struct Mse {
  static OutputLossResult rows(float* dz, const float* z, const std::int32_t* labels, const float* targets, int rows,
                               int outputs, Act output_act, int scale_batch);
};
}  // namespace loss

// The class a row of activated outputs predicts: the arg max, or for a single
// output unit 1 when it reaches 0.5.
int predicted_class(const float* a,  // a is (outputs)
                    int outputs);

}  // namespace descent
