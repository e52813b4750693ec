"""The ``kgan`` command: the top-level parser and dispatch; each command lives in its own module.

    kgan train gaussian-1d [--variant modern|faithful] [--mu M] [--sigma S] [--steps N] [--seed K]
                           [--out DIR] [--json] [--quiet]
                           [--optimizer momentum|sgd] [--noise stratified|uniform] [--no-pretrain]   (faithful)
                           [--strategy default|mirrored|multi-worker] [--cpu-devices N] [--deterministic]
    kgan train dcgan [--data fashion_mnist] [--epochs N] [--batch-size B] [--loss NAME] [--seed K]
                     [--latent-dim D] [--width W] [--image-size 28|32|64] [--limit N] [--out DIR]
                     [--recipe modern|paper] [--json] [--quiet] [--no-guard] [--backup-every STEPS] [--restart]
                     [--strategy default|mirrored|multi-worker] [--cpu-devices N] [--deterministic]
                     (an interrupted run resumes from DIR/backup unless --restart)
    kgan train infogan [the dcgan flags except --latent-dim] [--noise N] [--categorical K ...]
                       [--continuous C] [--continuous-weight W] [--network mlp|dcgan] [--recipe modern|paper]
    kgan sample MODEL [--n 64] [--out grid.png] [--npy images.npy] [--cols C] [--seed K]
                      [--latent uniform|normal] [--code cat0=3]
    kgan evaluate MODEL [--data fashion_mnist] [--n 10000] [--seed K] [--latent uniform|normal] [--json]
    kgan export MODEL BASE --name NAME [--version V] [--format saved_model|onnx] [--overwrite]
                           [--latent uniform|normal] [--no-warmup]
    kgan tune gaussian-1d|dcgan [--trials N] [--tuner random|bayesian|hyperband] [--out DIR] [--epochs N]
                                [--seed K] [--d-lr V [V]] [--g-lr V [V]] [--lr V [V]] [--ratio V [V]]
                                [--beta-1 V [V]] [--d-steps N ...] [--loss NAME ...] [--overwrite]
                                [--json] [--quiet]
                                gaussian-1d: [--mu M] [--sigma S] [--steps-per-epoch N]
                                dcgan: [--data D] [--limit N] [--batch-size B] [--width W]
                                       [--latent-dim D] [--image-size 28|32|64] [--eval-n N]
    kgan upscale MODEL INPUT(.png|.npy) --out OUT(.png|.npy) [--batch-size B] [--figure F.png]
    kgan inpaint MODEL IMAGE(.png|.npy) --out OUT.png [--mask center|random|MASK_FILE] [--figure F.png]
                 [--npy OUT.npy] [--steps N] [--restarts R] [--perceptual-weight L]
                 [--blend poisson|paste] [--seed K] [--quiet]
    kgan train, tune, inpaint: a live progress bar on a terminal; one line per epoch (no ANSI codes)
                 when the output is a file or a pipe; none with --quiet
    kgan generate-text MODEL CAPTION [CAPTION ...] [--out grid.png] [--n N] [--seed K] [--figure F.png]
                       (the old `CAPTION ... --model MODEL` still works, with a deprecation warning)
"""

from __future__ import annotations

import argparse
import os
import sys

from kgan.cli import evaluate, export, generate_text, inpaint, sample, train, tune, upscale
from kgan.cli._args import Parser, fail

# In the order `kgan --help` lists them.
_COMMANDS = (train, sample, evaluate, export, tune, upscale, inpaint, generate_text)


def build_parser() -> argparse.ArgumentParser:
    from kgan import __version__

    parser = Parser(
        prog="kgan",
        description="Train, sample and evaluate generative adversarial networks with Keras 3.",
        epilog="Run 'kgan COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"kgan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for command in _COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``kgan`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)  # --help, --version and usage errors end here, before TensorFlow loads
    if getattr(args, "check", None) is not None:  # a command's checks across its arguments (exit 2)
        args.check(args)
    import kgan

    kgan._load(quiet=True)  # the face the handlers use (a no-op when already loaded)
    try:  # arguments are checked by the parser; what the handlers raise still gets one line, not a traceback
        return args.handler(args)
    except KeyboardInterrupt:
        print("kgan: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as err:  # kgan's messages name the problem and the fix
        if os.environ.get("KGAN_TRACEBACK"):
            raise
        return fail(" ".join(str(err).split()))
    except Exception as err:  # noqa: BLE001 - unexpected: still one line, with the way to the traceback
        if os.environ.get("KGAN_TRACEBACK"):
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return fail(f"{type(err).__name__}: {first[:300]} (unexpected; run again with KGAN_TRACEBACK=1 for the "
                    "traceback and report it)")
