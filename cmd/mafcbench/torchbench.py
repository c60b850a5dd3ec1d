#!/usr/bin/env python3
"""PyTorch side of mafcbench: the models of mafc's bundled specs written in
plain PyTorch, timed case by case.

Models (parameters initialised like torch.nn.Linear's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in))):

  mnist     phi(x) = w . softplus(W x + b),  W 1024x784, w without bias (batch 100)
  ising16   phi(x) = w . lncosh(W x),        W 512x256, no biases      (batch 64)
  deepmlp   MLP [784, 1024, 1024] softplus, output without bias         (batch 100)

  ln cosh a = |a| + log1p(exp(-2|a|)) - ln 2

Cases ("model/what"):

  grad        phi and grad phi by torch.autograd.grad (create_graph=False)
  lap-fwd     exact Laplacian by forward-Laplacian propagation: carry the
              value, the Jacobian J (B x n x D) and the Laplacian vector l
              through each layer (linear: J <- W J, l <- W l; activation:
              J <- s' * J, l <- s' * l + s'' * sum_k J^2), output w . l;
              also returns phi and grad phi = w . J. The first layer's J is
              W itself (shared by the batch) and J after the last activation
              is kept factored (s' and the previous J), so one-layer models
              never materialise a per-sample Jacobian; deeper ones compute
              each sample's W (s' * J) with torch.mm into buffers kept
              between calls (2.2-3.8x faster here than batched einsum,
              matmul or bmm over the (B, n, D) tensor).
  lap-hessian exact Laplacian as the trace of the autograd Hessian,
              vmap(hessian(phi)) (torch.func, or functorch on torch 1.13),
              over chunks of the batch to bound memory
  lap-loop    exact Laplacian by an autograd loop over the D input
              dimensions: grad of (grad phi)_i w.r.t. x_i, create_graph=True
  train       one training step: ising16 (batch 64 fresh N(0,1) samples, 50
              RK4 steps of 0.1 forward with ln p, loss mean((ln p - ln pi(x))/N),
              ln pi(x) = -1/2 x^T K^-1 x + sum ln cosh x_i) or mnist (batch
              100 Gaussian "data", 100 RK4 steps of 0.1 of dx/dt = -grad phi,
              dacc/dt = +Lap phi, loss = mean(acc + 1/2 sum(z^2 + ln 2 pi))),
              backward through the integrator by autograd (grad phi =
              (w * s'(a)) W and Lap phi = sum_j w_j s''(a_j) |W_j|^2 in closed
              form, differentiated by autograd), Adam.

The model "ising16f32" is ising16 in float32 (everything else is float64,
torch.set_default_dtype(torch.float64)).

Standalone:  python3 torchbench.py --threads 2 [--reps 5] [--cases mnist/grad,ising16/train]
  prints one JSON object {"info": {...}, "seconds": {case: median seconds}}.
Server (used by `go run ./cmd/mafcbench`):  python3 torchbench.py --serve --threads 2
  reads one JSON request per line on stdin and answers one JSON line on stdout:
    {"op": "info"}                              -> {"torch": ..., "blas": ..., ...}
    {"op": "setup", "case": C}                  -> {"est_s": seconds of one call, "warm": bool}
    {"op": "time", "case": C, "n": k, "warmup": w} -> {"times": [k seconds]}
    {"op": "free", "case": C}                   -> {}
    {"op": "quit"}                              -> the summary object, then exit
  errors are answered as {"error": "..."}.
"""

import argparse
import gc
import json
import math
import os
import statistics
import sys
import time

import torch

LN2 = math.log(2.0)
LN2PI = math.log(2.0 * math.pi)

# ---------------------------------------------------------------- functorch

_func = None


def func_api():
    """vmap and hessian from torch.func (torch >= 2.0) or functorch (1.13)."""
    global _func
    if _func is None:
        try:
            from torch.func import hessian, vmap  # type: ignore
        except ImportError:
            from functorch import hessian, vmap  # type: ignore
        _func = (vmap, hessian)
    return _func


# ---------------------------------------------------------------- activations


def softplus(a):
    return torch.nn.functional.softplus(a)


def softplus_d1(a):
    return torch.sigmoid(a)


def softplus_d2(a):
    s = torch.sigmoid(a)
    return s * (1 - s)


