#include "trainer_binding.h"

#include <cmath>
#include <exception>
#include <new>
#include <string>

#include "../kernels/codes.h"
#include "../kernels/network.h"
#include "args.h"

namespace descent_binding {

namespace {

constexpr std::int64_t kMaxRows = 4294967295LL;  // order holds uint32 row indices
constexpr std::int64_t kMaxBatch = 1 << 24;
constexpr std::int64_t kMaxThreads = 1024;

const char* const kActivationNames[] = {"linear", "relu", "leaky-relu", "tanh", "sigmoid", "softmax"};
const char* const kLossNames[] = {"cross-entropy", "binary-cross-entropy", "mse"};

std::string rows_text(const char* a, std::int64_t x, const char* b, std::int64_t y) {
  return std::string(a) + " * " + b + " = " + std::to_string(x) + " * " + std::to_string(y);
}

// The typed arrays a trainer reads, fetched again (and re-checked) before every epoch.
struct DataViews {
  FloatArg params;
  FloatArg x;       // float inputs, or {nullptr, 0} when x_bytes holds them
  Uint8Arg x_bytes;  // byte inputs (scaled by data.xScale), or {nullptr, 0}
  Int32Arg labels;
  FloatArg targets;
};

DataViews fetch_views(const Napi::Env& env, const std::string& where, const descent::NetworkShape& shape,
                      const Napi::Value& params, const Napi::Value& x, const Napi::Value& labels,
                      const Napi::Value& targets, std::int64_t n) {
  DataViews views{};
  views.params = float_array_exact(env, where, "params", params, shape.param_count,
                                   "the parameter layout of " + sizes_text(shape.sizes));
  const std::string x_rows = rows_text("n", n, "inputs", shape.inputs());
  if (x.IsTypedArray() && x.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    views.x = FloatArg{nullptr, 0};
    views.x_bytes = uint8_array(env, where, "data.x", x, n * shape.inputs(), x_rows);
  } else {
    views.x = float_array(env, where, "data.x", x, n * shape.inputs(), x_rows);
    views.x_bytes = Uint8Arg{nullptr, 0};
  }
  views.labels = int32_array(env, where, "data.labels", labels, n, "n", true);
  views.targets = float_array(env, where, "data.targets", targets, n * shape.outputs(),
                              rows_text("n", n, "outputs", shape.outputs()), true);
  if (views.labels.data != nullptr) {
    check_labels(env, where, "data.labels", views.labels.data, static_cast<std::size_t>(n), shape.outputs());
  }
  if (overlaps(views.params.data, views.params.length * 4, views.x.data, views.x.length * 4) ||
      overlaps(views.params.data, views.params.length * 4, views.x_bytes.data, views.x_bytes.length) ||
      overlaps(views.params.data, views.params.length * 4, views.targets.data, views.targets.length * 4) ||
      overlaps(views.params.data, views.params.length * 4, views.labels.data, views.labels.length * 4)) {
    fail(env, where, "params must not share memory with data.x, data.labels or data.targets");
  }
  return views;
}

descent::NetworkShape read_shape(const Napi::Env& env, const std::string& where, const Napi::Object& config,
                                 bool with_loss) {
  const std::vector<int> sizes = layer_sizes(env, where, "config.sizes", config.Get("sizes"));
  const int hidden = activation_code(env, where, "config.activation", config.Get("activation"), true);
  const int output = activation_code(env, where, "config.output", config.Get("output"), false);
  int loss = descent::kMse;
  if (with_loss) {
    loss = loss_code(env, where, "config.loss", config.Get("loss"));
    if (!descent::loss_accepts_output(loss, output)) {
      fail_range(env, where,
                 std::string("config.output ") + std::to_string(output) + " (" + kActivationNames[output] +
                     ") cannot be used with config.loss " + std::to_string(loss) + " (" + kLossNames[loss] +
                     "): cross-entropy needs softmax (5), binary-cross-entropy needs sigmoid (4), mse takes "
                     "linear, tanh, sigmoid or softmax");
    }
  }
  return descent::make_shape(sizes, hidden, output, loss);
}

}  // namespace

// ---------------------------------------------------------------------------
// The epoch, off the JS thread.

class EpochWorker : public Napi::AsyncWorker {
 public:
  EpochWorker(Napi::Env env, TrainerWrap* trainer, const Napi::Object& self, const Napi::Object& order,
              const Napi::Value& cancel, float* params, const descent::TrainingSet& data, const std::uint32_t* index,
              long order_length, int batch_size, double lr, const std::int32_t* cancel_flag)
      : Napi::AsyncWorker(env, "descent:trainEpoch"),
        deferred_(Napi::Promise::Deferred::New(env)),
        trainer_(trainer),
        params_(params),
        data_(data),
        index_(index),
        order_length_(order_length),
        batch_size_(batch_size),
        lr_(lr),
        cancel_flag_(cancel_flag) {
    // Keep the trainer (and through it params and data), the order and the
    // cancel flag alive until the epoch is over.
    self_ = Napi::Persistent(self);
    order_ = Napi::Persistent(order);
    if (cancel.IsObject()) cancel_ = Napi::Persistent(cancel.As<Napi::Object>());
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  // No N-API here: raw pointers only.
  void Execute() override {
    try {
      outcome_ = trainer_->core_->train_epoch(params_, data_, index_, order_length_, batch_size_, lr_, cancel_flag_);
    } catch (const std::bad_alloc&) {
      SetError("trainEpoch: out of memory");
    } catch (const std::exception& e) {
      SetError(std::string("trainEpoch: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    trainer_->EpochFinished();
    Napi::Object result = Napi::Object::New(env);
    result.Set("lossSum", Napi::Number::New(env, outcome_.loss_sum));
    result.Set("correct", Napi::Number::New(env, static_cast<double>(outcome_.correct)));
    result.Set("samples", Napi::Number::New(env, static_cast<double>(outcome_.samples)));
    result.Set("steps", Napi::Number::New(env, static_cast<double>(outcome_.steps)));
    result.Set("failedBatch", Napi::Number::New(env, static_cast<double>(outcome_.failed_batch)));
    result.Set("failedLoss", Napi::Number::New(env, outcome_.failed_batch >= 0 ? outcome_.failed_loss : NAN));
    result.Set("aborted", Napi::Boolean::New(env, outcome_.aborted));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    trainer_->EpochFinished();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  TrainerWrap* trainer_;
  Napi::ObjectReference self_;
  Napi::ObjectReference order_;
  Napi::ObjectReference cancel_;
  float* params_;
  descent::TrainingSet data_;
  const std::uint32_t* index_;
  long order_length_;
  int batch_size_;
  double lr_;
  const std::int32_t* cancel_flag_;
  descent::EpochOutcome outcome_;
};

// ---------------------------------------------------------------------------

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(env, "Trainer",
                     {
                         InstanceMethod<&TrainerWrap::TrainEpoch>("trainEpoch"),
                         InstanceMethod<&TrainerWrap::Dispose>("dispose"),
                         InstanceAccessor<&TrainerWrap::Threads>("threads"),
                         InstanceAccessor<&TrainerWrap::Running>("running"),
                         InstanceAccessor<&TrainerWrap::Disposed>("disposed"),
                     });
}

TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  const Napi::Env env = info.Env();
  const std::string where = "Trainer";
  if (!info.IsConstructCall()) fail_type(env, where, "must be called with new");
  if (info.Length() < 3) {
    fail_type(env, where, "expected 3 arguments (params, data, config), received " + std::to_string(info.Length()));
  }
  const Napi::Object data = object(env, where, "data", info[1]);
  const Napi::Object config = object(env, where, "config", info[2]);
  const descent::NetworkShape shape = read_shape(env, where, config, true);
  const Napi::Object opt = object(env, where, "config.optimizer", config.Get("optimizer"));
  descent::OptimizerConfig optimizer{};
  optimizer.kind = optimizer_code(env, where, "config.optimizer.kind", opt.Get("kind"));
  optimizer.momentum = finite(env, where, "config.optimizer.momentum", opt.Get("momentum"));
  optimizer.nesterov = boolean(env, where, "config.optimizer.nesterov", opt.Get("nesterov"));
  optimizer.beta1 = finite(env, where, "config.optimizer.beta1", opt.Get("beta1"));
  optimizer.beta2 = finite(env, where, "config.optimizer.beta2", opt.Get("beta2"));
  optimizer.epsilon = finite(env, where, "config.optimizer.epsilon", opt.Get("epsilon"));
  optimizer.weight_decay = finite(env, where, "config.optimizer.weightDecay", opt.Get("weightDecay"));
  const int batch_size = static_cast<int>(integer(env, where, "config.batchSize", config.Get("batchSize"), 1, kMaxBatch));
  const int threads = static_cast<int>(integer(env, where, "config.threads", config.Get("threads"), 0, kMaxThreads));
  const std::int64_t n = integer(env, where, "data.n", data.Get("n"), 0, kMaxRows);

  const Napi::Value labels = data.Get("labels");
  const Napi::Value targets = data.Get("targets");
  const DataViews views = fetch_views(env, where, shape, info[0], data.Get("x"), labels, targets, n);
  if (views.labels.data == nullptr && views.targets.data == nullptr) {
    fail_type(env, where, "data.labels or data.targets must be given (both are null)");
  }
  if (shape.loss == descent::kCrossEntropy && views.labels.data == nullptr) {
    fail_type(env, where, "data.labels must be an Int32Array of class indices for the cross-entropy loss, received " +
                              describe(labels));
  }

  try {
    core_ = std::make_unique<descent::TrainerCore>(shape, optimizer, batch_size,
                                                   descent::choose_threads(shape, batch_size, threads),
                                                   views.labels.data != nullptr, views.targets.data != nullptr);
  } catch (const std::bad_alloc&) {
    fail_range(env, where,
               "out of memory allocating the workspaces for config.batchSize " + std::to_string(batch_size) +
                   " and config.sizes " + sizes_text(shape.sizes));
  } catch (const std::exception& e) {
    fail(env, where, std::string("could not create the trainer: ") + e.what());
  }
  if (views.x_bytes.data != nullptr) {
    const Napi::Value scale = data.Get("xScale");
    const double value = finite(env, where, "data.xScale", scale);
    if (value <= 0) fail_range(env, where, "data.xScale must be a positive finite number, received " + describe(scale));
    x_scale_ = static_cast<float>(value);
  }
  n_ = static_cast<long>(n);
  params_ = Napi::Persistent(info[0].As<Napi::Object>());
  x_ = Napi::Persistent(data.Get("x").As<Napi::Object>());
  if (views.labels.data != nullptr) labels_ = Napi::Persistent(labels.As<Napi::Object>());
  if (views.targets.data != nullptr) targets_ = Napi::Persistent(targets.As<Napi::Object>());
}

TrainerWrap::~TrainerWrap() = default;

Napi::Value TrainerWrap::TrainEpoch(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "trainEpoch";
  if (disposed_) fail(env, where, "this trainer has been disposed; create a new one");
  if (running_) {
    fail(env, where,
         "this trainer is already running an epoch; await the previous trainEpoch before starting another "
         "(use a second trainer to train concurrently)");
  }
  if (info.Length() < 3) {
    fail_type(env, where,
              "expected arguments (order, batchSize, lr, cancel?), received " + std::to_string(info.Length()));
  }
  const Uint32Arg order = uint32_array(env, where, "order", info[0]);
  const int max_batch = core_->max_batch();
  const std::int64_t batch_size = integer(env, where, "batchSize", info[1], 1, max_batch);
  const double lr = finite(env, where, "lr", info[2]);
  const Int32Arg cancel = int32_array(env, where, "cancel", info.Length() > 3 ? info[3] : env.Undefined(), 1,
                                      "one flag", true);
  for (std::size_t i = 0; i < order.length; i++) {
    if (order.data[i] >= static_cast<std::uint32_t>(n_) || n_ == 0) {
      fail_range(env, where,
                 "order[" + std::to_string(i) + "] = " + std::to_string(order.data[i]) +
                     " is out of range: it must be a row index below data.n = " + std::to_string(n_));
    }
  }
  const descent::NetworkShape& shape = core_->shape();
  const DataViews views = fetch_views(env, where, shape, params_.Value(), x_.Value(),
                                      labels_.IsEmpty() ? env.Null() : labels_.Value(),
                                      targets_.IsEmpty() ? env.Null() : targets_.Value(), n_);
  const descent::TrainingSet data{views.x.data, views.x_bytes.data, x_scale_, n_, views.labels.data,
                                  views.targets.data};
  auto* worker = new EpochWorker(env, this, info.This().As<Napi::Object>(), info[0].As<Napi::Object>(),
                                 info.Length() > 3 ? info[3] : env.Undefined(), views.params.data, data, order.data,
                                 static_cast<long>(order.length), static_cast<int>(batch_size), lr, cancel.data);
  Napi::Promise promise = worker->Promise();
  running_ = true;
  worker->Queue();
  return promise;
}

void TrainerWrap::EpochFinished() {
  running_ = false;
  if (disposed_) Release();
}

void TrainerWrap::Release() {
  core_.reset();
  params_.Reset();
  x_.Reset();
  labels_.Reset();
  targets_.Reset();
}

Napi::Value TrainerWrap::Dispose(const Napi::CallbackInfo& info) {
  if (!disposed_) {
    disposed_ = true;
    // A running epoch stops before its next batch and keeps its workspaces
    // until it ends (EpochFinished frees them).
    if (running_) {
      core_->request_stop();
    } else {
      Release();
    }
  }
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), core_ ? core_->threads() : 0);
}

Napi::Value TrainerWrap::Running(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), running_); }

