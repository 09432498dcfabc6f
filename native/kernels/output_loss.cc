#include "output_loss.h"

#include <cmath>
#include <limits>

#include "activations.h"
#include "ops.h"
#include "simd.h"

namespace descent {

namespace {

double sigmoid_d(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// a = act(z) for one row, rounded to float as the reference's Float32Array
// does: softmax, sigmoid and tanh in double as the reference computes them,
// any other output activation by its table entry.
void activate_row(float* a, const float* z, int outputs, Act act) {
  if (act == Act::Softmax) {
    double max = -INFINITY;
    bool nan = false;
    for (int j = 0; j < outputs; j++) {
      max = z[j] > max ? z[j] : max;
      nan = nan || z[j] != z[j];
    }
    if (nan) max = NAN;
    double sum = 0.0;
    for (int j = 0; j < outputs; j++) {
      const double e = std::exp(static_cast<double>(z[j]) - max);
      a[j] = static_cast<float>(e);
      sum += e;
    }
    for (int j = 0; j < outputs; j++) a[j] = static_cast<float>(a[j] / sum);
  } else if (act == Act::Sigmoid) {
    for (int j = 0; j < outputs; j++) a[j] = static_cast<float>(sigmoid_d(z[j]));
  } else if (act == Act::Tanh) {
    for (int j = 0; j < outputs; j++) a[j] = static_cast<float>(std::tanh(static_cast<double>(z[j])));
  } else {
    for (int j = 0; j < outputs; j++) a[j] = activate_scalar(z[j], act);
  }
}

// da/dz of an element-wise output activation, in double where the reference has a closed form in a.
double output_derivative(float z, double a, Act act) {
  switch (act) {
    case Act::Linear: return 1.0;
    case Act::Tanh: return 1.0 - a * a;
    case Act::Sigmoid: return a * (1.0 - a);
    default: return derivative_scalar(z, static_cast<float>(a), act);
  }
}

// e = exp(v) in place for v <= 0 (shifted logits), NaN kept: one flat,
// vectorized pass over a whole block of rows.
DESCENT_SIMD_CLONES
void exp_shifted(float* v, long count) {
  for (long i = 0; i < count; i++) {
    const float x = v[i];
    const float e = exp_nonpositive(x);
    v[i] = is_nan(x) ? x : e;
  }
}

// Cross-entropy on a softmax output for a block of rows: shift each row by
// its max, exponentiate the whole block in one vectorized pass, then per
// row the probabilities, log-sum-exp and dz. Returns the block's loss sum.
double softmax_cross_entropy_rows(float* dz, const float* z, const std::int32_t* labels, int rows, int outputs,
                                  float scale, long* correct) {
  double loss_sum = 0.0;
  for (int r = 0; r < rows; r++) {
    const float* zr = z + static_cast<long>(r) * outputs;
    float* d = dz + static_cast<long>(r) * outputs;
    float max = -INFINITY;
    bool nan = false;
    for (int j = 0; j < outputs; j++) {
      max = zr[j] > max ? zr[j] : max;
      nan = nan || zr[j] != zr[j];
    }
    if (nan) max = NAN;  // a NaN logit makes the row NaN, as Math.max does in the reference
    for (int j = 0; j < outputs; j++) d[j] = zr[j] - max;
  }
  exp_shifted(dz, static_cast<long>(rows) * outputs);
  for (int r = 0; r < rows; r++) {
    const float* zr = z + static_cast<long>(r) * outputs;
    float* d = dz + static_cast<long>(r) * outputs;
    const int label = labels[r];
    double sum = 0.0;
    float max = -INFINITY;
    for (int j = 0; j < outputs; j++) {
      sum += d[j];
      max = zr[j] > max ? zr[j] : max;
    }
    const double inv = 1.0 / sum;
    for (int j = 0; j < outputs; j++) d[j] = static_cast<float>(d[j] * inv);
    if (predicted_class(d, outputs) == label) ++*correct;
    // log-sum-exp = max + log(sum); a NaN anywhere shows up through sum.
    loss_sum += static_cast<double>(max) + std::log(sum) - static_cast<double>(zr[label]);
    for (int j = 0; j < outputs; j++) d[j] = (d[j] - (j == label ? 1.0f : 0.0f)) * scale;
  }
  return loss_sum;
}

// Binary cross-entropy on a sigmoid output, one row: e^-|z| serves both the
// sigmoid and the log1p term. Writes a = sigmoid(z) into d, returns the
// summed loss of the row's units.
double sigmoid_bce_row(float* d, const float* z, const float* targets, int outputs, int label) {
  double sample = 0.0;
  for (int j = 0; j < outputs; j++) {
    const double zj = z[j];
    const double t = targets != nullptr ? targets[j] : outputs == 1 ? label : (label == j ? 1.0 : 0.0);
    const double e = std::exp(-std::fabs(zj));
    const double s = 1.0 / (1.0 + e);
    d[j] = static_cast<float>(zj >= 0.0 ? s : e * s);
    if (zj != zj) d[j] = static_cast<float>(zj);
    sample += (zj > 0.0 ? zj : 0.0) - zj * t + std::log1p(e);
  }
  return sample;
}

// The reference's formulas for any (loss, output) pair, with the fused fast
// paths: softmax cross-entropy on a block, sigmoid binary cross-entropy per row.
OutputLossResult loss_rows(float* dz, const float* z, const std::int32_t* labels, const float* targets, int rows,
                           int outputs, Act output_act, Loss loss, int scale_batch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int classes = outputs == 1 ? 2 : outputs;
  double loss_sum = 0.0;
  long correct = 0;
  const double scale =
      loss == Loss::CrossEntropy ? 1.0 / scale_batch : 1.0 / (static_cast<double>(scale_batch) * outputs);
  if (loss == Loss::CrossEntropy && output_act == Act::Softmax && labels != nullptr) {
    bool labels_ok = true;
    for (int r = 0; r < rows; r++) labels_ok = labels_ok && labels[r] >= 0 && labels[r] < outputs;
    if (labels_ok) {
      const double sum = softmax_cross_entropy_rows(dz, z, labels, rows, outputs, static_cast<float>(scale), &correct);
      return {sum, correct};
    }
  }
  for (int r = 0; r < rows; r++) {
    const long row = static_cast<long>(r) * outputs;
    float* d = dz + row;
    const float* zr = z + row;
    const float* tr = targets != nullptr ? targets + row : nullptr;
    const int label = labels != nullptr ? labels[r] : -1;
    const bool label_ok = labels == nullptr || (label >= 0 && label < classes);
    // The target of unit j: a float target, or one-hot / 0-1 from the label.
    auto target = [&](int j) -> double {
      if (tr != nullptr) return tr[j];
      return outputs == 1 ? static_cast<double>(label) : (label == j ? 1.0 : 0.0);
    };

    if (!label_ok && (loss == Loss::CrossEntropy || tr == nullptr)) {
      loss_sum += nan;
      for (int j = 0; j < outputs; j++) d[j] = 0.0f;
      continue;
    }

    if (loss == Loss::BinaryCrossEntropy && output_act == Act::Sigmoid) {
      loss_sum += sigmoid_bce_row(d, zr, tr, outputs, label) / outputs;
      if (labels != nullptr && predicted_class(d, outputs) == label) correct++;
      for (int j = 0; j < outputs; j++) d[j] = static_cast<float>((static_cast<double>(d[j]) - target(j)) * scale);
      continue;
    }

    // Any other pair, by the reference's formulas.
    activate_row(d, zr, outputs, output_act);  // a = act(z), kept in dz until the gradient replaces it
    if (labels != nullptr && predicted_class(d, outputs) == label) correct++;
    if (loss == Loss::CrossEntropy) {
      double max = -INFINITY;
      bool has_nan = false;
      for (int j = 0; j < outputs; j++) {
        max = zr[j] > max ? zr[j] : max;
        has_nan = has_nan || zr[j] != zr[j];
      }
      if (has_nan) max = nan;
      double sum = 0.0;
      for (int j = 0; j < outputs; j++) sum += std::exp(static_cast<double>(zr[j]) - max);
      loss_sum += max + std::log(sum) - static_cast<double>(zr[label]);
      for (int j = 0; j < outputs; j++) {
        d[j] = static_cast<float>((static_cast<double>(d[j]) - (j == label ? 1.0 : 0.0)) * scale);
      }
    } else if (loss == Loss::BinaryCrossEntropy) {
      double sample = 0.0;
      for (int j = 0; j < outputs; j++) {
        const double zj = zr[j];
        const double t = target(j);
        sample += (zj > 0.0 ? zj : 0.0) - zj * t + std::log1p(std::exp(-std::fabs(zj)));
        d[j] = static_cast<float>((static_cast<double>(d[j]) - t) * scale);
      }
      loss_sum += sample / outputs;
    } else {
      double sample = 0.0;
      double dot = 0.0;  // sum_j g_j a_j, for the softmax Jacobian
      for (int j = 0; j < outputs; j++) {
        const double a = d[j];
        const double diff = a - target(j);
        sample += diff * diff;
        dot += 2.0 * diff * scale * a;
      }
      loss_sum += sample / outputs;
      for (int j = 0; j < outputs; j++) {
        const double a = d[j];
        const double g = 2.0 * (a - target(j)) * scale;
        d[j] = static_cast<float>(output_act == Act::Softmax ? a * (g - dot) : g * output_derivative(zr[j], a, output_act));
      }
    }
  }
  return {loss_sum, correct};
}

}  // namespace

int predicted_class(const float* a, int outputs) {
  if (outputs == 1) return a[0] >= 0.5f ? 1 : 0;
  int best = 0;
  for (int j = 1; j < outputs; j++) {
    if (a[j] > a[best]) best = j;
  }
  return best;
}

namespace loss {

OutputLossResult CrossEntropy::rows(float* dz, const float* z, const std::int32_t* labels, const float* targets,
                                    int rows, int outputs, Act output_act, int scale_batch) {
  return loss_rows(dz, z, labels, targets, rows, outputs, output_act, Loss::CrossEntropy, scale_batch);
}

OutputLossResult BinaryCrossEntropy::rows(float* dz, const float* z, const std::int32_t* labels,
                                          const float* targets, int rows, int outputs, Act output_act,
                                          int scale_batch) {
  return loss_rows(dz, z, labels, targets, rows, outputs, output_act, Loss::BinaryCrossEntropy, scale_batch);
}

OutputLossResult Mse::rows(float* dz, const float* z, const std::int32_t* labels, const float* targets, int rows,
                           int outputs, Act output_act, int scale_batch) {
  return loss_rows(dz, z, labels, targets, rows, outputs, output_act, Loss::Mse, scale_batch);
}

}  // namespace loss

OutputLossResult output_loss_rows(float* dz, const float* z, const std::int32_t* labels, const float* targets,
                                  int rows, int outputs, Act output_act, Loss loss, int scale_batch) {
  switch (loss) {
#define DESCENT_CASE(Id, ...) \
  case Loss::Id:              \
    return loss::Id::rows(dz, z, labels, targets, rows, outputs, output_act, scale_batch);
    DESCENT_LOSSES(DESCENT_CASE)
#undef DESCENT_CASE
  }
  return {0.0, 0};
}

OutputLossResult output_loss(float* dz, const float* z, const std::int32_t* labels, const float* targets, int batch,
                             int outputs, Act output_act, Loss loss) {
  return output_loss_rows(dz, z, labels, targets, batch, outputs, output_act, loss, batch);
}

}  // namespace descent
