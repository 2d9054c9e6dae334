#!/bin/sh
# Vision benchmark: graphs/face_detect.pbtxt on the 640x480 30 s sample
# clip (out/sample-30s.mp4), wired as pipe-run wires it, in two forms:
#   (a) decode -> detect -> overlay -> encode (mp4)
#   (b) decode -> detect -> overlay -> null
# (b) runs with decodebin's H.264 decoder (avdec_h264) and with
# openh264dec. Against GStreamer alone decoding the same clip to fakesink:
#   gst-launch-1.0 filesrc ! decodebin ! videoconvert ! RGB ! fakesink
# the ceiling, since no pipeline beats its own decoder.
#
#   bench/bench_vision.sh BUILD_DIR       (QUICK=1: the 4 s clip)
#
# Figures: clip frames/s (decoded frames over the run's wall time; the
# FlowLimiter drops frames that arrive while the model is busy), frames/s
# through detection (frames that reached the output), latency p50/p99 per
# written frame (pipe-run --latency: decoder output to annotated frame out
# of the graph), and peak RSS (kB, of pipe-run / of gst-launch, by
# /usr/bin/time; wall time includes start-up and the model load). One JSON
# object per line on stdout as bench/run expects; a table on stderr.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: bench/bench_vision.sh BUILD_DIR}" && pwd)
[ -x "$build/tools/pipe-run" ] || {
  echo "bench_vision.sh: $build/tools/pipe-run is not built" >&2; exit 1; }
cd "$root"
if [ "${QUICK:-}" = 1 ]; then clip=out/sample.mp4 secs=4; else
  clip=out/sample-30s.mp4 secs=30; fi
[ -f "$clip" ] || scripts/make-sample "$clip" "$secs" >&2
scripts/fetch-models >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# GStreamer alone: wall seconds and peak RSS from /usr/bin/time; with
# decodebin's pick (avdec_h264) and with openh264dec, the peer of the
# openh264dec run.
gst_decode() { # out-file decoder-elements...
  out=$1
  shift
  /usr/bin/time -f "seconds %e
peak_rss_kb %M" -o "$out" gst-launch-1.0 -q filesrc location="$clip" ! \
    "$@" ! videoconvert ! video/x-raw,format=RGB ! fakesink >&2
}
gst_decode "$tmp/gst" decodebin
gst_decode "$tmp/gst264" qtdemux ! h264parse ! openh264dec

# Our runs, with the real pipe-run: (a), (b), (b) with openh264dec. Each
# leaves "key value" lines in its file: decoded, written, seconds, fps_in,
# fps_out, latency_p50_ms, latency_p99_ms, peak_rss_kb.
pipe_run() { # out-file output [--input-option decoder=X]
  out=$1 dst=$2
  shift 2
  /usr/bin/time -f "seconds %e
peak_rss_kb %M" -o "$out.time" "$build/tools/pipe-run" graphs/face_detect.pbtxt \
    --input "$clip" --output "$dst" --latency "$@" 2> "$out.err"
  awk '
    / decoded, / { for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^frames/) written = $i + 0
        if ($(i + 1) == "decoded,") decoded = $i + 0 } }
    $1 == "output_video" && NF == 5 { p50 = $3; p99 = $4 }
    END { printf "decoded %d\nwritten %d\nlatency_p50_ms %s\n", decoded, written, p50
          printf "latency_p99_ms %s\n", p99 }' "$out.err" > "$out"
  cat "$out.time" >> "$out"
  awk -v d="$(val decoded "$out")" -v w="$(val written "$out")" \
    -v s="$(val seconds "$out")" \
    'BEGIN { printf "fps_in %.2f\nfps_out %.2f\n", d / s, w / s }' >> "$out"
  cat "$out.err" >&2
}
pipe_run "$tmp/a" "$tmp/a.mp4"
pipe_run "$tmp/b" null
pipe_run "$tmp/b264" null --input-option decoder=openh264dec

frames=$(val decoded "$tmp/b")
fps_of() { awk -v n="$frames" -v s="$(val seconds "$1")" \
  'BEGIN { printf "%.2f", n / s }'; }

row() { # name unit edgepipe peer peer_value higher_is_better
  pv=${5:-null}
  p=null
  [ "$pv" != null ] && p="\"$4\""
  printf '{"name": "%s", "unit": "%s", "edgepipe": %s, "peer": %s, "peer_value": %s, "higher_is_better": %s}\n' \
    "$1" "$2" "$3" "$p" "$pv" "$6"
}

rows() { # file label gst-file peer-name
  gst_fps=$(fps_of "$3")
  gst_rss=$(val peak_rss_kb "$3")
  peer=$4
  row "vision $2 clip frames/s" "frames/s" "$(val fps_in "$1")" \
    "$peer" "$gst_fps" true
  row "vision $2 detected frames/s" "frames/s" "$(val fps_out "$1")" \
    "$peer" "$gst_fps" true
  row "vision $2 latency p50" "ms" "$(val latency_p50_ms "$1")" "" "" false
  row "vision $2 latency p99" "ms" "$(val latency_p99_ms "$1")" "" "" false
  row "vision $2 peak RSS" "kB" "$(val peak_rss_kb "$1")" \
    "$peer" "$gst_rss" false
}

avpeer="gstreamer decode only (decodebin, avdec_h264)"
rows "$tmp/a" "(a) encode mp4" "$tmp/gst" "$avpeer"
rows "$tmp/b" "(b) null" "$tmp/gst" "$avpeer"
rows "$tmp/b264" "(b) null openh264dec" "$tmp/gst264" \
  "gstreamer decode only (openh264dec)"

{
  printf '\nvision on %s (%s frames); GStreamer decode only: %s frames/s, peak RSS %s kB (openh264dec: %s frames/s, %s kB)\n' \
    "$clip" "$frames" "$(fps_of "$tmp/gst")" "$(val peak_rss_kb "$tmp/gst")" \
    "$(fps_of "$tmp/gst264")" "$(val peak_rss_kb "$tmp/gst264")"
  printf '%-26s %8s %8s %8s %8s %8s %8s %8s %9s\n' run decoded written \
    "clip f/s" "det f/s" "x decode" "p50 ms" "p99 ms" "RSS kB"
  for r in a b b264; do
    f="$tmp/$r"
    g="$tmp/gst"
    [ "$r" = b264 ] && g="$tmp/gst264"
    printf '%-26s %8s %8s %8s %8s %8.2f %8s %8s %9s\n' "$r" \
      "$(val decoded "$f")" "$(val written "$f")" "$(val fps_in "$f")" \
      "$(val fps_out "$f")" \
      "$(awk -v a="$(val fps_in "$f")" -v b="$(fps_of "$g")" 'BEGIN{print a/b}')" \
      "$(val latency_p50_ms "$f")" "$(val latency_p99_ms "$f")" \
      "$(val peak_rss_kb "$f")"
  done
} >&2
