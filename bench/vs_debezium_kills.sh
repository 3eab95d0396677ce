#!/usr/bin/env bash
# Faults, side by side (issue 13): the same SIGKILLs of the worker under the seed's writer, for
#   (a) Debezium's PostgreSQL connector and Debezium's JDBC sink in a real Kafka Connect worker
#       (scripts/connect), on the seed's worker settings (examples/seed/connect-distributed.properties:
#       offset.flush.interval.ms=60000, no exactly-once source support);
#   (b) a `walrelay worker` with the same worker file plus exactly.once.source.support=enabled.
# Both run the same two connectors: the seed's source (examples/seed/register-postgres.json:
# ExtractNewRecordState, heartbeats; JSON converters with schemas in place of Avro) and a "history"
# sink (Debezium's JDBC sink class, insert.mode=insert, no key), so a change applied twice is a
# second row. `walrelay writer` counts debezium_table.current_value up by one per transaction.
# BENCH_KILLS times: run 6 s, SIGKILL the worker, start it again on the same REST port and wait
# until both connectors' tasks are RUNNING (the time from the SIGKILL to that is printed: process
# start included). Then the writer stops; once the history holds the source's last value, this
# counts, per contender: records that reach the topic twice (a read_committed consumer, kcat),
# rows the sink wrote twice, and values that never reached the topic or the history as a change
# of their own. walrelay's counts must all be zero (the script exits 1 otherwise). Debezium's
# "missing" values are no loss of data: a restarted task that finds no stored offset (Kafka
# Connect flushes them every 60 s in the seed's settings) snapshots again, and the snapshot's row
# stands for every change since; the destination's final state is right, its history is not.
#
# Both workers use scheduled.rebalance.max.delay.ms=0, so that Kafka Connect gives the killed
# worker's connectors to its restarted self at once instead of waiting up to 5 minutes for the
# "departed" member (walrelay does not delay); the history sinks use a 10 s consumer session
# (consumer.override.session.timeout.ms) so a dead member's partitions move soon, in both.
#
# Usage: bench/vs_debezium_kills.sh   Env: BENCH_KILLS (default 10), BENCH_RATE (writer
# transactions/s, default 50), WALRELAY_BIN (default build/walrelay), BENCH_KEEP=1 keeps logs
# ($PG_WORK/connect.log: every Connect worker's in turn).
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${BENCH_KILLS:-10}
rate=${BENCH_RATE:-50}
bin=${WALRELAY_BIN:-build/walrelay}
if [ "$bin" = build/walrelay ] && [ ! -x "$bin" ]; then scripts/build >/dev/null; fi
[ -x "$bin" ] || { echo "no walrelay binary at $bin" >&2; exit 1; }
for tool in kcat curl java; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-deps" >&2; exit 1; }
done
scripts/kafka fetch >/dev/null
scripts/connect fetch >/dev/null

source scripts/lib-pg.sh
source bench/lib-bench.sh
kafka_dir=$(mktemp -d /tmp/walrelay-bench-kafka-XXXXXX)
connect_dir=$PG_WORK/connect
worker_pid=
writer_pid=
cleanup() {
  for pid in $writer_pid $worker_pid; do kill -9 "$pid" 2>/dev/null || true; done
  scripts/connect --dir "$connect_dir" down >/dev/null 2>&1 || true
  scripts/kafka --dir "$kafka_dir" down >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "keeping $PG_WORK" >&2
    PG_WORK=/nonexistent pg_stop_all
  else
    pg_stop_all
  fi
}
trap cleanup EXIT
chmod 755 "$PG_WORK"

pg_start src "max_wal_size = 4GB" "log_min_messages = warning"
pg_start dst "log_min_messages = warning"
echo "starting Apache Kafka (KRaft, one broker)..."
bootstrap=$(scripts/kafka --dir "$kafka_dir" up --brokers 1 --owner $$ 2>/dev/null | tail -n 1)
echo "source PostgreSQL :$src_PORT, destination :$dst_PORT, Kafka $bootstrap"

# all_running URL NAMES...: every named connector and its tasks RUNNING.
all_running() {
  local url=$1 name
  shift
  for name in "$@"; do
    curl -sf "$url/connectors/$name/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
ok = s["connector"]["state"] == "RUNNING" and s["tasks"] and all(t["state"] == "RUNNING" for t in s["tasks"])
sys.exit(0 if ok else 1)' 2>/dev/null || return 1
  done
}
wait_running() {  # wait_running URL NAMES...: up to 180 s
  local start
  start=$(now)
  for _ in $(seq 1 1800); do
    if all_running "$@"; then
      calc "f'{$(now) - $start:.1f}'"
      return 0
    fi
    sleep 0.1
  done
  echo "connectors not RUNNING after 180 s at $1" >&2
  return 1
}

