"""The classic 1-D GAN tutorial, ported to TF2 and kgan, beside a modern recipe.

The original (Eric Jang's TensorFlow tutorial, summarised in the overview
article this toolkit follows) learns N(mu=-1, sigma=1) from stratified noise
with two tiny tanh MLPs. Two variants:

* ``"faithful"``: that recipe through `kgan.GAN`: 1-6-5-1 tanh MLPs with
  N(0, 1) initial weights, G's output scaled by 5, D clamped to
  [0.01, 0.99], D maximising log D(x) + log(1 - D(G(z))) and G maximising
  log D(G(z)), M = 200, 10,000 iterations. Options pick the notebook's or the
  article's version (see `FAITHFUL_OPTIONS`).
* ``"modern"``: the same task done well: standardised data, 32-unit
  LeakyReLU MLPs, the least-squares loss with Adam and a cosine decay of
  the learning rate, batches of 512; reaches W1 < 0.05 in seconds.

```python
from kgan.tutorials import gaussian_1d
result = gaussian_1d.train(variant="modern", mu=-1.0, sigma=1.0, seed=0)
print(result.metrics)                     # w1, ks, d_real, d_fake, ...
result.plot("after.png"); result.plot("before.png", when="before"); result.plot_losses("losses.png")
```
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time

import keras
import numpy as np

from kgan import _atomic
from kgan import callbacks as callbacks_lib
from kgan import data as data_lib
from kgan import latent as latent_lib
from kgan import layers as layers_lib
from kgan import metrics as metrics_lib
from kgan import nets as nets_lib
from kgan.gan import GAN

__all__ = [
    "VARIANTS",
    "FAITHFUL_OPTIONS",
    "TutorialResult",
    "build_faithful",
    "build_modern",
    "pretrain_discriminator",
    "train",
    "plot_distributions",
    "plot_losses",
]

VARIANTS = ("modern", "faithful")

#: Which choice reproduces which source. Defaults follow the original notebook.
FAITHFUL_OPTIONS = {
    "optimizer": {
        "momentum": "notebook: MomentumOptimizer(momentum=0.6), learning rate 0.001 decayed "
        "x0.95 every steps/4 (staircase)",
        "sgd": "article's summary: GradientDescentOptimizer(0.01)",
    },
    "pretrain": {
        True: "notebook: D pre-trained 1000 steps to regress the normal pdf on U(-5, 5)",
        False: "article's summary: no pre-training",
    },
    "noise": {
        "stratified": "notebook: z = linspace(-5, 5, M) + 0.01 * U(0, 1)",
        "uniform": "article's summary: z = U(0, 1) (np.random.random(M))",
    },
}

FAITHFUL_STEPS = 10_000
FAITHFUL_BATCH = 200
PRETRAIN_STEPS = 1_000
MODERN_STEPS = 3_000
MODERN_BATCH = 512


@dataclasses.dataclass
class TutorialResult:
    """What `train` returns.

    Attributes:
        gan: the trained `kgan.GAN`.
        target: the `kgan.metrics.NormalDistribution` learnt.
        variant: ``"modern"`` or ``"faithful"``.
        history: per-chunk training logs (``d_loss``, ``g_loss``, ``d_real``,
            ``d_fake``) and the ``step`` each chunk ended on.
        metrics_before, metrics: `kgan.metrics.evaluate_1d` before and after
            adversarial training (``w1``, ``ks``, ``d_real``, ``d_fake``, ...).
        steps, seconds: adversarial steps run and their wall time.
        diverged: why training stopped early, or None.
    """

    gan: GAN
    target: metrics_lib.NormalDistribution
    variant: str
    history: dict
    metrics_before: dict
    metrics: dict
    steps: int
    seconds: float
    diverged: str | None = None
    weights_before: list | None = dataclasses.field(default=None, repr=False)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")

    def plot(self, path, when: str = "after", title: str | None = None):
        """The tutorial's figure after training, or ``when="before"`` it (at step 0)."""
        _check_choice("when", when, ("after", "before"))
        if when == "after":
            return plot_distributions(self.gan, self.target, path, title)
        trained = self.gan.get_weights()
        self.gan.set_weights(self.weights_before)
        try:
            plot_distributions(self.gan, self.target, path, title)
        finally:
            self.gan.set_weights(trained)

    def plot_losses(self, path, title: str | None = None):
        """Loss curves and D's mean outputs over training."""
        plot_losses(self.history, path, title)


