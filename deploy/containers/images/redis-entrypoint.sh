#!/bin/sh
# The compose file's command (redis-server and its options), as the redis user, open to the compose network.
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
