"""What gets exported: a GAN or generator, with its prior, as signature functions and their input specs.

Private. `Exported` is the one view of the model that both exporters share: the SavedModel
exporter (`kgan.export.saved_model`) turns its `Exported.endpoints` into signatures and its
`Exported.example_inputs` into warm-up requests; the ONNX exporter (`kgan.export.onnx`) uses its
input specs and `Exported.images` outputs. InfoGAN's named code inputs are built here too,
since they only make sense next to the signatures that take them.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kgan import _gan_ema, _nets
from kgan.export._names import (
    BATCH_SIZE,
    CODES_SIGNATURE,
    CONDITION,
    DEFAULT_SIGNATURE,
    IMAGES,
    IMAGES_UINT8,
    LATENT,
    NOISE,
    SAMPLE_CODES_SIGNATURE,
    SAMPLE_SIGNATURE,
    SCALAR_SIGNATURES,
    SEED,
)
from kgan.export._priors import checked_prior, latent_sampler, prior_object
from kgan.gan import GAN
from kgan.latent import InfoCode
from kgan.latent import get as get_latent
from kgan.pixels import tensor_to_uint8


class Exported:
    """The generator, its prior (or None) and the input specs of the signatures."""

    def __init__(self, model, prior):
        if isinstance(model, GAN):  # the averaged generator when the GAN keeps one (compile(ema=...))
            generator, prior = _gan_ema.sampling_generator(model), model.latent if prior is None else prior
        elif isinstance(model, keras.Model):
            generator = model
            if problem := _nets.not_a_generator(model, f"The model {model.name!r}"):
                raise ValueError(problem)
        else:
            raise TypeError(f"Export a kgan.GAN or a generator keras.Model, got {type(model).__name__}.")
        specs = _input_specs(generator, prior)
        self.generator = generator
        self.latent_spec = specs[0]
        self.condition_spec = specs[1] if len(specs) > 1 else None
        self.prior = None if prior is None else checked_prior(prior, self.latent_spec)
        self.code = self.prior if isinstance(self.prior, InfoCode) else None

    def images(self, latent, condition=None):
        """Both outputs for a latent batch; BatchNormalization and Dropout in inference mode."""
        inputs = latent if condition is None else [latent, condition]
        images = self.generator(inputs, training=False)
        if not tf.is_tensor(images):
            raise ValueError(
                f"The generator returned a {type(images).__name__}; export needs one image tensor. "
                "Export a generator whose output is the images."
            )
        images = tf.cast(images, tf.float32)
        return {IMAGES: images, IMAGES_UINT8: tensor_to_uint8(images)}

    def endpoints(self):
        """(name, function, input specs) of every signature, ``serving_default`` first."""
        cond = [] if self.condition_spec is None else [self.condition_spec]
        found = [(DEFAULT_SIGNATURE, lambda latent, *c: self.images(latent, *c), [self.latent_spec, *cond])]
        if self.prior is None:
            return found
        draw = latent_sampler(self.prior)
        scalars = [tf.TensorSpec([], tf.int32, name=BATCH_SIZE), tf.TensorSpec([], tf.int64, name=SEED)]

        def sample(batch_size, seed, *c):
            batch_size = _checked_batch_size(batch_size, c)
            return self.images(draw(batch_size, seed), *c)

        found.append((SAMPLE_SIGNATURE, sample, scalars + cond))
        if self.code is None:
            return found
        code_specs = _code_specs(self.code)
        noise_spec = [tf.TensorSpec([None, self.code.noise], tf.float32, name=NOISE)] if self.code.noise else []

        def codes(*args):
            noise = args[0] if self.code.noise else None
            given, c = _split_codes(code_specs, args[len(noise_spec):])
            return self.images(_flat_code(self.code, noise, given), *c)

        def sample_codes(batch_size, seed, *args):
            given, c = _split_codes(code_specs, args)
            batch_size = _checked_batch_size(batch_size, list(given.values()) + c)
            noise = self.code.split(draw(batch_size, seed))["noise"]  # the noise prior.sample(fixed=codes) draws
            return self.images(_flat_code(self.code, noise, given), *c)

        found.append((CODES_SIGNATURE, codes, noise_spec + code_specs + cond))
        found.append((SAMPLE_CODES_SIGNATURE, sample_codes, scalars + code_specs + cond))
        return found

    def example_inputs(self, signature, batch_size):
        """The inputs of one warm-up request: zero latents (seed 0), zero codes and conditions."""
        inputs = {}
        if signature in SCALAR_SIGNATURES:
            inputs = {BATCH_SIZE: np.int32(batch_size), SEED: np.int64(0)}
        if signature == DEFAULT_SIGNATURE:
            inputs[LATENT] = np.zeros((batch_size, *self.latent_spec.shape[1:]), np.float32)
        if signature == CODES_SIGNATURE and self.code.noise:
            inputs[NOISE] = np.zeros((batch_size, self.code.noise), np.float32)
        if signature in (CODES_SIGNATURE, SAMPLE_CODES_SIGNATURE):
            inputs.update({s.name: np.zeros(batch_size, s.dtype.as_numpy_dtype) for s in _code_specs(self.code)})
        if self.condition_spec is not None:
            shape = (batch_size, *(d or 1 for d in self.condition_spec.shape[1:]))
            inputs[CONDITION] = np.zeros(shape, self.condition_spec.dtype.as_numpy_dtype)
        return inputs


def _checked_batch_size(batch_size, per_image):
    """``batch_size``, once checked against the first dimension of the per-image inputs."""
    checks = [tf.debugging.assert_equal(batch_size, tf.shape(t, out_type=batch_size.dtype)[0],
                                        message=f"batch_size must equal the length of {t.name.split(':')[0]}")
              for t in per_image]
    with tf.control_dependencies(checks):  # checked before drawing, for a clear message
        return tf.identity(batch_size)


def _code_specs(code):
    """InfoGAN's codes as named per-image inputs: ``cat0, ...`` (int32 class) and ``cont0, ...`` (float32)."""
    return [tf.TensorSpec([None], tf.int32 if name.startswith("cat") else tf.float32, name=name)
            for name in code.code_names]