def lncosh(a):
    m = a.abs()
    return m + torch.log1p(torch.exp(-2 * m)) - LN2


def lncosh_d1(a):
    return torch.tanh(a)


def lncosh_d2(a):
    t = torch.tanh(a)
    return 1 - t * t


ACTS = {
    "softplus": (softplus, softplus_d1, softplus_d2),
    "lncosh": (lncosh, lncosh_d1, lncosh_d2),
}

# ---------------------------------------------------------------- models


class MLP:
    """phi(x) = w . s(W_L ... s(W_1 x + b_1) ... + b_L), output without bias.

    Parameters are plain tensors (requires_grad only for training), so that
    the same functions serve autograd, functorch and the hand-written
    forward Laplacian."""

    def __init__(self, sizes, act, bias, dtype, gen, requires_grad=False):
        self.sizes = sizes
        self.act, self.d1, self.d2 = ACTS[act]
        self.layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1 / math.sqrt(fan_in)
            W = (torch.rand(fan_out, fan_in, generator=gen, dtype=dtype) * 2 - 1) * bound
            b = (torch.rand(fan_out, generator=gen, dtype=dtype) * 2 - 1) * bound if bias else None
            self.layers.append((W, b))
        bound = 1 / math.sqrt(sizes[-1])
        self.w = (torch.rand(sizes[-1], generator=gen, dtype=dtype) * 2 - 1) * bound
        if requires_grad:
            for p in self.params():
                p.requires_grad_(True)

    def params(self):
        ps = []
        for W, b in self.layers:
            ps.append(W)
            if b is not None:
                ps.append(b)
        ps.append(self.w)
        return ps

    @property
    def dim(self):
        return self.sizes[0]

    def pre(self, h, W, b):
        a = h @ W.t()
        return a + b if b is not None else a

    def phi(self, x):
        """phi for a batch x (B x D) -> (B,), or one x (D,) -> scalar."""
        h = x
        for W, b in self.layers:
            h = self.act(self.pre(h, W, b))
        return h @ self.w

    def forward_laplacian(self, x):
        """phi, grad phi and the exact Laplacian by forward-Laplacian
        propagation (no autograd). The Jacobian of the first layer is W_1
        for every sample; past it, each sample's Jacobian (H x D) goes
        through its own torch.mm into a buffer kept between calls: batched
        einsum/matmul/bmm over (B, H, D) tensors ran 2.2-3.8x slower than
        this loop on the project's machine (fresh 640 MB temporaries and
        permuted copies)."""
        B = x.shape[0]
        h = x
        J = None  # Jacobian of h w.r.t. x: None = identity
        shared = True  # J is the same for every sample (H x D) when True
        scale = None  # when set, the true J is scale[:, :, None] * J (factored)
        lap = None  # Laplacian vector of h: None = 0
        for li, (W, b) in enumerate(self.layers):
            a = self.pre(h, W, b)
            # linear: J <- W diag(scale) J, l <- W l
            if J is None:
                J, shared = W, True  # d(Wx+b)/dx = W, the same for all samples
            else:
                Jn = self._buffer(("J", li), (B, W.shape[0], J.shape[-1]), x.dtype)
                tmp = self._buffer(("tmp", li), J.shape[-2:], x.dtype)
                for i in range(B):
                    Ji = J if shared else J[i]
                    if scale is not None:
                        torch.mul(Ji, scale[i, :, None], out=tmp)
                        Ji = tmp
                    torch.mm(W, Ji, out=Jn[i])
                J, shared, scale = Jn, False, None
            if lap is not None:
                lap = lap @ W.t()
            # activation: J <- s' J, l <- s' l + s'' sum_k J^2
            s1, s2 = self.d1(a), self.d2(a)
            if shared:
                sq = (J * J).sum(-1)  # (H,)
            else:
                sq = torch.empty(B, J.shape[1], dtype=x.dtype)
                for i in range(B):
                    torch.sum(J[i] * J[i], -1, out=sq[i])
            lap = s2 * sq if lap is None else s1 * lap + s2 * sq
            scale = s1  # J stays factored until the next linear layer
            h = self.act(a)
        phi = h @ self.w
        ws = self.w * scale  # (B, H): w_j s'_j
        if shared:
            grad = ws @ J
        else:
            grad = torch.bmm(ws[:, None, :], J)[:, 0, :]
        return phi, grad, lap @ self.w

    def _buffer(self, key, shape, dtype):
        """A tensor of the given shape kept between calls (no 640 MB
        allocation per call for the deep MLP's Jacobians)."""
        bufs = self.__dict__.setdefault("_bufs", {})
        t = bufs.get(key)
        if t is None or tuple(t.shape) != tuple(shape) or t.dtype != dtype:
            t = bufs[key] = torch.empty(tuple(shape), dtype=dtype)
        return t


