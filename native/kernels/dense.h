// Dense layer kernels: y = act(x W + b) and its backward pass. Row-major
// throughout; W is (inputs, outputs) as a plan's dense layer stores it
// (src/plan.ts). Same names, meaning and argument order as
// src/backend/reference-kernels.ts.
#pragma once

#include "ops.h"

namespace descent {

// y = act(x W + b): one GEMM, then bias and activation in one pass over y.
// act may be any activation, softmax included (row-wise).
void dense_forward(float* y,        // y is (batch, outputs)
                   const float* x,  // x is (batch, inputs)
                   const float* w,  // w is (inputs, outputs)
                   const float* b,  // b is (outputs)
                   int batch, int inputs, int outputs, Act act);

// Backward through y = act(x W + b) given dy = dL/dy. dy is overwritten with
// dz = dy * act'(y) (the bias gradient is summed in the same pass); then
// dw = x^T dz, db = the column sums of dz, and, unless dx is null (the first
// layer), dx = dz W^T. act must take its derivative from the output
// (derivative_from_output): the others need z, which y = act(z) has lost.
void dense_backward(float* dw,       // dw is (inputs, outputs), overwritten
                    float* db,       // db is (outputs), overwritten
                    float* dx,       // dx is (batch, inputs), or null
                    float* dy,       // dy is (batch, outputs), becomes dz
                    const float* x,  // x is (batch, inputs)
                    const float* w,  // w is (inputs, outputs)
                    const float* y,  // y is (batch, outputs), the activated output
                    int batch, int inputs, int outputs, Act act);

// The pieces the whole-network step composes, each on a block of a larger
// row-major matrix (ld is the row stride of the full matrix, in floats).

// y = act(y + b) row by row; softmax is row-wise, the rest element-wise.
void bias_activation(float* y,        // y is (rows, cols), stride ld
                     const float* b,  // b is (cols)
                     int rows, int cols, int ld, Act act);

// Softmax of each row in place (rows contiguous, stride cols).
void softmax_rows(float* y,  // y is (rows, cols)
                  int rows, int cols);

// dz *= act'(y) and, in the same pass, db[j] = sum over rows of dz[r][j]
// (rows summed in order, as column_sums does).
void activation_backward_sums(float* dz,       // dz is (rows, cols), stride ld
                              const float* y,  // y is (rows, cols), stride ld
                              float* db,       // db is (cols), overwritten
                              int rows, int cols, int ld, Act act);

// dz *= act'(y), element-wise (act must take its derivative from the output).
void activation_backward(float* dz,       // dz is (rows, cols), stride ld
                         const float* y,  // y is (rows, cols), stride ld
                         int rows, int cols, int ld, Act act);

// a = act(z) element-wise over a contiguous block (act element-wise; a may be z).
void activation_forward(float* a,        // a is (count); may equal z
                        const float* z,  // z is (count)
                        long count, Act act);

// dz = dy * act'(z, a) element-wise (act element-wise). z is read only when
// the derivative comes from the input, a only when it comes from the output:
// the other may be null. dz may equal dy (in place).
void activation_backward_elementwise(float* dz,        // dz is (count); may equal dy
                                     const float* dy,  // dy is (count)
                                     const float* z,   // z is (count), or null when unused
                                     const float* a,   // a is (count), or null when unused
                                     long count, Act act);

// db[j] = sum over rows of dz[r][j] (rows summed in order).
void column_sums(float* db,        // db is (cols), overwritten
                 const float* dz,  // dz is (rows, cols), stride ld
                 int rows, int cols, int ld);

// y = x W for a block of rows: C (rows, outputs) = A (rows, inputs) B (inputs, outputs).
void gemm_forward(float* y,        // y is (rows, outputs), stride outputs
                  const float* x,  // x is (rows, inputs), stride inputs
                  const float* w,  // w is (inputs, outputs)
                  int rows, int inputs, int outputs);

// dw rows [i0, i0+count) = x[:, i0:i0+count]^T dz.
void gemm_weight_gradient(float* dw,        // dw is (count, outputs): rows i0.. of the layer's dw
                          const float* x,   // x is (batch, count), stride ldx: columns i0.. of the layer input
                          const float* dz,  // dz is (batch, outputs)
                          int batch, int count, int outputs, int ldx);

// dx[:, i0:i0+count] = dz W[i0:i0+count, :]^T.
void gemm_input_gradient(float* dx,        // dx is (batch, count), stride ldx: columns i0.. of dL/dx
                         const float* dz,  // dz is (batch, outputs)
                         const float* w,   // w is (count, outputs): rows i0.. of W
                         int batch, int count, int outputs, int ldx);

// C = A B, row-major, split by rows of C over `threads` threads started for
// the call (each runs a single-threaded GEMM). For measuring the machine.
void sgemm(float* c,        // c is (m, n)
           const float* a,  // a is (m, k)
           const float* b,  // b is (k, n)
           int m, int n, int k, int threads);

}  // namespace descent
