#pragma once

#include <napi.h>

namespace descent_binding {

// { denseForward, denseBackward, outputLoss, optimizerUpdate, sgemm }
Napi::Object KernelsObject(Napi::Env env);

}  // namespace descent_binding
