"""Stored torch.optim trajectories: the file format, and the torch run that makes them.

A file ``torch_trajectories/<variant id>.npz`` holds, for every parameter
array ``i``, ``params_i`` (the starting values), ``grads_i`` and ``steps_i``
(one row per step: the gradient fed at that step, and torch's parameters
after it), all float64, and ``metadata``: a JSON string naming our optimizer (class, repr,
get_params), the torch.optim class and arguments it maps to, and the torch
version that made the file.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .variants import torch_spec

TORCH_DIR = Path(__file__).parent / "torch_trajectories"


@dataclass
class Trajectory:
    params: list  # the starting arrays
    grads: list  # per step: one gradient per array
    steps: list  # per step: every array after that step
    metadata: dict


def path(variant_id):
    return TORCH_DIR / f"{variant_id}.npz"


def describe(optimizer):
    """What a stored file says about its optimizer, torch's version aside."""
    torch_class, torch_kwargs = torch_spec(optimizer)
    return {
        "optimizer": type(optimizer).__name__,
        "optimizer_repr": repr(optimizer),
        "optimizer_params": optimizer.get_params(),
        "torch_class": f"torch.optim.{torch_class}",
        "torch_kwargs": torch_kwargs,
    }


def save(trajectory, file):
    arrays = {}
    for i, start in enumerate(trajectory.params):
        arrays[f"params_{i}"] = start
        arrays[f"grads_{i}"] = np.stack([grads[i] for grads in trajectory.grads])
        arrays[f"steps_{i}"] = np.stack([step[i] for step in trajectory.steps])
    np.savez_compressed(file, metadata=json.dumps(trajectory.metadata, sort_keys=True), **arrays)


def load(file):
    with np.load(file, allow_pickle=False) as data:
        n_arrays = sum(key.startswith("params_") for key in data.files)
        params = [data[f"params_{i}"] for i in range(n_arrays)]
        grads = zip(*(data[f"grads_{i}"] for i in range(n_arrays)))
        steps = zip(*(data[f"steps_{i}"] for i in range(n_arrays)))
        metadata = json.loads(str(data["metadata"]))
    return Trajectory(params, [list(g) for g in grads], [list(s) for s in steps], metadata)


def torch_steps(optimizer, params, grads):
    """Run the torch.optim counterpart of ``optimizer`` in float64.

    Returns the parameters after every step. Needs torch.
    """
    import torch

    torch_class, torch_kwargs = torch_spec(optimizer)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps NAdam's μ product in the default dtype
    try:
        tensors = [torch.tensor(start, requires_grad=True) for start in params]
        reference = getattr(torch.optim, torch_class)(tensors, **torch_kwargs)
        steps = []
        for step_grads in grads:
            for tensor, grad in zip(tensors, step_grads):
                tensor.grad = torch.tensor(grad)
            reference.step()
            steps.append([tensor.detach().numpy().copy() for tensor in tensors])
    finally:
        torch.set_default_dtype(previous)
    return steps
