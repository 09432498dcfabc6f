// The dense layer kernels of dense.h split over threads, for standalone
// calls (addon.kernels.denseForward / denseBackward). The work is cut the
// way the training step cuts it (kernels/trainer.cc): batch rows for the
// forward pass, dz and dx; rows of W (the inputs) for dW; columns for db.
// The threads are a persistent pool shared by all such calls, created on
// first use and sized to the CPUs.
//
// The result depends only on the thread count asked for, never on the pool
// or the machine: `threads` is the number of parts the work is cut into,
// and a pool smaller than that (or one busy with a concurrent call, which
// then runs on the calling thread) runs several parts per thread.
#pragma once

#include "ops.h"

namespace descent {

// Parts a standalone dense call is cut into: `requested` when positive (at
// most 64); otherwise 1 below 8 MFLOP (waking the pool costs more than a
// second thread gains), more as the work grows, up to the CPUs this process
// may use, and never fewer than 8 batch rows per part.
int choose_dense_threads(double flops, int batch, int requested);

// dense_forward (dense.h) over `threads` parts (0 = choose_dense_threads).
void dense_forward_parallel(float* y,        // y is (batch, outputs)
                            const float* x,  // x is (batch, inputs)
                            const float* w,  // w is (inputs, outputs)
                            const float* b,  // b is (outputs)
                            int batch, int inputs, int outputs, Act act, int threads);

// dense_backward (dense.h) over `threads` parts (0 = choose_dense_threads).
// With more than one part, db is the column sums of dz taken after dz is
// complete (rows summed in order, whatever the thread count).
void dense_backward_parallel(float* dw,       // dw is (inputs, outputs), overwritten
                             float* db,       // db is (outputs), overwritten
                             float* dx,       // dx is (batch, inputs), or null
                             float* dy,       // dy is (batch, outputs), becomes dz
                             const float* x,  // x is (batch, inputs)
                             const float* w,  // w is (inputs, outputs)
                             const float* y,  // y is (batch, outputs), the activated output
                             int batch, int inputs, int outputs, Act act, int threads);

}  // namespace descent
