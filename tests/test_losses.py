import keras
import numpy as np
import pytest

import kgan
from kgan import losses

REAL = np.array([[2.0], [-1.0], [0.5]], dtype="float32")
FAKE = np.array([[0.5], [-3.0], [1.5]], dtype="float32")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def value(x):
    return float(keras.ops.convert_to_numpy(x))


def test_non_saturating_and_minimax_by_hand():
    d_expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1.0 - sigmoid(FAKE)))
    for name in ("non_saturating", "minimax"):
        assert value(losses.get(name).discriminator_loss(REAL, FAKE)) == pytest.approx(d_expected, rel=1e-5)
    assert value(losses.get("non_saturating").generator_loss(FAKE)) == pytest.approx(-np.mean(np.log(sigmoid(FAKE))), rel=1e-5)
    assert value(losses.get("minimax").generator_loss(FAKE)) == pytest.approx(np.mean(np.log(1.0 - sigmoid(FAKE))), rel=1e-5)


def test_one_sided_label_smoothing_by_hand():
    t = 0.9
    p = sigmoid(REAL)
    real_term = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    fake_term = -np.mean(np.log(1.0 - sigmoid(FAKE)))
    loss = losses.NonSaturating(label_smoothing=0.1)
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(real_term + fake_term, rel=1e-5)


def test_wasserstein_least_squares_hinge_by_hand():
    w = losses.get("wasserstein")
    assert value(w.discriminator_loss(REAL, FAKE)) == pytest.approx(FAKE.mean() - REAL.mean(), rel=1e-6)
    assert value(w.generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)
    ls = losses.get("least_squares")
    assert value(ls.discriminator_loss(REAL, FAKE)) == pytest.approx(
        0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2), rel=1e-6)
    assert value(ls.generator_loss(FAKE)) == pytest.approx(0.5 * np.mean((FAKE - 1) ** 2), rel=1e-6)
    h = losses.get("hinge")
    assert value(h.discriminator_loss(REAL, FAKE)) == pytest.approx(
        np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)), rel=1e-6)
    assert value(h.generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)


def test_sigmoid_losses_stay_finite_for_extreme_logits():
    big = np.array([[100.0], [-100.0]], dtype="float32")
    for name in ("minimax", "non_saturating"):
        loss = losses.get(name)
        assert np.isfinite(value(loss.discriminator_loss(big, big)))
        assert np.isfinite(value(loss.generator_loss(big)))
    assert value(losses.get("non_saturating").generator_loss(np.array([[-100.0]], "float32"))) == pytest.approx(100.0)


def test_score_is_probability_only_for_sigmoid_losses():
    assert np.allclose(keras.ops.convert_to_numpy(losses.get("minimax").score(REAL)), sigmoid(REAL))
    assert np.allclose(keras.ops.convert_to_numpy(losses.get("wasserstein").score(REAL)), REAL)


@pytest.mark.parametrize("spelling,expected", [
    ("non_saturating", losses.NonSaturating), ("Non-Saturating", losses.NonSaturating),
    ("wgan", losses.Wasserstein), ("lsgan", losses.LeastSquares), ("HINGE", losses.Hinge),
    ("vanilla", losses.Minimax), (None, losses.NonSaturating),
])
def test_get_by_name_and_alias(spelling, expected):
    assert type(losses.get(spelling)) is expected


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        losses.get("wassertein")
    for name in ("minimax", "non_saturating", "wasserstein", "least_squares", "hinge"):
        assert name in str(err.value)
    with pytest.raises(TypeError, match="AdversarialLoss"):
        losses.get(3)
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.Minimax(label_smoothing=1.5)


@pytest.mark.parametrize("name", losses.names())
def test_each_loss_round_trips_through_keras_serialization(name):
    loss = losses.get(name)
    config = keras.saving.serialize_keras_object(loss)
    restored = keras.saving.deserialize_keras_object(config)
    assert restored == loss and restored is not loss
    assert losses.get(config) == loss


def test_names_are_the_six_losses():
    assert set(kgan.losses.names()) == {"minimax", "non_saturating", "wasserstein", "least_squares", "hinge",
                                        "relativistic"}
