"""The optimizer variants checked against torch.optim, and how each maps to torch.

This list is the one place that names the variants: the tests run every
variant and ``make_torch_trajectories.py`` stores torch's trajectory for
each one in ``torch_trajectories/<id>.npz``.
"""

from typing import NamedTuple

from skopt_lab.optimizers import SGD, AdaGrad, Adadelta, Adam, AdamW, GD, Nadam, RMSprop


class Variant(NamedTuple):
    id: str  # the stored file's name: stable and readable
    optimizer: object


VARIANTS = [
    Variant("gd", GD(learning_rate=0.05)),
    Variant("sgd", SGD(learning_rate=0.05)),
    Variant("sgd-momentum_0.9", SGD(learning_rate=0.05, momentum=0.9)),
    Variant("sgd-nesterov-momentum_0.9", SGD(learning_rate=0.05, momentum=0.9, nesterov=True)),
    Variant("sgd-momentum_0.8-dampening_0.3", SGD(learning_rate=0.05, momentum=0.8, dampening=0.3)),
    Variant("adagrad", AdaGrad(learning_rate=0.1)),
    Variant(
        "adagrad-accumulator_0.5-eps_1e-6",
        AdaGrad(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-6),
    ),
    Variant("rmsprop", RMSprop(learning_rate=0.01)),
    Variant("rmsprop-centered-momentum_0.9", RMSprop(learning_rate=0.01, momentum=0.9, centered=True)),
    Variant("rmsprop-centered-rho_0.9", RMSprop(learning_rate=0.01, rho=0.9, centered=True)),
    Variant("adam", Adam(learning_rate=0.01)),
    Variant("adam-amsgrad-beta2_0.99", Adam(learning_rate=0.01, amsgrad=True, beta_2=0.99)),
    Variant("adamw-decay_0.1", AdamW(learning_rate=0.01, weight_decay=0.1)),
    Variant("adamw-decay_0.1-amsgrad", AdamW(learning_rate=0.01, weight_decay=0.1, amsgrad=True)),
    Variant("nadam", Nadam(learning_rate=0.01)),
    Variant("nadam-momentum_decay_0.01-beta2_0.99", Nadam(learning_rate=0.01, momentum_decay=0.01, beta_2=0.99)),
    Variant("adadelta", Adadelta(learning_rate=1.0)),
    Variant("adadelta-lr_0.5-rho_0.95-eps_1e-5", Adadelta(learning_rate=0.5, rho=0.95, epsilon=1e-5)),
]


# Our class -> the torch.optim class and {torch's argument: our hyperparameter};
# a pair of names gives a pair of values (torch's betas).
TORCH_COUNTERPARTS = {
    GD: ("SGD", {"lr": "learning_rate"}),
    SGD: ("SGD", {"lr": "learning_rate", "momentum": "momentum", "nesterov": "nesterov", "dampening": "dampening"}),
    AdaGrad: (
        "Adagrad",
        {"lr": "learning_rate", "eps": "epsilon", "initial_accumulator_value": "initial_accumulator_value"},
    ),
    RMSprop: (
        "RMSprop",
        {"lr": "learning_rate", "alpha": "rho", "eps": "epsilon", "momentum": "momentum", "centered": "centered"},
    ),
    Adam: ("Adam", {"lr": "learning_rate", "betas": ("beta_1", "beta_2"), "eps": "epsilon", "amsgrad": "amsgrad"}),
    AdamW: (
        "AdamW",
        {
            "lr": "learning_rate",
            "betas": ("beta_1", "beta_2"),
            "eps": "epsilon",
            "amsgrad": "amsgrad",
            "weight_decay": "weight_decay",
        },
    ),
    Nadam: (
        "NAdam",
        {"lr": "learning_rate", "betas": ("beta_1", "beta_2"), "eps": "epsilon", "momentum_decay": "momentum_decay"},
    ),
    Adadelta: ("Adadelta", {"lr": "learning_rate", "rho": "rho", "eps": "epsilon"}),
}


def torch_spec(optimizer):
    """The torch.optim class name and keyword arguments equivalent to ``optimizer``.

    Plain data, so that it can be stored and compared without torch.
    """
    if type(optimizer) not in TORCH_COUNTERPARTS:
        raise TypeError(f"{optimizer!r} has no torch.optim counterpart")
    torch_class, arguments = TORCH_COUNTERPARTS[type(optimizer)]

    def value(name):
        if isinstance(name, tuple):
            return [getattr(optimizer, n) for n in name]
        return getattr(optimizer, name)

    return torch_class, {argument: value(name) for argument, name in arguments.items()}
