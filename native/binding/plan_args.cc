#include "plan_args.h"

#include <cmath>

#include "args.h"

namespace descent_binding {

namespace {

constexpr std::int64_t kMaxUnits = 1 << 24;
constexpr std::int64_t kMaxSize = 2147483647;  // a Float32Array index / BLAS int

const char* derivative_name(descent::Derivative d) {
  switch (d) {
    case descent::Derivative::Output: return "output";
    case descent::Derivative::Input: return "input";
    case descent::Derivative::Row: return "row";
  }
  return "output";
}

bool usable(descent::Act a, ActUse use) {
  const descent::ActivationInfo& i = descent::info(a);
  switch (use) {
    case ActUse::Any: return true;
    case ActUse::Elementwise: return i.derivative != descent::Derivative::Row;
    case ActUse::FromOutput: return i.derivative == descent::Derivative::Output;
    case ActUse::Hidden: return i.hidden;
    case ActUse::Output: return i.output;
  }
  return false;
}

const char* use_text(ActUse use) {
  switch (use) {
    case ActUse::Any: return "an activation";
    case ActUse::Elementwise: return "an element-wise activation";
    case ActUse::FromOutput: return "an activation whose derivative comes from its output";
    case ActUse::Hidden: return "a hidden activation";
    case ActUse::Output: return "an output activation";
  }
  return "an activation";
}

// "'a', 'b' or 'c'"
template <typename Names>
std::string name_list(const Names& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); i++) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += std::string("'") + names[i] + "'";
  }
  return text;
}

std::string string_value(const Napi::Value& v) { return v.As<Napi::String>().Utf8Value(); }

std::string field(const std::string& base, const char* name) { return base + "." + name; }

}  // namespace

descent::Act activation_name(const Napi::Env& env, const std::string& where, const std::string& name,
                             const Napi::Value& v, ActUse use) {
  std::vector<const char*> accepted;
  for (int a = 0; a < descent::kActivationCount; a++) {
    if (usable(static_cast<descent::Act>(a), use)) accepted.push_back(descent::kActivations[a].name);
  }
  const std::string expected = name + " must be " + use_text(use) + " (" + name_list(accepted) + ")";
  if (!v.IsString()) fail_type(env, where, expected + ", received " + describe(v));
  const std::string text = string_value(v);
  for (int a = 0; a < descent::kActivationCount; a++) {
    if (text == descent::kActivations[a].name) {
      const auto act = static_cast<descent::Act>(a);
      if (!usable(act, use)) {
        std::string why = "";
        if (use == ActUse::FromOutput && descent::is_elementwise(act)) {
          why = ": its derivative needs the input z, use activationBackward";
        }
        fail_range(env, where, expected + ", received " + describe(v) + why);
      }
      return act;
    }
  }
  fail_range(env, where, expected + ", received " + describe(v));
}

descent::Loss loss_name(const Napi::Env& env, const std::string& where, const std::string& name,
                        const Napi::Value& v) {
  std::vector<const char*> accepted;
  for (const auto& l : descent::kLosses) accepted.push_back(l.name);
  const std::string expected = name + " must be a loss (" + name_list(accepted) + ")";
  if (!v.IsString()) fail_type(env, where, expected + ", received " + describe(v));
  const std::string text = string_value(v);
  for (int l = 0; l < descent::kLossCount; l++) {
    if (text == descent::kLosses[l].name) return static_cast<descent::Loss>(l);
  }
  fail_range(env, where, expected + ", received " + describe(v));
}

descent::Opt optimizer_name(const Napi::Env& env, const std::string& where, const std::string& name,
                            const Napi::Value& v) {
  std::vector<const char*> accepted;
  for (const auto& o : descent::kOptimizers) accepted.push_back(o.name);
  const std::string expected = name + " must be an optimizer (" + name_list(accepted) + ")";
  if (!v.IsString()) fail_type(env, where, expected + ", received " + describe(v));
  const std::string text = string_value(v);
  for (int o = 0; o < descent::kOptimizerCount; o++) {
    if (text == descent::kOptimizers[o].name) return static_cast<descent::Opt>(o);
  }
  fail_range(env, where, expected + ", received " + describe(v));
}

void check_loss_output(const Napi::Env& env, const std::string& where, const std::string& name, descent::Loss loss,
                       descent::Act output) {
  if (descent::loss_accepts_output(loss, output)) return;
  std::vector<const char*> accepted;
  for (int a = 0; a < descent::kActivationCount; a++) {
    if (descent::loss_accepts_output(loss, static_cast<descent::Act>(a))) accepted.push_back(descent::kActivations[a].name);
  }
  fail_range(env, where,
             name + " '" + descent::info(loss).name + "' cannot follow the output activation '" +
                 descent::info(output).name + "': it takes " + name_list(accepted));
}

