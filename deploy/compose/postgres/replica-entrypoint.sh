#!/bin/bash
# DEV ONLY (compose.yaml): the streaming replica. On its first start (no data directory yet) it
# clones the primary with pg_basebackup into a scratch directory, renamed into place only once
# complete (-R writes standby.signal and primary_conninfo; -S streams through the slot the primary's
# init script created); then the image's own entrypoint starts postgres as a hot standby.
set -euo pipefail

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  partial="$PGDATA.partial"
  rm -rf "$partial"
  mkdir -p "$partial"
  chown postgres:postgres "$partial" "$(dirname "$PGDATA")"
  chmod 700 "$partial"
  echo "replica: cloning the primary at $PRIMARY_HOST"
  until gosu postgres pg_isready -q -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}"; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup \
    --host="$PRIMARY_HOST" --port="${PRIMARY_PORT:-5432}" --username=replicator \
    --pgdata="$partial" --wal-method=stream --slot=replica --write-recovery-conf --checkpoint=fast
  mv "$partial" "$PGDATA"
fi

exec docker-entrypoint.sh "$@"
