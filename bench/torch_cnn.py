#!/usr/bin/env python3
"""PyTorch reference for bench/cnn.ts: loss, gradient and HVP of a tfjs LeNet checkpoint.

Reads a tfjs layers checkpoint of Conv2D (valid/same, stride 1) / MaxPooling2D / Flatten / Dense
layers (model.json + weights), x.f32 (float32 NHWC [n, 28, 28, 1]) and y.i32 (class indices) from
--dir, builds the same network in float32 (NCHW inside, Flatten in tfjs's NHWC order so the Dense
kernels apply as saved) with the same loss numerics as losslens (softmax renormalised, clipped to
[1e-7, 1 - 1e-7], mean of -log p[y]), and prints one JSON line with medians of --repeats calls
after one warm-up each:  loss (forward), grad (forward + backward), hvp (double backprop);
with --train-repeats > 0 also train: what losslens's trainRun does for one epoch, from the
checkpoint's weights: a loss pass over xt.f32/yt.i32 (batches of 256), one Adam epoch (lr 1e-3,
batch --batch, a seeded shuffle), a loss pass again; each repeat restarts from the checkpoint.
The caller sets OMP_NUM_THREADS / OMP_WAIT_POLICY=PASSIVE; --threads sets torch's.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from torch_reference import blas_library, read_weights  # same folder: sys.path[0] when run as a script

EPS = 1e-7


def load(folder):
    model, values = read_weights(folder)
    topo = model["modelTopology"]
    layers = (topo.get("model_config") or topo)["config"]
    layers = layers["layers"] if isinstance(layers, dict) else layers
    return layers, values


def build(layers, values):
    """[(kind, cfg, param names)], flat list of leaf tensors in torch layout."""
    plan, params = [], []
    for layer in layers:
        cls, cfg = layer["class_name"], layer["config"]
        name = cfg["name"]
        if cls == "Conv2D":
            if tuple(cfg.get("strides", [1, 1])) != (1, 1):
                raise SystemExit(f"{name}: only stride 1")
            w = torch.from_numpy(values[f"{name}/kernel"]).permute(3, 2, 0, 1).contiguous()  # [kh,kw,ci,co] → [co,ci,kh,kw]
            b = torch.from_numpy(values[f"{name}/bias"])
            plan.append(("conv", cfg, len(params)))
            params += [w, b]
        elif cls == "Dense":
            plan.append(("dense", cfg, len(params)))
            params += [torch.from_numpy(values[f"{name}/kernel"]), torch.from_numpy(values[f"{name}/bias"])]
        elif cls == "MaxPooling2D":
            plan.append(("pool", cfg, None))
        elif cls == "Flatten":
            plan.append(("flatten", cfg, None))
        else:
            raise SystemExit(f"layer {cls}: not supported by this reference")
    return plan, params


ACT = {"relu": torch.relu, "linear": lambda h: h, "softmax": lambda h: torch.softmax(h, -1)}


def forward(plan, ps, x):
    h = x.permute(0, 3, 1, 2)  # NHWC → NCHW
    for kind, cfg, i in plan:
        if kind == "conv":
            k = cfg["kernel_size"][0]
            h = F.conv2d(h, ps[i], ps[i + 1], padding=(k // 2 if cfg["padding"] == "same" else 0))
            h = ACT[cfg.get("activation", "linear")](h)
        elif kind == "pool":
            h = F.max_pool2d(h, cfg["pool_size"][0], cfg["strides"][0] if cfg.get("strides") else cfg["pool_size"][0])
        elif kind == "flatten":
            h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # tfjs flattens NHWC
        else:
            h = ACT[cfg.get("activation", "linear")](torch.addmm(ps[i + 1], h, ps[i]))
    return h


def loss_of(plan, ps, x, y):
    p = forward(plan, ps, x)
    p = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
    return -torch.log(p.gather(1, y[:, None])).mean()


def timed(fn, repeats):
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": statistics.median(samples), "samplesMs": samples}


def train_epoch(plan, params, x, y, batch):
    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    opt = torch.optim.Adam(leaves, lr=1e-3)

    def loss_pass():
        with torch.no_grad():
            return sum(loss_of(plan, leaves, x[i:i + 256], y[i:i + 256]).item() * len(y[i:i + 256]) for i in range(0, len(y), 256)) / len(y)

    before = loss_pass()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    for s in range(0, len(y), batch):
        idx = order[s:s + batch]
        opt.zero_grad()
        loss_of(plan, leaves, x[idx], y[idx]).backward()
        opt.step()
    return before, loss_pass()


def timed_train(plan, params, x, y, batch, repeats):
    samples, losses = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        losses = train_epoch(plan, params, x, y, batch)
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": statistics.median(samples), "samplesMs": samples, "lossBefore": losses[0], "lossAfter": losses[1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--train-repeats", type=int, default=0)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    plan, params = build(*load(a.dir))
    x = torch.from_numpy(np.fromfile(os.path.join(a.dir, "x.f32"), dtype="<f4")).reshape(-1, 28, 28, 1)
    y = torch.from_numpy(np.fromfile(os.path.join(a.dir, "y.i32"), dtype="<i4").astype(np.int64))
    gen = torch.Generator().manual_seed(0)
    vs = [torch.randn(p.shape, generator=gen) for p in params]

    def loss():
        with torch.no_grad():
            return loss_of(plan, params, x, y).item()

    def grad():
        leaves = [p.detach().clone().requires_grad_(True) for p in params]
        return torch.autograd.grad(loss_of(plan, leaves, x, y), leaves)

    def hvp():
        leaves = [p.detach().clone().requires_grad_(True) for p in params]
        g = torch.autograd.grad(loss_of(plan, leaves, x, y), leaves, create_graph=True)
        return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, vs)), leaves)

    out = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(), "blas": blas_library(),
           "params": int(sum(p.numel() for p in params)), "n": int(x.shape[0]), "loss": loss(), "accuracy": 0.0,
           "ops": {"loss": timed(loss, a.repeats), "grad": timed(grad, a.repeats), "hvp": timed(hvp, a.repeats)}}
    if a.train_repeats > 0:
        xt = torch.from_numpy(np.fromfile(os.path.join(a.dir, "xt.f32"), dtype="<f4")).reshape(-1, 28, 28, 1)
        yt = torch.from_numpy(np.fromfile(os.path.join(a.dir, "yt.i32"), dtype="<i4").astype(np.int64))
        out["ops"]["train"] = timed_train(plan, params, xt, yt, a.batch, a.train_repeats)
        out["ops"]["train"]["n"] = int(xt.shape[0])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
