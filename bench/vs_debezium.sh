#!/usr/bin/env bash
# walrelay against the system it replaces, in one run (issue 13, "Cost, side by side"): the
# bench/pg_to_pg.sh workload (N row changes: inserts, updates, deletes over three tables in
# transactions of 1-100 changes, bench/workload.sql) sits in the WAL, then each contender
# replicates it into a fresh destination database and is timed until the marker rows written after
# the workload, one per table, are in:
#
#   (a) Debezium's PostgreSQL connector + Kafka + Debezium's JDBC sink, in a real Kafka Connect
#       worker (scripts/connect: Kafka Connect and Debezium at the versions tools/connect/ pins),
#       with the JVM options and heap of Kafka's own bin/connect-distributed.sh (G1, -Xmx2G, C2)
#       rather than scripts/connect's test-sized ones, and the tuning Debezium's documentation
#       advises: a larger max.batch.size / max.queue.size for the source, and for the sink a
#       batch.size that the consumer's max.poll.records can fill;
#   (b) walrelay workers (`walrelay worker`) through the same Kafka, with the SAME two connector
#       configs (Debezium's connector classes; JsonConverter with schemas);
#   (c) `walrelay run`, standalone: the same two configs in one process, no Kafka;
#   (d) native logical replication (CREATE SUBSCRIPTION), before and after the others.
#
# For each: catch-up changes/s, CPU seconds of its processes (the Kafka broker's too, for (a) and
# (b)), peak RSS (VmHWM) of every process, the time from process start to its REST API answering
# and from the connectors' POST to the first row in the destination. Every destination is checked
# row for row against the source. Bars (issue 13): (b) >= 3x (a) in changes/s; walrelay's peak
# RSS <= 1/10 of the Connect worker's.
#
# Usage: bench/vs_debezium.sh [CHANGES]   (or BENCH_CHANGES; default 100000)
# Env:   WALRELAY_BIN (default build/walrelay), BENCH_CLIENTS (load clients, default 4),
#        BENCH_KEEP=1 keeps the servers' directory (logs; Connect's is printed),
#        BENCH_CONNECT_HEAP / BENCH_CONNECT_JVM replace (a)'s heap and JVM options,
#        BENCH_ONLY_WALRELAY=1 leaves (a) out (the summary's ratios then need an earlier run),
#        BENCH_SOURCE_EXTRA / BENCH_SINK_EXTRA add properties to every contender's source / sink
#        connector, as JSON members with a trailing comma (e.g. '"producer.override.linger.ms": "20",').
set -euo pipefail
cd "$(dirname "$0")/.."
changes=${1:-${BENCH_CHANGES:-100000}}
clients=${BENCH_CLIENTS:-4}
bin=${WALRELAY_BIN:-build/walrelay}
if [ "$bin" = build/walrelay ] && [ ! -x "$bin" ]; then scripts/build >/dev/null; fi
[ -x "$bin" ] || { echo "no walrelay binary at $bin" >&2; exit 1; }
for tool in kcat curl java; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-deps" >&2; exit 1; }
done
scripts/kafka fetch >/dev/null
scripts/connect fetch >/dev/null
export PGTZ=UTC

