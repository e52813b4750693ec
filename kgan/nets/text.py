"""Networks for text-to-image GANs (Reed et al. 2016, GAN-INT-CLS), taking raw caption strings.

Each network carries its own text encoder: a ``keras.layers.TextVectorization``
(the vocabulary, saved inside the ``.keras`` file) + ``Embedding`` + a GRU
(or a 1-D convolution), then a dense layer with LeakyReLU that compresses the
sentence to ``text_dim`` numbers, as the paper compresses its embedding
before conditioning. The encoders train with the GAN: G's through the
generator loss, D's through the matching-aware discriminator loss. Two
encoders instead of one shared: a shared one would be updated by both
optimizers (a Keras optimizer binds to the variables it first sees).

```python
vocab = kgan.nets.text_vectorizer(train_captions).get_vocabulary()
G = kgan.nets.text_conditional_generator((28, 28, 1), vocab, latent_dim=100, width=32)
D = kgan.nets.matching_aware_discriminator((28, 28, 1), vocab, width=32)
G([z, tf.constant(["a pair of trousers"])])       # -> (1, 28, 28, 1) in [-1, 1]
D([images, captions])                             # -> {"logits": (n, 1), "features": (n, k)}
```

Both are functional models with two nested models, ``"text_encoder"``
(strings -> ``(n, text_dim)``) and a body (``"generator_body"``: ``[z, t]`` ->
image; ``"discriminator_body"``: ``[image, t]`` -> outputs), so that
`kgan.terms.TextInterpolation` and `kgan.apps.text_to_image.interpolate` can
work on the text embeddings directly.
"""

from __future__ import annotations

import keras

from kgan import _keras_private
from kgan._nets import DISCRIMINATOR_BODY, GENERATOR_BODY, TEXT_ENCODER  # noqa: F401 (the nested models' names)
from kgan.nets import dcgan as dcgan_nets

__all__ = [
    "DISCRIMINATOR_HEADS",
    "ENCODER_KINDS",
    "matching_aware_discriminator",
    "text_conditional_generator",
    "text_encoder",
    "text_vectorizer",
    "vocabulary_of",
]

ENCODER_KINDS = ("gru", "conv")
DISCRIMINATOR_HEADS = ("concat", "projection")
VECTORIZER = "text_vectorizer"
_RESERVED = ("", "[UNK]")  # TextVectorization's padding and out-of-vocabulary tokens


def _init(seed, index):
    return keras.initializers.RandomNormal(0.0, 0.02, seed=None if seed is None else seed + index)


def text_vectorizer(captions=None, *, vocabulary=None, max_tokens: int | None = 2000, sequence_length: int = 16,
                    name: str = VECTORIZER) -> keras.layers.TextVectorization:
    """A ``TextVectorization`` layer: lower-cases, strips punctuation, splits on spaces, maps words to ids.

    Give either ``captions`` (any iterable of strings or a ``tf.data`` dataset
    of strings: the vocabulary is learnt from them with ``adapt``) or a
    ``vocabulary`` (a list of words, e.g. another layer's
    ``get_vocabulary()``). Id 0 pads, id 1 is the out-of-vocabulary token
    ``[UNK]``; captions become ``sequence_length`` ids (longer ones are cut).
    """
    if (captions is None) == (vocabulary is None):
        raise ValueError("Pass either captions=... (to learn the vocabulary) or vocabulary=[...] (a word list).")
    if int(sequence_length) < 1:
        raise ValueError(f"sequence_length must be >= 1, got {sequence_length}.")
    if vocabulary is not None:
        words = [w for w in vocabulary if w not in _RESERVED]
        if not words:
            raise ValueError("The vocabulary has no words.")
        return keras.layers.TextVectorization(max_tokens=None, output_sequence_length=int(sequence_length),
                                              vocabulary=words, name=name)
    layer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=int(sequence_length), name=name)
    if isinstance(captions, str):
        raise TypeError("captions must be a list of strings (or a dataset), not one string.")
    import tensorflow as tf

    if not isinstance(captions, tf.data.Dataset):
        captions = [str(c) for c in captions]
        if not any(c.strip() for c in captions):
            raise ValueError("No captions to learn a vocabulary from.")
    layer.adapt(captions)
    if layer.vocabulary_size() <= len(_RESERVED):
        raise ValueError("The captions contain no words: cannot learn a vocabulary.")
    # Rebuild from the word list: the vocabulary then lives in the layer's config too.
    return text_vectorizer(vocabulary=layer.get_vocabulary(), sequence_length=sequence_length, name=name)


