#!/usr/bin/env python3
"""PyTorch reference for bench/hessian.ts and bench/slice.ts: the same work on the same checkpoint.

Reads a tfjs layers checkpoint of Dense layers (model.json + weights.bin, kernels [in, out]) and
x.npy / y.npy (class indices), builds the same MLP in float32 with the same loss numerics as
losslens (softmax probabilities renormalised, clipped to [1e-7, 1 - 1e-7], mean of -log p[y]), and
times, as medians of --repeats runs after one warm-up HVP / forward:

  hvp         one Hessian-vector product by double backprop over the whole dataset
  lanczos     --lanczos-iters Lanczos steps, full reorthogonalisation (classical Gram-Schmidt
              twice, float64) and an eigen-solve of T per step, like src/curvature/lanczos.ts
  hutchinson  --probes Rademacher probes z^T H z
  slq         --slq-probes runs of --slq-order Lanczos steps (nodes and weights of T)
  grid        a --grid x --grid slice: loss and accuracy of the whole dataset at
              theta + a d1 + b d2, a and b on linspace(-1, 1), d1 and d2 filter-normalised Gaussians

Prints one JSON object on stdout. Threads: torch.set_num_threads(--threads), and the caller sets
OMP_NUM_THREADS / OMP_WAIT_POLICY=PASSIVE.

  python3 bench/torch_reference.py --fixture fixtures/mlp-relu --ops hvp,lanczos --lanczos-iters 100
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

EPS = 1e-7


def read_weights(folder):
    """model.json and its float32 weights by name, read from the manifest's shards in order."""
    with open(os.path.join(folder, "model.json")) as f:
        model = json.load(f)
    raw = b""
    specs = []
    for group in model["weightsManifest"]:
        for p in group["paths"]:
            with open(os.path.join(folder, p), "rb") as f:
                raw += f.read()
        specs += group["weights"]
    values, off = {}, 0
    for s in specs:
        if s.get("dtype", "float32") != "float32":
            raise SystemExit(f"weight {s['name']}: only float32 is supported")
        size = int(np.prod(s["shape"])) if s["shape"] else 1
        values[s["name"]] = np.frombuffer(raw, dtype="<f4", count=size, offset=off).reshape(s["shape"]).copy()
        off += 4 * size
    return model, values


def load_fixture(folder):
    model, values = read_weights(folder)
    layers = []
    for layer in model["modelTopology"]["config"]["layers"]:
        if layer["class_name"] != "Dense":
            raise SystemExit(f"layer {layer['class_name']}: only Dense layers are supported")
        name, cfg = layer["config"]["name"], layer["config"]
        bias = values.get(f"{name}/bias") if cfg.get("use_bias", True) else None
        layers.append((values[f"{name}/kernel"], bias, cfg.get("activation", "linear")))
    x = np.load(os.path.join(folder, "x.npy")).astype(np.float32)
    y = np.load(os.path.join(folder, "y.npy")).reshape(-1).astype(np.int64)
    return layers, torch.from_numpy(x), torch.from_numpy(y)


