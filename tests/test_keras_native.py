"""Keras-native inputs a Keras user hands a GAN: Keras losses, a sigmoid discriminator, tf.data and
TFDS pipelines, ``predict`` on images, and a metric name as a tuning objective."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch, tiny_gan
from keras import ops

import kgan

pytestmark = pytest.mark.filterwarnings(
    "ignore:You are using a softmax over axis -1:UserWarning",  # the softmax D the test refuses
    "ignore:currentThread:DeprecationWarning", "ignore:getName:DeprecationWarning")  # keras-tuner's

LOGITS_REAL = np.array([[2.0], [-1.0], [0.5], [3.0]], "float32")
LOGITS_FAKE = np.array([[-2.0], [0.3], [-0.5], [1.0]], "float32")


# ---------------------------------------------------------------- Keras losses
def test_keras_losses_map_to_the_kgan_loss_of_the_same_meaning():
    ones, zeros = np.ones_like(LOGITS_REAL), np.zeros_like(LOGITS_FAKE)
    bce = kgan.losses.get(keras.losses.BinaryCrossentropy(from_logits=True))
    assert bce == kgan.losses.NonSaturating()
    keras_bce = keras.losses.BinaryCrossentropy(from_logits=True)
    # The keras.io DCGAN recipe: D on (real: 1, fake: 0), G on its fakes labelled real.
    assert float(bce.discriminator_loss(LOGITS_REAL, LOGITS_FAKE)) == pytest.approx(
        float(keras_bce(ones, LOGITS_REAL) + keras_bce(zeros, LOGITS_FAKE)), rel=1e-5)
    assert float(bce.generator_loss(LOGITS_FAKE)) == pytest.approx(float(keras_bce(ones, LOGITS_FAKE)), rel=1e-5)

    hinge = kgan.losses.get(keras.losses.Hinge())
    assert hinge == kgan.losses.Hinge()
    keras_hinge = keras.losses.Hinge()
    assert float(hinge.discriminator_loss(LOGITS_REAL, LOGITS_FAKE)) == pytest.approx(
        float(keras_hinge(ones, LOGITS_REAL) + keras_hinge(-ones, LOGITS_FAKE)), rel=1e-5)

    lsgan = kgan.losses.get(keras.losses.MeanSquaredError())
    assert lsgan == kgan.losses.LeastSquares()
    mse = keras.losses.MeanSquaredError()
    assert float(lsgan.discriminator_loss(LOGITS_REAL, LOGITS_FAKE)) == pytest.approx(
        0.5 * float(mse(ones, LOGITS_REAL) + mse(zeros, LOGITS_FAKE)), rel=1e-5)  # LSGAN's 1/2, same minimiser

    assert kgan.losses.get("binary_crossentropy") == kgan.losses.NonSaturating()
    assert kgan.losses.get("mse") == kgan.losses.LeastSquares()


def test_compile_accepts_a_keras_loss():
    gan = tiny_gan(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    assert gan.loss_fn == kgan.losses.NonSaturating()
    assert tiny_gan(loss=keras.losses.Hinge()).loss_fn == kgan.losses.Hinge()


@pytest.mark.parametrize("loss, error, message", [
    (keras.losses.BinaryCrossentropy(), ValueError, r"from_logits=False.*take D's logits.*from_logits=True"),
    (keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), ValueError,
     r"two-sided.*kgan.losses.NonSaturating\(label_smoothing=0.1\)"),
    (keras.losses.CategoricalCrossentropy(), ValueError, r"CategoricalCrossentropy.*'non_saturating'"),
    (keras.losses.binary_crossentropy, TypeError, r"keras.losses.BinaryCrossentropy\(from_logits=True\)"),
])
def test_keras_losses_without_an_equivalent_name_the_kgan_loss(loss, error, message):
    with pytest.raises(error, match=message):
        kgan.losses.get(loss)


# ---------------------------------------------------------------- a discriminator ending in a sigmoid
def _d(kind):
    x = keras.Input((4,))
    h = keras.layers.Dense(8, activation="relu")(x)
    if kind == "dense_sigmoid":
        return keras.Model(x, keras.layers.Dense(1, activation="sigmoid", name="out")(h))
    if kind == "activation_then_reshape":
        out = keras.layers.Activation("sigmoid", name="out")(keras.layers.Dense(1)(h))
        return keras.Model(x, keras.layers.Reshape((1,))(out))
    if kind == "dict":
        return keras.Model(x, {"logits": keras.layers.Dense(1, activation="sigmoid", name="out")(h), "features": h})
    if kind == "nested":
        return keras.Model(x, keras.Sequential([keras.layers.Dense(1, activation="sigmoid", name="out")])(h))
    if kind == "sequential_softmax":
        return keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1), keras.layers.Softmax(name="out")])
    if kind == "unbuilt_sequential":
        return keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1, activation="sigmoid", name="out")])
    if kind == "logits":
        return keras.Model(x, keras.layers.Dense(1)(h))
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["dense_sigmoid", "activation_then_reshape", "dict", "nested",
                                  "sequential_softmax", "unbuilt_sequential"])
def test_a_discriminator_ending_in_sigmoid_or_softmax_is_refused_at_compile(kind):
    gan = kgan.GAN(kgan.nets.mlp(2, 4, hidden=(8,)), _d(kind), kgan.latent.Normal(2))
    with pytest.raises(ValueError, match=r"layer 'out' applies a (sigmoid|softmax).*take logits.*Remove the activation"):
        gan.compile()


def test_a_logits_discriminator_and_a_sigmoid_inside_it_are_fine():
    x = keras.Input((4,))
    gate = keras.layers.Dense(8, activation="sigmoid")(x)  # a sigmoid, but not on the output
    d = keras.Model(x, keras.layers.Dense(1)(gate))
    pretrained = _d("dense_sigmoid")  # the documented way to keep a probability D: back to logits
    wrapped = keras.Model(pretrained.input, kgan.layers.ProbabilityToLogit()(pretrained.output))
    for disc in (d, _d("logits"), wrapped):
        kgan.GAN(kgan.nets.mlp(2, 4, hidden=(8,)), disc, kgan.latent.Normal(2)).compile()


# ---------------------------------------------------------------- tf.data and TFDS pipelines
X_UINT8 = (np.arange(40 * 4 * 4) % 256).astype("uint8").reshape(40, 4, 4, 1)
Y = np.arange(40) % 3


@pytest.mark.parametrize("source", ["tfds_dicts", "pairs_batched_float", "grayscale_hw"])
def test_images_accepts_a_tf_data_pipeline(source):
    if source == "tfds_dicts":
        ds = tf.data.Dataset.from_tensor_slices({"image": X_UINT8, "label": Y})
    elif source == "pairs_batched_float":
        ds = tf.data.Dataset.from_tensor_slices((X_UINT8.astype("float32") / 255.0, Y)).batch(5)
    else:
        ds = tf.data.Dataset.from_tensor_slices(X_UINT8[..., 0])
    batches = kgan.data.images(ds, 8, labels=source != "grayscale_hw", shuffle=False)
    first = next(iter(batches))
    images, labels = first if isinstance(first, tuple) else (first, None)
    assert images.shape == (8, 4, 4, 1) and images.dtype == tf.float32
    np.testing.assert_allclose(images.numpy(), X_UINT8[:8] / 127.5 - 1.0, atol=1e-5)
    if labels is not None:
        np.testing.assert_array_equal(labels.numpy(), Y[:8])
    assert len(list(batches)) == 5  # 40 images in batches of 8


def test_images_on_a_pipeline_drops_labels_unless_asked_and_says_when_none_exist():
    ds = tf.data.Dataset.from_tensor_slices({"image": X_UINT8, "label": Y})
    assert next(iter(kgan.data.images(ds, 8, shuffle=False))).shape == (8, 4, 4, 1)
    with pytest.raises(ValueError, match="labels=True but the dataset yields images alone"):
        kgan.data.images(tf.data.Dataset.from_tensor_slices(X_UINT8), 8, labels=True)
    with pytest.raises(ValueError, match="without an 'image' entry"):
        kgan.data.images(tf.data.Dataset.from_tensor_slices({"pixels": X_UINT8}), 8)


def test_images_reads_real_tfds_examples():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=24):
        ds = tfds.load("mnist", split="train")
        batches = kgan.data.images(ds, 8, labels=True, shuffle=False)
        images, labels = next(iter(batches))
        expected = next(iter(tfds.load("mnist", split="train").batch(8)))
    np.testing.assert_allclose(images.numpy(), expected["image"].numpy() / 127.5 - 1.0, atol=1e-5)
    np.testing.assert_array_equal(labels.numpy(), expected["label"].numpy())


def test_fit_on_tfds_dicts_says_to_use_kgan_data_images():
    gan = tiny_gan(data_dim=1)
    ds = tf.data.Dataset.from_tensor_slices({"image": real_batch(32), "label": np.zeros(32)}).batch(8)
    with pytest.raises(ValueError, match=r"yields dicts.*kgan.data.images\(dataset, batch_size=64, labels=True\)"):
        gan.fit(ds, epochs=1, verbose=0)


# ---------------------------------------------------------------- predict
def test_predict_runs_the_generator_on_latent_vectors():
    gan = tiny_gan(latent_dim=2, data_dim=3)
    z = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    np.testing.assert_allclose(gan.predict(z, verbose=0), ops.convert_to_numpy(gan.generator(z)), rtol=1e-5)


def test_predict_on_real_samples_points_to_discriminate_and_generate():
    gan = tiny_gan(latent_dim=2, data_dim=3)
    with pytest.raises(ValueError, match=r"latent vectors of shape \(n, 2\).*shaped like real samples.*"
                                         r"gan.discriminate\(x\).*gan.generate\(n\)"):
        gan.predict(real_batch(8, data_dim=3), verbose=0)


# ---------------------------------------------------------------- a metric name as a tuning objective
def test_tuning_objective_can_be_a_logged_metric_name(tmp_path):
    keras_tuner = pytest.importorskip("keras_tuner")
    from kgan import tuning

    hypermodel = tuning.GANHyperModel("gaussian-1d", objective="val_g_loss")
    assert hypermodel.objective == keras_tuner.Objective("val_g_loss", "min")
    with pytest.raises(ValueError, match="d_real.*no better direction"):
        tuning.GANHyperModel("gaussian-1d", objective="d_real")

    class Record(keras.callbacks.Callback):
        logged = []  # a class attribute: keras-tuner deep-copies the callback itself

        def on_epoch_end(self, epoch, logs=None):
            Record.logged.append(float(logs["g_loss"]))

    preset = tuning.Gaussian1D(batch_size=64, steps_per_epoch=5, eval_samples=1000)
    sweep = tuning.LearningRateBalance(preset, objective="g_loss", max_trials=1, directory=tmp_path, epochs=2)
    sweep.search(callbacks=[Record()])
    # The trial's score is its last epoch's g_loss, as fit logged it, minimised.
    assert len(Record.logged) == 2
    assert sweep.best_hyperparameters()["g_loss"] == pytest.approx(Record.logged[-1], rel=1e-6)
    assert sweep.tuner.oracle.objective == keras_tuner.Objective("g_loss", "min")
