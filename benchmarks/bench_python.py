#!/usr/bin/python3
"""Times from Python the calls that build/bin/bench_api times in C++, on the same inputs (see bench_api.cpp), one
thread, default malloc: ms per call, the median of --runs calls after --warmup calls. Prints one JSON line.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/bench_python.py [--runs 30]

benchmarks/speed_report.sh runs it next to bench_api and the face-api/tfjs peers and reports the ratios.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

import ferguard

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "faceapi" / "samples" / "sample1.jpg"
WINDOW = (390, 300, 640, 480)  # x, y, width, height: as kWindow in bench_api.cpp


def median_ms(call, runs, warmup, min_seconds):
    for _ in range(warmup):
        call()
    times = []
    start = time.perf_counter()
    while len(times) < runs or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    args = ap.parse_args()
    if not SAMPLE.exists():
        sys.exit(f"bench_python: {SAMPLE} missing: run scripts/fetch_models.sh")

    full = ferguard.read_image(str(SAMPLE))
    window = ferguard.crop(full, WINDOW)
    analyzer = ferguard.FaceAnalyzer(threads=1)
    face0 = analyzer.detect(full)[0]
    h, w = full.shape[:2]
    res = {}
    t = lambda call, min_s=args.min_seconds: median_ms(call, args.runs, args.warmup, min_s)
    res["detect_full"] = t(lambda: analyzer.detect(full), 2.0)
    res["detect_640x480"] = t(lambda: analyzer.detect(window), 2.0)
    for name in ("faceapi", "faceres", "mobileface"):
        r = ferguard.Recognizer(name, threads=1)
        crop = [ferguard.crop(full, r.crop_rect(face0.landmarks, w, h))]
        res[f"recognizer_{name}"] = t(lambda: r.embed(crop))
    for name in ("faceapi", "emotion"):
        m = ferguard.ExpressionModel(name, threads=1)
        crop = [ferguard.crop(full, m.crop_rect(face0.landmarks, w, h))]
        res[f"expression_{name}"] = t(lambda: m.predict(crop))
    pipeline = ferguard.Pipeline(threads=1)
    res["pipeline_640x480"] = median_ms(lambda: pipeline.analyze(window), 5, 1, 3.0)
    print(json.dumps({k: round(v, 3) for k, v in res.items()}))


if __name__ == "__main__":
    main()
