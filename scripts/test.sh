#!/usr/bin/env bash
# `make test`: lint, then the whole suite on SQLite, and, when TEST_DATABASE_URL names a
# PostgreSQL server, the tests that use a database again on PostgreSQL.
#
# The suite runs in two lanes at once:
#   browser and kernel tests, one at a time: they time real work (a kernel starting, a page
#       reconnecting) and spend most of their time waiting on it, not on the CPU; then a
#       quarter of the shipped labs' robustness pass (below);
#   every other test on TEST_WORKERS processes (pytest-xdist), on SQLite, then on
#       PostgreSQL: these keep the CPU busy while the first lane waits; then the rest of
#       the shipped labs' robustness pass (marker `labs`: every lab's reference, learner
#       version and pitfalls on two seeds, two kernels per process), also on TEST_WORKERS
#       processes. It is most of the kernels' work and times nothing, so it waits for the
#       cores the database tests free; the quarter the first lane takes (--lab-share, by
#       name) keeps the two lanes ending together.
# The second lane prints as it goes; the first lane's report follows when both are done
# (tests/artifacts/browser-and-kernel.log keeps it). The status is a failure if any fails.
#
#   TEST_WORKERS   processes for the second lane (default 2)
#   PYTEST_ARGS    passed to every pytest run, e.g. PYTEST_ARGS="-x -k lessons"
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
WORKERS=${TEST_WORKERS:-2}
read -r -a ARGS <<<"${PYTEST_ARGS:-}"
POSTGRES=${TEST_DATABASE_URL:-}
LOG=tests/artifacts/browser-and-kernel.log
mkdir -p tests/artifacts

"$BIN/ruff" check app plcsim tests migrations wsgi.py benchmarks || exit 1
"$BIN/ruff" format --check --quiet app plcsim tests wsgi.py benchmarks || exit 1

started=$SECONDS
# Lane 1: browser and kernel tests, serially, on SQLite. Its own process group, so that
# Ctrl+C or a failure of this script stops it and everything it started.
set -m
(
  env -u TEST_DATABASE_URL "$BIN/python" -m pytest -m "(e2e or kernel) and not labs" "${ARGS[@]}"
  browser=$?
  echo
  echo "== A quarter of the shipped labs on two learner seeds ($WORKERS processes)"
  env -u TEST_DATABASE_URL "$BIN/python" -m pytest -n "$WORKERS" -m labs --lab-share=0/4 \
    --durations=20 "${ARGS[@]}"
  labs=$?
  # The first failure decides; 5 (nothing selected) only if neither part ran a test.
  for code in "$browser" "$labs"; do
    case $code in 0 | 5) ;; *) exit "$code" ;; esac
  done
  [ "$browser" = 5 ] && [ "$labs" = 5 ] && exit 5
  exit 0
) >"$LOG" 2>&1 &
lane1=$!
set +m
trap 'kill -- -$lane1 2>/dev/null' EXIT

echo "== Browser and kernel tests, then a quarter of the labs: beside the others, reported at the end ($LOG)"
echo "== Tests without a browser or kernel, on SQLite ($WORKERS processes)"
env -u TEST_DATABASE_URL "$BIN/python" -m pytest -n "$WORKERS" -m "not e2e and not kernel" \
  "${ARGS[@]}"
sqlite=$?
postgres=0
if [ -n "$POSTGRES" ]; then
  echo "== The tests that use a database, again on PostgreSQL ($WORKERS processes)"
  TEST_DATABASE_URL=$POSTGRES "$BIN/python" -m pytest -n "$WORKERS" \
    -m "not e2e and not kernel" --database-only "${ARGS[@]}"
  postgres=$?
fi
echo "== Three quarters of the shipped labs on two learner seeds ($WORKERS processes)"
# Every lab's time is printed: the labs are most of this lane, and it is CI's longest.
env -u TEST_DATABASE_URL "$BIN/python" -m pytest -n "$WORKERS" -m labs --lab-share=1,2,3/4 \
  --durations=60 "${ARGS[@]}"
labs=$?

wait "$lane1"
browser=$?
trap - EXIT
echo
echo "== Browser and kernel tests (one at a time, beside the others), then a quarter of the labs"
cat "$LOG"
echo
echo "== Summary after $((SECONDS - started)) s"
status=0
for lane in "sqlite:$sqlite" "postgresql:$postgres" "shipped labs (3/4):$labs" \
  "browser and kernel, labs (1/4):$browser"; do
  name=${lane%:*}
  code=${lane##*:}
  if [ "$name" = postgresql ] && [ -z "$POSTGRES" ]; then
    echo "   $name: not run (TEST_DATABASE_URL is not set)"
    continue
  fi
  case $code in
    0) echo "   $name: passed" ;;
    5) echo "   $name: no test selected" ;;  # PYTEST_ARGS chose tests of the other lanes only
    *) echo "   $name: FAILED (pytest exit status $code)"; status=1 ;;
  esac
done
exit $status
