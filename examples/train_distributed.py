"""DCGAN on Fashion-MNIST on several GPUs or machines: tf.distribute around plain `model.fit`.

The only changes from single-device code: create the strategy first, build and compile the GAN
inside `strategy.scope()`, batch the data with the *global* batch size, and let only the chief
write files (`kgan.distribute.output_dir`). Losses are averaged over the global batch and the
logged metrics over all replicas, so the numbers mean what they mean on one device.

    python examples/train_distributed.py                              # all local GPUs (MirroredStrategy)
    python examples/train_distributed.py --cpu-devices 2              # no GPU: 2 logical CPU devices (slower!)
    # one machine of a cluster; run the same command on every machine with its own TF_CONFIG:
    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}' \\
        python examples/train_distributed.py --strategy multi-worker
    python examples/train_distributed.py --smoke                      # a tiny run in seconds, for the test suite

Writes to --out (on the chief): samples/epoch_*.png, generator.keras and gan.keras. A
`BackupAndRestore` folder lets a killed run continue where it was when started again.
"""

import argparse
from pathlib import Path

import kgan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strategy", choices=kgan.distribute.NAMES, default="mirrored")
    parser.add_argument("--cpu-devices", type=int, default=None,
                        help="mirrored without GPUs: split the CPU into this many logical devices")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-per-replica", type=int, default=64)
    parser.add_argument("--out", default="runs/example-distributed")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 1 epoch, 2 CPU replicas")
    args = parser.parse_args()

    import tensorflow as tf

    if args.smoke and args.strategy == "mirrored" and not tf.config.list_physical_devices("GPU"):
        args.cpu_devices = args.cpu_devices or 2
    # First thing: strategies configure devices and collective ops before TensorFlow's first operation.
    strategy = kgan.distribute.strategy(args.strategy, cpu_devices=args.cpu_devices)
    replicas = strategy.num_replicas_in_sync
    print(f"{args.strategy}: {replicas} replica(s)")

    width, limit, epochs, per_replica = (8, 256, 1, 16) if args.smoke else (64, None, args.epochs, args.batch_per_replica)
    global_batch = per_replica * replicas  # each replica gets per_replica samples of every batch
    data = kgan.data.images("fashion_mnist", batch_size=global_batch, limit=limit, seed=0)

    with strategy.scope():  # variables (weights, optimizer slots, metrics) are created mirrored
        gan = kgan.GAN.dcgan((28, 28, 1), width=width, seed=0)
        gan.compile()

    out = kgan.distribute.output_dir(args.out)  # args.out on the chief, a temp folder on other workers
    import keras

    gan.fit(
        data,
        epochs=epochs,
        verbose=2,
        callbacks=[
            keras.callbacks.BackupAndRestore(out / "backup"),  # resume after a crash; deleted when training ends
            kgan.callbacks.SampleGrid(out / "samples"),
            kgan.callbacks.TerminateOnNonFinite(),
        ],
    )
    gan.generator.save(out / "generator.keras")  # every worker saves (some reads are collective) ...
    gan.save(out / "gan.keras")
    kgan.distribute.cleanup_output_dir(out)  # ... and all but the chief delete theirs
    if kgan.distribute.is_chief(strategy):
        print(f"wrote {Path(args.out)}/: samples/epoch_*.png generator.keras gan.keras")


if __name__ == "__main__":
    main()
