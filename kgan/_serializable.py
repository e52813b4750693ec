"""A base for kgan's small config objects (priors, losses, terms)."""

from __future__ import annotations


class ConfigObject:
    """``from_config(get_config())`` rebuilds the object; ``repr`` shows the config."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
