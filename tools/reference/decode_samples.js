'use strict';
// Decodes face-api's sample JPEGs with jpeg-js (the decoder the goldens were made with) into the lossless
// PNGs the C++ and Python tests read (tests/data/golden/faceapi/pixels/sampleN.png), and checks each against
// the rgb_sha256 recorded in the pipeline golden. Needs only jpeg-js and pngjs; PNGs already correct are kept.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const jpeg = require('jpeg-js');
const { PNG } = require('pngjs');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const ASSETS = process.env.FERGUARD_ASSETS_DIR ? path.resolve(process.env.FERGUARD_ASSETS_DIR) : path.join(REPO_ROOT, 'assets');
const GOLDEN = path.join(REPO_ROOT, 'tests', 'data', 'golden', 'faceapi');
const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function pngPixels(file) {
  const png = PNG.sync.read(fs.readFileSync(file), { skipRescale: true });
  const rgb = Buffer.alloc(png.width * png.height * 3);
  for (let i = 0, j = 0; i < png.width * png.height; i++, j += 4) {
    rgb[3 * i] = png.data[j]; rgb[3 * i + 1] = png.data[j + 1]; rgb[3 * i + 2] = png.data[j + 2];
  }
  return rgb;
}

let failed = 0;
for (let n = 1; n <= 6; n++) {
  const golden = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'pipeline', `sample${n}.json`), 'utf8'));
  const want = golden.image.rgb_sha256;
  const out = path.join(GOLDEN, 'pixels', `sample${n}.png`);
  if (fs.existsSync(out) && sha(pngPixels(out)) === want) continue;
  const jpg = path.join(ASSETS, 'faceapi', 'samples', `sample${n}.jpg`);
  const img = jpeg.decode(fs.readFileSync(jpg), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  const rgb = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  if (sha(rgb) !== want) {
    console.error(`decode_samples: ${jpg}: decoded pixels do not match the golden's rgb_sha256 (${want})`);
    failed++;
    continue;
  }
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = rgb;
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
  fs.renameSync(tmp, out);
  console.log(`decode_samples: wrote ${path.relative(REPO_ROOT, out)}`);
}
process.exit(failed ? 1 : 0);
