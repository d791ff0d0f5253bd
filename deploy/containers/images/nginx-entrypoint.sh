#!/bin/sh
# Renders the templates as the official image's 20-envsubst-on-templates.sh does, then runs the command.
set -eu
variables=$(env | cut -d= -f1 | grep -E "${NGINX_ENVSUBST_FILTER:-.}" | sed 's/.*/${&}/' | tr '\n' ' ')
for template in /etc/nginx/templates/*.template; do
    [ -e "$template" ] || continue
    name=$(basename "$template" .template)
    envsubst "$variables" < "$template" > "/etc/nginx/conf.d/$name"
done
exec "$@"
