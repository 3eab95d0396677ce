#!/usr/bin/env bash
# Distributed mode through a real Apache Kafka (scripts/kafka, one KRaft broker), in one run:
#
# 1. Source -> Kafka. N single-row insert transactions sit in the WAL (as bench/capture.sh). A
#    walrelay worker's Debezium-compatible PostgreSQL source connector (JsonConverter with
#    schemas.enable=true, the task producer's acks=all) produces them to Kafka; pg_recvlogical
#    (raw pgoutput, the same publication, to /dev/null) reads the same WAL before and after it.
#    Every consumer's slot exists before the load. walrelay is timed from the connector's
#    POST /connectors to the N-th message in the topic (its end offset, asked every 10 ms over one
#    connection by bench/watch_end_offset.py);
#    its streaming alone (first to N-th message) is printed too. Ratio: walrelay against the mean
#    of the two pg_recvlogical runs.
# 2. PostgreSQL -> Kafka -> PostgreSQL catch-up. N row changes as bench/pg_to_pg.sh makes them
#    (inserts, updates, deletes over three tables, transactions of 1-100 changes) are replicated
#    into fresh destination databases by native logical replication (CREATE SUBSCRIPTION, before
#    and after the others), by `walrelay run` (PG -> PG in process, the Confluent JDBC sink behind
#    ExtractNewRecordState) and by the same two connector configs registered in the worker (JSON
#    with schemas through Kafka, a topic per table). Each is timed until the marker rows written
#    after the workload, one per table, are in its destination; every destination is then checked
#    row for row against the source.
# 3. Worker peak RSS (VmHWM) with the seed's three connectors (examples/seed/register-*.json,
#    JSON converters in place of Avro, hosts and publications set for this run) on two workers
#    started from the seed's connect-distributed.properties, while `walrelay writer` and
#    `walrelay writer --outbox` run unthrottled for BENCH_SEED_SECONDS.
# 4. SIGKILL of the worker that runs the source connector's task, to every connector and task
#    RUNNING on the other worker (GET /connectors/{c}/status polled every 50 ms), BENCH_KILLS
#    times; the killed worker is started again between rounds. A slow writer runs meanwhile;
#    the destination must equal the source at the end.
#
# Usage: bench/kafka.sh [CHANGES]   (or BENCH_CHANGES=CHANGES; default 200000, for parts 1 and 2)
# Env:   WALRELAY_BIN (default build/walrelay), BENCH_CLIENTS (load clients, default 4),
#        BENCH_PARTS (default "1 2 3 4": which parts to run; 4 needs 3),
#        BENCH_SEED_SECONDS (part 3's writers, default 10), BENCH_KILLS (part 4's rounds, default 3),
#        BENCH_SESSION_TIMEOUT_MS (parts 3-4's workers; default: unset, as in the seed's file, so
#        walrelay's and Kafka Connect's default of 10000 applies),
#        BENCH_KEEP=1 keeps the servers' directory (logs), BENCH_STATEMENTS=1 prints the
#        destination's statements of part 2 by time (pg_stat_statements),
#        BENCH_PERF=1 records `perf record --call-graph dwarf` of the worker during parts 1 and 2 into
#        $PG_WORK/perf-worker-{capture,catchup}.data,
#        BENCH_SOURCE_EXTRA adds properties to walrelay's source connectors of parts 1 and 2, as
#        JSON members with a trailing comma (e.g. '"producer.override.linger.ms": "20",').
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
changes=${1:-${BENCH_CHANGES:-200000}}
clients=${BENCH_CLIENTS:-4}
parts=" ${BENCH_PARTS:-1 2 3 4} "
seed_seconds=${BENCH_SEED_SECONDS:-10}
kills=${BENCH_KILLS:-3}
bin=${WALRELAY_BIN:-build/walrelay}
if [ "$bin" = build/walrelay ] && [ ! -x "$bin" ]; then scripts/build >/dev/null; fi
[ -x "$bin" ] || { echo "no walrelay binary at $bin" >&2; exit 1; }
for tool in kcat curl java; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-deps" >&2; exit 1; }
done
scripts/kafka fetch >/dev/null
export PGTZ=UTC

