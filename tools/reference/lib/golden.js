'use strict';
// Shared helpers for writing golden files: stable JSON layout, the per-file size budget, self-checks and
// small statistics used by the sanity figures.

const path = require('path');
const { REPO_ROOT, writeAtomic } = require('./env');

const MAX_JSON_BYTES = 300 * 1024;

/** Repo-relative path with forward slashes (what the goldens record). */
const rel = (p) => path.relative(REPO_ROOT, p).split(path.sep).join('/');

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

/** Writes obj atomically as JSON; throws when the file is over the 300 KB budget. */
function writeJson(file, obj) {
  const text = `${toJson(obj)}\n`;
  JSON.parse(text);
  writeAtomic(file, text);
  console.log(`wrote ${rel(file)} (${text.length} bytes)`);
  if (text.length > MAX_JSON_BYTES) throw new Error(`${rel(file)} is ${text.length} bytes, over the 300 KB budget`);
}

/** Throws unless diff <= tol; returns diff so it can be recorded. */
function check(name, diff, tol = 0) {
  if (!(diff <= tol)) throw new Error(`self-check '${name}' failed: max abs diff ${diff} > ${tol}`);
  return diff;
}

/** Median of a list of numbers (mean of the two middle values for an even count). */
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const minMedianMax = (values) => ({ min: Math.min(...values), median: median(values), max: Math.max(...values) });

module.exports = { MAX_JSON_BYTES, rel, toJson, writeJson, check, median, minMedianMax };
