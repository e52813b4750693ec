"""``kgan evaluate``: Fréchet distance and classifier score of a saved model (kgan.apps.evaluation)."""

from __future__ import annotations

import json

from kgan.cli._args import fail, int_between
from kgan.cli.sample import load_sampler, model_command


def add_parser(commands) -> None:
    evaluate = model_command(commands, "evaluate", "Fréchet distance and classifier score of a saved model",
                             "Evaluate generated images with the project's own classifier (no downloads): "
                             "Fréchet distance and classifier score, next to real test vs real train.")
    evaluate.add_argument("--data", default="fashion_mnist", help="the dataset it imitates (default fashion_mnist)")
    evaluate.add_argument("--n", type=int_between(2), default=10_000, help="images per set (default 10000)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.set_defaults(handler=run)


def run(args) -> int:
    from kgan.apps import evaluation

    sampler = load_sampler(args)
    try:
        report = evaluation.evaluate(sampler, data=args.data, n=args.n, seed=args.seed)
    except (FileNotFoundError, ValueError) as err:
        return fail(str(err))
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.table())
    return 0