source scripts/lib-pg.sh
kafka_dir=$(mktemp -d /tmp/walrelay-bench-kafka-XXXXXX)
declare -A worker_pid worker_url
bg_pids=()
perf_pid=
cleanup() {
  [ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true
  for pid in "${bg_pids[@]}" "${worker_pid[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${worker_pid[@]}"; do wait "$pid" 2>/dev/null || true; done
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
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
summary=()  # lines printed again at the end

server_conf=(
  "shared_buffers = 512MB" "max_wal_size = 16GB" "checkpoint_timeout = 1h"
  "synchronous_commit = off" "wal_writer_delay = 10ms" "max_logical_replication_workers = 8"
  "max_worker_processes = 16" "autovacuum = off" "log_min_messages = warning"
)
pg_start src "${server_conf[@]}"
if [ "${BENCH_STATEMENTS:-0}" = 1 ]; then
  server_conf+=("shared_preload_libraries = 'pg_stat_statements'" "pg_stat_statements.track = all")
fi
pg_start dst "${server_conf[@]}"
echo "starting Apache Kafka (KRaft, one broker)..."
bootstrap=$(scripts/kafka --dir "$kafka_dir" up --brokers 1 --owner $$ 2>/dev/null | tail -n 1)
broker_pid=$(cat "$kafka_dir/node1/pid")
ktopics() { scripts/kafka --dir "$kafka_dir" topics "$@" >/dev/null; }
echo "source PostgreSQL :$src_PORT, destination :$dst_PORT, Kafka $bootstrap"

# start_worker NAME GROUP [EXTRA PROPERTY LINES...]: a worker from the seed's worker file, with
# this run's broker, a free REST port and, unless GROUP is the seed's "1", topics of GROUP's own.
start_worker() {
  local name=$1 group=$2 port file
  shift 2
  port=$(free_port)
  file=$PG_WORK/$name.properties
  sed -e "s|^bootstrap.servers=.*|bootstrap.servers=$bootstrap|" \
    -e "s|^listeners=.*|listeners=http://127.0.0.1:$port|" \
    -e "s|^rest.advertised.port=.*|rest.advertised.port=$port|" \
    examples/seed/connect-distributed.properties >"$file"
  if [ "$group" != 1 ]; then
    sed -i -e "s|^group.id=.*|group.id=$group|" -e "s|=my_connect_|=$group-|" "$file"
  fi
  for line in "$@"; do echo "$line" >>"$file"; done
  "$bin" worker "$file" 2>"$PG_WORK/$name.log" &
  worker_pid[$name]=$!
  worker_url[$name]=http://127.0.0.1:$port
  for _ in $(seq 1 300); do
    curl -sf "${worker_url[$name]}/" >/dev/null && return 0
    kill -0 "${worker_pid[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "worker $name did not start; its log:" >&2
  tail -20 "$PG_WORK/$name.log" >&2
  exit 1
}
stop_worker() {
  kill "${worker_pid[$1]}" 2>/dev/null || true
  wait "${worker_pid[$1]}" 2>/dev/null || true
  unset "worker_pid[$1]"
}
# cpu_secs PID: user + system CPU seconds the process has used so far.
cpu_secs() {
  local stat
  read -r stat <"/proc/$1/stat"
  set -- ${stat##*) }
  calc "(${12} + ${13}) / $(getconf CLK_TCK)"
}
hwm_kib() { sed -n "s/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

# register URL FILE: POST /connectors/ (a cluster still forming answers 409: try again).
register() {
  local code
  for _ in $(seq 1 150); do
    code=$(curl -s -o "$PG_WORK/register.out" -w '%{http_code}' -X POST \
      -H 'Content-Type: application/json' --data "@$2" "$1/connectors/")
    [ "$code" = 409 ] || break
    sleep 0.2
  done
  if [ "$code" != 201 ]; then
    echo "registering $2 failed ($code): $(cat "$PG_WORK/register.out")" >&2
    exit 1
  fi
}
unregister() { curl -sf -X DELETE "$1/connectors/$2" >/dev/null || true; }

# end_offset TOPIC: the topic's end offset (partition 0), empty while it is unknown.
end_offset() {
  kcat -Q -b "$bootstrap" -t "$1:0:-1" -m 2 2>/dev/null | sed -n 's/.* offset \([0-9-]*\)$/\1/p'
}

perf_start() {
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    perf record --call-graph dwarf,16384 -F 999 -o "$PG_WORK/perf-worker-$1.data" \
      -p "${worker_pid[bench]}" \
      >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.3
  fi
}
perf_stop() {
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=
  fi
}

# JSON converter members, spelled out in the connectors of parts 1 and 2 (the worker's defaults
# are the same): the format measured is Debezium JSON with schemas.
json_converters='"key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "true",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "true",'

if [[ "$parts" == *" 1 "* || "$parts" == *" 2 "* ]]; then
  start_worker bench walrelay-bench
  echo "worker ${worker_url[bench]} (group walrelay-bench)"
fi

# ---------------------------------------------------------------------------------------------
# 1. source -> Kafka against pg_recvlogical
if [[ "$parts" == *" 1 "* ]]; then
  echo
  echo "== 1. source -> Kafka: $changes single-row insert transactions"
  pg_sql "$src_PORT" postgres -c "CREATE DATABASE cap"
  pg_sql "$src_PORT" cap -c "CREATE TABLE bench(id bigserial primary key, v int not null, note text)"
  pg_sql "$src_PORT" cap -c "CREATE PUBLICATION cap_pub FOR TABLE bench"
  for slot in recv_slot recv_slot2 wr_cap_slot; do
    pg_sql "$src_PORT" cap -c "SELECT pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
  done
  topic=cap.public.bench
  ktopics --create --topic "$topic" --partitions 1 --replication-factor 1
  echo "INSERT INTO bench(v, note) VALUES (:client_id, 'some text for the row');" >"$PG_WORK/insert.sql"
  "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$src_PORT" -U postgres -c "$clients" -j 2 \
    -t $((changes / clients)) -f "$PG_WORK/insert.sql" cap >/dev/null
  cap_rows=$((changes / clients * clients))
  end_lsn=$(pg_sql "$src_PORT" cap -c "SELECT pg_current_wal_lsn()")
  wal=$(pg_sql "$src_PORT" cap -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(),
    restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'wr_cap_slot'")
  echo "WAL to decode: $wal ($cap_rows changes, up to $end_lsn)"

  declare -A recv_secs
  recv() {
    local ta tb
    pg_sql "$src_PORT" postgres -c "CHECKPOINT"
    ta=$(now)
    "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$src_PORT" -U postgres -d cap --slot "$1" --start \
      -o proto_version=1 -o publication_names=cap_pub --endpos "$end_lsn" -f /dev/null --no-loop
    tb=$(now)
    recv_secs[$1]=$(calc "$tb - $ta")
    printf 'pg_recvlogical (raw pgoutput):          %10.0f changes/s (%.2f s)\n' \
      "$(calc "$cap_rows / ${recv_secs[$1]}")" "${recv_secs[$1]}"
  }
  recv recv_slot

  cat >"$PG_WORK/cap.json" <<JSON
{"name": "cap", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$src_PORT", "database.user": "postgres",
  "database.dbname": "cap", "topic.prefix": "cap", "plugin.name": "pgoutput",
  "slot.name": "wr_cap_slot", "publication.name": "cap_pub",
  "publication.autocreate.mode": "disabled", "snapshot.mode": "never",
  $json_converters ${BENCH_SOURCE_EXTRA:-}
  "tasks.max": "1"}}
JSON
  pg_sql "$src_PORT" postgres -c "CHECKPOINT"
  perf_start capture
  cpu0=$(cpu_secs "${worker_pid[bench]}")
  broker0=$(cpu_secs "$broker_pid")
  # The end offset is watched from one connection (bench/watch_end_offset.py, every 10 ms): a
  # kcat process per query took 400 ms to answer on this busy machine.
  python3 bench/watch_end_offset.py "$bootstrap" "$topic" 0 "$cap_rows" 10 600 \
    >"$PG_WORK/watch.out" &
  watch_pid=$!
  bg_pids+=("$watch_pid")
  ta=$(now)
  register "${worker_url[bench]}" "$PG_WORK/cap.json"
  while kill -0 "$watch_pid" 2>/dev/null; do
    kill -0 "${worker_pid[bench]}" 2>/dev/null || { echo "the worker died" >&2; exit 1; }
    sleep 0.05
  done
  wait "$watch_pid" || { echo "not all $cap_rows changes in $topic after 600 s" >&2; exit 1; }
  tfirst=$(sed -n 's/^first //p' "$PG_WORK/watch.out")
  tb=$(sed -n 's/^done //p' "$PG_WORK/watch.out")
  cpu=$(calc "$(cpu_secs "${worker_pid[bench]}") - $cpu0")
  broker=$(calc "$(cpu_secs "$broker_pid") - $broker0")
  wsnd=$(pg_sql "$src_PORT" cap -c "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'wr_cap_slot'")
  perf_stop
  cap_secs=$(calc "$tb - $ta")
  stream_secs=$(calc "$tb - $tfirst")
  echo "  POST at $(date -u -d "@$ta" +%T.%3N), first message in Kafka at $(date -u -d "@$tfirst" +%T.%3N), last at $(date -u -d "@$tb" +%T.%3N) (UTC)"
  printf 'walrelay worker -> Kafka (JSON, acks=all): %7.0f changes/s (%.2f s from POST; streaming %.2f s)\n' \
    "$(calc "$cap_rows / $cap_secs")" "$cap_secs" "$stream_secs"
  printf '  CPU: worker %.2f s, Kafka broker %.2f s, walsender %s s\n' "$cpu" "$broker" \
    "$([ -n "$wsnd" ] && cpu_secs "$wsnd" || echo '?')"
  unregister "${worker_url[bench]}" cap
  recv recv_slot2
  sleep 1
  final=$(end_offset "$topic")
  [ "$final" = "$cap_rows" ] || { echo "$topic holds $final messages, expected $cap_rows" >&2; exit 1; }
  ratio=$(calc "f'{$cap_rows / $cap_secs / ($cap_rows / ((${recv_secs[recv_slot]} + ${recv_secs[recv_slot2]}) / 2)):.2f}'")
  sratio=$(calc "f'{$cap_rows / $stream_secs / ($cap_rows / ((${recv_secs[recv_slot]} + ${recv_secs[recv_slot2]}) / 2)):.2f}'")
  met=$(calc "'met' if $ratio >= 1.0 else 'NOT met'")
  summary+=("1. source -> Kafka / pg_recvlogical: $ratio from POST ($met; bar >= 1.0), $sratio streaming only; $topic holds exactly $final messages")
  echo "${summary[-1]}"
  for slot in recv_slot recv_slot2 wr_cap_slot; do
    pg_sql "$src_PORT" cap -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
  done
fi

# ---------------------------------------------------------------------------------------------
# 2. PostgreSQL -> Kafka -> PostgreSQL catch-up
if [[ "$parts" == *" 2 "* ]]; then
  echo
  echo "== 2. PostgreSQL -> Kafka -> PostgreSQL catch-up: $changes changes"
  schema_sql="
  CREATE TABLE t1 (id bigint PRIMARY KEY, a int NOT NULL, b text, c timestamptz);
  CREATE TABLE t2 (id bigint PRIMARY KEY, qty numeric(12,2), name varchar(64), flag boolean);
  CREATE TABLE t3 (id bigint, k int, d double precision, note text, PRIMARY KEY (id, k));
  CREATE TABLE bench_done (id int PRIMARY KEY, finished_at timestamptz NOT NULL);"
  pg_sql "$src_PORT" postgres -c "CREATE DATABASE src"
  pg_sql "$src_PORT" src -c "$schema_sql"
  pg_sql "$src_PORT" src -c "CREATE PUBLICATION bench_pub FOR TABLE t1, t2, t3, bench_done"
  pg_sql "$src_PORT" src -f bench/workload.sql
  for db in native_db native_db2 wr_run wr_kafka; do
    pg_sql "$dst_PORT" postgres -c "CREATE DATABASE $db"
    pg_sql "$dst_PORT" "$db" -c "$schema_sql"
  done
  for n in "" 2; do
    pg_sql "$dst_PORT" "native_db$n" -c "CREATE SUBSCRIPTION bench_sub$n
      CONNECTION 'host=127.0.0.1 port=$src_PORT dbname=src user=postgres'
      PUBLICATION bench_pub WITH (enabled = false, create_slot = true, copy_data = false,
                                  slot_name = 'native_slot$n')"
  done
  for id in run kafka; do
    pg_sql "$src_PORT" src -c "SELECT pg_create_logical_replication_slot('wr_${id}_slot', 'pgoutput')" \
      >/dev/null
  done
  for t in t1 t2 t3 bench_done; do
    ktopics --create --topic "bench.public.$t" --partitions 1 --replication-factor 1
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
  # Markers in one last transaction: through Kafka each table is a topic of its own, applied
  # in order within it but not across topics, so the catch-up is complete only once every table's
  # marker is in (a -1 key: the workload's keys are positive).
  pg_sql "$src_PORT" src -c "BEGIN; INSERT INTO t1 VALUES (-1, 0, 'marker', now());
    INSERT INTO t2 VALUES (-1, 0, 'marker', true); INSERT INTO t3 VALUES (-1, 0, 0, 'marker');
    INSERT INTO bench_done VALUES (1, now()); COMMIT"
  wal=$(pg_sql "$src_PORT" src -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(),
    restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'native_slot'")
  txs=$(pg_sql "$src_PORT" src -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'src'")
  echo "WAL to decode: $wal (~$txs transactions)"

  wait_marker() {
    pg_sql "$dst_PORT" "$1" -c "DO \$\$ BEGIN
      WHILE NOT (EXISTS (SELECT 1 FROM bench_done) AND EXISTS (SELECT 1 FROM t1 WHERE id = -1)
                 AND EXISTS (SELECT 1 FROM t2 WHERE id = -1) AND EXISTS (SELECT 1 FROM t3 WHERE id = -1))
      LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
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
  declare -A secs
  run_native() {
    local n=$1 ta tb
    settle
    ta=$(now)
    pg_sql "$dst_PORT" "native_db$n" -c "ALTER SUBSCRIPTION bench_sub$n ENABLE"
    wait_marker "native_db$n"
    tb=$(now)
    pg_sql "$dst_PORT" "native_db$n" -c "ALTER SUBSCRIPTION bench_sub$n DISABLE"
    secs[native$n]=$(calc "$tb - $ta")
    printf 'native logical replication:             %10.0f changes/s (%.2f s)\n' \
      "$(calc "$changes / ${secs[native$n]}")" "${secs[native$n]}"
  }
  # connector_files ID: the source and Confluent JDBC sink connectors of pg_to_pg.sh's Confluent
  # flavor, for slot wr_ID_slot and destination database wr_ID.
  connector_files() {
    local id=$1
    cat >"$PG_WORK/$id-source.json" <<JSON
{"name": "$id-source", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$src_PORT", "database.user": "postgres",
  "database.dbname": "src", "topic.prefix": "bench", "plugin.name": "pgoutput",
  "slot.name": "wr_${id}_slot", "publication.name": "bench_pub",
  "publication.autocreate.mode": "disabled", "snapshot.mode": "never",
  "table.include.list": "public.t1,public.t2,public.t3,public.bench_done",
  "transforms": "unwrap",
  "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
  "transforms.unwrap.delete.tombstone.handling.mode": "tombstone",
  $json_converters ${BENCH_SOURCE_EXTRA:-}
  "offset.storage.file.filename": "$PG_WORK/$id.offset"}}
JSON
    cat >"$PG_WORK/$id-sink.json" <<JSON
{"name": "$id-sink", "config": {
  "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
  "topics": "bench.public.t1,bench.public.t2,bench.public.t3,bench.public.bench_done",
  "connection.url": "jdbc:postgresql://127.0.0.1:$dst_PORT/wr_$id?user=postgres",
  "transforms": "route",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": "bench\\\\.public\\\\.(.*)", "transforms.route.replacement": "\$1",
  $json_converters
  "auto.create": "false", "insert.mode": "upsert", "pk.mode": "record_key",
  "delete.enabled": "true", "tasks.max": "1"}}
JSON
  }

  run_native ""

  # walrelay standalone, PG -> PG in one process, as bench/pg_to_pg.sh runs it.
  connector_files run
  settle
  ta=$(now)
  /usr/bin/time -f "%M %U %S" -o "$PG_WORK/run.rss" "$bin" run "$PG_WORK/run-source.json" \
    "$PG_WORK/run-sink.json" --idle-exit 2 2>"$PG_WORK/run.log" &
  relay_pid=$!
  bg_pids+=("$relay_pid")
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
  secs[run]=$(calc "$tb - $ta")
  read -r rss cpu_user cpu_sys < <(tail -1 "$PG_WORK/run.rss")
  printf 'walrelay run (PG -> PG in process):     %10.0f changes/s (%.2f s), peak RSS %.1f MiB, CPU %.2f s\n' \
    "$(calc "$changes / ${secs[run]}")" "${secs[run]}" "$(calc "$rss / 1024")" "$(calc "$cpu_user + $cpu_sys")"

  # The same two connectors in the worker, through Kafka.
  connector_files kafka
  settle
  perf_start catchup
  cpu0=$(cpu_secs "${worker_pid[bench]}")
  broker0=$(cpu_secs "$broker_pid")
  ta=$(now)
  register "${worker_url[bench]}" "$PG_WORK/kafka-sink.json"
  register "${worker_url[bench]}" "$PG_WORK/kafka-source.json"
  wait_marker wr_kafka &
  waiter=$!
  wait -n "$waiter" "${worker_pid[bench]}" 2>/dev/null || true
  if kill -0 "$waiter" 2>/dev/null; then
    echo "the worker died before catching up; its log:" >&2
    tail -20 "$PG_WORK/bench.log" >&2
    exit 1
  fi
  tb=$(now)
  cpu=$(calc "$(cpu_secs "${worker_pid[bench]}") - $cpu0")
  broker=$(calc "$(cpu_secs "$broker_pid") - $broker0")
  wsnd=$(pg_sql "$src_PORT" src -c "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'wr_kafka_slot'")
  backends=$(pg_sql "$dst_PORT" wr_kafka -c "SELECT pid FROM pg_stat_activity WHERE datname = 'wr_kafka' AND pid <> pg_backend_pid()")
  dst_cpu=0
  for pid in $backends; do dst_cpu=$(calc "$dst_cpu + $(cpu_secs "$pid")"); done
  perf_stop
  secs[kafka]=$(calc "$tb - $ta")
  printf 'walrelay worker (PG -> Kafka -> PG):    %10.0f changes/s (%.2f s from POST)\n' \
    "$(calc "$changes / ${secs[kafka]}")" "${secs[kafka]}"
  printf '  CPU: worker %.2f s, Kafka broker %.2f s, walsender %s s, destination backends %.2f s\n' \
    "$cpu" "$broker" "$([ -n "$wsnd" ] && cpu_secs "$wsnd" || echo '?')" "$dst_cpu"
  unregister "${worker_url[bench]}" kafka-source
  unregister "${worker_url[bench]}" kafka-sink

  run_native 2
  if [ "${BENCH_STATEMENTS:-0}" = 1 ]; then
    pg_sql "$dst_PORT" postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    echo "destination statements by total execution time (database, ms, calls, rows, query):"
    pg_sql "$dst_PORT" postgres -F ' | ' -c "SELECT d.datname, round(total_exec_time), calls, rows,
      left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements s
      JOIN pg_database d ON d.oid = s.dbid ORDER BY total_exec_time DESC LIMIT 15"
  fi

  want=$(checksum "$src_PORT" src)
  for db in native_db native_db2 wr_run wr_kafka; do
    got=$(checksum "$dst_PORT" "$db")
    if [ "$got" != "$want" ]; then
      echo "MISMATCH $db: $got (source: $want)" >&2
      exit 1
    fi
  done
  echo "verified: every destination equals the source ($want)"
  native_mean=$(calc "(${secs[native]} + ${secs[native2]}) / 2")
  summary+=("2. catch-up of $changes changes: worker through Kafka $(calc "f'{$changes / ${secs[kafka]}:,.0f}'")/s, \
standalone $(calc "f'{$changes / ${secs[run]}:,.0f}'")/s, native $(calc "f'{$changes / $native_mean:,.0f}'")/s; \
worker/native $(calc "f'{$native_mean / ${secs[kafka]}:.2f}'"), worker/standalone $(calc "f'{${secs[run]} / ${secs[kafka]}:.2f}'"), \
standalone/native $(calc "f'{$native_mean / ${secs[run]}:.2f}'"); destinations verified row for row")
  echo "${summary[-1]}"
fi

if [ -n "${worker_pid[bench]:-}" ]; then
  hwm=$(hwm_kib "${worker_pid[bench]}")
  summary+=("   (worker of parts 1-2: peak RSS $(calc "f'{$hwm / 1024:.1f}'") MiB over both)")
  echo "${summary[-1]}"
  stop_worker bench
fi

# ---------------------------------------------------------------------------------------------
# 3. the seed's three connectors on two workers: peak RSS
if [[ "$parts" == *" 3 "* ]]; then
  echo
  echo "== 3. the seed's three connectors on two workers (the seed's worker file)"
  pg_sql "$src_PORT" postgres -c "CREATE DATABASE source_db"
  pg_sql "$src_PORT" source_db -f examples/seed/source-schema.sql >/dev/null
  # The outbox connector's snapshot would read this row, which is no outbox event (see
  # distributed_test's SeedScenarioFourOutboxEventsReachPersonEvents).
  pg_sql "$src_PORT" source_db -c "DELETE FROM public.debezium_heartbeat"
  pg_sql "$dst_PORT" postgres -c "CREATE DATABASE destination_db"
  pg_sql "$dst_PORT" destination_db -f examples/seed/destination-schema.sql >/dev/null
  session=()
  if [ -n "${BENCH_SESSION_TIMEOUT_MS:-}" ]; then
    session=("session.timeout.ms=$BENCH_SESSION_TIMEOUT_MS"
      "heartbeat.interval.ms=$((BENCH_SESSION_TIMEOUT_MS / 3))")
  fi
  start_worker w1 1 "${session[@]}"
  start_worker w2 1 "${session[@]}"
  # The seed's files with this run's hosts, JSON converters in place of Avro (until the Avro
  # issue), and a publication per source connector: both leave publication.name at Debezium's
  # default, dbz_publication, and in `filtered` mode each would set that one publication to its
  # own tables at every start, taking the other's away.
  for f in register-postgres register-outbox register-sink; do
    python3 - "examples/seed/$f.json" "$src_PORT" "$dst_PORT" >"$PG_WORK/$f.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
cfg = c["config"]
for k in [k for k in cfg if k.startswith("key.converter") or k.startswith("value.converter")]:
    del cfg[k]
if "database.hostname" in cfg:
    cfg["database.hostname"] = "127.0.0.1"
    cfg["database.port"] = sys.argv[2]
    cfg["publication.name"] = cfg["slot.name"] + "_pub"
if "connection.url" in cfg:
    cfg["connection.url"] = cfg["connection.url"].replace("destination:5432", "127.0.0.1:" + sys.argv[3])
print(json.dumps(c))
PY
    register "${worker_url[w1]}" "$PG_WORK/$f.json"
  done
  seed_connectors="source-connector outbox-connector sink-connector"
  # all_running URL [WORKER_ID]: every connector and task of the seed RUNNING (on WORKER_ID).
  all_running() {
    python3 - "$1" "${2:-}" $seed_connectors <<'PY'
import json, sys, urllib.request
url, on = sys.argv[1], sys.argv[2]
for c in sys.argv[3:]:
    try:
        s = json.load(urllib.request.urlopen(f"{url}/connectors/{c}/status", timeout=5))
    except Exception:
        sys.exit(1)
    units = [s["connector"]] + s["tasks"]
    if not s["tasks"] or any(u["state"] != "RUNNING" or (on and u["worker_id"] != on) for u in units):
        sys.exit(1)
PY
  }
  for _ in $(seq 1 300); do all_running "${worker_url[w1]}" && break; sleep 0.2; done
  all_running "${worker_url[w1]}" || { echo "the seed's connectors are not all RUNNING" >&2; exit 1; }
  echo "the seed's connectors RUNNING; writers (debezium_table and outbox) for ${seed_seconds}s"
  dsn="host=127.0.0.1 port=$src_PORT dbname=source_db user=postgres"
  "$bin" writer --dsn "$dsn" --duration "$seed_seconds" --quiet >/dev/null &
  w_a=$!
  "$bin" writer --dsn "$dsn" --outbox --duration "$seed_seconds" --quiet >/dev/null &
  w_b=$!
  wait "$w_a" "$w_b"
  src_value() {
    pg_sql "$src_PORT" source_db -c "SELECT current_value FROM public.debezium_table WHERE id = 1"
  }
  wait_equal() {
    local want dst
    want=$(src_value)
    for _ in $(seq 1 1200); do
      dst=$(pg_sql "$dst_PORT" destination_db -c \
        "SELECT current_value FROM public.debezium_table WHERE id = 1" 2>/dev/null || true)
      [ "$dst" = "$want" ] && return 0
      sleep 0.1
    done
    echo "the destination's current_value is ${dst:-none}, the source's $want" >&2
    # What to look at: where the connectors run, the topic's last changes, the sink's positions.
    curl -s "${worker_url[w1]}/connectors?expand=status" >&2 || true
    echo >&2
    echo "last changes in server.public.debezium_table (current_value, offset):" >&2
    kcat -C -b "$bootstrap" -t server.public.debezium_table -o -5 -e -q \
      -f '%o %s\n' 2>/dev/null | sed -n 's/^\([0-9]*\) .*"current_value":\([0-9]*\).*/  \2 at \1/p' >&2 || true
    pg_sql "$dst_PORT" destination_db -c "SELECT * FROM walrelay_offsets" >&2 || true
    return 1
  }
  wait_equal
  outbox_rows=$(pg_sql "$src_PORT" source_db -c "SELECT count(*) FROM public.outbox")
  events=$(kcat -Q -b "$bootstrap" -t "Person.events:0:-1" -m 5 2>/dev/null |
    sed -n 's/.* offset \([0-9-]*\)$/\1/p')
  echo "destination current_value = source's ($(src_value)); $outbox_rows outbox rows, Person.events end offset ${events:-none}"
  h1=$(hwm_kib "${worker_pid[w1]}")
  h2=$(hwm_kib "${worker_pid[w2]}")
  max=$((h1 > h2 ? h1 : h2))
  met=$(calc "'met' if $max <= 64 * 1024 else 'NOT met'")
  summary+=("3. worker peak RSS (VmHWM), seed's three connectors + ${seed_seconds}s of writers: $(calc "f'{$h1 / 1024:.1f}'") / $(calc "f'{$h2 / 1024:.1f}'") MiB ($met; bar <= 64 MiB)")
  echo "${summary[-1]}"
fi

# ---------------------------------------------------------------------------------------------
# 4. SIGKILL -> RUNNING on the other worker
if [[ "$parts" == *" 4 "* && "$parts" == *" 3 "* ]]; then
  echo
  timeout_ms=${BENCH_SESSION_TIMEOUT_MS:-10000}
  echo "== 4. SIGKILL of a worker -> its units RUNNING on the other (session.timeout.ms=$timeout_ms$([ -z "${BENCH_SESSION_TIMEOUT_MS:-}" ] && echo ", the default: the seed's file sets none"))"
  "$bin" writer --dsn "$dsn" --rate 50 --quiet >/dev/null &
  w_a=$!
  bg_pids+=("$w_a")
  id_of() { echo "${worker_url[$1]#http://}"; }
  took=()
  for round in $(seq 1 "$kills"); do
    # The victim: the worker running the source connector's task.
    owner=$(curl -sf "${worker_url[w1]}/connectors/source-connector/status" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["worker_id"])')
    if [ "$owner" = "$(id_of w1)" ]; then victim=w1 survivor=w2; else victim=w2 survivor=w1; fi
    moving=$(python3 - "${worker_url[$survivor]}" "$owner" $seed_connectors <<'PY'
import json, sys, urllib.request
url, owner = sys.argv[1], sys.argv[2]
n = 0
for c in sys.argv[3:]:
    s = json.load(urllib.request.urlopen(f"{url}/connectors/{c}/status", timeout=5))
    n += sum(u["worker_id"] == owner for u in [s["connector"]] + s["tasks"])
print(n)
PY
)
    disown "${worker_pid[$victim]}"  # no "Killed" job notice from bash
    ta=$(now)
    kill -KILL "${worker_pid[$victim]}"
    # Polls every 50 ms from one process (forking a poller per check would take CPU from the
    # survivor on this 2-core machine).
    python3 - "${worker_url[$survivor]}" "$(id_of "$survivor")" $seed_connectors <<'PY'
import json, sys, time, urllib.request
url, on = sys.argv[1], sys.argv[2]
deadline = time.time() + 300
while time.time() < deadline:
    ok = True
    for c in sys.argv[3:]:
        try:
            s = json.load(urllib.request.urlopen(f"{url}/connectors/{c}/status", timeout=5))
        except Exception:
            ok = False
            break
        units = [s["connector"]] + s["tasks"]
        if not s["tasks"] or any(u["state"] != "RUNNING" or u["worker_id"] != on for u in units):
            ok = False
            break
    if ok:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
PY
    tb=$(now)
    took+=("$(calc "f'{$tb - $ta:.2f}'")")
    printf 'round %d: killed %s (%d units of the seed), all RUNNING on %s after %s s\n' \
      "$round" "$(id_of "$victim")" "$moving" "$(id_of "$survivor")" "${took[-1]}"
    # The victim comes back and takes its share again before the next round.
    mv "$PG_WORK/$victim.log" "$PG_WORK/$victim.log.$round"
    "$bin" worker "$PG_WORK/$victim.properties" 2>"$PG_WORK/$victim.log" &
    worker_pid[$victim]=$!
    for _ in $(seq 1 600); do
      if all_running "${worker_url[$survivor]}"; then
        n=$(curl -sf "${worker_url[$survivor]}/connectors?expand=status" |
          grep -c "\"$(id_of "$victim")\"" || true)
        [ "$n" -gt 0 ] && break
      fi
      sleep 0.2
    done
  done
  kill "$w_a" 2>/dev/null || true
  wait "$w_a" 2>/dev/null || true
  wait_equal
  echo "destination current_value = source's after the kills ($(src_value))"
  median=$(python3 -c "import statistics; print(f'{statistics.median([$(IFS=,; echo "${took[*]}")]):.2f}')")
  summary+=("4. SIGKILL -> every unit RUNNING on the other worker: median $median s of ${#took[@]} (${took[*]/%/ s}), session.timeout.ms=$timeout_ms; destination equal to the source")
  echo "${summary[-1]}"
fi

echo
echo "== summary ($(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
