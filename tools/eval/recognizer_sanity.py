#!/usr/bin/env python3
"""Sanity figures and threshold calibration for ferguard's recognisers and expression models.

Data the project can make: the 22 faces of face-api's 6 sample photos (decoded pixels from
tests/data/golden/faceapi/pixels, 68 landmarks from the face-api pipeline goldens), and mild perturbations of
each face (horizontal flip, +10 % brightness, a shift of 4 % of the crop, a JPEG round trip at OpenCV's default quality, 95).

Per recogniser it prints rank-1 re-identification of each perturbed face against the 22 originals, the
distances between a face and its perturbed copies ("same") and between different faces ("different"), and
a calibrated threshold: the midpoint between the largest "same" and the smallest "different" distance when
they separate, else the point where the two error rates are equal. Per expression model pair it prints the
top-1 agreement. Run: PYTHONPATH=build/python /usr/bin/python3 tools/eval/recognizer_sanity.py [--json OUT]
The 22 faces include no repeated person that we know of; every face is taken as its own identity.
"""
import argparse
import json
import pathlib
import sys
import tempfile

import numpy as np

import ferguard

REPO = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "data" / "golden" / "faceapi"


def load_faces():
    faces = []
    for n in range(1, 7):
        png = GOLDEN / "pixels" / f"sample{n}.png"
        if not png.exists():
            sys.exit(f"{png} missing: run tools/reference/decode_samples.sh (make test does)")
        image = ferguard.read_image(str(png))
        golden = json.loads((GOLDEN / "pipeline" / f"sample{n}.json").read_text())
        for i, f in enumerate(golden["faces"]):
            faces.append({"key": f"sample{n}/{i}", "image": image,
                          "landmarks": np.array(f["landmarks"], dtype=np.float32)})
    return faces


def perturbations(image, rect, tmp):
    """Perturbed crops of one face: flip, brighter, shifted, JPEG."""
    x, y, w, h = rect
    crop = ferguard.crop(image, rect)
    out = {"flip": crop[:, ::-1].copy(),
           "brightness": np.clip(crop.astype(np.float32) * 1.1, 0, 255).astype(np.uint8),
           "shift": ferguard.crop(image, (x + max(1, w // 25), y + max(1, h // 25), w, h))}
    path = str(pathlib.Path(tmp) / "round_trip.jpg")
    ferguard.write_image(path, crop)  # JPEG at OpenCV's default quality (95)
    out["jpeg"] = ferguard.read_image(path)
    return crop, out


def calibrate(same, diff):
    same, diff = np.sort(same), np.sort(diff)
    if same.max() < diff.min():
        return float((same.max() + diff.min()) / 2), "midpoint (separable)"
    candidates = np.concatenate([same, diff])
    best = min(candidates, key=lambda t: abs((same > t).mean() - (diff <= t).mean()))
    return float(best), "equal error rate"


def recogniser_figures(name, faces, tmp):
    rec = ferguard.Recognizer(name, threads=2)
    originals, perturbed = [], {}
    for f in faces:
        h, w = f["image"].shape[:2]
        rect = rec.crop_rect(f["landmarks"], w, h)
        crop, pert = perturbations(f["image"], rect, tmp)
        originals.append(crop)
        for k, v in pert.items():
            perturbed.setdefault(k, []).append(v)
    e0 = rec.embed(originals)
    dist = lambda a, b: rec.distance(a.tolist(), b.tolist())  # noqa: E731
    n = len(faces)
    diff = np.array([dist(e0[i], e0[j]) for i in range(n) for j in range(i + 1, n)])
    same, rank1 = [], {}
    for k, crops in perturbed.items():
        ek = rec.embed(crops)
        d = np.array([[dist(ek[i], e0[j]) for j in range(n)] for i in range(n)])
        rank1[k] = int((d.argmin(axis=1) == np.arange(n)).sum())
        same.extend(d[np.arange(n), np.arange(n)].tolist())
    same = np.array(same)
    threshold, how = calibrate(same, diff)
    return {
        "recognizer": name, "distance": rec.distance_kind, "faces": n,
        "rank1_of_perturbed": rank1,
        "same_min_median_max": [float(same.min()), float(np.median(same)), float(same.max())],
        "different_min_median_max": [float(diff.min()), float(np.median(diff)), float(diff.max())],
        "calibrated_threshold": threshold, "calibration": how, "threshold_in_use": rec.threshold,
        "false_match_pairs_at_threshold_in_use": int((diff <= rec.threshold).sum()),
        "missed_same_at_threshold_in_use": int((same > rec.threshold).sum()),
    }


def expression_agreement(faces):
    probs = {}
    for name in ferguard.EXPRESSION_MODELS:
        model = ferguard.ExpressionModel(name, threads=2)
        crops = []
        for f in faces:
            h, w = f["image"].shape[:2]
            crops.append(ferguard.crop(f["image"], model.crop_rect(f["landmarks"], w, h)))
        probs[name] = model.predict(crops)
    a, b = ferguard.EXPRESSION_MODELS
    top_a, top_b = probs[a].argmax(1), probs[b].argmax(1)
    return {"models": [a, b], "agree": int((top_a == top_b).sum()), "faces": len(faces),
            "labels": {a: [ferguard.EXPRESSIONS[i] for i in top_a], b: [ferguard.EXPRESSIONS[i] for i in top_b]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    faces = load_faces()
    with tempfile.TemporaryDirectory() as tmp:
        recs = [recogniser_figures(name, faces, tmp) for name in ferguard.RECOGNIZERS]
    expr = expression_agreement(faces)
    print("| recogniser | distance | rank-1 of perturbed (flip/bright/shift/jpeg) of 22 | same: min/median/max "
          "| different: min/median/max | calibrated threshold | in use |")
    print("|---|---|---|---|---|---|---|")
    for r in recs:
        r1 = "/".join(str(r["rank1_of_perturbed"][k]) for k in ("flip", "brightness", "shift", "jpeg"))
        fmt = lambda v: "/".join(f"{x:.3f}" for x in v)  # noqa: E731
        print(f"| {r['recognizer']} | {r['distance']} | {r1} | {fmt(r['same_min_median_max'])} | "
              f"{fmt(r['different_min_median_max'])} | {r['calibrated_threshold']:.3f} ({r['calibration']}) | "
              f"{r['threshold_in_use']:.3f} |")
    print(f"\nexpression models {expr['models'][0]} vs {expr['models'][1]}: top-1 agreement "
          f"{expr['agree']}/{expr['faces']}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"recognizers": recs, "expression": expr}, indent=1))


if __name__ == "__main__":
    main()
