"""The engine's seam: public loss hooks, the networks' own losses, mixed precision, preset recipes."""

import keras
import numpy as np
import pytest
from conftest import real_batch, tiny_gan

import kgan


def _d(reg=None, activity=None, split=False, name="d"):
    """A deterministic 1-D discriminator; ``split`` adds a batch-dependent flag (real and fake run apart)."""
    x = keras.Input((1,))
    h = keras.layers.ActivityRegularization(l1=activity)(x) if activity else x
    if split:
        h = _BatchDependentIdentity()(h)
    h = keras.layers.Dense(4, activation="tanh", kernel_regularizer=reg, kernel_initializer="ones")(h)
    return keras.Model(x, keras.layers.Dense(1, kernel_initializer="ones")(h), name=name)


class _BatchDependentIdentity(keras.layers.Layer):
    batch_dependent = True  # makes the GAN call D on real and fake separately

    def call(self, x):
        return x


def _constant_g(value=0.5, reg=None):
    """A generator whose output is ``value`` whatever z is (zero kernel), so D's inputs are known."""
    z = keras.Input((2,))
    out = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(value),
                             kernel_regularizer=reg)(z)
    return keras.Model(z, out, name="g")


def _losses_after_one_frozen_step(gan, x):
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    return gan.train_on_batch(x, return_dict=True)


@pytest.mark.parametrize("split", [False, True], ids=["joint-call", "split-calls"])
def test_discriminator_weight_regularizer_adds_d_losses_to_d_loss(split):
    x = real_batch(16)
    plain = _losses_after_one_frozen_step(kgan.GAN(_constant_g(), _d(split=split), 2, seed=0), x)
    d = _d(reg=keras.regularizers.L2(1000.0), split=split)
    regularized = _losses_after_one_frozen_step(kgan.GAN(_constant_g(), d, 2, seed=0), x)
    penalty = float(keras.ops.sum(d.losses))
    assert penalty == pytest.approx(1000.0 * 4, rel=1e-6)  # the kernel is all ones, 1 x 4
    assert regularized["d_loss"] == pytest.approx(plain["d_loss"] + penalty, rel=1e-5)  # once, however many D calls
    assert regularized["g_loss"] == pytest.approx(plain["g_loss"], rel=1e-6)  # D's penalty is D's alone


def test_generator_regularizer_adds_to_g_loss_only():
    x = real_batch(16)
    plain = _losses_after_one_frozen_step(kgan.GAN(_constant_g(), _d(), 2, seed=0), x)
    # A non-zero kernel so the penalty is not 0: 2 x 1 kernel of ones -> 0.5 * 2 = 1.0 with L2(0.5)
    g = _constant_g(reg=keras.regularizers.L2(0.5))
    g.layers[-1].kernel.assign(np.ones((2, 1), "float32"))
    plain_g = _constant_g()
    plain_g.layers[-1].kernel.assign(np.ones((2, 1), "float32"))
    plain = _losses_after_one_frozen_step(kgan.GAN(plain_g, _d(), 2, seed=0), x)
    regularized = _losses_after_one_frozen_step(kgan.GAN(g, _d(), 2, seed=0), x)
    assert regularized["g_loss"] == pytest.approx(plain["g_loss"] + 1.0, rel=1e-5)
    assert regularized["d_loss"] == pytest.approx(plain["d_loss"], rel=1e-6)


@pytest.mark.parametrize("split", [False, True], ids=["joint-call", "split-calls"])
def test_activity_regularizer_counts_real_and_fake_calls(split):
    x = real_batch(16)
    plain = _losses_after_one_frozen_step(kgan.GAN(_constant_g(0.5), _d(split=split), 2, seed=0), x)
    active = _losses_after_one_frozen_step(kgan.GAN(_constant_g(0.5), _d(activity=0.1, split=split), 2, seed=0), x)
    # L1 activity on D's input, a batch mean as Keras makes it: 0.1 * (sum |real| + sum |fake|) / 2n,
    # the fakes all 0.5; the same whether D runs once on [real; fake] or twice.
    expected = 0.1 * (np.abs(x).sum() + 0.5 * len(x)) / (2 * len(x))
    assert active["d_loss"] - plain["d_loss"] == pytest.approx(expected, rel=1e-4)


