#!/bin/sh
# Framework overhead: 10 PassThrough nodes carrying 1,000,000 packets on
# the default pool, against GStreamer's fakesrc ! identity x10 ! fakesink
# (one thread) and the same with a queue before each identity (threaded).
# Medians of several runs; QUICK=1 runs fewer and a shorter latency test.
set -eu
build=$1
fw=$build/bench/bench-framework
gst=$build/bench/bench-gst-chain
n=1000000
if [ -n "${QUICK:-}" ]; then runs=3 lat_secs=3 qn=200000; else runs=7 lat_secs=10 qn=1000000; fi

val() { awk -v k="$1" '$1 == k { print $2 }'; }

ep=$(nice -n 0 "$fw" throughput $n $runs)
lat=$("$fw" latency 1000 $lat_secs)
if [ -x "$gst" ]; then
  g1=$("$gst" $n $runs)
  gq=$("$gst" $qn $runs queued)
else
  echo "bench_framework: built without GStreamer; no peer" >&2
  g1="" gq=""
fi

row() { # name unit edgepipe peer peer_value higher_is_better
  pv=${5:-null}
  peer=null
  [ "$pv" != null ] && peer="\"$4\""
  printf '{"name": "%s", "unit": "%s", "edgepipe": %s, "peer": %s, "peer_value": %s, "higher_is_better": %s}\n' \
    "$1" "$2" "$3" "$peer" "$pv" "$6"
}

ep_pps=$(echo "$ep" | val packets_per_s)
ep_ns=$(echo "$ep" | val ns_per_hop)
ep_rss=$(echo "$ep" | val peak_rss_kb)
row "chain10 throughput vs gst identity" "packets/s" "$ep_pps" \
  "gstreamer identity x10 (1 thread)" "$(echo "$g1" | val packets_per_s)" true
row "chain10 throughput vs gst queue+identity" "packets/s" "$ep_pps" \
  "gstreamer queue+identity x10" "$(echo "$gq" | val packets_per_s)" true
row "chain10 ns per hop vs gst identity" "ns" "$ep_ns" \
  "gstreamer identity x10 (1 thread)" "$(echo "$g1" | val ns_per_hop)" false
row "chain10 ns per hop vs gst queue+identity" "ns" "$ep_ns" \
  "gstreamer queue+identity x10" "$(echo "$gq" | val ns_per_hop)" false
row "chain10 peak RSS vs gst identity" "kB" "$ep_rss" \
  "gstreamer identity x10 (1 thread)" "$(echo "$g1" | val peak_rss_kb)" false
row "chain10 latency p50 at 1000 packets/s" "us" \
  "$(echo "$lat" | val latency_p50_us)" "" "" false
row "chain10 latency p99 at 1000 packets/s" "us" \
  "$(echo "$lat" | val latency_p99_us)" "" "" false
