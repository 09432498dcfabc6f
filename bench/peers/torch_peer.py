#!/usr/bin/python3
"""PyTorch peer for `npm run bench`.

Run with Debian's interpreter, which is the only one that has python3-torch:

    /usr/bin/python3 bench/peers/torch_peer.py '<json>'      (or JSON on stdin)

Timing mode (default; "mode" absent, null or "time"):
    in : {"trials": [{"name": str, "layers": [int, ...], "batch": int,
                      "iterations": int, "warmup": int}, ...],
          "threads": int | null,          # torch intra-op threads (null = default below)
          "blasThreads": int | null}      # optional; OpenBLAS threads (null = default below)
    out: {"peer": "pytorch", "version": str, "threads": int, "blasThreads": int,
          "trials": [{"name": str, "usPerStep": median_us, "meanUs": float,
                      "samples": int}, ...]}

Memory mode:
    in : {"mode": "memory", "n": 60000, "features": 784,
          "layers": [784, 256, 128, 10], "batch": 128,
          "threads": int | null, "blasThreads": int | null}   # threads optional
    out: {"peer": "pytorch", "mode": "memory", "seconds": float, "peakRssMiB": float,
          "version": str, "threads": int, "blasThreads": int, "batches": int}
    `seconds` is the wall time of the one training epoch (dataset allocation excluded);
    `peakRssMiB` is getrusage(RUSAGE_SELF).ru_maxrss (KiB on Linux) / 1024, i.e. the
    whole process including the interpreter and libtorch.

Fashion-MNIST mode (the same run as `descent train --data fashion-mnist`):
    in : {"mode": "fashion", "dir": "/usr/share/datasets/fashion-mnist",
          "layers": [784, 256, 128, 10], "dropout": 0.2, "epochs": 40, "batch": 128,
          "lr": 0.002, "seed": 0}
    out: {"peer": "pytorch", "mode": "fashion", "testAccuracy": float, "wallSeconds": float,
          "cpuSeconds": float, "loadSeconds": float, "peakRssMiB": float, ...}
    ReLU hidden layers each followed by dropout, softmax cross-entropy, Adam (PyTorch's
    defaults: betas 0.9/0.999, eps 1e-8), the learning rate on descent's cosine schedule
    (lr * (1 + cos(pi (epoch - 1) / epochs)) / 2 for 1-based epochs, CosineAnnealingLR's
    values with T_max = epochs, set per epoch), pixels / 255,
    reshuffled every epoch. cpuSeconds is the process's CPU time (all threads),
    loading included; wallSeconds likewise from the start of the request.

Fit mode (a whole small training job, as a user's loop runs it):
    in : {"mode": "fit", "n": 8192, "layers": [64, 32, 10], "batch": 32, "epochs": 5,
          "lr": 0.002, "runs": 7}
    out: {"peer": "pytorch", "mode": "fit", "seconds": [float, ...], "medianSeconds": float}
    Random inputs in [0, 1) and labels, made before the clock starts; each run builds
    the network (as build_model) and an Adam optimizer and trains `epochs` epochs of
    shuffled mini-batches (index_select of a randperm, as a DataLoader's sampler does,
    without its worker overhead). One untimed run first warms the allocator and kernels.

If torch cannot be imported: {"peer": "pytorch", "skipped": "<reason>"}, exit 0.
Exactly one JSON line goes to stdout; diagnostics go to stderr.

Thread defaults -- measured on the bench machine (2-core AMD EPYC KVM guest, AVX-512;
torch 1.13.1+dfsg-4; OpenBLAS 0.3.21 pthread build, DYNAMIC_ARCH core "Cooperlake").
In this build GEMM (addmm/mm) goes to OpenBLAS, which runs its own pthread pool sized by
OPENBLAS_NUM_THREADS at load time (default: 2 here), while torch.set_num_threads() only
sizes the OpenMP pool used for torch's own elementwise/reduction kernels (ReLU, softmax,
CE, SGD update).  Debian's torch starts with torch.get_num_threads() == 1.

Median us/step; each cell = median over 5 separate processes (each process: its own
per-step median; 3000/400/200/40 timed steps), interleaved, runs with any other load on
the box discarded.  Columns: torch threads / OpenBLAS threads.

    trial                     1/1      1/2      2/1      2/2   2/2+OMP_WAIT_POLICY=PASSIVE
    64-32-10 b32              149      149      153      181      325
    64-128-10 b1797          1605     1737     2023     3041     1900
    784-512-256-10 b256      7838     4626     8110     9785     5951
    784-1024-1024-10 b1024 111134    63546   109935   128723    67753

* OpenBLAS 2 threads is the win on the GEMM-bound trials (1.7x on both 784-... trials).
  On 64-128-10 b1797 1/1 vs 1/2 is inside the run-to-run noise (per-process medians
  1582-1821 vs 1428-2277); alternating openblas_set_num_threads(1|2) inside one
  process gave 2114 vs 1960 us, i.e. 2 threads no worse.  64-32-10 b32 is pure
  dispatch overhead and doesn't care.
* torch threads 2 never helps, and together with 2 OpenBLAS threads it is the worst
  setting: libgomp's workers spin-wait after each parallel region and steal the second
  core from OpenBLAS's threads (2 + 2 threads on 2 cores).  Making OpenMP sleep
  (OMP_WAIT_POLICY=PASSIVE) cures the big trials but adds wake-up cost to small ones.
* Default: torch threads 1, OpenBLAS threads 2 (this also happens to be what the Debian
  build does out of the box).  "threads" / "blasThreads" in the request override it;
  an OPENBLAS_NUM_THREADS already in the environment is honoured when blasThreads is
  not given.
"""

