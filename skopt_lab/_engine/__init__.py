"""The private training engine: network, losses and the one training loop."""