def vocabulary_of(model) -> list[str]:
    """The words a text network (or a text-to-image GAN) knows, without the padding and OOV tokens."""
    net = getattr(model, "generator", model)
    layer = _find_vectorizer(net)
    return [str(w) for w in layer.get_vocabulary() if w not in _RESERVED]


def _find_vectorizer(model):
    for layer in _keras_private.flatten_layers(model, include_self=True):
        if isinstance(layer, keras.layers.TextVectorization):
            return layer
    raise ValueError(f"{getattr(model, 'name', model)!r} has no TextVectorization layer: it is not a text network.")


def text_encoder(vocabulary, *, sequence_length: int = 16, embedding_dim: int = 32, units: int = 64,
                 text_dim: int = 64, kind: str = "gru", seed: int | None = None, name: str = TEXT_ENCODER) -> keras.Model:
    """Caption strings ``(n,)`` -> embeddings ``(n, text_dim)``.

    ``TextVectorization`` -> ``Embedding`` -> ``GRU(units)`` over the words
    (padding masked; ``kind="conv"``: ``Conv1D(units, 3)`` + global max pooling)
    -> ``Dense(text_dim)`` + LeakyReLU(0.2).

    Args:
        vocabulary: a word list, or a ``TextVectorization`` layer to copy it from.
    """
    if kind not in ENCODER_KINDS:
        raise ValueError(f"kind must be one of {ENCODER_KINDS}, got {kind!r}.")
    for arg, value in (("embedding_dim", embedding_dim), ("units", units), ("text_dim", text_dim)):
        if int(value) < 1:
            raise ValueError(f"{arg} must be >= 1, got {value}.")
    if isinstance(vocabulary, keras.layers.TextVectorization):
        sequence_length = vocabulary.get_config()["output_sequence_length"] or sequence_length
        vocabulary = vocabulary.get_vocabulary()
    vectorizer = text_vectorizer(vocabulary=list(vocabulary), sequence_length=sequence_length)
    captions = keras.Input((), dtype="string", name="caption")
    ids = vectorizer(captions)
    embedded = keras.layers.Embedding(vectorizer.vocabulary_size(), int(embedding_dim), mask_zero=kind == "gru",
                                      embeddings_initializer=keras.initializers.RandomUniform(
                                          -0.05, 0.05, seed=None if seed is None else seed + 100),
                                      name="word_embedding")(ids)
    if kind == "gru":
        # The mask skips padding, so "a bag" and "a bag" + 14 pads read the same.
        sentence = keras.layers.GRU(int(units), seed=seed, name="gru")(embedded)
    else:
        x = keras.layers.Conv1D(int(units), 3, padding="same", activation="relu", name="conv")(embedded)
        sentence = keras.layers.GlobalMaxPooling1D(name="max_over_words")(x)
    t = keras.layers.Dense(int(text_dim), kernel_initializer=_init(seed, 101), name="compress")(sentence)
    t = keras.layers.LeakyReLU(negative_slope=0.2, name="text_embedding")(t)
    return keras.Model(captions, t, name=name)


def text_conditional_generator(image_shape, vocabulary, latent_dim: int = 100, width: int = 64, *,
                               text_dim: int = 64, embedding_dim: int = 32, units: int = 64, kind: str = "gru",
                               sequence_length: int = 16, seed: int | None = None,
                               name: str = "text_generator") -> keras.Model:
    """G: ``[z (n, latent_dim), captions (n,) strings]`` -> images in [-1, 1].

    The text embedding is concatenated to ``z`` and fed to a DCGAN generator
    (`kgan.nets.dcgan_generator` with a ``latent_dim + text_dim`` input), as in
    Reed et al.
    """
    encoder = text_encoder(vocabulary, sequence_length=sequence_length, embedding_dim=embedding_dim, units=units,
                           text_dim=text_dim, kind=kind, seed=seed)
    core = dcgan_nets.dcgan_generator(image_shape, int(latent_dim) + int(text_dim), width, seed=seed,
                                      name="dcgan_generator")
    z_body, t_body = keras.Input((int(latent_dim),), name="latent"), keras.Input((int(text_dim),), name="text")
    body = keras.Model([z_body, t_body], core(keras.layers.Concatenate(name="z_and_text")([z_body, t_body])),
                       name=GENERATOR_BODY)
    z, captions = keras.Input((int(latent_dim),), name="latent"), keras.Input((), dtype="string", name="caption")
    return keras.Model([z, captions], body([z, encoder(captions)]), name=name)