import json
import os
import resource
import statistics
import sys
import time

DEFAULT_TORCH_THREADS = 1
DEFAULT_BLAS_THREADS = 2


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_request():
    if len(sys.argv) > 1 and sys.argv[1].strip() not in ("", "-"):
        raw = sys.argv[1]
    else:
        raw = sys.stdin.read()
    return json.loads(raw)


def positive_int_or_none(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("%s must be a positive integer or null, got %r" % (what, value))
    return value


def main():
    if "--serve" in sys.argv[1:]:
        return serve()
    try:
        req = read_request()
        if not isinstance(req, dict):
            raise ValueError("request must be a JSON object")
        torch_threads = positive_int_or_none(req.get("threads"), "threads")
        blas_threads = positive_int_or_none(req.get("blasThreads"), "blasThreads")
    except Exception as e:  # bad request: report it, but as a JSON line the harness can read
        emit({"peer": "pytorch", "error": "bad request: %s" % e})
        return 2

    if torch_threads is None:
        torch_threads = DEFAULT_TORCH_THREADS
    if blas_threads is None:
        env = os.environ.get("OPENBLAS_NUM_THREADS")
        blas_threads = int(env) if env and env.isdigit() and int(env) > 0 else DEFAULT_BLAS_THREADS

    # OpenBLAS reads this when libopenblas is loaded, i.e. during `import torch`,
    # so it has to be set first.  (The size of the pthread pool is fixed at load.)
    os.environ["OPENBLAS_NUM_THREADS"] = str(blas_threads)

    try:
        import torch
    except Exception as e:  # ImportError, or a broken shared-library dependency
        emit({"peer": "pytorch", "skipped": "import torch failed: %s: %s" % (type(e).__name__, e)})
        return 0

    torch.set_num_threads(torch_threads)
    blas_threads = actual_blas_threads(blas_threads)

    mode = req.get("mode")
    if mode not in (None, "time", "memory", "fashion", "fit"):
        emit({"peer": "pytorch", "error": "bad request: unknown mode %r" % mode})
        return 2
    if mode in (None, "time") and not isinstance(req.get("trials"), list):
        emit({"peer": "pytorch", "error": "bad request: 'trials' must be a list"})
        return 2
    try:
        if mode == "memory":
            result = run_memory(torch, req)
        elif mode == "fashion":
            result = run_fashion(torch, req)
        elif mode == "fit":
            result = run_fit(torch, req)
        else:
            result = {
                "peer": "pytorch",
                "version": torch.__version__,
                "threads": torch.get_num_threads(),
                "blasThreads": blas_threads,
                "trials": [run_trial(torch, t) for t in req["trials"]],
            }
    except Exception as e:  # keep stdout one parseable line; the traceback goes to stderr
        import traceback

        traceback.print_exc()
        emit({"peer": "pytorch", "error": "%s: %s" % (type(e).__name__, e)})
        return 1

    result.setdefault("version", torch.__version__)
    result.setdefault("threads", torch.get_num_threads())
    result.setdefault("blasThreads", blas_threads)
    emit(result)
    return 0


def actual_blas_threads(requested):
    """Ask the loaded OpenBLAS how many threads it will use (best effort)."""
    try:
        import ctypes

        lib = ctypes.CDLL("libopenblas.so.0")  # same soname -> the instance torch loaded
        return int(lib.openblas_get_num_threads())
    except Exception:
        return requested


def build_model(torch, layers, dropout=0.0):
    """Dense layers with ReLU (and dropout) between them, initialised as descent does."""
    if not isinstance(layers, list) or len(layers) < 2:
        raise ValueError("layers must list at least two sizes")
    mods = []
    for i in range(len(layers) - 1):
        lin = torch.nn.Linear(int(layers[i]), int(layers[i + 1]))
        # He-normal: std = sqrt(2 / fan_in); bias 0.
        torch.nn.init.kaiming_normal_(lin.weight, mode="fan_in", nonlinearity="relu")
        torch.nn.init.zeros_(lin.bias)
        mods.append(lin)
        if i < len(layers) - 2:
            mods.append(torch.nn.ReLU())
            if dropout > 0:
                mods.append(torch.nn.Dropout(dropout))
    return torch.nn.Sequential(*mods)


def build(torch, layers):
    model = build_model(torch, layers)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                          dampening=0, weight_decay=0, nesterov=False)
    # CrossEntropyLoss = log_softmax + nll on logits, mean over the batch.
    loss_fn = torch.nn.CrossEntropyLoss(reduction="mean")
    return model, opt, loss_fn


