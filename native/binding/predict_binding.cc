#include "predict_binding.h"

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "../kernels/plan.h"
#include "../kernels/thread_pool.h"
#include "args.h"
#include "plan_args.h"

namespace descent_binding {

namespace {

// The checked arguments both forms share.
struct PredictArgs {
  descent::CompiledPlan plan;
  std::int64_t n;
  FloatArg params;
  FloatArg x;
};

PredictArgs read_predict_args(const Napi::CallbackInfo& info, const std::string& where, int expected,
                              const char* names) {
  const Napi::Env env = info.Env();
  if (info.Length() < static_cast<std::size_t>(expected)) {
    fail_type(env, where,
              "expected " + std::to_string(expected) + " arguments (" + names + "), received " +
                  std::to_string(info.Length()));
  }
  const descent::Plan plan = read_plan(env, where, info[0]);
  descent::CompiledPlan compiled = descent::compile_plan(plan);
  const std::int64_t n = integer(env, where, "n", info[3], 0, kMaxRows);
  const FloatArg params = float_array_exact(env, where, "params", info[1], static_cast<std::size_t>(plan.size),
                                            "plan.size");
  const FloatArg x = float_array(env, where, "x", info[2], n * compiled.inputs,
                                 rows_text("n", n, "inputs", compiled.inputs));
  return {std::move(compiled), n, params, x};
}

class PredictWorker : public Napi::AsyncWorker {
 public:
  PredictWorker(Napi::Env env, descent::CompiledPlan plan, long n, descent::FloatBuffer params,
                descent::FloatBuffer x)
      : Napi::AsyncWorker(env, "descent:predict"),
        deferred_(Napi::Promise::Deferred::New(env)),
        plan_(std::move(plan)),
        n_(n),
        params_(std::move(params)),
        x_(std::move(x)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // No N-API here, and only this worker's own memory.
  void Execute() override {
    try {
      out_ = descent::FloatBuffer(static_cast<std::size_t>(n_) * plan_.outputs, descent::Uninitialized{});
      // Below the JS thread's priority (thread_pool.h), with its helpers.
      descent::run_in_background("descent-predict", [this] { descent::predict(out_.data(), params_.data(), plan_, x_.data(), n_); });
    } catch (const std::bad_alloc&) {
      SetError("predictAsync: out of memory allocating the outputs and the prediction workspace");
    } catch (const std::exception& e) {
      SetError(std::string("predictAsync: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Float32Array out = Napi::Float32Array::New(env, out_.size());
    if (out_.size() > 0) std::memcpy(out.Data(), out_.data(), out_.size() * sizeof(float));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  descent::CompiledPlan plan_;
  long n_;
  descent::FloatBuffer params_;
  descent::FloatBuffer x_;
  descent::FloatBuffer out_;
};

descent::FloatBuffer copy_of(const FloatArg& source, std::size_t length) {
  descent::FloatBuffer copy(length, descent::Uninitialized{});
  if (length > 0) std::memcpy(copy.data(), source.data, length * sizeof(float));
  return copy;
}

}  // namespace

Napi::Value Predict(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "predict";
  const PredictArgs args = read_predict_args(info, where, 5, "plan, params, x, n, out");
  const FloatArg out = float_array(env, where, "out", info[4], args.n * args.plan.outputs,
                                   rows_text("n", args.n, "outputs", args.plan.outputs));
  if (overlaps(out.data, out.length * 4, args.params.data, args.params.length * 4) ||
      overlaps(out.data, out.length * 4, args.x.data, args.x.length * 4)) {
    fail(env, where, "out must not share memory with params or x");
  }
  try {
    descent::predict(out.data, args.params.data, args.plan, args.x.data, static_cast<long>(args.n));
  } catch (const std::bad_alloc&) {
    fail_range(env, where, "out of memory allocating the prediction workspace");
  } catch (const std::exception& e) {
    fail(env, where, e.what());
  }
  return env.Undefined();
}

Napi::Value PredictAsync(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "predictAsync";
  PredictArgs args = read_predict_args(info, where, 4, "plan, params, x, n");
  const std::size_t cells = static_cast<std::size_t>(args.n) * args.plan.inputs;
  PredictWorker* worker = nullptr;
  try {
    descent::FloatBuffer params = copy_of(args.params, args.params.length);
    descent::FloatBuffer x = copy_of(args.x, cells);
    worker = new PredictWorker(env, std::move(args.plan), static_cast<long>(args.n), std::move(params), std::move(x));
  } catch (const std::bad_alloc&) {
    fail_range(env, where, "out of memory copying x (" + rows_text("n", args.n, "inputs", args.plan.inputs) + ")");
  }
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value PredictChunkRows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "predictChunkRows";
  if (info.Length() < 1) fail_type(env, where, "expected 1 argument (plan), received 0");
  const descent::CompiledPlan plan = descent::compile_plan(read_plan(env, where, info[0]));
  return Napi::Number::New(env, static_cast<double>(descent::predict_chunk_rows(plan)));
}

}  // namespace descent_binding
