'use strict';
// Shared setup for the reference tools: tfjs wasm backend from the local node_modules, face-api models from
// the fetched assets, image decoding, the synthetic input formula and small serialisation helpers.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');
const { PNG } = require('pngjs');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ASSETS_DIR = process.env.FERGUARD_ASSETS_DIR
  ? path.resolve(process.env.FERGUARD_ASSETS_DIR)
  : path.join(REPO_ROOT, 'assets');
const MODEL_DIR = path.join(ASSETS_DIR, 'faceapi', 'model');
const SAMPLES_DIR = path.join(ASSETS_DIR, 'faceapi', 'samples');

function pkgVersion(name) {
  const p = require.resolve(`${name}/package.json`, { paths: [__dirname] });
  return JSON.parse(fs.readFileSync(p, 'utf8')).version;
}

/** Initialises tfjs on the wasm backend with the .wasm files shipped in node_modules (no network). */
async function initBackend() {
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
    if (!fs.existsSync(path.join(wasmDir, f))) throw new Error(`missing wasm binary ${path.join(wasmDir, f)}`);
  }
  wasm.setWasmPaths(wasmDir + path.sep); // a local directory prefix: the emscripten loader reads it with fs
  wasm.setThreadsCount(1); // XNNPACK thread pool of 1 (Node never gets the threaded build anyway)
  if (!(await tf.setBackend('wasm'))) throw new Error('could not initialise the tfjs wasm backend');
  await tf.ready();
  return {
    backend: tf.getBackend(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: wasm.getThreadsCount(),
    versions: {
      'face-api': pkgVersion('@vladmandic/face-api'),
      tfjs: tf.version.tfjs,
      'tfjs-backend-wasm': pkgVersion('@tensorflow/tfjs-backend-wasm'),
      'jpeg-js': pkgVersion('jpeg-js'),
      pngjs: pkgVersion('pngjs'),
      node: process.version,
    },
  };
}

async function loadModels() {
  if (!fs.existsSync(path.join(MODEL_DIR, 'ssd_mobilenetv1_model-weights_manifest.json'))) {
    throw new Error(`face-api models not found in ${MODEL_DIR}; run scripts/fetch_models.sh first`);
  }
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(MODEL_DIR);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(MODEL_DIR);
  await faceapi.nets.faceExpressionNet.loadFromDisk(MODEL_DIR);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(MODEL_DIR);
}

/** Decodes a JPEG with jpeg-js into {width, height, data: Uint8Array HWC RGB}. */
function decodeJpeg(file) {
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  if (img.data.length !== img.width * img.height * 3) throw new Error(`${file}: expected RGB output from jpeg-js`);
  return { width: img.width, height: img.height, data: img.data };
}

/** Encodes HWC RGB uint8 pixels as an 8-bit RGB PNG (lossless). */
function encodePng(img) {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 9 });
}

/** Decodes an 8-bit PNG back into HWC RGB. */
function decodePng(file) {
  const png = PNG.sync.read(fs.readFileSync(file), { skipRescale: true });
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < png.width * png.height; i++, j += 4) {
    rgb[3 * i] = png.data[j]; rgb[3 * i + 1] = png.data[j + 1]; rgb[3 * i + 2] = png.data[j + 2];
  }
  return { width: png.width, height: png.height, data: rgb };
}

const SYNTHETIC_FORMULA = 'pixel(y,x,c) = (y*7 + x*13 + c*61 + (y*x)%17) % 256; uint8, HWC, c=0,1,2 = R,G,B; y,x,c 0-based';

/** The deterministic synthetic image of SYNTHETIC_FORMULA. */
function syntheticImage(height, width) {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (y * 7 + x * 13 + c * 61 + ((y * x) % 17)) % 256;
    }
  }
  return { width, height, data };
}

/** int32 tensor [H,W,3] holding the pixel values (face-api casts to float32 itself). */
function imageTensor(img) {
  return tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
}

function cropImage(img, { x, y, width, height }) {
  const out = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    const src = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(src, src + width * 3), r * width * 3);
  }
  return { width, height, data: out };
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

const arr = (typed) => Array.from(typed);
const rect = (b) => ({ x: b.x, y: b.y, width: b.width, height: b.height });
const maxAbsDiff = (a, b) => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Summary of a tensor for debugging intermediates: shape, float64 sums and a few values in flat NHWC order. */
function summary(t, nFirst = 8) {
  const d = t.dataSync();
  let s = 0; let sa = 0; let mx = -Infinity; let mn = Infinity;
  for (let i = 0; i < d.length; i++) { s += d[i]; sa += Math.abs(d[i]); mx = Math.max(mx, d[i]); mn = Math.min(mn, d[i]); }
  const idx = [0, 1, 2, 3, 4, 5, 6, 7].slice(0, nFirst).map((k) => Math.floor((k * d.length) / nFirst) + (k % 3));
  return {
    shape_nhwc: t.shape, sum: s, abs_sum: sa, min: mn, max: mx,
    samples_flat_nhwc: idx.map((i) => [i, d[i]]),
  };
}

/** Writes a file atomically (temp name in the same folder, then rename). */
function writeAtomic(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

module.exports = {
  tf, wasm, faceapi, REPO_ROOT, ASSETS_DIR, MODEL_DIR, SAMPLES_DIR, initBackend, loadModels, decodeJpeg, encodePng,
  decodePng, SYNTHETIC_FORMULA, syntheticImage, imageTensor, cropImage, sha256, arr, rect, maxAbsDiff, summary,
  writeAtomic,
};
