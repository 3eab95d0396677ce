# Shell helpers shared by the demo and the benchmarks: throwaway PostgreSQL 15 servers on free
# loopback ports, run as the postgres user when invoked as root. Source this file.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_WORK=${PG_WORK:-$(mktemp -d /tmp/walrelay-pg-XXXXXX)}
PG_RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PG_WORK"
  PG_RUN_AS=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi
PG_STARTED=()

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_start NAME [postgresql.conf lines...]: starts a server; sets ${NAME}_PORT.
pg_start() {
  local name=$1; shift
  local port; port=$(free_port)
  local dir="$PG_WORK/$name"
  "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$dir" -U postgres -A trust --locale=C -E UTF8 >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$PG_WORK'"
    echo "wal_level = logical"
    echo "max_replication_slots = 20"
    echo "max_wal_senders = 20"
    echo "fsync = off"
    for line in "$@"; do echo "$line"; done
  } >> "$dir/postgresql.conf"
  "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir" -l "$PG_WORK/$name.log" -w start >/dev/null
  PG_STARTED+=("$dir")
  printf -v "${name}_PORT" '%s' "$port"
}

# pg_sql PORT DB [psql args...]: psql quiet, tuples only.
pg_sql() {
  local port=$1 db=$2; shift 2
  "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

pg_stop_all() {
  for dir in "${PG_STARTED[@]}"; do
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$PG_WORK"
}
