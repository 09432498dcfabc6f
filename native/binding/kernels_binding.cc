// The individual kernels, exposed synchronously on Float32Arrays so tests
// can hold each one against its reference twin (addon.kernels.*). Same
// names and argument order as src/backend/reference-kernels.ts.
#include "kernels_binding.h"

#include <string>

#include "../kernels/dense.h"
#include "../kernels/dense_parallel.h"
#include "../kernels/dropout.h"
#include "../kernels/optimizer.h"
#include "../kernels/output_loss.h"
#include "args.h"
#include "plan_args.h"

namespace descent_binding {

namespace {

constexpr std::int64_t kMaxDim = 2147483647;  // BLAS dimensions are int
constexpr std::int64_t kMaxWidth = 1 << 24;

struct Named {
  const char* name;
  const void* data;
  std::size_t bytes;
};

// Fails when an output range shares memory with any other range.
void check_disjoint(const Napi::Env& env, const std::string& where, const Named& output,
                    std::initializer_list<Named> others) {
  for (const Named& other : others) {
    if (overlaps(output.data, output.bytes, other.data, other.bytes)) {
      fail(env, where, std::string(output.name) + " must not share memory with " + other.name);
    }
  }
}

// The optional trailing thread count: 0 (or absent / undefined) chooses by
// the work, 1 is single-threaded.
int threads_arg(const Napi::CallbackInfo& info, const std::string& where, std::size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return 0;
  return static_cast<int>(integer(info.Env(), where, "threads", info[index], 0, descent::kMaxThreads));
}

std::string product(const char* a, std::int64_t x, const char* b, std::int64_t y) {
  return std::string(a) + " * " + b + " = " + std::to_string(x) + " * " + std::to_string(y);
}

void need_args(const Napi::CallbackInfo& info, const std::string& where, std::size_t count, const char* signature) {
  if (info.Length() < count) {
    fail_type(info.Env(), where,
              "expected " + std::to_string(count) + " arguments " + signature + ", received " +
                  std::to_string(info.Length()));
  }
}

// denseForward(y, x, w, b, batch, inputs, outputs, act, threads = 0)
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "denseForward";
  need_args(info, where, 8, "(y, x, w, b, batch, inputs, outputs, act)");
  const auto batch = integer(env, where, "batch", info[4], 1, kMaxDim);
  const auto inputs = integer(env, where, "inputs", info[5], 1, kMaxWidth);
  const auto outputs = integer(env, where, "outputs", info[6], 1, kMaxWidth);
  const descent::Act act = activation_name(env, where, "act", info[7], ActUse::Any);
  const int threads = threads_arg(info, where, 8);
  const FloatArg y = float_array(env, where, "y", info[0], batch * outputs, product("batch", batch, "outputs", outputs));
  const FloatArg x = float_array(env, where, "x", info[1], batch * inputs, product("batch", batch, "inputs", inputs));
  const FloatArg w = float_array(env, where, "w", info[2], inputs * outputs, product("inputs", inputs, "outputs", outputs));
  const FloatArg b = float_array(env, where, "b", info[3], outputs, "outputs");
  check_disjoint(env, where, {"y", y.data, y.length * 4},
                 {{"x", x.data, x.length * 4}, {"w", w.data, w.length * 4}, {"b", b.data, b.length * 4}});
  descent::dense_forward_parallel(y.data, x.data, w.data, b.data, static_cast<int>(batch), static_cast<int>(inputs),
                                  static_cast<int>(outputs), act, threads);
  return env.Undefined();
}

// denseBackward(dw, db, dx | null, dy, x, w, y, batch, inputs, outputs, act, threads = 0)
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "denseBackward";
  need_args(info, where, 11, "(dw, db, dx, dy, x, w, y, batch, inputs, outputs, act)");
  const auto batch = integer(env, where, "batch", info[7], 1, kMaxDim);
  const auto inputs = integer(env, where, "inputs", info[8], 1, kMaxWidth);
  const auto outputs = integer(env, where, "outputs", info[9], 1, kMaxWidth);
  const descent::Act act = activation_name(env, where, "act", info[10], ActUse::FromOutput);
  const int threads = threads_arg(info, where, 11);
  const std::string bo = product("batch", batch, "outputs", outputs);
  const std::string bi = product("batch", batch, "inputs", inputs);
  const std::string io = product("inputs", inputs, "outputs", outputs);
  const FloatArg dw = float_array(env, where, "dw", info[0], inputs * outputs, io);
  const FloatArg db = float_array(env, where, "db", info[1], outputs, "outputs");
  const FloatArg dx = float_array(env, where, "dx", info[2], batch * inputs, bi, true);
  const FloatArg dy = float_array(env, where, "dy", info[3], batch * outputs, bo);
  const FloatArg x = float_array(env, where, "x", info[4], batch * inputs, bi);
  const FloatArg w = float_array(env, where, "w", info[5], inputs * outputs, io);
  const FloatArg y = float_array(env, where, "y", info[6], batch * outputs, bo);
  const Named ndw{"dw", dw.data, dw.length * 4}, ndb{"db", db.data, db.length * 4}, ndx{"dx", dx.data, dx.length * 4},
      ndy{"dy", dy.data, dy.length * 4}, nx{"x", x.data, x.length * 4}, nw{"w", w.data, w.length * 4},
      ny{"y", y.data, y.length * 4};
  check_disjoint(env, where, ndw, {ndb, ndx, ndy, nx, nw, ny});
  check_disjoint(env, where, ndb, {ndx, ndy, nx, nw, ny});
  check_disjoint(env, where, ndx, {ndy, nx, nw, ny});
  check_disjoint(env, where, ndy, {nx, nw, ny});
  descent::dense_backward_parallel(dw.data, db.data, dx.data, dy.data, x.data, w.data, y.data,
                                   static_cast<int>(batch), static_cast<int>(inputs), static_cast<int>(outputs), act,
                                   threads);
  return env.Undefined();
}

