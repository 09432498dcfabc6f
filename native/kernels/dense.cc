#include "dense.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "activation.h"
#include "codes.h"
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

}  // namespace

DESCENT_SIMD_CLONES
void bias_activation(float* y, const float* b, int rows, int cols, int ld, int act) {
  for (int r = 0; r < rows; r++) {
    float* row = y + static_cast<long>(r) * ld;
    switch (act) {
      case kRelu:
        for (int j = 0; j < cols; j++) {
          const float v = row[j] + b[j];
          row[j] = v < 0.0f ? 0.0f : v;
        }
        break;
      case kLeakyRelu:
        for (int j = 0; j < cols; j++) {
          const float v = row[j] + b[j];
          row[j] = v < 0.0f ? static_cast<float>(v * kLeakyReluSlope) : v;
        }
        break;
      case kTanh:
        for (int j = 0; j < cols; j++) row[j] = tanh_f(row[j] + b[j]);
        break;
      case kSigmoid:
        for (int j = 0; j < cols; j++) row[j] = sigmoid_f(row[j] + b[j]);
        break;
      case kSoftmax:
        for (int j = 0; j < cols; j++) row[j] += b[j];
        softmax_row(row, cols);
        break;
      default:
        for (int j = 0; j < cols; j++) row[j] += b[j];
        break;
    }
  }
}

DESCENT_SIMD_CLONES
void activation_backward_sums(float* dz, const float* y, float* db, int rows, int cols, int ld, int act) {
  for (int j = 0; j < cols; j++) db[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    float* d = dz + static_cast<long>(r) * ld;
    const float* a = y + static_cast<long>(r) * ld;
    switch (act) {
      case kRelu:
        for (int j = 0; j < cols; j++) db[j] += (d[j] *= relu_grad(a[j]));
        break;
      case kLeakyRelu:
        for (int j = 0; j < cols; j++) db[j] += (d[j] *= leaky_relu_grad(a[j]));
        break;
      case kTanh:
        for (int j = 0; j < cols; j++) db[j] += (d[j] *= tanh_grad(a[j]));
        break;
      case kSigmoid:
        for (int j = 0; j < cols; j++) db[j] += (d[j] *= sigmoid_grad(a[j]));
        break;
      default:
        for (int j = 0; j < cols; j++) db[j] += d[j];
        break;
    }
  }
}

DESCENT_SIMD_CLONES
void activation_backward(float* dz, const float* y, int rows, int cols, int ld, int act) {
  for (int r = 0; r < rows; r++) {
    float* d = dz + static_cast<long>(r) * ld;
    const float* a = y + static_cast<long>(r) * ld;
    switch (act) {
      case kRelu:
        for (int j = 0; j < cols; j++) d[j] *= relu_grad(a[j]);
        break;
      case kLeakyRelu:
        for (int j = 0; j < cols; j++) d[j] *= leaky_relu_grad(a[j]);
        break;
      case kTanh:
        for (int j = 0; j < cols; j++) d[j] *= tanh_grad(a[j]);
        break;
      case kSigmoid:
        for (int j = 0; j < cols; j++) d[j] *= sigmoid_grad(a[j]);
        break;
      default:
        break;
    }
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
                   int act) {
  gemm_forward(y, x, w, batch, inputs, outputs);
  bias_activation(y, b, batch, outputs, outputs, act);
}

void dense_backward(float* dw, float* db, float* dx, float* dy, const float* x, const float* w, const float* y,
                    int batch, int inputs, int outputs, int act) {
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
