#!/bin/sh
# The official postgres image's first start, for the variables Seatline's compose file sets: a cluster owned by
# POSTGRES_USER with POSTGRES_PASSWORD, the database POSTGRES_DB, password logins from the network; then the server,
# as the postgres user, in the foreground.
set -eu
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
    chown postgres "$password_file"
    as_postgres initdb --username="$POSTGRES_USER" --pwfile="$password_file" --auth-local=trust \
        --auth-host=scram-sha-256 >/dev/null
    rm -f "$password_file"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    as_postgres pg_ctl --wait --silent --options="-c listen_addresses=''" start
    if [ "$POSTGRES_DB" != "$POSTGRES_USER" ]; then
        # From standard input: psql substitutes :"name" there, not in --command.
        echo 'CREATE DATABASE :"name"' | as_postgres psql --quiet --username="$POSTGRES_USER" --dbname=postgres \
            --set=ON_ERROR_STOP=1 --set=name="$POSTGRES_DB"
    fi
    as_postgres pg_ctl --wait --silent --mode=fast stop
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c listen_addresses='*'
