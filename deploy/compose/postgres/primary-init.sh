#!/bin/bash
# DEV ONLY (compose.yaml): runs once, when the primary's data directory is first initialised.
# Creates the role and the physical replication slot the streaming replica uses, and lets that role
# connect for replication (the image's pg_hba.conf only admits ordinary connections from other hosts).
set -euo pipefail

psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('replica');
SQL

echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