def matching_aware_discriminator(image_shape, vocabulary, width: int = 64, *, text_dim: int = 64,
                                 embedding_dim: int = 32, units: int = 64, kind: str = "gru",
                                 sequence_length: int = 16, seed: int | None = None, head: str = "concat",
                                 joint_dim: int | None = None,
                                 name: str = "matching_aware_discriminator") -> keras.Model:
    """D: ``[images, captions (n,) strings]`` -> ``{"logits": (n, 1), "features": (n, k)}``.

    DCGAN convolutions bring the image to a 7x7 (28x28 input) or 4x4 map.
    ``head="concat"`` (Reed et al.): the text embedding is replicated over that
    map and concatenated along the channels, a 1x1 convolution mixes image and
    text, and one logit scores "real image that matches its caption".
    ``head="projection"`` (Miyato & Koyama 2018): the logit is
    ``w . phi(x) + <V t, phi(x)>``, an unconditional score plus the inner
    product of the image features with a projection of the text (the
    conditioning of SN-GAN and BigGAN's discriminators).
    Trained with `kgan.terms.MatchingAware`, either learns to reject real
    images paired with the wrong caption.

    ``joint_dim=k`` adds two outputs for `kgan.terms.ContrastiveMatching`:
    ``"image_embedding"`` (a linear map of the image features) and
    ``"text_embedding"`` (a linear map of the caption's embedding), both ``(n, k)``.
    """
    if head not in DISCRIMINATOR_HEADS:
        raise ValueError(f"head must be one of {DISCRIMINATOR_HEADS}, got {head!r}.")
    encoder = text_encoder(vocabulary, sequence_length=sequence_length, embedding_dim=embedding_dim, units=units,
                           text_dim=text_dim, kind=kind, seed=None if seed is None else seed + 500)
    d_seed = None if seed is None else seed + 1000
    dcgan = dcgan_nets.dcgan_discriminator(image_shape, width, seed=d_seed)
    stages = dcgan_nets._LAYOUT[int(image_shape[0])][1]
    image_trunk = keras.Model(dcgan.input, dcgan.get_layer(f"down{stages}_act").output, name="image_trunk")
    images, t = keras.Input(tuple(int(d) for d in image_shape), name="image"), keras.Input((int(text_dim),), name="text")
    feature_map = image_trunk(images)
    size, channels = int(feature_map.shape[1]), int(feature_map.shape[-1])
    if head == "projection":
        features = keras.layers.Flatten(name="features")(feature_map)
        unconditional = keras.layers.Dense(1, kernel_initializer=_init(d_seed, 51), name="unconditional")(features)
        projected = keras.layers.Dense(features.shape[-1], use_bias=False, kernel_initializer=_init(d_seed, 52),
                                       name="text_projection")(t)
        matching = keras.layers.Dot(axes=1, name="text_match")([features, projected])
        logits = keras.layers.Add(dtype="float32", name="logits")([unconditional, matching])
        outputs = {"logits": logits, "features": features, **_joint(features, t, joint_dim, d_seed)}
        return _with_encoder(keras.Model([images, t], outputs, name=DISCRIMINATOR_BODY), encoder, image_shape, name)
    tiled = keras.layers.UpSampling2D(size, name="tile_text")(keras.layers.Reshape((1, 1, int(text_dim)))(t))
    x = keras.layers.Concatenate(name="image_and_text")([feature_map, tiled])
    x = keras.layers.Conv2D(channels, 1, use_bias=False, kernel_initializer=_init(d_seed, 50), name="joint")(x)
    x = keras.layers.BatchNormalization(name="joint_bn")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2, name="joint_act")(x)
    features = keras.layers.Flatten(name="features")(x)
    logits = keras.layers.Dense(1, kernel_initializer=_init(d_seed, 51), dtype="float32", name="logits")(features)
    outputs = {"logits": logits, "features": features, **_joint(features, t, joint_dim, d_seed)}
    return _with_encoder(keras.Model([images, t], outputs, name=DISCRIMINATOR_BODY), encoder, image_shape, name)


def _joint(features, t, joint_dim, seed):
    """The image and text embeddings `kgan.terms.ContrastiveMatching` compares ({} for None)."""
    if joint_dim is None:
        return {}
    if int(joint_dim) < 1:
        raise ValueError(f"joint_dim must be >= 1 (or None), got {joint_dim}.")
    image = keras.layers.Dense(int(joint_dim), kernel_initializer=_init(seed, 60), dtype="float32",
                               name="image_embedding")(features)
    text = keras.layers.Dense(int(joint_dim), kernel_initializer=_init(seed, 61), dtype="float32",
                              name="text_embedding")(t)
    return {"image_embedding": image, "text_embedding": text}


def _with_encoder(body, encoder, image_shape, name):
    images = keras.Input(tuple(int(d) for d in image_shape), name="image")
    captions = keras.Input((), dtype="string", name="caption")
    return keras.Model([images, captions], body([images, encoder(captions)]), name=name)
