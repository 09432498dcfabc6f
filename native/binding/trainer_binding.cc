#include "trainer_binding.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <system_error>
#include <thread>

#include "../kernels/plan.h"
#include "args.h"
#include "plan_args.h"

namespace descent_binding {

namespace {

constexpr std::int64_t kMaxBatch = 1 << 24;
constexpr std::int64_t kMaxSafeInteger = 9007199254740991LL;

bool is_detached(const Napi::Env& env, const Napi::TypedArray& array) {
  bool detached = false;
  napi_value buffer = array.ArrayBuffer();
  return napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached;
}

// The JS Float32Array held by `ref`, if it still has exactly `length`
// elements and is not detached; otherwise null with the reason in `why`.
float* live_float_array(const Napi::Env& env, const Napi::ObjectReference& ref, std::size_t length,
                        std::string* why) {
  const Napi::Value v = ref.Value();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    *why = "is no longer a Float32Array";
    return nullptr;
  }
  const Napi::TypedArray array = v.As<Napi::TypedArray>();
  if (is_detached(env, array)) {
    *why = "was detached (its buffer transferred) while the trainer held it";
    return nullptr;
  }
  if (array.ElementLength() != length) {
    *why = "has length " + std::to_string(array.ElementLength()) + ", not " + std::to_string(length);
    return nullptr;
  }
  return v.As<Napi::Float32Array>().Data();
}

// The JS Float32Array `ref` holds as a pointer to `length` floats: null
// for an empty reference or length (sgd keeps no moments), or (with the
// reason in `why`) when the array was detached or resized. `failed` says which.
float* js_floats(const Napi::Env& env, const Napi::ObjectReference& ref, std::size_t length, std::string* why,
                        bool* failed) {
  *failed = false;
  if (ref.IsEmpty() || length == 0) return nullptr;
  float* data = live_float_array(env, ref, length, why);
  *failed = data == nullptr;
  return data;
}

}  // namespace

// ---------------------------------------------------------------------------
// The epoch, off the JS thread.

