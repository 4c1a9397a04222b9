#!/usr/bin/env python3
"""PyTorch counterpart of whole `losslens eval` / `losslens train --epochs 1` runs (bench/commands.ts).

Everything a command does, from process start: import torch, read the tfjs checkpoint (torch_cnn.py's
loader), read and decode the first --n Fashion-MNIST training images from the gzipped IDX files
(pixels / 255), then
  eval   what `losslens eval` computes: a forward pass for loss and accuracy, then a forward +
         backward pass for the gradient (its norm printed), both over all images in batches of 256;
  train  a loss pass, one Adam epoch (lr 1e-3, batch 64, seeded shuffle), a loss pass (what
         losslens's train reports as epochs 0 and 1).
The caller times the process (GNU time: wall and peak RSS) and sets OMP_NUM_THREADS /
OMP_WAIT_POLICY=PASSIVE; --threads sets torch's.
"""
import argparse
import gzip
import json
import os

import numpy as np
import torch

from torch_cnn import EPS, build, forward, load, loss_of, train_epoch  # same folder: sys.path[0] when run as a script


def fashion(folder, n):
    with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: n * 784]
    with gzip.open(os.path.join(folder, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
    return torch.from_numpy((x.astype(np.float32) / 255).reshape(-1, 28, 28, 1)), torch.from_numpy(y.astype(np.int64))


def evaluate(plan, params, x, y):
    with torch.no_grad():
        mean, correct = 0.0, 0
        for i in range(0, len(y), 256):
            xb, yb = x[i:i + 256], y[i:i + 256]
            out = forward(plan, params, xb)  # one forward for the loss and the accuracy, as losslens's loss pass
            p = torch.clamp(out / out.sum(-1, keepdim=True), EPS, 1 - EPS)
            mean += float(-torch.log(p.gather(1, yb[:, None])).mean()) * len(yb) / len(y)
            correct += int((out.argmax(-1) == yb).sum().item())
    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    total = 0.0
    for i in range(0, len(y), 256):
        xb, yb = x[i:i + 256], y[i:i + 256]
        loss = loss_of(plan, leaves, xb, yb) * (len(yb) / len(y))
        loss.backward()
        total += float(loss.item())
    grad_norm = float(torch.sqrt(sum((p.grad ** 2).sum() for p in leaves)))
    return {"loss": mean, "accuracy": correct / len(y), "gradLoss": total, "gradNorm": grad_norm}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--fashion", required=True)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--mode", choices=["eval", "train"], required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    plan, params = build(*load(a.model_dir))
    x, y = fashion(a.fashion, a.n)
    if a.mode == "eval":
        out = evaluate(plan, params, x, y)
    else:
        before, after = train_epoch(plan, params, x, y, 64)
        out = {"lossBefore": before, "lossAfter": after}
    print(json.dumps({"mode": a.mode, "n": int(len(y)), **out}))


if __name__ == "__main__":
    main()
