"""The demo: its scenario (:mod:`._scenario`, shared with
``examples/finetune_digits.py`` and ``benchmarks/bench_demo_seeds.py``) and
its narrative (:mod:`._story`, the command ``python -m skopt_lab demo``)."""

from ._scenario import (
    BATCH_SIZE,
    EPOCHS,
    FAMILIES,
    FAMILY_FACTORS,
    HIDDEN,
    N_SOURCE,
    NOISE,
    SCRATCH_EPOCHS,
    SCRATCH_RATE,
    SEARCH_SPAN,
    TILT,
    TRAIN_PER_CLASS,
    VALIDATION_PER_CLASS,
    Scenario,
    choose,
    family,
    fine_tuned,
    fine_tuning_optimizer,
    fine_tuning_rate,
    from_scratch,
    make_scenario,
    new_camera,
    pretrain,
    source_network,
    validation_scores,
)
