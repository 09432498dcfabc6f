#include "plan.h"

#include <algorithm>
#include <thread>

#include "dense.h"
#include "thread_pool.h"

namespace descent {

namespace {
// A step below this many flops stays on one thread: it gains too little
// from a second one to risk it. Barriers are cheap (~0.1 us, two per step); what
// costs is cache lines moving between cores (every thread reads all of W,
// which the update then writes in slices). Measured on a 2-core AVX-512
// machine, T=2 over T=1 (runs vary by +-10%): 0.83x at 0.3 MFLOP per step,
// 1.0-1.17x at 0.65, 1.15-1.3x at 1.3, 1.2-1.35x at 2.3-2.8, 1.3-1.6x at
// 5-26, 1.5x at 77, 1.8x at 600+. The margin below the ~0.5 MFLOP
// break-even is for busy machines, where a barrier may wait for a
// descheduled thread: a few-microsecond step has nothing to gain there.
constexpr double kMinFlopsForTwoThreads = 2.0e6;
// Beyond two threads (not measured here: this machine has two cores) each
// more thread must bring this much work.
constexpr double kMinFlopsPerThreadBeyondTwo = 4.0e6;
// Starting a thread for a predict call costs ~50 us: worth it from about
// this much forward work per thread.
constexpr double kMinPredictFlopsPerThread = 2.0e7;
}  // namespace

bool backward_reads_input(const LayerDesc& l) {
  switch (l.kind) {
#define DESCENT_CASE(Id, ...) \
  case Layer::Id:             \
    return layer::Id::backward_reads_input(l);
    DESCENT_LAYERS(DESCENT_CASE)
#undef DESCENT_CASE
  }
  return true;
}

bool backward_reads_output(const LayerDesc& l) {
  switch (l.kind) {
#define DESCENT_CASE(Id, ...) \
  case Layer::Id:             \
    return layer::Id::backward_reads_output(l);
    DESCENT_LAYERS(DESCENT_CASE)
#undef DESCENT_CASE
  }
  return true;
}

CompiledPlan compile_plan(const Plan& plan) {
  CompiledPlan c;
  c.inputs = plan.inputs;
  c.size = plan.size;
  c.max_width = plan.inputs;
  int current = -1;              // buffer holding the running value (-1: the network input)
  int width = plan.inputs;
  bool producer_reads_output = false;  // does the op that wrote `current` read it in backward?
  const std::size_t count = plan.layers.size();
  for (std::size_t i = 0; i < count; i++) {
    const LayerDesc& l = plan.layers[i];
    if (l.kind == Layer::Output) {
      c.output_act = l.act;
      c.loss = l.loss;
      c.outputs = width;
      c.logits = current;
      break;
    }
    Step s{};
    s.kind = l.kind;
    s.layer = static_cast<int>(i);
    s.in = current;
    s.in_width = width;
    s.act = Act::Linear;
    s.rate = l.rate;
    bool reads_output = backward_reads_output(l);
    if (l.kind == Layer::Dense) {
      s.out_width = l.units;
      s.weight_offset = l.weight_offset;
      s.bias_offset = l.bias_offset;
      s.dense_index = static_cast<int>(c.dense_steps.size());
      // Fuse a following from-output activation into the epilogue: bias +
      // activation in one pass forward, derivative + bias sums in one pass
      // backward. The fused op then reads its output in backward.
      if (i + 1 < count && plan.layers[i + 1].kind == Layer::Activation &&
          derivative_from_output(plan.layers[i + 1].act)) {
        s.act = plan.layers[i + 1].act;
        s.fused = true;
        reads_output = true;
        i++;
      }
    } else {
      s.out_width = width;
      if (l.kind == Layer::Activation) s.act = l.act;
    }
    // In place iff this op's backward does not read its input, the input's
    // producer does not read its own output in backward, and the input is
    // not the network input (which the trainer may read in place from the
    // data set). Element-wise ops only: width is unchanged.
    const bool in_place = l.kind != Layer::Dense && current >= 0 && !backward_reads_input(l) && !producer_reads_output;
    if (in_place) {
      s.out = current;
    } else {
      s.out = static_cast<int>(c.widths.size());
      c.widths.push_back(s.out_width);
    }
    if (l.kind == Layer::Dense) {
      if (c.first_dense < 0) c.first_dense = static_cast<int>(c.steps.size());
      c.dense_steps.push_back(static_cast<int>(c.steps.size()));
    }
    c.steps.push_back(s);
    current = s.out;
    width = s.out_width;
    producer_reads_output = reads_output;
    c.max_width = std::max(c.max_width, width);
  }
  c.last_computed = 0;
  for (std::size_t i = 0; i < c.steps.size(); i++) {
    if (c.steps[i].kind != Layer::Dropout) c.last_computed = i;
  }
  return c;
}

double step_flops(const CompiledPlan& plan, int batch) {
  double flops = 0.0;
  for (const Step& s : plan.steps) {
    if (s.kind != Layer::Dense) continue;
    const double mac = static_cast<double>(s.in_width) * s.out_width;
    flops += 2.0 * batch * mac + (s.dense_index == 0 ? 2.0 : 4.0) * batch * mac;
  }
  return flops;
}

int choose_threads(const CompiledPlan& plan, int batch, int requested) {
  return threads_for_work(step_flops(plan, batch), batch, requested, kMaxThreads, kMinFlopsForTwoThreads,
                          kMinFlopsPerThreadBeyondTwo);
}

namespace {
// The widest value a predict workspace holds: the steps' outputs (the
// input is read in place, never copied into one).
long workspace_width(const CompiledPlan& plan) {
  long widest = 1;
  for (const int width : plan.widths) widest = std::max<long>(widest, width);
  return widest;
}
}  // namespace

long predict_chunk_rows(const CompiledPlan& plan) {
  const long widest = workspace_width(plan);
  long rows = kMaxPredictChunk;
  while (rows > 1 && rows * widest > kPredictWorkspaceValues) rows /= 2;
  return rows;
}

namespace {

struct PredictWorkspace {
  FloatBuffer ping;
  FloatBuffer pong;
};

// Rows [begin, end) in chunks through two ping-pong workspaces (allocated
// by the caller, so nothing in a helper thread can fail). Prediction keeps
// no values for a backward pass, so every element-wise op runs in place and
// dropout is skipped (identity).
void predict_rows(float* out, const float* params, const CompiledPlan& plan, const float* x, long begin, long end,
                  long chunk_rows, PredictWorkspace& work) {
  for (long start = begin; start < end; start += chunk_rows) {
    const int rows = static_cast<int>(std::min(chunk_rows, end - start));
    const float* input = x + start * plan.inputs;
    float* current = nullptr;  // the workspace holding the running value, or null while it is x
    float* dst = out + start * plan.outputs;
    for (std::size_t i = 0; i < plan.steps.size(); i++) {
      const Step& s = plan.steps[i];
      if (s.kind == Layer::Dropout) continue;
      float* target = current == work.ping.data() ? work.pong.data() : work.ping.data();
      if (s.kind == Layer::Dense) {
        // The logits' own dense writes out directly with the output
        // activation in its epilogue (softmax included), as dense_forward does.
        const bool into_out = i == plan.last_computed && !s.fused;
        if (into_out) target = dst;
        gemm_forward(target, current != nullptr ? current : input, params + s.weight_offset, rows, s.in_width,
                     s.out_width);
        bias_activation(target, params + s.bias_offset, rows, s.out_width, s.out_width,
                        into_out ? plan.output_act : s.act);
        if (into_out) break;
        current = target;
      } else {
        // Element-wise: in place on the workspace, or from x into one.
        float* into = current != nullptr ? current : target;
        activation_forward(into, current != nullptr ? current : input, static_cast<long>(rows) * s.out_width, s.act);
        current = into;
      }
      if (i == plan.last_computed) {
        const float* logits = current != nullptr ? current : input;
        if (is_elementwise(plan.output_act)) {
          activation_forward(dst, logits, static_cast<long>(rows) * plan.outputs, plan.output_act);
        } else {
          std::memcpy(dst, logits, sizeof(float) * rows * plan.outputs);
          softmax_rows(dst, rows, plan.outputs);
        }
      }
    }
  }
}

}  // namespace

void predict(float* out, const float* params, const CompiledPlan& plan, const float* x, long n, int threads) {
  if (n <= 0) return;
  const bool named = threads > 0;
  if (!named) {
    double flops = 0.0;
    for (const Step& s : plan.steps) {
      if (s.kind == Layer::Dense) flops += 2.0 * n * s.in_width * s.out_width;
    }
    threads = static_cast<int>(std::min<double>(flops / kMinPredictFlopsPerThread, available_cpus()));
  }
  // Rows go in chunks of predict_chunk_rows counted from row 0, and a thread
  // takes whole chunks: every GEMM sees the same rows whatever the thread
  // count, so predictions (and evaluate's loss) are the same bits on any machine.
  const long chunk_rows = predict_chunk_rows(plan);
  const long chunks = (n + chunk_rows - 1) / chunk_rows;
  threads = static_cast<int>(std::max<long>(1, std::min<long>({static_cast<long>(threads), kMaxThreads, chunks})));
  const ThreadLease lease(threads, named);
  threads = lease.threads();
  const auto rows_of = [&](int t) {
    const long first = chunks * t / threads;
    const long last = chunks * (t + 1) / threads;
    return std::make_pair(std::min(n, first * chunk_rows), std::min(n, last * chunk_rows));
  };
  // Two workspaces a thread, each at most kPredictWorkspaceValues (or one row of the widest layer).
  const std::size_t chunk = static_cast<std::size_t>(std::min(n, chunk_rows));
  const std::size_t width = static_cast<std::size_t>(workspace_width(plan));
  std::vector<PredictWorkspace> work;
  work.reserve(threads);
  for (int t = 0; t < threads; t++) work.push_back({FloatBuffer(chunk * width), FloatBuffer(chunk * width)});

  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  int started = threads;
  try {
    for (int t = 1; t < threads; t++) {
      const auto rows = rows_of(t);
      PredictWorkspace* mine = &work[t];
      helpers.emplace_back([=, &plan] { predict_rows(out, params, plan, x, rows.first, rows.second, chunk_rows, *mine); });
    }
  } catch (...) {
    // Could not start a thread: those started run their rows, this thread the rest.
    started = static_cast<int>(helpers.size()) + 1;
  }
  for (int t = 0; t < threads; t++) {
    if (t != 0 && t < started) continue;
    const auto rows = rows_of(t);
    predict_rows(out, params, plan, x, rows.first, rows.second, chunk_rows, work[0]);
  }
  for (auto& helper : helpers) helper.join();
}

}  // namespace descent
