#!/bin/sh
# Gives the container every simulated node's address (compose gives it one per family), then
# runs speakersim with the container's arguments.
set -eu
for cidr in ${SPEAKERSIM_EXTRA_ADDRESSES:-}; do
  case "$cidr" in
    *:*) ip -6 addr add "$cidr" dev eth0 nodad ;;
    *) ip addr add "$cidr" dev eth0 ;;
  esac
done
exec node /app/dist/cli/main.js "$@"