Napi::Value TrainerWrap::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

// ---------------------------------------------------------------------------

Napi::Value Predict(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "predict";
  if (info.Length() < 5) {
    fail_type(env, where, "expected 5 arguments (params, shape, x, n, out), received " + std::to_string(info.Length()));
  }
  const Napi::Object config = object(env, where, "shape", info[1]);
  const descent::NetworkShape shape = read_shape(env, "predict", config, false);
  const std::int64_t n = integer(env, where, "n", info[3], 0, kMaxRows);
  const FloatArg params = float_array_exact(env, where, "params", info[0], shape.param_count,
                                                     "the parameter layout of " + sizes_text(shape.sizes));
  const FloatArg x = float_array(env, where, "x", info[2], n * shape.inputs(),
                                          rows_text("n", n, "inputs", shape.inputs()));
  const FloatArg out = float_array(env, where, "out", info[4], n * shape.outputs(),
                                            rows_text("n", n, "outputs", shape.outputs()));
  if (overlaps(out.data, out.length * 4, params.data, params.length * 4) ||
      overlaps(out.data, out.length * 4, x.data, x.length * 4)) {
    fail(env, where, "out must not share memory with params or x");
  }
  try {
    descent::predict(out.data, params.data, shape, x.data, static_cast<long>(n));
  } catch (const std::bad_alloc&) {
    fail_range(env, where, "out of memory allocating the prediction workspace");
  } catch (const std::exception& e) {
    fail(env, where, e.what());
  }
  return env.Undefined();
}

}  // namespace descent_binding
