"""Stored trajectories of the recent optimizers (Lion, Schedule-Free AdamW
and SGD, Muon) against their reference implementations, on the losses of a
small MLP and of a linear model.

Unlike ``trajectories.py`` (fixed random gradients), the gradients here come
from the loss: at every step, the reference optimizer's parameters go
through our ``Network.value_and_gradient`` (float64), and the gradient found
there is what it steps on. A file ``recent_trajectories/<id>.npz`` holds the
starting parameters (``params``), per step the gradient fed (``grads``),
the parameters after the step (``steps``) and, for schedule-free methods,
where the reference evaluates the model (``evaluations``, its ``eval()``
point); ``metadata`` names the optimizer, the reference and its version.

References: ``lion-pytorch``'s ``Lion``; ``schedulefree``'s
``AdamWScheduleFree`` and ``SGDScheduleFree``; ``torch.optim.Muon`` on the
hidden layers' weight matrices with ``torch.optim.AdamW`` on every other
parameter. torch's Muon orthogonalizes in bfloat16: its files named
``*-bfloat16`` are that optimizer as shipped (agreeing with ours to about
bfloat16's precision); the others run the same Newton–Schulz code in
float64 (``float64_newton_schulz``), which is how our float64 computes.
"""

import dataclasses
import json
from pathlib import Path

import numpy as np

from skopt_lab._engine.losses import BinaryLogLoss, SquaredError
from skopt_lab._engine.network import Network
from skopt_lab.optimizers import Lion, Muon, ScheduleFreeAdamW, ScheduleFreeSGD

DIR = Path(__file__).parent / "recent_trajectories"
N_STEPS = 50
SEED = 3


def problem(name):
    """The network, data and starting parameters of a problem ("mlp", "linear")."""
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(24, 5))
    if name == "mlp":  # two hidden layers, one wider than its input, one narrower
        network = Network([5, 7, 3, 2], "tanh", SquaredError())
        Y = rng.normal(size=(24, 2))
        theta = network.init_params(rng, np.float64)
    else:
        network = Network([5, 2], "identity", BinaryLogLoss())
        Y = (rng.random((24, 2)) < 0.5).astype(float)
        theta = rng.normal(scale=0.3, size=network.n_params)
    return network, X, Y, theta


def gradient(network, X, Y, theta):
    grad = np.empty_like(theta)
    network.value_and_gradient(theta, X, Y, 1 / len(X), grad)
    return grad


@dataclasses.dataclass(frozen=True)
class Variant:
    id: str
    problem: str
    optimizer: object
    bfloat16: bool = False  # Muon: torch's own Newton–Schulz, in bfloat16


VARIANTS = [
    *(
        v
        for name in ("mlp", "linear")
        for v in (
            Variant(f"lion-{name}", name, Lion(learning_rate=0.003)),
            Variant(f"lion-decay_0.5-{name}", name, Lion(learning_rate=0.01, beta_1=0.8, beta_2=0.9, weight_decay=0.5)),
            Variant(f"schedulefree_adamw-{name}", name, ScheduleFreeAdamW(learning_rate=0.01)),
            Variant(
                f"schedulefree_adamw-warmup_10-decay_0.1-r_1-{name}",
                name,
                ScheduleFreeAdamW(learning_rate=0.02, beta=0.8, weight_decay=0.1, warmup_steps=10, r=1.0),
            ),
            Variant(f"schedulefree_sgd-{name}", name, ScheduleFreeSGD(learning_rate=0.5)),
            Variant(
                f"schedulefree_sgd-warmup_5-decay_0.01-power_1-{name}",
                name,
                ScheduleFreeSGD(learning_rate=0.3, beta=0.95, weight_decay=0.01, warmup_steps=5, weight_lr_power=1.0),
            ),
        )
    ),
    Variant("muon-mlp", "mlp", Muon()),
    Variant(
        "muon-plain-match_rms_adamw-mlp",
        "mlp",
        Muon(learning_rate=0.05, nesterov=False, adjust_lr="match_rms_adamw", adamw_learning_rate=0.01),
    ),
    Variant("muon-mlp-bfloat16", "mlp", Muon(), bfloat16=True),
]


def path(variant):
    return DIR / f"{variant.id}.npz"


def save(file, params, grads, steps, evaluations, metadata):
    arrays = {"params": params, "grads": np.stack(grads), "steps": np.stack(steps)}
    if evaluations:
        arrays["evaluations"] = np.stack(evaluations)
    np.savez_compressed(file, metadata=json.dumps(metadata, sort_keys=True), **arrays)


def load(file):
    with np.load(file, allow_pickle=False) as data:
        stored = {key: data[key] for key in data.files if key != "metadata"}
        stored["metadata"] = json.loads(str(data["metadata"]))
    return stored


