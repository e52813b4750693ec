"""A DCGAN run that survives crashes and divergence: guard, checkpoints, backup and resume.

Run it, kill it (Ctrl-C, `kill -9`, a preempted machine) and run the same command
again: it continues from the last backup with both optimizers, the epoch counter
and the latent seed state restored. `DivergenceGuard` stops a diverging run and
puts back the last good weights; `kgan.callbacks.ModelCheckpoint` keeps one
`.keras` file per epoch and never writes NaN/inf weights.

    python examples/resume_training.py                      # 5 epochs of Fashion-MNIST, width 32
    python examples/resume_training.py --crash-at 30        # dies (SIGKILL) after step 30...
    python examples/resume_training.py                      # ...and resumes where the backup left it
    python examples/resume_training.py --smoke              # the same, tiny, with a crash and a resume

Writes to --out: backup/ (while training; deleted at the end), checkpoints/gan-NN.keras
(one per epoch) and gan.keras.
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

import keras

import kgan


class CrashAt(keras.callbacks.Callback):
    """Simulates a crash: the process kills itself with SIGKILL after training step ``step``."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations.numpy()) == self.step:
            print(f"simulated crash: SIGKILL after step {self.step}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


def train(out: Path, epochs: int, width: int, limit, batch_size: int, backup_every: int, crash_at=None):
    # Deterministic data order per epoch (shuffled once): a resumed run then ends with exactly the
    # weights an uninterrupted one would have (a reshuffling pipeline resumes with a new order).
    data = kgan.data.images("fashion_mnist", batch_size=batch_size, limit=limit, seed=0, shuffle=False)
    gan = kgan.GAN.dcgan((28, 28, 1), latent_dim=64, width=width, seed=0)
    gan.compile()
    callbacks = [
        kgan.callbacks.DivergenceGuard(),  # first: what the callbacks below see is never diverged
        kgan.callbacks.BackupAndRestore(out / "backup", save_freq=backup_every),  # resumes if a backup exists
        kgan.callbacks.ModelCheckpoint(os.fspath(out / "checkpoints" / "gan-{epoch:02d}.keras")),
    ]
    if crash_at:
        callbacks.append(CrashAt(crash_at))
    gan.fit(data, epochs=epochs, verbose=2, callbacks=callbacks)
    gan.save(out / "gan.keras")
    print(f"done: {int(gan.g_optimizer.iterations.numpy())} steps; wrote {out}/gan.keras and {out}/checkpoints/")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/example-resume", help="output folder (default runs/example-resume)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs (default 5)")
    parser.add_argument("--crash-at", type=int, default=None, help="SIGKILL this process after this training step")
    parser.add_argument("--smoke", action="store_true", help="tiny run: crash at step 5, then resume (a second process)")
    args = parser.parse_args()
    out = Path(args.out)

    if not args.smoke:
        train(out, args.epochs, width=32, limit=None, batch_size=64, backup_every=100, crash_at=args.crash_at)
        return
    settings = dict(epochs=2, width=4, limit=128, batch_size=32, backup_every=2)  # 4 steps per epoch
    if args.crash_at is None:  # the parent: run itself with a crash, then again to resume
        crashed = subprocess.run([sys.executable, __file__, "--smoke", "--out", str(out), "--crash-at", "5"])
        assert crashed.returncode == -signal.SIGKILL, crashed.returncode
        assert (out / "backup").exists(), "the crashed run left no backup"
        train(out, **settings)  # prints "kgan: resumed from the backup in ...: epoch 2 (step 4)."
        assert not (out / "backup").exists()  # deleted once training finished
    else:
        train(out, **settings, crash_at=args.crash_at)


if __name__ == "__main__":
    main()
