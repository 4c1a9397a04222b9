"""The PyTorch side shared by bench/torch_recurrent.py and bench/torch_mobile.py: given the model's
loss as a function of its parameter list, time loss, gradient and HVP (double backprop) on the same
weights, data and v as the TS side, write g and Hv for the agreement check, and print the JSON row."""
import json
import os
import statistics
import time

import numpy as np
import torch

from torch_reference import blas_library  # same folder: sys.path[0] when run as a script


def timed(fn, repeats):
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": statistics.median(samples), "samplesMs": samples}


def measure(loss_of, params, vs, n, out_dir, repeats):
    def loss():
        with torch.no_grad():
            return loss_of(params).item()

    def grad():
        leaves = [q.detach().clone().requires_grad_(True) for q in params]
        return torch.autograd.grad(loss_of(leaves), leaves)

    def hvp():
        leaves = [q.detach().clone().requires_grad_(True) for q in params]
        g = torch.autograd.grad(loss_of(leaves), leaves, create_graph=True)
        return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, vs)), leaves)

    flat = lambda ts: torch.cat([t.reshape(-1) for t in ts]).numpy().astype("<f4")
    flat(grad()).tofile(os.path.join(out_dir, "g.f32"))
    flat(hvp()).tofile(os.path.join(out_dir, "hv.f32"))
    out = {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(), "blas": blas_library(),
           "params": int(sum(q.numel() for q in params)), "n": int(n), "loss": loss(), "accuracy": 0.0,
           "ops": {"loss": timed(loss, repeats), "grad": timed(grad, repeats), "hvp": timed(hvp, repeats)}}
    print(json.dumps(out))