def _split_codes(code_specs, args):
    """(``{code name: tensor}``, [condition] or []) from a signature's positional inputs."""
    return dict(zip((s.name for s in code_specs), args, strict=False)), list(args[len(code_specs):])


def _flat_code(code, noise, given):
    """InfoCode's flat latent ``[noise | one-hot categorical | continuous]`` from named parts."""
    parts, checks = ([noise] if code.noise else []), []
    for i, k in enumerate(code.categorical):
        cat = given[f"cat{i}"]
        checks.append(tf.debugging.assert_less(cat, k, message=f"cat{i} must be a class index below {k}"))
        checks.append(tf.debugging.assert_non_negative(cat, message=f"cat{i} must be a class index >= 0"))
        parts.append(tf.one_hot(cat, k, dtype=tf.float32))
    if code.continuous:
        parts.append(tf.stack([given[f"cont{j}"] for j in range(code.continuous)], axis=-1))
    with tf.control_dependencies(checks):
        return tf.concat(parts, axis=-1)


def _input_specs(generator, prior):
    """``[latent spec]`` or ``[latent spec, condition spec]``, from the generator's Keras inputs (or the prior)."""
    try:
        inputs = list(generator.inputs or [])
    except (AttributeError, ValueError):  # a subclassed model: no symbolic inputs
        inputs = []
    if not inputs:
        if prior is None or not generator.built:
            raise ValueError(
                f"Cannot tell the inputs of the generator {generator.name!r}: build it with keras.Input "
                "(functional or Sequential), or call it once and pass prior=... so its latent size is known."
            )
        return [tf.TensorSpec([None, *get_latent(prior_object(prior, None)).shape], tf.float32, name=LATENT)]
    if len(inputs) > 2:
        raise NotImplementedError(
            f"The generator {generator.name!r} takes {len(inputs)} inputs; export supports [latent] and "
            "[latent, condition]. Concatenate the extra inputs into one condition tensor."
        )
    latent = tf.TensorSpec([None, *inputs[0].shape[1:]], tf.float32, name=LATENT)
    if None in latent.shape[1:]:
        raise ValueError(f"The generator's latent input has an unknown size {tuple(inputs[0].shape)}; give it a fixed one.")
    specs = [latent]
    if len(inputs) == 2:
        specs.append(tf.TensorSpec([None, *inputs[1].shape[1:]], tf.as_dtype(inputs[1].dtype), name=CONDITION))
    return specs
