"""Checks on the data handed to ``GAN.fit``, made before any training step runs.

A GAN fed the wrong data does not crash: it trains on garbage. A discriminator that sees
real images in [0, 255] and generated ones in [-1, 1] wins by range alone; a NaN in one
batch turns every weight into NaN. So ``fit`` looks at the data first:

* NumPy arrays are checked whole (it costs milliseconds);
* a ``tf.data.Dataset`` is checked on its first batch (one extra batch read), except for
  pipelines from `kgan.data.images`, whose loader has already checked every value;
* other inputs (``keras.utils.PyDataset``, Python generators) are left to the in-step checks
  and to `kgan.callbacks.TerminateOnNonFinite`.

Each failure raises a ``ValueError`` that names the problem and the fix (docs/errors.md).
"""

from __future__ import annotations

import contextlib
import re
import warnings

import keras
import numpy as np
import tensorflow as tf

from kgan import _keras_private, _nets, _replicas

VALIDATED_ATTR = "_kgan_value_range"  # kgan.data.images tags its datasets with their checked range


def output_range(model) -> tuple[float, float] | None:
    """The interval a model's final activation confines it to (tanh, sigmoid), else None.

    Looks through layers that only move values around (Reshape, Flatten, ...) to the last
    layer that computes them.
    """
    try:
        tensor = model.outputs[0]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    for _ in range(16):  # a short walk back; nets rarely end in more reshaping layers
        try:
            layer, node_index, _ = _keras_private.keras_history(tensor)
        except (AttributeError, TypeError, ValueError):
            return None
        if isinstance(layer, keras.Model):
            return output_range(layer)
        if isinstance(layer, _SHAPE_ONLY):
            inputs = _keras_private.node_inputs(layer, node_index)
            if len(inputs) != 1:
                return None
            tensor = inputs[0]
            continue
        activation = getattr(layer, "activation", None)
        if activation is keras.activations.tanh:
            return (-1.0, 1.0)
        if activation is keras.activations.sigmoid:
            return (0.0, 1.0)
        return None
    return None


_SHAPE_ONLY = (keras.layers.Reshape, keras.layers.Flatten, keras.layers.Permute, keras.layers.Cropping2D,
               keras.layers.Cropping1D, keras.layers.Identity)


def min_batch_size(gan) -> int:
    """The smallest batch the GAN's networks and terms can train on.

    Batch-dependent layers (BatchNormalization on (batch, features) tensors, minibatch discrimination)
    turn a batch of one into constants; a term may ask for more with ``min_batch_size``.
    """
    needed = max([1] + [int(getattr(term, "min_batch_size", 1)) for term in gan.terms])
    for net in (gan.generator, gan.discriminator):
        if any(_needs_two_samples(layer) for layer in _keras_private.flatten_layers(net)):
            needed = max(needed, 2)
    return needed * _replicas.replica_count(gan)  # each replica gets a slice


def _needs_two_samples(layer) -> bool:
    if getattr(layer, "batch_dependent", False):  # MinibatchDiscrimination: compares samples
        return True
    if isinstance(layer, keras.layers.BatchNormalization):
        # On (batch, features) one sample's statistics are the sample itself: the output is beta.
        # After a convolution they span H x W too, and batch-1 training (pix2pix) is valid.
        try:
            return len(layer.input.shape) == 2
        except (AttributeError, ValueError):  # subclassed models: the input is unknown
            return False
    return False


def check_generate_condition(n: int, condition, conditional: bool) -> None:
    """``generate(n, condition=...)``: one condition per sample, for conditional generators only."""
    if condition is None:
        if conditional:
            raise ValueError("This GAN's generator is conditional: pass condition=... (one per sample) to generate().")
        return
    rows = {len(c) for c in tf.nest.flatten(condition)}
    if rows != {n}:
        raise ValueError(f"generate(n={n}) got conditions with {sorted(rows)} rows: pass one condition per sample "
                         f"(condition[:{n}], or n=len(condition)).")


def is_dataset(x) -> bool:
    """Whether ``x`` is a ``tf.data.Dataset`` (fit's input on any backend).

    ```python
    is_dataset(tf.data.Dataset.range(3))   # True; a NumPy array: False
    ```
    """
    return isinstance(x, tf.data.Dataset)


