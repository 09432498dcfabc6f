// Reading the plan, op names and the optimizer's hyper-parameters from JS.
// JS speaks names only; the codes are generated from the tables of
// kernels/ops.h and never leave C++.
#pragma once

#include <napi.h>

#include <string>

#include "../kernels/ops.h"
#include "../kernels/optimizer.h"
#include "../kernels/plan.h"

namespace descent_binding {

// Which activations a name may be.
enum class ActUse {
  Any,             // any activation (denseForward)
  Elementwise,     // not row-wise (activationForward / activationBackward)
  FromOutput,      // derivative from the output (denseBackward)
  Hidden,          // an activation layer
  Output,          // an output layer / outputLoss's outputAct
};

// A name from the table; the message lists the accepted names.
descent::Act activation_name(const Napi::Env& env, const std::string& where, const std::string& name,
                             const Napi::Value& v, ActUse use);
descent::Loss loss_name(const Napi::Env& env, const std::string& where, const std::string& name,
                        const Napi::Value& v);
descent::Opt optimizer_name(const Napi::Env& env, const std::string& where, const std::string& name,
                            const Napi::Value& v);
// Fails unless loss accepts output (names the field `name`).
void check_loss_output(const Napi::Env& env, const std::string& where, const std::string& name, descent::Loss loss,
                       descent::Act output);

// The plan object: { inputs, size, layers: [...] }, validated in full.
descent::Plan read_plan(const Napi::Env& env, const std::string& where, const Napi::Value& v);

// The hyper-parameter record (UpdateHyper), read in one place: kind (a
// name), momentum, nesterov, beta1, beta2, epsilon, weightDecay, and with
// with_lr_step also lr and step (an integer >= 1). `name` prefixes the
// fields in messages ("config.optimizer", "hyper").
descent::UpdateHyper read_hyper(const Napi::Env& env, const std::string& where, const std::string& name,
                                const Napi::Value& v, bool with_lr_step);

// addon.ops, generated from the tables.
Napi::Object ops_object(Napi::Env env);

}  // namespace descent_binding
