"""The train tasks' ``--strategy``, ``--cpu-devices`` and ``--deterministic``: their handlers run under them.

Wraps a training command's handler: checks the options (before TensorFlow does
any work), switches on op determinism, creates the strategy first thing (as
MirroredStrategy and MultiWorkerMirroredStrategy require), runs the handler
inside ``strategy.scope()`` so that the model is created under it, and lets
only the chief write to ``--out`` (other workers write to a temp folder that
is deleted afterwards: Keras' multi-worker pattern).
"""

from __future__ import annotations

import functools

from kgan.cli._args import fail, positive_int

# kgan.distribute.NAMES, spelled out so that building the parser imports no TensorFlow (a test checks they agree).
STRATEGIES = ("default", "mirrored", "multi-worker")


def add_options(*parsers) -> None:
    """Add the options to each training parser and wrap its handler."""
    for parser in parsers:
        group = parser.add_argument_group("devices and reproducibility (see docs/distributed.md, docs/reproducibility.md)")
        group.add_argument("--strategy", choices=STRATEGIES, default="default",
                           help="'mirrored': one replica per local GPU; 'multi-worker': the cluster in TF_CONFIG "
                                "(run the same command on every worker); the batch size is the global batch "
                                "(default: 'default', one device)")
        group.add_argument("--cpu-devices", type=positive_int, default=None, metavar="N",
                           help="with --strategy mirrored on a machine without GPUs: split the CPU into N "
                                "logical devices (to try replication; slower, not faster)")
        group.add_argument("--deterministic", action="store_true",
                           help="switch on TensorFlow's op determinism: the same --seed gives the same weights "
                                "on the same machine and software (slower on GPU)")
        parser.set_defaults(handler=functools.partial(run, parser.get_default("handler"), parser))


def run(handler, parser, args) -> int:
    """Run ``handler(args)`` under the strategy and determinism the options ask for."""
    from kgan import distribute

    if args.cpu_devices is not None and args.strategy != "mirrored":
        parser.error("--cpu-devices applies to --strategy mirrored only")
    if args.strategy == "multi-worker":
        try:
            distribute.tf_config()
        except ValueError as err:
            parser.error(f"--strategy multi-worker: {err}")
    if args.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()  # the handler seeds Python, NumPy and TF with --seed
    if args.strategy == "default":
        return handler(args)
    try:
        strategy = distribute.strategy(args.strategy, cpu_devices=args.cpu_devices)
    except (RuntimeError, ValueError) as err:
        return fail(str(err))
    chief = distribute.is_chief(strategy)
    final_out = args.out
    args.out = str(distribute.output_dir(args.out, strategy))
    if not args.quiet:
        devices = ", ".join(sorted({d.split("/")[-1] for d in strategy.extended.worker_devices}))
        role = "" if args.strategy == "mirrored" else f"; this process is {'the chief' if chief else 'a worker'}"
        print(f"kgan: {args.strategy} strategy, {strategy.num_replicas_in_sync} replica(s) on {devices}{role}; "
              f"global batch split across replicas")
    with strategy.scope():
        status = handler(args)
    if not chief:
        distribute.cleanup_output_dir(args.out, strategy)
        if not args.quiet:
            print(f"kgan: worker done; the chief writes {final_out}")
    return status
