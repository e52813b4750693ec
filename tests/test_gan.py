import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import real_batch, tiny_gan

import kgan


def weights(model):
    return [w.copy() for w in model.get_weights()]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_compile_defaults():
    gan = tiny_gan()
    for opt in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4) and opt.beta_1 == 0.5
    assert gan.d_optimizer is not gan.g_optimizer
    assert isinstance(gan.loss_fn, kgan.losses.NonSaturating)
    assert (gan.d_steps, gan.g_steps) == (1, 1)


def test_each_phase_updates_only_its_own_network():
    x = real_batch(32)
    # G frozen by a zero learning rate: the step must change D and leave G exactly as it was.
    gan = tiny_gan(g_optimizer=keras.optimizers.Adam(0.0), d_optimizer=keras.optimizers.Adam(1e-2))
    g0, d0 = weights(gan.generator), weights(gan.discriminator)
    gan.train_on_batch(x)
    assert same(weights(gan.generator), g0) and not same(weights(gan.discriminator), d0)
    # And the other way round.
    gan = tiny_gan(d_optimizer=keras.optimizers.Adam(0.0), g_optimizer=keras.optimizers.Adam(1e-2))
    g0, d0 = weights(gan.generator), weights(gan.discriminator)
    gan.train_on_batch(x)
    assert same(weights(gan.discriminator), d0) and not same(weights(gan.generator), g0)


def test_train_step_matches_hand_computed_alternating_sgd_updates():
    lr = 0.1
    gan = tiny_gan(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr), seed=3)
    x = real_batch(16, seed=1)
    seeds = keras.random.SeedGenerator(0)
    seeds.state.assign(gan.seed_generator.state.value)
    G, D, loss = gan.generator, gan.discriminator, gan.loss_fn
    g_vars = [keras.Variable(v.numpy()) for v in G.trainable_variables]
    # Expected D update, from a copy of the GAN's seed state (same z as the step draws).
    z1 = gan.latent.sample(16, seed=seeds)
    fake = G(z1)
    with tf.GradientTape() as tape:
        d_loss = loss.discriminator_loss(D(x), D(fake))
    d_grads = tape.gradient(d_loss, D.trainable_variables)
    d_expected = [v.numpy() - lr * g.numpy() for v, g in zip(D.trainable_variables, d_grads, strict=True)]
    # Expected G update: fresh z, against the already-updated D.
    z2 = gan.latent.sample(16, seed=seeds)
    d_before = [v.numpy() for v in D.trainable_variables]
    for v, new in zip(D.trainable_variables, d_expected, strict=True):
        v.assign(new)
    with tf.GradientTape() as tape:
        g_loss = loss.generator_loss(D(G(z2)))
    g_grads = tape.gradient(g_loss, G.trainable_variables)
    g_expected = [v.numpy() - lr * g.numpy() for v, g in zip(g_vars, g_grads, strict=True)]
    for v, old in zip(D.trainable_variables, d_before, strict=True):
        v.assign(old)

    logs = gan.train_on_batch(x, return_dict=True)
    for v, e in zip(D.trainable_variables, d_expected, strict=True):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-5, atol=1e-6)
    for v, e in zip(G.trainable_variables, g_expected, strict=True):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-5, atol=1e-6)
    assert logs["d_loss"] == pytest.approx(float(d_loss), rel=1e-5)
    assert logs["g_loss"] == pytest.approx(float(g_loss), rel=1e-5)


def test_fit_reports_the_documented_metrics_and_d_steps_count():
    gan = tiny_gan(d_steps=2, g_steps=1, terms=[kgan.terms.GradientPenalty(1.0)])
    history = gan.fit(real_batch(64), batch_size=16, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty"}
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in history.history.values())
    assert 0.0 < history.history["d_real"][-1] < 1.0
    assert int(gan.d_optimizer.iterations) == 2 * int(gan.g_optimizer.iterations) == 2 * 8


def test_wasserstein_reports_raw_critic_values():
    gan = tiny_gan(loss="wasserstein", d_optimizer=keras.optimizers.SGD(1.0))
    history = gan.fit(real_batch(64) * 50.0, batch_size=16, epochs=3, verbose=0)
    values = history.history["d_real"] + history.history["d_fake"]
    assert any(v < 0.0 or v > 1.0 for v in values)  # a probability could never leave [0, 1]