// outputLoss(dz, z, labels | null, targets | null, batch, outputs, outputAct, loss) -> { lossSum, correct }
Napi::Value OutputLoss(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "outputLoss";
  need_args(info, where, 8, "(dz, z, labels, targets, batch, outputs, outputAct, loss)");
  const auto batch = integer(env, where, "batch", info[4], 1, kMaxDim);
  const auto outputs = integer(env, where, "outputs", info[5], 1, kMaxWidth);
  const descent::Act output_act = activation_name(env, where, "outputAct", info[6], ActUse::Output);
  const descent::Loss loss = loss_name(env, where, "loss", info[7]);
  check_loss_output(env, where, "loss", loss, output_act);
  const std::string bo = product("batch", batch, "outputs", outputs);
  const FloatArg dz = float_array(env, where, "dz", info[0], batch * outputs, bo);
  const FloatArg z = float_array(env, where, "z", info[1], batch * outputs, bo);
  const Int32Arg labels = int32_array(env, where, "labels", info[2], batch, "batch", true);
  const FloatArg targets = float_array(env, where, "targets", info[3], batch * outputs, bo, true);
  if (labels.data == nullptr && targets.data == nullptr) {
    fail_type(env, where, "labels or targets must be given (both are null)");
  }
  if (loss == descent::Loss::CrossEntropy && labels.data == nullptr) {
    fail_type(env, where, "labels must be an Int32Array of class indices for the cross-entropy loss, received null");
  }
  if (labels.data != nullptr) check_labels(env, where, "labels", labels.data, batch, static_cast<int>(outputs));
  check_disjoint(env, where, {"dz", dz.data, dz.length * 4},
                 {{"z", z.data, z.length * 4},
                  {"labels", labels.data, labels.length * 4},
                  {"targets", targets.data, targets.length * 4}});
  const descent::OutputLossResult result =
      descent::output_loss(dz.data, z.data, labels.data, targets.data, static_cast<int>(batch),
                           static_cast<int>(outputs), output_act, loss);
  Napi::Object out = Napi::Object::New(env);
  out.Set("lossSum", Napi::Number::New(env, result.loss_sum));
  out.Set("correct", Napi::Number::New(env, static_cast<double>(result.correct)));
  return out;
}