def _range(mu: float, sigma: float) -> float:
    # The original's +-5 covers N(-1, 1) to 4 sigma; widen it for targets it would not reach.
    return max(5.0, abs(mu) + 4.0 * sigma)


def _tanh_mlp(name: str) -> keras.Model:
    # The notebook's mlp(): three tanh layers 1-6-5-1, weights ~ N(0, 1), biases 0.
    return nets_lib.mlp(
        1, 1, hidden=(6, 5), activation="tanh", output_activation="tanh",
        kernel_initializer=keras.initializers.RandomNormal(0.0, 1.0), name=name,
    )


def build_faithful(
    mu: float = -1.0,
    sigma: float = 1.0,
    optimizer: str = "momentum",
    noise: str = "stratified",
    steps: int = FAITHFUL_STEPS,
    seed: int | None = 0,
    steps_per_execution: int = 50,
) -> tuple[GAN, keras.Model]:
    """The original networks and optimisers as a compiled `kgan.GAN`.

    Returns ``(gan, d_body)``: ``d_body`` is D without its clamp (the network
    `pretrain_discriminator` regresses, sharing D's weights).
    """
    _check_choice("optimizer", optimizer, FAITHFUL_OPTIONS["optimizer"])
    _check_choice("noise", noise, FAITHFUL_OPTIONS["noise"])
    scale = _range(mu, sigma)
    g_body = _tanh_mlp("g_mlp")
    z = keras.Input((1,), name="z")
    generator = keras.Model(z, keras.layers.Rescaling(scale, name="times_5")(g_body(z)), name="generator")
    d_body = _tanh_mlp("d_mlp")
    x = keras.Input((1,), name="x")
    # D1/D2 = max(min(D, .99), .01) in the notebook; as logits for kgan's losses.
    logits = layers_lib.ProbabilityToLogit(0.01, 0.99, name="clamp")(d_body(x))
    discriminator = keras.Model(x, logits, name="discriminator")
    prior = latent_lib.Stratified(1, -scale, scale, jitter=0.01) if noise == "stratified" else latent_lib.Uniform(1, 0.0, 1.0)
    gan = GAN(generator, discriminator, prior, seed=seed)
    # Maximising log D1 + log(1 - D2) and log D2 is the non-saturating loss.
    gan.compile(
        d_optimizer=_faithful_optimizer(optimizer, steps),
        g_optimizer=_faithful_optimizer(optimizer, steps),
        loss="non_saturating",
        steps_per_execution=steps_per_execution,
    )
    return gan, d_body


def _faithful_optimizer(kind: str, steps: int):
    if kind == "sgd":
        return keras.optimizers.SGD(0.01)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.001, max(1, steps // 4), 0.95, staircase=True)
    return keras.optimizers.SGD(schedule, momentum=0.6)


def pretrain_discriminator(d_body: keras.Model, mu: float, sigma: float, steps: int = PRETRAIN_STEPS,
                           batch_size: int = FAITHFUL_BATCH, optimizer: str = "momentum", seed: int = 0,
                           train_steps: int = FAITHFUL_STEPS):
    """The notebook's D pre-training: regress N(mu, sigma)'s pdf on U(-5, 5) with MSE.

    Its learning rate decays on the adversarial run's schedule (every ``train_steps // 4``
    steps, the notebook's ``TRAIN_ITERS // 4``), so it stays at 0.001 for all 1000 steps.
    """
    scale = _range(mu, sigma)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-scale, scale, size=(steps * batch_size, 1)).astype("float32")
    y = metrics_lib.NormalDistribution(mu, sigma).pdf(x).astype("float32")
    d_body.compile(optimizer=_faithful_optimizer(optimizer, train_steps), loss="mse", steps_per_execution=50)
    d_body.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)