descent::Plan read_plan(const Napi::Env& env, const std::string& where, const Napi::Value& v) {
  const Napi::Object obj = object(env, where, "plan", v);
  descent::Plan plan;
  plan.inputs = static_cast<int>(integer(env, where, "plan.inputs", obj.Get("inputs"), 1, kMaxUnits));
  plan.size = static_cast<long>(integer(env, where, "plan.size", obj.Get("size"), 0, kMaxSize));
  const Napi::Value layers_value = obj.Get("layers");
  if (!layers_value.IsArray()) {
    fail_type(env, where, "plan.layers must be an array of layer objects, received " + describe(layers_value));
  }
  const Napi::Array layers = layers_value.As<Napi::Array>();
  const std::uint32_t count = layers.Length();
  std::vector<const char*> kinds;
  for (const auto& l : descent::kLayers) kinds.push_back(l.name);
  int width = plan.inputs;
  bool has_dense = false;
  double next_free = 0;  // where the previous dense layer's parameters end
  for (std::uint32_t i = 0; i < count; i++) {
    const std::string base = "plan.layers[" + std::to_string(i) + "]";
    const Napi::Object layer = object(env, where, base, layers.Get(i));
    const Napi::Value kind_value = layer.Get("kind");
    const std::string kind_expected = base + ".kind must be a layer kind (" + name_list(kinds) + ")";
    if (!kind_value.IsString()) fail_type(env, where, kind_expected + ", received " + describe(kind_value));
    const std::string kind = string_value(kind_value);
    descent::LayerDesc d;
    int found = -1;
    for (int k = 0; k < descent::kLayerCount; k++) {
      if (kind == descent::kLayers[k].name) found = k;
    }
    if (found < 0) fail_range(env, where, kind_expected + ", received " + describe(kind_value));
    d.kind = static_cast<descent::Layer>(found);
    if (d.kind != descent::Layer::Output && i + 1 == count) {
      fail_range(env, where,
                 "plan.layers must end in an output layer, but " + base + ".kind is '" + kind + "'");
    }
    switch (d.kind) {
      case descent::Layer::Dense: {
        d.inputs = static_cast<int>(integer(env, where, field(base, "inputs"), layer.Get("inputs"), 1, kMaxUnits));
        if (d.inputs != width) {
          fail_range(env, where,
                     field(base, "inputs") + " must equal the width before it (" + std::to_string(width) +
                         "), received " + std::to_string(d.inputs));
        }
        d.units = static_cast<int>(integer(env, where, field(base, "units"), layer.Get("units"), 1, kMaxUnits));
        d.weight_offset = static_cast<long>(
            integer(env, where, field(base, "weightOffset"), layer.Get("weightOffset"), 0, kMaxSize));
        d.bias_offset = static_cast<long>(
            integer(env, where, field(base, "biasOffset"), layer.Get("biasOffset"), 0, kMaxSize));
        // Ranges inside [0, size), in double: the products cannot overflow.
        const double w_end = static_cast<double>(d.weight_offset) + static_cast<double>(d.inputs) * d.units;
        if (w_end > static_cast<double>(plan.size)) {
          fail_range(env, where,
                     field(base, "weightOffset") + " " + std::to_string(d.weight_offset) + " + inputs * units (" +
                         std::to_string(d.inputs) + " * " + std::to_string(d.units) + ") must be at most plan.size " +
                         std::to_string(plan.size) + ", received an end of " + number_text(w_end));
        }
        const double b_end = static_cast<double>(d.bias_offset) + d.units;
        if (b_end > static_cast<double>(plan.size)) {
          fail_range(env, where,
                     field(base, "biasOffset") + " " + std::to_string(d.bias_offset) + " + units (" +
                         std::to_string(d.units) + ") must be at most plan.size " + std::to_string(plan.size) +
                         ", received an end of " + number_text(b_end));
        }
        // W then b, each layer after the one before: no two threads' updates
        // can ever touch the same float (and determinism cannot depend on it).
        if (static_cast<double>(d.weight_offset) < next_free || w_end > static_cast<double>(d.bias_offset)) {
          fail_range(env, where,
                     base + " must keep W [" + std::to_string(d.weight_offset) + ", " + number_text(w_end) +
                         ") and b [" + std::to_string(d.bias_offset) + ", " + number_text(b_end) +
                         ") in order after the parameters before it (which end at " + number_text(next_free) + ")");
        }
        next_free = b_end;
        width = d.units;
        has_dense = true;
        break;
      }
      case descent::Layer::Activation:
        d.act = activation_name(env, where, field(base, "activation"), layer.Get("activation"), ActUse::Hidden);
        break;
      case descent::Layer::Dropout: {
        const Napi::Value rate = layer.Get("rate");
        const std::string expected = field(base, "rate") + " must be a number in [0, 1), received ";
        if (!rate.IsNumber()) fail_type(env, where, expected + describe(rate));
        d.rate = rate.As<Napi::Number>().DoubleValue();
        if (!(d.rate >= 0.0 && d.rate < 1.0)) fail_range(env, where, expected + describe(rate));
        break;
      }
      case descent::Layer::Output:
        if (i + 1 != count) {
          fail_range(env, where,
                     base + " is an output layer, which must come once and last (plan.layers has " +
                         std::to_string(count) + " layers)");
        }
        d.act = activation_name(env, where, field(base, "activation"), layer.Get("activation"), ActUse::Output);
        d.loss = loss_name(env, where, field(base, "loss"), layer.Get("loss"));
        check_loss_output(env, where, field(base, "loss"), d.loss, d.act);
        break;
    }
    plan.layers.push_back(d);
  }
  if (count == 0) fail_range(env, where, "plan.layers must end in an output layer, received an empty array");
  // Nothing to train or predict with otherwise (a choice: the spec allows no parameterless plan explicitly).
  if (!has_dense) fail_range(env, where, "plan.layers must contain at least one dense layer");
  return plan;
}

