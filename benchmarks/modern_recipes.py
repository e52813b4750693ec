"""Issue 18: which GAN recipe wins on this CPU? DCGAN networks on Fashion-MNIST, paper vs modern.

    taskset -c 1 python benchmarks/modern_recipes.py --smoke            # every config, tiny, < 60 s
    taskset -c 1 python benchmarks/modern_recipes.py --part tune        # rel_r1r2: gamma and lazy interval, 10% data
    taskset -c 1 python benchmarks/modern_recipes.py --part full        # every config, 60,000 images, epochs 1, 2, 5 (paper 10)
    taskset -c 1 python benchmarks/modern_recipes.py --part small       # the same on 10% of the data (limit 6,000)
    taskset -c 1 python benchmarks/modern_recipes.py --part seeds --configs rel_r1r2_aug,paper   # seed 1 as well
    python benchmarks/modern_recipes.py --part figure                   # paper@10 vs modern@8 sample grids
    python benchmarks/modern_recipes.py --part table | markdown         # the tables from the JSON (text | docs)

Configs (the DCGAN preset's G and Uniform(100, -1, 1) code, same width, batch 64 and seeds):
``paper``: ``kgan.GAN.dcgan(...)``, ``compile()``'s defaults (non-saturating, Adam(2e-4, 0.5) x2,
BN in D). ``wgan_gp``: ``loss="wasserstein"``, ``GradientPenalty(10)``, a BN-free DCGAN D (built
here), Adam(1e-4, 0, 0.9), ``d_steps`` 1 (``wgan_gp:d_steps=5`` for the paper's). ``hinge_sn``:
``dcgan(..., spectral_norm=True)``, ``loss="hinge"``, Adam(2e-4, 0.5, 0.999) (SN-GAN's setting C).
``rel_r1r2``: ``loss="relativistic"``, ``R1Penalty`` + ``R2Penalty`` (gamma 1.0 every 16 D updates,
from ``--part tune``; ``rel_r1r2:gamma=..:interval=..``), the BN-free D, Adam(2e-4, 0, 0.99).
``<config>_aug``: D inside ``kgan.nets.augmented(D, "color,translation,cutout")`` (DiffAugment).
``modern`` (``kgan train dcgan``'s default): ``paper_aug`` with batch 32 and ``ema=0.999``.

Each checkpoint is scored twice, live G and the average (``ema_decay``): FD and KID (mean ± std
over subsets) on the project classifier's 128-d features, n generated (latent seed 123) vs the
first n test images (n = 5,000). Seconds per epoch count training only; a process's first epoch
(tracing) is left out when later ones exist; wall and CPU seconds are both kept (CPU is the
steadier on a shared machine). XLA is off unless ``--jit``. Resumable: each row is written to the
JSON as it is measured and the model saved under runs/bench-modern-recipes/; a rerun skips done
rows and continues from the last checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "modern_recipes.json"
SMOKE_RESULTS = ROOT / "benchmarks" / "results" / "modern_recipes_smoke.json"
RUN = ROOT / "runs" / "bench-modern-recipes"
FIGURES = ROOT / "docs" / "figures"
BASE = ("paper", "wgan_gp", "hinge_sn", "rel_r1r2")
CONFIGS = BASE + tuple(f"{b}_aug" for b in BASE) + ("modern",)
MODERN_BATCH = 32  # the modern recipe's batch: twice the updates per epoch (kgan train dcgan --recipe modern)
POLICY = "color,translation,cutout"
LATENT_DIM = 100
BATCH = 64
EVAL_SEED = 123          # the latent draw of every evaluation (same z for every config, live and EMA)
KID_SEED = 0
# rel_r1r2's gamma and lazy interval: chosen by --part tune (see the docs section).
R1R2_GAMMA = 1.0
R1R2_INTERVAL = 16
WGAN_D_STEPS = 1


def _setup_threads():
    """One pinned core: one TF thread pool thread each (more only contend for the core)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cores == 1:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    return cores


# results file: {"settings", "machine", "reference", "rows": [...]}, rewritten atomically


