// descent_native: the addon's entry point. Exports
//   abiVersion, ops (the op tables of kernels/ops.h, by name), blas,
//   availableCpus(), chooseThreads(plan, batchSize, threads),
//   kernels: { denseForward, denseBackward, activationForward, activationBackward,
//              outputLoss, optimizerUpdate, dropoutForward, dropoutBackward, sgemm },
//   predict(plan, params, x, n, out), predictChunkRows(plan), predictAsync(plan, params, x, n), threadLeases(), Trainer.
#include <napi.h>

#include <string>

#include "../kernels/plan.h"
#include "../kernels/thread_pool.h"
#include "args.h"
#include "kernels_binding.h"
#include "plan_args.h"
#include "predict_binding.h"
#include "trainer_binding.h"

extern "C" {
// From OpenBLAS (declared here so any cblas.h will do).
void openblas_set_num_threads(int num_threads);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace descent_binding {

namespace {

// 2: plans and op names (ops) replace sizes and codes; the trainer owns copies.
// 3: the trainer loads rows in slices (copyRows, loadRows); predictAsync; threadLeases.
// 4: predictChunkRows is a function of the plan (fewer rows for wide layers).
// 5: the trainer allocates in prepare() (a promise), off the JS thread; copyRows is gone.
constexpr int kAbiVersion = 5;

Napi::Value AvailableCpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), descent::available_cpus());
}

// chooseThreads(plan, batchSize, threads): the thread count a trainer with these settings uses.
Napi::Value ChooseThreads(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "chooseThreads";
  const descent::CompiledPlan plan = descent::compile_plan(read_plan(env, where, info[0]));
  const auto batch = integer(env, where, "batchSize", info[1], 1, 1 << 24);
  const auto threads = integer(env, where, "threads", info[2], 0, 1024);
  return Napi::Number::New(env, descent::choose_threads(plan, static_cast<int>(batch), static_cast<int>(threads)));
}

// threadLeases(): { leases, threads, peakExtra } of the process-wide CPU
// share (kernels/thread_pool.h ThreadLease).
// setBackgroundNice(n): background threads started from now on run at the
// process's nice + n, n an integer in [0, 19].
Napi::Value SetBackgroundNice(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int nice = static_cast<int>(integer(env, "setBackgroundNice", "nice", info[0], 0, 19));
  descent::set_background_nice(nice);
  return env.Undefined();
}

Napi::Value ThreadLeases(const Napi::CallbackInfo& info) {
  const descent::ThreadLease::Usage usage = descent::ThreadLease::usage();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("leases", usage.leases);
  result.Set("threads", usage.threads);
  result.Set("peakExtra", usage.peak_extra);
  return result;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Every GEMM runs on the thread that calls it: the trainer splits a step
  // over its own threads (see kernels/trainer.h), and OpenBLAS threads on
  // top of those would only compete for the same cores.
  openblas_set_num_threads(1);

  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  exports.Set("ops", ops_object(env));
  Napi::Object blas = Napi::Object::New(env);
  blas.Set("config", Napi::String::New(env, openblas_get_config()));
  blas.Set("core", Napi::String::New(env, openblas_get_corename()));
  exports.Set("blas", blas);
  exports.Set("availableCpus", Napi::Function::New(env, AvailableCpus, "availableCpus"));
  exports.Set("chooseThreads", Napi::Function::New(env, ChooseThreads, "chooseThreads"));
  exports.Set("kernels", KernelsObject(env));
  exports.Set("predict", Napi::Function::New(env, Predict, "predict"));
  exports.Set("predictChunkRows", Napi::Function::New(env, PredictChunkRows, "predictChunkRows"));
  exports.Set("predictAsync", Napi::Function::New(env, PredictAsync, "predictAsync"));
  exports.Set("threadLeases", Napi::Function::New(env, ThreadLeases, "threadLeases"));
  exports.Set("setBackgroundNice", Napi::Function::New(env, SetBackgroundNice, "setBackgroundNice"));
  exports.Set("Trainer", TrainerWrap::Define(env));
  return exports;
}

}  // namespace descent_binding

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return descent_binding::Init(env, exports); }

NODE_API_MODULE(descent_native, InitAddon)