def test_validation_losses_include_regularizers():
    x = real_batch(16)
    d = _d(reg=keras.regularizers.L2(10.0))
    plain, regularized = kgan.GAN(_constant_g(), _d(), 2, seed=0), kgan.GAN(_constant_g(), d, 2, seed=0)
    for gan in (plain, regularized):
        gan.compile()
    a = plain.evaluate(x, batch_size=16, return_dict=True, verbose=0)
    b = regularized.evaluate(x, batch_size=16, return_dict=True, verbose=0)
    assert b["d_loss"] == pytest.approx(a["d_loss"] + 40.0, rel=1e-5)


class _ZeroDLoss(kgan.GAN):
    def compute_discriminator_loss(self, step):
        return 0.0 * super().compute_discriminator_loss(step)

    def compute_generator_loss(self, step):
        return 3.0 * super().compute_generator_loss(step)


def test_loss_hooks_are_what_train_step_and_test_step_use():
    keras.utils.set_random_seed(0)
    gan = _ZeroDLoss(kgan.nets.mlp(2, 1, hidden=(8,)), kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
    gan.compile()
    d_before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    g_before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    logs = gan.train_on_batch(real_batch(16), return_dict=True)
    assert logs["d_loss"] == 0.0
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(d_before, gan.discriminator.trainable_weights, strict=True))
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(g_before, gan.generator.trainable_weights, strict=True))
    # test_step: the same hooks; non-saturating G loss is softplus(-logit) > 0, times 3.
    plain = kgan.GAN(gan.generator, gan.discriminator, 2, seed=0)
    plain.compile()
    plain.seed_generator.state.assign(gan.seed_generator.state)  # the same latent draws
    val = gan.evaluate(real_batch(16), batch_size=16, return_dict=True, verbose=0)
    ref = plain.evaluate(real_batch(16), batch_size=16, return_dict=True, verbose=0)
    assert val["d_loss"] == 0.0 and val["g_loss"] == pytest.approx(3.0 * ref["g_loss"], rel=1e-5)


# ---------------------------------------------------------------- mixed precision
@pytest.fixture
def policy():
    """Set a global dtype policy for one test and restore float32 after it."""
    def use(name):
        keras.config.set_dtype_policy(name)
    yield use
    keras.config.set_dtype_policy("float32")


def _moves(net, before):
    return max(float(np.abs(a - b.numpy()).max()) for a, b in zip(before, net.trainable_weights, strict=True))


def _tiny_d_update_size(d_scale=1e-6):
    """How far one SGD(1.0) epoch moves a D whose logits pass through Rescaling(d_scale)."""
    keras.utils.set_random_seed(0)
    x = keras.Input((1,))
    h = keras.layers.Dense(8, activation="relu")(x)
    d = keras.Model(x, keras.layers.Rescaling(d_scale)(keras.layers.Dense(1)(h)))
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,)), d, 2, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(1.0), g_optimizer=keras.optimizers.SGD(0.0))
    before = [w.numpy().copy() for w in d.trainable_weights]
    gan.fit(np.random.default_rng(0).normal(-1, 1, (64, 1)).astype("float32"), batch_size=32, epochs=1, verbose=0)
    return gan, _moves(d, before)


def _tiny_g_update_size():
    """How far one SGD(1.0) epoch moves a G whose output passes through Rescaling(1e-6) (D frozen)."""
    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    g = keras.Model(z, keras.layers.Rescaling(1e-6)(keras.layers.Dense(1)(keras.layers.Dense(8, activation="relu")(z))))
    gan = kgan.GAN(g, kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(1.0))
    before = [w.numpy().copy() for w in g.trainable_weights]
    gan.fit(np.random.default_rng(0).normal(0, 1e-6, (64, 1)).astype("float32"), batch_size=32, epochs=1, verbose=0)
    return gan, _moves(g, before)


