// Element-wise activations and their derivatives, written branch-free so
// the compiler vectorizes the loops that call them. Each matches the
// reference (src/backend/reference-kernels.ts) to a few float32 ulps, and
// keeps NaN as NaN so a diverging network shows up as a non-finite loss.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "codes.h"
#include "simd.h"

namespace descent {

DESCENT_INLINE bool is_nan(float x) {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_isnan(x);
#else
  return x != x;
#endif
}

DESCENT_INLINE float bits_to_float(std::int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// e^x for x <= 0 (Cephes expf: range reduction by ln 2, degree-6 polynomial,
// about 1 ulp). Arguments below ln(FLT_MIN) give FLT_MIN-sized results
// rather than denormals; NaN gives a finite value (callers restore NaN).
// The clamps are max/min (NaN-safe in this operand order) so the loops
// that call it vectorize.
DESCENT_INLINE float exp_nonpositive(float x) {
  x = std::max(-87.33f, x);
  x = std::min(x, 0.0f);
  const float fx = x * 1.44269504088896341f;
  const std::int32_t n = static_cast<std::int32_t>(fx - 0.5f);  // round half up for fx <= 0
  const float nf = static_cast<float>(n);
  const float r = (x - nf * 0.693359375f) - nf * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * bits_to_float((n + 127) << 23);
}

// Logistic function, split by sign as the reference does so exp never overflows.
DESCENT_INLINE float sigmoid_f(float z) {
  const float e = exp_nonpositive(-std::fabs(z));
  const float s = 1.0f / (1.0f + e);
  const float y = z >= 0.0f ? s : e * s;
  return is_nan(z) ? z : y;
}

// tanh: an odd polynomial near 0 (Cephes tanhf), (1 - e^-2a) / (1 + e^-2a) beyond.
DESCENT_INLINE float tanh_f(float z) {
  const float a = std::fabs(z);
  const float z2 = z * z;
  float p = -5.70498872745e-3f;
  p = p * z2 + 2.06390887954e-2f;
  p = p * z2 - 5.37397155531e-2f;
  p = p * z2 + 1.33314422036e-1f;
  p = p * z2 - 3.33332819422e-1f;
  const float small = p * z2 * z + z;
  const float e = exp_nonpositive(-2.0f * a);
  const float large_abs = (1.0f - e) / (1.0f + e);
  const float large = z < 0.0f ? -large_abs : large_abs;
  const float y = a < 0.625f ? small : large;
  return is_nan(z) ? z : y;
}

// The derivative of an element-wise activation from its output a = act(z).
DESCENT_INLINE float relu_grad(float a) { return a > 0.0f ? 1.0f : 0.0f; }
DESCENT_INLINE float leaky_relu_grad(float a) { return a > 0.0f ? 1.0f : static_cast<float>(kLeakyReluSlope); }
DESCENT_INLINE float tanh_grad(float a) { return 1.0f - a * a; }
DESCENT_INLINE float sigmoid_grad(float a) { return a * (1.0f - a); }

// Generic scalar forms, for code that is not performance-critical.
inline float activate_scalar(float v, int act) {
  switch (act) {
    case kRelu: return v < 0.0f ? 0.0f : v;
    case kLeakyRelu: return v < 0.0f ? static_cast<float>(v * kLeakyReluSlope) : v;
    case kTanh: return tanh_f(v);
    case kSigmoid: return sigmoid_f(v);
    default: return v;
  }
}

inline float activation_grad_scalar(float a, int act) {
  switch (act) {
    case kRelu: return relu_grad(a);
    case kLeakyRelu: return leaky_relu_grad(a);
    case kTanh: return tanh_grad(a);
    case kSigmoid: return sigmoid_grad(a);
    default: return 1.0f;
  }
}

}  // namespace descent