def make_model(name, gen, requires_grad=False):
    f64 = torch.float64
    if name == "mnist":
        return MLP([784, 1024], "softplus", True, f64, gen, requires_grad), 100
    if name == "ising16":
        return MLP([256, 512], "lncosh", False, f64, gen, requires_grad), 64
    if name == "ising16f32":
        return MLP([256, 512], "lncosh", False, torch.float32, gen, requires_grad), 64
    if name == "deepmlp":
        return MLP([784, 1024, 1024], "softplus", True, f64, gen, requires_grad), 100
    raise ValueError("unknown model %r" % name)


# ---------------------------------------------------------------- kernels


def grad_phi(model, x0):
    x = x0.detach().requires_grad_(True)
    phi = model.phi(x)
    (g,) = torch.autograd.grad(phi.sum(), x, create_graph=False)
    return phi.detach(), g


def lap_hessian(model, x0, chunk):
    vmap, hessian = func_api()
    hess = vmap(hessian(model.phi))
    out = []
    for i in range(0, x0.shape[0], chunk):
        H = hess(x0[i : i + chunk])
        out.append(H.diagonal(dim1=1, dim2=2).sum(1))
    return torch.cat(out)


def lap_loop(model, x0, dims=None):
    x = x0.detach().requires_grad_(True)
    phi = model.phi(x)
    (g,) = torch.autograd.grad(phi.sum(), x, create_graph=True)
    lap = torch.zeros(x.shape[0], dtype=x.dtype)
    D = x.shape[1] if dims is None else dims
    for i in range(D):
        (gi,) = torch.autograd.grad(g[:, i].sum(), x, retain_graph=True)
        lap = lap + gi[:, i]
    return lap


# ---------------------------------------------------------------- training


def rk4(f, x, a, steps, dt):
    for _ in range(steps):
        k1x, k1a = f(x)
        k2x, k2a = f(x + 0.5 * dt * k1x)
        k3x, k3a = f(x + 0.5 * dt * k2x)
        k4x, k4a = f(x + dt * k3x)
        x = x + (dt / 6) * (k1x + 2 * k2x + 2 * k3x + k4x)
        a = a + (dt / 6) * (k1a + 2 * k2a + 2 * k3a + k4a)
    return x, a


def one_layer_velocity(model, sigma):
    """f(x) = (sigma grad phi, -sigma Lap phi) for a one-hidden-layer model,
    both in closed form and differentiable w.r.t. the parameters: grad phi =
    (w * s'(a)) W, Lap phi = sum_j w_j s''(a_j) |W_j|^2 (the forward-Laplacian
    formula for one layer). The closed-form gradient made the Ising step
    0.53-0.55 s against 0.62-0.66 s with torch.autograd.grad(create_graph=True)
    on the project's machine (the MNIST step 6.4 s either way), so the
    harness times the faster one."""
    (W, b), w = model.layers[0], model.w
    sq = (W * W).sum(1)  # |W_j|^2, once per step

    def f(x):
        a = model.pre(x, W, b)
        g = (model.d1(a) * w) @ W
        lap = (model.d2(a) * w) @ sq
        return sigma * g, -sigma * lap

    return f