@pytest.mark.parametrize("player", ["discriminator", "generator"])
def test_mixed_float16_scales_each_players_loss_so_tiny_gradients_still_learn(policy, player):
    update_size = _tiny_d_update_size if player == "discriminator" else _tiny_g_update_size
    _, reference = update_size()
    assert reference > 1e-8
    policy("mixed_float16")
    gan, moved = update_size()
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert moved == pytest.approx(reference, rel=0.1)  # unscaled float16 gradients would be 0 here


def test_mixed_bfloat16_trains_without_loss_scaling(policy):
    policy("mixed_bfloat16")
    gan, moved = _tiny_d_update_size(d_scale=1.0)
    assert not isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.compute_dtype == "bfloat16" and moved > 0
    assert all(np.isfinite(w.numpy()).all() for w in gan.discriminator.trainable_weights)


def _gp_run(steps=3):
    keras.utils.set_random_seed(1)
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(16,)), kgan.nets.mlp(1, 1, hidden=(16,)), 2, seed=0)
    gan.compile(loss="wasserstein", terms=[kgan.terms.GradientPenalty(weight=10.0)],
                d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    history = gan.fit(real_batch(32 * steps, seed=3), batch_size=32, epochs=1, verbose=0).history
    return gan, history


def test_gradient_penalty_under_mixed_float16_stays_finite_and_close_to_float32(policy):
    _, reference = _gp_run()
    policy("mixed_float16")
    gan, mixed = _gp_run()
    assert np.isfinite(mixed["gradient_penalty"][-1]) and np.isfinite(mixed["d_loss"][-1])
    assert mixed["gradient_penalty"][-1] == pytest.approx(reference["gradient_penalty"][-1], rel=0.05, abs=1e-3)
    assert all(np.isfinite(w.numpy()).all() for w in gan.discriminator.trainable_weights)


def test_loss_scale_optimizers_survive_save_and_load(policy, tmp_path):
    policy("mixed_float16")
    gan, _ = _tiny_d_update_size()
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    for before, after in ((gan.d_optimizer, loaded.d_optimizer), (gan.g_optimizer, loaded.g_optimizer)):
        assert isinstance(after, keras.optimizers.LossScaleOptimizer)
        assert not isinstance(after.inner_optimizer, keras.optimizers.LossScaleOptimizer)  # not wrapped twice
        assert int(after.iterations.numpy()) == int(before.iterations.numpy()) == 2
        assert float(after.dynamic_scale.numpy()) == float(before.dynamic_scale.numpy())
    assert loaded.steps == gan.steps == 2


def test_backup_and_restore_resumes_loss_scale_state(policy, tmp_path):
    policy("mixed_float16")
    x = real_batch(64)

    def run(epochs):
        keras.utils.set_random_seed(0)
        gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,)), kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
        gan.compile()
        gan.fit(x, batch_size=32, epochs=epochs, verbose=0,
                callbacks=[kgan.callbacks.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)])
        return gan

    first = run(1)
    resumed = run(2)  # restores epoch 1's state, then trains epoch 2
    assert isinstance(resumed.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert first.steps == 2 and resumed.steps == 4


# ---------------------------------------------------------------- presets own their recipe
def _rates(gan):
    lr = lambda opt: float(keras.ops.convert_to_numpy(opt.learning_rate))  # noqa: E731
    return lr(gan.d_optimizer), lr(gan.g_optimizer)


def test_presets_compile_with_their_papers_optimizers():
    info = kgan.GAN.infogan((28, 28, 1), noise=3, categorical=(4,), continuous=1, seed=0)
    info.compile(terms=[kgan.terms.MutualInformation(info.latent)])
    assert _rates(info) == pytest.approx((2e-4, 1e-3))
    assert info.d_optimizer.beta_1 == info.g_optimizer.beta_1 == 0.5
    dcgan = kgan.GAN.dcgan((28, 28, 1), latent_dim=4, width=4, seed=0)
    dcgan.compile()
    assert _rates(dcgan) == pytest.approx((2e-4, 2e-4))
    plain = tiny_gan()
    assert plain.recipe is None and _rates(plain) == pytest.approx((2e-4, 2e-4))
    # An explicit optimizer wins over the recipe.
    info.compile(g_optimizer=keras.optimizers.Adam(5e-5), terms=[kgan.terms.MutualInformation(info.latent)])
    assert _rates(info) == pytest.approx((2e-4, 5e-5))


def test_recipe_survives_the_config_and_unknown_recipes_are_refused():
    info = kgan.GAN.infogan((28, 28, 1), noise=3, categorical=(4,), continuous=1, seed=0)
    rebuilt = kgan.GAN.from_config(info.get_config())
    assert rebuilt.recipe == "infogan"
    rebuilt.compile()
    assert _rates(rebuilt) == pytest.approx((2e-4, 1e-3))
    with pytest.raises(ValueError, match="Unknown recipe 'wgan'.*dcgan, infogan"):
        kgan.GAN(kgan.nets.mlp(2, 1), kgan.nets.mlp(1, 1), 2, recipe="wgan")


def test_steps_counts_batches_not_optimizer_iterations():
    gan = tiny_gan(g_steps=2, d_steps=3)
    assert gan.steps == 0
    gan.fit(real_batch(64), batch_size=16, epochs=1, verbose=0)
    assert gan.steps == 4 and int(gan.g_optimizer.iterations.numpy()) == 8


@keras.saving.register_keras_serializable(package="tests")
class _R1(kgan.terms.Term):
    """The docs' R1 example (docs/losses-and-terms.md), written with Step.input_gradient."""

    def discriminator_loss(self, step):
        grads = step.input_gradient(lambda x: step.discriminate(x)["logits"], step.real)
        return 0.5 * keras.ops.mean(keras.ops.sum(keras.ops.square(grads), axis=tuple(range(1, len(grads.shape)))))


def test_input_gradient_of_a_linear_discriminator_is_its_weight_and_is_differentiable():
    w0 = np.array([[1.0], [2.0], [-2.0]], "float32")

    def one_step(terms):
        x = keras.Input((3,))
        d = keras.Model(x, keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(w0))(x))
        g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, kernel_initializer="ones")])
        gan = kgan.GAN(g, d, 2, seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.0), terms=terms)
        return gan.train_on_batch(real_batch(8, data_dim=3), return_dict=True), d.layers[-1].kernel.numpy()

    logs, with_r1 = one_step([_R1(weight=1.0, name="r1")])
    _, plain = one_step([])
    assert logs["r1"] == pytest.approx(0.5 * (1 + 4 + 4), rel=1e-6)  # grad_x (w.x + b) = w, ||w||^2 = 9
    # d(0.5 ||w||^2)/dw = w: SGD(0.1) moves the kernel 0.1 * w0 further than the adversarial loss alone.
    np.testing.assert_allclose(with_r1, plain - 0.1 * w0, rtol=1e-5, atol=1e-6)


