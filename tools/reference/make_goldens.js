'use strict';
// Writes golden outputs of the original @vladmandic/face-api (tfjs wasm backend) into tests/data/golden/faceapi/.
// Run through make_goldens.sh. Layout and field meanings: tools/reference/README.md.

const fs = require('fs');
const path = require('path');
const E = require('./lib/env');
const { ssdForward, denseFeatures } = require('./lib/mirror');

const { tf, faceapi, arr, rect } = E;
const OUT_DIR = path.join(E.REPO_ROOT, 'tests', 'data', 'golden', 'faceapi');
const PIXELS_DIR = path.join(OUT_DIR, 'pixels');
const MAX_COMMITTED_PNG = 1.5 * 1024 * 1024;
const LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
const rel = (p) => path.relative(E.REPO_ROOT, p).split(path.sep).join('/');

let GENERATOR;

// JSON with one line per leaf: arrays of numbers (or of number arrays) and small objects stay on one line.
function toJson(v, ind = '') {
  const flat = (x) => typeof x !== 'object' || x === null;
  if (flat(v)) return JSON.stringify(v);
  const inner = `${ind} `;
  if (Array.isArray(v)) {
    if (v.every((e) => flat(e) || (Array.isArray(e) && e.every(flat)))) return JSON.stringify(v);
    return `[\n${v.map((e) => inner + toJson(e, inner)).join(',\n')}\n${ind}]`;
  }
  const keys = Object.keys(v);
  if (keys.length <= 6 && keys.every((k) => flat(v[k]))) return JSON.stringify(v);
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${toJson(v[k], inner)}`).join(',\n')}\n${ind}}`;
}

function writeJson(file, obj) {
  const text = `${toJson(obj)}\n`;
  JSON.parse(text);
  E.writeAtomic(file, text);
  console.log(`wrote ${rel(file)} (${text.length} bytes)`);
  if (text.length > 300 * 1024) throw new Error(`${rel(file)} is ${text.length} bytes, over the 300 KB budget`);
}

function check(name, diff, tol = 0) {
  if (!(diff <= tol)) throw new Error(`self-check '${name}' failed: max abs diff ${diff} > ${tol}`);
  return diff;
}

// ----------------------------------------------------------------------------------------------- samples
async function sampleGoldens(idx, pngIgnore) {
  const jpg = path.join(E.SAMPLES_DIR, `sample${idx}.jpg`);
  const img = E.decodeJpeg(jpg);
  const W = img.width; const H = img.height;

  const pngFile = path.join(PIXELS_DIR, `sample${idx}.png`);
  const png = E.encodePng(img);
  E.writeAtomic(pngFile, png);
  const committed = png.length < MAX_COMMITTED_PNG;
  if (!committed) pngIgnore.push(path.basename(pngFile));
  const back = E.decodePng(pngFile);
  check(`png round trip sample${idx}`, E.maxAbsDiff(back.data, img.data));

  const input = E.imageTensor(img);
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
  const results = await faceapi.detectAllFaces(input, options)
    .withFaceLandmarks()
    .withFaceExpressions()
    .withFaceDescriptors();

  const faces = [];
  for (const r of results) {
    const det = r.detection;
    const landmarkCrop = det.forSize(W, H).box.clipAtImageBorders(W, H);
    const alignedBox = r.alignedRect.forSize(W, H).box;
    const expressionCrop = alignedBox.clipAtImageBorders(W, H);
    const dlibRect = r.landmarks.align(null, { useDlibAlignment: true });
    const recognitionCrop = new faceapi.Box(dlibRect).clipAtImageBorders(W, H);

    // Re-run each net on the crop we derived; must reproduce the pipeline exactly.
    const t1 = E.imageTensor(E.cropImage(img, landmarkCrop));
    const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(t1);
    const lmShifted = lm.shiftBy(det.box.x, det.box.y).positions.flatMap((p) => [p.x, p.y]);
    const t2 = E.imageTensor(E.cropImage(img, expressionCrop));
    const ex = await faceapi.nets.faceExpressionNet.predictExpressions(t2);
    const t3 = E.imageTensor(E.cropImage(img, recognitionCrop));
    const desc = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t3);
    tf.dispose([t1, t2, t3]);

    const landmarks = r.landmarks.positions.map((p) => [p.x, p.y]);
    const probs = LABELS.map((l) => r.expressions[l]);
    faces.push({
      detection: { score: det.score, box: rect(det.box), relative_box: rect(det.relativeBox) },
      landmarks,
      landmarks_in_crop: r.unshiftedLandmarks.positions.map((p) => [p.x, p.y]),
      expressions: probs,
      descriptor: arr(r.descriptor),
      crops: {
        landmark: rect(landmarkCrop),
        expression: rect(expressionCrop),
        recognition: rect(recognitionCrop),
        expression_unclipped: rect(alignedBox),
        recognition_unclipped: rect(dlibRect),
      },
      self_check_max_abs_diff: {
        landmarks_from_landmark_crop: check('landmarks', E.maxAbsDiff(lmShifted, landmarks.flat())),
        expressions_from_expression_crop: check('expressions', E.maxAbsDiff(LABELS.map((l) => ex[l]), probs)),
        descriptor_from_recognition_crop: check('descriptor', E.maxAbsDiff(desc, r.descriptor)),
      },
    });
  }
  tf.dispose(input);

  writeJson(path.join(OUT_DIR, 'pipeline', `sample${idx}.json`), {
    description: 'face-api detectAllFaces(img, SsdMobilenetv1Options{minConfidence:0.5,maxResults:100}).withFaceLandmarks().withFaceExpressions().withFaceDescriptors() on the decoded pixels as an int32 [H,W,3] tensor',
    generator: GENERATOR,
    image: {
      jpeg: rel(jpg),
      jpeg_sha256: E.sha256(fs.readFileSync(jpg)),
      decoder: `jpeg-js ${GENERATOR.versions['jpeg-js']} decode(formatAsRGBA:false)`,
      width: W,
      height: H,
      pixels_png: rel(pngFile),
      pixels_png_committed: committed,
      rgb_sha256: E.sha256(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length)),
    },
    options: { detector: 'ssdMobilenetv1', min_confidence: 0.5, max_results: 100, landmark_net: 'faceLandmark68Net' },
    units: 'boxes {x,y,width,height} and landmarks [x,y] in image pixels (float); crops are the integer rects face-api slices',
    expression_order: LABELS,
    faces,
  });
  return { img, faces };
}