def train_step(model, opt, loss_fn, x, y):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


def run_trial(torch, trial):
    name = trial.get("name")
    layers = trial["layers"]
    batch = int(trial["batch"])
    iterations = int(trial.get("iterations", 50))
    warmup = int(trial.get("warmup", 5))
    if batch < 1 or iterations < 1 or warmup < 0:
        raise ValueError("trial %r: batch/iterations must be >= 1, warmup >= 0" % name)

    torch.manual_seed(1234)
    model, opt, loss_fn = build(torch, layers)
    x = torch.rand(batch, int(layers[0]), dtype=torch.float32)
    y = torch.randint(0, int(layers[-1]), (batch,), dtype=torch.int64)

    for _ in range(warmup):
        train_step(model, opt, loss_fn, x, y)

    # CPU tensors: backward() and step() are synchronous, so when step() returns the
    # work is done.  Per-step samples, median reported (robust to the odd hiccup).
    samples = []
    clock = time.perf_counter
    for _ in range(iterations):
        t0 = clock()
        train_step(model, opt, loss_fn, x, y)
        samples.append((clock() - t0) * 1e6)

    return {
        "name": name,
        "usPerStep": statistics.median(samples),
        "meanUs": statistics.fmean(samples),
        "samples": len(samples),
    }


def run_fit(torch, req):
    n = int(req.get("n", 8192))
    layers = req.get("layers", [64, 32, 10])
    batch = int(req.get("batch", 32))
    epochs = int(req.get("epochs", 5))
    lr = float(req.get("lr", 0.002))
    runs = int(req.get("runs", 7))
    torch.manual_seed(0)
    x = torch.rand(n, int(layers[0]), dtype=torch.float32)
    y = torch.randint(0, int(layers[-1]), (n,), dtype=torch.int64)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="mean")

    def one_fit():
        model = build_model(torch, layers)
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(epochs):
            order = torch.randperm(n)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                train_step(model, opt, loss_fn, x.index_select(0, idx), y.index_select(0, idx))

    one_fit()
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        one_fit()
        seconds.append(time.perf_counter() - t0)
    return {"peer": "pytorch", "mode": "fit", "seconds": seconds, "medianSeconds": statistics.median(seconds)}


def run_memory(torch, req):
    n = int(req.get("n", 60000))
    features = int(req.get("features", 784))
    layers = req.get("layers", [features, 256, 128, 10])
    batch = int(req.get("batch", 128))
    if int(layers[0]) != features:
        raise ValueError("layers[0] (%s) must equal features (%s)" % (layers[0], features))

    torch.manual_seed(1234)
    model, opt, loss_fn = build(torch, layers)
    data = torch.rand(n, features, dtype=torch.float32)
    labels = torch.randint(0, int(layers[-1]), (n,), dtype=torch.int64)

    t0 = time.perf_counter()
    perm = torch.randperm(n)
    batches = 0
    for start in range(0, n, batch):
        idx = perm[start:start + batch]
        train_step(model, opt, loss_fn, data.index_select(0, idx), labels.index_select(0, idx))
        batches += 1
    seconds = time.perf_counter() - t0

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "peer": "pytorch",
        "mode": "memory",
        "seconds": seconds,
        "peakRssMiB": peak_kib / 1024.0,
        "batches": batches,
    }