// optimizerUpdate(p, g, moments | null, count, hyper): moments holds slot k
// of element i at k * count + i (slots from the optimizer's table entry).
Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "optimizerUpdate";
  need_args(info, where, 5, "(p, g, moments, count, hyper)");
  const auto count = integer(env, where, "count", info[3], 0, 2147483647LL);
  const descent::UpdateHyper hyper = read_hyper(env, where, "hyper", info[4], true);
  const int slots = descent::optimizer_slots(hyper.kind);
  const FloatArg p = float_array(env, where, "p", info[0], count, "count");
  const FloatArg g = float_array(env, where, "g", info[1], count, "count");
  const FloatArg moments =
      slots > 0 ? float_array(env, where, "moments", info[2], slots * count,
                              "slots * count = " + std::to_string(slots) + " * " + std::to_string(count) + " for '" +
                                  descent::info(hyper.kind).name + "'")
                : float_array(env, where, "moments", info[2], 0, "", true);
  const Named np{"p", p.data, p.length * 4}, ng{"g", g.data, g.length * 4},
      nm{"moments", slots > 0 ? moments.data : nullptr, moments.length * 4};
  check_disjoint(env, where, np, {ng, nm});
  check_disjoint(env, where, nm, {ng});
  descent::optimizer_update(p.data, g.data, slots > 0 ? moments.data : nullptr, static_cast<long>(count), count,
                            hyper);
  return env.Undefined();
}

// activationForward(a, z, count, act): a = act(z), element-wise; a may be z.
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "activationForward";
  need_args(info, where, 4, "(a, z, count, act)");
  const auto count = integer(env, where, "count", info[2], 0, kMaxDim);
  const descent::Act act = activation_name(env, where, "act", info[3], ActUse::Elementwise);
  const FloatArg a = float_array(env, where, "a", info[0], count, "count");
  const FloatArg z = float_array(env, where, "z", info[1], count, "count");
  if (a.data != z.data) check_disjoint(env, where, {"a", a.data, a.length * 4}, {{"z", z.data, z.length * 4}});
  descent::activation_forward(a.data, z.data, static_cast<long>(count), act);
  return env.Undefined();
}

// activationBackward(dz, dy, z, a, count, act): dz = dy * act'(z, a). The
// one of z and a the derivative does not read may be null; dz may be dy.
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "activationBackward";
  need_args(info, where, 6, "(dz, dy, z, a, count, act)");
  const auto count = integer(env, where, "count", info[4], 0, kMaxDim);
  const descent::Act act = activation_name(env, where, "act", info[5], ActUse::Elementwise);
  const bool from_input = descent::info(act).derivative == descent::Derivative::Input;
  const FloatArg dz = float_array(env, where, "dz", info[0], count, "count");
  const FloatArg dy = float_array(env, where, "dy", info[1], count, "count");
  const FloatArg z = float_array(env, where, "z", info[2], count, "count", !from_input);
  const FloatArg a = float_array(env, where, "a", info[3], count, "count", from_input);
  const Named ndz{"dz", dz.data, dz.length * 4};
  check_disjoint(env, where, ndz, {{"z", z.data, z.length * 4}, {"a", a.data, a.length * 4}});
  if (dz.data != dy.data) check_disjoint(env, where, ndz, {{"dy", dy.data, dy.length * 4}});
  descent::activation_backward_elementwise(dz.data, dy.data, from_input ? z.data : nullptr,
                                           from_input ? nullptr : a.data, static_cast<long>(count), act);
  return env.Undefined();
}

