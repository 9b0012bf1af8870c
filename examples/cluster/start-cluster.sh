#!/usr/bin/env bash
# A one-host demo cluster: a private redis-server, one front process and N delivery workers (2 by
# default) on the file storage in ./cluster-data. Ctrl-C stops them all: the front and the workers
# drain first (running deliveries finish), then Redis.
#   After `npm run build`:  examples/cluster/start-cluster.sh [WORKERS]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cli="$here/../../bin/mailwright.js"
data="$here/cluster-data"
workers="${1:-2}"
redis_port=6390 # must match redis.url in front.yaml and worker.yaml

mkdir -p "$data/redis"
mailwright_pids=()
redis_pid=

stop_all() {
  trap - INT TERM EXIT
  echo "stopping: ${#mailwright_pids[@]} mailwright processes, then redis"
  for pid in "${mailwright_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${mailwright_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$redis_pid" ]; then
    kill -TERM "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

# Children run in their own session (setsid), so Ctrl-C reaches only this script, which then sends
# each of them exactly one SIGTERM (mailwright takes a second signal as "exit without draining").
#
# AOF with fsync on every write: a message acknowledged with 250 keeps its queue job across a
# crash of Redis too. noeviction: BullMQ must never lose keys to memory pressure.
setsid redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$data/redis" --save '' \
  --appendonly yes --appendfsync always --maxmemory-policy noeviction \
  --logfile "$data/redis/redis.log" &
redis_pid=$!
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

setsid node "$cli" start --config "$here/front.yaml" --role front &
mailwright_pids+=("$!")
for _ in $(seq 1 "$workers"); do
  setsid node "$cli" start --config "$here/worker.yaml" --role worker &
  mailwright_pids+=("$!")
done

echo "cluster: redis on 127.0.0.1:$redis_port, 1 front (pid ${mailwright_pids[0]}), $workers workers; Ctrl-C stops it"
wait
