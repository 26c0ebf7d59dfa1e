#!/usr/bin/env bash
# Real-kernel baseline for dockernet's benchmarks (benchmark 7 of docs/performance.md).
#
# Builds, inside network namespaces this script creates itself (dnbench-{h,a,b,x}-PID) and deletes on exit
# even on failure, the path Docker 20.10 builds on the default bridge:
#
#   dnbench-a (172.17.0.2) ─veth─┐
#                                 docker0 (172.17.0.1/16, Linux bridge, br_netfilter)  in dnbench-h ─veth─ dnbench-x (10.200.0.2)
#   dnbench-b (172.17.0.3) ─veth─┘        + Docker's filter and nat rule set (iptables-restore)      "outside world"
#
# then sends small UDP datagrams with bench/kernel/udpblast.c for a bounded time and reports the rate at which
# they arrive. Traffic only flows between these namespaces. Cases:
#   l2        a → b over the bridge, bridge-nf-call-iptables=0, no rules (pure veth → bridge → veth + UDP sockets)
#   docker0   a → b with bridge-nf-call-iptables=1 and Docker's rule set: FORWARD with conntrack ESTABLISHED
#             (the receiver answers the first datagram, so the flow's conntrack entry has seen a reply)
#   dnat      x → 10.200.0.1:8080/udp, DNAT to 172.17.0.3:9000 (one established flow)
#   dnat-new  x → 10.200.0.1:8080/udp, every datagram a new 5-tuple (raw socket): DNAT + conntrack insert
#   masq      a → x (10.200.0.2:9000), MASQUERADE out of the host namespace (one established flow)
#   masq-new  raw datagrams from 4 source addresses in 172.17.1.0/30 that reuse the same 4096 source ports
#             towards each of 16 destinations (10.200.0.2-17): MASQUERADE must choose a new port for 3 of
#             every 4 flows (NAPT port choice under contention), conntrack insert per datagram
#
# Usage: sudo bench/kernel/run.sh [--seconds 3] [--runs 5] [--cases l2,docker0,...] [--payload 64]
# Prints one JSON object per run on stdout (one line each) and a summary (median received pps per case) on stderr.
set -euo pipefail

SECONDS_PER_RUN=3
RUNS=5
PAYLOAD=64
CASES="l2,docker0,dnat,dnat-new,masq,masq-new"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    --payload) PAYLOAD="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (creates network namespaces)" >&2; exit 1; }
command -v iptables-restore >/dev/null || { apt-get update -qq && apt-get install -y -qq iptables >/dev/null; }
command -v cc >/dev/null || { echo "run.sh: needs a C compiler (cc)" >&2; exit 1; }

HERE="$(cd "$(dirname "$0")" && pwd)"
TAG="$$"
H="dnbench-h-$TAG" A="dnbench-a-$TAG" B="dnbench-b-$TAG" X="dnbench-x-$TAG"
WORK="$(mktemp -d /tmp/dnbench.XXXXXX)"
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for ns in "$A" "$B" "$X" "$H"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cc -O2 -o "$WORK/udpblast" "$HERE/udpblast.c"
BLAST="$WORK/udpblast"

# ---- br_netfilter -------------------------------------------------------------------------------------------
modprobe br_netfilter 2>/dev/null || true
BRNF=1
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || BRNF=0

# ---- topology ------------------------------------------------------------------------------------------------
for ns in "$H" "$A" "$B" "$X"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$H" link add docker0 type bridge
ip -n "$H" addr add 172.17.0.1/16 dev docker0
ip -n "$H" link set docker0 up
i=0
for pair in "$A:172.17.0.2" "$B:172.17.0.3"; do
  ns="${pair%%:*}" ip4="${pair#*:}"
  ip -n "$H" link add "veth$i" type veth peer name eth0 netns "$ns"
  ip -n "$H" link set "veth$i" master docker0 up
  ip -n "$ns" addr add "$ip4/16" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via 172.17.0.1
  i=$((i + 1))
done
ip -n "$H" link add eth0 type veth peer name eth0 netns "$X"
ip -n "$H" addr add 10.200.0.1/24 dev eth0
ip -n "$H" link set eth0 up
ip -n "$H" route add 10.200.0.0/16 dev eth0
for d in $(seq 2 17); do ip -n "$X" addr add "10.200.0.$d/24" dev eth0; done
ip -n "$X" link set eth0 up
ip -n "$X" route add default via 10.200.0.1
ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1
for ns in "$H" "$A" "$B" "$X"; do
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$dev.rp_filter=0" 2>/dev/null || true
  done
done

# Docker 20.10's rule set for this topology (shape from the oracle's net-02 host-iptables-save.txt):
# container b publishes 8080/udp → 172.17.0.3:9000.
docker_rules() {
  cat <<'RULES'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p udp -m udp --dport 9000 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.3/32 -d 172.17.0.3/32 -p udp -m udp --dport 9000 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p udp -m udp --dport 8080 -j DNAT --to-destination 172.17.0.3:9000
COMMIT
RULES
}