class TrainIsing:
    """One variational training step of the paper's Ising model."""

    def __init__(self, model_name, gen):
        self.model, _ = make_model(model_name, gen, requires_grad=True)
        dt = self.model.w.dtype
        self.B, self.D, self.N = 64, 256, 256.0
        A = torch.randn(self.D, self.D, generator=gen, dtype=dt) / math.sqrt(self.D)
        self.Kinv = A @ A.t() + torch.eye(self.D, dtype=dt)  # any SPD matrix: timing only
        self.opt = torch.optim.Adam(self.model.params(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-3)
        self.gen = gen

    def log_target(self, x):
        return -0.5 * ((x @ self.Kinv) * x).sum(1) + lncosh(x).sum(1)

    def __call__(self):
        self.opt.zero_grad(set_to_none=True)
        dt = self.model.w.dtype
        z = torch.randn(self.B, self.D, generator=self.gen, dtype=dt)
        logp = -0.5 * (z * z).sum(1) - 0.5 * self.D * LN2PI
        x, logp = rk4(one_layer_velocity(self.model, +1.0), z, logp, 50, 0.1)
        loss = ((logp - self.log_target(x)) / self.N).mean()
        loss.backward()
        self.opt.step()
        return loss.item()


class TrainMNIST:
    """One maximum-likelihood training step of the paper's MNIST model on
    Gaussian data of MNIST's dimension (the cost does not depend on the data)."""

    def __init__(self, gen):
        self.model, _ = make_model("mnist", gen, requires_grad=True)
        self.B, self.D = 100, 784
        self.opt = torch.optim.Adam(self.model.params(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-3)
        self.gen = gen

    def __call__(self):
        self.opt.zero_grad(set_to_none=True)
        x = torch.randn(self.B, self.D, generator=self.gen)
        acc = torch.zeros(self.B)
        # density direction: dx/dt = -grad phi, dacc/dt = +Lap phi
        z, acc = rk4(one_layer_velocity(self.model, -1.0), x, acc, 100, 0.1)
        loss = (acc + 0.5 * (z * z).sum(1) + 0.5 * self.D * LN2PI).mean()
        loss.backward()
        self.opt.step()
        return loss.item()


# ---------------------------------------------------------------- cases


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


class Case:
    """run() is one timed call; estimate() returns the seconds of one call
    and whether it ran a full call (which then served as the warm-up)."""

    def __init__(self, name):
        model_name, what = name.split("/", 1)
        gen = torch.Generator().manual_seed(1)
        self.name, self.what = name, what
        if what == "train":
            self.run = TrainIsing(model_name, gen) if model_name.startswith("ising16") else TrainMNIST(gen)
            self.estimate = self.full_estimate
            return
        model, B = make_model(model_name, gen)
        dt = model.w.dtype
        x = torch.randn(B, model.dim, generator=gen, dtype=dt)
        self.model, self.x = model, x
        if what == "grad":
            self.run = lambda: grad_phi(model, x)
            self.estimate = self.full_estimate
        elif what == "lap-fwd":
            self.run = lambda: _no_grad(model.forward_laplacian, x)
            self.estimate = self.full_estimate
        elif what == "lap-hessian":
            # chunks of the batch whose B x D x H intermediates stay ~256 MB
            per = model.dim * max(model.sizes[1:]) * x.element_size()
            self.chunk = max(1, min(B, (256 << 20) // per))
            self.run = lambda: lap_hessian(model, x, self.chunk)
            self.estimate = self.hessian_estimate
        elif what == "lap-loop":
            self.run = lambda: lap_loop(model, x)
            self.estimate = self.loop_estimate
        else:
            raise ValueError("unknown case %r" % name)

    def full_estimate(self):
        return timed(self.run), True

    def hessian_estimate(self):
        # time small batches and extrapolate linearly to B
        m, x = self.model, self.x
        B = x.shape[0]
        b1, b2 = 2, min(B, 8)
        lap_hessian(m, x[:1], self.chunk)  # warm-up
        t1 = timed(lambda: lap_hessian(m, x[:b1], self.chunk))
        t2 = timed(lambda: lap_hessian(m, x[:b2], self.chunk))
        if b2 == B:
            return t2, False
        slope = (t2 - t1) / (b2 - b1)
        if slope <= 0:
            slope = t2 / b2
        return t2 + slope * (B - b2), False

    def loop_estimate(self):
        # time loops over a few dimensions and extrapolate linearly to D
        m, x = self.model, self.x
        D = x.shape[1]
        d1, d2 = 2, min(D, 12)
        lap_loop(m, x, 1)  # warm-up
        t1 = timed(lambda: lap_loop(m, x, d1))
        t2 = timed(lambda: lap_loop(m, x, d2))
        if d2 == D:
            return t2, False
        slope = (t2 - t1) / (d2 - d1)
        if slope <= 0:
            slope = t2 / d2
        return t2 + slope * (D - d2), False


def _no_grad(f, *args):
    with torch.no_grad():
        return f(*args)


# ---------------------------------------------------------------- info


def info(threads):
    libs = set()
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 6 and ("blas" in parts[5] or "lapack" in parts[5] or "mkl" in parts[5]):
                    libs.add(parts[5])
    except OSError:
        pass
    blas_info = ""
    for tok in torch.__config__.show().replace(",", " ").split():
        if tok.startswith("BLAS_INFO="):
            blas_info = tok.split("=", 1)[1]
    func = "unavailable"
    try:
        func_api()
        func = "torch.func" if hasattr(torch, "func") else "functorch"
    except ImportError:
        pass
    return {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "threads": torch.get_num_threads(),
        "requested_threads": threads,
        "blas_info": blas_info,
        "blas_libs": sorted(libs),
        "blas": ", ".join(os.path.basename(l) for l in sorted(libs)) or ("built-in (" + blas_info + ")"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
        "ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""),
        "functorch": func,
    }


# ---------------------------------------------------------------- main


def setup_torch(threads):
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    # touch BLAS so that info() sees the library actually loaded
    a = torch.ones(64, 64)
    (a @ a).sum().item()


def summary(times, threads):
    return {
        "info": info(threads),
        "seconds": {k: statistics.median(v) for k, v in times.items() if v},
        "repetitions": {k: len(v) for k, v in times.items() if v},
    }


def serve(threads):
    out = sys.stdout
    cases, times = {}, {}

    def reply(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = {}
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "quit":
                reply(summary(times, threads))
                return
            if op == "info":
                reply(info(threads))
            elif op == "setup":
                c = Case(req["case"])
                cases[c.name] = c
                est, warm = c.estimate()
                reply({"est_s": est, "warm": warm})
            elif op == "time":
                c = cases[req["case"]]
                for _ in range(int(req.get("warmup", 0))):
                    c.run()
                ts = [timed(c.run) for _ in range(int(req.get("n", 1)))]
                times.setdefault(c.name, []).append(sum(ts) / len(ts))
                reply({"times": ts})
            elif op == "free":
                cases.pop(req["case"], None)
                gc.collect()
                reply({})
            else:
                reply({"error": "unknown op %r" % op})
        except Exception as e:  # report and keep serving
            cases.pop(req.get("case", None) if isinstance(req, dict) else None, None)
            gc.collect()
            reply({"error": "%s: %s" % (type(e).__name__, e)})
    reply(summary(times, threads))


ALL_CASES = [
    "mnist/grad", "mnist/lap-fwd", "mnist/lap-hessian", "mnist/lap-loop",
    "ising16/grad", "ising16/lap-fwd", "ising16/lap-hessian", "ising16/lap-loop",
    "deepmlp/grad", "deepmlp/lap-fwd", "deepmlp/lap-hessian", "deepmlp/lap-loop",
    "ising16/train", "mnist/train",
]
F32_CASES = ["ising16f32/grad", "ising16f32/lap-fwd", "ising16f32/train"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--serve", action="store_true", help="answer JSON requests on stdin (used by mafcbench)")
    ap.add_argument("--reps", type=int, default=5, help="timed calls per case after one warm-up (standalone)")
    ap.add_argument("--cases", default="", help="comma-separated cases (standalone; default all)")
    ap.add_argument("--float32", action="store_true", help="also the float32 cases (standalone)")
    args = ap.parse_args()
    setup_torch(args.threads)
    if args.serve:
        serve(args.threads)
        return
    names = [c for c in args.cases.split(",") if c] or ALL_CASES + (F32_CASES if args.float32 else [])
    times = {}
    for name in names:
        c = Case(name)
        _, warm = c.estimate()
        if not warm:
            c.run()
        times[name] = [timed(c.run) for _ in range(args.reps)]
        print("%-22s %.6g s" % (name, statistics.median(times[name])), file=sys.stderr)
        del c
        gc.collect()
    print(json.dumps(summary(times, args.threads)))


if __name__ == "__main__":
    main()