ACTS = {"relu": torch.relu, "linear": lambda h: h, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softmax": lambda h: torch.softmax(h, -1)}


class Mlp:
    def __init__(self, layers, x, y):
        self.acts = [a for _, _, a in layers]
        self.params = []
        for w, b, _ in layers:
            self.params.append(torch.from_numpy(w))
            self.params.append(torch.from_numpy(b) if b is not None else None)
        self.shapes = [p.shape for p in self.params if p is not None]
        self.theta = torch.cat([p.reshape(-1) for p in self.params if p is not None])
        self.dim = self.theta.numel()
        self.x, self.y = x, y
        if self.acts[-1] != "softmax":
            raise SystemExit("the last layer must be softmax (sparse categorical crossentropy)")

    def split(self, flat):
        out, off, it = [], 0, iter(self.shapes)
        for p in self.params:
            if p is None:
                out.append(None)
                continue
            shape = next(it)
            n = int(np.prod(shape))
            out.append(flat[off:off + n].view(shape))
            off += n
        return out

    def probs(self, ps):
        h = self.x
        for i, act in enumerate(self.acts):
            w, b = ps[2 * i], ps[2 * i + 1]
            h = h @ w if b is None else torch.addmm(b, h, w)
            h = ACTS[act](h)
        return h

    def loss_of(self, ps):
        p = self.probs(ps)
        p = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
        return -torch.log(p.gather(1, self.y[:, None])).mean()

    def evaluate(self, flat):
        with torch.no_grad():
            p = self.probs(self.split(flat))
            acc = (p.argmax(-1) == self.y).float().mean().item()
            p = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
            return -torch.log(p.gather(1, self.y[:, None])).mean().item(), acc

    def hvp(self, v):
        """H v (float32 flat in and out) by double backprop, like losslens's exact HVP."""
        leaves = [t.detach().clone().requires_grad_(True) for t in self.split(self.theta)]
        ps, it = [], iter(leaves)
        for p in self.params:
            ps.append(None if p is None else next(it))
        g = torch.autograd.grad(self.loss_of(ps), leaves, create_graph=True)
        vs = [t for t in self.split(v) if t is not None]
        gv = sum((gi * vi).sum() for gi, vi in zip(g, vs))
        hv = torch.autograd.grad(gv, leaves)
        return torch.cat([h.reshape(-1) for h in hv])


def matvec64(model, q):
    return model.hvp(q.to(torch.float32)).to(torch.float64)


def lanczos(model, q0, steps, want_top=5):
    """Lanczos with full reorthogonalisation (classical Gram-Schmidt twice) in float64."""
    q = q0 / q0.norm()
    Q, alpha, beta = [q], [], []
    ritz = None
    for j in range(steps):
        w = matvec64(model, Q[j])
        alpha.append(torch.dot(w, Q[j]).item())
        B = torch.stack(Q)
        for _ in range(2):
            w -= B.T @ (B @ w)
        b = w.norm().item()
        T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
        ritz, _ = np.linalg.eigh(T)  # per step, as ours does for its convergence test
        if j + 1 == steps or b < 1e-10:
            break
        beta.append(b)
        Q.append(w / b)
    return sorted(ritz.tolist(), reverse=True)[:want_top], alpha, beta


def timed(fn, repeats):
    samples, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": statistics.median(samples), "samplesMs": samples}, out


def filter_normalized(model, gen):
    d = torch.randn(model.dim, generator=gen, dtype=torch.float32)
    parts = model.split(d)
    for t, p in zip(parts, model.split(model.theta)):
        if t is None:
            continue
        if t.dim() <= 1:
            t.zero_()  # biases zeroed (Li et al. 2018)
        else:  # per output unit (last axis of a [in, out] kernel)
            t.mul_(p.norm(dim=0) / (t.norm(dim=0) + 1e-10))
    return d


def blas_library():
    """The BLAS shared library torch loaded (Debian's torch uses whichever libblas.so.3 is selected)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
        return ", ".join(sorted(os.path.basename(x) for x in libs)) or "unknown"
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", default="fixtures/mlp-relu")
    ap.add_argument("--ops", default="hvp,lanczos,hutchinson,slq")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hvp-repeats", type=int, default=7)
    ap.add_argument("--lanczos-iters", type=int, default=100)
    ap.add_argument("--probes", type=int, default=100)
    ap.add_argument("--slq-order", type=int, default=90)
    ap.add_argument("--slq-probes", type=int, default=1)
    ap.add_argument("--grid", type=int, default=51)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    model = Mlp(*load_fixture(a.fixture))
    loss, acc = model.evaluate(model.theta)
    out = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(), "blas": blas_library(),
           "params": model.dim, "n": int(model.x.shape[0]), "loss": loss, "accuracy": acc, "ops": {}}
    ops = a.ops.split(",")
    dim = model.dim
    if set(ops) & {"hvp", "lanczos", "hutchinson", "slq"}:
        v = torch.randn(dim, generator=gen)
        model.hvp(v)  # warm-up
    if "hvp" in ops:
        out["ops"]["hvp"], _ = timed(lambda: model.hvp(v), a.hvp_repeats)
    if "lanczos" in ops:
        q0 = torch.randn(dim, generator=gen, dtype=torch.float64)
        out["ops"]["lanczos"], (top, _, _) = timed(lambda: lanczos(model, q0, a.lanczos_iters), a.repeats)
        out["ops"]["lanczos"].update(iterations=a.lanczos_iters, top=top)

    def hutch():
        s = 0.0
        for _ in range(a.probes):
            z = torch.randint(0, 2, (dim,), generator=gen, dtype=torch.float32) * 2 - 1
            s += torch.dot(z, model.hvp(z)).item()
        return s / a.probes
    if "hutchinson" in ops:
        out["ops"]["hutchinson"], tr = timed(hutch, a.repeats)
        out["ops"]["hutchinson"].update(probes=a.probes, trace=tr)

    def slq():
        nodes = []
        for _ in range(a.slq_probes):
            z = (torch.randint(0, 2, (dim,), generator=gen) * 2 - 1).to(torch.float64)
            ritz, _, _ = lanczos(model, z, a.slq_order, want_top=a.slq_order)
            nodes.append(ritz)
        return nodes
    if "slq" in ops:
        out["ops"]["slq"], nodes = timed(slq, a.repeats)
        out["ops"]["slq"].update(order=a.slq_order, probes=a.slq_probes, lambdaMax=max(nodes[0]))
    if "grid" in ops:
        d1, d2 = filter_normalized(model, gen), filter_normalized(model, gen)
        alphas = np.linspace(-1, 1, a.grid)
        model.evaluate(model.theta)  # warm-up

        def grid():
            losses = []
            for b in alphas:
                for al in alphas:
                    losses.append(model.evaluate(model.theta + float(al) * d1 + float(b) * d2)[0])
            return losses
        out["ops"]["grid"], losses = timed(grid, a.repeats)
        out["ops"]["grid"].update(points=a.grid, evaluations=a.grid * a.grid, minLoss=min(losses), maxLoss=max(losses))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
