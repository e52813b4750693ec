"""Benchmark the 1-D tutorial: quality (W1, KS, D), whole-command wall time, throughput.

    python benchmarks/gaussian_1d.py            # ~4 minutes on 2 CPU cores
    python benchmarks/gaussian_1d.py --quick    # fewer runs

Prints tables and writes benchmarks/results/gaussian_1d.json. Targets:
`modern` reaches W1 <= 0.05 against N(-1, 1) with the whole
`kgan train gaussian-1d --variant modern` command under 30 s; `faithful`
reports its W1 and KS as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "gaussian_1d.json"


def kgan_command():
    exe = shutil.which("kgan")
    return [exe] if exe else [sys.executable, "-m", "kgan.cli"]


def run_command(*flags) -> dict:
    """One whole `kgan train gaussian-1d` run; returns its JSON plus the command's wall time."""
    with tempfile.TemporaryDirectory() as out:
        argv = kgan_command() + ["train", "gaussian-1d", *map(str, flags), "--out", out, "--quiet", "--json"]
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["command_wall_seconds"] = round(wall, 2)
    result["flags"] = " ".join(map(str, flags))
    return result


def throughput(steps_per_execution_values, steps=2000) -> list[dict]:
    """Training steps per second of the modern 1-D GAN for each steps_per_execution, in this process."""
    import keras

    import kgan
    from kgan.tutorials import gaussian_1d

    rows = []
    for spe in steps_per_execution_values:
        keras.utils.set_random_seed(0)
        gan = gaussian_1d.build_modern(steps=steps, steps_per_execution=spe)
        data = kgan.data.gaussian_1d(batch_size=gaussian_1d.MODERN_BATCH)
        gan.fit(data, epochs=1, steps_per_epoch=max(spe, 100), verbose=0)  # trace and warm up
        start = time.perf_counter()
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        seconds = time.perf_counter() - start
        rows.append({"steps_per_execution": spe, "steps": steps, "seconds": round(seconds, 3),
                     "steps_per_second": round(steps / seconds, 1)})
    return rows


def table(rows, columns):
    widths = [max(len(c), *(len(f"{r.get(c, '')}") for r in rows)) for c in columns]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(f"{r.get(c, '')}".rjust(w) for c, w in zip(columns, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one seed and two targets only")
    args = parser.parse_args()
    seeds = [0] if args.quick else [0, 1, 2, 3, 4]
    targets = [(3.0, 0.5), (0.0, 2.0)] if args.quick else [(3.0, 0.5), (0.0, 2.0), (-4.0, 0.2), (10.0, 3.0)]

    modern = [run_command("--variant", "modern", "--seed", s) for s in seeds]
    modern += [run_command("--variant", "modern", "--mu", mu, "--sigma", sigma) for mu, sigma in targets]
    for r in modern:
        r["w1_over_sigma"] = round(r["w1"] / r["sigma"], 4)
    faithful = [
        run_command("--variant", "faithful"),
        run_command("--variant", "faithful", "--optimizer", "sgd", "--no-pretrain", "--noise", "uniform"),
    ]
    speed = throughput([1, 10, 50])

    cols = ["flags", "mu", "sigma", "seed", "w1", "w1_over_sigma", "ks", "d_real", "d_fake", "seconds", "command_wall_seconds"]
    print("\nmodern variant (10,000 samples; W1 target <= 0.05 on N(-1, 1); whole command < 30 s)")
    print(table(modern, cols))
    print("\nfaithful variant (the original recipe; the original reports D ~ 0.5 after training)")
    print(table(faithful, ["flags", "w1", "ks", "d_real", "d_fake", "mean", "std", "seconds", "command_wall_seconds"]))
    print("\nthroughput of the modern 1-D GAN (batch 512) by steps_per_execution")
    print(table(speed, ["steps_per_execution", "steps", "seconds", "steps_per_second"]))

    default = [r for r in modern if r["mu"] == -1.0 and r["sigma"] == 1.0]
    summary = {
        "modern_w1_max_on_N(-1,1)": max(r["w1"] for r in default),
        "modern_meets_w1_target": all(r["w1"] <= 0.05 for r in default),
        "modern_command_wall_seconds_max": max(r["command_wall_seconds"] for r in modern),
        "modern_meets_time_target": all(r["command_wall_seconds"] < 30 for r in modern),
    }
    print("\nsummary:", json.dumps(summary))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "gaussian_1d",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "summary": summary, "modern": modern, "faithful": faithful, "throughput": speed,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
