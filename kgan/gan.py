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

import keras
import numpy as np
from keras import ops

from kgan import _data_checks, _gan_ema, _gan_keras, _keras_private, _nets, _replicas, _step_jax, _step_tf, presets
from kgan import latent as latent_lib
from kgan import losses as losses_lib
from kgan._checks import positive_int
from kgan._gan_saving import SavingMixin
from kgan.terms import base as terms_lib

__all__ = ["GAN"]

DISCRIMINATOR, GENERATOR = terms_lib.DISCRIMINATOR, terms_lib.GENERATOR
_METRIC_NAMES = ("d_loss", "g_loss", "d_real", "d_fake")
INFOGAN_NETWORKS = presets.INFOGAN_NETWORKS  # where it was before kgan.presets


@keras.saving.register_keras_serializable(package="kgan")
class GAN(SavingMixin, keras.Model):
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
        recipe: the optimizers ``compile()`` uses when none are given: a name
            from ``kgan.presets.NAMES`` (the presets set it) or None for
            ``Adam(2e-4, beta_1=0.5)`` each.

    Data: ``fit`` takes batches of real samples ``x``, or ``(x, condition)``
    pairs; with a condition, G is called on ``[z, condition]`` and D on
    ``[x, condition]``.

    Metrics (``keras.metrics.Mean``, reset every epoch): ``d_loss``,
    ``g_loss`` (totals including terms), ``d_real`` and ``d_fake`` (mean D
    probability on real and generated data, or the mean critic value for
    losses without a sigmoid), and each term's unweighted value.
    """

    #: Set True in a subclass whose `compute_generator_loss` reads ``step.d_real`` (a relativistic
    #: loss): the G update then runs D on the real batch too (off by default: nothing unused runs).
    needs_real_in_generator_phase = False

    def __init__(self, generator, discriminator, latent, seed=None, recipe=None, **kwargs):
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
        if recipe is not None and recipe not in presets.NAMES:
            raise ValueError(f"Unknown recipe {recipe!r}; known: {', '.join(presets.NAMES)} (or None).")
        self.seed, self.recipe = seed, recipe
        self.seed_generator = keras.random.SeedGenerator(seed, name="latent_seed")
        _data_checks.check_networks(self)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self._term_trackers = {}
        self.terms = []
        self.term_state = terms_lib.TermState(name="term_state")  # the terms' variables, seen by every trainer
        self.loss_fn = losses_lib.NonSaturating()
        self.d_steps = self.g_steps = 1
        self.d_optimizer = self.g_optimizer = None
        self._joint_d_call = None
        self.ema = None  # the averaged generator, `compile(ema=...)`

    @classmethod
    def dcgan(cls, image_shape, latent_dim: int = 100, width: int = 64, seed=None, name: str = "dcgan",
              spectral_norm: bool = False) -> GAN:
        """The beginner's preset: DCGAN networks and the paper's uniform code.

        ```python
        gan = kgan.GAN.dcgan(image_shape=(28, 28, 1))
        gan.compile()   # Adam(2e-4, beta_1=0.5) for both, non-saturating loss: the paper's settings
        gan.fit(kgan.data.images("fashion_mnist", batch_size=64), epochs=10)
        ```

        Args:
            image_shape: ``(height, width, channels)``: 28x28, 32x32 or 64x64.
            latent_dim: size of the code, ``Uniform(latent_dim, -1, 1)``.
            width: network width (see `kgan.nets.dcgan_generator`).
            seed: seeds the weights and every latent draw.
            spectral_norm: spectral normalization in D instead of batch norm (SN-GAN).
        """
        return presets.dcgan(cls, image_shape, latent_dim, width, seed=seed, name=name, spectral_norm=spectral_norm)

    @classmethod
    def infogan(cls, image_shape, noise: int = 62, categorical=(10,), continuous: int = 2, width: int = 64,
                seed=None, name: str = "infogan", network: str = "mlp") -> GAN:
        """InfoGAN: the structured code of Chen et al. (2016) and a Q head on D.

        ``network="mlp"`` (default): `kgan.nets.mlp_image_generator` and
        `kgan.nets.mlp_image_discriminator`, the measured recipe for 28x28
        grayscale images (on Fashion-MNIST the categorical code picks the
        garment type within one epoch; docs/infogan.md). ``"dcgan"``: the DCGAN
        convolutions of ``width``, for larger or colour images (its code tends
        to settle on style before garment type). ``compile()`` without
        optimizers uses the paper's learning rates (D/Q ``Adam(2e-4)``, G
        ``Adam(1e-3)``, ``beta_1=0.5``); add the mutual-information term:

        ```python
        gan = kgan.GAN.infogan((28, 28, 1))                  # 62 noise + one 10-way + two continuous codes
        gan.compile(terms=[kgan.terms.MutualInformation(gan.latent)])
        ```
        """
        return presets.infogan(cls, image_shape, noise, categorical, continuous, width, seed=seed, name=name,
                               network=network)

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss="non_saturating",
        terms=(),
        d_steps: int = 1,
        g_steps: int = 1,
        ema: float | None = None,
        **kwargs,
    ):
        """Configure training.

        Args:
            d_optimizer, g_optimizer: Keras optimizers (or names/configs);
                default: the GAN's recipe (``Adam(2e-4, beta_1=0.5)`` each, or
                the preset's, e.g. InfoGAN's G ``Adam(1e-3)``). Two distinct
                objects: an optimizer is bound to the variables it first sees.
                Under a ``mixed_float16`` policy each is wrapped in a
                ``keras.optimizers.LossScaleOptimizer``.
            loss: a name from ``kgan.losses.names()`` or an
                `kgan.losses.AdversarialLoss`.
            terms: `kgan.terms.Term` objects adding to the D and/or G loss.
            d_steps, g_steps: updates of D, then of G, per batch.
            ema: keep an exponential moving average of G's weights with this decay
                (e.g. 0.999), saved with the GAN and sampled by `generate` (``gan.ema``).
            **kwargs: passed to ``keras.Model.compile`` (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``).
        """
        _gan_keras.check_compile_kwargs(kwargs)
        d_steps, g_steps = positive_int(d_steps, "d_steps"), positive_int(g_steps, "g_steps")
        d_default, g_default = presets.optimizers(self.recipe)
        self.d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else d_default
        self.g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else g_default
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer are the same object. Keras optimizers bind to the "
                "variables they first see: create one for each network."
            )
        _gan_keras.check_learning_rates(d_optimizer=self.d_optimizer, g_optimizer=self.g_optimizer)
        self.d_optimizer = _gan_keras.with_loss_scaling(self.d_optimizer, self.discriminator)
        self.g_optimizer = _gan_keras.with_loss_scaling(self.g_optimizer, self.generator)
        self.loss_fn = losses_lib.get(loss)
        if isinstance(terms, terms_lib.Term):
            terms = [terms]
        self.terms = [terms_lib.get(t) for t in terms]
        _gan_keras.check_metric_names(self.terms, _METRIC_NAMES)
        self.d_steps, self.g_steps = d_steps, g_steps
        self._compile_kwargs = {k: v for k, v in kwargs.items() if k in ("steps_per_execution", "jit_compile", "run_eagerly")}
        super().compile(optimizer=None, loss=None, **{**kwargs, "auto_scale_loss": False})  # we scale per player

        self._build_networks()
        self.ema = _gan_ema.for_compile(self, ema)  # after the build: the average copies G's weights
        # Built here, not lazily, so that loading a saved GAN restores their slots (KERAS-NOTES);
        # an optimizer passed back in from an earlier compile keeps its state.
        for optimizer, net in ((self.d_optimizer, self.discriminator), (self.g_optimizer, self.generator)):
            if not optimizer.built:
                optimizer.build(net.trainable_variables)
        for term in self.terms:
            term.build(self)
        self.term_state.hold(self.terms)
        self._term_trackers = _gan_keras.term_trackers(self.terms)

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
            _nets.discriminator_outputs(self.discriminator(fake, training=False))
        else:
            symbolic = _nets.symbolic_output(self.discriminator)  # checked now rather than in the first step
            if symbolic is not None:
                _nets.discriminator_outputs(symbolic)
        _nets.check_logits_activation(self.discriminator)
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
        return _nets.is_conditional(self.generator)

    @property
    def steps(self) -> int:
        """Training steps done (batches G was updated on): ``g_optimizer.iterations // g_steps``.

        Survives save/load and BackupAndRestore with the optimizer state; 0 before compile. Under
        mixed float16 a step whose gradients overflowed (skipped by the LossScaleOptimizer) is
        not counted.
        """
        if self.g_optimizer is None:
            return 0
        return int(ops.convert_to_numpy(self.g_optimizer.iterations)) // self.g_steps

    @property
    def optimizer(self):
        """Both players' optimizers behind one ``learning_rate`` (`kgan._gan_keras.PlayersOptimizer`), so
        Keras' ``ReduceLROnPlateau``/``LearningRateScheduler`` work: setting it keeps the D/G ratio."""
        return None if getattr(self, "d_optimizer", None) is None else _gan_keras.PlayersOptimizer(self)

    @optimizer.setter
    def optimizer(self, value):
        _gan_keras.refuse_optimizer(value)

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
        """Generate from latent vectors: ``gan(z)``, ``gan([z, condition])``, ``gan.predict(z)``."""
        _data_checks.check_latent_inputs(self, inputs)
        return self.generator(inputs, training=training)

    def generate_from(self, z, condition=None, training=False, update_state=True):
        """Run G on latent vectors ``z`` (and ``condition`` for conditional generators); returns a tensor."""
        return _nets.run(self.generator, z if condition is None else [z, condition], training, update_state)

    def discriminate(self, x, condition=None, training=False, update_state=True) -> dict:
        """D's outputs on ``x`` as a dict with at least ``"logits"``.

        ``update_state=False`` runs D in training mode without moving its non-trainable state
        (BatchNormalization statistics): the generator update uses it so that it changes G alone.
        """
        return _nets.discriminator_outputs(_nets.run(self.discriminator, x if condition is None else [x, condition], training, update_state))

    def _discriminate_pair(self, real, fake, condition, training, update_state=True, collect_losses=False):
        """D on the real and the fake batch: ``(d_real, d_fake, D's own losses from these calls)``.

        The losses (regularizers, activity losses) are collected only when asked and when D ran
        as a normal call (``update_state=True``). Keras clears a network's call losses at its next
        call, so a split call keeps the real batch's before running the fake one, and averages the
        two calls' losses: Keras' activity losses are batch means, and one joint call's mean over
        [real; fake] is the average of the two halves' means. Weight penalties count once.
        """
        if self._joint_d_call is None:
            self._joint_d_call = not any(_nets.is_batch_dependent(layer)
                                         for layer in _keras_private.flatten_layers(self.discriminator))
        collect = collect_losses and (update_state or not training)
        if not self._joint_d_call:
            d_real = self.discriminate(real, condition, training, update_state)
            real_losses = _nets.call_losses(self.discriminator) if collect else []
            d_fake = self.discriminate(fake, condition, training, update_state)
            if not collect:
                return d_real, d_fake, []
            calls = [0.5 * loss for loss in real_losses + _nets.call_losses(self.discriminator)]
            return d_real, d_fake, calls + _nets.weight_penalties(self.discriminator)
        # One call on [real; fake] halves the number of D calls when no layer mixes samples.
        n = ops.shape(real)[0]
        both = ops.concatenate([real, fake], axis=0)
        cond = None if condition is None else keras.tree.map_structure(lambda c: ops.concatenate([c, c], axis=0), condition)
        out = self.discriminate(both, cond, training, update_state)
        own = list(self.discriminator.losses) if collect else []
        return {k: v[:n] for k, v in out.items()}, {k: v[n:] for k, v in out.items()}, own

    def generate(self, n: int, seed=None, condition=None, batch_size: int = 1024, truncation=None, ema=None):
        """Draw ``n`` samples as a NumPy array.

        Args:
            n: number of samples.
            seed: int for a reproducible draw; None advances the GAN's own seed.
            condition: for conditional generators, ``n`` conditions.
            batch_size: samples generated per generator call (bounds memory).
            truncation: draw z from the Normal prior truncated to ``± truncation`` standard
                deviations (BigGAN's trick: less variety, more fidelity).
            ema: sample the averaged generator (``compile(ema=...)``); the default uses it when
                the GAN keeps one, ``False`` the live G.
        """
        n = positive_int(n, "n")
        _data_checks.check_generate_condition(n, condition, self._generator_needs_condition())
        generator = _gan_ema.sampling_generator(self, ema)
        seed_gen = self.seed_generator if seed is None else keras.random.SeedGenerator(seed)
        chunks = []
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            z = _gan_ema.sample_latent(self.latent, size, seed_gen, truncation)
            cond = None if condition is None else keras.tree.map_structure(
                lambda c, s=start, e=start + size: ops.convert_to_tensor(c[s:e]), condition)
            chunks.append(ops.convert_to_numpy(_nets.run(generator, z if cond is None else [z, cond], False, True)))
        return np.concatenate(chunks, axis=0)

    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit``; batches are real samples ``x`` or ``(x, condition)`` pairs.

        GAN-minded differences: no warning about ``shuffle`` for a ``tf.data`` pipeline (shuffle
        it in the pipeline); a warning when ``steps_per_epoch`` is not a multiple of
        ``steps_per_execution`` (Keras runs whole blocks); Keras' callbacks are made GAN-aware
        (``mode="auto"`` resolved for d_loss/g_loss/terms, ``TerminateOnNaN`` sees
        ``loss = d_loss + g_loss``: `kgan._gan_keras`).

        The data is checked before the first step (NumPy arrays whole, a ``tf.data`` pipeline on
        its first batch): empty data, NaN/inf, values outside the generator's output range (0-255
        pixels for a tanh generator), TFDS dicts and batches too small for the networks' batch
        statistics raise a ``ValueError`` that says how to fix them.
        """
        if _data_checks.is_dataset(x):
            kwargs.setdefault("shuffle", False)  # silences Keras' "shuffle=True will be ignored"
        if self.compiled:  # uncompiled: Keras' own error says to compile first
            batch_size = kwargs.get("batch_size", args[1] if len(args) > 1 else None)
            _data_checks.check_fit_data(self, x, kwargs.get("y", args[0] if args else None), batch_size,
                                        kwargs.get("steps_per_epoch"))
        _replicas.fit_execution_blocks(self, kwargs.get("steps_per_epoch"))
        args, kwargs = _gan_keras.prepare_fit_arguments(self, args, kwargs)  # Keras' callbacks, GAN-aware
        with _data_checks.explained_step_errors():
            return super().fit(x, *args, **kwargs)

    # ------------------------------------------------------------------ the step
    def _unpack(self, data):
        real, condition, _ = keras.utils.unpack_x_y_sample_weight(data)
        _data_checks.check_step_batch(self, real, condition)
        return ops.cast(real, self.compute_dtype), condition

    def _discriminator_step(self, real, condition, training, seeds) -> terms_lib.Step:
        """Everything the D update reads: fakes from a fresh z and D's outputs on both batches."""
        z = self.latent.sample(ops.shape(real)[0], seed=seeds)
        # G runs in training mode (BatchNorm on batch statistics, as in its own update) but keeps
        # its moving statistics: the D update changes D alone.
        fake = ops.stop_gradient(self.generate_from(z, condition, training=training, update_state=False))
        d_real, d_fake, own_losses = self._discriminate_pair(real, fake, condition, training, collect_losses=True)
        return terms_lib.Step(DISCRIMINATOR, real, fake, z, condition, d_real, d_fake, self, training, seeds,
                              network_losses=own_losses, loss_scale=_gan_keras.loss_scale(self.d_optimizer))

    def _generator_step(self, real, condition, training, seeds) -> terms_lib.Step:
        """Everything the G update reads: fakes that carry G's gradient and D's outputs on them."""
        z = self.latent.sample(ops.shape(real)[0], seed=seeds)
        fake = self.generate_from(z, condition, training=training)
        own_losses = list(self.generator.losses)  # G's regularizers and this call's activity losses
        # The GAN (subclass hook), a relativistic loss or a term may read D on real data here.
        if any(getattr(o, "needs_real_in_generator_phase", False) for o in (self, self.loss_fn, *self.terms)):
            d_real, d_fake, _ = self._discriminate_pair(real, fake, condition, training, update_state=False)
        else:
            d_real, d_fake = None, self.discriminate(fake, condition, training, update_state=False)
        return terms_lib.Step(GENERATOR, real, fake, z, condition, d_real, d_fake, self, training, seeds,
                              network_losses=own_losses, loss_scale=_gan_keras.loss_scale(self.g_optimizer))

    # ------------------------------------------------------------------ the public loss hooks
    def compute_discriminator_loss(self, step: terms_lib.Step):
        """D's loss for one update: adversarial loss + every term + D's own losses (regularizers).

        The one place to override for a new D objective; ``train_step`` and ``test_step`` both
        call it. ``step`` holds the real and generated batches and D's outputs on them
        (`kgan.terms.Step`); the default fills ``step.term_values`` with each term's value, which
        the metrics report.

        ```python
        class HalfLossGAN(kgan.GAN):
            def compute_discriminator_loss(self, step):
                return 0.5 * super().compute_discriminator_loss(step)
        ```
        """
        real, fake = (ops.cast(out["logits"], "float32") for out in (step.d_real, step.d_fake))  # float32 under mixed policies
        return self._with_terms(step, self.loss_fn.discriminator_loss(real, fake))

    def compute_generator_loss(self, step: terms_lib.Step):
        """G's loss for one update: adversarial loss + every term + G's own losses (regularizers).

        The generator-side twin of `compute_discriminator_loss`; ``step.fake`` carries G's
        gradient and ``step.d_fake`` holds D's outputs on it. A loss that sets
        ``needs_real_in_generator_phase`` (``"relativistic"``) also gets D's logits on the real batch.
        """
        fake = ops.cast(step.d_fake["logits"], "float32")
        if getattr(self.loss_fn, "needs_real_in_generator_phase", False):  # a relativistic loss pairs them
            adversarial = self.loss_fn.generator_loss(fake, ops.cast(step.d_real["logits"], "float32"))
        else:  # one argument, so custom losses written for the original interface keep working
            adversarial = self.loss_fn.generator_loss(fake)
        return self._with_terms(step, adversarial)

    def _with_terms(self, step, adversarial):
        replaced = any(step.phase in t.replaces_adversarial_loss for t in self.terms)
        total = ops.zeros_like(adversarial) if replaced else ops.cast(adversarial, "float32")
        for term in self.terms:
            if step.phase not in term.phases:
                continue
            value = term.loss(step.phase, step)
            if value is None:
                continue
            value = ops.cast(value, "float32")
            step.term_values[(id(term), step.phase)] = value
            total = total + term.weight * value
        for loss in step.network_losses:
            total = total + ops.cast(loss, "float32")
        return total

    def train_step(self, *args):
        """One batch: ``d_steps`` D updates, then ``g_steps`` G updates; returns the logs.

        TensorFlow (and Keras' stateful trainers) call ``train_step(data)``: `kgan._step_tf`.
        JAX calls ``train_step(state, data)`` and gets ``(logs, state)`` back: `kgan._step_jax`.
        """
        if keras.backend.backend() == "jax":
            return _step_jax.train_step(self, *args)
        return _step_tf.train_step(self, *args)

    def test_step(self, *args):
        """Losses and D's scores on held-out real data, without updates (``val_*`` in fit)."""
        if keras.backend.backend() == "jax":
            return _step_jax.test_step(self, *args)
        return _step_tf.test_step(self, *args)

    def _evaluate_batch(self, real, condition, seeds):
        """The body of ``test_step``, the same on every backend: both losses, no update."""
        d_step = self._discriminator_step(real, condition, False, seeds)
        d_loss = self.compute_discriminator_loss(d_step)
        g_step = self._generator_step(real, condition, False, seeds)
        g_loss = self.compute_generator_loss(g_step)
        return self._update_metrics(d_loss, g_loss, d_step, g_step)

    def _update_metrics(self, d_loss, g_loss, d_step, g_step):
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.mean(self.loss_fn.score(ops.cast(d_step.d_real["logits"], "float32"))))
        self.d_fake_tracker.update_state(ops.mean(self.loss_fn.score(ops.cast(d_step.d_fake["logits"], "float32"))))
        for key, value in {**d_step.term_values, **g_step.term_values}.items():
            if key not in self._term_trackers:
                raise ValueError("step.term_values holds the values of the GAN's terms, keyed as compute_*_loss "
                                 "writes them; to log another value, compute it in a kgan.terms.Term.")
            self._term_trackers[key].update_state(value)
        return _replicas.reducible({m.name: m.result() for m in self.metrics})
