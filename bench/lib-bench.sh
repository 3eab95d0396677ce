# Shell helpers shared by bench/vs_debezium.sh and bench/vs_debezium_kills.sh. Source after
# scripts/lib-pg.sh (register writes its answer into $PG_WORK).
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
# cpu_secs PID: user + system CPU seconds the process has used so far.
cpu_secs() {
  local stat
  read -r stat <"/proc/$1/stat"
  set -- ${stat##*) }
  calc "(${12} + ${13}) / $(getconf CLK_TCK)"
}
# hwm_mib PID: the process's peak RSS (VmHWM) in MiB.
hwm_mib() { calc "$(sed -n "s/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status") / 1024"; }
# register URL FILE: POST /connectors/ (a cluster still forming answers 409: try again); exits
# the script on any answer but 201.
register() {
  local code
  for _ in $(seq 1 300); do
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
