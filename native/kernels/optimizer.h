// Optimizer updates over a stretch of the parameter buffer.
#pragma once

namespace descent {

// Hyper-parameters of one update (UpdateHyper in reference-kernels.ts).
struct UpdateHyper {
  int kind;  // an Optimizer code
  double lr;
  double momentum;
  bool nesterov;
  double beta1;
  double beta2;
  double epsilon;
  double weight_decay;
  double step;  // 1-based count of updates so far, this one included (Adam's bias correction)
};

// Same meaning as optimizerUpdate in src/backend/reference-kernels.ts:
// - sgd: p -= lr (g + wd p)
// - momentum: v = mu v + (g + wd p); p -= lr v, or with Nesterov p -= lr (g + wd p + mu v)
// - adam: L2 decay added to g, bias-corrected moments, p -= lr m^ / (sqrt(v^) + eps)
// - adamw: decoupled decay p -= lr wd p, then the Adam step on g alone
// m and v may be null when the optimizer does not use them.
void optimizer_update(float* p,        // p is (count), updated in place
                      const float* g,  // g is (count)
                      float* m,        // m is (count): velocity or first moment, or null
                      float* v,        // v is (count): second moment, or null
                      long count, const UpdateHyper& h);

}  // namespace descent
