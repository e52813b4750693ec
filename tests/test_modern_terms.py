"""R1/R2 penalties (lazy too), the relativistic loss and LeCam, each against a hand computation."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch

import kgan
from kgan.terms import DISCRIMINATOR, GENERATOR, Step

W = np.array([[0.5], [-2.0], [1.5]], dtype="float32")  # the linear D's kernel: grad_x D(x) = W for every x


def value(x):
    return float(keras.ops.convert_to_numpy(x))


def linear_gan(loss="non_saturating", terms=(), d_lr=0.0, data_dim=3, **compile_kwargs):
    """G: a small MLP; D(x) = x @ W + 1, frozen by default (learning rate 0) so values stay known."""
    keras.utils.set_random_seed(0)
    g = kgan.nets.mlp(2, data_dim, hidden=(8,), name="g")
    d = keras.Sequential([keras.Input((data_dim,)), keras.layers.Dense(1, name="logit")], name="d")
    d.set_weights([W[:data_dim], np.ones(1, "float32")])
    gan = kgan.GAN(g, d, kgan.latent.Normal(2), seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(d_lr), g_optimizer=keras.optimizers.SGD(0.01), loss=loss,
                terms=list(terms), **compile_kwargs)
    return gan


def d_step(gan, real, training=True):
    return gan._discriminator_step(keras.ops.convert_to_tensor(real), None, training, gan.seed_generator)


def per_epoch(gan, term_metric, epochs, n=8):
    """One batch an epoch, so each logged value is one step's."""
    history = gan.fit(real_batch(n, 3), batch_size=n, epochs=epochs, verbose=0).history
    return np.array(history[term_metric]), np.array(history["d_loss"])


def in_graph(term, step):
    """The term's D value computed inside a tf.function, as fit runs it."""
    return value(tf.function(lambda: term.discriminator_loss(step))())


# ------------------------------------------------------------------ R1 / R2
@pytest.mark.parametrize("cls", [kgan.terms.R1Penalty, kgan.terms.R2Penalty])
def test_zero_centred_penalty_is_half_the_squared_gradient_norm(cls):
    # Catches a missing 1/2, a norm instead of its square, a sum over the batch instead of a mean.
    term = cls(weight=4.0)
    gan = linear_gan(terms=[term])
    step = d_step(gan, real_batch(8, 3))
    assert value(term.discriminator_loss(step)) == pytest.approx(0.5 * np.sum(W**2), rel=1e-5)
    total = value(gan.compute_discriminator_loss(step))
    adversarial = value(gan.loss_fn.discriminator_loss(step.d_real["logits"], step.d_fake["logits"]))
    assert total == pytest.approx(adversarial + 4.0 * 0.5 * np.sum(W**2), rel=1e-5)


def test_r1_reads_real_data_and_r2_generated_data():
    # D(x) = sum(x^2): the input gradient is 2x, so R1 = 2 E||x||^2 on the real batch, R2 on the fakes.
    inputs = keras.Input((3,))
    d = keras.Model(inputs, keras.layers.Lambda(lambda x: keras.ops.sum(x**2, axis=1, keepdims=True))(inputs))
    gan = kgan.GAN(kgan.nets.mlp(2, 3, hidden=(8,)), d, kgan.latent.Normal(2), seed=0)
    gan.compile()
    real = real_batch(8, 3) * 3.0
    step = d_step(gan, real)
    fake = keras.ops.convert_to_numpy(step.fake)
    r1, r2 = (value(t.discriminator_loss(step)) for t in (kgan.terms.R1Penalty(), kgan.terms.R2Penalty()))
    assert r1 == pytest.approx(2.0 * np.mean(np.sum(real**2, axis=1)), rel=1e-5)
    assert r2 == pytest.approx(2.0 * np.mean(np.sum(fake**2, axis=1)), rel=1e-5)


