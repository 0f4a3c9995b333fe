"""Data augmentation: small random rotations and shifts of the training digits.

A network trained on 359 digits (20% of ``load_digits``) sees, at every
epoch, each training image turned by up to ±``rotation`` degrees and moved by
up to ±``shift`` pixels, drawn afresh for every batch; the test digits are
never augmented. The rotation is tuned like any hyperparameter, by
cross-validation on the training rows (``augmentation__rotation``); the test
rows only report. Same network, same epochs, with and without augmentation.

Also writes a figure of a few training digits and what the network saw of
them in one epoch: ``augmented_digits.png`` (or the path given as argument).

Run: python examples/augmentation.py [figure.png]   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os
import sys

import numpy as np
from matplotlib.figure import Figure
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from skopt_lab import MLPClassifier
from skopt_lab.augmentation import RandomAffine

FAST = bool(os.environ.get("SKOPT_LAB_FAST"))
EPOCHS = 10 if FAST else 300
FIGURE = sys.argv[1] if len(sys.argv) > 1 else "augmented_digits.png"

X, y = load_digits(return_X_y=True)
X = X / 16  # pixels in [0, 1]; 0 is the background the borders fill with
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.2, stratify=y, random_state=0)

network = dict(hidden_layer_sizes=(256, 128), batch_size=32, max_iter=EPOCHS, tol=None, random_state=0)
plain = MLPClassifier(**network).fit(X_train, y_train)

search = GridSearchCV(
    MLPClassifier(**network, augmentation=RandomAffine((8, 8), shift=0.5)),
    {"augmentation__rotation": [5.0, 10.0]},
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
).fit(X_train, y_train)
augmented = search.best_estimator_

print(f"{len(X_train)} training digits, {len(X_test)} test digits, {EPOCHS} epochs of batches of 32")
print(f"rotation chosen by 3-fold cross-validation on the training digits: ±{search.best_params_['augmentation__rotation']:g}°")
print(f"test accuracy without augmentation: {plain.score(X_test, y_test):.3f}")
print(f"test accuracy with {augmented.augmentation!r}: {augmented.score(X_test, y_test):.3f}")

# What one epoch showed the network of the first few training digits.
shown, _ = augmented.augmentation.augment(X_train[:8], np.zeros((8, 1)), np.random.default_rng(0))
figure = Figure(figsize=(8, 2.4), layout="constrained")
axes = figure.subplots(2, 8)
for column in range(8):
    for row, images in enumerate((X_train, shown)):
        axes[row, column].imshow(images[column].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[row, column].set_axis_off()
axes[0, 0].set_title("training digits", loc="left", fontsize=9)
axes[1, 0].set_title("as augmented in one epoch", loc="left", fontsize=9)
figure.savefig(FIGURE, dpi=100)
print(f"figure: {FIGURE}")
