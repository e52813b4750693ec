"""Sweep the discriminator/generator learning-rate balance of your own GAN with keras-tuner.

The 1-D task (learn N(-1, 1)) with your own networks: `build_gan(hp)` returns an
uncompiled `kgan.GAN`, and `kgan.tuning.LearningRateBalance` compiles it with
Adam at each trial's D and G learning rates, trains it with `model.fit`, scores
it with W1 (lower is better) and lets keras-tuner pick the next trial.

    python examples/tune_lr_balance.py                       # 12 Bayesian-optimisation trials of 600 steps
    python examples/tune_lr_balance.py --tuner random --trials 20
    python examples/tune_lr_balance.py --smoke               # 2 trials of 5 steps, for the test suite

Run it again with the same --out and it continues where it stopped (finished
trials are kept). Writes to --out/lr_balance/: trials.md and trials.csv (one row
per trial: learning rates, W1, training time), trials.png (W1 over the D/G
learning-rate plane) and best_gan.keras.
"""

import argparse

import keras

import kgan
from kgan import tuning  # needs keras-tuner: pip install "kgan[tuner]"


def build_gan(hp):
    """Your GAN, uncompiled: the sweep compiles it with the trial's learning rates.

    `hp` is keras-tuner's HyperParameters: read the trial's values (hp.get("d_learning_rate"))
    or add your own (hp.Int("width", 16, 64)) if the networks depend on them.
    """
    generator = kgan.nets.mlp(1, 1, hidden=(32, 32), activation="leaky_relu", name="generator")
    discriminator = kgan.nets.mlp(1, 1, hidden=(32, 32), activation="leaky_relu", name="discriminator")
    return kgan.GAN(generator, discriminator, latent=kgan.latent.Normal(1), seed=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-tune", help="sweep directory (default runs/example-tune)")
    parser.add_argument("--tuner", choices=tuning.TUNERS, default="bayesian", help="keras-tuner's search algorithm")
    parser.add_argument("--trials", type=int, default=12, help="number of trials (default 12)")
    parser.add_argument("--smoke", action="store_true", help="2 trials of 5 steps: checks that everything runs")
    args = parser.parse_args()
    trials, epochs, steps_per_epoch = (2, 1, 5) if args.smoke else (args.trials, 6, 100)

    target = kgan.metrics.NormalDistribution(mu=-1.0, sigma=1.0)
    data = kgan.data.gaussian_1d(mu=-1.0, sigma=1.0, batch_size=256, seed=0)  # endless: fit needs steps_per_epoch

    sweep = tuning.LearningRateBalance(
        build_gan,
        objective=tuning.Wasserstein1(target, n=2000 if args.smoke else 10_000),  # scored after each trial
        tuner=args.tuner,
        max_trials=trials,
        directory=args.out,
        project_name="lr_balance",
        d_learning_rate=(1e-4, 3e-2),  # searched on a log scale
        g_learning_rate=(1e-4, 3e-2),
        loss="least_squares",  # fixed; a list such as ["least_squares", "hinge"] would be searched too
        seed=0,  # every trial starts from the same weights and sees the same data
    )
    written = sweep.search(data, epochs=epochs, steps_per_epoch=steps_per_epoch)

    print(sweep.results_table())  # best first; diverged trials are listed as FAILED with the reason
    best = sweep.best_hyperparameters()
    print(f"best: D learning rate {best['d_learning_rate']:.2e}, G learning rate {best['g_learning_rate']:.2e}, "
          f"W1 {best['w1']:.4f}")
    gan = sweep.best_gan()  # the best trial's GAN, trained
    gan.save(sweep.project_dir / "best_gan.keras")  # keras.models.load_model(...) gets it back
    samples = gan.generate(10_000, seed=1)
    print(f"best GAN's samples: mean {samples.mean():.3f}, std {samples.std():.3f} (target -1, 1)")
    print(f"wrote {written['markdown']}, {written['csv']}, {written['figure']}, best_gan.keras")
    keras.backend.clear_session()


if __name__ == "__main__":
    main()