def test_r1_penalty_trains_d_through_the_double_backward():
    # d/dW of weight/2 ||W||^2 is weight * W: one SGD step (lr 0.1) on the penalty alone moves W to W (1 - 0.1 w).
    term = kgan.terms.R1Penalty(weight=2.0)
    gan = linear_gan(terms=[term])
    step_real = keras.ops.convert_to_tensor(real_batch(8, 3))
    with tf.GradientTape() as tape:
        penalty = term.weight * term.discriminator_loss(d_step(gan, step_real))
    grad = tape.gradient(penalty, gan.discriminator.trainable_variables[0])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grad), 2.0 * W, rtol=1e-5)


@pytest.mark.parametrize("interval", [1, 3])
def test_lazy_interval_computes_every_kth_update_times_k(interval):
    # Catches a penalty not multiplied by k, computed on the wrong updates, or a counter that does
    # not advance inside fit's tf.function.
    term = kgan.terms.R1Penalty(weight=2.0, interval=interval)
    gan = linear_gan(terms=[term])
    values, d_losses = per_epoch(gan, "r1_penalty", epochs=7)
    r1 = 0.5 * np.sum(W**2)
    expected = np.array([interval * r1 if i % interval == 0 else 0.0 for i in range(7)])
    np.testing.assert_allclose(values, expected, rtol=1e-5)
    if interval > 1:
        assert int(keras.ops.convert_to_numpy(term.variables[0])) == 7
        # Evaluation computes the plain R1 on every batch and leaves the counter alone.
        assert gan.evaluate(real_batch(8, 3), batch_size=8, verbose=0, return_dict=True)["r1_penalty"] == (
            pytest.approx(r1, rel=1e-5))
        assert int(keras.ops.convert_to_numpy(term.variables[0])) == 7
        # The weighted k * R1 is in the D loss on computed steps: D is frozen and G barely moves.
        assert d_losses[0] - d_losses[1] == pytest.approx(2.0 * interval * r1, rel=0.05)
    else:
        assert term.variables == []


def test_lazy_interval_under_xla():
    # jit_compile=True (Keras' "auto" on a GPU): the conditional double backward compiles with XLA.
    term = kgan.terms.R1Penalty(weight=2.0, interval=2)
    values, _ = per_epoch(linear_gan(terms=[term], jit_compile=True), "r1_penalty", epochs=3)
    np.testing.assert_allclose(values, [np.sum(W**2), 0.0, np.sum(W**2)], rtol=1e-5)


def test_lazy_off_steps_skip_the_inner_gradient():
    # A plain tf.Variable outside Keras' state counts D's training-mode calls, stateless ones included.
    calls = tf.Variable(0.0, trainable=False)

    def count(x):
        calls.assign_add(1.0)
        return x

    keras.utils.set_random_seed(0)
    d = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(count), keras.layers.Dense(1)])
    gan = kgan.GAN(kgan.nets.mlp(2, 3, hidden=(8,)), d, kgan.latent.Normal(2), seed=0)
    gan.compile(terms=[kgan.terms.R1Penalty(interval=4)])
    before = value(calls)
    gan.fit(real_batch(8, 3), batch_size=8, epochs=8, verbose=0)
    # Per step one D call on [real; fake] and one on the G phase's fakes; R1's own call on updates 0 and 4 only.
    assert value(calls) - before == 2 * 8 + 2


def test_lazy_counter_is_saved_and_resumes(tmp_path):
    term = kgan.terms.R2Penalty(weight=1.0, interval=4, name="r2")
    gan = linear_gan(terms=[term])
    gan.fit(real_batch(8, 3), batch_size=8, epochs=3, verbose=0)
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras").terms[0]
    assert isinstance(restored, kgan.terms.R2Penalty) and restored.interval == 4 and restored.name == "r2"
    assert int(keras.ops.convert_to_numpy(restored.variables[0])) == 3


def test_interval_is_checked():
    with pytest.raises(ValueError, match="interval"):
        kgan.terms.R1Penalty(interval=0)


