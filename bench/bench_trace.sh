#!/bin/sh
# Tracing overhead: the face graph on the 4 s sample clip (every frame,
# bench/face_video.pbtxt) run by pipe-run without and with --trace, in
# alternating rounds so both see the same machine load. The figure is the
# ratio of the median wall times (traced over plain); the issue's bound is
# below 1.10.
#
#   bench/bench_trace.sh BUILD_DIR
#
# As bench/run expects: one JSON object per line on stdout, a table for
# people on stderr. QUICK=1: fewer rounds.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/bench_trace.sh BUILD_DIR}
pr="$build/tools/pipe-run"
clip="$root/out/sample.mp4"
if [ "${QUICK:-}" = 1 ]; then rounds=3; else rounds=9; fi

[ -x "$pr" ] || { echo "bench_trace.sh: $pr is not built" >&2; exit 1; }
"$root/scripts/fetch-models" >&2
[ -s "$clip" ] || "$root/scripts/make-sample" "$clip" 4 >&2
trace=$(mktemp /tmp/ep_bench_trace.XXXXXX)
trap 'rm -f "$trace"' EXIT

# Wall seconds of one run (the graph's model path is relative to root).
run() {
  t0=$(date +%s.%N)
  (cd "$root" && "$pr" bench/face_video.pbtxt --side "input=$clip" "$@") \
    >/dev/null 2>&1 || { echo "bench_trace.sh: pipe-run failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run >/dev/null # warm the caches
plain="" traced=""
i=0
while [ $i -lt $rounds ]; do
  plain="$plain $(run)"
  traced="$traced $(run --trace "$trace")"
  i=$((i + 1))
done
p=$(echo $plain | tr ' ' '\n' | median)
t=$(echo $traced | tr ' ' '\n' | median)
events=$(grep -c '"ph":"X"' "$trace" || true)
ratio=$(echo "$t $p" | awk '{ printf "%.3f", $1 / $2 }')
overhead=$(echo "$t $p" | awk '{ printf "%.1f", 100 * ($1 / $2 - 1) }')

{
  echo "face graph, 120 frames, $rounds rounds (median wall time):"
  echo "  plain   $p s"
  echo "  --trace $t s  ($events spans in the trace)"
  echo "  ratio   $ratio  (overhead $overhead %, bound 10 %)"
} >&2

printf '{"name": "face graph wall time, traced vs plain", "unit": "s", "edgepipe": %s, "peer": "the same run without --trace", "peer_value": %s, "higher_is_better": false}\n' "$t" "$p"
printf '{"name": "face graph tracing overhead", "unit": "%%", "edgepipe": %s, "peer": null, "peer_value": null, "higher_is_better": false}\n' "$overhead"