// dropoutForward(y, x, rows, width, rate, seed, epoch, step, layer) and
// dropoutBackward(dx, dy, ...): the same masked scale (kernels/dropout.h).
Napi::Value Dropout(const Napi::CallbackInfo& info, const char* where_name, const char* out_name,
                    const char* in_name) {
  const Napi::Env env = info.Env();
  const std::string where = where_name;
  need_args(info, where, 9, "(out, in, rows, width, rate, seed, epoch, step, layer)");
  const auto rows = integer(env, where, "rows", info[2], 0, kMaxDim);
  const auto width = integer(env, where, "width", info[3], 1, kMaxWidth);
  const Napi::Value rate_value = info[4];
  const std::string rate_expected = "rate must be a number in [0, 1), received ";
  if (!rate_value.IsNumber()) fail_type(env, where, rate_expected + describe(rate_value));
  const double rate = rate_value.As<Napi::Number>().DoubleValue();
  if (!(rate >= 0.0 && rate < 1.0)) fail_range(env, where, rate_expected + describe(rate_value));
  const auto seed = integer(env, where, "seed", info[5], 0, 9007199254740991LL);
  const auto epoch = integer(env, where, "epoch", info[6], 0, 4294967295LL);
  const auto step = integer(env, where, "step", info[7], 0, 4294967295LL);
  const auto layer = integer(env, where, "layer", info[8], 0, 4294967295LL);
  if (rows * width > kMaxDim) {
    fail_range(env, where, "rows * width = " + std::to_string(rows) + " * " + std::to_string(width) +
                               " must be at most " + std::to_string(kMaxDim));
  }
  const std::string rw = product("rows", rows, "width", width);
  const FloatArg out = float_array(env, where, out_name, info[0], rows * width, rw);
  const FloatArg in = float_array(env, where, in_name, info[1], rows * width, rw);
  if (out.data != in.data) {
    check_disjoint(env, where, {out_name, out.data, out.length * 4}, {{in_name, in.data, in.length * 4}});
  }
  descent::dropout_apply(out.data, in.data, static_cast<int>(rows), static_cast<int>(width), 0,
                         descent::dropout_key(static_cast<double>(seed), static_cast<std::uint32_t>(epoch),
                                              static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(layer)),
                         descent::dropout_params(rate));
  return env.Undefined();
}

Napi::Value DropoutForward(const Napi::CallbackInfo& info) { return Dropout(info, "dropoutForward", "y", "x"); }
Napi::Value DropoutBackward(const Napi::CallbackInfo& info) { return Dropout(info, "dropoutBackward", "dx", "dy"); }

// sgemm(c, a, b, m, n, k, threads = 1): c (m, n) = a (m, k) b (k, n), row-major.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string where = "sgemm";
  need_args(info, where, 6, "(c, a, b, m, n, k, threads?)");
  const auto m = integer(env, where, "m", info[3], 1, kMaxDim);
  const auto n = integer(env, where, "n", info[4], 1, kMaxDim);
  const auto k = integer(env, where, "k", info[5], 1, kMaxDim);
  const auto threads = info.Length() > 6 && !info[6].IsUndefined() ? integer(env, where, "threads", info[6], 1, 1024) : 1;
  const FloatArg c = float_array(env, where, "c", info[0], m * n, product("m", m, "n", n));
  const FloatArg a = float_array(env, where, "a", info[1], m * k, product("m", m, "k", k));
  const FloatArg b = float_array(env, where, "b", info[2], k * n, product("k", k, "n", n));
  check_disjoint(env, where, {"c", c.data, c.length * 4}, {{"a", a.data, a.length * 4}, {"b", b.data, b.length * 4}});
  descent::sgemm(c.data, a.data, b.data, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                 static_cast<int>(threads));
  return env.Undefined();
}

}  // namespace

Napi::Object KernelsObject(Napi::Env env) {
  Napi::Object kernels = Napi::Object::New(env);
  kernels.Set("denseForward", Napi::Function::New(env, DenseForward, "denseForward"));
  kernels.Set("denseBackward", Napi::Function::New(env, DenseBackward, "denseBackward"));
  kernels.Set("outputLoss", Napi::Function::New(env, OutputLoss, "outputLoss"));
  kernels.Set("activationForward", Napi::Function::New(env, ActivationForward, "activationForward"));
  kernels.Set("activationBackward", Napi::Function::New(env, ActivationBackward, "activationBackward"));
  kernels.Set("optimizerUpdate", Napi::Function::New(env, OptimizerUpdate, "optimizerUpdate"));
  kernels.Set("dropoutForward", Napi::Function::New(env, DropoutForward, "dropoutForward"));
  kernels.Set("dropoutBackward", Napi::Function::New(env, DropoutBackward, "dropoutBackward"));
  kernels.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  return kernels;
}

}  // namespace descent_binding
