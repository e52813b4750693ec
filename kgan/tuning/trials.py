"""Reading a sweep back: one row per trial, the Markdown/CSV trials table and the D/G-plane figure.

Works on any keras-tuner tuner whose hypermodel is a `GANHyperModel`, on a
`LearningRateBalance`, or on a project directory alone (what a distributed chief left on disk).

```python
from kgan import tuning

rows = tuning.results("runs/tune/gaussian-1d", objective="w1")   # list of dicts, in trial order
print(tuning.results_table(tuner))                               # best first, failed trials last
tuning.write_results(tuner)     # trials.csv, trials.md, trials.png in the tuner's project directory
```
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import keras_tuner
import numpy as np

from kgan import _atomic

__all__ = ["plot_trials", "results", "results_table", "write_results"]


def _objective_name(tuner):
    """The name of the tuner's objective, or None (a project directory has no oracle to ask)."""
    return getattr(getattr(getattr(tuner, "oracle", None), "objective", None), "name", None)


def _trials(tuner_or_dir):
    """The trials of a tuner (or a project directory), in id order."""
    oracle = getattr(tuner_or_dir, "oracle", None)
    if isinstance(oracle, keras_tuner.Oracle):
        return [oracle.trials[k] for k in sorted(oracle.trials)]
    project = Path(tuner_or_dir.project_dir if oracle is not None else tuner_or_dir)
    from keras_tuner.engine.trial import Trial

    found = [Trial.load(str(p)) for p in sorted(project.glob("trial_*/trial.json"))]
    return sorted(found, key=lambda t: t.trial_id)


def _why(message: str | None) -> str:
    """A failed trial's note: keras-tuner keeps the traceback; the FailedTrialError's text, else its last line."""
    if not message:
        return ""
    match = re.search(r"FailedTrialError: (.*)", message)
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return (match.group(1) if match else lines[-1] if lines else "").strip()


def results(tuner_or_dir, objective: str | None = None) -> list[dict]:
    """One dict per trial: ``trial``, ``status``, the hyperparameters (both learning rates spelled
    out), the objective, ``train_seconds``, ``eval_seconds``, ``steps``, ``epochs`` and ``note``
    (why a trial failed).

    ``tuner_or_dir``: a keras-tuner tuner, a `LearningRateBalance`, or a
    project directory (``directory/project_name``) written by one.
    """
    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    if objective is None:
        objective = _objective_name(tuner)
    rows = []
    for trial in _trials(tuner):
        values = dict(trial.hyperparameters.values)
        row = {"trial": trial.trial_id, "status": str(trial.status)}
        if "learning_rate" in values and "lr_ratio" in values:
            values.setdefault("g_learning_rate", values["learning_rate"])
            values.setdefault("d_learning_rate", values["learning_rate"] * values["lr_ratio"])
        for key in ("d_learning_rate", "g_learning_rate", "learning_rate", "lr_ratio", "beta_1", "d_steps", "loss"):
            if key in values:
                row[key] = values[key]
        for key, value in values.items():
            if key not in row and not key.startswith("tuner/"):
                row[key] = value
        if "tuner/epochs" in values:
            row["epochs"] = values["tuner/epochs"]
            row["initial_epoch"] = values["tuner/initial_epoch"]
        metrics = trial.metrics
        names = [objective] if objective else []
        for name in (*names, "train_seconds", "eval_seconds", "steps"):
            if name and metrics.exists(name):
                value = float(metrics.get_last_value(name))
                row[name] = int(value) if name == "steps" else value
        if objective and objective not in row:
            row[objective] = None
        row["note"] = _why(trial.message) if trial.status != "COMPLETED" else ""
        rows.append(row)
    return rows


def _format(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def results_table(tuner_or_dir, objective: str | None = None, sort: bool = True) -> str:
    """The trials as a Markdown table, best first (failed trials last)."""
    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    objective = objective or _objective_name(tuner)
    rows = results(tuner, objective)
    if not rows:
        return "(no trials yet)"
    if sort and objective:
        rows.sort(key=lambda r: (r.get(objective) is None, r.get(objective) or 0.0))
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if objective in columns:  # the objective right after the status
        columns.remove(objective)
        columns.insert(2, objective)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join(_format(r.get(c)).replace("|", "/") for c in columns) + " |")
    return "\n".join(lines)


