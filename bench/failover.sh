#!/usr/bin/env bash
# Failover timing on the seed topology (scripts/cluster): how long from a planned switchover, and
# from a killed leader, until the first change committed on the new leader is applied in the
# destination by `walrelay run` connected through HAProxy.
#
# A probe writer commits one row every ~20 ms through HAProxy's leader port; each row records the
# port of the server that took it and that server's clock (microseconds). For each round the
# script notes the leader, starts the action (switchover, or `kill leader`), and polls the
# destination every 20 ms for the first row written by another server. It prints, per round and
# as medians:
#   cluster  = action start -> first write committed on the new leader (Patroni + HAProxy)
#   applied  = action start -> that row visible in the destination (what a user sees)
#   walrelay = applied - cluster (the time walrelay itself adds: reconnect, slot, apply)
# Killed leaders are started again (and rejoin as replicas) between rounds, untimed.
#
# Usage: bench/failover.sh [ROUNDS]   (default 5 switchovers and 5 kills)
# Env:   WALRELAY_BIN (default build/walrelay), FAILOVER_KEEP_CLUSTER=1 leaves the cluster up;
#        every scripts/cluster variable (ports, WALRELAY_CLUSTER_DIR, PATRONI_TTL...) applies.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
bin=${WALRELAY_BIN:-build/walrelay}
if [ "$bin" = build/walrelay ] && [ ! -x "$bin" ]; then scripts/build >/dev/null; fi
[ -x "$bin" ] || { echo "no walrelay binary at $bin" >&2; exit 1; }
/usr/bin/python3 -c "import psycopg2" 2>/dev/null || { echo "python3-psycopg2 is missing: run scripts/install-deps" >&2; exit 1; }