// ----------------------------------------------------------------------------------------------- per net
function syntheticCase(h, w) {
  return { name: `synthetic_${h}x${w}`, input: { kind: 'synthetic', height: h, width: w }, img: E.syntheticImage(h, w) };
}

function cropCase(name, sample1, crop) {
  return {
    name,
    input: { kind: 'crop', image: 'tests/data/golden/faceapi/pixels/sample1.png', rect: rect(crop) },
    img: E.cropImage(sample1, crop),
  };
}

async function denseTaps(net, netInput) {
  const batch = tf.cast(netInput.toBatchTensor(112, true), 'float32');
  const taps = denseFeatures(batch, net.faceFeatureExtractor.params);
  const ref = net.faceFeatureExtractor.forwardInput(netInput);
  check('dense mirror vs faceFeatureExtractor.forwardInput', E.maxAbsDiff(taps.pooled.dataSync(), ref.dataSync()));
  const out = {
    features_256: arr(ref.dataSync()),
    intermediates: {
      dense0: E.summary(taps.dense0), dense1: E.summary(taps.dense1), dense2: E.summary(taps.dense2), dense3: E.summary(taps.dense3),
    },
  };
  tf.dispose([batch, ref, ...Object.values(taps)]);
  return out;
}

async function expressionGoldens(cases) {
  const net = faceapi.nets.faceExpressionNet;
  const out = [];
  for (const c of cases) {
    const t = E.imageTensor(c.img);
    const netInput = await faceapi.toNetInput(t);
    const logits = net.runNet(netInput);
    const probsT = net.forwardInput(netInput);
    const pe = await net.predictExpressions(t);
    const probs = LABELS.map((l) => pe[l]);
    check('predictExpressions vs forwardInput', E.maxAbsDiff(probs, probsT.dataSync()));
    out.push({ name: c.name, input: c.input, logits: arr(logits.dataSync()), probabilities: probs, ...(await denseTaps(net, netInput)) });
    tf.dispose([t, logits, probsT]);
  }
  writeJson(path.join(OUT_DIR, 'nets', 'expression_net.json'), {
    net: 'faceExpressionNet (face_expression_model)', generator: GENERATOR, synthetic_formula: E.SYNTHETIC_FORMULA,
    call: 'faceapi.nets.faceExpressionNet.predictExpressions(int32 tensor [H,W,3]); logits = runNet(toNetInput(t)); features_256 = faceFeatureExtractor.forwardInput (avgPool output)',
    expression_order: LABELS,
    intermediates_note: 'summaries of dense block outputs, NHWC; samples_flat_nhwc = [flat NHWC index, value]',
    cases: out,
  });
}