# connector_files ID: the seed's source (JSON converters, this run's hosts, slot ID_slot, topic
# prefix ID, database ID) and the history sink into database hist_ID.
connector_files() {
  local id=$1
  python3 - examples/seed/register-postgres.json "$src_PORT" "$id" >"$PG_WORK/$id-source.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
cfg = c["config"]
for k in [k for k in cfg if k.startswith("key.converter") or k.startswith("value.converter")]:
    del cfg[k]
cfg.update({"database.hostname": "127.0.0.1", "database.port": sys.argv[2],
            "database.dbname": sys.argv[3], "slot.name": sys.argv[3] + "_slot",
            "topic.prefix": sys.argv[3],
            # This run's broker creates no topic on its own (scripts/kafka): the worker does
            # (KIP-158), for both contenders alike.
            "topic.creation.default.replication.factor": "1",
            "topic.creation.default.partitions": "1"})
cfg.pop("database.server.name", None)
print(json.dumps(c))
PY
  cat >"$PG_WORK/$id-history.json" <<JSON
{"name": "history-sink", "config": {
  "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
  "topics": "$id.public.debezium_table",
  "connection.url": "jdbc:postgresql://127.0.0.1:$dst_PORT/hist_$id",
  "connection.username": "postgres", "connection.password": "postgres",
  "insert.mode": "insert", "primary.key.mode": "none", "schema.evolution": "none",
  "collection.name.format": "history",
  "consumer.override.session.timeout.ms": "10000",
  "consumer.override.heartbeat.interval.ms": "1000",
  "tasks.max": "1"}}
JSON
}

# The seed's worker file with this run's broker and REST port, and group ID's own topics.
worker_file() {  # worker_file ID PORT OUT [EXTRA LINES...]
  local id=$1 port=$2 out=$3
  shift 3
  sed -e "s|^bootstrap.servers=.*|bootstrap.servers=$bootstrap|" \
    -e "s|^listeners=.*|listeners=http://127.0.0.1:$port|" \
    -e "s|^rest.advertised.port=.*|rest.advertised.port=$port|" \
    -e "s|^group.id=.*|group.id=$id|" -e "s|=my_connect_|=$id-|" \
    examples/seed/connect-distributed.properties >"$out"
  echo "scheduled.rebalance.max.delay.ms=0" >>"$out"
  for line in "$@"; do echo "$line" >>"$out"; done
}

declare -A result
# contender ID: one side's whole run. start_ID / kill_ID start and SIGKILL its worker.
contender() {
  local id=$1 port url t_kill t_restart total_restart=0
  port=$(free_port)
  url=http://127.0.0.1:$port
  pg_sql "$src_PORT" postgres -c "CREATE DATABASE $id"
  pg_sql "$src_PORT" "$id" -f examples/seed/source-schema.sql >/dev/null
  pg_sql "$dst_PORT" postgres -c "CREATE DATABASE hist_$id"
  pg_sql "$dst_PORT" "hist_$id" -c "CREATE TABLE public.history (id int not null, current_value bigint not null)"
  connector_files "$id"
  "start_$id" "$port"
  register "$url" "$PG_WORK/$id-history.json"
  register "$url" "$PG_WORK/$id-source.json"
  wait_running "$url" source-connector history-sink >/dev/null
  "$bin" writer --dsn "host=127.0.0.1 port=$src_PORT dbname=$id user=postgres" --rate "$rate" \
    --duration 3600 --quiet 2>"$PG_WORK/$id-writer.log" &
  writer_pid=$!
  for round in $(seq 1 "$kills"); do
    sleep 6
    t_kill=$(now)
    "kill_$id"
    "start_$id" "$port"
    wait_running "$url" source-connector history-sink >/dev/null
    t_restart=$(calc "f'{$(now) - $t_kill:.1f}'")
    total_restart=$(calc "$total_restart + $t_restart")
    echo "  $id: kill $round/$kills: started again and RUNNING $t_restart s after the SIGKILL"
  done
  sleep 3
  kill "$writer_pid"
  wait "$writer_pid" 2>/dev/null || true
  writer_pid=
  local want got rows distinct low
  want=$(pg_sql "$src_PORT" "$id" -c "SELECT current_value FROM debezium_table WHERE id = 1")
  for _ in $(seq 1 600); do
    got=$(pg_sql "$dst_PORT" "hist_$id" -c "SELECT coalesce(max(current_value), 0) FROM history")
    [ "$got" = "$want" ] && break
    sleep 0.5
  done
  [ "$got" = "$want" ] || { echo "$id: the history reached $got, the source $want" >&2; exit 1; }
  read -r rows distinct low < <(pg_sql "$dst_PORT" "hist_$id" -F ' ' -c \
    "SELECT count(*), count(DISTINCT current_value), min(current_value) FROM history")
  # The topic, read committed (walrelay's records are transactional; Kafka Connect's are not).
  kcat -C -b "$bootstrap" -t "$id.public.debezium_table" -X isolation.level=read_committed -e -q \
    -f '%s\n' 2>/dev/null >"$PG_WORK/$id-topic.txt"
  local topic_stats
  topic_stats=$(python3 - "$PG_WORK/$id-topic.txt" "$want" <<'PY'
import json, sys, collections
seen = collections.Counter()
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    v = json.loads(line)
    v = v.get("payload", v)
    if v and "current_value" in v:
        seen[v["current_value"]] += 1
want = int(sys.argv[2])
dups = sum(n - 1 for n in seen.values())
missing = sum(1 for x in range(1, want + 1) if x not in seen)
print(sum(seen.values()), dups, missing)
PY
)
  local topic_records topic_dups topic_missing
  read -r topic_records topic_dups topic_missing <<<"$topic_stats"
  local sink_missing=$((want - distinct))
  result[$id]="$want $topic_records $topic_dups $topic_missing $rows $((rows - distinct)) $sink_missing $(calc "f'{$total_restart / $kills:.1f}'")"
  echo "  $id: $want changes; topic: $topic_records records, $topic_dups twice or more, $topic_missing missing; history: $rows rows, $((rows - distinct)) duplicates, $sink_missing missing (lowest value $low)"
  "kill_$id"
}

