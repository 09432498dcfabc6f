// The native Trainer object (addon.Trainer).
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "../kernels/trainer.h"

namespace descent_binding {

// new Trainer(plan, params, moments, data, config)
//   plan:    { inputs, size, layers: [...] } (plan_args.h)
//   params:  Float32Array (plan.size)
//   moments: Float32Array (slots * plan.size), or null for an optimizer without state
//   data:    { x: Float32Array | Uint8Array (n, inputs), xScale, n, labels: Int32Array | null,
//              targets: Float32Array | null }; copied in
//   config:  { batchSize, threads (0 chooses), seed, step, probe,
//              optimizer: { kind, momentum, nesterov, beta1, beta2, epsilon, weightDecay } }
// The constructor checks its arguments and allocates nothing.
// trainer.prepare() -> Promise<undefined>: allocates the trainer's memory
//   and starts its threads on a worker thread, then copies in params and
//   moments (on the JS thread, when it resolves).
// trainer.loadRows(count) -> rows loaded: copies the next count rows from the
//   data arrays, after prepare; trainEpoch needs all n.
// trainer.trainEpoch(order: Uint32Array, batchSize, lr, epoch, syncState = true) -> Promise<result with step>
// trainer.writeState() -> step; trainer.cancel(); trainer.dispose();
// trainer.threads, trainer.step, trainer.running, trainer.disposed
//
// The worker thread reads and writes only memory the trainer owns: JS may
// detach or change its arrays at any time without the worker noticing.
// Between epochs JS holds the truth for params: each trainEpoch loads them
// from the JS array (on the JS thread) and writes them back when the epoch
// ends, so a change JS makes between epochs is trained on, as on the js
// backend. The moments are loaded when the trainer is made and written
// back at the end of an epoch run with syncState, or by writeState().
class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);
  ~TrainerWrap() override;

 private:
  friend class EpochWorker;
  friend class PrepareWorker;

  // What the constructor checked, for prepare to allocate.
  struct Spec {
    descent::CompiledPlan compiled;
    descent::UpdateHyper hyper;
    int batch_size;
    int threads;
    double seed;
    long long step;
    std::int64_t n;
    float x_scale;
    bool bytes;
    bool has_labels;
    bool has_targets;
    int slots;
    std::size_t size;
  };

  Napi::Value Prepare(const Napi::CallbackInfo& info);
  Napi::Value TrainEpoch(const Napi::CallbackInfo& info);
  Napi::Value LoadRows(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value WriteState(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Threads(const Napi::CallbackInfo& info);
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value Running(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);
  // The last epoch's per-layer statistics (config.probe), between epochs.
  Napi::Value LayerStats(const Napi::CallbackInfo& info);
  // Called on the JS thread when an epoch ends, successfully or not.
  void EpochFinished();
  void CopyRows(const Napi::Env& env, const std::string& where, std::int64_t count);
  void Release();
  const char* Adopt(const Napi::Env& env, std::unique_ptr<descent::ThreadLease> lease,
                    std::unique_ptr<descent::TrainerCore> core, std::string* why);
  // Copy params and moments between the JS arrays and the trainer's own;
  // on failure the name of the array (its reason in `why`), else null.
  const char* LoadFromJs(const Napi::Env& env, std::string* why);
  const char* StoreIntoJs(const Napi::Env& env, std::string* why, bool with_moments);

  std::unique_ptr<Spec> spec_;                   // set by the constructor
  std::unique_ptr<descent::ThreadLease> lease_;  // this trainer's share of the CPUs (from prepare)
  std::unique_ptr<descent::TrainerCore> core_;   // from prepare
  bool preparing_ = false;
  bool probe_ = false;
  Napi::ObjectReference x_;        // the JS data.x while rows remain to be loaded
  Napi::ObjectReference answers_;  // the JS data.labels or data.targets, likewise
  std::int64_t loaded_ = 0;        // rows copied in so far
  Napi::ObjectReference params_;   // the JS params array
  Napi::ObjectReference moments_;  // the JS moments array (empty when null)
  std::vector<std::uint32_t> order_;  // the running epoch's order, owned
  bool running_ = false;
  bool disposed_ = false;
};

}  // namespace descent_binding
