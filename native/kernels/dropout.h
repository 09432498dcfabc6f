// Dropout with counter-based masks: the keep bit of element (row, j) is a
// hash of (seed, epoch, step, layer, row * width + j), so nothing is stored
// between the forward and backward passes, any split of the batch over
// threads draws the same mask, and the TypeScript reference
// (src/ops/layers/dropout-mask.ts) reproduces it bit for bit.
#pragma once

#include <cstdint>

#include "simd.h"

namespace descent {

// lowbias32 (Chris Wellons' hash-prospector): a full-avalanche 32-bit mixer.
DESCENT_INLINE std::uint32_t mix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}

// The key of one dropout layer in one step: seed is an integer in [0, 2^53).
std::uint32_t dropout_key(double seed, std::uint32_t epoch, std::uint32_t step, std::uint32_t layer);

// Drop probability rate in [0, 1) as the integer threshold the bits are
// compared with (floor(rate * 2^32)) and the scale of the kept values
// (1 / (1 - rate), divided in double, then rounded to float).
struct DropoutParams {
  std::uint64_t threshold;
  float scale;
};
DropoutParams dropout_params(double rate);

// y[r][j] = keep(row0 + r, j) ? x[r][j] * scale : 0 over a contiguous block
// of rows (row stride = width). row0 is the block's first row within the
// batch. y may equal x. Backward is the same call on dy -> dx.
void dropout_apply(float* y,        // y is (rows, width); may equal x
                   const float* x,  // x is (rows, width)
                   int rows, int width, int row0, std::uint32_t key, const DropoutParams& p);

}  // namespace descent