class _FiniteForwardNaNGradient(keras.layers.Layer):
    """x + sqrt(0 * w): exactly x in the forward pass, a NaN gradient for w (0 * inf)."""

    def build(self, shape):
        self.w = self.add_weight(shape=(), initializer="zeros")

    def call(self, x):
        return x + keras.ops.sqrt(0.0 * self.w)


def test_non_finite_gradients_are_reported_as_a_nan_loss_for_that_phase_alone():
    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    g = keras.Model(z, _FiniteForwardNaNGradient()(keras.layers.Dense(1)(z)))
    gan = kgan.GAN(g, kgan.nets.mlp(1, 1, hidden=(8,)), 2, seed=0)
    gan.compile()
    logs = gan.train_on_batch(real_batch(16), return_dict=True)
    # G's loss came out finite but its gradient was NaN: reported as NaN, so guards stop at this
    # batch; the D update before it was finite and is reported as it was.
    assert np.isnan(logs["g_loss"]) and np.isfinite(logs["d_loss"]) and np.isfinite(logs["d_fake"])

    x = keras.Input((1,))
    d = keras.Model(x, keras.layers.Dense(1)(_FiniteForwardNaNGradient()(x)))
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(8,)), d, 2, seed=0)
    gan.compile()
    logs = gan.train_on_batch(real_batch(16), return_dict=True)
    assert np.isnan(logs["d_loss"]) and np.isfinite(logs["d_real"])  # d_real: D before its update
