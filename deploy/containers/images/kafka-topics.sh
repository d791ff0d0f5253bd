#!/bin/sh
# Apache Kafka's kafka-topics.sh for what Seatline's compose file asks of it, through Tansu's topic command:
# --list, and --create [--if-not-exists] --topic T --partitions N (--replication-factor is accepted and ignored).
set -eu
broker=localhost:9092 action= topic= partitions=1 if_not_exists=false
while [ $# -gt 0 ]; do
    case "$1" in
        --bootstrap-server=*) broker=${1#*=} ;;
        --bootstrap-server) broker=$2; shift ;;
        --topic=*) topic=${1#*=} ;;
        --topic) topic=$2; shift ;;
        --partitions=*) partitions=${1#*=} ;;
        --partitions) partitions=$2; shift ;;
        --replication-factor=*) ;;
        --replication-factor) shift ;;
        --if-not-exists) if_not_exists=true ;;
        --list) action=list ;;
        --create) action=create ;;
        *) echo "kafka-topics.sh: unsupported option $1" >&2; exit 2 ;;
    esac
    shift
done
# Tansu, a static binary, looks names up from /etc/resolv.conf by itself, and on a compose network (podman's resolver
# listed before the host's) one lookup of a service name in six failed; glibc's never did. So glibc resolves it.
host=${broker%:*}
address=$(getent hosts "$host" | awk '{ print $1; exit }')
broker="${address:-$host}:${broker##*:}"
case "$action" in
    list) exec tansu topic list --broker "tcp://$broker" ;;
    create)
        if [ "$if_not_exists" = true ] && tansu topic list --broker "tcp://$broker" | grep -q "\"name\":\"$topic\""; then
            exit 0
        fi
        exec tansu topic create "$topic" --broker "tcp://$broker" --partitions "$partitions" ;;
    *) echo "kafka-topics.sh: give --list or --create" >&2; exit 2 ;;
esac
