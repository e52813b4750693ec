"""`GAN`: a ``keras.Model`` whose ``train_step`` alternates D and G updates.

```python
gan = kgan.GAN(generator=G, discriminator=D, latent=kgan.latent.Normal(64))
gan.compile()                       # Adam(2e-4, beta_1=0.5) for both, non-saturating loss
gan.fit(dataset, epochs=10)         # any Keras callback works
images = gan.generate(16, seed=0)   # NumPy array
gan.save("gan.keras")               # keras.models.load_model("gan.keras") continues training
```
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from kgan import _data_checks, _nets
from kgan import latent as latent_lib
from kgan import losses as losses_lib
from kgan._checks import positive_int
from kgan.terms import base as terms_lib

__all__ = ["GAN"]

DISCRIMINATOR, GENERATOR = terms_lib.DISCRIMINATOR, terms_lib.GENERATOR


def _default_optimizer():
    # DCGAN's recommendation, still the most reliable default.
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def _scale_for_replicas(loss):
    """Per-replica mean -> share of the global-batch mean (gradients are summed across replicas)."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


#: Replica r draws from the GAN's seed stream shifted by ``r * _REPLICA_SEED_STRIDE`` (a prime:
#: well apart from the base seed), so replicas draw different z; tests emulate it on one device.
_REPLICA_SEED_STRIDE = 7919
# The networks of GAN.infogan: the image MLPs (measured on 28x28 grayscale) or the DCGAN convolutions.
INFOGAN_NETWORKS = ("mlp", "dcgan")


class _ReplicaSeeds(keras.random.SeedGenerator):
    """The GAN's seed stream with the replica id folded in, so that replicas draw different z.

    Under a tf.distribute strategy the GAN's SeedGenerator state is mirrored: without this,
    every replica would draw the same latent batch (and the same penalty coefficients).
    """

    def __init__(self, base, replica_id):  # no super().__init__(): the state stays in `base`
        self._base, self._replica_id = base, replica_id

    def next(self, ordered=True):
        seed = self._base.next(ordered=ordered)
        offset = ops.cast(self._replica_id, seed.dtype) * _REPLICA_SEED_STRIDE
        return seed + ops.cast(ops.stack([offset, ops.zeros_like(offset)]), seed.dtype)


def _mirrored(strategy) -> bool:
    return isinstance(strategy, (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy))


def _multi_worker() -> bool:
    strategy = tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode()


