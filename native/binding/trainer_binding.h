// The native Trainer object (addon.Trainer) and synchronous predict.
#pragma once

#include <napi.h>

#include <memory>

#include "../kernels/trainer.h"

namespace descent_binding {

// new Trainer(params, data, config)
//   params: Float32Array (the parameter layout of config.sizes), updated in place
//   data:   { x: Float32Array (n, inputs), n, labels: Int32Array | null, targets: Float32Array | null }
//   config: { sizes, activation, output, loss, batchSize, threads,
//             optimizer: { kind, momentum, nesterov, beta1, beta2, epsilon, weightDecay } }
// trainer.trainEpoch(order: Uint32Array, batchSize, lr, cancel?: Int32Array(1)) -> Promise<result>
// trainer.dispose(); trainer.threads; trainer.running; trainer.disposed
//
// The trainer holds references to params, x, labels and targets (zero-copy:
// the kernels read and write them in place), so they live as long as it
// does. Gradients, optimizer state and workspaces live in C++.
class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);
  ~TrainerWrap() override;

 private:
  friend class EpochWorker;

  Napi::Value TrainEpoch(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Threads(const Napi::CallbackInfo& info);
  Napi::Value Running(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);
  // Called on the JS thread when an epoch ends, successfully or not.
  void EpochFinished();
  void Release();

  std::unique_ptr<descent::TrainerCore> core_;
  Napi::ObjectReference params_;
  Napi::ObjectReference x_;
  float x_scale_ = 1.0f;  // an input is a byte of data.x times this, when data.x is a Uint8Array
  Napi::ObjectReference labels_;
  Napi::ObjectReference targets_;
  long n_ = 0;
  bool running_ = false;
  bool disposed_ = false;
};

// predict(params, shape: { sizes, activation, output }, x, n, out)
Napi::Value Predict(const Napi::CallbackInfo& info);

}  // namespace descent_binding
