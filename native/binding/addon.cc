// descent_native: the addon's entry point. Exports
//   abiVersion, codes, blas, availableCpus(), chooseThreads(sizes, batchSize, threads),
//   kernels: { denseForward, denseBackward, outputLoss, optimizerUpdate, sgemm },
//   predict(params, shape, x, n, out), Trainer.
#include <napi.h>

#include <string>

#include "../kernels/codes.h"
#include "../kernels/network.h"
#include "../kernels/thread_pool.h"
#include "args.h"
#include "kernels_binding.h"
#include "trainer_binding.h"

extern "C" {
// From OpenBLAS (declared here so any cblas.h will do).
void openblas_set_num_threads(int num_threads);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace descent_binding {

namespace {

constexpr int kAbiVersion = 1;

Napi::Value AvailableCpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), descent::available_cpus());
}

// chooseThreads(sizes, batchSize, threads): the thread count a trainer with these settings uses.
Napi::Value ChooseThreads(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "chooseThreads";
  const std::vector<int> sizes = layer_sizes(env, where, "sizes", info[0]);
  const auto batch = integer(env, where, "batchSize", info[1], 1, 1 << 24);
  const auto threads = integer(env, where, "threads", info[2], 0, 1024);
  const descent::NetworkShape shape = descent::make_shape(sizes, descent::kRelu, descent::kSoftmax, descent::kCrossEntropy);
  return Napi::Number::New(env, descent::choose_threads(shape, static_cast<int>(batch), static_cast<int>(threads)));
}

Napi::Object Codes(Napi::Env env) {
  Napi::Object activation = Napi::Object::New(env);
  activation.Set("linear", static_cast<int>(descent::kLinear));
  activation.Set("relu", static_cast<int>(descent::kRelu));
  activation.Set("leaky-relu", static_cast<int>(descent::kLeakyRelu));
  activation.Set("tanh", static_cast<int>(descent::kTanh));
  activation.Set("sigmoid", static_cast<int>(descent::kSigmoid));
  activation.Set("softmax", static_cast<int>(descent::kSoftmax));
  Napi::Object loss = Napi::Object::New(env);
  loss.Set("cross-entropy", static_cast<int>(descent::kCrossEntropy));
  loss.Set("binary-cross-entropy", static_cast<int>(descent::kBinaryCrossEntropy));
  loss.Set("mse", static_cast<int>(descent::kMse));
  Napi::Object optimizer = Napi::Object::New(env);
  optimizer.Set("sgd", static_cast<int>(descent::kSgd));
  optimizer.Set("momentum", static_cast<int>(descent::kMomentum));
  optimizer.Set("adam", static_cast<int>(descent::kAdam));
  optimizer.Set("adamw", static_cast<int>(descent::kAdamW));
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("activation", activation);
  codes.Set("loss", loss);
  codes.Set("optimizer", optimizer);
  codes.Set("leakyReluSlope", Napi::Number::New(env, descent::kLeakyReluSlope));
  return codes;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Every GEMM runs on the thread that calls it: the trainer splits a step
  // over its own threads (see kernels/trainer.h), and OpenBLAS threads on
  // top of those would only compete for the same cores.
  openblas_set_num_threads(1);

  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  exports.Set("codes", Codes(env));
  Napi::Object blas = Napi::Object::New(env);
  blas.Set("config", Napi::String::New(env, openblas_get_config()));
  blas.Set("core", Napi::String::New(env, openblas_get_corename()));
  exports.Set("blas", blas);
  exports.Set("availableCpus", Napi::Function::New(env, AvailableCpus, "availableCpus"));
  exports.Set("chooseThreads", Napi::Function::New(env, ChooseThreads, "chooseThreads"));
  exports.Set("kernels", KernelsObject(env));
  exports.Set("predict", Napi::Function::New(env, Predict, "predict"));
  exports.Set("Trainer", TrainerWrap::Define(env));
  return exports;
}

}  // namespace descent_binding

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return descent_binding::Init(env, exports); }

NODE_API_MODULE(descent_native, InitAddon)