def check_fit_data(gan, x, y=None, batch_size=None, steps_per_epoch=None) -> None:
    """Raise a clear ``ValueError`` for data that would make ``gan.fit`` train on garbage (or never end)."""
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError(f"fit(batch_size={batch_size!r}): the batch size must be a positive integer, e.g. 64.")
    if isinstance(x, (list, tuple)) and not isinstance(x, str):
        raise ValueError(
            f"GAN.fit got x as a {type(x).__name__} of {len(x)} item(s); it takes one array (or tensor, or "
            "dataset) of real samples, with conditions as y: gan.fit(x) or gan.fit(x, condition)."
        )
    if isinstance(x, tf.data.Dataset):
        if steps_per_epoch is None and x.cardinality() == tf.data.INFINITE_CARDINALITY:
            raise ValueError(
                "The dataset repeats forever (.repeat() with no count) and fit got no steps_per_epoch: the "
                "first epoch would never end, so no epoch-end callback (checkpoints, sample grids) would "
                "ever run. Pass steps_per_epoch=N (e.g. n_samples // batch_size), or drop .repeat() and "
                "let epochs=... go over the data again."
            )
        _check_dataset(gan, x)
    elif isinstance(x, np.ndarray) or (tf.is_tensor(x) and hasattr(x, "numpy")):
        _check_array(gan, np.asarray(x), batch_size or 32)  # 32: Keras' default batch size for arrays
    _check_conditions(gan, y)


@contextlib.contextmanager
def explained_step_errors():
    """Turn TensorFlow's errors for bad data met mid-training (after the checked first batch) into kgan's."""
    try:
        yield
    except tf.errors.InvalidArgumentError as err:
        found = re.search(r"indices\[[^\]]*\] = (-?\d+) is not in \[0, (\d+)\)", str(err))
        if found is None:
            raise
        value, size = int(found.group(1)), int(found.group(2))
        fix = f", or build the Embedding with input_dim >= {value + 1}." if value >= 0 else " (never negative)."
        raise ValueError(
            f"A batch met during training holds the label {value}, outside an Embedding's range 0..{size - 1} "
            f"(fit checks a pipeline's first batch only). Map the labels to 0..{size - 1} in the pipeline{fix}"
        ) from None


def _non_finite_rows(x: np.ndarray) -> np.ndarray:
    """Indices of the samples (rows) of a float array that hold NaN/inf; empty for other dtypes."""
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.complexfloating)):
        return np.array([], dtype=int)
    finite = np.isfinite(x)
    if finite.all():
        return np.array([], dtype=int)
    return np.flatnonzero(~finite.reshape(len(x), -1).all(axis=1)) if x.ndim else np.array([0])


def _check_conditions(gan, y, what="The conditions (y)") -> None:
    """NaN/inf, or integer labels an Embedding cannot look up: both would go unnoticed or crash deep in TF."""
    for part in tf.nest.flatten(y) if y is not None else ():
        if isinstance(part, np.ndarray) or (tf.is_tensor(part) and hasattr(part, "numpy")):
            part = np.asarray(part)
            bad = _non_finite_rows(part)
            if bad.size:
                raise ValueError(f"{what} hold NaN/inf in {len(bad)} row(s), first at index {bad[0]}: "
                                 "fix or drop those samples (e.g. keep = np.isfinite(y).all(axis=1)).")
            _check_label_range(gan, part, what)


def _condition_embeddings(gan):
    """(role, Embedding layer) for each Embedding fed directly by G's or D's condition input."""
    found = []
    for role, net in (("the generator", gan.generator), ("the discriminator", gan.discriminator)):
        if not _nets.is_conditional(net):
            continue
        condition = net.inputs[-1]
        for layer in net.layers:
            try:
                fed = isinstance(layer, keras.layers.Embedding) and layer.input is condition
            except (AttributeError, ValueError):  # a layer called more than once has no single input
                fed = False
            if fed:
                found.append((role, layer))
    return found


