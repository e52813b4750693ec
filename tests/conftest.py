import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kgan  # noqa: E402


def tiny_gan(latent_dim=2, data_dim=1, hidden=(8,), seed=0, **compile_kwargs):
    """A small MLP GAN on vectors of size data_dim, compiled (defaults unless overridden)."""
    keras.utils.set_random_seed(seed)
    g = kgan.nets.mlp(latent_dim, data_dim, hidden=hidden, name="g")
    d = kgan.nets.mlp(data_dim, 1, hidden=hidden, name="d")
    gan = kgan.GAN(g, d, kgan.latent.Normal(latent_dim), seed=seed)
    gan.compile(**compile_kwargs)
    return gan


def real_batch(n=16, data_dim=1, seed=0):
    return np.random.default_rng(seed).normal(-1.0, 1.0, size=(n, data_dim)).astype("float32")


@pytest.fixture
def make_gan():
    return tiny_gan


# ---------------------------------------------------------------------------- backends
#: Test files whose tests also run on Keras' JAX backend (``tox -e jax``: KERAS_BACKEND=jax
#: pytest -m backend_neutral), each with the tests that stay TensorFlow-only and why.
_TAPE = "the test differentiates with tf.GradientTape itself"
BACKEND_NEUTRAL = {
    "test_backends.py": {},
    "test_gan.py": {
        "test_train_step_matches_hand_computed_alternating_sgd_updates": _TAPE,
    },
    "test_gradient_penalty.py": {
        "test_gradient_penalty_stays_differentiable_where_the_gradient_is_zero": _TAPE,
    },
    "test_engine_seam.py": {
        "test_loss_hooks_are_what_train_step_and_test_step_use":
            "assigns one GAN's seed Variable to another's: JAX's trainer donates (deletes) the shared buffer",
        "test_mixed_float16_scales_each_players_loss_so_tiny_gradients_still_learn":
            "float16 tolerances measured on TensorFlow (JAX's G update differs by ~10%); not yet checked on JAX",
        "test_gradient_penalty_under_mixed_float16_stays_finite_and_close_to_float32":
            "float16 tolerances measured on TensorFlow (JAX differs by ~6%); not yet checked on JAX",
    },
    "test_losses.py": {},
    "test_modern_terms.py": {
        "test_r1_penalty_trains_d_through_the_double_backward": _TAPE,
        "test_relativistic_g_gradient_depends_on_real_logits": _TAPE,
        "test_lazy_off_steps_skip_the_inner_gradient": "counts Python calls, which a jitted step makes once",
    },
    "test_historical_averaging.py": {},
    "test_standing_statistics.py": {},
    "test_resume.py": {},
    "test_divergence.py": {},
    "test_keras_callbacks.py": {
        "test_tensorboard_logs_the_gan_metrics_and_steps_per_second": "not yet run on JAX",
        "test_terminate_on_nan_stops_when_a_gan_loss_turns_nan":
            "poisons D through a closure, not callback.model: JAX's trainer syncs state only through callback.model",
        "test_terminate_on_nan_raise_error_is_kept": "the same closure poisoning",
    },
    "test_modern_nets.py": {
        "test_ema_follows_the_hand_average_of_each_generator_update":
            "reads G through a closure mid-fit: on JAX the live values are in the trainer's state (callback.model syncs)",
        "test_kgan_sample_and_export_use_the_average_and_sample_truncates": "kgan export is TensorFlow only",
    },
}
#: Files of which only these tests run on JAX too.
BACKEND_NEUTRAL_ONLY = {
    "test_images.py": {"test_sample_grid_second_fit_continues_numbering",
                       "test_generator_ema_counts_updates_not_callback_calls"},
    "test_behaviours.py": {"test_generator_ema_decays_once_per_generator_update"},
}


def pytest_ignore_collect(collection_path, config):
    """On JAX, only the backend-neutral files are imported (the others may need TensorFlow's backend)."""
    if keras.backend.backend() != "tensorflow" and collection_path.suffix == ".py" \
            and collection_path.name.startswith("test_"):
        return collection_path.name not in BACKEND_NEUTRAL and collection_path.name not in BACKEND_NEUTRAL_ONLY
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.originalname or item.name
        only = BACKEND_NEUTRAL_ONLY.get(item.path.name)
        tf_only = BACKEND_NEUTRAL.get(item.path.name)
        if only is not None:
            tf_only = {} if name in only else {name: "not yet run on JAX"}
        if tf_only is None:
            continue
        if name in tf_only:
            if keras.backend.backend() != "tensorflow":
                item.add_marker(pytest.mark.skip(reason=f"TensorFlow only: {tf_only[name]}"))
        else:
            item.add_marker(pytest.mark.backend_neutral)
