#!/bin/sh
# GStreamer element benchmark: the same clip through the edgepipe element
# inside gst-launch-1.0 and through pipe-run, every frame through face
# detection and the overlay (bench/face_detect_every_frame.pbtxt in the
# element; bench/pipe_run_every_frame.pbtxt, the same graph behind a
# VideoDecoderCalculator, in pipe-run). Both decode the clip with
# GStreamer; frames/s = decoded frames / wall time of the whole run (model
# loading included), the best of RUNS runs.
#
#   bench/bench_gst.sh BUILD_DIR [JSON_OUT]
#
# Prints one JSON object per line on stdout: {"name","unit","edgepipe",
# "peer","peer_value","ratio","higher_is_better"} (ratio = element /
# pipe-run; the floor is 0.9); with JSON_OUT, also appends them there.
# QUICK=1: the 4 s sample and 2 runs; else the 30 s sample and 3 runs.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: bench/bench_gst.sh BUILD_DIR [JSON_OUT]}" && pwd)
json=${2:-}
cd "$root" # the graphs name their model relative to the source tree

if [ "${QUICK:-}" = 1 ]; then
  clip="$root/out/sample.mp4" secs=4 runs=2
else
  clip="$root/out/sample-30s.mp4" secs=30 runs=3
fi
say() { printf "$@" >&2; }

"$root/scripts/fetch-models" >&2
"$root/scripts/make-sample" "$clip" "$secs" >&2
pipe_run="$build/tools/pipe-run"
[ -x "$pipe_run" ] || { say 'bench_gst.sh: %s is not built\n' "$pipe_run"; exit 1; }
[ -f "$build/gst/libgstedgepipe.so" ] ||
  { say 'bench_gst.sh: the plugin is not built in %s/gst\n' "$build"; exit 1; }
export GST_PLUGIN_PATH="$build/gst"

now() { date +%s.%N; }

# The element: decodebin -> RGB -> edgepipe -> fakesink, as fast as it goes.
run_element() {
  gst-launch-1.0 -q filesrc location="$clip" ! decodebin ! videoconvert ! \
    video/x-raw,format=RGB ! \
    edgepipe graph=bench/face_detect_every_frame.pbtxt ! \
    fakesink sync=false >/dev/null
}

# pipe-run; prints the number of frames the decoder sent (from --stats).
run_pipe_run() {
  "$pipe_run" bench/pipe_run_every_frame.pbtxt --side input="$clip" --stats \
    2>&1 >/dev/null | awk '$2 == "VideoDecoderCalculator" { print $5 }'
}

best_e="" best_p="" frames=""
i=0
while [ "$i" -lt "$runs" ]; do
  t0=$(now); run_element; t1=$(now)
  frames=$(run_pipe_run); t2=$(now)
  e=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  p=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
  say 'run %d: element %s s, pipe-run %s s (%s frames)\n' "$i" "$e" "$p" "$frames"
  best_e=$(printf '%s\n%s\n' "$e" "$best_e" | grep . | sort -g | head -n 1)
  best_p=$(printf '%s\n%s\n' "$p" "$best_p" | grep . | sort -g | head -n 1)
  i=$((i + 1))
done
[ -n "$frames" ] && [ "$frames" -gt 0 ] ||
  { say 'bench_gst.sh: pipe-run decoded no frame of %s\n' "$clip"; exit 1; }

fe=$(awk -v n="$frames" -v t="$best_e" 'BEGIN { printf "%.1f", n / t }')
fp=$(awk -v n="$frames" -v t="$best_p" 'BEGIN { printf "%.1f", n / t }')
ratio=$(awk -v a="$fe" -v b="$fp" 'BEGIN { printf "%.3f", a / b }')
say '%-44s %10s %10s %7s\n' "face_detect every frame, $frames frames" \
  element pipe-run ratio
say '%-44s %10s %10s %7s\n' "frames/s (best of $runs)" "$fe" "$fp" "$ratio"
awk -v r="$ratio" 'BEGIN { exit !(r < 0.9) }' &&
  say 'bench_gst.sh: below the floor: the element must reach 0.9x pipe-run\n'

row=$(printf '{"name":"gst element, face_detect every frame (%s frames 640x480)","unit":"frames/s","edgepipe":%s,"peer":"pipe-run","peer_value":%s,"ratio":%s,"higher_is_better":true}' \
  "$frames" "$fe" "$fp" "$ratio")
printf '%s\n' "$row"
[ -z "$json" ] || printf '%s\n' "$row" >>"$json"