def _load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _save(path: Path, results: dict) -> None:
    from kgan import _atomic

    results["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic.atomic_write_text(path, json.dumps(results, indent=2) + "\n")


def _row_key(row) -> tuple:
    return (row["config"], row["options"], row["limit"], row["seed"], row["width"], row["epoch"])


# networks and recipes


def ema_decay(limit):
    """EMA decay with decay**(updates in epoch 1) < 1%: the first checkpoint is not the random init.

    60,000 images / 64 = 937 updates an epoch: 0.995 (0.995**937 = 0.009; 0.999 would leave 39%
    of the random initial weights in the average after epoch 1, 15% after epoch 2). 6,000 images:
    93 updates an epoch: 0.95 (0.95**93 = 0.008).
    """
    steps = (limit or 60_000) // BATCH
    return 0.995 if steps >= 900 else 0.95 if steps >= 90 else 0.9


def plain_discriminator(width, seed, name="dcgan_discriminator_nobn"):
    """The DCGAN D of kgan.nets.dcgan_discriminator (28x28) without batch norm: every conv has a bias."""
    import keras

    def init(i):
        return keras.initializers.RandomNormal(0.0, 0.02, seed=seed + i)

    images = keras.Input((28, 28, 1), name="image")
    x = images
    for i in range(2):
        x = keras.layers.Conv2D(width * 2 ** i, 4, strides=2, padding="same", kernel_initializer=init(i),
                                name=f"down{i + 1}")(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"down{i + 1}_act")(x)
    features = keras.layers.Flatten(name="features")(x)
    logits = keras.layers.Dense(1, kernel_initializer=init(2), dtype="float32", name="logits")(features)
    return keras.Model(images, {"logits": logits, "features": features}, name=name)


def parse_config(spec: str):
    """``name[:key=value...]`` -> (name, options dict). Options: gamma, interval, d_steps."""
    name, *pairs = spec.split(":")
    if name not in CONFIGS:
        raise SystemExit(f"unknown config {name!r}; known: {', '.join(CONFIGS)}")
    options = {}
    for pair in pairs:
        key, value = pair.split("=")
        options[key] = float(value) if key == "gamma" else int(value)
    base = name.removesuffix("_aug")
    if base == "rel_r1r2":
        options = {"gamma": options.get("gamma", R1R2_GAMMA), "interval": options.get("interval", R1R2_INTERVAL)}
    elif base == "wgan_gp":
        options = {"d_steps": options.get("d_steps", WGAN_D_STEPS)}
    else:
        options = {}
    return name, options


def options_text(options: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(options.items()))


def build(name, options, width, seed, ema, jit=False):
    """A compiled GAN for one config (see the module docstring)."""
    import keras

    import kgan

    keras.utils.set_random_seed(seed)
    base, aug = name.removesuffix("_aug"), name.endswith("_aug")
    if base == "modern":
        base, aug, ema = "paper", True, 0.999
    shape = (28, 28, 1)
    if base in ("paper", "hinge_sn"):
        preset = kgan.GAN.dcgan(shape, LATENT_DIM, width=width, seed=seed, spectral_norm=base == "hinge_sn")
        G, D, latent = preset.generator, preset.discriminator, preset.latent
    else:
        G = kgan.nets.dcgan_generator(shape, LATENT_DIM, width, seed=seed)
        D = plain_discriminator(width, seed + 1000)
        latent = kgan.latent.Uniform(LATENT_DIM, -1.0, 1.0)
    if aug:
        D = kgan.nets.augmented(D, policy=POLICY, seed=seed)
    gan = preset if (base in ("paper", "hinge_sn") and not aug) else kgan.GAN(G, D, latent=latent, seed=seed)
    Adam = keras.optimizers.Adam
    if base == "paper":
        gan.compile(ema=ema, jit_compile=jit)  # the defaults: non-saturating, Adam(2e-4, beta_1=0.5) x2
    elif base == "wgan_gp":
        gan.compile(Adam(1e-4, beta_1=0.0, beta_2=0.9), Adam(1e-4, beta_1=0.0, beta_2=0.9), loss="wasserstein",
                    terms=[kgan.terms.GradientPenalty(10.0)], d_steps=options["d_steps"], ema=ema, jit_compile=jit)
    elif base == "hinge_sn":
        gan.compile(Adam(2e-4, beta_1=0.5, beta_2=0.999), Adam(2e-4, beta_1=0.5, beta_2=0.999), loss="hinge",
                    ema=ema, jit_compile=jit)
    else:
        g, k = options["gamma"], options["interval"]
        gan.compile(Adam(2e-4, beta_1=0.0, beta_2=0.99), Adam(2e-4, beta_1=0.0, beta_2=0.99), loss="relativistic",
                    terms=[kgan.terms.R1Penalty(g, interval=k), kgan.terms.R2Penalty(g, interval=k)],
                    ema=ema, jit_compile=jit)
    return gan


# evaluation


class Evaluator:
    """FD and KID of n generated images (latent seed EVAL_SEED) against the first n test images."""

    def __init__(self, n, kid_subsets=100, kid_subset_size=1000):
        import kgan

        self.n, self.kid_subsets, self.kid_subset_size = n, kid_subsets, min(kid_subset_size, n // 2)
        self.metric = kgan.metrics.FrechetDistance(kgan.metrics.feature_model("fashion_mnist"))
        x_test, _ = kgan.data.image_arrays("fashion_mnist", "test")
        self.real = self.metric.features(x_test[:n])

    def quality(self, features):
        import kgan

        q = kgan.metrics.sample_quality(self.real, features, ("fd", "kid"), seed=KID_SEED,
                                        kid_subsets=self.kid_subsets, kid_subset_size=self.kid_subset_size)
        return {k: round(float(v), 6) for k, v in q.items()}

    def reference(self):
        """Real train images vs the real test images: what a perfect generator scores at this n."""
        import numpy as np

        import kgan

        x_train, _ = kgan.data.image_arrays("fashion_mnist", "train")
        pick = np.random.default_rng(0).choice(len(x_train), self.n, replace=False)
        return {"n": self.n, **self.quality(self.metric.features(x_train[pick]))}

    def __call__(self, gan) -> dict:
        import numpy as np

        out = {}
        for suffix, ema in (("", False), ("_ema", None)):
            fake = gan.generate(self.n, seed=EVAL_SEED, ema=ema)
            if not np.all(np.isfinite(fake)):
                out.update({f"fd{suffix}": math.nan, f"kid{suffix}": math.nan, f"kid_std{suffix}": math.nan})
                continue
            out.update({k + suffix: v for k, v in self.quality(self.metric.features(fake)).items()})
        return out


# training


def _epoch_timer():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = []  # (epoch, wall s, cpu s)

        def on_epoch_begin(self, epoch, logs=None):
            self._t, self._c = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append((epoch + 1, time.perf_counter() - self._t, time.process_time() - self._c))
            self.logs = dict(logs or {})

    return EpochTimer()


def run_one(args, results, path, evaluator, name, options, limit, seed, epochs):
    """Train one (config, data, seed) to max(epochs), evaluating (and appending a row) at each epoch in epochs."""
    import kgan

    opts = options_text(options)
    done = {_row_key(r): r for r in results.get("rows", [])}
    key = lambda e: (name, opts, limit, seed, args.width, e)  # noqa: E731
    todo = [e for e in epochs if key(e) not in done]
    data_name = "full" if limit is None else f"{limit}"
    label = f"{name}{'[' + opts + ']' if opts else ''} data={data_name} seed={seed} width={args.width}"
    if not todo:
        print(f"skip {label}: epochs {list(epochs)} done", flush=True)
        return
    folder = RUN / (f"{name}{'_' + opts.replace(',', '_').replace('=', '') if opts else ''}"
                    f"_{data_name}_s{seed}_w{args.width}" + ("_smoke" if args.smoke else ""))
    ema = 0.999 if name == "modern" else ema_decay(limit)
    batch = MODERN_BATCH if name == "modern" else BATCH
    gan, start = None, 0
    # resume from the latest saved checkpoint whose row is done
    for e in sorted((e for e in epochs if key(e) in done and e < min(todo)), reverse=True):
        ckpt = folder / f"epoch_{e:03d}.keras"
        if ckpt.exists():
            try:
                gan, start = kgan.GAN.from_file(ckpt), e
                print(f"resume {label} from epoch {e}", flush=True)
            except Exception as err:  # noqa: BLE001 - fall back to training from scratch
                print(f"could not resume from {ckpt} ({err}); training from scratch", flush=True)
                gan, start = None, 0
            break
    if gan is None:
        gan = build(name, options, args.width, seed, ema, jit=args.jit)
    data = kgan.data.images("fashion_mnist", batch_size=batch, seed=seed, limit=limit)
    # the epoch times measured before a resume (the row of the checkpoint we resumed from)
    prior_epochs = done[key(start)].get("epoch_seconds", []) if start else []
    epoch_log = list(prior_epochs)
    first_in_process = True
    for target in sorted(e for e in epochs if e > start):
        timer, seg_start = _epoch_timer(), start
        gan.fit(data, epochs=target, initial_epoch=start, verbose=0,
                callbacks=[timer, kgan.callbacks.TerminateOnNonFinite()])
        for epoch, wall, cpu in timer.epochs:
            epoch_log.append({"epoch": epoch, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                              "includes_compile": first_in_process})
            first_in_process = False
        start = target
        stopped = len(timer.epochs) < target - seg_start
        t0 = time.perf_counter()
        quality = evaluator(gan)
        eval_s = time.perf_counter() - t0
        steady = [x["wall_s"] for x in epoch_log if not x["includes_compile"]] or [x["wall_s"] for x in epoch_log]
        steady_cpu = [x["cpu_s"] for x in epoch_log if not x["includes_compile"]] or [x["cpu_s"] for x in epoch_log]
        row = {"config": name, "options": opts, "limit": limit, "seed": seed, "width": args.width, "epoch": target,
               "ema_decay": ema, "batch_size": batch, "n": evaluator.n, **quality,
               "s_per_epoch": round(statistics.median(steady), 2), "cpu_s_per_epoch": round(statistics.median(steady_cpu), 2),
               "epoch_seconds": epoch_log, "eval_s": round(eval_s, 1),
               "last_logs": {k: round(float(v), 4) for k, v in getattr(timer, "logs", {}).items()},
               "diverged": bool(stopped or not math.isfinite(quality.get("fd", math.nan)))}
        folder.mkdir(parents=True, exist_ok=True)
        gan.save(folder / f"epoch_{target:03d}.keras")  # to resume from (saved before its row), and for the figure
        results = _load(path) or results
        results.setdefault("rows", [])
        results["rows"] = [r for r in results["rows"] if _row_key(r) != _row_key(row)] + [row]
        _save(path, results)
        print(_format_row(row), f"  (eval {eval_s:.0f} s)", flush=True)
        if row["diverged"]:
            print(f"  {label}: stopped (non-finite); no further epochs", flush=True)
            break
    return results


# tables


HEADER = (f"{'config':34}{'data':>7}{'ep':>4}{'FD':>9}{'KID ± std':>18}{'FD EMA':>9}{'KID EMA ± std':>18}"
          f"{'s/epoch':>9}")


def _num(v, fmt):
    return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _format_row(r):
    name = r["config"] + (f"[{r['options']}]" if r["options"] else "") + (f" s{r['seed']}" if r["seed"] else "")
    data = "60k" if r["limit"] is None else f"{r['limit'] // 1000}k" if r["limit"] >= 1000 else str(r["limit"])
    kid = f"{_num(r.get('kid'), '.4f')} ± {_num(r.get('kid_std'), '.4f')}"
    kid_ema = f"{_num(r.get('kid_ema'), '.4f')} ± {_num(r.get('kid_std_ema'), '.4f')}"
    return (f"{name:34}{data:>7}{r['epoch']:>4}{_num(r.get('fd'), '.3f'):>9}{kid:>18}"
            f"{_num(r.get('fd_ema'), '.3f'):>9}{kid_ema:>18}{r['s_per_epoch']:>9.1f}")


def print_tables(path: Path):
    results = _load(path)
    rows = results.get("rows", [])
    if "reference" in results:
        ref = results["reference"]
        print(f"real train vs real test, n={ref['n']}: FD {ref['fd']:.3f}, KID {ref['kid']:.4f} ± {ref['kid_std']:.4f}")
    for limit in sorted({r["limit"] for r in rows}, key=lambda x: x or 10**9):
        for width in sorted({r["width"] for r in rows if r["limit"] == limit}):
            print(f"\nwidth {width}, data {'all 60,000' if limit is None else limit} images, batch {BATCH}")
            print(HEADER)
            sel = [r for r in rows if r["limit"] == limit and r["width"] == width]
            order = {c: i for i, c in enumerate(CONFIGS)}
            for r in sorted(sel, key=lambda r: (order.get(r["config"], 99), r["options"], r["seed"], r["epoch"])):
                print(_format_row(r))


def markdown_tables(path: Path):
    """The tables for docs/modern-stack.md: one per data size (the default options), then the rel_r1r2 tuning runs."""
    results = _load(path)
    rows = results.get("rows", [])
    order = {c: i for i, c in enumerate(CONFIGS)}
    default = {name: options_text(parse_config(name)[1]) for name in CONFIGS}
    header = ("| config | seed | epochs | FD | KID ± std | FD, EMA | KID, EMA ± std | s/epoch (wall) | CPU s/epoch "
              "| CPU x paper |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def line(r, base, last):
        """The run's time columns on its last row only: the steady median over its epochs after the first."""
        ratio = f"{r['cpu_s_per_epoch'] / base:.2f}" if base else ""
        times = f"{r['s_per_epoch']:.1f} | {r['cpu_s_per_epoch']:.1f} | {ratio}" if last else " | | "
        name = f"`{r['config']}`" + (f" ({r['options']})" if r["options"] != default[r["config"]] else "")
        return (f"| {name} | {r['seed']} | {r['epoch']} | {_num(r.get('fd'), '.2f')} | "
                f"{_num(r.get('kid'), '.3f')} ± {_num(r.get('kid_std'), '.3f')} | {_num(r.get('fd_ema'), '.2f')} | "
                f"{_num(r.get('kid_ema'), '.3f')} ± {_num(r.get('kid_std_ema'), '.3f')} | {times} |")

    def sort_key(r):
        return order.get(r["config"], 99), r["options"], r["seed"], r["epoch"]

    def run_of(r):
        return r["config"], r["options"], r["limit"], r["seed"], r["width"]

    def lines(selected, base):
        selected = sorted(selected, key=sort_key)
        last_epoch = {}
        for r in selected:
            last_epoch[run_of(r)] = max(last_epoch.get(run_of(r), 0), r["epoch"])
        for r in selected:
            print(line(r, base, r["epoch"] == last_epoch[run_of(r)]))

    for limit in sorted({r["limit"] for r in rows}, key=lambda x: x or 10**9):
        sel = [r for r in rows if r["limit"] == limit]
        paper = [r for r in sel if r["config"] == "paper" and r["seed"] == 0]
        base = max(paper, key=lambda r: r["epoch"])["cpu_s_per_epoch"] if paper else None  # its steady figure
        print(f"\n{'all 60,000' if limit is None else f'{limit:,}'} training images\n\n{header}")
        lines([r for r in sel if r["options"] == default[r["config"]]], base)
        others = [r for r in sel if r["options"] != default[r["config"]]]
        if others:
            print(f"\nother options, {'all 60,000' if limit is None else f'{limit:,}'} training images\n\n{header}")
            lines(others, base)


# parts


def figure(args, path):
    """Sample grids: paper after 10 epochs vs the default modern recipe after 8 (the same CPU time), 36 each, EMA.

    Without a modern@8 row: the best recipe after 2 epochs.
    """
    import numpy as np

    import kgan

    results = _load(path)
    rows = [r for r in results.get("rows", []) if r["limit"] is None and r["seed"] == 0 and r["width"] == args.width]
    paper = [r for r in rows if r["config"] == "paper" and r["epoch"] == 10]
    modern = [r for r in rows if r["config"] != "paper" and r["epoch"] == 2 and math.isfinite(r.get("fd_ema", math.nan))]
    if not paper or not modern:
        raise SystemExit("figure needs the full-data paper@10 and modern@2 rows (run --part full first)")
    same_cpu = [r for r in rows if r["config"] == "modern" and r["epoch"] == 8]
    best = same_cpu[0] if same_cpu else min(modern, key=lambda r: r["fd_ema"])
    images, labels = [], []
    for r in (paper[0], best):
        opts = r["options"]
        folder = RUN / (f"{r['config']}{'_' + opts.replace(',', '_').replace('=', '') if opts else ''}_full_s0_w{args.width}")
        gan = kgan.GAN.from_file(folder / f"epoch_{r['epoch']:03d}.keras")
        images.append(gan.generate(36, seed=EVAL_SEED))
        labels.append(f"{r['config']} @ {r['epoch']} ep: FD {r['fd_ema']:.1f}")
    grids = [kgan.pixels.figure(x, cols=6, min_cell=56) for x in images]
    gap = np.full((grids[0].shape[0], 16, grids[0].shape[2]), 255, np.uint8)
    both = np.concatenate([grids[0], gap, grids[1]], axis=1)
    out = FIGURES / "modern_recipes_grids.png"
    kgan.pixels.save_png(str(out), both)
    print(f"wrote {out}: left {labels[0]}, right {labels[1]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("full", "small", "tune", "seeds", "figure", "table", "markdown"), default="full")
    parser.add_argument("--configs", help=f"comma-separated, name[:gamma=..:interval=..:d_steps=..]; "
                                          f"default all of {', '.join(CONFIGS)}")
    parser.add_argument("--epochs", help="comma-separated checkpoint epochs (default 1,2,5; paper also 10)")
    parser.add_argument("--paper-epochs", default="1,2,5,10", help="checkpoints of the paper config (default 1,2,5,10)")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--limit", type=int, help="training images (default: all for full, 6000 for small/tune)")
    parser.add_argument("--seed", type=int, help="default 0 (seeds part: 1)")
    parser.add_argument("--n", type=int, default=5000, help="generated and real test images per evaluation")
    parser.add_argument("--kid-subsets", type=int, default=100)
    parser.add_argument("--results", type=Path, help=f"JSON file (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--jit", action="store_true", help="compile with XLA (default off: no faster on one CPU "
                                                         "core here, and it fails for lazy R1/R2 + DiffAugment)")
    parser.add_argument("--smoke", action="store_true", help="width 4, limit 256, 1 epoch, n=200, every config")
    args = parser.parse_args(argv)
    if args.smoke:
        args.width, args.limit, args.n, args.kid_subsets = 4, 256, 200, 10
        args.epochs = args.paper_epochs = "1"
        args.part = "small" if args.part not in ("full", "small") else args.part
    path = args.results or (SMOKE_RESULTS if args.smoke else RESULTS)
    if args.part in ("table", "markdown"):
        (print_tables if args.part == "table" else markdown_tables)(path)
        return
    if args.part == "figure":
        figure(args, path)
        return
    cores = _setup_threads()
    start = time.perf_counter()
    results = _load(path)
    results["settings"] = {
        "data": "fashion_mnist", "batch_size": BATCH, "latent": f"Uniform({LATENT_DIM}, -1, 1)",
        "generator": "kgan.nets.dcgan_generator", "n": args.n, "kid": f"{args.kid_subsets} subsets of "
        f"{min(1000, args.n // 2)}", "eval_latent_seed": EVAL_SEED, "diffaugment": POLICY,
        "cpu_cores_used": cores, "jit_compile": args.jit}
    evaluator = Evaluator(args.n, args.kid_subsets)
    if "reference" not in results or results["reference"].get("n") != args.n:
        results["reference"] = evaluator.reference()
    _save(path, results)
    if args.part == "tune":
        specs = args.configs or ("rel_r1r2:gamma=0.1:interval=4,rel_r1r2:gamma=1.0:interval=4,"
                                 "rel_r1r2:gamma=0.1:interval=16,rel_r1r2:gamma=1.0:interval=16")
        limit = args.limit or 6000
    else:
        specs = args.configs or ",".join(CONFIGS)
        limit = None if args.part == "full" and args.limit is None else (args.limit or 6000)
    seed = args.seed if args.seed is not None else (1 if args.part == "seeds" else 0)
    if args.part == "seeds" and args.limit is None:
        limit = None
    epochs = tuple(int(e) for e in (args.epochs or "1,2,5").split(","))
    paper_epochs = tuple(int(e) for e in args.paper_epochs.split(","))
    print(f"part {args.part}, width {args.width}, data {'all' if limit is None else limit}, seed {seed}, "
          f"n {args.n}, {cores} core(s)", flush=True)
    print(HEADER, flush=True)
    for spec in specs.split(","):
        name, options = parse_config(spec)
        run_epochs = paper_epochs if name == "paper" and not args.epochs else epochs
        results = run_one(args, results, path, evaluator, name, options, limit, seed, run_epochs) or _load(path)
    print(f"part {args.part} done in {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
