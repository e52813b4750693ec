"""kgan.terms.HistoricalAveraging."""

import numpy as np
import pytest
from conftest import real_batch, tiny_gan

import kgan


def test_zero_at_start_then_tracks_the_running_mean(tmp_path):
    term = kgan.terms.HistoricalAveraging(weight=1.0)
    gan = tiny_gan(terms=[term])
    assert term.phases == ("discriminator", "generator") and len(term.variables) == 2 * 4 + 2
    x = real_batch(64)
    logs = gan.fit(x, batch_size=16, epochs=3, verbose=0).history
    assert {"historical_averaging_d", "historical_averaging_g"} <= set(logs)
    assert logs["historical_averaging_d"][-1] > 0  # weights moved away from their history
    # One fold per update: 3 epochs of 4 batches.
    count = term._counts["discriminator"].numpy()
    assert count == 3 * 4
    gan.save(tmp_path / "gan.keras")
    loaded = kgan.GAN.from_file(tmp_path / "gan.keras")
    restored = loaded.terms[0]
    np.testing.assert_allclose(restored._averages["generator"][0].numpy(), term._averages["generator"][0].numpy())
    assert restored._counts["discriminator"].numpy() == count


def test_only_one_network_and_bad_choice():
    term = kgan.terms.HistoricalAveraging(networks="generator")
    tiny_gan(terms=[term])
    assert term.phases == ("generator",) and term.metric_name("generator") == "historical_averaging"
    with pytest.raises(ValueError, match="networks="):
        kgan.terms.HistoricalAveraging(networks="all")
