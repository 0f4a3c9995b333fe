"""Learning-rate schedules: the same optimizer, different learning rates per epoch.

A schedule multiplies the optimizer's learning rate at each epoch, so the
base learning rate and the schedule's shape are tuned independently
(``optimizer__learning_rate`` and ``optimizer__schedule__gamma``, say).
ReduceOnPlateau follows the validation score (with early_stopping) or the
training loss.

Run: python examples/schedules.py   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skopt_lab import MLPClassifier
from skopt_lab.optimizers import (
    SGD,
    CosineAnnealing,
    ExponentialDecay,
    InverseScaling,
    ReduceOnPlateau,
    StepDecay,
)

EPOCHS = 12 if os.environ.get("SKOPT_LAB_FAST") else 60
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

schedules = {
    "constant": None,
    "inverse scaling": InverseScaling(power_t=0.5),
    "step decay": StepDecay(step_size=EPOCHS // 3, gamma=0.3),
    "exponential": ExponentialDecay(gamma=0.95),
    "cosine + warm-up": CosineAnnealing(warmup_epochs=EPOCHS // 10),
    "reduce on plateau": ReduceOnPlateau(factor=0.3, patience=3),
}
print(f"{'schedule':<18} {'lr: first':>9} {'middle':>8} {'last':>8} {'final loss':>10} {'test accuracy':>13}")
for name, schedule in schedules.items():
    optimizer = SGD(learning_rate=0.1, momentum=0.9, schedule=schedule)
    net = MLPClassifier((64,), optimizer=optimizer, max_iter=EPOCHS, tol=None, early_stopping=True, random_state=0)
    net.fit(X_train, y_train)
    rates = net.learning_rates_
    print(
        f"{name:<18} {rates[0]:>9.3g} {rates[len(rates) // 2]:>8.3g} {rates[-1]:>8.3g} {net.loss_curve_[-1]:>10.4f} "
        f"{net.score(X_test, y_test):>13.3f}"
    )
