'use strict';
// Times the original face-api nets on the tfjs wasm backend (SIMD, 1 thread). Prints one JSON line.
// Usage: node tools/reference/bench_faceapi.js [--runs N] [--warmup W]   (defaults: 30 runs, 5 warm-up)
// Inputs are the crops face-api itself takes from sample1 (face 0), so each timing includes face-api's own
// per-face preprocessing (pad to square, bilinear resize, mean subtraction) exactly as in the pipeline.

const path = require('path');
const E = require('./lib/env');

const { tf, faceapi } = E;

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function timeIt(fn, runs, warmup) {
  for (let i = 0; i < warmup; i++) await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  return { median: ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2, min: ms[0], max: ms[ms.length - 1] };
}

async function main() {
  const runs = arg('runs', 30);
  const warmup = arg('warmup', 5);
  const info = await E.initBackend();
  await E.loadModels();

  const img = E.decodeJpeg(path.join(E.SAMPLES_DIR, 'sample1.jpg'));
  const full = E.imageTensor(img);
  const [res] = await faceapi.detectAllFaces(full, new faceapi.SsdMobilenetv1Options()).withFaceLandmarks();
  if (!res) throw new Error('no face found in sample1');
  const W = img.width; const H = img.height;
  const crops = {
    landmark: res.detection.forSize(W, H).box.clipAtImageBorders(W, H),
    expression: res.alignedRect.forSize(W, H).box.clipAtImageBorders(W, H),
    recognition: new faceapi.Box(res.landmarks.align(null, { useDlibAlignment: true })).clipAtImageBorders(W, H),
  };
  const t = Object.fromEntries(Object.entries(crops).map(([k, r]) => [k, E.imageTensor(E.cropImage(img, r))]));
  // 640x480 detector input: sample1 resized (legacy bilinear) and rounded to integers, 3 faces visible.
  const img640 = tf.tidy(() => tf.cast(tf.round(tf.image.resizeBilinear(full, [480, 640])), 'int32'));
  tf.dispose(full);

  const nets = faceapi.nets;
  const detOpts = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
  let nDet = 0;
  const timings = {
    expression_ms_per_face: await timeIt(() => nets.faceExpressionNet.predictExpressions(t.expression), runs, warmup),
    recognition_ms_per_face: await timeIt(() => nets.faceRecognitionNet.computeFaceDescriptor(t.recognition), runs, warmup),
    landmark_ms_per_face: await timeIt(() => nets.faceLandmark68Net.detectLandmarks(t.landmark), runs, warmup),
    // forward only: pad + resize to 512 + SSD + box decoding, read back (no NMS)
    detector_forward_ms_per_640x480_image: await timeIt(async () => {
      const out = nets.ssdMobilenetv1.forwardInput(await faceapi.toNetInput(img640));
      await out.scores[0].data();
      tf.dispose([...out.boxes, ...out.scores]);
    }, runs, warmup),
    // locateFaces: forward + face-api's JS NMS (which calls boxes.arraySync() for every IoU) + box mapping
    detector_ms_per_640x480_image: await timeIt(async () => { nDet = (await nets.ssdMobilenetv1.locateFaces(img640, detOpts)).length; }, runs, warmup),
  };
  const line = {
    tool: 'bench_faceapi',
    backend: info.backend,
    simd: info.simd,
    threads: info.threads,
    versions: { 'face-api': info.versions['face-api'], tfjs: info.versions.tfjs, node: info.versions.node },
    runs,
    warmup,
    inputs: {
      expression_crop: [crops.expression.height, crops.expression.width],
      recognition_crop: [crops.recognition.height, crops.recognition.width],
      landmark_crop: [crops.landmark.height, crops.landmark.width],
      detector_image: [480, 640],
      detector_faces_found: nDet,
    },
    ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Number(v.median.toFixed(3))])),
    min_max_ms: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, [Number(v.min.toFixed(3)), Number(v.max.toFixed(3))]])),
  };
  console.log(JSON.stringify(line));
}

main().catch((e) => { console.error(e.stack || e); process.exit(1); });