descent::UpdateHyper read_hyper(const Napi::Env& env, const std::string& where, const std::string& name,
                                const Napi::Value& v, bool with_lr_step) {
  const Napi::Object h = object(env, where, name, v);
  descent::UpdateHyper hyper;
  hyper.kind = optimizer_name(env, where, field(name, "kind"), h.Get("kind"));
  if (with_lr_step) hyper.lr = finite(env, where, field(name, "lr"), h.Get("lr"));
  hyper.momentum = finite(env, where, field(name, "momentum"), h.Get("momentum"));
  hyper.nesterov = boolean(env, where, field(name, "nesterov"), h.Get("nesterov"));
  hyper.beta1 = finite(env, where, field(name, "beta1"), h.Get("beta1"));
  hyper.beta2 = finite(env, where, field(name, "beta2"), h.Get("beta2"));
  hyper.epsilon = finite(env, where, field(name, "epsilon"), h.Get("epsilon"));
  hyper.weight_decay = finite(env, where, field(name, "weightDecay"), h.Get("weightDecay"));
  if (with_lr_step) {
    hyper.step = static_cast<double>(integer(env, where, field(name, "step"), h.Get("step"), 1, 9007199254740991LL));
  }
  return hyper;
}

Napi::Object ops_object(Napi::Env env) {
  Napi::Object activation = Napi::Object::New(env);
  for (const auto& a : descent::kActivations) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("hidden", Napi::Boolean::New(env, a.hidden));
    entry.Set("output", Napi::Boolean::New(env, a.output));
    entry.Set("derivative", Napi::String::New(env, derivative_name(a.derivative)));
    activation.Set(a.name, entry);
  }
  Napi::Object loss = Napi::Object::New(env);
  for (const auto& l : descent::kLosses) {
    Napi::Array outputs = Napi::Array::New(env);
    uint32_t k = 0;
    for (int a = 0; a < descent::kActivationCount; a++) {
      if (l.outputs & descent::act_bit(static_cast<descent::Act>(a))) outputs.Set(k++, descent::kActivations[a].name);
    }
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("outputs", outputs);
    loss.Set(l.name, entry);
  }
  Napi::Object optimizer = Napi::Object::New(env);
  for (const auto& o : descent::kOptimizers) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("slots", Napi::Number::New(env, o.slots));
    optimizer.Set(o.name, entry);
  }
  Napi::Array layer = Napi::Array::New(env);
  for (int k = 0; k < descent::kLayerCount; k++) layer.Set(static_cast<uint32_t>(k), descent::kLayers[k].name);
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("activation", activation);
  ops.Set("loss", loss);
  ops.Set("optimizer", optimizer);
  ops.Set("layer", layer);
  ops.Set("leakyReluSlope", Napi::Number::New(env, descent::kLeakyReluSlope));
  // The dropout mask generator (kernels/dropout.h): lowbias32 over a Weyl sequence.
  ops.Set("dropoutHash", Napi::String::New(env, "lowbias32-weyl"));
  return ops;
}

}  // namespace descent_binding