class EpochWorker : public Napi::AsyncWorker {
 public:
  EpochWorker(Napi::Env env, TrainerWrap* trainer, const Napi::Object& self, int batch_size, double lr,
              std::uint32_t epoch, bool sync_state)
      : Napi::AsyncWorker(env, "descent:trainEpoch"),
        deferred_(Napi::Promise::Deferred::New(env)),
        trainer_(trainer),
        batch_size_(batch_size),
        lr_(lr),
        epoch_(epoch),
        sync_state_(sync_state) {
    // Keep the trainer alive until the epoch is over.
    self_ = Napi::Persistent(self);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  // No N-API here, and only the trainer's own memory.
  void Execute() override {
    try {
      const std::vector<std::uint32_t>& order = trainer_->order_;
      outcome_ = trainer_->core_->train_epoch(order.data(), static_cast<long>(order.size()), batch_size_, lr_,
                                              epoch_);
    } catch (const std::bad_alloc&) {
      SetError("trainEpoch: out of memory");
    } catch (const std::exception& e) {
      SetError(std::string("trainEpoch: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    // JS holds the truth between epochs: the trained params and optimizer
    // state go back into the arrays the trainer was given.
    std::string why;
    const char* what = trainer_->StoreIntoJs(env, &why, sync_state_);
    if (what != nullptr) {
      trainer_->EpochFinished();
      deferred_.Reject(Napi::TypeError::New(env, std::string("trainEpoch: ") + what + " " + why +
                                                     "; the trained state could not be written back")
                           .Value());
      return;
    }
    const double step = static_cast<double>(trainer_->core_->step());
    // May release the core (a dispose during the epoch): nothing of it is read below.
    trainer_->EpochFinished();
    Napi::Object result = Napi::Object::New(env);
    result.Set("lossSum", Napi::Number::New(env, outcome_.loss_sum));
    result.Set("correct", Napi::Number::New(env, static_cast<double>(outcome_.correct)));
    result.Set("samples", Napi::Number::New(env, static_cast<double>(outcome_.samples)));
    result.Set("steps", Napi::Number::New(env, static_cast<double>(outcome_.steps)));
    result.Set("failedBatch", Napi::Number::New(env, static_cast<double>(outcome_.failed_batch)));
    result.Set("failedLoss", Napi::Number::New(env, outcome_.failed_batch >= 0 ? outcome_.failed_loss : NAN));
    result.Set("aborted", Napi::Boolean::New(env, outcome_.aborted));
    result.Set("step", Napi::Number::New(env, step));
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
  int batch_size_;
  double lr_;
  std::uint32_t epoch_;
  bool sync_state_;
  descent::EpochOutcome outcome_;
};

// ---------------------------------------------------------------------------

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(env, "Trainer",
                     {
                         InstanceMethod<&TrainerWrap::Prepare>("prepare"),
                         InstanceMethod<&TrainerWrap::TrainEpoch>("trainEpoch"),
                         InstanceMethod<&TrainerWrap::LoadRows>("loadRows"),
                         InstanceMethod<&TrainerWrap::Cancel>("cancel"),
                         InstanceMethod<&TrainerWrap::WriteState>("writeState"),
                         InstanceMethod<&TrainerWrap::Dispose>("dispose"),
                         InstanceAccessor<&TrainerWrap::Threads>("threads"),
                         InstanceAccessor<&TrainerWrap::Step>("step"),
                         InstanceAccessor<&TrainerWrap::Running>("running"),
                         InstanceAccessor<&TrainerWrap::Disposed>("disposed"),
                         InstanceMethod<&TrainerWrap::LayerStats>("layerStats"),
                     });
}

TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  const Napi::Env env = info.Env();
  const std::string where = "Trainer";
  if (!info.IsConstructCall()) fail_type(env, where, "must be called with new");
  if (info.Length() < 5) {
    fail_type(env, where,
              "expected 5 arguments (plan, params, moments, data, config), received " + std::to_string(info.Length()));
  }
  const descent::Plan plan = read_plan(env, where, info[0]);
  const descent::CompiledPlan compiled = descent::compile_plan(plan);
  const Napi::Object data = object(env, where, "data", info[3]);
  const Napi::Object config = object(env, where, "config", info[4]);
  const descent::UpdateHyper hyper = read_hyper(env, where, "config.optimizer", config.Get("optimizer"), false);
  const int slots = descent::optimizer_slots(hyper.kind);
  const int batch_size = static_cast<int>(integer(env, where, "config.batchSize", config.Get("batchSize"), 1, kMaxBatch));
  const int threads = static_cast<int>(integer(env, where, "config.threads", config.Get("threads"), 0, descent::kMaxThreads));
  const double seed = static_cast<double>(integer(env, where, "config.seed", config.Get("seed"), 0, kMaxSafeInteger));
  const long long step = integer(env, where, "config.step", config.Get("step"), 0, kMaxSafeInteger);
  const std::int64_t n = integer(env, where, "data.n", data.Get("n"), 0, kMaxRows);
  const int inputs = compiled.inputs;
  const int outputs = compiled.outputs;
  const descent::Loss loss = compiled.loss;

  const std::size_t size = static_cast<std::size_t>(plan.size);
  // Checked now, read when prepare resolves (Adopt checks them again).
  float_array_exact(env, where, "params", info[1], size, "plan.size");
  const bool moments_null = slots == 0 && (info[2].IsNull() || info[2].IsUndefined());
  if (!moments_null) {
    float_array_exact(env, where, "moments", info[2], static_cast<std::size_t>(slots) * size,
                                       "slots * plan.size = " + std::to_string(slots) + " * " + std::to_string(size) +
                                           " for '" + descent::info(hyper.kind).name + "'");
  }
  const Napi::Value x = data.Get("x");
  const bool bytes = x.IsTypedArray() && x.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
  const std::string x_rows = rows_text("n", n, "inputs", inputs);
  if (bytes) {
    uint8_array(env, where, "data.x", x, n * inputs, x_rows);
  } else {
    float_array(env, where, "data.x", x, n * inputs, x_rows);
  }
  float x_scale = 1.0f;
  if (bytes) {
    const Napi::Value scale = data.Get("xScale");
    const double value = finite(env, where, "data.xScale", scale);
    if (value <= 0) fail_range(env, where, "data.xScale must be a positive finite number, received " + describe(scale));
    x_scale = static_cast<float>(value);
  }
  const Napi::Value labels_value = data.Get("labels");
  const Napi::Value targets_value = data.Get("targets");
  const Int32Arg labels = int32_array(env, where, "data.labels", labels_value, n, "n", true);
  const FloatArg targets = float_array(env, where, "data.targets", targets_value, n * outputs,
                                       rows_text("n", n, "outputs", outputs), true);
  if (labels.data == nullptr && targets.data == nullptr) {
    fail_type(env, where, "data.labels or data.targets must be given (both are null)");
  }
  if (loss == descent::Loss::CrossEntropy && labels.data == nullptr) {
    fail_type(env, where,
              "data.labels must be an Int32Array of class indices for the cross-entropy loss, received " +
                  describe(labels_value));
  }
  // Nothing is allocated here: prepare() allocates the trainer's memory and
  // starts its threads on a worker thread (the page faults of a fresh
  // 200 MB copy and thread creation held the JS thread tens of ms on a
  // slow host), then the rows are copied by loadRows, a slice at a time.
  spec_ = std::make_unique<Spec>(Spec{compiled, hyper, batch_size, threads, seed, step, n, x_scale, bytes,
                                      labels.data != nullptr, targets.data != nullptr, slots, size});
  params_ = Napi::Persistent(info[1].As<Napi::Object>());
  if (!moments_null) moments_ = Napi::Persistent(info[2].As<Napi::Object>());
  x_ = Napi::Persistent(x.As<Napi::Object>());
  if (labels.data != nullptr) answers_ = Napi::Persistent(labels_value.As<Napi::Object>());
  if (targets.data != nullptr) answers_ = Napi::Persistent(targets_value.As<Napi::Object>());
  const Napi::Value probe = config.Get("probe");
  probe_ = !probe.IsUndefined() && boolean(env, where, "config.probe", probe);
}

// ---------------------------------------------------------------------------
// prepare(): the trainer's memory and threads, off the JS thread.

class PrepareWorker : public Napi::AsyncWorker {
 public:
  PrepareWorker(Napi::Env env, TrainerWrap* trainer, const Napi::Object& self)
      : Napi::AsyncWorker(env, "descent:prepareTrainer"),
        deferred_(Napi::Promise::Deferred::New(env)),
        trainer_(trainer),
        spec_(*trainer->spec_) {
    self_ = Napi::Persistent(self);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  // No N-API and no JS memory: allocation, first touch of every page of
  // the data copy (so that loadRows copies into resident memory), the
  // workspaces and the threads.
  void Execute() override {
    try {
      descent::TrainingData owned;
      owned.n = static_cast<long>(spec_.n);
      owned.x_scale = spec_.x_scale;
      owned.bytes = spec_.bytes;
      const std::size_t cells = static_cast<std::size_t>(spec_.n) * spec_.compiled.inputs;
      if (spec_.bytes) {
        owned.x_bytes = descent::AlignedBuffer<std::uint8_t>(cells, descent::Uninitialized{});
        touch_pages(owned.x_bytes.data(), cells);
      } else {
        owned.x = descent::FloatBuffer(cells, descent::Uninitialized{});
        touch_pages(owned.x.data(), cells * sizeof(float));
      }
      if (spec_.has_labels) {
        owned.has_labels = true;
        owned.labels = descent::AlignedBuffer<std::int32_t>(static_cast<std::size_t>(spec_.n), descent::Uninitialized{});
        touch_pages(owned.labels.data(), static_cast<std::size_t>(spec_.n) * sizeof(std::int32_t));
      }
      if (spec_.has_targets) {
        owned.has_targets = true;
        const std::size_t count = static_cast<std::size_t>(spec_.n) * spec_.compiled.outputs;
        owned.targets = descent::FloatBuffer(count, descent::Uninitialized{});
        touch_pages(owned.targets.data(), count * sizeof(float));
      }
      // Zeroed here, filled from the JS arrays by OnOK.
      descent::FloatBuffer params(spec_.size);
      descent::FloatBuffer moments(static_cast<std::size_t>(spec_.slots) * spec_.size);
      lease_ = std::make_unique<descent::ThreadLease>(
          descent::choose_threads(spec_.compiled, spec_.batch_size, spec_.threads), spec_.threads > 0);
      core_ = std::make_unique<descent::TrainerCore>(spec_.compiled, spec_.hyper, spec_.batch_size, lease_->threads(),
                                                     spec_.seed, spec_.step, std::move(owned), std::move(params),
                                                     std::move(moments));
    } catch (const std::bad_alloc&) {
      error_ = "out of memory allocating the data copy and the workspaces for config.batchSize " +
               std::to_string(spec_.batch_size);
      out_of_memory_ = true;
    } catch (const std::exception& e) {
      error_ = std::string("could not create the trainer: ") + e.what();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!error_.empty()) {
      trainer_->preparing_ = false;
      const std::string message = "prepare: " + error_;
      deferred_.Reject(out_of_memory_ ? Napi::RangeError::New(env, message).Value()
                                      : Napi::Error::New(env, message).Value());
      return;
    }
    std::string why;
    const char* what = trainer_->Adopt(env, std::move(lease_), std::move(core_), &why);
    if (what != nullptr) {
      deferred_.Reject(Napi::TypeError::New(env, std::string("prepare: ") + what + " " + why).Value());
      return;
    }
    deferred_.Resolve(env.Undefined());
  }

  void OnError(const Napi::Error& error) override {
    trainer_->preparing_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  // Writes one byte of every page: the kernel maps (and zeroes) the page
  // now, on this thread.
  static void touch_pages(void* data, std::size_t bytes) {
    volatile char* p = static_cast<volatile char*>(data);
    for (std::size_t at = 0; at < bytes; at += 4096) p[at] = 0;
    if (bytes > 0) p[bytes - 1] = 0;
  }

  Napi::Promise::Deferred deferred_;
  TrainerWrap* trainer_;
  Napi::ObjectReference self_;
  const TrainerWrap::Spec spec_;
  std::unique_ptr<descent::ThreadLease> lease_;
  std::unique_ptr<descent::TrainerCore> core_;
  std::string error_;
  bool out_of_memory_ = false;
};

Napi::Value TrainerWrap::Prepare(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "prepare";
  if (disposed_) fail(env, where, "this trainer has been disposed; create a new one");
  if (preparing_ || core_) fail(env, where, "this trainer is already prepared (or being prepared)");
  auto* worker = new PrepareWorker(env, this, info.This().As<Napi::Object>());
  Napi::Promise promise = worker->Promise();
  preparing_ = true;
  worker->Queue();
  return promise;
}

// On the JS thread when prepare's work is done: takes the core, or frees
// it (off this thread) when the trainer was disposed meanwhile; copies in
// the params and moments JS holds now.
const char* TrainerWrap::Adopt(const Napi::Env& env, std::unique_ptr<descent::ThreadLease> lease,
                               std::unique_ptr<descent::TrainerCore> core, std::string* why) {
  preparing_ = false;
  lease_ = std::move(lease);
  core_ = std::move(core);
  if (disposed_) {
    Release();
    *why = "was called on a trainer disposed before it was ready";
    return "dispose()";
  }
  if (probe_) core_->enable_probe();
  bool failed = false;
  const float* params = js_floats(env, params_, core_->params().size(), why, &failed);
  if (failed) return "params";
  const float* moments = js_floats(env, moments_, core_->moments().size(), why, &failed);
  if (failed) return "moments";
  core_->load(params, moments);
  return nullptr;
}

// Copies the next `count` rows (of x, and of labels or targets) from the JS
// arrays given at construction into the trainer's buffers, on this thread,
// checking first that those arrays are still what they were. Each label is
// read once into a local, checked, then stored: JS cannot change it between
// the check and the use.
void TrainerWrap::CopyRows(const Napi::Env& env, const std::string& where, std::int64_t count) {
  descent::TrainingData& owned = core_->data_to_fill();
  const int inputs = core_->plan().inputs;
  const int outputs = core_->plan().outputs;
  const std::int64_t n = owned.n;
  if (count < 0 || loaded_ + count > n) {
    fail_range(env, where,
               "count must be in [0, " + std::to_string(n - loaded_) + "] (rows not yet loaded), received " +
                   std::to_string(count));
  }
  if (count == 0) return;
  const std::string x_rows = rows_text("n", n, "inputs", inputs);
  const Napi::Value x = x_.Value();
  const std::size_t from = static_cast<std::size_t>(loaded_);
  const std::size_t rows = static_cast<std::size_t>(count);
  if (owned.bytes) {
    const Uint8Arg source = uint8_array(env, where, "data.x", x, n * inputs, x_rows);
    std::memcpy(owned.x_bytes.data() + from * inputs, source.data + from * inputs, rows * inputs);
  } else {
    const FloatArg source = float_array(env, where, "data.x", x, n * inputs, x_rows);
    std::memcpy(owned.x.data() + from * inputs, source.data + from * inputs, rows * inputs * sizeof(float));
  }
  if (owned.has_labels) {
    const Int32Arg source = int32_array(env, where, "data.labels", answers_.Value(), n, "n");
    const int classes = outputs == 1 ? 2 : outputs;
    const volatile std::int32_t* labels = source.data;
    for (std::size_t i = from; i < from + rows; i++) {
      const std::int32_t label = labels[i];
      if (label < 0 || label >= classes) {
        fail_range(env, where,
                   "data.labels[" + std::to_string(i) + "] = " + std::to_string(label) +
                       " is out of range: labels must be class indices in [0, " + std::to_string(classes) + ")" +
                       (outputs == 1 ? " (0 or 1 for a single output unit)" : ""));
      }
      owned.labels.data()[i] = label;
    }
  }
  if (owned.has_targets) {
    const FloatArg source = float_array(env, where, "data.targets", answers_.Value(), n * outputs,
                                        rows_text("n", n, "outputs", outputs));
    std::memcpy(owned.targets.data() + from * outputs, source.data + from * outputs, rows * outputs * sizeof(float));
  }
  loaded_ += count;
  if (loaded_ == n) {
    // Every row is in: the JS arrays are not read again.
    x_.Reset();
    answers_.Reset();
  }
}

Napi::Value TrainerWrap::LoadRows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "loadRows";
  if (disposed_) fail(env, where, "this trainer has been disposed; create a new one");
  if (!core_) fail(env, where, "this trainer is not prepared: await prepare() first");
  const std::int64_t count = integer(env, where, "count", info[0], 0, kMaxRows);
  CopyRows(env, where, count);
  return Napi::Number::New(env, static_cast<double>(loaded_));
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
  if (info.Length() < 4) {
    fail_type(env, where,
              "expected arguments (order, batchSize, lr, epoch), received " + std::to_string(info.Length()));
  }
  if (!core_) fail(env, where, "this trainer is not prepared: await prepare() first");
  if (loaded_ < core_->n()) {
    fail(env, where,
         "the data are not all loaded (" + std::to_string(loaded_) + " of " + std::to_string(core_->n()) +
             " rows): call loadRows for the rest first");
  }
  const Uint32Arg order = uint32_array(env, where, "order", info[0]);
  const int max_batch = core_->max_batch();
  const std::int64_t batch_size = integer(env, where, "batchSize", info[1], 1, max_batch);
  const double lr = finite(env, where, "lr", info[2]);
  const std::int64_t epoch = integer(env, where, "epoch", info[3], 1, 4294967295LL);
  const bool sync_state = info.Length() < 5 || info[4].IsUndefined() ? true : boolean(env, where, "syncState", info[4]);
  const long n = core_->n();
  // Each index read once into a local, checked, then stored in the owned copy.
  std::vector<std::uint32_t> copy(order.length);
  const volatile std::uint32_t* source = order.data;
  for (std::size_t i = 0; i < order.length; i++) {
    const std::uint32_t index = source[i];
    if (static_cast<long>(index) >= n) {
      fail_range(env, where,
                 "order[" + std::to_string(i) + "] = " + std::to_string(index) +
                     " is out of range: it must be a row index below data.n = " + std::to_string(n));
    }
    copy[i] = index;
  }
  order_.swap(copy);
  // What JS holds now (a fit may have changed params between epochs) is
  // what this epoch trains; the worker then reads only the trainer's copy.
  std::string why;
  if (const char* what = LoadFromJs(env, &why)) fail_type(env, where, std::string(what) + " " + why);
  core_->clear_cancel();
  auto* worker = new EpochWorker(env, this, info.This().As<Napi::Object>(), static_cast<int>(batch_size), lr,
                                 static_cast<std::uint32_t>(epoch), sync_state);
  Napi::Promise promise = worker->Promise();
  running_ = true;
  worker->Queue();
  return promise;
}

Napi::Value TrainerWrap::Cancel(const Napi::CallbackInfo& info) {
  if (core_) core_->cancel();
  return info.Env().Undefined();
}

// Both copies run on the JS thread's call, so JS cannot run, and so cannot
// detach or resize these arrays, until they are done. Each
// epoch loads the params JS holds; the moments are loaded once, when the
// trainer is made (nothing but the trainer writes them during a fit), and
// written back only when asked: copying them both ways every epoch cost
// up to 3% of a one-step epoch of 784-1024-1024-10.
const char* TrainerWrap::LoadFromJs(const Napi::Env& env, std::string* why) {
  bool failed = false;
  const float* params = js_floats(env, params_, core_->params().size(), why, &failed);
  if (failed) return "params";
  core_->load(params, nullptr);
  return nullptr;
}

const char* TrainerWrap::StoreIntoJs(const Napi::Env& env, std::string* why, bool with_moments) {
  bool failed = false;
  float* params = js_floats(env, params_, core_->params().size(), why, &failed);
  if (failed) return "params";
  float* moments = with_moments ? js_floats(env, moments_, core_->moments().size(), why, &failed) : nullptr;
  if (failed) return "moments";
  core_->store(params, moments);
  return nullptr;
}

Napi::Value TrainerWrap::WriteState(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "writeState";
  if (disposed_) fail(env, where, "this trainer has been disposed");
  if (running_) fail(env, where, "this trainer is running an epoch; await trainEpoch before writeState");
  if (!core_) fail(env, where, "this trainer is not prepared: await prepare() first");
  std::string why;
  bool failed = false;
  float* moments = js_floats(env, moments_, core_->moments().size(), &why, &failed);
  if (failed) fail_type(env, where, "moments " + why + "; the optimizer state could not be written back");
  core_->store(nullptr, moments);
  return Napi::Number::New(env, static_cast<double>(core_->step()));
}

void TrainerWrap::EpochFinished() {
  running_ = false;
  if (disposed_) Release();
}

void TrainerWrap::Release() {
  // Freeing the trainer's copy of the data returns every page of it to the
  // system: 11-15 ms on the JS thread for 60,000 x 784 floats (169 MB),
  // measured as the longest event-loop gap of a fit. A thread of its own
  // frees it; the lease goes back now (the trainer's threads only stop).
  if (core_) {
    try {
      std::thread([core = std::move(core_)]() mutable { core.reset(); }).detach();
    } catch (const std::system_error&) {
      core_.reset();  // no thread to be had: free it here
    }
  }
  lease_.reset();
  params_.Reset();
  moments_.Reset();
  x_.Reset();
  answers_.Reset();
  std::vector<std::uint32_t>().swap(order_);
}

Napi::Value TrainerWrap::Dispose(const Napi::CallbackInfo& info) {
  if (!disposed_) {
    disposed_ = true;
    // A running epoch stops before its next batch and keeps its workspaces
    // until it ends (EpochFinished frees them).
    // One being prepared is freed when its memory arrives (Adopt).
    if (running_) {
      core_->request_stop();
    } else if (!preparing_) {
      Release();
    }
  }
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), core_ ? core_->threads() : 0);
}

Napi::Value TrainerWrap::Step(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), core_ ? static_cast<double>(core_->step()) : 0.0);
}

