#!/usr/bin/env bash
# `slice` locally and with `slice --redis` on 1, 2, … loopback `losslens worker` processes: wall time
# and peak RSS (GNU time -v) of the coordinator and of each worker, and whether every queued grid
# equals the local grid to the bit (train loss and accuracy, base loss). A throw-away loopback Redis
# is started on a free port and stopped at the end.
#
#   bench/slice-queue.sh MODEL DATA POINTS OUT_DIR "1 2 4" [extra slice flags…]
#   LOSSLENS_BIN=path/to/bin/losslens.js (default bin/losslens.js)
set -euo pipefail
MODEL=$1 DATA=$2 POINTS=$3 OUT=$4 COUNTS=$5
shift 5
BIN=${LOSSLENS_BIN:-bin/losslens.js}
mkdir -p "$OUT"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --maxmemory-policy noeviction >"$OUT/redis.log" 2>&1 &
REDIS=$!
trap 'kill $REDIS 2>/dev/null || true' EXIT
sleep 1
export LOSSLENS_QUEUE_SECRET=${LOSSLENS_QUEUE_SECRET:-bench-slice-queue-secret-0123456789abcdef}
GRID=(slice --model "$MODEL" --data "$DATA" --dims 2 --points "$POINTS" --workers 1 --quiet "$@")

# wall seconds and peak RSS (MB) from a GNU time -v log
stats() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2]} /Maximum resident/ {r = $2 / 1024} END {printf "%.1f s, %.0f MB", s, r}' "$1"; }

echo "load before: $(uptime)"
/usr/bin/time -v -o "$OUT/local.time" node "$BIN" "${GRID[@]}" --out "$OUT/local" >/dev/null
echo "local: $(stats "$OUT/local.time")  (load: $(cut -d' ' -f1-3 /proc/loadavg))"

for W in $COUNTS; do
  PIDS=()
  for i in $(seq 1 "$W"); do
    /usr/bin/time -v -o "$OUT/w$W-worker$i.time" node "$BIN" worker --redis "redis://127.0.0.1:$PORT" --queue "q$W" --concurrency 1 --cache "$OUT/cache-$W-$i" --quiet 2>"$OUT/w$W-worker$i.log" &
    PIDS+=($!)
  done
  /usr/bin/time -v -o "$OUT/w$W-coordinator.time" node "$BIN" "${GRID[@]}" --redis "redis://127.0.0.1:$PORT" --queue "q$W" --out "$OUT/queued-$W" >"$OUT/w$W-coordinator.out"
  for p in "${PIDS[@]}"; do pkill -INT -P "$p" || true; done
  for p in "${PIDS[@]}"; do wait "$p" || true; done
  echo "$W worker(s): coordinator $(stats "$OUT/w$W-coordinator.time"); workers: $(for i in $(seq 1 "$W"); do printf '[%s] ' "$(stats "$OUT/w$W-worker$i.time")"; done) (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  python3 - "$OUT/local/summary.json" "$OUT/queued-$W/summary.json" <<'EOF'
import json, sys
a, b = (json.load(open(f))['slice'] for f in sys.argv[1:3])
same = all(a[k] == b[k] for k in ('train', 'baseLoss', 'alphas', 'betas'))
blocks = json.load(open(sys.argv[2]))['timings']
print(f"  grid equal to the local run's bit for bit: {same}; blocks {blocks['blocks']} of {blocks['blockPoints']} points, summed block time {blocks['gridMs'] / 1000:.1f} s")
EOF
done
