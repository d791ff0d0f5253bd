#!/bin/sh
# Tansu listening and advertising where the compose file's KAFKA_LISTENERS and KAFKA_ADVERTISED_LISTENERS say
# (their PLAINTEXT listener). The other KAFKA_* settings are Apache Kafka's and have no counterpart here.
set -eu
plaintext() { printf '%s\n' "$1" | tr ',' '\n' | sed -n 's|^PLAINTEXT://||p' | head -n 1; }
listen=$(plaintext "${KAFKA_LISTENERS:-PLAINTEXT://:9092}")
advertised=$(plaintext "${KAFKA_ADVERTISED_LISTENERS:-PLAINTEXT://localhost:9092}")
case "$listen" in :*) listen="0.0.0.0$listen" ;; esac
exec tansu broker --listener-url "tcp://$listen" --advertised-listener-url "tcp://$advertised" \
    --storage-engine memory://tansu/
