#!/usr/bin/env bash
# `make run-distributed`: Shopfloor on this machine the way several machines run it:
# PostgreSQL and Redis (already running here, or started with systemctl/service), the web
# tier as 2 gunicorn workers, 2 kernel hosts (learners' workspace kernels), 2 Celery grading
# workers and Celery beat (the sweep). Ctrl+C stops them all.
#
#   DATABASE_URL  default postgresql://postgres@127.0.0.1:5432/shopfloor_dev (made if missing)
#   REDIS_URL     default redis://127.0.0.1:6379/3
#   HOST, PORT    default 127.0.0.1:8000
#
# How many of each process (the defaults are what `make run-distributed` starts):
#   WEB_WORKERS=2 WEB_THREADS=32 KERNEL_HOSTS=2 KERNEL_CAPACITY=12 GRADERS=2 GRADER_THREADS=2
# and each web worker's database connections (docs/operations.md, "How many database
# connections"): WEB_DB_POOL=10 WEB_DB_OVERFLOW=20 WEB_DB_WAIT=60 (seconds a request waits
# for one before it fails).
#
# --serve-only starts the processes alone, on a database and Redis that are ready (migrated
# and seeded), with the environment as given: what `make bench-load` does for its
# distributed mode (benchmarks/load.py). Without it the script first checks PostgreSQL and
# Redis, makes the database, migrates it and loads the curriculum and the demo data.
set -euo pipefail
cd "$(dirname "$0")/.."

serve_only=false
if [[ ${1:-} == --serve-only ]]; then
  serve_only=true
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--serve-only]" >&2
  exit 2
fi

BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_WORKERS=${WEB_WORKERS:-2}
WEB_THREADS=${WEB_THREADS:-32}
KERNEL_HOSTS=${KERNEL_HOSTS:-2}
KERNEL_CAPACITY=${KERNEL_CAPACITY:-12}
GRADERS=${GRADERS:-2}
GRADER_THREADS=${GRADER_THREADS:-2}
WEB_DB_POOL=${WEB_DB_POOL:-10}
WEB_DB_OVERFLOW=${WEB_DB_OVERFLOW:-20}
WEB_DB_WAIT=${WEB_DB_WAIT:-60}
INSTANCE=${SHOPFLOOR_INSTANCE_PATH:-instance}
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/shopfloor_dev}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
export SHOPFLOOR_LAB_ENGINE=distributed
export SHOPFLOOR_LAB_KERNELS=hosts
export SHOPFLOOR_DEV_MODE=${SHOPFLOOR_DEV_MODE:-true}
export SHOPFLOOR_PUBLIC_BASE_URL=${SHOPFLOOR_PUBLIC_BASE_URL:-http://$HOST:$PORT}
export SHOPFLOOR_LOG_FORMAT=${SHOPFLOOR_LOG_FORMAT:-json}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/instance/metrics}
# Every process writes its metrics there (docs/operations.md): start from an empty folder.
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR" "$INSTANCE"

service_up() {  # service_up NAME CHECK-COMMAND...: start NAME if CHECK fails, then wait for it
  local name=$1
  shift
  "$@" >/dev/null 2>&1 && return 0
  echo "Starting $name…"
  systemctl start "$name" 2>/dev/null || service "$name" start >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "error: $name is not running and could not be started; install and start it first." >&2
  exit 1
}

prepare() {  # the services, the database, its schema and the demo data
  service_up postgresql "$BIN/python" -c "import psycopg, os, sys; from sqlalchemy.engine import make_url; u = make_url(os.environ['DATABASE_URL']); psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname='postgres', connect_timeout=2).close()"
  service_up redis-server "$BIN/python" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL'], socket_timeout=2).ping()"

  # The database named in DATABASE_URL, made on first use.
  "$BIN/python" - <<'PY'
import os
import psycopg
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                     password=url.password, dbname="postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
        conn.execute(f'CREATE DATABASE "{url.database}"')
        print(f"Made database {url.database}.")
PY

  "$BIN/flask" db upgrade
  "$BIN/flask" curriculum sync
  "$BIN/flask" labs build
  "$BIN/flask" seed-demo
}

$serve_only || prepare

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# gthread: each open lab page holds a thread for its event stream (docs/operations.md). A
# worker's ordinary requests share its database connections; under a burst they queue for
# one, and a request that waits longer than WEB_DB_WAIT fails.
web_db="{\"pool_pre_ping\": true, \"pool_size\": $WEB_DB_POOL, \"max_overflow\": $WEB_DB_OVERFLOW, \"pool_timeout\": $WEB_DB_WAIT}"
SHOPFLOOR_SQLALCHEMY_ENGINE_OPTIONS=${SHOPFLOOR_SQLALCHEMY_ENGINE_OPTIONS:-$web_db} \
  "$BIN/gunicorn" --workers "$WEB_WORKERS" --worker-class gthread --threads "$WEB_THREADS" \
  --bind "$HOST:$PORT" wsgi:app & pids+=($!)
for n in $(seq 1 "$KERNEL_HOSTS"); do
  "$BIN/flask" labs kernel-host --name "kernels$n" --capacity "$KERNEL_CAPACITY" & pids+=($!)
done
for n in $(seq 1 "$GRADERS"); do
  "$BIN/celery" -A wsgi:celery_app worker --pool threads --concurrency "$GRADER_THREADS" \
    --queues grading --hostname "grader$n@%h" --loglevel INFO & pids+=($!)
done
"$BIN/celery" -A wsgi:celery_app beat --schedule "$INSTANCE/celerybeat-schedule" \
  --loglevel INFO & pids+=($!)

echo
echo "Shopfloor (distributed) on http://$HOST:$PORT: $WEB_WORKERS web workers of $WEB_THREADS threads,"
echo "$KERNEL_HOSTS kernel hosts, $GRADERS Celery grading workers of $GRADER_THREADS threads and beat."
echo "Ctrl+C stops them all."
wait -n "${pids[@]}"
