"""Store the reference trajectories of the recent optimizers (see recent.py).

Run where torch, lion-pytorch and schedulefree are installed, after adding
or changing a variant, or when a reference changes::

    pip install torch lion-pytorch schedulefree
    python tests/reference/make_recent_trajectories.py

It rewrites ``tests/reference/recent_trajectories/<id>.npz`` for every
variant and removes the files of variants that no longer exist.
"""

import sys
from pathlib import Path

if __name__ == "__main__":  # as in make_torch_trajectories.py: tests/ on the path
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from reference import recent  # noqa: E402


def main():
    try:
        import lion_pytorch  # noqa: F401
        import schedulefree  # noqa: F401
        import torch  # noqa: F401
    except ImportError as error:
        sys.exit(f"make_recent_trajectories.py needs torch, lion-pytorch and schedulefree ({error}); nothing was written.")
    recent.DIR.mkdir(exist_ok=True)
    for variant in recent.VARIANTS:
        file = recent.path(variant)
        recent.save(file, *recent.reference_run(variant))
        print(f"wrote {file} ({file.stat().st_size / 1024:.1f} KiB)")
    for file in sorted(set(recent.DIR.glob("*.npz")) - {recent.path(v) for v in recent.VARIANTS}):
        file.unlink()
        print(f"removed {file}: no such variant")


if __name__ == "__main__":
    main()
