"""Network architectures as functions returning ``keras.Model``."""

from kgan.nets.mlp import mlp

__all__ = ["mlp"]
