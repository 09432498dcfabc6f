#include "dense.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "activations.h"
#include "ops.h"
#include "simd.h"

namespace descent {

namespace {

// Softmax of one row in place, shifted by its max, as the reference computes
// it: e = exp(y - max) stored (rounded to float), summed in double, then e / sum.
void softmax_row(float* y, int cols) {
  double max = -INFINITY;
  bool nan = false;
  for (int j = 0; j < cols; j++) {
    max = y[j] > max ? y[j] : max;
    nan = nan || y[j] != y[j];  // a NaN makes the row NaN, as Math.max does
  }
  if (nan) max = NAN;
  double sum = 0.0;
  for (int j = 0; j < cols; j++) {
    const double e = std::exp(static_cast<double>(y[j]) - max);
    y[j] = static_cast<float>(e);
    sum += e;
  }
  for (int j = 0; j < cols; j++) y[j] = static_cast<float>(y[j] / sum);
}

// The per-activation loops, instantiated for each table entry. Always
// inlined, so each lands (and vectorizes) inside every SIMD clone of the
// dispatching function below.
template <typename A>
DESCENT_INLINE void bias_activation_rows(float* y, const float* b, int rows, int cols, int ld) {
  for (int r = 0; r < rows; r++) {
    float* row = y + static_cast<long>(r) * ld;
    if constexpr (A::kDerivative == Derivative::Row) {
      for (int j = 0; j < cols; j++) row[j] += b[j];
      softmax_row(row, cols);
    } else {
      for (int j = 0; j < cols; j++) row[j] = A::forward(row[j] + b[j]);
    }
  }
}

// For from-output activations only: derivative(0, a), z being gone. The
// others compile to nothing here: the plan compiler fuses only from-output
// activations into a dense layer and the binding refuses the rest
// (denseBackward says to use activationBackward).
template <typename A>
DESCENT_INLINE void backward_sums_rows(float* dz, const float* y, float* db, int rows, int cols, int ld) {
  if constexpr (A::kDerivative == Derivative::Output) {
  for (int j = 0; j < cols; j++) db[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    float* d = dz + static_cast<long>(r) * ld;
    const float* a = y + static_cast<long>(r) * ld;
    for (int j = 0; j < cols; j++) db[j] += (d[j] *= A::derivative(0.0f, a[j]));
  }
  }
}

template <typename A>
DESCENT_INLINE void backward_rows(float* dz, const float* y, int rows, int cols, int ld) {
  if constexpr (A::kDerivative == Derivative::Output) {
  for (int r = 0; r < rows; r++) {
    float* d = dz + static_cast<long>(r) * ld;
    const float* a = y + static_cast<long>(r) * ld;
    for (int j = 0; j < cols; j++) d[j] *= A::derivative(0.0f, a[j]);
  }
  }
}

template <typename A>
DESCENT_INLINE void forward_flat(float* a, const float* z, long count) {
  if constexpr (A::kDerivative != Derivative::Row) {
    for (long i = 0; i < count; i++) a[i] = A::forward(z[i]);
  }
}

template <typename A>
DESCENT_INLINE void backward_flat(float* dz, const float* dy, const float* z, const float* a, long count) {
  if constexpr (A::kDerivative == Derivative::Input) {
    for (long i = 0; i < count; i++) dz[i] = dy[i] * A::derivative(z[i], 0.0f);
  } else if constexpr (A::kDerivative == Derivative::Output) {
    for (long i = 0; i < count; i++) dz[i] = dy[i] * A::derivative(0.0f, a[i]);
  }
}

}  // namespace

void softmax_rows(float* y, int rows, int cols) {
  for (int r = 0; r < rows; r++) softmax_row(y + static_cast<long>(r) * cols, cols);
}

// Every switch below expands DESCENT_ACTIVATIONS: a table entry without its
// act:: struct fails here. Entries an entry point does not accept (checked
// by the callers) compile to nothing.
DESCENT_SIMD_CLONES
void bias_activation(float* y, const float* b, int rows, int cols, int ld, Act act) {
  switch (act) {
#define DESCENT_CASE(Id, ...)                                  \
  case Act::Id:                                                \
    bias_activation_rows<act::Id>(y, b, rows, cols, ld);       \
    break;
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
}

DESCENT_SIMD_CLONES
void activation_backward_sums(float* dz, const float* y, float* db, int rows, int cols, int ld, Act act) {
  switch (act) {
#define DESCENT_CASE(Id, ...)                                                  \
  case Act::Id:                                                                \
    backward_sums_rows<act::Id>(dz, y, db, rows, cols, ld); \
    break;
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
}

DESCENT_SIMD_CLONES
void activation_backward(float* dz, const float* y, int rows, int cols, int ld, Act act) {
  switch (act) {
#define DESCENT_CASE(Id, ...)                                                  \
  case Act::Id:                                                                \
    backward_rows<act::Id>(dz, y, rows, cols, ld); \
    break;
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
}

DESCENT_SIMD_CLONES
void activation_forward(float* a, const float* z, long count, Act act) {
  switch (act) {
#define DESCENT_CASE(Id, ...)                                                  \
  case Act::Id:                                                                \
    forward_flat<act::Id>(a, z, count); \
    break;
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
}

DESCENT_SIMD_CLONES
void activation_backward_elementwise(float* dz, const float* dy, const float* z, const float* a, long count,
                                     Act act) {
  switch (act) {
#define DESCENT_CASE(Id, ...)                                                  \
  case Act::Id:                                                                \
    backward_flat<act::Id>(dz, dy, z, a, count); \
    break;
    DESCENT_ACTIVATIONS(DESCENT_CASE)
#undef DESCENT_CASE
  }
}

void column_sums(float* db, const float* dz, int rows, int cols, int ld) {
  for (int j = 0; j < cols; j++) db[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float* d = dz + static_cast<long>(r) * ld;
    for (int j = 0; j < cols; j++) db[j] += d[j];
  }
}

void gemm_forward(float* y, const float* x, const float* w, int rows, int inputs, int outputs) {
  if (rows <= 0 || outputs <= 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, outputs, inputs, 1.0f, x, inputs, w, outputs,
              0.0f, y, outputs);
}

void gemm_weight_gradient(float* dw, const float* x, const float* dz, int batch, int count, int outputs, int ldx) {
  if (count <= 0 || outputs <= 0) return;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, count, outputs, batch, 1.0f, x, ldx, dz, outputs, 0.0f, dw,
              outputs);
}

void gemm_input_gradient(float* dx, const float* dz, const float* w, int batch, int count, int outputs, int ldx) {
  if (batch <= 0 || count <= 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, count, outputs, 1.0f, dz, outputs, w, outputs, 0.0f,
              dx, ldx);
}

void dense_forward(float* y, const float* x, const float* w, const float* b, int batch, int inputs, int outputs,
                   Act act) {
  gemm_forward(y, x, w, batch, inputs, outputs);
  bias_activation(y, b, batch, outputs, outputs, act);
}

void dense_backward(float* dw, float* db, float* dx, float* dy, const float* x, const float* w, const float* y,
                    int batch, int inputs, int outputs, Act act) {
  activation_backward_sums(dy, y, db, batch, outputs, outputs, act);
  gemm_weight_gradient(dw, x, dy, batch, inputs, outputs, inputs);
  if (dx != nullptr) gemm_input_gradient(dx, dy, w, batch, inputs, outputs, inputs);
}

void sgemm(float* c, const float* a, const float* b, int m, int n, int k, int threads) {
  auto rows = [=](int begin, int end) {
    if (end > begin) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, end - begin, n, k, 1.0f, a + static_cast<long>(begin) * k,
                  k, b, n, 0.0f, c + static_cast<long>(begin) * n, n);
    }
  };
  threads = std::max(1, std::min(threads, m));
  const int chunk = (m + threads - 1) / threads;
  std::vector<std::thread> helpers;
  int done = chunk;  // rows [0, chunk) are this thread's
  try {
    for (int t = 1; t < threads; t++) {
      const int begin = std::min(m, t * chunk);
      helpers.emplace_back(rows, begin, std::min(m, begin + chunk));
      done = std::min(m, begin + chunk);
    }
  } catch (...) {
    // Could not start a thread: do its rows here.
  }
  rows(done, m);
  rows(0, std::min(m, chunk));
  for (auto& helper : helpers) helper.join();
}

}  // namespace descent
