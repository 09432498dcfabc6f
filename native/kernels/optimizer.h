// Optimizer updates over a stretch of the parameter buffer: one struct per
// DESCENT_OPTIMIZERS entry (ops.h), dispatched by optimizer_update.
#pragma once

#include "ops.h"

namespace descent {

// The hyper-parameter record, declared once: the trainer's config.optimizer
// and the optimizerUpdate kernel's hyper are both read into it by
// read_hyper (binding/plan_args.cc).
struct UpdateHyper {
  Opt kind = Opt::Sgd;
  double lr = 0;
  double momentum = 0;
  bool nesterov = false;
  double beta1 = 0;
  double beta2 = 0;
  double epsilon = 0;
  double weight_decay = 0;
  double step = 1;  // 1-based count of updates so far, this one included (Adam's bias correction)
};

// Optimizer state: `slots` floats per parameter, slot k of parameter i at
// state[k * slot_stride + i] (slot_stride = the parameter count), so a
// stretch [at, at + count) of parameters has its state at state + at.
// Same meaning as optimizerUpdate in src/backend/reference-kernels.ts.
namespace opt {

// p -= lr (g + wd p)
struct Sgd {
  static void update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h);
};
// v = mu v + (g + wd p); p -= lr v, or with Nesterov p -= lr (g + wd p + mu v). Slot 0: v.
struct Momentum {
  static void update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h);
};
// L2 decay added to g, bias-corrected moments, p -= lr m^ / (sqrt(v^) + eps). Slots: m, v.
struct Adam {
  static void update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h);
};
// Decoupled decay p -= lr wd p, then the Adam step on g alone. Slots: m, v.
struct AdamW {
  static void update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h);
};

}  // namespace opt

// Dispatches on h.kind. state may be null when the optimizer has no slots.
void optimizer_update(float* p,        // p is (count), updated in place
                      const float* g,  // g is (count)
                      float* state,    // state is (slots, slot_stride), at this stretch's offset; or null
                      long slot_stride, long count, const UpdateHyper& h);

}  // namespace descent
