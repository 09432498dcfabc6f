// The activations (one struct per DESCENT_ACTIVATIONS entry, ops.h) and
// the numerics they share, written branch-free so the compiler vectorizes
// the loops that call them. Each matches its
// reference (src/ops/activations/<name>.ts) to a few float32 ulps, and
// keeps NaN as NaN so a diverging network shows up as a non-finite loss.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ops.h"
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

// --- One struct per DESCENT_ACTIVATIONS entry ------------------------------
// forward(z) = a; derivative(z, a) = da/dz, given the input z and the output
// a (an activation whose kDerivative is Output reads only a, and callers that
// no longer hold z pass 0; one whose kDerivative is Input reads only z).
// Softmax is row-wise: its forward and its Jacobian live with the row
// kernels (dense.cc, output_loss.cc), the struct only names it.
namespace act {

struct Linear {
  static constexpr Derivative kDerivative = Derivative::Output;
  DESCENT_INLINE static float forward(float z) { return z; }
  DESCENT_INLINE static float derivative(float, float) { return 1.0f; }
};

struct Relu {
  static constexpr Derivative kDerivative = Derivative::Output;
  DESCENT_INLINE static float forward(float z) { return z < 0.0f ? 0.0f : z; }
  DESCENT_INLINE static float derivative(float, float a) { return a > 0.0f ? 1.0f : 0.0f; }
};

struct LeakyRelu {
  static constexpr Derivative kDerivative = Derivative::Output;
  // The product in double, rounded once, as the reference's z * 0.01 is.
  DESCENT_INLINE static float forward(float z) { return z < 0.0f ? static_cast<float>(z * kLeakyReluSlope) : z; }
  DESCENT_INLINE static float derivative(float, float a) {
    return a > 0.0f ? 1.0f : static_cast<float>(kLeakyReluSlope);
  }
};

struct Tanh {
  static constexpr Derivative kDerivative = Derivative::Output;
  DESCENT_INLINE static float forward(float z) { return tanh_f(z); }
  DESCENT_INLINE static float derivative(float, float a) { return 1.0f - a * a; }
};

struct Sigmoid {
  static constexpr Derivative kDerivative = Derivative::Output;
  DESCENT_INLINE static float forward(float z) { return sigmoid_f(z); }
  DESCENT_INLINE static float derivative(float, float a) { return a * (1.0f - a); }
};

// Row-wise (output only): no element-wise forms.
struct Softmax {
  static constexpr Derivative kDerivative = Derivative::Row;
};

// GELU, tanh approximation (PyTorch approximate='tanh'):
// u = sqrt(2/pi) (z + 0.044715 z^3), gelu = 0.5 z (1 + tanh u).
struct Gelu {
  static constexpr Derivative kDerivative = Derivative::Input;
  static constexpr float kC = 0.7978845608028654f;  // sqrt(2 / pi)
  static constexpr float kA = 0.044715f;
  DESCENT_INLINE static float forward(float z) {
    const float t = tanh_f(kC * (z + kA * z * z * z));
    return 0.5f * z * (1.0f + t);
  }
  DESCENT_INLINE static float derivative(float z, float) {
    const float z2 = z * z;
    const float t = tanh_f(kC * (z + kA * z2 * z));
    return 0.5f * (1.0f + t) + 0.5f * z * (1.0f - t * t) * kC * (1.0f + 3.0f * kA * z2);
  }
};

// SiLU (swish): z sigmoid(z); derivative s (1 + z (1 - s)).
struct Silu {
  static constexpr Derivative kDerivative = Derivative::Input;
  DESCENT_INLINE static float forward(float z) { return z * sigmoid_f(z); }
  DESCENT_INLINE static float derivative(float z, float) {
    const float s = sigmoid_f(z);
    return s * (1.0f + z * (1.0f - s));
  }
};

}  // namespace act

// The table and the structs agree on where each derivative comes from.
#define DESCENT_CHECK_ACT(Id, name, hidden, output, derivative)                 \
  static_assert(act::Id::kDerivative == (derivative), "act::" #Id ": kDerivative differs from DESCENT_ACTIVATIONS");
DESCENT_ACTIVATIONS(DESCENT_CHECK_ACT)
#undef DESCENT_CHECK_ACT

// Generic scalar forms, for code that is not performance-critical (a
// row-wise activation has none: the identity and 1 here, callers handle rows).
template <typename A>
DESCENT_INLINE float forward_or_identity(float z) {
  if constexpr (A::kDerivative != Derivative::Row) {
    return A::forward(z);
  } else {
    return z;
  }
}

template <typename A>
DESCENT_INLINE float derivative_or_one(float z, float a) {
  if constexpr (A::kDerivative != Derivative::Row) {
    return A::derivative(z, a);
  } else {
    return 1.0f;
  }
}

inline float activate_scalar(float z, Act a) {
  switch (a) {
#define DESCENT_CASE(Id, ...) \
  case Act::Id:               \
    return forward_or_identity<act::Id>(z);
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
  return z;
}

inline float derivative_scalar(float z, float y, Act a) {
  switch (a) {
#define DESCENT_CASE(Id, ...) \
  case Act::Id:               \
    return derivative_or_one<act::Id>(z, y);
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
  return 1.0f;
}

}  // namespace descent
