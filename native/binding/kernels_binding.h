#pragma once

#include <napi.h>

namespace descent_binding {

// { denseForward, denseBackward, activationForward, activationBackward, outputLoss,
//   optimizerUpdate, dropoutForward, dropoutBackward, sgemm }
Napi::Object KernelsObject(Napi::Env env);

}  // namespace descent_binding
