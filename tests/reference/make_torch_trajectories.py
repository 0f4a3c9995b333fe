"""Store torch.optim's trajectory for every variant in variants.py.

Run where torch is installed, after adding or changing a variant or when
torch changes behaviour::

    python tests/reference/make_torch_trajectories.py

It rewrites ``tests/reference/torch_trajectories/<id>.npz`` for every
variant and removes the files of variants that no longer exist. The normal test run compares our
optimizers against these files without torch.
"""

import sys
from pathlib import Path

import numpy as np

if __name__ == "__main__":
    # Run as a script, Python puts this folder first on the path: put tests/
    # there instead, so that the package `reference` imports and nothing here
    # shadows an installed module.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from reference import trajectories  # noqa: E402
from reference.variants import VARIANTS  # noqa: E402

SEED = 1
N_STEPS = 50
SHAPES = [(2, 3), (4,)]  # a matrix and a vector: small files, both layouts


def problem():
    """Starting parameters and N_STEPS random gradients spanning scales 1/8 to 4."""
    rng = np.random.default_rng(SEED)
    params = [rng.normal(size=shape) for shape in SHAPES]
    grads = [[rng.normal(size=shape) * 2.0 ** rng.integers(-3, 3) for shape in SHAPES] for _ in range(N_STEPS)]
    return params, grads


def main():
    try:
        import torch
    except ImportError:
        sys.exit("make_torch_trajectories.py needs torch (pip install torch); nothing was written.")
    params, grads = problem()
    trajectories.TORCH_DIR.mkdir(exist_ok=True)
    for variant in VARIANTS:
        metadata = {**trajectories.describe(variant.optimizer), "torch_version": torch.__version__}
        steps = trajectories.torch_steps(variant.optimizer, params, grads)
        file = trajectories.path(variant.id)
        trajectories.save(trajectories.Trajectory(params, grads, steps, metadata), file)
        size = file.stat().st_size / 1024
        print(f"wrote {file} ({size:.1f} KiB): {metadata['torch_class']} for {variant.optimizer!r}")
    stale = set(trajectories.TORCH_DIR.glob("*.npz")) - {trajectories.path(v.id) for v in VARIANTS}
    for file in sorted(stale):
        file.unlink()
        print(f"removed {file}: no such variant")
    total = sum(file.stat().st_size for file in trajectories.TORCH_DIR.glob("*.npz"))
    print(f"{len(VARIANTS)} trajectories of {N_STEPS} steps, torch {torch.__version__}: {total / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()
