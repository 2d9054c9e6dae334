// ORT peer for bench_inference.sh: times single inferences of the BlazeFace
// front 128x128 ONNX model on ONNX Runtime's CPU provider.
// Usage: node ort_blazeface.js MODEL.onnx THREADS WARMUP ITERS
// Prints one JSON line: {"threads":N,"median_ms":x,"min_ms":y,"cpu_ms":c,
// "iters":k} (cpu_ms: median process CPU time per run).
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, threadsArg, warmArg, itersArg] = process.argv.slice(2);
  const threads = parseInt(threadsArg, 10);
  const warmup = parseInt(warmArg, 10);
  const iters = parseInt(itersArg, 10);
  if (!model || !(threads > 0) || !(warmup >= 0) || !(iters > 0)) {
    console.error('usage: node ort_blazeface.js MODEL.onnx THREADS WARMUP ITERS');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const meta = session.inputMetadata[0];
  const shape = meta && meta.shape ? meta.shape : [1, 128, 128, 3];
  const n = shape.reduce((a, b) => a * b, 1);
  // The same deterministic ramp in [-1, 1] that bench_inference.c feeds.
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i % 255) / 127.0) - 1.0;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };

  // Runs are 1 ms apart, as in bench_inference.c.
  const gap = () => new Promise((resolve) => setTimeout(resolve, 1));
  for (let i = 0; i < warmup; i++) {
    await session.run(feeds);
    await gap();
  }
  const times = [];
  const cpu = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await session.run(feeds);
    const c = process.cpuUsage(c0);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cpu.push((c.user + c.system) / 1e3);
    await gap();
  }
  const median = (v) => {
    v.sort((a, b) => a - b);
    const mid = v.length >> 1;
    return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  };
  const med = median(times);
  console.log(JSON.stringify({
    threads, median_ms: med, min_ms: times[0], cpu_ms: median(cpu), iters,
  }));
}

main().catch((e) => { console.error('ort_blazeface: ' + e.message); process.exit(1); });
