"""``kgan evaluate``: every sample-quality metric of a saved model beside real-vs-real (kgan.apps.evaluation)."""

from __future__ import annotations

import json
import sys

from kgan.cli._args import fail, int_between
from kgan.cli.sample import load_sampler, model_command


def add_parser(commands) -> None:
    evaluate = model_command(commands, "evaluate", "FD, KID, precision/recall, density/coverage of a saved model",
                             "Evaluate generated images with the project's own classifier (no downloads): "
                             "Fréchet distance, kernel distance (KID ± std), precision, recall, density, coverage "
                             "and classifier score, each next to its real-train vs real-test value.")
    evaluate.add_argument("--data", default="fashion_mnist", help="the dataset it imitates (default fashion_mnist)")
    evaluate.add_argument("--n", type=int_between(2), default=10_000, help="images per set (default 10000)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate.set_defaults(handler=run)


def run(args) -> int:
    from kgan.apps import evaluation

    sampler = load_sampler(args)
    # Keras' progress bar goes to stdout: only for a person at a terminal, never into --json output or a log file.
    verbose = int(not args.quiet and not args.json and sys.stdout.isatty())
    try:
        report = evaluation.evaluate(sampler, data=args.data, n=args.n, seed=args.seed, verbose=verbose)
    except (FileNotFoundError, ValueError) as err:
        return fail(str(err))
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.table())
    return 0