# ------------------------------------------------------------------ relativistic
REAL = np.array([[2.0], [-1.0], [0.5]], dtype="float32")
FAKE = np.array([[0.5], [-3.0], [1.5]], dtype="float32")


def softplus(x):
    return np.log1p(np.exp(x))


def test_relativistic_losses_by_hand():
    # Catches a swapped sign, or means taken before the pairing (softplus of mean differences).
    loss = kgan.losses.get("relativistic")
    assert type(loss) is kgan.losses.Relativistic and loss.needs_real_in_generator_phase
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(np.mean(softplus(FAKE - REAL)), rel=1e-6)
    assert value(loss.generator_loss(FAKE, REAL)) == pytest.approx(np.mean(softplus(REAL - FAKE)), rel=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss.score(REAL)), REAL)  # raw critic values
    with pytest.raises(ValueError, match="real"):
        loss.generator_loss(FAKE)
    config = keras.saving.serialize_keras_object(loss)
    assert kgan.losses.get(config) == loss and kgan.losses.get("RpGAN") == loss


def test_relativistic_g_loss_in_the_gan_pairs_real_and_fake_logits():
    gan = linear_gan(loss="relativistic")
    real = keras.ops.convert_to_tensor(real_batch(8, 3))
    step = gan._generator_step(real, None, True, gan.seed_generator)
    assert step.d_real is not None  # D ran on the real batch in the G phase
    fake_logits = keras.ops.convert_to_numpy(step.fake) @ W + 1.0
    real_logits = real_batch(8, 3) @ W + 1.0
    assert value(gan.compute_generator_loss(step)) == pytest.approx(np.mean(softplus(real_logits - fake_logits)), rel=1e-5)


def test_relativistic_g_gradient_depends_on_real_logits():
    # G's gradient is weighted by sigmoid(D(x) - D(G(z))) per pair: it must change with the real batch.
    gan = linear_gan(loss="relativistic")
    g_vars = gan.generator.trainable_variables

    def g_grads(real):
        with tf.GradientTape() as tape:
            step = gan._generator_step(keras.ops.convert_to_tensor(real), None, True, keras.random.SeedGenerator(1))
            loss = gan.compute_generator_loss(step)
        return [keras.ops.convert_to_numpy(g) for g in tape.gradient(loss, g_vars)]

    near, far = g_grads(real_batch(8, 3)), g_grads(real_batch(8, 3) + np.float32([2.0, 0.0, 0.0]))  # logits +1
    assert all(np.all(np.isfinite(g)) for g in near) and np.abs(near[0]).sum() > 0
    assert not np.allclose(near[0], far[0])


def test_relativistic_trains_a_tiny_gan_and_keeps_d_batchnorm_statistics_in_the_g_phase():
    keras.utils.set_random_seed(0)
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8), keras.layers.BatchNormalization(),
                          keras.layers.LeakyReLU(0.2), keras.layers.Dense(1)])
    gan = kgan.GAN(kgan.nets.mlp(2, 2, hidden=(8,)), d, kgan.latent.Normal(2), seed=0)
    gan.compile(loss="relativistic", terms=[kgan.terms.R1Penalty(0.1), kgan.terms.R2Penalty(0.1),
                                            kgan.terms.LeCam(0.1)])
    moving = d.layers[1].moving_mean
    gan.fit(real_batch(32, 2), batch_size=16, epochs=1, verbose=0)
    after_fit = keras.ops.convert_to_numpy(moving).copy()
    step = gan._generator_step(keras.ops.convert_to_tensor(real_batch(16, 2)), None, True, gan.seed_generator)
    gan.compute_generator_loss(step)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(moving), after_fit)
    logs = gan.fit(real_batch(64, 2), batch_size=16, epochs=2, verbose=0).history
    assert {"r1_penalty", "r2_penalty", "lecam"} <= set(logs)
    assert all(np.isfinite(v).all() for v in logs.values())