def test_validation_data_gives_val_metrics():
    gan = tiny_gan()
    history = gan.fit(real_batch(32), batch_size=16, epochs=1, validation_data=(real_batch(32, seed=9),), verbose=0)
    assert {"val_d_loss", "val_g_loss", "val_d_real", "val_d_fake"} <= set(history.history)


def test_save_and_load_round_trip_restores_optimizers_and_continues_training(tmp_path):
    gan = tiny_gan(loss="hinge", d_steps=2, terms=[kgan.terms.GradientPenalty(5.0, name="gp")], seed=4)
    x = real_batch(64, seed=2)
    gan.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, kgan.GAN)
    assert isinstance(loaded.loss_fn, kgan.losses.Hinge) and loaded.d_steps == 2
    assert [t.get_config() for t in loaded.terms] == [t.get_config() for t in gan.terms]
    for name in ("d_optimizer", "g_optimizer"):
        a, b = getattr(gan, name), getattr(loaded, name)
        assert int(a.iterations) == int(b.iterations) > 0
        assert len(a.variables) == len(b.variables)
        for va, vb in zip(a.variables, b.variables, strict=True):
            np.testing.assert_array_equal(va.numpy(), vb.numpy())
    assert same(gan.get_weights(), loaded.get_weights())
    np.testing.assert_array_equal(gan.seed_generator.state.numpy(), loaded.seed_generator.state.numpy())
    np.testing.assert_allclose(gan.generate(5), loaded.generate(5))  # same seed state -> same draw
    # A further fit continues both from the same state: identical results.
    gan.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert int(loaded.d_optimizer.iterations) == int(gan.d_optimizer.iterations) == 16
    for a, b in zip(gan.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert kgan.GAN.from_file(path).latent.dim == gan.latent.dim


def test_from_file_refuses_other_models(tmp_path):
    model = kgan.nets.mlp(1, 1, hidden=(2,))
    model.save(tmp_path / "m.keras")
    with pytest.raises(TypeError, match="not a kgan GAN"):
        kgan.GAN.from_file(tmp_path / "m.keras")


def test_generate_is_reproducible_with_a_seed():
    gan = tiny_gan()
    a, b = gan.generate(10, seed=1), gan.generate(10, seed=1)
    assert a.shape == (10, 1) and np.array_equal(a, b)
    assert not np.array_equal(gan.generate(10), gan.generate(10))
    np.testing.assert_allclose(gan(gan.latent.sample(3, seed=0)), gan.generator(gan.latent.sample(3, seed=0)))
    with pytest.raises(ValueError, match="positive integer"):
        gan.generate(0)


def test_steps_per_execution_and_jit_compile_pass_through(tmp_path):
    # "auto" resolves to False on CPU, so True proves the pass-through (and that the step compiles with XLA).
    gan = tiny_gan(steps_per_execution=4, jit_compile=True, terms=[kgan.terms.GradientPenalty(1.0)])
    assert gan.steps_per_execution == 4 and gan.jit_compile is True
    gan.fit(real_batch(64), batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 8
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.jit_compile is True and loaded.steps_per_execution == 4


def test_conditional_gan_feeds_condition_to_both_networks():
    keras.utils.set_random_seed(0)
    z, c = keras.Input((2,)), keras.Input((3,))
    g = keras.Model([z, c], keras.layers.Dense(1)(keras.layers.Concatenate()([z, c])))
    x, c2 = keras.Input((1,)), keras.Input((3,))
    d = keras.Model([x, c2], keras.layers.Dense(1)(keras.layers.Concatenate()([x, c2])))
    gan = kgan.GAN(g, d, kgan.latent.Normal(2))
    gan.compile()
    labels = np.eye(3, dtype="float32")[np.arange(32) % 3]
    g_kernel, d_kernel = (np.array(net.layers[-1].kernel) for net in (g, d))
    gan.fit(real_batch(32), labels, batch_size=8, epochs=1, verbose=0)
    # The condition rows of both kernels (after z's 2 rows / x's 1 row) learnt: each net saw the labels.
    assert not np.allclose(np.array(g.layers[-1].kernel)[2:], g_kernel[2:])
    assert not np.allclose(np.array(d.layers[-1].kernel)[1:], d_kernel[1:])
    z = np.asarray(gan.latent.sample(3, seed=0))
    np.testing.assert_allclose(gan.generate(3, seed=0, condition=labels[:3]), g.predict([z, labels[:3]], verbose=0),
                               rtol=1e-5)
    one_z = np.repeat(z[:1], 3, axis=0)
    assert len(set(np.round(g.predict([one_z, labels[:3]], verbose=0)[:, 0], 6))) == 3  # each label its own sample


def test_batchnorm_discriminator_sees_real_and_fake_separately():
    keras.utils.set_random_seed(0)
    calls = []

    class Spy(keras.layers.Layer):
        def call(self, x):
            calls.append(x.shape[0])
            return x

    d = keras.Sequential([keras.Input((1,)), Spy(), keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    gan = kgan.GAN(kgan.nets.mlp(2, 1, hidden=(4,)), d, 2)
    gan.compile(run_eagerly=True)
    calls.clear()
    gan.train_on_batch(real_batch(8))
    assert calls and set(calls) == {8}  # never a concatenated batch of 16
    gan2 = tiny_gan(run_eagerly=True)
    spy = []
    original = gan2.discriminator.call
    gan2.discriminator.call = lambda x, **kw: (spy.append(x.shape[0]), original(x, **kw))[1]
    gan2.train_on_batch(real_batch(8))
    assert 16 in spy  # no batch-dependent layer: one call on [real; fake]


class ConstantTerm(kgan.terms.Term):
    def __init__(self, d=None, g=None, **kwargs):
        super().__init__(**kwargs)
        self.d, self.g = d, g

    def discriminator_loss(self, step):
        assert step.phase == "discriminator" and step.d_real is not None
        return None if self.d is None else keras.ops.convert_to_tensor(self.d)

    def generator_loss(self, step):
        # "+ 0 * mean(fake)" keeps the value constant but connected to G's weights.
        return None if self.g is None else self.g + 0.0 * keras.ops.mean(step.fake)


def _evaluate_from_seed(gan, state, x):
    gan.seed_generator.state.assign(state)
    return gan.evaluate(x, batch_size=len(x), verbose=0, return_dict=True)


def test_a_term_adds_its_weighted_value_to_each_loss():
    x = real_batch(16)
    plain = tiny_gan()
    state = plain.seed_generator.state.numpy()
    base = _evaluate_from_seed(plain, state, x)
    plain.compile(terms=[ConstantTerm(d=3.0, g=-1.5, weight=2.0, name="const")])
    logs = _evaluate_from_seed(plain, state, x)
    assert logs["d_loss"] == pytest.approx(base["d_loss"] + 6.0, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(base["g_loss"] - 3.0, rel=1e-5)
    assert logs["const_d"] == pytest.approx(3.0) and logs["const_g"] == pytest.approx(-1.5)


def test_a_term_can_replace_the_adversarial_loss_and_ask_for_real_outputs():
    class Replacing(ConstantTerm):
        replaces_adversarial_loss = ("generator",)
        needs_real_in_generator_phase = True

        def generator_loss(self, step):
            assert step.d_real is not None and "logits" in step.d_real
            return 0.25 + 0.0 * keras.ops.mean(step.fake)

    gan = tiny_gan(terms=[Replacing(weight=4.0)])
    logs = gan.train_on_batch(real_batch(16), return_dict=True)
    assert logs["g_loss"] == pytest.approx(1.0)  # 4 * 0.25, no adversarial part


def test_two_replacing_terms_drop_the_adversarial_loss_once():
    class Replacing(ConstantTerm):
        replaces_adversarial_loss = ("generator",)

    gan = tiny_gan(terms=[Replacing(g=0.5, name="a"), Replacing(g=0.25, name="b")])
    logs = gan.train_on_batch(real_batch(16), return_dict=True)
    assert logs["g_loss"] == pytest.approx(0.75)


def test_labels_for_an_unconditional_gan_are_explained():
    gan = tiny_gan()
    with pytest.raises(ValueError, match="takes only the latent z"):
        gan.fit(real_batch(16), np.zeros(16), batch_size=8, verbose=0)


def test_fit_warns_when_steps_are_not_whole_execution_blocks():
    gan = tiny_gan(steps_per_execution=4)
    data = kgan.data.gaussian_1d(batch_size=8)
    with pytest.warns(UserWarning, match="multiple of 4"):
        gan.fit(data, epochs=1, steps_per_epoch=6, verbose=0)


def test_a_term_changes_the_gradients():
    class LogitPenalty(kgan.terms.Term):
        def discriminator_loss(self, step):
            return keras.ops.mean(keras.ops.square(step.d_real["logits"]))

    x = real_batch(16)
    results = []
    for weight in (0.0, 10.0):
        gan = tiny_gan(d_optimizer=keras.optimizers.SGD(0.1), terms=[LogitPenalty(weight=weight)])
        gan.train_on_batch(x)
        results.append(gan.discriminator.get_weights())
    assert not same(*results)


@keras.saving.register_keras_serializable(package="kgan_tests")
class CountingTerm(kgan.terms.Term):
    """A stateful term: counts its D-phase calls in a Keras variable."""

    def build(self, gan):
        self.count = keras.Variable(0.0, trainable=False, name="count")

    @property
    def variables(self):
        return [self.count]

    def discriminator_loss(self, step):
        self.count.assign_add(1.0)
        return 0.0 * keras.ops.mean(step.d_real["logits"])


def test_stateful_term_variables_are_saved_and_restored(tmp_path):
    gan = tiny_gan(terms=[CountingTerm()])
    gan.fit(real_batch(32), batch_size=8, epochs=1, verbose=0)
    assert float(gan.terms[0].count) == 4.0
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert float(loaded.terms[0].count) == 4.0
    loaded.fit(real_batch(32), batch_size=8, epochs=1, verbose=0)
    assert float(loaded.terms[0].count) == 8.0


def test_conditional_gan_without_a_condition_is_explained():
    z, c = keras.Input((2,)), keras.Input((3,))
    g = keras.Model([z, c], keras.layers.Dense(1)(keras.layers.Concatenate()([z, c])))
    x, c2 = keras.Input((1,)), keras.Input((3,))
    d = keras.Model([x, c2], keras.layers.Dense(1)(keras.layers.Concatenate()([x, c2])))
    gan = kgan.GAN(g, d, 2)
    gan.compile()
    with pytest.raises(ValueError, match="conditional"):
        gan.fit(real_batch(16), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="condition="):
        gan.generate(3)


def test_terms_round_trip_and_reject_names():
    gp = kgan.terms.GradientPenalty(weight=3.0, target=0.5, name="gp")
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(gp))
    assert restored.get_config() == gp.get_config()
    with pytest.raises(ValueError, match="GradientPenalty"):
        tiny_gan(terms=["gradient_penalty"])


@pytest.mark.parametrize("kwargs,error,match", [
    ({"loss": "wassertein"}, ValueError, "Valid names"),
    ({"d_steps": 0}, ValueError, "d_steps"),
    ({"optimizer": "adam"}, TypeError, "d_optimizer"),
    ({"metrics": ["accuracy"]}, TypeError, "metrics"),
])
def test_compile_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        tiny_gan(**kwargs)


def test_compile_rejects_one_optimizer_for_both():
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="same object"):
        tiny_gan(d_optimizer=opt, g_optimizer=opt)


def test_latent_dimension_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"Normal\(3\)"):
        kgan.GAN(kgan.nets.mlp(3, 1), kgan.nets.mlp(1, 1), kgan.latent.Normal(5))


def test_data_shape_mismatch_is_explained():
    gan = tiny_gan()
    with pytest.raises(ValueError, match="discriminator expects"):
        gan.fit(real_batch(16, data_dim=3), batch_size=8, verbose=0)


@pytest.mark.parametrize("head,match", [
    (lambda h: keras.layers.Dense(2)(h), "one logit per sample"),
    (lambda h: {"features": h}, "without a 'logits'"),
])
def test_bad_discriminator_outputs_are_explained(head, match):
    x = keras.Input((1,))
    d = keras.Model(x, head(keras.layers.Dense(4)(x)))
    with pytest.raises(ValueError, match=match):
        gan = kgan.GAN(kgan.nets.mlp(2, 1), d, 2)
        gan.compile()
        gan.fit(real_batch(16), batch_size=8, verbose=0)


def test_dict_discriminator_outputs_reach_terms():
    x = keras.Input((1,))
    h = keras.layers.Dense(4, name="features")(x)
    d = keras.Model(x, {"logits": keras.layers.Dense(1)(h), "features": h})
    seen = {}

    class Reads(kgan.terms.Term):
        def generator_loss(self, step):
            seen["features"] = step.d_fake["features"].shape[-1]
            return keras.ops.mean(step.d_fake["features"])

    gan = kgan.GAN(kgan.nets.mlp(2, 1), d, 2)
    gan.compile(terms=[Reads()])
    gan.fit(real_batch(16), batch_size=8, verbose=0)
    assert seen["features"] == 4


def test_non_keras_networks_are_refused():
    with pytest.raises(TypeError, match="Keras model"):
        kgan.GAN(lambda z: z, kgan.nets.mlp(1, 1), 1)


def test_terminate_on_non_finite_stops_a_diverging_run():
    gan = tiny_gan()
    x = real_batch(64)
    x[21, 0] = np.nan  # in the third batch: fit's up-front check reads only a dataset's first batch
    data = tf.data.Dataset.from_tensor_slices(x).batch(8)
    guard = kgan.callbacks.TerminateOnNonFinite(verbose=False)
    gan.fit(data, epochs=3, callbacks=[guard], verbose=0)
    assert guard.stopped and "nan" in guard.reason
    assert int(gan.g_optimizer.iterations) < 24


def test_subclassed_unbuilt_networks_are_built_by_compile():
    class Gen(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, z):
            return self.dense(z)

    class Disc(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden, self.out = keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    gan = kgan.GAN(Gen(), Disc(), kgan.latent.Normal(3))
    assert not gan.generator.built
    gan.compile()
    assert gan.built and gan.generator.built and gan.discriminator.built
    before = [np.array(w) for w in gan.generator.weights + gan.discriminator.weights]
    gan.fit(real_batch(32), batch_size=8, epochs=1, verbose=0)
    after = [np.array(w) for w in gan.generator.weights + gan.discriminator.weights]
    assert len(before) == 6 and all(not np.allclose(a, b) for a, b in zip(after, before, strict=True))  # both trained


def _bn_mlp(n_in, n_out):
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(8), keras.layers.BatchNormalization(),
                             keras.layers.ReLU(), keras.layers.Dense(n_out)])


def _values(variables):
    return [v.numpy().copy() for v in variables]


def test_each_phase_leaves_the_other_networks_batchnorm_statistics_alone():
    keras.utils.set_random_seed(0)
    gan = kgan.GAN(_bn_mlp(2, 1), _bn_mlp(1, 1), 2)
    gan.compile()
    real = keras.ops.convert_to_tensor(real_batch(16))
    g_state, d_state = _values(gan.generator.non_trainable_variables), _values(gan.discriminator.non_trainable_variables)
    gan._discriminator_step(real, None, True, gan.seed_generator)  # the D phase's forward pass
    assert same(_values(gan.generator.non_trainable_variables), g_state)
    assert not same(_values(gan.discriminator.non_trainable_variables), d_state)  # D's own statistics move
    d_state = _values(gan.discriminator.non_trainable_variables)
    gan._generator_step(real, None, True, gan.seed_generator)  # the G phase's forward pass
    assert same(_values(gan.discriminator.non_trainable_variables), d_state)
    assert not same(_values(gan.generator.non_trainable_variables), g_state)
    # And a whole step still trains both, gradients flowing through the stateless D call.
    w_g, w_d = weights(gan.generator), weights(gan.discriminator)
    gan.train_on_batch(real_batch(16))
    assert not same(weights(gan.generator), w_g) and not same(weights(gan.discriminator), w_d)


def test_recompiling_with_the_same_optimizers_keeps_their_state():
    gan = tiny_gan()
    gan.fit(real_batch(32), batch_size=8, epochs=1, verbose=0)
    gan.compile(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer, terms=[kgan.terms.GradientPenalty(1.0)])
    assert int(gan.d_optimizer.iterations) == 4
    history = gan.fit(real_batch(32), batch_size=8, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 8 and "gradient_penalty" in history.history
