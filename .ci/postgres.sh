#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests, as an unprivileged user, in a temp
# folder, listening on loopback only, and prints the DSN the tests read from
# ROMS_TEST_POSTGRES_DSN. Installs Debian's postgresql package when there is none.
#   eval "$(bash .ci/postgres.sh start)"   # exports ROMS_TEST_POSTGRES_DSN and ROMS_TEST_PGDATA
#   bash .ci/postgres.sh stop              # stops it and removes the folder
set -euo pipefail

bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  return 1
}

case "${1:-start}" in
start)
  if ! bin=$(bindir); then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(bindir)
  fi
  user=postgres
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
  data=$(mktemp -d /tmp/roms-pg.XXXXXX)
  chown "$user" "$data"
  port=${ROMS_TEST_POSTGRES_PORT:-55432}
  run() { if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi; }
  run "$bin/initdb" -D "$data/db" -U roms --auth=trust -E UTF8 >/dev/null
  run "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=on -c max_connections=200" start >/dev/null
  run "$bin/createdb" -h 127.0.0.1 -p "$port" -U roms roms_test
  echo "export ROMS_TEST_POSTGRES_DSN='postgres://roms@127.0.0.1:$port/roms_test?sslmode=disable'"
  echo "export ROMS_TEST_PGDATA='$data'"
  ;;
stop)
  data=${ROMS_TEST_PGDATA:?}
  bin=$(bindir)
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$data/db" -m fast stop >/dev/null || true
  else "$bin/pg_ctl" -D "$data/db" -m fast stop >/dev/null || true; fi
  rm -rf "$data"
  ;;
esac
