#!/usr/bin/env python3
"""PyTorch reference for bench/recurrent.ts: loss, gradient and HVP of a tfjs recurrent text model.

Reads a tfjs layers checkpoint of one LSTM / GRU (reset_after false) / SimpleRNN layer followed by
a Dense softmax layer (model.json + weights), x.f32 (float32 [n, T, F]), y.i32 (class indices) and
v.f32 (the HVP direction, the weights in manifest order, flat) from --dir, and runs the same
computation in float32 as losslens: the input projection x·W + b of all steps as one matmul, then
the cell step by step in tfjs-layers' gate order (LSTM i, f, c, o; GRU z, r, h) and activations
(hard_sigmoid = clip(0.2·x + 0.5, 0, 1)), zero initial states; softmax renormalised, clipped to
[1e-7, 1 - 1e-7], mean of -log p[y]. Prints one JSON line with medians of --repeats calls after one
warm-up each: loss (forward, no_grad), grad (forward + backward), hvp (double backprop:
torch.autograd.grad with create_graph=True, then the gradient of g·v), and writes the gradient and
Hv (manifest order, flat) as g.f32 and hv.f32 to --dir for the caller's check.
The caller sets OMP_NUM_THREADS / OMP_WAIT_POLICY=PASSIVE; --threads sets torch's.
"""
import argparse
import os

import numpy as np
import torch

from torch_reference import read_weights  # same folder: sys.path[0] when run as a script
from torch_side_by_side import measure

EPS = 1e-7


def act(name):
    n = (name or "linear").replace("_", "").lower()
    table = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "linear": lambda z: z,
             "hardsigmoid": lambda z: torch.clamp(0.2 * z + 0.5, 0.0, 1.0)}
    if n not in table:
        raise SystemExit(f"activation {name}: not supported by this reference")
    return table[n]


def load(folder):
    model, values = read_weights(folder)
    topo = model["modelTopology"]
    layers = (topo.get("model_config") or topo)["config"]
    layers = layers["layers"] if isinstance(layers, dict) else layers
    rnn, dense = layers[0], layers[1]
    kind, cfg = rnn["class_name"], rnn["config"]
    if kind not in ("LSTM", "GRU", "SimpleRNN") or dense["class_name"] != "Dense":
        raise SystemExit(f"expected a recurrent layer then Dense, got {kind}, {dense['class_name']}")
    if kind == "GRU" and cfg.get("reset_after", False):
        raise SystemExit("GRU with reset_after: not supported by this reference")
    names = list(values.keys())  # manifest order = losslens' θ order
    params = [torch.from_numpy(values[k]) for k in names]
    return kind, cfg, names, params


def make_forward(kind, cfg, names):
    a = act(cfg.get("activation", "tanh"))
    rec = act(cfg.get("recurrent_activation", "hard_sigmoid"))
    use_bias = cfg.get("use_bias", True)

    def forward(ps, x):
        w, u = ps[0], ps[1]
        b = ps[2] if use_bias else None
        dk, db = ps[-2], ps[-1]
        n, steps, feat = x.shape
        units = u.shape[0]
        proj = x.reshape(n * steps, feat) @ w
        if b is not None:
            proj = proj + b
        proj = proj.reshape(n, steps, -1)
        h = x.new_zeros(n, units)
        c = x.new_zeros(n, units)
        for t in range(steps):
            xp = proj[:, t]
            if kind == "SimpleRNN":
                h = a(xp + h @ u)
            elif kind == "LSTM":
                z0, z1, z2, z3 = (xp + h @ u).chunk(4, 1)
                c = rec(z1) * c + rec(z0) * a(z2)
                h = rec(z3) * a(c)
            else:
                xz, xr, xh = xp.chunk(3, 1)
                hz, hr = (h @ u[:, :2 * units]).chunk(2, 1)
                z, r = rec(xz + hz), rec(xr + hr)
                hh = a(xh + (r * h) @ u[:, 2 * units:])
                h = z * h + (1 - z) * hh
        return torch.softmax(torch.addmm(db, h, dk), -1)

    return forward




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    kind, cfg, names, params = load(a.dir)
    forward = make_forward(kind, cfg, names)
    feat = params[0].shape[0]
    x = torch.from_numpy(np.fromfile(os.path.join(a.dir, "x.f32"), dtype="<f4"))
    x = x.reshape(-1, cfg["batch_input_shape"][1], feat)
    y = torch.from_numpy(np.fromfile(os.path.join(a.dir, "y.i32"), dtype="<i4").astype(np.int64))
    flat_v = torch.from_numpy(np.fromfile(os.path.join(a.dir, "v.f32"), dtype="<f4"))
    vs, off = [], 0
    for p in params:
        vs.append(flat_v[off:off + p.numel()].reshape(p.shape))
        off += p.numel()

    def loss_of(ps):
        p = forward(ps, x)
        p = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
        return -torch.log(p.gather(1, y[:, None])).mean()

    measure(loss_of, params, vs, x.shape[0], a.dir, a.repeats)


if __name__ == "__main__":
    main()