@keras.saving.register_keras_serializable(package="kgan")
class GAN(keras.Model):
    """A generative adversarial network trained with plain ``model.fit``.

    Args:
        generator: a Keras model mapping a latent batch (or ``[z, condition]``)
            to samples.
        discriminator: a Keras model mapping samples (or ``[x, condition]``)
            to one logit per sample, or to a dict with ``"logits"`` and named
            extras (``"features"``, ...) that loss terms can read.
        latent: a `kgan.latent` prior, or an int for ``Normal(int)``.
        seed: seeds every latent draw made during training and by
            ``generate`` (None: a random seed).

    Data: ``fit`` takes batches of real samples ``x``, or ``(x, condition)``
    pairs; with a condition, G is called on ``[z, condition]`` and D on
    ``[x, condition]``.

    Metrics (``keras.metrics.Mean``, reset every epoch): ``d_loss``,
    ``g_loss`` (totals including terms), ``d_real`` and ``d_fake`` (mean D
    probability on real and generated data, or the mean critic value for
    losses without a sigmoid), and each term's unweighted value.
    """

    def __init__(self, generator, discriminator, latent, seed=None, **kwargs):
        super().__init__(**kwargs)
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.layers.Layer):
                raise TypeError(
                    f"{role} must be a Keras model or layer, got {type(net).__name__}. "
                    "Build it with keras.Sequential, the functional API or kgan.nets."
                )
        if generator is discriminator:
            raise ValueError("generator and discriminator must be two different models.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent = latent_lib.get(latent)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="latent_seed")
        self._check_latent_matches_generator()
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self._term_trackers = {}
        self.terms = []
        self.loss_fn = losses_lib.NonSaturating()
        self.d_steps = self.g_steps = 1
        self.d_optimizer = self.g_optimizer = None
        self._joint_d_call = None

    @classmethod
    def dcgan(cls, image_shape, latent_dim: int = 100, width: int = 64, seed=None, name: str = "dcgan") -> GAN:
        """The beginner's preset: DCGAN networks and the paper's uniform code.

        ```python
        gan = kgan.GAN.dcgan(image_shape=(28, 28, 1))
        gan.compile()   # Adam(2e-4, beta_1=0.5), non-saturating loss: the paper's settings
        gan.fit(kgan.data.images("fashion_mnist", batch_size=64), epochs=10)
        ```

        Args:
            image_shape: ``(height, width, channels)``: 28x28, 32x32 or 64x64.
            latent_dim: size of the code, ``Uniform(latent_dim, -1, 1)``.
            width: network width (see `kgan.nets.dcgan_generator`).
            seed: seeds the weights and every latent draw.
        """
        from kgan.nets import dcgan as dcgan_nets  # nets sit beside gan.py; imported late, on use

        return cls(
            generator=dcgan_nets.dcgan_generator(image_shape, latent_dim, width, seed=seed),
            discriminator=dcgan_nets.dcgan_discriminator(image_shape, width, seed=None if seed is None else seed + 1000),
            latent=latent_lib.Uniform(latent_dim, -1.0, 1.0),
            seed=seed,
            name=name,
        )

    @classmethod
    def infogan(cls, image_shape, noise: int = 62, categorical=(10,), continuous: int = 2, width: int = 64,
                seed=None, name: str = "infogan", network: str = "mlp") -> GAN:
        """InfoGAN: the structured code of Chen et al. (2016) and a Q head on D.

        ``network="mlp"`` (default): `kgan.nets.mlp_image_generator` and
        `kgan.nets.mlp_image_discriminator`, the measured recipe for 28x28
        grayscale images (on Fashion-MNIST the categorical code picks the
        garment type within one epoch; docs/infogan.md). ``"dcgan"``: the DCGAN
        convolutions of ``width``, for larger or colour images (its code tends
        to settle on style before garment type). Compile it with the
        mutual-information term and the paper's learning rates:

        ```python
        gan = kgan.GAN.infogan((28, 28, 1))                  # 62 noise + one 10-way + two continuous codes
        gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                    terms=[kgan.terms.MutualInformation(gan.latent)])
        ```
        """
        from kgan.nets import dcgan as dcgan_nets
        from kgan.nets import info, mlp_image_discriminator, mlp_image_generator

        if network not in INFOGAN_NETWORKS:
            raise ValueError(f"network must be one of {INFOGAN_NETWORKS}, got {network!r}: 'mlp' for 28x28 "
                             "grayscale images (the measured recipe), 'dcgan' for larger or colour images.")
        code = latent_lib.InfoCode(noise, categorical, continuous)
        d_seed = None if seed is None else seed + 1000
        if network == "mlp":
            generator = mlp_image_generator(image_shape, code.dim, seed=seed)
            discriminator = mlp_image_discriminator(image_shape, seed=d_seed)
        else:
            generator = dcgan_nets.dcgan_generator(image_shape, code.dim, width, seed=seed)
            discriminator = dcgan_nets.dcgan_discriminator(image_shape, width, seed=d_seed)
        return cls(
            generator=generator,
            discriminator=info.with_code_head(discriminator, code),
            latent=code,
            seed=seed,
            name=name,
        )

    # ------------------------------------------------------------------ checks
    def _check_latent_matches_generator(self):
        shape = _nets.static_shape(self.generator)  # the latent input comes first
        if shape is None or len(shape) < 2:
            return
        expected = tuple(shape[1:])
        if expected != tuple(self.latent.shape) and None not in expected:
            raise ValueError(
                f"The latent prior {self.latent!r} draws vectors of shape {self.latent.shape}, "
                f"but the generator expects inputs of shape {expected}. Use "
                f"latent=kgan.latent.Normal({expected[-1]}) (or another prior of that "
                "dimension), or change the generator's Input."
            )

    def _check_real_batch(self, real):
        expected = _nets.static_shape(self.discriminator)
        try:
            got = tuple(real.shape)[1:]
        except (TypeError, ValueError):  # unknown rank
            return
        if expected is None:
            return
        want = tuple(expected[1:])
        if len(got) != len(want) or any(w is not None and g is not None and w != g for g, w in zip(got, want, strict=True)):
            raise ValueError(
                f"The data's samples have shape {got}, but the discriminator expects {want}. "
                "Reshape the data (e.g. images as (H, W, C), 1-D data as (batch, 1)) or build "
                "the discriminator for this shape."
            )

    @staticmethod
    def _as_outputs(out, who="discriminator") -> dict:
        if isinstance(out, dict):
            if "logits" not in out:
                raise ValueError(
                    f"The {who} returned a dict without a 'logits' entry (keys: {sorted(out)}). "
                    "Return {'logits': ..., 'features': ..., ...}."
                )
            outputs = dict(out)
        elif isinstance(out, (list, tuple)):
            raise ValueError(
                f"The {who} returned a {type(out).__name__} of {len(out)} outputs; return one "
                "logit tensor, or a dict with 'logits' and named extras."
            )
        else:
            outputs = {"logits": out}
        shape = tuple(outputs["logits"].shape)  # TensorShape or a symbolic KerasTensor's tuple
        if len(shape) not in (1, 2) or (len(shape) == 2 and shape[-1] not in (1, None)):
            raise ValueError(
                f"The {who} must output one logit per sample, shape (batch, 1) or (batch,); "
                f"got shape {tuple(shape)}. End it with keras.layers.Dense(1) (no activation: "
                "kgan's losses take logits)."
            )
        return outputs

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss="non_saturating",
        terms=(),
        d_steps: int = 1,
        g_steps: int = 1,
        **kwargs,
    ):
        """Configure training.

        Args:
            d_optimizer, g_optimizer: Keras optimizers (or names/configs);
                default ``Adam(2e-4, beta_1=0.5)`` each. Two distinct objects:
                an optimizer is bound to the variables it first sees.
            loss: a name from ``kgan.losses.names()`` or an
                `kgan.losses.AdversarialLoss`.
            terms: `kgan.terms.Term` objects adding to the D and/or G loss.
            d_steps, g_steps: updates of D, then of G, per batch.
            **kwargs: passed to ``keras.Model.compile`` (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``).
        """
        for key in ("optimizer", "metrics", "loss_weights", "weighted_metrics"):
            if key in kwargs:
                raise TypeError(
                    f"GAN.compile() takes no {key!r}: use d_optimizer/g_optimizer, loss and "
                    "terms; its metrics are fixed (d_loss, g_loss, d_real, d_fake, terms)."
                )
        d_steps, g_steps = positive_int(d_steps, "d_steps"), positive_int(g_steps, "g_steps")
        self.d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else _default_optimizer()
        self.g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else _default_optimizer()
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer are the same object. Keras optimizers bind to the "
                "variables they first see: create one for each network."
            )
        self.loss_fn = losses_lib.get(loss)
        if isinstance(terms, terms_lib.Term):
            terms = [terms]
        self.terms = [terms_lib.get(t) for t in terms]
        names = [t.metric_name(p) for t in self.terms for p in t.phases]
        clashes = {n for n in names if names.count(n) > 1} | ({"d_loss", "g_loss", "d_real", "d_fake"} & set(names))
        if clashes:
            raise ValueError(f"Two metrics would share the name(s) {sorted(clashes)}: give the terms distinct name=...")
        self.d_steps, self.g_steps = d_steps, g_steps
        self._compile_kwargs = {k: v for k, v in kwargs.items() if k in ("steps_per_execution", "jit_compile", "run_eagerly")}
        super().compile(optimizer=None, loss=None, **kwargs)

        self._build_networks()
        # Built here, not lazily, so that loading a saved GAN restores their slots (KERAS-NOTES);
        # an optimizer passed back in from an earlier compile keeps its state.
        for optimizer, net in ((self.d_optimizer, self.discriminator), (self.g_optimizer, self.generator)):
            if not optimizer.built:
                optimizer.build(net.trainable_variables)
        self._term_trackers = {}
        for term in self.terms:
            term.build(self)
            for phase in term.phases:
                self._term_trackers[(id(term), phase)] = keras.metrics.Mean(name=term.metric_name(phase))

    def _build_networks(self):
        """Build G and D if needed (one tiny batch through both) and mark the GAN built.

        Keras' fit would otherwise try to build an unbuilt model by calling it on a data batch,
        which for a GAN means feeding real samples to the generator.
        """
        if not (self.generator.built and self.discriminator.built):
            if self._generator_needs_condition():
                raise ValueError(
                    "A conditional generator/discriminator must be built before compile: use "
                    "functional models (keras.Input) or call them once on [z, condition] / [x, condition]."
                )
            fake = self.generator(self.latent.sample(2, seed=keras.random.SeedGenerator(0)), training=False)
            self._as_outputs(self.discriminator(fake, training=False))
        else:
            symbolic = _nets.symbolic_output(self.discriminator)  # checked now rather than in the first step
            if symbolic is not None:
                self._as_outputs(symbolic)
        self.built = True

    def discriminator_output_keys(self) -> list[str] | None:
        """Names of D's outputs (``["logits", "features", ...]``), for terms that read them.

        Read from a functional model's outputs; a subclassed D is run once on
        a tiny generated batch. None when that cannot be done (conditional D).
        """
        try:
            outputs = self.discriminator.output
        except (AttributeError, ValueError):  # subclassed models have no symbolic output
            if self._generator_needs_condition():
                return None
            fake = self.generator(self.latent.sample(2, seed=keras.random.SeedGenerator(0)), training=False)
            outputs = self.discriminator(fake, training=False)
        return sorted(outputs) if isinstance(outputs, dict) else ["logits"]

    def _generator_needs_condition(self):
        return (_nets.input_count(self.generator) or 1) > 1

    @property
    def steps(self) -> int:
        """Training steps done (batches G was updated on): ``g_optimizer.iterations // g_steps``.

        Survives save/load and BackupAndRestore with the optimizer state; 0 before compile.
        """
        if self.g_optimizer is None:
            return 0
        return int(ops.convert_to_numpy(self.g_optimizer.iterations)) // self.g_steps

    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
            *self._term_trackers.values(),
        ]

    # ------------------------------------------------------------------ forward passes
    def call(self, inputs, training=False):
        """Generate from latent vectors: ``gan(z)`` or ``gan([z, condition])``."""
        return self.generator(inputs, training=training)

    def generate_from(self, z, condition=None, training=False, update_state=True):
        """Run G on latent vectors ``z`` (and ``condition`` for conditional generators); returns a tensor."""
        return _nets.run(self.generator, z if condition is None else [z, condition], training, update_state)

    def discriminate(self, x, condition=None, training=False, update_state=True) -> dict:
        """D's outputs on ``x`` as a dict with at least ``"logits"``.

        ``update_state=False`` runs D in training mode without moving its non-trainable state
        (BatchNormalization statistics): the generator update uses it so that it changes G alone.
        """
        return self._as_outputs(_nets.run(self.discriminator, x if condition is None else [x, condition], training, update_state))

    def _discriminate_pair(self, real, fake, condition, training, update_state=True):
        if self._joint_d_call is None:
            self._joint_d_call = not any(_nets.is_batch_dependent(layer) for layer in self.discriminator._flatten_layers())
        if not self._joint_d_call:
            return (
                self.discriminate(real, condition, training, update_state),
                self.discriminate(fake, condition, training, update_state),
            )
        # One call on [real; fake] halves the number of D calls when no layer mixes samples.
        n = ops.shape(real)[0]
        both = ops.concatenate([real, fake], axis=0)
        cond = None if condition is None else tf.nest.map_structure(lambda c: ops.concatenate([c, c], axis=0), condition)
        out = self.discriminate(both, cond, training, update_state)
        return {k: v[:n] for k, v in out.items()}, {k: v[n:] for k, v in out.items()}

    def generate(self, n: int, seed=None, condition=None, batch_size: int = 1024):
        """Draw ``n`` samples as a NumPy array.

        Args:
            n: number of samples.
            seed: int for a reproducible draw; None advances the GAN's own seed.
            condition: for conditional generators, ``n`` conditions.
            batch_size: samples generated per generator call (bounds memory).
        """
        n = positive_int(n, "n")
        if condition is None and self._generator_needs_condition():
            raise ValueError("This GAN's generator is conditional: pass condition=... (one per sample) to generate().")
        seed_gen = self.seed_generator if seed is None else keras.random.SeedGenerator(seed)
        chunks = []
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            z = self.latent.sample(size, seed=seed_gen)
            cond = None if condition is None else tf.nest.map_structure(
                lambda c, s=start, e=start + size: ops.convert_to_tensor(c[s:e]), condition)
            chunks.append(ops.convert_to_numpy(self.generate_from(z, cond)))
        return np.concatenate(chunks, axis=0)

    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit``; batches are real samples ``x`` or ``(x, condition)`` pairs.

        Two GAN-minded differences: no warning about ``shuffle`` for a
        ``tf.data`` pipeline (Keras never reshuffles one; shuffle it in the
        pipeline), and a warning when ``steps_per_epoch`` is not a multiple of
        ``steps_per_execution`` (Keras then runs whole blocks, so more updates
        than asked for on an endless dataset).

        The data is checked before the first step (NumPy arrays whole, a
        ``tf.data`` pipeline on its first batch): empty data, NaN or infinite
        values, values outside the generator's output range (0-255 pixels for
        a tanh generator) and batches too small for the networks' batch
        statistics raise a ``ValueError`` that says how to fix them.
        """
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # silences Keras' "shuffle=True will be ignored"
        if self.compiled:  # uncompiled: Keras' own error says to compile first
            batch_size = kwargs.get("batch_size", args[1] if len(args) > 1 else None)
            _data_checks.check_fit_data(self, x, batch_size=batch_size)
        if (self.steps_per_execution or 1) > 1 and _mirrored(self.distribute_strategy):
            warnings.warn(
                f"steps_per_execution={self.steps_per_execution} fails under {type(self.distribute_strategy).__name__} "
                "in Keras 3 (keras-team/keras#19246): running one step per execution instead.",
                stacklevel=2,
            )
            self.steps_per_execution = 1
            self.train_function = self.test_function = self.predict_function = None
        steps, block = kwargs.get("steps_per_epoch"), self.steps_per_execution or 1
        if steps is not None and block > 1 and steps % block:
            warnings.warn(
                f"steps_per_epoch={steps} is not a multiple of steps_per_execution={block}: Keras runs "
                f"{-(-steps // block) * block} steps per epoch on an endless dataset. Use a multiple of "
                f"{block} for exact step counts.",
                stacklevel=2,
            )
        return super().fit(x, *args, **kwargs)

    # ------------------------------------------------------------------ the step
    def _unpack(self, data):
        real, condition, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(real, dict):
            raise ValueError("GAN.fit expects batches of real samples x, or (x, condition) pairs; got a dict.")
        if condition is None and self._generator_needs_condition():
            raise ValueError(
                "This GAN's generator is conditional ([z, condition] inputs) but the data has no "
                "condition: fit on (x, condition) pairs, e.g. fit(x, labels) or a dataset of (x, y)."
            )
        if condition is not None and _nets.input_count(self.generator) == 1:
            raise ValueError(
                "The data yields (x, condition) pairs, but the generator takes only the latent z. "
                "Drop the labels (dataset.map(lambda x, y: x), or fit(x) without y), or build a "
                "conditional generator and discriminator with inputs [z, condition] and [x, condition]."
            )
        self._check_real_batch(real)
        real = ops.cast(real, self.compute_dtype)
        return real, condition

    def _step_seeds(self):
        """Where this replica's random draws come from in a train/test step."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        context = tf.distribute.get_replica_context()
        if replicas > 1 and context is not None:
            return _ReplicaSeeds(self.seed_generator, context.replica_id_in_sync_group)
        return self.seed_generator

    def _term_losses(self, phase, step, adversarial):
        replaced = any(phase in t.replaces_adversarial_loss for t in self.terms)
        total = ops.zeros_like(adversarial) if replaced else adversarial
        values = {}
        for term in self.terms:
            if phase not in term.phases:
                continue
            value = term.loss(phase, step)
            if value is None:
                continue
            value = ops.cast(value, "float32")
            values[(id(term), phase)] = value
            total = total + term.weight * value
        return total, values

    def _discriminator_losses(self, real, condition, training, seeds):
        z = self.latent.sample(ops.shape(real)[0], seed=seeds)
        # G runs in training mode (BatchNorm on batch statistics, as in its own update) but keeps
        # its moving statistics: the D update changes D alone.
        fake = ops.stop_gradient(self.generate_from(z, condition, training=training, update_state=False))
        d_real, d_fake = self._discriminate_pair(real, fake, condition, training)
        adversarial = self.loss_fn.discriminator_loss(d_real["logits"], d_fake["logits"])
        step = terms_lib.Step(DISCRIMINATOR, real, fake, z, condition, d_real, d_fake, self, training, seeds)
        total, values = self._term_losses(DISCRIMINATOR, step, adversarial)
        return total, values, d_real, d_fake

    def _generator_losses(self, real, condition, training, seeds):
        z = self.latent.sample(ops.shape(real)[0], seed=seeds)
        fake = self.generate_from(z, condition, training=training)
        if any(t.needs_real_in_generator_phase for t in self.terms):
            d_real, d_fake = self._discriminate_pair(real, fake, condition, training, update_state=False)
        else:
            d_real, d_fake = None, self.discriminate(fake, condition, training, update_state=False)
        adversarial = self.loss_fn.generator_loss(d_fake["logits"])
        step = terms_lib.Step(GENERATOR, real, fake, z, condition, d_real, d_fake, self, training, seeds)
        return self._term_losses(GENERATOR, step, adversarial)

    def train_step(self, data):
        real, condition = self._unpack(data)
        seeds = self._step_seeds()
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        for _ in range(self.d_steps):
            with tf.GradientTape() as tape:
                d_loss, d_terms, d_real, d_fake = self._discriminator_losses(real, condition, True, seeds)
                scaled = _scale_for_replicas(d_loss)
            self.d_optimizer.apply(tape.gradient(scaled, d_vars), d_vars)
        for _ in range(self.g_steps):
            with tf.GradientTape() as tape:
                g_loss, g_terms = self._generator_losses(real, condition, True, seeds)
                scaled = _scale_for_replicas(g_loss)
            self.g_optimizer.apply(tape.gradient(scaled, g_vars), g_vars)
        return self._update_metrics(d_loss, g_loss, d_real, d_fake, {**d_terms, **g_terms})

    def test_step(self, data):
        """Losses and D's scores on held-out real data, without updates (``val_*`` in fit)."""
        real, condition = self._unpack(data)
        seeds = self._step_seeds()
        d_loss, d_terms, d_real, d_fake = self._discriminator_losses(real, condition, False, seeds)
        g_loss, g_terms = self._generator_losses(real, condition, False, seeds)
        return self._update_metrics(d_loss, g_loss, d_real, d_fake, {**d_terms, **g_terms})

    def _update_metrics(self, d_loss, g_loss, d_real, d_fake, term_values):
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.mean(self.loss_fn.score(d_real["logits"])))
        self.d_fake_tracker.update_state(ops.mean(self.loss_fn.score(d_fake["logits"])))
        for key, value in term_values.items():
            self._term_trackers[key].update_state(value)
        results = {m.name: m.result() for m in self.metrics}
        if _multi_worker():
            # Keras 3 reduces step outputs across workers with strategy.reduce(..., axis=0), which
            # fails on scalars (tensorflow#72388): give it shape (1,); the reduced logs are scalars.
            results = {name: ops.reshape(value, (1,)) for name, value in results.items()}
        return results

    # ------------------------------------------------------------------ saving
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent": keras.saving.serialize_keras_object(self.latent),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator", "latent"):
            config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)

    def get_compile_config(self):
        if not self.compiled:
            return None
        ser = keras.saving.serialize_keras_object
        return {
            "d_optimizer": ser(self.d_optimizer),
            "g_optimizer": ser(self.g_optimizer),
            "loss": ser(self.loss_fn),
            "terms": [ser(t) for t in self.terms],
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        des = keras.saving.deserialize_keras_object
        config = dict(config)
        config["d_optimizer"] = des(config["d_optimizer"])
        config["g_optimizer"] = des(config["g_optimizer"])
        config["loss"] = des(config["loss"])
        config["terms"] = [des(t) for t in config.get("terms", [])]
        self.compile(**config)

    def _state_variables(self):
        # Keras saves neither a SeedGenerator's state nor objects it does not track (terms);
        # both must survive save/load and BackupAndRestore so a resumed run draws what it would have.
        own = self._trainable_variables + self._non_trainable_variables
        return own + [self.seed_generator.state] + [v for t in self.terms for v in t.variables]

    def save_own_variables(self, store):
        for i, v in enumerate(self._state_variables()):
            store[str(i)] = v

    def load_own_variables(self, store):
        variables = self._state_variables()
        if len(store.keys()) != len(variables):
            raise ValueError(
                f"The saved GAN has {len(store.keys())} own variables (latent seed state and "
                f"term state) but this one has {len(variables)}: compile it with the same terms "
                "before loading weights."
            )
        for i, v in enumerate(variables):
            v.assign(store[str(i)])

    @classmethod
    def from_file(cls, path, **kwargs) -> GAN:
        """Load a GAN saved with ``gan.save(path)``; a clear error if it is something else."""
        model = keras.models.load_model(path, **kwargs)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a kgan GAN.")
        return model
