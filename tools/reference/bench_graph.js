'use strict';
// Times the three TF.js graph models (faceres, mobileface, emotion) on the tfjs wasm backend (SIMD, 1 thread).
// Prints one JSON line: median ms per face at batch 1 and batch 16, per model.
// Usage: node tools/reference/bench_graph.js [--runs N] [--warmup W]   (defaults: 20 runs, 3 warm-up)
// Timed: model.execute on the prepared graph input + reading the output back (dataSync). The input (sample1
// face 0's crop by the golden crop rule, resized and prepared; the batch is 16 copies of it) is built once,
// outside the timing, so the numbers are the graph alone, comparable with a C++ executor fed the same tensor.

const fs = require('fs');
const path = require('path');
const E = require('./lib/env');
const G = require('./lib/graph');
const { arg, timeIt } = require('./lib/bench');

const { tf } = E;
const BATCHES = [1, 16];

async function main() {
  const runs = arg('runs', 20);
  const warmup = arg('warmup', 3);
  const info = await E.initBackend();

  const golden = JSON.parse(fs.readFileSync(path.join(E.REPO_ROOT, 'tests/data/golden/faceapi/pipeline/sample1.json'), 'utf8'));
  const img = E.decodePng(path.join(E.REPO_ROOT, golden.image.pixels_png));
  const { landmarks } = golden.faces[0];

  const results = {};
  const ranges = {};
  for (const [name, spec] of Object.entries(G.MODELS)) {
    const model = await G.loadGraphModel(name);
    const resized = G.resizedRgb(G.cropZeroPadded(img, G.cropRect(landmarks, spec.crop_scale)), spec.size);
    const x1 = spec.prepare(resized);
    for (const b of BATCHES) {
      const x = b === 1 ? x1 : tf.concat(Array(b).fill(x1));
      const t = await timeIt(() => {
        const out = model.execute(x, spec.outputs[0]);
        out.dataSync();
        tf.dispose(out);
      }, runs, warmup);
      results[`${name}_ms_per_face_batch${b}`] = Number((t.median / b).toFixed(3));
      ranges[`${name}_batch${b}`] = [Number(t.min.toFixed(3)), Number(t.max.toFixed(3))];
      if (x !== x1) tf.dispose(x);
    }
    tf.dispose([resized, x1]);
    model.dispose();
  }
  console.log(JSON.stringify({
    tool: 'bench_graph',
    backend: info.backend,
    simd: info.simd,
    threads: info.threads,
    versions: { 'human-models': G.HUMAN_MODELS_VERSION, tfjs: info.versions.tfjs, node: info.versions.node },
    runs,
    warmup,
    input: 'sample1 face 0, golden crop rule, prepared graph input; batch 16 = 16 copies',
    ...results,
    min_max_ms_per_call: ranges,
  }));
}

main().catch((e) => { console.error(e.stack || e); process.exit(1); });