def read_idx(path):
    """An IDX file (gzipped) as a uint8 numpy array of its dimensions."""
    import gzip
    import struct

    import numpy as np

    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def run_fashion(torch, req):
    import math
    import os

    started_wall = time.perf_counter()
    started_cpu = time.process_time()
    folder = req.get("dir", "/usr/share/datasets/fashion-mnist")
    layers = req.get("layers", [784, 256, 128, 10])
    dropout = float(req.get("dropout", 0.2))
    epochs = int(req.get("epochs", 40))
    batch = int(req.get("batch", 128))
    lr = float(req.get("lr", 0.002))
    torch.manual_seed(int(req.get("seed", 0)))

    def load(prefix):
        images = read_idx(os.path.join(folder, prefix + "-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz"))
        x = torch.from_numpy(images.reshape(len(images), -1).astype("float32") / 255.0)
        return x, torch.from_numpy(labels.astype("int64"))

    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    load_seconds = time.perf_counter() - started_wall

    model = build_model(torch, layers, dropout)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(x_train)
    for epoch in range(1, epochs + 1):
        for group in opt.param_groups:
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))
        model.train()
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            train_step(model, opt, loss_fn, x_train.index_select(0, idx), y_train.index_select(0, idx))
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return {
        "peer": "pytorch",
        "mode": "fashion",
        "testAccuracy": accuracy,
        "wallSeconds": time.perf_counter() - started_wall,
        "cpuSeconds": time.process_time() - started_cpu,
        "loadSeconds": load_seconds,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "epochs": epochs,
        "batch": batch,
    }


def kernel_case(torch, trial):
    """A dense layer's forward or backward alone, as descent's kernels compute them."""
    batch, n_in, n_out = int(trial["batch"]), int(trial["inputs"]), int(trial["outputs"])
    torch.manual_seed(1234)
    x = torch.rand(batch, n_in)
    w = (torch.rand(n_in, n_out) - 0.5) * 0.1
    b = torch.zeros(n_out)
    y = torch.empty(batch, n_out)
    if trial["kind"] == "forward":
        def forward():
            torch.addmm(b, x, w, out=y)
            torch.relu_(y)
        return forward
    torch.relu_(torch.addmm(b, x, w, out=y))
    dy = torch.rand(batch, n_out)
    dz = torch.empty(batch, n_out)
    dw = torch.empty(n_in, n_out)
    dx = torch.empty(batch, n_in)
    db = torch.empty(n_out)
    def backward():
        torch.mul(dy, y > 0, out=dz)
        torch.mm(x.t(), dz, out=dw)
        torch.sum(dz, 0, out=db)
        torch.mm(dz, w.t(), out=dx)
    return backward


def step_case(torch, trial):
    layers = trial["layers"]
    batch = int(trial["batch"])
    torch.manual_seed(1234)
    model, opt, loss_fn = build(torch, layers)
    x = torch.rand(batch, int(layers[0]), dtype=torch.float32)
    y = torch.randint(0, int(layers[-1]), (batch,), dtype=torch.int64)
    return lambda: train_step(model, opt, loss_fn, x, y)


def time_case(run, time_ms, min_iterations):
    """Warm up, then time single calls until both the budget and the count are met."""
    clock = time.perf_counter
    warm_until = clock() + min(0.2, time_ms / 4000.0)
    warm = 0
    while warm < 3 and (warm == 0 or clock() < warm_until):
        run()
        warm += 1
    samples = []
    deadline = clock() + time_ms / 1000.0
    while len(samples) < min_iterations or clock() < deadline:
        t0 = clock()
        run()
        samples.append((clock() - t0) * 1e6)
    return samples


def serve():
    """Long-lived mode for the bench harness, so torch's measurements interleave
    with the others: one JSON request per stdin line, one JSON reply per line.
      {"op": "hello"} -> {"peer", "version", "threads", "blasThreads"} or {"skipped"}
      {"op": "time", "trial": {...bench/trials.mjs trial}, "timeMs", "minIterations"}
        -> {"name", "usPerStep" (median), "samples"}"""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(DEFAULT_BLAS_THREADS))
    try:
        import torch
    except Exception as e:
        emit({"peer": "pytorch", "skipped": "import torch failed: %s: %s" % (type(e).__name__, e)})
        return 0
    torch.set_num_threads(DEFAULT_TORCH_THREADS)
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("op") == "hello":
                emit({"peer": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
                      "blasThreads": actual_blas_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))})
                continue
            trial = req["trial"]
            key = trial["name"]
            if key not in cases:
                cases[key] = step_case(torch, trial) if trial["kind"] == "step" else kernel_case(torch, trial)
            samples = time_case(cases[key], float(req.get("timeMs", 500)), int(req.get("minIterations", 5)))
            emit({"name": key, "usPerStep": statistics.median(samples), "samples": len(samples)})
        except Exception as e:
            emit({"error": "%s: %s" % (type(e).__name__, e)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