def _check_label_range(gan, labels: np.ndarray, what) -> None:
    """An out-of-range label makes an Embedding raise deep in TensorFlow on CPU (and read zeros on GPU)."""
    if not np.issubdtype(labels.dtype, np.integer) or labels.size == 0:
        return
    for role, layer in _condition_embeddings(gan):
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= layer.input_dim:
            value = low if low < 0 else high
            index = int(np.flatnonzero((labels < 0) | (labels >= layer.input_dim))[0] // max(1, labels[0].size))
            raise ValueError(
                f"{what} hold the label {value} (first bad one at index {index}), but {role}'s Embedding "
                f"{layer.name!r} has input_dim={layer.input_dim}, i.e. labels 0..{layer.input_dim - 1}. Map the "
                f"labels to 0..{layer.input_dim - 1} (e.g. np.unique(y, return_inverse=True)[1]), or build the "
                f"Embedding with input_dim >= {high + 1}."
            )


def _check_dataset(gan, dataset):
    checked_range = getattr(dataset, VALIDATED_ATTR, None)
    if checked_range is not None:  # values known finite, in this range: check the range alone
        _check_range(gan, np.asarray(checked_range, "float32"), "The dataset (kgan.data.images)")
        return
    try:
        first = next(iter(dataset))
    except StopIteration:
        raise ValueError(
            "The dataset is empty: it yields no batches, so fit would train for zero steps. Check "
            "its source and any filter()/take(); with batch(..., drop_remainder=True) it needs at "
            "least one full batch."
        ) from None
    x = first[0] if isinstance(first, (tuple, list)) else first
    if isinstance(first, (tuple, list)) and len(first) > 1:
        _check_conditions(gan, first[1], "The dataset's first batch of conditions")
    if isinstance(x, dict):
        raise ValueError(_dict_batches_message(x))
    if not hasattr(x, "shape"):
        return  # the step explains what it expects
    x = np.asarray(x)
    _check_batched(gan, x.shape)
    _check_values(gan, x, "The dataset's first batch")
    _check_batch_size(gan, x.shape[0], "The dataset's batches hold {n} sample(s)",
                      "batch the dataset with dataset.batch(N, drop_remainder=True)")


def _check_array(gan, x, batch_size):
    if x.shape[:1] == (0,) or x.size == 0:
        raise ValueError(f"x holds no samples (shape {x.shape}): fit would train for zero steps. Pass the training data.")
    _check_values(gan, x, "x")
    _check_batch_size(gan, min(batch_size, len(x)), "batch_size={n}", "pass a larger batch_size to fit")
    remainder, needed = len(x) % batch_size, min_batch_size(gan)
    if 0 < remainder < needed:
        warnings.warn(
            f"The last batch of each epoch holds {remainder} sample(s) ({len(x)} samples, batch_size="
            f"{batch_size}), fewer than the {needed} this GAN's batch-dependent layers or terms need. "
            f"Drop them (x = x[:{len(x) - remainder}]) or pick a batch_size that divides {len(x)}.",
            stacklevel=4,
        )


def _check_batched(gan, shape):
    expected = _nets.static_shape(gan.discriminator)
    if expected is None:
        return
    want = tuple(expected[1:])
    compatible = all(w is None or w == s for s, w in zip(shape, want, strict=False))
    if len(shape) == len(want) and len(want) > 0 and compatible:
        raise ValueError(
            f"The dataset yields single samples of shape {tuple(shape)}, not batches: call "
            "dataset.batch(batch_size, drop_remainder=True) before fit."
        )


def _check_values(gan, x, what):
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise ValueError(f"{what} has dtype {x.dtype}; a GAN trains on numbers. Convert it, e.g. x.astype('float32').")
    bad_rows = _non_finite_rows(x)
    if bad_rows.size:
        raise ValueError(
            f"{what} contains {int((~np.isfinite(x)).sum())} NaN or infinite value(s), in {len(bad_rows)} "
            f"sample(s) (first at index {int(bad_rows[0])}). One such value turns every weight into "
            "NaN: drop or impute those samples first, e.g. x = x[np.isfinite(x).reshape(len(x), -1).all(axis=1)]."
        )
    _check_range(gan, x, what)


def _check_range(gan, x, what):
    bounds = output_range(gan.generator)
    if bounds is None or x.size == 0:
        if x.dtype == np.uint8:
            warnings.warn(
                f"{what} is uint8 (0-255 pixels?) and is fed to the discriminator as is. GANs train on "
                "scaled values: x = x / 127.5 - 1 for a tanh generator (kgan.data.images does this).",
                stacklevel=5,
            )
        return
    low, high = float(np.min(x)), float(np.max(x))
    margin = 0.05 * (bounds[1] - bounds[0])  # resampling and float rounding overshoot a little
    if low >= bounds[0] - margin and high <= bounds[1] + margin:
        if bounds == (-1.0, 1.0) and low >= 0.0 and high > 0.5:
            warnings.warn(  # legal, G can learn it, but half its range is wasted: usually x / 255
                f"{what} lies in [{low:g}, {high:g}] while the generator's tanh covers [-1, 1]. If these "
                "are [0, 1] pixels, scale them with x * 2 - 1 so that G's full range is used.",
                stacklevel=5,
            )
        return
    raise ValueError(
        f"{what} lies in [{low:g}, {high:g}], but the generator's final activation outputs values in "
        f"[{bounds[0]:g}, {bounds[1]:g}]: the discriminator would tell real from fake by range alone. "
        f"{_rescale_hint(low, high, bounds)}"
    )


def _rescale_hint(low, high, bounds):
    target = "[-1, 1]" if bounds == (-1.0, 1.0) else "[0, 1]"
    if low >= 0 and high > 1.5 and high <= 255:
        formula = "x / 127.5 - 1" if bounds == (-1.0, 1.0) else "x / 255"
        return f"It looks like 0-255 pixels: scale them with {formula} (kgan.data.images does this for you)."
    if bounds == (-1.0, 1.0) and low >= 0 and high <= 1:
        return "It looks like [0, 1] data: scale it with x * 2 - 1."
    return (f"Rescale the data to {target} (e.g. min-max scaling), or give the generator an output "
            "layer without a bounded activation.")


def _check_batch_size(gan, n, what, fix):
    needed = min_batch_size(gan)
    if n < needed:
        raise ValueError(
            f"{what.format(n=n)}, but this GAN needs at least {needed} per step: batch-dependent "
            "layers (BatchNormalization, MinibatchDiscrimination) or its terms compare the samples of "
            f"a batch, and replicas split it. Fix: {fix} (at least {needed})."
        )


def check_latent_matches_generator(gan) -> None:
    """The prior's sample shape must be what the generator's first input takes."""
    shape = _nets.static_shape(gan.generator)  # the latent input comes first
    if shape is None or len(shape) < 2:
        return
    expected = tuple(shape[1:])
    if expected != tuple(gan.latent.shape) and None not in expected:
        raise ValueError(
            f"The latent prior {gan.latent!r} draws vectors of shape {gan.latent.shape}, "
            f"but the generator expects inputs of shape {expected}. Use "
            f"latent=kgan.latent.Normal({expected[-1]}) (or another prior of that "
            "dimension), or change the generator's Input."
        )


def check_networks(gan) -> None:
    """At ``GAN(...)``: the prior fits G's input and G's samples fit D's input."""
    check_latent_matches_generator(gan)
    want, made = _nets.static_shape(gan.discriminator), _nets.symbolic_output(gan.generator)
    made = getattr(made, "shape", None)  # None for subclassed nets or several outputs
    if want is None or made is None:
        return
    want, made = tuple(want[1:]), tuple(made[1:])
    if len(want) != len(made) or any(w is not None and m is not None and w != m
                                     for w, m in zip(want, made, strict=True)):
        raise ValueError(
            f"The generator makes samples of shape {made}, but the discriminator takes {want}: D scores "
            "real and generated samples alike, so it must take what G makes. Build D with "
            f"keras.Input({made}) or change G's output layers (e.g. image size or channels) to {want}."
        )


def _check_sample_shape(gan, real) -> None:
    expected = _nets.static_shape(gan.discriminator)
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


def _dict_batches_message(batch) -> str:
    keys = sorted(batch)
    return (f"GAN.fit takes batches of real samples x, or (x, condition) pairs; the data yields dicts (keys: "
            f"{keys}), as TensorFlow Datasets does. Turn it into scaled image batches with "
            f"kgan.data.images(dataset, batch_size=64{', labels=True' if 'label' in keys else ''}), or map it: "
            "dataset.map(lambda d: d['image']).")


def check_latent_inputs(gan, inputs) -> None:
    """``gan(inputs)``/``gan.predict(inputs)`` run G: refuse a batch shaped like D's input, not like z."""
    z = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    want, d_shape = getattr(gan.latent, "shape", None), _nets.static_shape(gan.discriminator)
    try:
        got = tuple(z.shape)[1:]
    except (AttributeError, TypeError, ValueError):
        return
    if want is None or isinstance(z, dict) or (len(got) == len(want) and all(
            g is None or g == w for g, w in zip(got, want, strict=True))):
        return
    looks_real = d_shape is not None and len(got) == len(d_shape) - 1 and all(
        w is None or w == g for g, w in zip(got, d_shape[1:], strict=True))
    raise ValueError(
        f"Calling the GAN (gan(z), gan.predict(z)) runs the generator on latent vectors of shape (n, "
        f"{', '.join(map(str, want))}); got a batch of shape (n, {', '.join(map(str, got))})"
        f"{', shaped like real samples' if looks_real else ''}. To score samples use gan.discriminate(x); to "
        "draw samples use gan.generate(n) (or gan.predict(gan.latent.sample(n)))."
    )


def check_step_batch(gan, real, condition) -> None:
    """A batch inside ``train_step``/``test_step``: real samples of D's shape, a condition iff G takes one."""
    if isinstance(real, dict):
        raise ValueError(_dict_batches_message(real))
    if condition is None and _nets.is_conditional(gan.generator):
        raise ValueError(
            "This GAN's generator is conditional ([z, condition] inputs) but the data has no "
            "condition: fit on (x, condition) pairs, e.g. fit(x, labels) or a dataset of (x, y)."
        )
    if condition is not None and _nets.input_count(gan.generator) == 1:
        raise ValueError(
            "The data yields (x, condition) pairs, but the generator takes only the latent z. "
            "Drop the labels (dataset.map(lambda x, y: x), or fit(x) without y), or build a "
            "conditional generator and discriminator with inputs [z, condition] and [x, condition]."
        )
    _check_sample_shape(gan, real)