def plot_trials(tuner_or_dir, path, objective: str | None = None, default=None, title: str | None = None):
    """The objective over the D/G learning-rate plane, saved as PNG.

    Each trial is a dot at (G's rate, D's rate) coloured by its objective
    (log scale, darker is better); the best is ringed, failed trials are red
    crosses, the dashed diagonal is D = G, and ``default`` (a ``(d_rate,
    g_rate)`` pair, or ``(d_rate, g_rate, objective)``) is marked with a star. If only one rate varies, the
    objective is plotted against it instead.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    objective = objective or _objective_name(tuner)
    rows = [r for r in results(tuner, objective) if "d_learning_rate" in r and "g_learning_rate" in r]
    ok = [r for r in rows if r["status"] == "COMPLETED" and r.get(objective) is not None]
    bad = [r for r in rows if r not in ok]
    fig, ax = plt.subplots(figsize=(6.2, 4.8), dpi=100)
    d_vary = len({r["d_learning_rate"] for r in rows}) > 1
    g_vary = len({r["g_learning_rate"] for r in rows}) > 1
    if d_vary and g_vary or not rows:
        if ok:
            values = np.array([r[objective] for r in ok])
            positive = values[values > 0]
            norm = LogNorm(positive.min(), max(positive.max(), positive.min() * 1.0001)) if positive.size else None
            dots = ax.scatter([r["g_learning_rate"] for r in ok], [r["d_learning_rate"] for r in ok], c=values,
                              cmap="viridis", norm=norm, s=60, edgecolors="k", linewidths=0.5, zorder=3)
            fig.colorbar(dots, ax=ax, label=f"{objective} (lower is better)")
            best = ok[int(np.argmin(values))]
            ax.scatter([best["g_learning_rate"]], [best["d_learning_rate"]], s=260, facecolors="none",
                       edgecolors="tab:red", linewidths=2, zorder=4, label=f"best: {objective} {best[objective]:.4g}")
        if bad:
            ax.scatter([r["g_learning_rate"] for r in bad], [r["d_learning_rate"] for r in bad], marker="x",
                       color="tab:red", s=50, zorder=3, label=f"failed / diverged ({len(bad)})")
        if default is not None:
            label = "untuned default" + (f": {objective} {default[2]:.4g}" if len(default) > 2 else "")
            ax.scatter([default[1]], [default[0]], marker="*", s=220, color="tab:orange", edgecolors="k",
                       zorder=5, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        lo = min([r[k] for r in rows for k in ("d_learning_rate", "g_learning_rate")] or [1e-5])
        hi = max([r[k] for r in rows for k in ("d_learning_rate", "g_learning_rate")] or [1e-2])
        ax.plot([lo, hi], [lo, hi], ls="--", color="0.5", lw=1, label="D rate = G rate")
        ax.set_xlabel("G learning rate")
        ax.set_ylabel("D learning rate")
    else:  # one rate varies: the objective against it; neither: against the trial number
        key = "d_learning_rate" if d_vary else "g_learning_rate" if g_vary else None
        xs = [r[key] if key else i for i, r in enumerate(rows)]
        ax.scatter([x for x, r in zip(xs, rows, strict=True) if r in ok], [r[objective] for r in ok],
                   color="tab:blue", zorder=3, label="trials")
        for x, r in zip(xs, rows, strict=True):
            if r in bad:
                ax.axvline(x, color="tab:red", lw=0.8, ls=":")
        if key:
            ax.set_xscale("log")
        if ok and min(r[objective] for r in ok) > 0:
            ax.set_yscale("log")
        ax.set_xlabel(key.replace("_", " ") if key else "trial")
        ax.set_ylabel(f"{objective} (lower is better)")
    ax.set_title(title or f"{len(rows)} trials: {objective} over the D/G learning rates")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    with _atomic.atomic_path(path) as tmp:
        fig.savefig(tmp)
    plt.close(fig)
    return path


def write_results(tuner_or_dir, directory=None, objective: str | None = None, default=None) -> dict:
    """Write ``trials.csv``, ``trials.md`` and ``trials.png`` (to the tuner's project directory by default).

    Returns the paths written.
    """
    tuner = getattr(tuner_or_dir, "tuner", tuner_or_dir)
    out = Path(directory or (tuner.project_dir if hasattr(tuner, "project_dir") else tuner))
    out.mkdir(parents=True, exist_ok=True)
    objective = objective or _objective_name(tuner)
    rows = results(tuner, objective)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with _atomic.atomic_path(out / "trials.csv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    _atomic.atomic_write_text(out / "trials.md", results_table(tuner, objective) + "\n")
    plot_trials(tuner, out / "trials.png", objective, default=default)
    return {"csv": out / "trials.csv", "markdown": out / "trials.md", "figure": out / "trials.png"}