# ----------------------------------------------------------- the reference
def _float64_newton_schulz(grad, ns_coefficients, ns_steps, eps):
    """torch.optim._muon._zeropower_via_newtonschulz without its cast to bfloat16."""
    import torch

    a, b, c = ns_coefficients
    ortho_grad = grad.clone()
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    ortho_grad.div_(ortho_grad.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram_matrix = ortho_grad @ ortho_grad.T
        gram_update = torch.addmm(gram_matrix, gram_matrix, gram_matrix, beta=b, alpha=c)
        ortho_grad = torch.addmm(ortho_grad, gram_update, ortho_grad, beta=a)
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    return ortho_grad


def _reference_optimizers(optimizer, blocks, tensors):
    """The reference optimizers for our ``optimizer``, over torch tensors
    (one per layout block; weight matrices in torch's (out, in) layout)."""
    import torch

    p = optimizer.get_params()
    if isinstance(optimizer, Lion):
        from lion_pytorch import Lion as ReferenceLion

        return [ReferenceLion(tensors, lr=p["learning_rate"], betas=(p["beta_1"], p["beta_2"]), weight_decay=p["weight_decay"])]
    if isinstance(optimizer, (ScheduleFreeAdamW, ScheduleFreeSGD)):
        import schedulefree

        shared = dict(
            lr=p["learning_rate"],
            weight_decay=p["weight_decay"],
            warmup_steps=p["warmup_steps"],
            r=p["r"],
            weight_lr_power=p["weight_lr_power"],
        )
        if isinstance(optimizer, ScheduleFreeAdamW):
            reference = schedulefree.AdamWScheduleFree(tensors, betas=(p["beta"], p["beta_2"]), eps=p["epsilon"], **shared)
        else:
            reference = schedulefree.SGDScheduleFree(tensors, momentum=p["beta"], **shared)
        reference.train()
        return [reference]
    from skopt_lab.optimizers._recent import _orthogonalized

    hidden = [t for block, t in zip(blocks, tensors) if _orthogonalized(block)]
    others = [t for block, t in zip(blocks, tensors) if not _orthogonalized(block)]
    return [
        torch.optim.Muon(
            hidden,
            lr=p["learning_rate"],
            weight_decay=p["weight_decay"],
            momentum=p["momentum"],
            nesterov=p["nesterov"],
            ns_coefficients=tuple(p["ns_coefficients"]),
            eps=p["epsilon"],
            ns_steps=p["ns_steps"],
            adjust_lr_fn=p["adjust_lr"],
        ),
        torch.optim.AdamW(
            others,
            lr=p["adamw_learning_rate"],
            betas=(p["adamw_beta_1"], p["adamw_beta_2"]),
            eps=p["adamw_epsilon"],
            weight_decay=p["adamw_weight_decay"],
        ),
    ]


def reference_run(variant):
    """Run the reference optimizer on the variant's problem in float64.

    Returns ``(params, grads, steps, evaluations, metadata)``. Needs torch
    and the reference package.
    """
    import torch
    import torch.optim._muon as torch_muon

    network, X, Y, theta = problem(variant.problem)
    blocks = network.layout().blocks

    def to_torch(block, values):
        array = block.view([values])
        return torch.tensor(array.T.copy() if block.role == "weight" else array.copy())

    def to_numpy(tensors):
        theta = np.empty(network.n_params)
        for block, tensor in zip(blocks, tensors):
            array = tensor.detach().numpy()
            block.view([theta])[...] = array.T if block.role == "weight" else array
        return theta

    tensors = [to_torch(block, theta) for block in blocks]
    for t in tensors:
        t.requires_grad_(True)
    newton_schulz = torch_muon._zeropower_via_newtonschulz
    if isinstance(variant.optimizer, Muon) and not variant.bfloat16:
        torch_muon._zeropower_via_newtonschulz = _float64_newton_schulz
    try:
        references = _reference_optimizers(variant.optimizer, blocks, tensors)
        grads, steps, evaluations = [], [], []
        for _ in range(N_STEPS):
            grad = gradient(network, X, Y, to_numpy(tensors))
            for block, tensor in zip(blocks, tensors):
                tensor.grad = to_torch(block, grad)
            for reference in references:
                reference.step()
            grads.append(grad)
            steps.append(to_numpy(tensors))
            if hasattr(references[0], "eval"):  # schedule-free: the reference's eval() point, computed aside
                beta = references[0].param_groups[0].get("momentum") or references[0].param_groups[0]["betas"][0]
                points = [t.detach().clone().lerp_(references[0].state[t]["z"], 1 - 1 / beta) for t in tensors]
                evaluations.append(to_numpy(points))
    finally:
        torch_muon._zeropower_via_newtonschulz = newton_schulz
    metadata = {
        "optimizer_repr": repr(variant.optimizer),
        "references": [f"{type(r).__module__}.{type(r).__name__}" for r in references],
        "torch_version": torch.__version__,
        "newton_schulz": "bfloat16 (torch's)" if variant.bfloat16 else "float64",
        **_versions(),
    }
    return theta, grads, steps, evaluations, metadata


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("lion-pytorch", "schedulefree"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found
