"""Shared pieces of the ``kgan`` command line: the one-line-error parser, argument types and `fail`.

The types run while the command line is parsed, so a bad number, path or file type ends
with argparse's one-line message and exit status 2 before TensorFlow does any work.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def fail(message: str) -> int:
    """Report a failed run as one line on stderr; returns its exit status, 1."""
    print(f"kgan: error: {message}", file=sys.stderr)
    return 1


def is_terminal(stream=None) -> bool:
    """Whether ``stream`` (default: stdout, where Keras' progress bar writes) is a terminal."""
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def progress_verbose(args) -> int:
    """The ``verbose`` a long command passes to ``fit`` (and kgan's own progress bars).

    0 with ``--quiet``; 1, Keras' live progress bar, on a terminal; 2, one plain line
    per epoch, when the output goes to a file or a pipe: the bar's ANSI colour codes
    and carriage returns have no place in a log file.
    """
    if getattr(args, "quiet", False):
        return 0
    return 1 if is_terminal() else 2


def int_between(low, high=None):
    """An argparse type for integers in [low, high)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value >= high):
            bound = f"from {low} to {high - 1}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected an integer {bound}, got {text!r}")
        return value

    return parse


def positive_int(text):
    """An argparse type for integers >= 1, worded "a positive integer" (the --cpu-devices message)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def finite_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text):
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def unit_interval(text):
    value = finite_float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def loss_name(text):
    """An argparse type: a name `kgan.losses.get` knows."""
    from kgan import losses

    try:
        losses.get(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown loss {text!r}; choose one of {', '.join(losses.names())}") from None
    return text


def existing_file(suffixes, what=None):
    """An argparse type: an existing file ending in one of ``suffixes``, as a Path.

    ``what`` names the argument in the message ("MODEL must be a .keras file"); without it
    the message reads "expected a .keras file".
    """

    def parse(text):
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            kind = f"a {' or '.join(suffixes)} file"
            raise argparse.ArgumentTypeError(f"{what} must be {kind}, got {text!r}" if what else
                                             f"expected {kind}, got {text!r}")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"no such file: {text!r}")
        return path

    return parse


def file_name(suffix):
    """An argparse type: a path ending in ``suffix`` (a file to write), as a Path."""

    def parse(text):
        if Path(text).suffix.lower() != suffix:
            raise argparse.ArgumentTypeError(f"expected a {suffix} file name, got {text!r}")
        return Path(text)

    return parse
