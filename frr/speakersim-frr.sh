#!/bin/sh
# Runs FRR 8.4's daemons inside a lab container the way the netns lab runs them
# (src/lab/daemons.ts): zebra first, then bgpd, bfdd and staticd, each with an empty config of
# its own, then `vtysh -b` applies the integrated /etc/frr/frr.conf. No watchfrr: a daemon that
# a fault kills must stay dead until the lab restarts it. The container's init (compose
# `init: true`) reaps what exits, so a killed daemon's pid really disappears.
#
#   speakersim-frr run              start everything, then wait forever (the container's command)
#   speakersim-frr start <daemon>   start one daemon and give it its part of frr.conf again
#   speakersim-frr kill <daemon>    SIGKILL one daemon (a crash)
#   speakersim-frr pid <daemon>     print its pid (exit 1 when it is not running)
set -eu
BIN=/usr/lib/frr
RUN=/var/run/frr
LOG=/var/log/frr
CONF=/etc/frr
ALL="zebra bgpd bfdd staticd"

pid_of() {
  [ -s "$RUN/$1.pid" ] || return 1
  p=$(cat "$RUN/$1.pid")
  kill -0 "$p" 2>/dev/null || return 1
  echo "$p"
}

start_one() {
  d=$1
  case " $ALL " in *" $d "*) ;; *) echo "unknown daemon $d" >&2; exit 2 ;; esac
  : > "$RUN/$d.conf"
  chown frr:frr "$RUN/$d.conf"
  "$BIN/$d" -d -u frr -g frr -f "$RUN/$d.conf" -i "$RUN/$d.pid" -A 127.0.0.1 -P 0 \
    --log "file:$LOG/$d.log"
  # Ready when its vty socket answers (the same check as the netns lab).
  i=0
  until vtysh -d "$d" -c 'show version' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 400 ]; then
      echo "$d did not answer within 10 s" >&2
      tail -n 20 "$LOG/$d.log" >&2 || true
      exit 1
    fi
    sleep 0.025
  done
}

case "${1:-}" in
  run)
    mkdir -p "$RUN" "$LOG"
    chown frr:frr "$RUN" "$LOG"
    start_one zebra
    for d in bgpd bfdd staticd; do start_one "$d"; done
    vtysh -b
    touch "$RUN/speakersim-ready"
    echo "speakersim-frr: $ALL up"
    # Stay PID 1's only child; `docker stop` sends SIGTERM, which ends the container.
    trap 'exit 0' TERM INT
    while :; do sleep 3600 & wait $!; done
    ;;
  start)
    start_one "$2"
    vtysh -b -d "$2"
    ;;
  kill)
    p=$(pid_of "$2") || exit 0
    kill -9 "$p"
    # Wait until init has reaped it.
    while kill -0 "$p" 2>/dev/null; do sleep 0.01; done
    ;;
  pid)
    pid_of "$2"
    ;;
  *)
    echo "usage: speakersim-frr run|start <daemon>|kill <daemon>|pid <daemon>" >&2
    exit 2
    ;;
esac