def build_modern(mu: float = -1.0, sigma: float = 1.0, steps: int = MODERN_STEPS, seed: int | None = 0,
                 data_sample=None, steps_per_execution: int = 50) -> GAN:
    """A reliable recipe for the same task.

    The data are standardised with statistics of a data sample (as one
    scales images to [-1, 1]): D starts with a ``Normalization`` layer and G
    ends with its inverse, so the nets work at unit scale for any target.
    """
    if data_sample is None:
        data_sample = metrics_lib.NormalDistribution(mu, sigma).sample(10_000, seed=seed)
    data_sample = np.asarray(data_sample, dtype="float32").reshape(-1, 1)
    mean, var = float(np.mean(data_sample)), float(np.var(data_sample))
    z = keras.Input((1,), name="z")
    h = nets_lib.mlp(1, 1, hidden=(32, 32), activation="leaky_relu", name="g_mlp")(z)
    generator = keras.Model(z, keras.layers.Normalization(mean=mean, variance=var, invert=True, name="to_data")(h), name="generator")
    x = keras.Input((1,), name="x")
    h = keras.layers.Normalization(mean=mean, variance=var, name="standardise")(x)
    discriminator = keras.Model(x, nets_lib.mlp(1, 1, hidden=(32, 32), activation="leaky_relu", name="d_mlp")(h), name="discriminator")
    gan = GAN(generator, discriminator, latent_lib.Normal(1), seed=seed)

    def adam():  # the cosine decay settles the game at the end instead of orbiting the equilibrium
        return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.01), beta_1=0.5)

    # Least squares measured best here (benchmarks/gaussian_1d.py): W1 0.006-0.017 over seeds.
    gan.compile(d_optimizer=adam(), g_optimizer=adam(), loss="least_squares",
                steps_per_execution=steps_per_execution)
    return gan


def _check_choice(what, value, allowed):
    if value not in allowed:
        raise ValueError(f"Unknown {what} {value!r}; choose one of {', '.join(map(str, allowed))}.")


class _History(keras.callbacks.Callback):
    """Per-chunk logs (one chunk = one Keras epoch) plus a progress bar on stderr."""

    def __init__(self, total_steps: int, steps_per_chunk: int, verbose: bool):
        super().__init__()
        self.logs: dict[str, list] = {"step": []}
        self.steps_per_chunk, self.total_steps = steps_per_chunk, total_steps
        # A live bar on a terminal; one final line when stderr is a log file.
        self.bar = keras.utils.Progbar(total_steps, verbose=1 if sys.stderr.isatty() else 2, unit_name="step") if verbose else None

    def on_epoch_end(self, epoch, logs=None):
        self.logs["step"].append(min((epoch + 1) * self.steps_per_chunk, self.total_steps))
        for key, value in (logs or {}).items():
            self.logs.setdefault(key, []).append(float(value))
        if self.bar is not None:
            shown = [(k, float(v)) for k, v in (logs or {}).items() if k in ("d_loss", "g_loss", "d_real", "d_fake")]
            with contextlib.redirect_stdout(sys.stderr):  # keep stdout for results (--json)
                self.bar.update(self.logs["step"][-1], values=shown, finalize=False)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            with contextlib.redirect_stdout(sys.stderr):
                self.bar.update(self.logs["step"][-1] if self.logs["step"] else 0, finalize=True)


