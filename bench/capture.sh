#!/usr/bin/env bash
# Capture throughput: N single-row insert transactions already in the WAL, read once by
# `walrelay run` (Debezium JSON with schemas, to /dev/null) and once by pg_recvlogical (raw
# pgoutput, same publication, to /dev/null), from two slots created before the load.
# Prints both rates, their ratio and walrelay's peak RSS. Usage: bench/capture.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
root=$(pwd)
[ -x build/walrelay ] || scripts/build >/dev/null
source scripts/lib-pg.sh
trap pg_stop_all EXIT
bin=$PG_BIN
work=$PG_WORK
pg_start bench "synchronous_commit = off" "shared_buffers = 256MB" "max_wal_size = 4GB"
port=$bench_PORT
psql() { "$bin/psql" -X -q -A -t -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql -c "CREATE TABLE bench(id bigserial primary key, v int not null, note text)" postgres
psql -c "CREATE PUBLICATION bench_pub FOR TABLE bench" postgres
psql -c "SELECT pg_create_logical_replication_slot('wr_slot', 'pgoutput')" postgres >/dev/null
psql -c "SELECT pg_create_logical_replication_slot('recv_slot', 'pgoutput')" postgres >/dev/null
echo "INSERT INTO bench(v, note) VALUES (:client_id, 'some text for the row');" > "$work/insert.sql"
echo "loading $rows single-row transactions..."
"$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U postgres -c 4 -j 2 -t $((rows / 4)) -f "$work/insert.sql" postgres >/dev/null
end_lsn=$(psql -c "SELECT pg_current_wal_lsn()" postgres)
wal=$(psql -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots WHERE slot_name='wr_slot'" postgres)
echo "WAL to decode: $wal (up to $end_lsn)"

now() { date +%s.%N; }
t0=$(now)
"$bin/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d postgres --slot recv_slot --start \
  -o proto_version=1 -o publication_names=bench_pub --endpos "$end_lsn" -f /dev/null --no-loop
t1=$(now)

cat > "$work/src.json" <<JSON
{"name": "bench", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$port", "database.user": "postgres",
  "database.dbname": "postgres", "topic.prefix": "bench", "slot.name": "wr_slot",
  "publication.name": "bench_pub", "publication.autocreate.mode": "disabled",
  "snapshot.mode": "never", "offset.storage.file.filename": "$work/wr.offset"}}
JSON
t2=$(now)
/usr/bin/time -f "%M" -o "$work/rss" build/walrelay run "$work/src.json" --max-records "$rows" >/dev/null 2>"$work/wr.log"
t3=$(now)
rss_kib=$(tail -1 "$work/rss")
python3 - "$rows" "$t0" "$t1" "$t2" "$t3" "$rss_kib" <<'PY'
import sys
rows, t0, t1, t2, t3, rss = int(sys.argv[1]), *map(float, sys.argv[2:6]), int(sys.argv[6])
native = rows / (t1 - t0)
ours = rows / (t3 - t2)
print(f"pg_recvlogical (raw pgoutput):   {native:12,.0f} changes/s  ({t1 - t0:.2f} s)")
print(f"walrelay (Debezium JSON events): {ours:12,.0f} changes/s  ({t3 - t2:.2f} s)")
print(f"ratio walrelay / pg_recvlogical: {ours / native:.2f}")
print(f"walrelay peak RSS:               {rss / 1024:.1f} MiB")
PY
