#!/usr/bin/env bash
# `make run-distributed`: Shopfloor on this machine the way several machines run it:
# PostgreSQL and Redis (already running here, or started with systemctl/service), the web
# tier as 2 gunicorn workers, 2 kernel hosts (learners' workspace kernels), 2 Celery grading
# workers and Celery beat (the sweep). Ctrl+C stops them all.
#
#   DATABASE_URL  default postgresql://postgres@127.0.0.1:5432/shopfloor_dev (made if missing)
#   REDIS_URL     default redis://127.0.0.1:6379/3
#   HOST, PORT    default 127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/shopfloor_dev}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
export SHOPFLOOR_LAB_ENGINE=distributed
export SHOPFLOOR_LAB_KERNELS=hosts
export SHOPFLOOR_DEV_MODE=true
export SHOPFLOOR_PUBLIC_BASE_URL=${SHOPFLOOR_PUBLIC_BASE_URL:-http://$HOST:$PORT}
export SHOPFLOOR_LOG_FORMAT=${SHOPFLOOR_LOG_FORMAT:-json}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/instance/metrics}
# Every process writes its metrics there (docs/operations.md): start from an empty folder.
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

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

service_up postgresql "$BIN/python" -c "import psycopg, os, sys; from sqlalchemy.engine import make_url; u = make_url(os.environ['DATABASE_URL']); psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname='postgres', connect_timeout=2).close()"
service_up redis-server "$BIN/python" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL'], socket_timeout=2).ping()"

# The database named in DATABASE_URL, made on first use.
"$BIN/python" - <<'EOF'
import os
import psycopg
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                     password=url.password, dbname="postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
        conn.execute(f'CREATE DATABASE "{url.database}"')
        print(f"Made database {url.database}.")
EOF

"$BIN/flask" db upgrade
"$BIN/flask" curriculum sync
"$BIN/flask" labs build
"$BIN/flask" seed-demo

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# gthread: each open lab page holds a thread for its event stream (docs/operations.md).
"$BIN/gunicorn" --workers 2 --worker-class gthread --threads 32 --bind "$HOST:$PORT" \
  wsgi:app & pids+=($!)
for n in 1 2; do
  "$BIN/flask" labs kernel-host --name "kernels$n" --capacity 12 & pids+=($!)
done
for n in 1 2; do
  "$BIN/celery" -A wsgi:celery_app worker --pool threads --concurrency 2 --queues grading \
    --hostname "grader$n@%h" --loglevel INFO & pids+=($!)
done
"$BIN/celery" -A wsgi:celery_app beat --schedule "instance/celerybeat-schedule" \
  --loglevel INFO & pids+=($!)

echo
echo "Shopfloor (distributed) on http://$HOST:$PORT: 2 web workers, 2 kernel hosts,"
echo "2 Celery grading workers and beat."
echo "Ctrl+C stops them all."
wait -n "${pids[@]}"
