// The op registries: one X-macro table per op family. Every enum, name
// lookup, capability flag and dispatch switch in the addon is generated from
// these tables, so the tables are the single place where an op exists.
//
// How to add an activation (exactly two files):
//   1. here, one line in DESCENT_ACTIVATIONS:
//        X(Mish, "mish", /*hidden*/ true, /*output*/ false, Derivative::Input)
//   2. in activations.h, its struct in namespace descent::act:
//        struct Mish {
//          static constexpr Derivative kDerivative = Derivative::Input;
//          DESCENT_INLINE static float forward(float z);
//          DESCENT_INLINE static float derivative(float z, float a);  // dL/dz = dL/da * derivative(z, a)
//        };
//      and bump kActivationCount's static_assert below.
// Every switch over activations expands DESCENT_ACTIVATIONS with `act::Id`,
// so a table line without its struct (or a struct with the wrong shape)
// fails the build instead of falling into a default case. The JS side sees
// names only (addon.ops); the numeric codes below never cross the boundary.
// Losses (struct in output_loss.h, namespace loss), optimizers (optimizer.h,
// namespace opt) and layer kinds (plan.h, namespace layer) work the same way.
#pragma once

#include <cstdint>

namespace descent {

// Where an activation's derivative comes from: its output a = f(z) (the
// dense epilogue may then fuse it and run in place), its input z (the op
// keeps its own output buffer), or the whole row (softmax: output only).
enum class Derivative : int { Output, Input, Row };

//   X(Id, "name", hidden-capable, output-capable, derivative source)
#define DESCENT_ACTIVATIONS(X)                                   \
  X(Linear, "linear", true, true, Derivative::Output)            \
  X(Relu, "relu", true, false, Derivative::Output)               \
  X(LeakyRelu, "leaky-relu", true, false, Derivative::Output)    \
  X(Tanh, "tanh", true, true, Derivative::Output)                \
  X(Sigmoid, "sigmoid", true, true, Derivative::Output)          \
  X(Softmax, "softmax", false, true, Derivative::Row)            \
  X(Gelu, "gelu", true, false, Derivative::Input)                \
  X(Silu, "silu", true, false, Derivative::Input)

// The output activations a loss accepts, as a bit set over Act (act_bit).
//   X(Id, "name", accepted outputs)
#define DESCENT_LOSSES(X)                                                                              \
  X(CrossEntropy, "cross-entropy", act_bit(Act::Softmax))                                              \
  X(BinaryCrossEntropy, "binary-cross-entropy", act_bit(Act::Sigmoid))                                 \
  X(Mse, "mse", act_bit(Act::Linear) | act_bit(Act::Tanh) | act_bit(Act::Sigmoid) | act_bit(Act::Softmax))

//   X(Id, "name", state slots per parameter)
#define DESCENT_OPTIMIZERS(X) \
  X(Sgd, "sgd", 0)            \
  X(Momentum, "momentum", 1)  \
  X(Adam, "adam", 2)          \
  X(AdamW, "adamw", 2)

//   X(Id, "kind")
#define DESCENT_LAYERS(X)          \
  X(Dense, "dense")                \
  X(Activation, "activation")      \
  X(Dropout, "dropout")            \
  X(Output, "output")

#define DESCENT_ENUM_ENTRY(Id, ...) Id,
#define DESCENT_COUNT_ENTRY(...) +1
enum class Act : int { DESCENT_ACTIVATIONS(DESCENT_ENUM_ENTRY) };
enum class Loss : int { DESCENT_LOSSES(DESCENT_ENUM_ENTRY) };
enum class Opt : int { DESCENT_OPTIMIZERS(DESCENT_ENUM_ENTRY) };
enum class Layer : int { DESCENT_LAYERS(DESCENT_ENUM_ENTRY) };
constexpr int kActivationCount = 0 DESCENT_ACTIVATIONS(DESCENT_COUNT_ENTRY);
constexpr int kLossCount = 0 DESCENT_LOSSES(DESCENT_COUNT_ENTRY);
constexpr int kOptimizerCount = 0 DESCENT_OPTIMIZERS(DESCENT_COUNT_ENTRY);
constexpr int kLayerCount = 0 DESCENT_LAYERS(DESCENT_COUNT_ENTRY);
#undef DESCENT_ENUM_ENTRY
#undef DESCENT_COUNT_ENTRY
// Each entry once: a line added (or lost in a merge) shows up here.
static_assert(kActivationCount == 8, "DESCENT_ACTIVATIONS: update the count when adding an activation");
static_assert(kLossCount == 3, "DESCENT_LOSSES: update the count when adding a loss");
static_assert(kOptimizerCount == 4, "DESCENT_OPTIMIZERS: update the count when adding an optimizer");
static_assert(kLayerCount == 4, "DESCENT_LAYERS: update the count when adding a layer kind");
static_assert(kActivationCount <= 32, "act_bit needs one bit per activation");

constexpr std::uint32_t act_bit(Act a) { return 1u << static_cast<int>(a); }

// Slope of leaky ReLU for negative inputs (addon.ops.leakyReluSlope).
constexpr double kLeakyReluSlope = 0.01;

// --- Per-entry traits, generated from the tables ----------------------------

struct ActivationInfo {
  const char* name;
  bool hidden;
  bool output;
  Derivative derivative;
};
struct LossInfo {
  const char* name;
  std::uint32_t outputs;  // act_bit set of the accepted output activations
};
struct OptimizerInfo {
  const char* name;
  int slots;  // float state per parameter: slot k of parameter i at k * size + i
};
struct LayerInfo {
  const char* name;
};

#define DESCENT_ACT_INFO(Id, name, hidden, output, derivative) {name, hidden, output, derivative},
#define DESCENT_LOSS_INFO(Id, name, outputs) {name, outputs},
#define DESCENT_OPT_INFO(Id, name, slots) {name, slots},
#define DESCENT_LAYER_INFO(Id, name) {name},
inline constexpr ActivationInfo kActivations[] = {DESCENT_ACTIVATIONS(DESCENT_ACT_INFO)};
inline constexpr LossInfo kLosses[] = {DESCENT_LOSSES(DESCENT_LOSS_INFO)};
inline constexpr OptimizerInfo kOptimizers[] = {DESCENT_OPTIMIZERS(DESCENT_OPT_INFO)};
inline constexpr LayerInfo kLayers[] = {DESCENT_LAYERS(DESCENT_LAYER_INFO)};
#undef DESCENT_ACT_INFO
#undef DESCENT_LOSS_INFO
#undef DESCENT_OPT_INFO
#undef DESCENT_LAYER_INFO

constexpr const ActivationInfo& info(Act a) { return kActivations[static_cast<int>(a)]; }
constexpr const LossInfo& info(Loss l) { return kLosses[static_cast<int>(l)]; }
constexpr const OptimizerInfo& info(Opt o) { return kOptimizers[static_cast<int>(o)]; }
constexpr const LayerInfo& info(Layer l) { return kLayers[static_cast<int>(l)]; }

// Element-wise: the activation maps each value on its own (all but the row-wise ones).
constexpr bool is_elementwise(Act a) { return info(a).derivative != Derivative::Row; }
constexpr bool derivative_from_output(Act a) { return info(a).derivative == Derivative::Output; }
constexpr bool loss_accepts_output(Loss l, Act a) { return (info(l).outputs & act_bit(a)) != 0; }
constexpr int optimizer_slots(Opt o) { return info(o).slots; }

}  // namespace descent
