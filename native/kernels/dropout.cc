#include "dropout.h"

#include <cmath>

namespace descent {

std::uint32_t dropout_key(double seed, std::uint32_t epoch, std::uint32_t step, std::uint32_t layer) {
  // seed < 2^53: both halves are exact in double.
  const double hi = std::floor(seed / 4294967296.0);
  const std::uint32_t seed_hi = static_cast<std::uint32_t>(hi);
  const std::uint32_t seed_lo = static_cast<std::uint32_t>(seed - hi * 4294967296.0);
  return mix32(seed_lo ^ mix32(seed_hi ^ mix32(epoch ^ mix32(step ^ mix32(layer)))));
}

DropoutParams dropout_params(double rate) {
  // rate < 1 keeps floor(rate * 2^32) below 2^32 (rate * 2^32 is exact in double).
  return {static_cast<std::uint64_t>(std::floor(rate * 4294967296.0)), static_cast<float>(1.0 / (1.0 - rate))};
}

// One flat loop per row (u = row * width + j, wrapping), so it vectorizes:
// the hash is 32-bit integer multiplies and shifts.
DESCENT_SIMD_CLONES
void dropout_apply(float* y, const float* x, int rows, int width, int row0, std::uint32_t key,
                   const DropoutParams& p) {
  const float scale = p.scale;
  // The spec compares as uint64; rate < 1 keeps the threshold below 2^32,
  // so the 32-bit compare is the same and vectorizes.
  const std::uint32_t threshold = static_cast<std::uint32_t>(p.threshold);
  for (int r = 0; r < rows; r++) {
    const std::uint32_t base = static_cast<std::uint32_t>(row0 + r) * static_cast<std::uint32_t>(width);
    const float* xr = x + static_cast<long>(r) * width;
    float* yr = y + static_cast<long>(r) * width;
    for (int j = 0; j < width; j++) {
      const std::uint32_t u = base + static_cast<std::uint32_t>(j);
      const std::uint32_t bits = mix32(key + u * 0x9e3779b9u);
      yr[j] = bits >= threshold ? xr[j] * scale : 0.0f;
    }
  }
}

}  // namespace descent