source scripts/lib-pg.sh
source bench/lib-bench.sh
kafka_dir=$(mktemp -d /tmp/walrelay-bench-kafka-XXXXXX)
connect_dir=$PG_WORK/connect
worker_pid=
bg_pids=()
cleanup() {
  for pid in "${bg_pids[@]}" $worker_pid; do kill "$pid" 2>/dev/null || true; done
  [ -z "$worker_pid" ] || wait "$worker_pid" 2>/dev/null || true
  if [ "${BENCH_KEEP:-0}" = 1 ] && [ -f "$connect_dir/connect.log" ]; then
    cp "$connect_dir/connect.log" "$PG_WORK/connect.log" 2>/dev/null || true
  fi
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

server_conf=(
  "shared_buffers = 512MB" "max_wal_size = 16GB" "checkpoint_timeout = 1h"
  "synchronous_commit = off" "wal_writer_delay = 10ms" "max_logical_replication_workers = 8"
  "max_worker_processes = 16" "autovacuum = off" "log_min_messages = warning"
)
pg_start src "${server_conf[@]}"
pg_start dst "${server_conf[@]}"
echo "starting Apache Kafka (KRaft, one broker)..."
bootstrap=$(scripts/kafka --dir "$kafka_dir" up --brokers 1 --owner $$ 2>/dev/null | tail -n 1)
broker_pid=$(cat "$kafka_dir/node1/pid")
echo "source PostgreSQL :$src_PORT, destination :$dst_PORT, Kafka $bootstrap"

# --- the workload (as bench/kafka.sh part 2) --------------------------------------------------
schema_sql="
CREATE TABLE t1 (id bigint PRIMARY KEY, a int NOT NULL, b text, c timestamptz);
CREATE TABLE t2 (id bigint PRIMARY KEY, qty numeric(12,2), name varchar(64), flag boolean);
CREATE TABLE t3 (id bigint, k int, d double precision, note text, PRIMARY KEY (id, k));
CREATE TABLE bench_done (id int PRIMARY KEY, finished_at timestamptz NOT NULL);"
contenders=(dbz wr_kafka wr_run)
pg_sql "$src_PORT" postgres -c "CREATE DATABASE src"
pg_sql "$src_PORT" src -c "$schema_sql"
pg_sql "$src_PORT" src -c "CREATE PUBLICATION bench_pub FOR TABLE t1, t2, t3, bench_done"
pg_sql "$src_PORT" src -f bench/workload.sql
for db in native_db native_db2 "${contenders[@]}"; do
  pg_sql "$dst_PORT" postgres -c "CREATE DATABASE $db"
  pg_sql "$dst_PORT" "$db" -c "$schema_sql"
done
for n in "" 2; do
  pg_sql "$dst_PORT" "native_db$n" -c "CREATE SUBSCRIPTION bench_sub$n
    CONNECTION 'host=127.0.0.1 port=$src_PORT dbname=src user=postgres'
    PUBLICATION bench_pub WITH (enabled = false, create_slot = true, copy_data = false,
                                slot_name = 'native_slot$n')"
done
for id in "${contenders[@]}"; do
  pg_sql "$src_PORT" src -c "SELECT pg_create_logical_replication_slot('${id}_slot', 'pgoutput')" \
    >/dev/null
  # Topics of one partition each, created ahead for both Kafka contenders alike.
  if [ "$id" != wr_run ]; then
    for t in t1 t2 t3 bench_done; do
      scripts/kafka --dir "$kafka_dir" topics --create --topic "$id.public.$t" --partitions 1 \
        --replication-factor 1 >/dev/null
    done
  fi
done

echo "loading $changes changes with $clients clients..."
per=$((changes / clients))
pids=()
for c in $(seq 1 "$clients"); do
  n=$per
  [ "$c" = "$clients" ] && n=$((changes - per * (clients - 1)))
  pg_sql "$src_PORT" src -c "CALL bench_load($c, $n)" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
# Markers in one last transaction: through Kafka each table is a topic of its own, applied in
# order within it but not across topics, so a catch-up is complete once every table's is in.
pg_sql "$src_PORT" src -c "BEGIN; INSERT INTO t1 VALUES (-1, 0, 'marker', now());
  INSERT INTO t2 VALUES (-1, 0, 'marker', true); INSERT INTO t3 VALUES (-1, 0, 0, 'marker');
  INSERT INTO bench_done VALUES (1, now()); COMMIT"
wal=$(pg_sql "$src_PORT" src -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(),
  restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'native_slot'")
echo "WAL to decode: $wal"

wait_marker() {
  pg_sql "$dst_PORT" "$1" -c "DO \$\$ BEGIN
    WHILE NOT (EXISTS (SELECT 1 FROM bench_done) AND EXISTS (SELECT 1 FROM t1 WHERE id = -1)
               AND EXISTS (SELECT 1 FROM t2 WHERE id = -1) AND EXISTS (SELECT 1 FROM t3 WHERE id = -1))
    LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
}
# first_row DB OUT: writes to OUT the time the first row reaches any of DB's tables.
first_row() {
  while [ "$(pg_sql "$dst_PORT" "$1" -c "SELECT EXISTS (SELECT 1 FROM t1) OR EXISTS (SELECT 1 FROM t2)
      OR EXISTS (SELECT 1 FROM t3)")" != t ]; do
    sleep 0.02
  done
  now >"$2"
}
checksum() {
  local port=$1 db=$2 out=
  for t in t1 t2 t3; do
    out+="$t=$(pg_sql "$port" "$db" -c "SELECT count(*) || ':' ||
      coalesce(sum(hashtextextended(x::text, 0)), 0) FROM $t x") "
  done
  echo "$out"
}
settle() {
  pg_sql "$dst_PORT" postgres -c "CHECKPOINT"
  pg_sql "$src_PORT" postgres -c "CHECKPOINT"
  sync
}
# dst_backends_cpu DB: CPU seconds of DB's destination backends so far.
dst_backends_cpu() {
  local total=0 pid
  for pid in $(pg_sql "$dst_PORT" "$1" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$1'
      AND pid <> pg_backend_pid()"); do
    total=$(calc "$total + $(cpu_secs "$pid" 2>/dev/null || echo 0)")
  done
  echo "$total"
}

# connector_files ID: the source and sink configs every contender runs (Debezium's classes),
# for slot ID_slot, topic prefix ID and destination database ID.
connector_files() {
  local id=$1
  cat >"$PG_WORK/$id-source.json" <<JSON
{"name": "$id-source", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$src_PORT", "database.user": "postgres",
  "database.password": "postgres", "database.dbname": "src", "topic.prefix": "$id",
  "plugin.name": "pgoutput", "slot.name": "${id}_slot", "publication.name": "bench_pub",
  "publication.autocreate.mode": "disabled", "snapshot.mode": "no_data",
  "table.include.list": "public.t1,public.t2,public.t3,public.bench_done",
  "max.batch.size": "4096", "max.queue.size": "16384", ${BENCH_SOURCE_EXTRA:-}
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "true",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "true",
  "offset.storage.file.filename": "$PG_WORK/$id.offset",
  "tasks.max": "1"}}
JSON
  cat >"$PG_WORK/$id-sink.json" <<JSON
{"name": "$id-sink", "config": {
  "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
  "topics": "$id.public.t1,$id.public.t2,$id.public.t3,$id.public.bench_done",
  "connection.url": "jdbc:postgresql://127.0.0.1:$dst_PORT/$id",
  "connection.username": "postgres", "connection.password": "postgres",
  "insert.mode": "upsert", "delete.enabled": "true", "primary.key.mode": "record_key",
  "schema.evolution": "none", "batch.size": "2000",
  "consumer.override.max.poll.records": "2000", ${BENCH_SINK_EXTRA:-}
  "transforms": "route",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": "$id\\\\.public\\\\.(.*)", "transforms.route.replacement": "\$1",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "true",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "true",
  "tasks.max": "1"}}
JSON
}

declare -A secs cpu rss ready first
run_native() {
  local n=$1 ta tb
  settle
  ta=$(now)
  pg_sql "$dst_PORT" "native_db$n" -c "ALTER SUBSCRIPTION bench_sub$n ENABLE"
  wait_marker "native_db$n"
  tb=$(now)
  pg_sql "$dst_PORT" "native_db$n" -c "ALTER SUBSCRIPTION bench_sub$n DISABLE"
  secs[native$n]=$(calc "$tb - $ta")
  printf '(d) native logical replication:   %9.0f changes/s (%.2f s)\n' \
    "$(calc "$changes / ${secs[native$n]}")" "${secs[native$n]}"
}

# through_rest ID URL PID: registers ID's sink then source at URL (a worker process PID), waits
# for the markers; fills secs, cpu, first for ID.
through_rest() {
  local id=$1 url=$2 pid=$3 ta tb cpu0 broker0 waiter watcher
  connector_files "$id"
  settle
  cpu0=$(cpu_secs "$pid")
  broker0=$(cpu_secs "$broker_pid")
  first_row "$id" "$PG_WORK/$id.first" &
  watcher=$!
  bg_pids+=("$watcher")
  ta=$(now)
  register "$url" "$PG_WORK/$id-sink.json"
  register "$url" "$PG_WORK/$id-source.json"
  wait_marker "$id" &
  waiter=$!
  # The Connect worker is no child of this shell (scripts/connect starts it): poll both.
  while kill -0 "$waiter" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$id: the worker died before catching up" >&2
      exit 1
    fi
    sleep 0.02
  done
  tb=$(now)
  wait "$watcher" 2>/dev/null || true
  secs[$id]=$(calc "$tb - $ta")
  first[$id]=$(calc "$(cat "$PG_WORK/$id.first") - $ta")
  cpu[$id]=$(calc "$(cpu_secs "$pid") - $cpu0")
  cpu[$id.broker]=$(calc "$(cpu_secs "$broker_pid") - $broker0")
  cpu[$id.dst]=$(dst_backends_cpu "$id")
  rss[$id]=$(hwm_mib "$pid")
  curl -sf -X DELETE "$url/connectors/$id-source" >/dev/null || true
  curl -sf -X DELETE "$url/connectors/$id-sink" >/dev/null || true
}

echo
echo "== catch-up of $changes changes"
run_native ""

# (c) walrelay standalone.
connector_files wr_run
settle
first_row wr_run "$PG_WORK/wr_run.first" &
bg_pids+=($!)
ta=$(now)
/usr/bin/time -f "%M %U %S" -o "$PG_WORK/run.rss" "$bin" run "$PG_WORK/wr_run-source.json" \
  "$PG_WORK/wr_run-sink.json" --idle-exit 2 2>"$PG_WORK/run.log" &
relay_pid=$!
wait_marker wr_run &
waiter=$!
wait -n "$waiter" "$relay_pid" 2>/dev/null || true
if ! kill -0 "$waiter" 2>/dev/null; then tb=$(now); else tb=; kill "$waiter" 2>/dev/null || true; fi
wait "$relay_pid" && rc=0 || rc=$?
if [ -z "$tb" ] || [ "$rc" != 0 ]; then
  echo "walrelay run failed (exit $rc) before catching up; its log:" >&2
  tail -20 "$PG_WORK/run.log" >&2
  exit 1
fi
secs[wr_run]=$(calc "$tb - $ta")
first[wr_run]=$(calc "$(cat "$PG_WORK/wr_run.first") - $ta")
read -r kib cpu_user cpu_sys < <(tail -1 "$PG_WORK/run.rss")
rss[wr_run]=$(calc "$kib / 1024")
cpu[wr_run]=$(calc "$cpu_user + $cpu_sys")
printf '(c) walrelay run (standalone):    %9.0f changes/s (%.2f s), first row %.2f s after start, CPU %.2f s, peak RSS %.1f MiB\n' \
  "$(calc "$changes / ${secs[wr_run]}")" "${secs[wr_run]}" "${first[wr_run]}" "${cpu[wr_run]}" "${rss[wr_run]}"

# (b) a walrelay worker through Kafka.
port=$(free_port)
cat >"$PG_WORK/worker.properties" <<EOF
bootstrap.servers=$bootstrap
group.id=vs-walrelay
config.storage.topic=vs-walrelay-configs
offset.storage.topic=vs-walrelay-offsets
status.storage.topic=vs-walrelay-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=1
status.storage.partitions=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
listeners=http://127.0.0.1:$port
EOF
t0=$(now)
"$bin" worker "$PG_WORK/worker.properties" 2>"$PG_WORK/worker.log" &
worker_pid=$!
until curl -sf "http://127.0.0.1:$port/" >/dev/null; do
  kill -0 "$worker_pid" 2>/dev/null || { tail -20 "$PG_WORK/worker.log" >&2; exit 1; }
  sleep 0.02
done
ready[wr_kafka]=$(calc "$(now) - $t0")
through_rest wr_kafka "http://127.0.0.1:$port" "$worker_pid"
printf '(b) walrelay worker through Kafka: %8.0f changes/s (%.2f s from POST), REST up %.2f s after start, first row %.2f s after POST\n' \
  "$(calc "$changes / ${secs[wr_kafka]}")" "${secs[wr_kafka]}" "${ready[wr_kafka]}" "${first[wr_kafka]}"
printf '    CPU: worker %.2f s, Kafka broker %.2f s, destination backends %.2f s; worker peak RSS %.1f MiB\n' \
  "${cpu[wr_kafka]}" "${cpu[wr_kafka.broker]}" "${cpu[wr_kafka.dst]}" "${rss[wr_kafka]}"
kill "$worker_pid"
wait "$worker_pid" 2>/dev/null || true
worker_pid=

if [ "${BENCH_ONLY_WALRELAY:-0}" = 1 ]; then
  run_native 2
  exit 0
fi

# (a) Kafka Connect with Debezium's connectors, as Kafka's own start script runs it.
t0=$(now)
CONNECT_HEAP_OPTS=${BENCH_CONNECT_HEAP:--Xms256M -Xmx2G} \
  CONNECT_JVM_OPTS=${BENCH_CONNECT_JVM:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true} \
  scripts/connect --dir "$connect_dir" up --bootstrap "$bootstrap" --group vs-connect --owner $$ \
  >/dev/null
ready[dbz]=$(calc "$(now) - $t0")
# shellcheck source=/dev/null
source "$connect_dir/worker.env"
through_rest dbz "$CONNECT_URL" "$CONNECT_PID"
printf '(a) Debezium + Kafka Connect:     %9.0f changes/s (%.2f s from POST), REST up %.2f s after start, first row %.2f s after POST\n' \
  "$(calc "$changes / ${secs[dbz]}")" "${secs[dbz]}" "${ready[dbz]}" "${first[dbz]}"
printf '    CPU: Connect worker %.2f s, Kafka broker %.2f s, destination backends %.2f s; worker peak RSS %.1f MiB\n' \
  "${cpu[dbz]}" "${cpu[dbz.broker]}" "${cpu[dbz.dst]}" "${rss[dbz]}"
scripts/connect --dir "$connect_dir" down >/dev/null 2>&1 || true

run_native 2
broker_rss=$(hwm_mib "$broker_pid")

want=$(checksum "$src_PORT" src)
for db in native_db native_db2 "${contenders[@]}"; do
  got=$(checksum "$dst_PORT" "$db")
  if [ "$got" != "$want" ]; then
    echo "MISMATCH $db: $got (source: $want)" >&2
    exit 1
  fi
done
echo "verified: every destination equals the source ($want)"

native_mean=$(calc "(${secs[native]} + ${secs[native2]}) / 2")
speed=$(calc "f'{${secs[dbz]} / ${secs[wr_kafka]}:.2f}'")
mem=$(calc "f'{${rss[wr_kafka]} / ${rss[dbz]}:.3f}'")
cpu_ratio=$(calc "f'{${cpu[dbz]} / ${cpu[wr_kafka]}:.1f}'")
echo
echo "== summary ($changes changes; Kafka broker peak RSS $(calc "f'{$broker_rss:.0f}'") MiB over the run)"
printf '%-34s %12s %10s %12s %12s\n' "" "changes/s" "CPU s" "peak RSS MiB" "first row s"
printf '%-34s %12.0f %10.2f %12.1f %12.2f\n' "(a) Debezium + Kafka Connect" \
  "$(calc "$changes / ${secs[dbz]}")" "${cpu[dbz]}" "${rss[dbz]}" "${first[dbz]}"
printf '%-34s %12.0f %10.2f %12.1f %12.2f\n' "(b) walrelay worker, same Kafka" \
  "$(calc "$changes / ${secs[wr_kafka]}")" "${cpu[wr_kafka]}" "${rss[wr_kafka]}" "${first[wr_kafka]}"
printf '%-34s %12.0f %10.2f %12.1f %12.2f\n' "(c) walrelay run, standalone" \
  "$(calc "$changes / ${secs[wr_run]}")" "${cpu[wr_run]}" "${rss[wr_run]}" "${first[wr_run]}"
printf '%-34s %12.0f\n' "(d) native logical replication" "$(calc "$changes / $native_mean")"
echo "(b)/(a) changes/s: $speed ($(calc "'met' if $speed >= 3 else 'NOT met'"); bar >= 3)"
echo "(b)/(a) peak RSS: $mem ($(calc "'met' if $mem <= 0.1 else 'NOT met'"); bar <= 0.1)"
echo "(a)/(b) worker CPU seconds: $cpu_ratio"
printf 'REST API up after start: walrelay worker %.2f s, Kafka Connect %.2f s\n' "${ready[wr_kafka]}" \
  "${ready[dbz]}"