set_mode() { # $1 = plain | docker
  if [ "$1" = plain ]; then
    ip netns exec "$H" iptables -F; ip netns exec "$H" iptables -X; ip netns exec "$H" iptables -P FORWARD ACCEPT
    ip netns exec "$H" iptables -t nat -F; ip netns exec "$H" iptables -t nat -X
    [ "$BRNF" = 1 ] && ip netns exec "$H" sysctl -qw net.bridge.bridge-nf-call-iptables=0
  else
    docker_rules | ip netns exec "$H" iptables-restore
    [ "$BRNF" = 1 ] && ip netns exec "$H" sysctl -qw net.bridge.bridge-nf-call-iptables=1
    # short UDP timeouts so the new-flow cases do not fill the (machine-wide) conntrack table
    ip netns exec "$H" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 2>/dev/null || true
  fi
  ip netns exec "$H" conntrack -F 2>/dev/null || true
}

ct_stat() { # $1 = column of /proc/net/stat/nf_conntrack (drop, early_drop, insert_failed), summed over CPUs
  ip netns exec "$H" awk -v col="$1" 'NR==1{for(i=1;i<=NF;i++) if($i==col) c=i; next} c{s+=strtonum("0x"$c)} END{print s+0}' \
    /proc/net/stat/nf_conntrack 2>/dev/null || echo 0
}
ct_count() { ip netns exec "$H" conntrack -C 2>/dev/null || echo -1; }

one_run() { # $1 case, $2 run index
  local kase="$1" run="$2" rxns txns port sendcmd
  case "$kase" in
    l2|docker0) rxns="$B" port=9000 txns="$A" sendcmd=(send 172.17.0.3 9000 "$SECONDS_PER_RUN" "$PAYLOAD") ;;
    dnat) rxns="$B" port=9000 txns="$X" sendcmd=(send 10.200.0.1 8080 "$SECONDS_PER_RUN" "$PAYLOAD") ;;
    dnat-new) rxns="$B" port=9000 txns="$X" sendcmd=(newflow 10.200.1.0 16 64512 10.200.0.1 1 8080 "$SECONDS_PER_RUN" "$PAYLOAD") ;;
    masq) rxns="$X" port=9000 txns="$A" sendcmd=(send 10.200.0.2 9000 "$SECONDS_PER_RUN" "$PAYLOAD") ;;
    masq-new) rxns="$X" port=9000 txns="$A" sendcmd=(newflow 172.17.1.0 4 4096 10.200.0.2 16 9000 "$SECONDS_PER_RUN" "$PAYLOAD") ;;
    *) echo "unknown case $kase" >&2; exit 2 ;;
  esac
  local rxout="$WORK/rx.$kase.$run"
  ip netns exec "$rxns" taskset -c 1 "$BLAST" recv "$port" "$((SECONDS_PER_RUN + 2))" >"$rxout" &
  local rxpid=$!
  PIDS+=("$rxpid")
  for _ in $(seq 50); do grep -q ready "$rxout" 2>/dev/null && break; sleep 0.05; done
  local d0 e0 f0; d0=$(ct_stat drop) e0=$(ct_stat early_drop) f0=$(ct_stat insert_failed)
  local tx; tx=$(ip netns exec "$txns" taskset -c 0 "$BLAST" "${sendcmd[@]}")
  local live; live=$(ct_count)
  local replied; replied=$(ip netns exec "$H" conntrack -L -p udp 2>/dev/null | grep -vc UNREPLIED || true)
  wait "$rxpid" || true
  local d1 e1 f1; d1=$(ct_stat drop) e1=$(ct_stat early_drop) f1=$(ct_stat insert_failed)
  local rx; rx=$(grep '"recv"' "$rxout")
  printf '{"case":"%s","run":%d,"brnf":%d,"ctLiveAfter":%d,"ctReplied":%d,"ctDrop":%d,"ctEarlyDrop":%d,"ctInsertFailed":%d,"tx":%s,"rx":%s}\n' \
    "$kase" "$run" "$BRNF" "$live" "$replied" "$((d1 - d0))" "$((e1 - e0))" "$((f1 - f0))" "$tx" "$rx"
}

IFS=, read -r -a CASE_LIST <<<"$CASES"
declare -A RATES
for kase in "${CASE_LIST[@]}"; do
  if [ "$kase" = l2 ]; then set_mode plain; else set_mode docker; fi
  # warm up: ARP/neighbour entries, conntrack entry of the established flow
  one_run "$kase" 0 >/dev/null
  for r in $(seq 1 "$RUNS"); do
    line=$(one_run "$kase" "$r")
    echo "$line"
    pps=$(sed -E 's/.*"rx":\{[^}]*"pps":([0-9.]+).*/\1/' <<<"$line")
    RATES[$kase]="${RATES[$kase]:-} $pps"
  done
done

{
  echo "kernel $(uname -r), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), br_netfilter=$BRNF, load $(cut -d' ' -f1-3 /proc/loadavg)"
  for kase in "${CASE_LIST[@]}"; do
    med=$(tr ' ' '\n' <<<"${RATES[$kase]}" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    echo "$kase: median received $med pps over $RUNS runs of ${SECONDS_PER_RUN}s (runs:${RATES[$kase]})"
  done
} >&2