Napi::Value TrainerWrap::LayerStats(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "layerStats";
  if (disposed_) fail(env, where, "this trainer has been disposed");
  if (running_) fail(env, where, "this trainer is running an epoch; await trainEpoch before layerStats");
  if (!core_) fail(env, where, "this trainer is not prepared: await prepare() first");
  if (!core_->probing()) fail(env, where, "this trainer was created without config.probe: true");
  const std::vector<descent::LayerStats>& stats = core_->layer_stats();
  Napi::Array out = Napi::Array::New(env, stats.size());
  for (std::size_t i = 0; i < stats.size(); i++) {
    const descent::LayerStats& st = stats[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("layer", st.layer);
    o.Set("kind", st.dense ? "dense" : "activation");
    o.Set("steps", static_cast<double>(st.steps));
    o.Set("gradSquares", st.grad_squares);
    o.Set("updateSquares", st.update_squares);
    o.Set("weightSquares", st.weight_squares);
    o.Set("units", static_cast<double>(st.units));
    o.Set("values", static_cast<double>(st.values));
    o.Set("deadUnits", static_cast<double>(st.dead_units));
    o.Set("saturated", static_cast<double>(st.saturated));
    out.Set(static_cast<std::uint32_t>(i), o);
  }
  return out;
}

Napi::Value TrainerWrap::Running(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), running_); }

Napi::Value TrainerWrap::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

}  // namespace descent_binding