leader_port=${HAPROXY_LEADER_PORT:-5000}
dest_port=${DESTINATION_PORT:-5436}
work=$(mktemp -d /tmp/walrelay-failover-bench.XXXXXX)
relay_pid=
cleanup() {
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; fi
  if [ "${FAILOVER_KEEP_CLUSTER:-0}" != 1 ]; then scripts/cluster down >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

scripts/cluster up
export PGPASSWORD=postgres
psql_leader() { psql -X -q -h 127.0.0.1 -p "$leader_port" -U postgres -d source_db -v ON_ERROR_STOP=1 "$@"; }
psql_dest() { psql -X -q -h 127.0.0.1 -p "$dest_port" -U postgres -d destination_db -v ON_ERROR_STOP=1 "$@"; }
psql_leader -c "DROP TABLE IF EXISTS public.walrelay_probe" -c "
  CREATE TABLE public.walrelay_probe (
    id bigserial PRIMARY KEY,
    node int NOT NULL DEFAULT inet_server_port(),
    at_us bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint)"
psql_dest -c "DROP TABLE IF EXISTS public.walrelay_probe" -c "DROP TABLE IF EXISTS public.walrelay_offsets"

cat >"$work/source.json" <<EOF
{"name": "failover-bench", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$leader_port",
  "database.user": "postgres", "database.password": "postgres", "database.dbname": "source_db",
  "topic.prefix": "bench", "slot.name": "source_slot", "plugin.name": "pgoutput",
  "publication.name": "walrelay_failover_bench", "publication.autocreate.mode": "filtered",
  "table.include.list": "public.walrelay_probe",
  "transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}}
EOF
cat >"$work/sink.json" <<EOF
{"name": "failover-bench-sink", "config": {
  "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
  "connection.url": "jdbc:postgresql://127.0.0.1:$dest_port/destination_db?user=postgres&password=postgres",
  "topics": "bench.public.walrelay_probe", "table.name.format": "walrelay_probe",
  "insert.mode": "upsert", "pk.mode": "record_key", "auto.create": "true"}}
EOF
"$bin" run "$work/source.json" "$work/sink.json" 2>"$work/walrelay.log" &
relay_pid=$!

/usr/bin/python3 - "$rounds" "$leader_port" "$dest_port" "$relay_pid" "$work/walrelay.log" <<'PYEOF'
import os, statistics, subprocess, sys, threading, time
import psycopg2

rounds, leader_port, dest_port, relay_pid, relay_log = (
    int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])

def dsn(port, db):
    return (f"host=127.0.0.1 port={port} dbname={db} user=postgres password=postgres "
            "connect_timeout=2")

stop = False
def writer():
    while not stop:
        try:
            c = psycopg2.connect(dsn(leader_port, "source_db"))
            c.autocommit = True
            cur = c.cursor()
            while not stop:
                cur.execute("INSERT INTO walrelay_probe DEFAULT VALUES")
                time.sleep(0.02)
        except psycopg2.Error:
            time.sleep(0.02)
threading.Thread(target=writer, daemon=True).start()

def relay_alive():
    try:
        os.kill(relay_pid, 0)
        return True
    except OSError:
        return False

def query(port, db, sql, attempts=200):
    for _ in range(attempts):
        try:
            c = psycopg2.connect(dsn(port, db))
            c.autocommit = True
            cur = c.cursor()
            cur.execute(sql)
            row = cur.fetchone()
            c.close()
            return row
        except psycopg2.Error:
            time.sleep(0.1)
    raise SystemExit(f"cannot query port {port}: {sql}")

def dest_has_table():
    r = query(dest_port, "destination_db", "SELECT to_regclass('public.walrelay_probe') IS NOT NULL")
    return r[0]

# Warm up: the pipeline is running and applying.
deadline = time.time() + 120
while time.time() < deadline and not (dest_has_table() and query(
        dest_port, "destination_db", "SELECT count(*) FROM walrelay_probe")[0] > 10):
    if not relay_alive():
        raise SystemExit("walrelay exited:\n" + open(relay_log).read())
    time.sleep(0.2)

def measure(action):
    old = query(leader_port, "source_db", "SELECT inet_server_port()")[0]
    ports = [int(x) for x in os.environ.get("CLUSTER_PG_PORTS", "5433 5434 5435").split()]
    name = f"patroni{ports.index(old) + 1}"
    t0 = time.time()
    cmd = ["scripts/cluster", "switchover"] if action == "switchover" else ["scripts/cluster", "kill", "leader"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    while True:
        if not relay_alive():
            raise SystemExit("walrelay exited:\n" + open(relay_log).read())
        r = query(dest_port, "destination_db",
                  f"SELECT min(at_us) FROM walrelay_probe WHERE node <> {old} "
                  f"AND at_us > {int(t0 * 1e6)}")
        if r[0] is not None:
            applied = time.time() - t0
            cluster = r[0] / 1e6 - t0
            break
        if time.time() - t0 > 300:
            raise SystemExit(f"{action}: nothing from a new leader after 300 s")
        time.sleep(0.02)
    if action == "kill":
        subprocess.run(["scripts/cluster", "start", name], check=True, stdout=subprocess.DEVNULL)
    time.sleep(3)
    return cluster, applied

results = {}
for action in ("switchover", "kill"):
    rows = []
    for i in range(rounds):
        cluster, applied = measure(action)
        rows.append((cluster, applied))
        print(f"{action:10s} round {i + 1}: cluster {cluster:6.2f} s  applied {applied:6.2f} s  "
              f"walrelay {applied - cluster:5.2f} s", flush=True)
    results[action] = rows
stop = True
print()
for action, rows in results.items():
    c = statistics.median(r[0] for r in rows)
    a = statistics.median(r[1] for r in rows)
    w = statistics.median(r[1] - r[0] for r in rows)
    print(f"{action:10s} median of {len(rows)}: cluster {c:.2f} s, applied {a:.2f} s, "
          f"walrelay adds {w:.2f} s")
# Everything the cluster holds reached the destination, once.
time.sleep(1)
deadline = time.time() + 120
src = query(leader_port, "source_db", "SELECT count(*), coalesce(sum(id), 0) FROM walrelay_probe")
while time.time() < deadline:
    dst = query(dest_port, "destination_db",
                "SELECT count(*), coalesce(sum(id), 0) FROM walrelay_probe")
    if dst[0] >= src[0]:
        break
    time.sleep(0.5)
print(f"rows: leader {src[0]}, destination {dst[0]}" +
      (" (equal)" if src == dst else " (DIFFERENT)"))
sys.exit(0 if src == dst else 1)
PYEOF