def _schedule(steps: int, steps_per_execution: int, chunks: int) -> tuple[int, int, int]:
    """(steps_per_execution, steps per chunk, chunks) for ``steps`` updates in about ``chunks`` epochs.

    Keras runs an epoch in whole blocks of ``steps_per_execution``, so a chunk is a whole
    number of blocks; the data pipeline holds exactly ``steps`` batches, so the last chunk
    stops where the data ends and exactly ``steps`` updates run.
    """
    block = min(steps_per_execution, steps)
    per_chunk = -(-max(1, steps // chunks) // block) * block  # round up to whole blocks
    return block, per_chunk, -(-steps // per_chunk)


def train(
    variant: str = "modern",
    mu: float = -1.0,
    sigma: float = 1.0,
    steps: int | None = None,
    seed: int = 0,
    pretrain: bool = True,
    optimizer: str = "momentum",
    noise: str = "stratified",
    batch_size: int | None = None,
    steps_per_execution: int = 50,
    chunks: int = 25,
    verbose: bool = False,
    eval_samples: int = 10_000,
) -> TutorialResult:
    """Train one variant on N(mu, sigma²) and evaluate it on ``eval_samples`` samples.

    ``pretrain``, ``optimizer`` and ``noise`` apply to the faithful variant
    only (see `FAITHFUL_OPTIONS`). Training is split into about ``chunks``
    Keras epochs so the loss curves have that many points; exactly ``steps``
    updates of each network run.
    """
    _check_choice("variant", variant, VARIANTS)
    target = metrics_lib.NormalDistribution(mu, sigma)  # validates mu and sigma
    if steps is None:
        steps = FAITHFUL_STEPS if variant == "faithful" else MODERN_STEPS
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    steps_per_execution, per_chunk, chunks = _schedule(steps, steps_per_execution, chunks)
    keras.utils.set_random_seed(seed)  # network initialisation
    if variant == "faithful":
        batch_size = batch_size or FAITHFUL_BATCH
        gan, d_body = build_faithful(mu, sigma, optimizer=optimizer, noise=noise, steps=steps, seed=seed,
                                     steps_per_execution=steps_per_execution)
        if pretrain:
            pretrain_discriminator(d_body, mu, sigma, steps=min(PRETRAIN_STEPS, 10 * steps), batch_size=batch_size,
                                   optimizer=optimizer, seed=seed, train_steps=steps)
    else:
        batch_size = batch_size or MODERN_BATCH
        gan = build_modern(mu, sigma, steps=steps, seed=seed, steps_per_execution=steps_per_execution)

    metrics_before = metrics_lib.evaluate_1d(gan, target, n=eval_samples, seed=seed + 1)
    weights_before = gan.get_weights()
    history = _History(steps, per_chunk, verbose)
    # NaN/inf stops and restores the last good state; no D-collapse rule: the faithful variant's
    # failure modes (D pinned at its clamp) are what the tutorial sets out to show.
    guard = callbacks_lib.DivergenceGuard(collapse=False, verbose=verbose)
    data = data_lib.gaussian_1d(mu, sigma, batch_size=batch_size, num_batches=steps, seed=seed)
    start = time.perf_counter()
    gan.fit(data, epochs=chunks, steps_per_epoch=per_chunk, verbose=0, callbacks=[history, guard])
    seconds = time.perf_counter() - start
    ran = int(gan.g_optimizer.iterations.numpy()) // gan.g_steps  # what really ran, not what was asked
    metrics = {} if guard.stopped else metrics_lib.evaluate_1d(gan, target, n=eval_samples, seed=seed + 1)
    return TutorialResult(gan, target, variant, history.logs, metrics_before, metrics, ran, seconds, guard.reason,
                          weights_before)


# ---------------------------------------------------------------------------- figures
def plot_distributions(gan: GAN, target, path, title: str | None = None, n: int = 10_000, seed: int = 1):
    """The tutorial's figure: p_data, p_g and D(x) on one axis, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fake = gan.generate(n, seed=seed)[:, 0]
    lo, hi = target.mu - 5 * target.sigma, target.mu + 5 * target.sigma
    finite = fake[np.isfinite(fake)]
    if finite.size:
        lo, hi = min(lo, np.percentile(finite, 0.5)), max(hi, np.percentile(finite, 99.5))
    xs = np.linspace(lo, hi, 500, dtype="float32")
    d = np.asarray(gan.loss_fn.score(gan.discriminate(xs[:, None])["logits"]))[:, 0]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot(xs, target.pdf(xs), color="tab:blue", lw=2, label=f"p_data = N({target.mu:g}, {target.sigma:g}²)")
    ax.hist(np.clip(finite, lo, hi), bins=80, range=(lo, hi), density=True, color="tab:green", alpha=0.45, label="p_g (generated)")
    # Sigmoid and least-squares discriminators aim at 1 on real and 0 on fake data: 0.5 is "can't tell".
    bounded = gan.loss_fn.probabilistic or gan.loss_fn.loss_name == "least_squares"
    ax.plot(xs, d, color="tab:red", lw=2, label=f"{'D(x)' if bounded else 'critic C(x)'}, decision boundary")
    if bounded:
        ax.axhline(0.5, color="tab:red", lw=0.8, ls=":")
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x")
    ax.set_ylabel("density / D(x)")
    ax.set_title(title or "1-D GAN")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    with _atomic.atomic_path(path) as tmp:  # a kill leaves the previous figure whole
        fig.savefig(tmp)
    plt.close(fig)


def plot_losses(history: dict, path, title: str | None = None):
    """Loss curves (top) and D's mean output on real and fake data (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = history.get("step", [])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), dpi=110, sharex=True)
    for key, color in (("d_loss", "tab:red"), ("g_loss", "tab:green")):
        if key in history:
            top.plot(steps, history[key], color=color, label=key)
    top.set_ylabel("loss")
    top.legend(fontsize=8)
    top.set_title(title or "Training curves")
    for key, color in (("d_real", "tab:blue"), ("d_fake", "tab:orange")):
        if key in history:
            bottom.plot(steps, history[key], color=color, label=key)
    bottom.set_ylabel("mean D output")
    bottom.set_xlabel("step")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    with _atomic.atomic_path(path) as tmp:  # a kill leaves the previous figure whole
        fig.savefig(tmp)
    plt.close(fig)