def test_a_custom_loss_with_the_one_argument_generator_loss_still_works():
    class OldStyle(kgan.losses.AdversarialLoss):
        def discriminator_loss(self, real_logits, fake_logits):
            return keras.ops.mean(fake_logits) - keras.ops.mean(real_logits)

        def generator_loss(self, fake_logits):
            return -keras.ops.mean(fake_logits)

    gan = linear_gan(loss=OldStyle())
    step = gan._generator_step(keras.ops.convert_to_tensor(real_batch(8, 3)), None, True, gan.seed_generator)
    assert step.d_real is None  # nothing unused runs
    fake_logits = keras.ops.convert_to_numpy(step.fake) @ W + 1.0
    assert value(gan.compute_generator_loss(step)) == pytest.approx(-fake_logits.mean(), rel=1e-5)


# ------------------------------------------------------------------ LeCam
def test_lecam_value_uses_the_anchors_updated_first():
    # Catches swapped anchors, an update after use, a decay applied the wrong way round.
    term = kgan.terms.LeCam(weight=0.5, decay=0.9)
    gan = linear_gan(terms=[term])
    batches = [real_batch(8, 3, seed=s) for s in (1, 2)]
    alpha_r = alpha_f = None
    for i, real in enumerate(batches):
        step = d_step(gan, real)
        got = in_graph(term, step)
        lr, lf = (keras.ops.convert_to_numpy(step.d_real["logits"]), keras.ops.convert_to_numpy(step.d_fake["logits"]))
        d = 0.0 if i == 0 else 0.9  # the first update takes the batch mean
        alpha_r = lr.mean() if i == 0 else d * alpha_r + (1 - d) * lr.mean()
        alpha_f = lf.mean() if i == 0 else d * alpha_f + (1 - d) * lf.mean()
        expected = np.mean((lr - alpha_f) ** 2) + np.mean((lf - alpha_r) ** 2)
        assert got == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(term.anchors, (alpha_r, alpha_f), rtol=1e-5)
    # Evaluation reads the anchors without moving them.
    term.discriminator_loss(d_step(gan, real_batch(8, 3, seed=3) + 4.0, training=False))
    np.testing.assert_allclose(term.anchors, (alpha_r, alpha_f), rtol=1e-5)


def test_lecam_state_is_saved_and_restored(tmp_path):
    term = kgan.terms.LeCam(weight=0.3, decay=0.5)
    gan = linear_gan(terms=[term], d_lr=0.01)
    logs = gan.fit(real_batch(16, 3), batch_size=8, epochs=2, verbose=0).history
    assert logs["lecam"][-1] > 0
    anchors = term.anchors
    assert anchors[0] != anchors[1] and value(term.variables[2]) == 4  # four D updates
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras").terms[0]
    assert isinstance(restored, kgan.terms.LeCam) and restored.decay == 0.5 and restored.weight == 0.3
    np.testing.assert_allclose(restored.anchors, anchors)
    assert value(restored.variables[2]) == 4


def test_lecam_checks_decay():
    with pytest.raises(ValueError, match="decay"):
        kgan.terms.LeCam(decay=1.0)


@pytest.mark.parametrize("term", [kgan.terms.R1Penalty(weight=0.5, interval=16, name="r1"),
                                  kgan.terms.R2Penalty(weight=2.0), kgan.terms.LeCam(weight=0.1, decay=0.9)])
def test_config_round_trip(term):
    config = keras.saving.serialize_keras_object(term)
    restored = kgan.terms.get(config)
    assert type(restored) is type(term) and restored.get_config() == term.get_config()
    assert restored.phases == (DISCRIMINATOR,) and GENERATOR not in restored.phases


def test_new_terms_are_exported():
    assert {"R1Penalty", "R2Penalty", "LeCam"} <= set(kgan.terms.__all__)
    assert isinstance(kgan.terms.LeCam(), kgan.terms.Term) and Step is kgan.terms.Step
