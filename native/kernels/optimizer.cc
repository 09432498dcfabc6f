#include "optimizer.h"

#include <cmath>

#include "ops.h"
#include "simd.h"

namespace descent {

namespace {

// Each update is one loop over float arrays with the scalars hoisted, so it
// vectorizes; the per-step constants are computed in double first.
DESCENT_SIMD_CLONES
void sgd(float* p, const float* g, long count, float lr, float wd) {
  for (long i = 0; i < count; i++) p[i] -= lr * (g[i] + wd * p[i]);
}

DESCENT_SIMD_CLONES
void momentum(float* p, const float* g, float* m, long count, float lr, float wd, float mu, bool nesterov) {
  if (nesterov) {
    for (long i = 0; i < count; i++) {
      const float grad = g[i] + wd * p[i];
      const float vel = mu * m[i] + grad;
      m[i] = vel;
      p[i] -= lr * (grad + mu * vel);
    }
  } else {
    for (long i = 0; i < count; i++) {
      const float vel = mu * m[i] + (g[i] + wd * p[i]);
      m[i] = vel;
      p[i] -= lr * vel;
    }
  }
}

DESCENT_SIMD_CLONES
void adam(float* p, const float* g, float* m, float* v, long count, float lr, float wd, float beta1, float beta2,
          float one_minus_beta1, float one_minus_beta2, float inv_correction1, float inv_correction2, float epsilon,
          bool decoupled) {
  const float decay = decoupled ? lr * wd : 0.0f;
  const float l2 = decoupled ? 0.0f : wd;
  for (long i = 0; i < count; i++) {
    float param = p[i];
    const float grad = g[i] + l2 * param;
    param -= decay * param;
    const float m1 = beta1 * m[i] + one_minus_beta1 * grad;
    const float m2 = beta2 * v[i] + one_minus_beta2 * grad * grad;
    m[i] = m1;
    v[i] = m2;
    param -= lr * (m1 * inv_correction1) / (std::sqrt(m2 * inv_correction2) + epsilon);
    p[i] = param;
  }
}

void adam_update(float* p, const float* g, float* m, float* v, long count, const UpdateHyper& h, bool decoupled) {
  const double correction1 = 1.0 - std::pow(h.beta1, h.step);
  const double correction2 = 1.0 - std::pow(h.beta2, h.step);
  // 1 - beta in double: in float, 1 - 0.999f is off by 1e-5 relative.
  adam(p, g, m, v, count, static_cast<float>(h.lr), static_cast<float>(h.weight_decay), static_cast<float>(h.beta1),
       static_cast<float>(h.beta2), static_cast<float>(1.0 - h.beta1), static_cast<float>(1.0 - h.beta2),
       static_cast<float>(1.0 / correction1), static_cast<float>(1.0 / correction2), static_cast<float>(h.epsilon),
       decoupled);
}

}  // namespace

namespace opt {

void Sgd::update(float* p, const float* g, float*, long, long count, const UpdateHyper& h) {
  sgd(p, g, count, static_cast<float>(h.lr), static_cast<float>(h.weight_decay));
}

void Momentum::update(float* p, const float* g, float* state, long, long count, const UpdateHyper& h) {
  momentum(p, g, state, count, static_cast<float>(h.lr), static_cast<float>(h.weight_decay),
           static_cast<float>(h.momentum), h.nesterov);
}

void Adam::update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h) {
  adam_update(p, g, state, state + slot_stride, count, h, false);
}

void AdamW::update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h) {
  adam_update(p, g, state, state + slot_stride, count, h, true);
}

}  // namespace opt

void optimizer_update(float* p, const float* g, float* state, long slot_stride, long count, const UpdateHyper& h) {
  if (count <= 0) return;
  switch (h.kind) {
#define DESCENT_CASE(Id, ...)                                  \
  case Opt::Id:                                                \
    opt::Id::update(p, g, state, slot_stride, count, h);       \
    return;
    DESCENT_OPTIMIZERS(DESCENT_CASE)
#undef DESCENT_CASE
  }
}

}  // namespace descent