async function landmarkGoldens(cases) {
  const net = faceapi.nets.faceLandmark68Net;
  const out = [];
  for (const c of cases) {
    const t = E.imageTensor(c.img);
    const netInput = await faceapi.toNetInput(t);
    const raw = net.runNet(netInput);
    const relT = net.forwardInput(netInput);
    const lm = await net.detectLandmarks(t);
    out.push({
      name: c.name,
      input: c.input,
      fc_output_136: arr(raw.dataSync()),
      relative_136: arr(relT.dataSync()),
      landmarks_px: lm.positions.map((p) => [p.x, p.y]),
      ...(await denseTaps(net, netInput)),
    });
    tf.dispose([t, raw, relT]);
  }
  writeJson(path.join(OUT_DIR, 'nets', 'landmark_net.json'), {
    net: 'faceLandmark68Net (face_landmark_68_model, full net)', generator: GENERATOR, synthetic_formula: E.SYNTHETIC_FORMULA,
    call: 'fc_output_136 = runNet(toNetInput(t)) (interleaved x0,y0,x1,y1..., in the padded 112x112 square, relative units); relative_136 = forwardInput (after pad correction, relative to the input image W,H); landmarks_px = detectLandmarks(t).positions (input image pixels)',
    intermediates_note: 'summaries of dense block outputs, NHWC; samples_flat_nhwc = [flat NHWC index, value]',
    cases: out,
  });
}

async function recognitionGoldens(cases) {
  const net = faceapi.nets.faceRecognitionNet;
  const out = [];
  for (const c of cases) {
    const t = E.imageTensor(c.img);
    const d = await net.computeFaceDescriptor(t);
    out.push({ name: c.name, input: c.input, descriptor: arr(d) });
    tf.dispose(t);
  }
  writeJson(path.join(OUT_DIR, 'nets', 'recognition_net.json'), {
    net: 'faceRecognitionNet (face_recognition_model)', generator: GENERATOR, synthetic_formula: E.SYNTHETIC_FORMULA,
    call: 'faceapi.nets.faceRecognitionNet.computeFaceDescriptor(int32 tensor [H,W,3])',
    cases: out,
  });
}

const PREDICTOR_RANGES = [[0, 3072], [3072, 4608], [4608, 4992], [4992, 5088], [5088, 5112], [5112, 5118]];

function detsToJson(dets) {
  return dets.map((d) => ({ score: d.score, box: rect(d.box), relative_box: rect(d.relativeBox) }));
}

