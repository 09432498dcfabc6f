// Prediction through a compiled plan (kernels/plan.h predict).
#pragma once

#include <napi.h>

namespace descent_binding {

// predict(plan, params: Float32Array (plan.size), x: Float32Array (n, inputs), n,
//         out: Float32Array (n, outputs)): synchronous, on the JS thread.
Napi::Value Predict(const Napi::CallbackInfo& info);

// predictAsync(plan, params, x, n) -> Promise<Float32Array (n, outputs)>:
// params and x are copied on the JS thread when called; the rows are
// computed on a libuv worker thread that reads only those copies, so JS
// may change or transfer its arrays as soon as the call returns.
Napi::Value PredictAsync(const Napi::CallbackInfo& info);

// predictChunkRows(plan) -> number: predict computes rows in chunks of this
// many counted from row 0 (a power of two, at most 256, fewer for a plan
// with a wide layer: kernels/plan.h predict_chunk_rows).
Napi::Value PredictChunkRows(const Napi::CallbackInfo& info);

}  // namespace descent_binding
