'use strict';
// Shared benchmark helpers: command-line numbers and a warm-up + median timer.

/** Value of `--name N` on the command line, or dflt. */
function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Runs fn `warmup` times untimed, then `runs` times; returns {median, min, max} in ms. */
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

module.exports = { arg, timeIt };
