#!/usr/bin/env bash
# A distributed keras-tuner sweep on one machine: one chief (keras-tuner's oracle, a gRPC server)
# and two workers (they ask the chief for hyperparameters, train, and report W1 back).
#
#     bash examples/tune_distributed.sh [OUT] [TRIALS]       # default runs/tune-distributed, 6 trials
#
# keras-tuner's own environment variables do the wiring; every process runs the same
# `kgan tune` command with the same --out (a shared folder: on several machines, a shared
# file system). Only the chief writes the results table, the figure and best_gan.keras.
set -euo pipefail

OUT=${1:-runs/tune-distributed}
TRIALS=${2:-6}
PORT=${KERASTUNER_ORACLE_PORT:-8765}
ARGS=(tune gaussian-1d --trials "$TRIALS" --epochs 2 --steps-per-epoch 100 --out "$OUT")
KGAN=${KGAN:-kgan}
mkdir -p "$OUT"

export KERASTUNER_ORACLE_IP=127.0.0.1 KERASTUNER_ORACLE_PORT=$PORT
KERASTUNER_TUNER_ID=chief $KGAN "${ARGS[@]}" --json > "$OUT/chief.log" 2>&1 &
chief=$!
KERASTUNER_TUNER_ID=tuner0 $KGAN "${ARGS[@]}" --quiet > "$OUT/tuner0.log" 2>&1 &
worker0=$!
KERASTUNER_TUNER_ID=tuner1 $KGAN "${ARGS[@]}" --quiet > "$OUT/tuner1.log" 2>&1 &
worker1=$!

status=0
for pid in $worker0 $worker1 $chief; do wait "$pid" || status=$?; done
tail -n 1 "$OUT/tuner0.log" "$OUT/tuner1.log"
echo "==> chief (best trial, as JSON on its last line):"
tail -n 1 "$OUT/chief.log"
exit $status
