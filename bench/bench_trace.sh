#!/bin/sh
# Tracing overhead: the face graph on the 4 s sample clip (every frame,
# bench/face_video.pbtxt) run by pipe-run without and with --trace, in
# alternating rounds so both see the same machine load. The figures are the
# ratios of the median wall and CPU times (traced over plain; CPU time is
# the steadier on a shared machine); the issue's bound is below 1.10.
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
trap 'rm -f "$trace" "$trace.plain" "$trace.traced"' EXIT

# "wall cpu" seconds of one run (cpu: user + system of pipe-run; the
# graph's model path is relative to root).
run() {
  python3 - "$root" "$pr" "$clip" "$@" <<'PY' || exit 1
import resource, subprocess, sys, time
root, pr, clip, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t0 = time.monotonic()
r = subprocess.run([pr, "bench/face_video.pbtxt", "--side", "input=" + clip]
                   + extra, cwd=root, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
wall = time.monotonic() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
if r.returncode != 0:
    sys.exit("bench_trace.sh: pipe-run failed")
print(f"{wall:.4f} {u.ru_utime + u.ru_stime:.4f}")
PY
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run >/dev/null # warm the caches
: >"$trace.plain"
: >"$trace.traced"
i=0
while [ $i -lt $rounds ]; do
  run >>"$trace.plain"
  run --trace "$trace" >>"$trace.traced"
  i=$((i + 1))
done
p=$(awk '{ print $1 }' "$trace.plain" | median)
t=$(awk '{ print $1 }' "$trace.traced" | median)
pc=$(awk '{ print $2 }' "$trace.plain" | median)
tc=$(awk '{ print $2 }' "$trace.traced" | median)
events=$(grep -c '"ph":"X"' "$trace" || true)
ratio=$(echo "$t $p" | awk '{ printf "%.3f", $1 / $2 }')
overhead=$(echo "$t $p" | awk '{ printf "%.1f", 100 * ($1 / $2 - 1) }')
cpu_ratio=$(echo "$tc $pc" | awk '{ printf "%.3f", $1 / $2 }')
cpu_overhead=$(echo "$tc $pc" | awk '{ printf "%.1f", 100 * ($1 / $2 - 1) }')

{
  echo "face graph, 120 frames, $rounds rounds (medians):"
  echo "          wall       cpu"
  echo "  plain   $p s   $pc s"
  echo "  --trace $t s   $tc s  ($events spans in the trace)"
  echo "  ratio   $ratio      $cpu_ratio  (overhead: wall $overhead %, cpu $cpu_overhead %; bound 10 %)"
} >&2

printf '{"name": "face graph wall time, traced vs plain", "unit": "s", "edgepipe": %s, "peer": "the same run without --trace", "peer_value": %s, "higher_is_better": false}\n' "$t" "$p"
printf '{"name": "face graph cpu time, traced vs plain", "unit": "s", "edgepipe": %s, "peer": "the same run without --trace", "peer_value": %s, "higher_is_better": false}\n' "$tc" "$pc"
printf '{"name": "face graph tracing overhead (wall)", "unit": "%%", "edgepipe": %s, "peer": null, "peer_value": null, "higher_is_better": false}\n' "$overhead"
printf '{"name": "face graph tracing overhead (cpu)", "unit": "%%", "edgepipe": %s, "peer": null, "peer_value": null, "higher_is_better": false}\n' "$cpu_overhead"
