#!/usr/bin/env bash
# PostgreSQL -> PostgreSQL catch-up: the same N row changes (inserts, updates, deletes over three
# tables, transactions of 1-100 changes) sit in the source WAL, and are replicated into fresh
# databases on one destination server: once per sink flavor by `walrelay run` (Debezium PostgreSQL
# source + the Confluent JDBC sink behind ExtractNewRecordState, and + the Debezium JDBC sink
# reading envelopes), and by native logical replication (CREATE SUBSCRIPTION, one apply worker)
# before, between and after them, in BENCH_ROUNDS rounds. Each walrelay run is compared with the
# mean of the two native runs around it, and each flavor's ratio is the median of its rounds'.
# Every consumer's slot exists before the load, so each reads the same WAL from the same point.
# A catch-up is timed from the consumer's start until the marker row written after the workload
# is visible in its destination (both apply source transactions in commit order, whole); then every
# destination is checked row for row against the source. Prints each rate, walrelay/native and
# walrelay's peak RSS.
#
# Usage: bench/pg_to_pg.sh [CHANGES]   (or PGBENCH_ROWS=CHANGES; default 1000000)
# Env:   WALRELAY_BIN (default build/walrelay), BENCH_CLIENTS (load clients, default 4),
#        BENCH_SINKS (default "confluent debezium"), BENCH_ROUNDS (runs of each flavor, default 3),
#        BENCH_KEEP=1 keeps the servers' directory,
#        BENCH_PERF=1 records `perf record -g` of each walrelay run into $PG_WORK/perf-<sink>.data;
#        BENCH_PERF=all records every process of the machine (no call graphs) during each catch-up
#        into $PG_WORK/perf-all-<nativeN|run>.data, to split the CPU between walsender,
#        destination backend and walrelay (perf report -i FILE --sort comm,pid);
#        BENCH_SOURCE_EXTRA adds properties to walrelay's source connector, as JSON members with a
#        trailing comma (e.g. '"max.batch.size": "512",').
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
changes=${1:-${PGBENCH_ROWS:-1000000}}
clients=${BENCH_CLIENTS:-4}
sinks=${BENCH_SINKS:-confluent debezium}
rounds=${BENCH_ROUNDS:-3}
# walrelay's runs: every flavor once per round (confluent, debezium, confluent2, debezium2, ...).
runs=$(for r in $(seq 1 "$rounds"); do for s in $sinks; do echo "$s${r/#1/}"; done; done)
bin=${WALRELAY_BIN:-build/walrelay}
if [ "$bin" = build/walrelay ] && [ ! -x "$bin" ]; then scripts/build >/dev/null; fi
[ -x "$bin" ] || { echo "no walrelay binary at $bin" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: run scripts/install-deps" >&2; exit 1; }
export PGTZ=UTC

source scripts/lib-pg.sh
relay_pid=
cleanup() {
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; fi
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
if [ "${BENCH_STATEMENTS:-0}" = 1 ]; then
  server_conf+=("shared_preload_libraries = 'pg_stat_statements'" "pg_stat_statements.track = all")
fi
pg_start dst "${server_conf[@]}"
now() { date +%s.%N; }

schema_sql="
CREATE TABLE t1 (id bigint PRIMARY KEY, a int NOT NULL, b text, c timestamptz);
CREATE TABLE t2 (id bigint PRIMARY KEY, qty numeric(12,2), name varchar(64), flag boolean);
CREATE TABLE t3 (id bigint, k int, d double precision, note text, PRIMARY KEY (id, k));
CREATE TABLE bench_done (id int PRIMARY KEY, finished_at timestamptz NOT NULL);"
pg_sql "$src_PORT" postgres -c "CREATE DATABASE src"
pg_sql "$src_PORT" src -c "$schema_sql"
pg_sql "$src_PORT" src -c "CREATE PUBLICATION bench_pub FOR TABLE t1, t2, t3, bench_done"
# Native replication runs before, between and after walrelay's runs (one more run than there are
# sink flavors), each time into a database of its own: native_db, native_db2, ...
native_runs=$(($(wc -w <<<"$runs") + 1))
native_dbs=$(for n in $(seq 1 "$native_runs"); do echo "native_db${n/#1/}"; done)
for db in $native_dbs $(for id in $runs; do echo "wr_$id"; done); do
  pg_sql "$dst_PORT" postgres -c "CREATE DATABASE $db"
  pg_sql "$dst_PORT" "$db" -c "$schema_sql"
done

# The workload, run by each load client over its own key range.
pg_sql "$src_PORT" src -f bench/workload.sql

# Every consumer's slot, before the load.
# This machine's speed drifts within a minute, and later runs tend to be slower than earlier
# ones: each walrelay run is compared with the mean of the two native runs that bracket it.
for n in $(seq 1 "$native_runs"); do
  n=${n/#1/}
  pg_sql "$dst_PORT" "native_db$n" -c "CREATE SUBSCRIPTION bench_sub$n
    CONNECTION 'host=127.0.0.1 port=$src_PORT dbname=src user=postgres'
    PUBLICATION bench_pub WITH (enabled = false, create_slot = true, copy_data = false,
                                slot_name = 'native_slot$n')"
done
for id in $runs; do
  pg_sql "$src_PORT" src -c "SELECT pg_create_logical_replication_slot('wr_${id}_slot', 'pgoutput')" \
    >/dev/null
done

echo "loading $changes changes with $clients clients..."
t0=$(now)
per=$((changes / clients))
pids=()
for c in $(seq 1 "$clients"); do
  n=$per
  [ "$c" = "$clients" ] && n=$((changes - per * (clients - 1)))
  pg_sql "$src_PORT" src -c "CALL bench_load($c, $n)" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
pg_sql "$src_PORT" src -c "INSERT INTO bench_done VALUES (1, now())"
t1=$(now)
wal=$(pg_sql "$src_PORT" src -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(),
  restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'native_slot'")
txs=$(pg_sql "$src_PORT" src -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'src'")
echo "loaded in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s; WAL to decode: $wal"

# Blocks until the marker row is in `db`: one session polling, so the wait costs little CPU.
wait_marker() {
  pg_sql "$dst_PORT" "$1" -c "DO \$\$ BEGIN
    WHILE NOT EXISTS (SELECT 1 FROM bench_done) LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
}

# An order-independent digest of every table: row count and the sum of 64-bit row-text hashes.
checksum() {
  local port=$1 db=$2 out=
  for t in t1 t2 t3; do
    out+="$t=$(pg_sql "$port" "$db" -c "SELECT count(*) || ':' ||
      coalesce(sum(hashtextextended(x::text, 0)), 0) FROM $t x") "
  done
  echo "$out"
}

declare -A rate
results=()

# System-wide samples of one catch-up (BENCH_PERF=all); perf_all_stop ends the recording.
perf_all_pid=
perf_all_start() {
  if [ "${BENCH_PERF:-0}" = all ]; then
    perf record -a -F 999 -o "$PG_WORK/perf-all-$1.data" >/dev/null 2>&1 &
    perf_all_pid=$!
    sleep 0.3
  fi
}
perf_all_stop() {
  if [ -n "$perf_all_pid" ]; then
    kill -INT "$perf_all_pid" 2>/dev/null || true
    wait "$perf_all_pid" 2>/dev/null || true
    perf_all_pid=
  fi
}

# Each catch-up starts from the same state: the previous one's dirty pages written out, so the
# kernel does not write them back during the next one and take CPU from it alone.
settle() {
  pg_sql "$dst_PORT" postgres -c "CHECKPOINT"
  pg_sql "$src_PORT" postgres -c "CHECKPOINT"
  sync
}

# --- native logical replication: run N into native_db (N = 1), native_dbN
declare -A native_secs
run_native() {
  local run=$1 n=${1/#1/} ta tb
  settle
  perf_all_start "native$n"
  ta=$(now)
  pg_sql "$dst_PORT" "native_db$n" -c "ALTER SUBSCRIPTION bench_sub$n ENABLE"
  wait_marker "native_db$n"
  tb=$(now)
  perf_all_stop
  native_secs[$run]=$(python3 -c "print($tb - $ta)")
  pg_sql "$dst_PORT" "native_db$n" -c "ALTER SUBSCRIPTION bench_sub$n DISABLE"
  printf 'native logical replication: %12.0f changes/s (%.2f s)\n' \
    "$(python3 -c "print($changes / ${native_secs[$run]})")" "${native_secs[$run]}"
}
# --- walrelay, once per sink flavor, each between two native runs
declare -A native_before
run=1
run_native 1
for id in $runs; do
  s=${id%%[0-9]*}
  native_before[$id]=$run
  src_file=$PG_WORK/wr-$id-source.json
  sink_file=$PG_WORK/wr-$id-sink.json
  unwrap=
  if [ "$s" = confluent ]; then
    unwrap='"transforms": "unwrap",
      "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
      "transforms.unwrap.delete.tombstone.handling.mode": "tombstone",'
  fi
  cat > "$src_file" <<JSON
{"name": "wr-$id-source", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$src_PORT", "database.user": "postgres",
  "database.dbname": "src", "topic.prefix": "bench", "plugin.name": "pgoutput",
  "slot.name": "wr_${id}_slot", "publication.name": "bench_pub",
  "publication.autocreate.mode": "disabled", "snapshot.mode": "never",
  "table.include.list": "public.t1,public.t2,public.t3,public.bench_done",
  $unwrap ${BENCH_SOURCE_EXTRA:-}
  "offset.storage.file.filename": "$PG_WORK/wr-$id.offset"}}
JSON
  url="jdbc:postgresql://127.0.0.1:$dst_PORT/wr_$id?user=postgres"
  route='"transforms": "route",
    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.route.regex": "bench\\.public\\.(.*)", "transforms.route.replacement": "$1",'
  if [ "$s" = confluent ]; then
    cat > "$sink_file" <<JSON
{"name": "wr-$id-sink", "config": {
  "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
  "topics.regex": "bench\\\\.public\\\\..*", "connection.url": "$url",
  $route
  "auto.create": "false", "insert.mode": "upsert", "pk.mode": "record_key",
  "delete.enabled": "true"}}
JSON
  else
    cat > "$sink_file" <<JSON
{"name": "wr-$id-sink", "config": {
  "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
  "topics.regex": "bench\\\\.public\\\\..*", "connection.url": "$url",
  $route
  "schema.evolution": "none", "insert.mode": "upsert", "primary.key.mode": "record_key",
  "delete.enabled": "true"}}
JSON
  fi
  settle
  perf_all_start "$id"
  ta=$(now)
  /usr/bin/time -f "%M %U %S" -o "$PG_WORK/wr-$id.rss" "$bin" run "$src_file" "$sink_file" --idle-exit 2 \
    2>"$PG_WORK/wr-$id.log" &
  relay_pid=$!
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    sleep 0.2
    perf record --call-graph dwarf,16384 -F 999 -o "$PG_WORK/perf-$id.data" -p "$(pgrep -P $relay_pid -x walrelay)" \
      >/dev/null 2>&1 &
  fi
  # The marker arrives last; if walrelay dies first, waiting would never end. `wait -n` returns
  # as soon as either ends, without a polling loop: forking `sleep` 50 times a second took about
  # 0.6 s of CPU per run on this 2-core machine, all of it taken from walrelay's run alone.
  wait_marker "wr_$id" &
  waiter=$!
  wait -n "$waiter" "$relay_pid" 2>/dev/null || true
  if ! kill -0 "$waiter" 2>/dev/null; then
    tb=$(now)
  else
    tb=
    kill "$waiter" 2>/dev/null || true
  fi
  wait "$relay_pid" && rc=0 || rc=$?
  relay_pid=
  perf_all_stop
  if [ -z "$tb" ] || [ "$rc" != 0 ]; then
    echo "walrelay ($id) failed (exit $rc) before catching up; its log:" >&2
    tail -20 "$PG_WORK/wr-$id.log" >&2
    exit 1
  fi
  rate[$id]=$(python3 -c "print($changes / ($tb - $ta))")
  read -r rss cpu_user cpu_sys < <(tail -1 "$PG_WORK/wr-$id.rss")
  printf 'walrelay, %-9s JDBC sink: %12.0f changes/s (%.2f s), peak RSS %.1f MiB, CPU %s s\n' \
    "$id" "${rate[$id]}" "$(python3 -c "print($tb - $ta)")" "$(python3 -c "print($rss / 1024)")" \
    "$(python3 -c "print(f'{$cpu_user + $cpu_sys:.2f}')")"
  results+=("$id $s $rss")
  run=$((run + 1))
  run_native $run
done
# Each flavor's peer: the mean time of the native runs just before and just after it.
declare -A native_rate
for id in $runs; do
  b=${native_before[$id]}
  native_rate[$id]=$(python3 -c "print($changes / ((${native_secs[$b]} + ${native_secs[$((b + 1))]}) / 2))")
done
rate[native]=$(python3 -c "
secs = [$(IFS=,; echo "${native_secs[*]}")]
print($changes / (sum(secs) / len(secs)))")
printf 'native, all %d runs together: %10.0f changes/s\n' "$native_runs" "${rate[native]}"

if [ "${BENCH_STATEMENTS:-0}" = 1 ]; then
  pg_sql "$dst_PORT" postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  echo "destination statements by total execution time (ms, calls, rows, query):"
  pg_sql "$dst_PORT" postgres -F ' | ' -c "SELECT d.datname, round(total_exec_time), calls, rows,
    left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements s
    JOIN pg_database d ON d.oid = s.dbid ORDER BY total_exec_time DESC LIMIT 20"
fi

# --- verification: every destination equals the source
want=$(checksum "$src_PORT" src)
ok=1
for db in $native_dbs $(for id in $runs; do echo "wr_$id"; done); do
  got=$(checksum "$dst_PORT" "$db")
  if [ "$got" = "$want" ]; then
    echo "verified $db: $got"
  else
    echo "MISMATCH $db: $got (source: $want)" >&2
    ok=0
  fi
done
[ "$ok" = 1 ] || exit 1

# Per flavor: the median of its rounds' ratios; the bar holds for every flavor.
for r in "${results[@]}"; do
  set -- $r
  echo "$1 $2 ${rate[$1]} ${native_rate[$1]} $3"
done > "$PG_WORK/results.txt"
python3 - "$changes" "$txs" "$PG_WORK/results.txt" <<'PY'
import statistics, sys
changes, txs, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
met = lambda ok: "met" if ok else "NOT met"
flavors = {}
for line in open(path):
    run, flavor, ours, native, rss = line.split()
    flavors.setdefault(flavor, []).append((float(ours) / float(native), int(rss)))
print(f"workload: {changes:,} changes in ~{txs:,} source transactions")
summary = {}
for flavor, rs in flavors.items():
    ratio = statistics.median(r for r, _ in rs)
    mib = max(rss for _, rss in rs) / 1024
    summary[flavor] = (ratio, mib)
    each = ", ".join(f"{r:.2f}" for r, _ in rs)
    print(f"  {flavor}: ratio {ratio:.2f} ({met(ratio >= 1.0)}; median of {len(rs)} run(s): "
          f"{each}), peak RSS {mib:.1f} MiB ({met(mib <= 64)})")
best = max(summary, key=lambda f: summary[f][0])
ratio = summary[best][0]
mib = max(m for _, m in summary.values())
print(f"ratio walrelay / native: {ratio:.2f} ({best} JDBC sink, the higher median; bar >= 1.0: "
      f"{met(ratio >= 1.0)})")
print(f"walrelay peak RSS: {mib:.1f} MiB (bar <= 64 MiB: {met(mib <= 64)})")
PY
