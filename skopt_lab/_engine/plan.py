"""The plan of a fit: what is trained, decided before training starts.

An estimator turns its *current* parameters and the encoded targets into one
:class:`FitPlan`, a frozen value: the network's shape, activation, loss,
penalties, dropout, frozen layers, learning-rate multipliers and where the
initial weights come from (a pretrained network is resolved once, into the
weights to copy). The trainer receives the network the plan describes and
the weights it starts from; nothing in training reads the estimator.
"""

from dataclasses import dataclass


from .losses import Loss
from .network import Network


@dataclass(frozen=True, eq=False)
class FitPlan:
    """What a fit trains.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n_features, hidden_1, ..., n_outputs)``.
    activation : str
        Hidden-layer activation.
    loss : Loss
        Output loss.
    l2, l1 : float
        Penalty strengths on the trainable weights.
    dropout : float
        Dropout rate of the hidden layers.
    n_frozen : int
        Leading layers that are not trained.
    fit_intercept : bool
        Whether the output bias is trained.
    layer_lr_decay : float
        Learning-rate factor per layer below the output layer.
    pretrained_layers : tuple of (ndarray, ndarray)
        Weights and biases copied into the first layers of a fresh fit.
    """

    layer_sizes: tuple
    activation: str
    loss: Loss
    l2: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    n_frozen: int = 0
    fit_intercept: bool = True
    layer_lr_decay: float = 1.0
    pretrained_layers: tuple = ()

    def network(self):
        """The :class:`Network` this plan trains."""
        return Network(
            self.layer_sizes,
            self.activation,
            self.loss,
            l2=self.l2,
            l1=self.l1,
            dropout=self.dropout,
            n_frozen=self.n_frozen,
            fit_intercept=self.fit_intercept,
        )

    def lr_scale(self, network, dtype):
        """Per-parameter learning-rate factors, or None when all are 1.

        Layer ``i`` counted from the output layer (0) trains with
        ``layer_lr_decay ** i``.
        """
        if self.layer_lr_decay == 1:
            return None
        depth_from_output = network.n_layers - 1 - network.layer_of_parameters()
        return (self.layer_lr_decay**depth_from_output).astype(dtype)

    def initial_weights(self, network, rng, dtype, Y, sample_weight):
        """Starting parameters of a fresh fit.

        Random weights (see :meth:`Network.init_params`), the output bias at
        the loss's starting value for the training targets ``Y`` (the class
        prior or the target mean; never the validation rows), then the
        pretrained layers copied over.
        """
        theta = network.init_params(rng, dtype)
        coefs, intercepts = network.unpack(theta)
        if self.fit_intercept:
            intercepts[-1][...] = network.loss.initial_intercept(Y, sample_weight)
        for i, (W, b) in enumerate(self.pretrained_layers):
            coefs[i][...] = W
            intercepts[i][...] = b
        return theta