async function detectorGoldens(cases) {
  const net = faceapi.nets.ssdMobilenetv1;
  const anchors = net.params.output_layer.extra_dim.dataSync();
  const out = [];
  for (const c of cases) {
    const t = E.imageTensor(c.img);
    const netInput = await faceapi.toNetInput(t);
    const batch = tf.cast(netInput.toBatchTensor(512, false), 'float32');
    const m = ssdForward(batch, net.params);
    const ref = net.forwardInput(netInput);
    check('ssd mirror boxes', E.maxAbsDiff(m.boxes.dataSync(), ref.boxes[0].dataSync()));
    check('ssd mirror scores', E.maxAbsDiff(m.scores.dataSync(), ref.scores[0].dataSync()));

    const enc = m.pred.boxPredictions.dataSync(); // [1,5118,1,4]
    const cls = m.pred.classPredictions.dataSync(); // [1,5118,3]
    const boxes = m.boxes.dataSync();
    const scores = m.scores.dataSync();
    const entry = (i) => ({
      anchor: i,
      anchor_box: arr(anchors.subarray(4 * i, 4 * i + 4)),
      box_encoding: arr(enc.subarray(4 * i, 4 * i + 4)),
      class_logits: arr(cls.subarray(3 * i, 3 * i + 3)),
      decoded_box: arr(boxes.subarray(4 * i, 4 * i + 4)),
      score: scores[i],
    });
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
    const top = order.slice(0, 30).map(entry);
    const strided = [];
    for (let i = 0; i < 5118; i += 47) strided.push(entry(i));
    strided.push(entry(5117));
    const perPredictor = PREDICTOR_RANGES.map(([a, b], k) => {
      let se = 0; let sae = 0; let sc = 0; let sac = 0; let ss = 0;
      for (let i = a; i < b; i++) {
        for (let j = 0; j < 4; j++) { se += enc[4 * i + j]; sae += Math.abs(enc[4 * i + j]); }
        for (let j = 0; j < 3; j++) { sc += cls[3 * i + j]; sac += Math.abs(cls[3 * i + j]); }
        ss += scores[i];
      }
      return {
        predictor: k, anchors: [a, b], feature_map: m.pred.perPredictor[k].classPrediction.shape,
        box_encoding_sum: se, box_encoding_abs_sum: sae, class_logits_sum: sc, class_logits_abs_sum: sac, score_sum: ss,
      };
    });
    const inter = {};
    for (const [k, v] of Object.entries(m.features.taps)) inter[`mobilenet_${k}`] = E.summary(v);
    for (const [k, v] of Object.entries(m.pred.taps)) inter[k] = E.summary(v);
    inter.input_512_float = E.summary(batch);

    const reshaped = netInput.getReshapedInputDimensions(0);
    const detDefault = await net.locateFaces(t, { minConfidence: 0.5, maxResults: 100 });
    const detLow = await net.locateFaces(t, { minConfidence: 0.05, maxResults: 100 });
    out.push({
      name: c.name,
      input: c.input,
      reshaped_dims: { width: reshaped.width, height: reshaped.height },
      detections_min_conf_0_5: detsToJson(detDefault),
      detections_min_conf_0_05: detsToJson(detLow),
      raw: { top_by_score: top, strided, per_predictor: perPredictor },
      intermediates: inter,
    });
    tf.dispose([t, batch, m.normalized, m.boxes, m.scores, m.pred.boxPredictions, m.pred.classPredictions,
      ...Object.values(m.features.taps), ...Object.values(m.pred.taps), ...ref.boxes, ...ref.scores,
      ...m.pred.perPredictor.flatMap((p) => [p.boxPredictionEncoding, p.classPrediction])]);
  }
  writeJson(path.join(OUT_DIR, 'nets', 'detector.json'), {
    net: 'ssdMobilenetv1 (ssd_mobilenetv1_model)', generator: GENERATOR, synthetic_formula: E.SYNTHETIC_FORMULA,
    call: 'input: int32 tensor [H,W,3]; raw = op-for-op copy of SsdMobilenetv1.forwardInput (checked bit-identical to it) on toBatchTensor(512, isCenterInputs=false); detections = locateFaces(t, {minConfidence, maxResults:100})',
    raw_note: 'anchor index i runs over 5118 anchors in predictor order (predictor k covers anchors [a,b) in per_predictor; inside a predictor: row y, column x, then the anchor slot). anchor_box = Output/extra_dim[i] = [ymin,xmin,ymax,xmax] normalised; box_encoding = [ty,tx,th,tw]; class_logits = 3 raw class-predictor channels (score = sigmoid(class_logits[1])); decoded_box = [ymin,xmin,ymax,xmax] in the padded 512 square, normalised, before clipping',
    intermediates_note: 'summaries, NHWC; samples_flat_nhwc = [flat NHWC index, value]; mobilenet_conv_k = after pointwise relu6 of pair k',
    cases: out,
  });
}

// ----------------------------------------------------------------------------------------------- main
async function main() {
  const info = await E.initBackend();
  GENERATOR = { tool: 'tools/reference/make_goldens.js', ...info };
  console.log(JSON.stringify(GENERATOR));
  await E.loadModels();

  const pngIgnore = [];
  let sample1;
  const only = process.env.GOLDEN_SAMPLES ? process.env.GOLDEN_SAMPLES.split(',').map(Number) : [1, 2, 3, 4, 5, 6];
  for (const i of only) {
    const r = await sampleGoldens(i, pngIgnore);
    if (i === 1) sample1 = r;
  }
  E.writeAtomic(path.join(PIXELS_DIR, '.gitignore'),
    `# Generated by tools/reference/make_goldens.js: decoded pixels whose PNG is >= 1.5 MB are not committed.\n${pngIgnore.map((f) => `/${f}\n`).join('')}`);
  if (!sample1) return;

  const face0 = sample1.faces[0];
  const crop = (k) => face0.crops[k];
  await expressionGoldens([syntheticCase(112, 112), syntheticCase(131, 100), cropCase('sample1_face0_expression_crop', sample1.img, crop('expression'))]);
  await landmarkGoldens([syntheticCase(112, 112), syntheticCase(131, 100), cropCase('sample1_face0_landmark_crop', sample1.img, crop('landmark'))]);
  await recognitionGoldens([syntheticCase(150, 150), syntheticCase(131, 100), cropCase('sample1_face0_recognition_crop', sample1.img, crop('recognition'))]);
  await detectorGoldens([
    syntheticCase(512, 512), syntheticCase(480, 640),
    { name: 'sample1_full', input: { kind: 'image', image: 'tests/data/golden/faceapi/pixels/sample1.png' }, img: sample1.img },
  ]);
  console.log(`tensors still allocated: ${tf.memory().numTensors}`);
}

main().catch((e) => { console.error(e.stack || e); process.exit(1); });
