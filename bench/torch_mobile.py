#!/usr/bin/env python3
"""PyTorch reference for bench/mobile.ts: loss, gradient and HVP of a tfjs MobileNet-style CNN.

Reads a tfjs layers checkpoint of Conv2D / DepthwiseConv2D (NHWC, dilation 1, 'same' or 'valid'
padding, any stride) / ReLU (max_value) / GlobalAveragePooling2D / Dense layers (model.json +
weights), x.f32 (float32 NHWC [n, H, W, C]), y.i32 (class indices) and v.f32 (the HVP direction,
the weights in manifest order, flat) from --dir, and runs the same computation in float32 as
losslens: NCHW inside, TF's 'same' padding (the odd pixel after) as an explicit pad, the depthwise
conv as a grouped conv (output channel c·m + q from depthwise_kernel[:, :, c, q]), ReLU6 as
clamp(0, 6); softmax renormalised, clipped to [1e-7, 1 - 1e-7], mean of -log p[y]. Prints one JSON
line with medians of --repeats calls after one warm-up each: loss (forward, no_grad), grad
(forward + backward), hvp (double backprop: torch.autograd.grad with create_graph=True, then the
gradient of g·v), and writes the gradient and Hv (manifest order, flat, tfjs layouts) as g.f32 and
hv.f32 to --dir for the caller's check.
The caller sets OMP_NUM_THREADS / OMP_WAIT_POLICY=PASSIVE; --threads sets torch's.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from torch_reference import read_weights  # same folder: sys.path[0] when run as a script
from torch_side_by_side import measure

EPS = 1e-7


def load(folder):
    model, values = read_weights(folder)
    topo = model["modelTopology"]
    layers = (topo.get("model_config") or topo)["config"]
    layers = layers["layers"] if isinstance(layers, dict) else layers
    return layers, values


def pair(v):
    return (v, v) if isinstance(v, int) else (v[0], v[1] if len(v) > 1 else v[0])


def same_pad(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


ACT = {"relu": torch.relu, "linear": lambda h: h, "softmax": lambda h: torch.softmax(h, -1),
       "relu6": lambda h: torch.clamp(h, 0, 6)}


def conv(h, w, b, cfg, groups=1):
    k, s = pair(cfg["kernel_size"]), pair(cfg.get("strides", 1))
    if cfg.get("padding", "valid") == "same":
        (t, bo), (le, r) = same_pad(h.shape[2], k[0], s[0]), same_pad(h.shape[3], k[1], s[1])
        h = F.pad(h, (le, r, t, bo))
    return F.conv2d(h, w, b, stride=s, groups=groups)


def forward(layers, names, ps, x):
    """ps: the weights in tfjs layouts (manifest order); the torch layouts are views made here."""
    p = dict(zip(names, ps))
    h = x.permute(0, 3, 1, 2)
    for layer in layers:
        cls, cfg = layer["class_name"], layer["config"]
        name = cfg["name"]
        b = p.get(f"{name}/bias")
        if cls == "Conv2D":
            h = ACT[cfg.get("activation", "linear")](conv(h, p[f"{name}/kernel"].permute(3, 2, 0, 1), b, cfg))
        elif cls == "DepthwiseConv2D":
            w = p[f"{name}/depthwise_kernel"]  # [kh, kw, C, m]
            kh, kw, c, m = w.shape
            h = ACT[cfg.get("activation", "linear")](conv(h, w.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw), b, cfg, groups=c))
        elif cls == "ReLU":
            mx = cfg.get("max_value")
            h = torch.relu(h) if mx is None else torch.clamp(torch.relu(h), 0, mx)
        elif cls == "GlobalAveragePooling2D":
            h = h.mean((2, 3))
        elif cls == "Dense":
            h = ACT[cfg.get("activation", "linear")](torch.addmm(b, h, p[f"{name}/kernel"]))
        elif cls != "InputLayer":
            raise SystemExit(f"layer {cls}: not supported by this reference")
    return h




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    layers, values = load(a.dir)
    names = list(values.keys())  # manifest order = losslens' θ order
    params = [torch.from_numpy(values[k]) for k in names]
    shape = layers[0]["config"]["batch_input_shape"][1:]
    x = torch.from_numpy(np.fromfile(os.path.join(a.dir, "x.f32"), dtype="<f4")).reshape(-1, *shape)
    y = torch.from_numpy(np.fromfile(os.path.join(a.dir, "y.i32"), dtype="<i4").astype(np.int64))
    flat_v = torch.from_numpy(np.fromfile(os.path.join(a.dir, "v.f32"), dtype="<f4"))
    vs, off = [], 0
    for p in params:
        vs.append(flat_v[off:off + p.numel()].reshape(p.shape))
        off += p.numel()

    def loss_of(ps):
        p = forward(layers, names, ps, x)
        p = torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS)
        return -torch.log(p.gather(1, y[:, None])).mean()

    measure(loss_of, params, vs, x.shape[0], a.dir, a.repeats)


if __name__ == "__main__":
    main()