start_dbz() {
  local port=$1 props=()
  worker_file dbz "$port" "$PG_WORK/dbz.properties"
  # scripts/connect writes its own worker file: the seed's settings go in as --property.
  while IFS= read -r line; do
    case "$line" in '' | '#'*) continue ;; bootstrap.servers=* | listeners=* | group.id=* | *.storage.topic=*) continue ;; esac
    props+=(--property "$line")
  done <"$PG_WORK/dbz.properties"
  scripts/connect --dir "$connect_dir" up --bootstrap "$bootstrap" --group dbz --port "$port" \
    --owner $$ "${props[@]}" >/dev/null 2>>"$PG_WORK/connect-up.log"
  # shellcheck source=/dev/null
  source "$connect_dir/worker.env"
  worker_pid=$CONNECT_PID
}
kill_dbz() {
  kill -9 "$worker_pid" 2>/dev/null || true
  while kill -0 "$worker_pid" 2>/dev/null; do sleep 0.05; done
  worker_pid=
  # `up` starts over in a fresh directory: keep this worker's log.
  cat "$connect_dir/connect.log" >>"$PG_WORK/connect.log" 2>/dev/null || true
}
start_wr() {
  local port=$1
  worker_file wr "$port" "$PG_WORK/wr.properties" "exactly.once.source.support=enabled"
  "$bin" worker "$PG_WORK/wr.properties" 2>>"$PG_WORK/wr-worker.log" &
  worker_pid=$!
  until curl -sf "http://127.0.0.1:$port/" >/dev/null; do
    kill -0 "$worker_pid" 2>/dev/null || { tail -20 "$PG_WORK/wr-worker.log" >&2; exit 1; }
    sleep 0.05
  done
}
kill_wr() {
  kill -9 "$worker_pid" 2>/dev/null || true
  wait "$worker_pid" 2>/dev/null || true
  worker_pid=
}

echo
echo "== (a) Debezium + Kafka Connect: $kills SIGKILLs under the writer ($rate transactions/s)"
contender dbz
scripts/connect --dir "$connect_dir" down >/dev/null 2>&1 || true
echo
echo "== (b) walrelay worker, exactly.once.source.support=enabled: the same"
contender wr

echo
echo "== summary ($kills SIGKILLs each)"
printf '%-32s %8s %9s %9s %9s %9s %9s %9s %11s\n' "" changes "topic" "twice" "missing" "sink rows" "twice" "missing" "RUNNING s"
for id in dbz wr; do
  read -r want tr td tm sr sd sm rs <<<"${result[$id]}"
  label="(a) Debezium + Kafka Connect"
  [ "$id" = wr ] && label="(b) walrelay, exactly once"
  printf '%-32s %8s %9s %9s %9s %9s %9s %9s %11s\n' "$label" "$want" "$tr" "$td" "$tm" "$sr" "$sd" "$sm" "$rs"
done
read -r _ _ td tm _ sd sm _ <<<"${result[wr]}"
read -r _ _ _ dtm _ _ dsm _ <<<"${result[dbz]}"
if [ "$td" != 0 ] || [ "$sd" != 0 ] || [ "$tm" != 0 ] || [ "$sm" != 0 ]; then
  echo "walrelay: duplicates or losses (above): bar NOT met" >&2
  exit 1
fi
echo "walrelay: no duplicate and no loss in the topic or the destination (bar met)"
if [ "$dtm" != 0 ] || [ "$dsm" != 0 ]; then
  echo "Debezium: changes missing from its topic and history (above): snapshots taken again after"
  echo "  kills stood for them (the final state is right; the history of changes is not)"
fi
