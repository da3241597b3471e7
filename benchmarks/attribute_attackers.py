#!/usr/bin/env python3
"""Attackers without a recogniser: how much of a published face's rank-1 its colour or its outline alone explain.

Reads the output of `ferguard analyze IMAGES --out OUT` (per-image JSON with each face's original and published
landmarks, and IMAGE.private.png) and the original images, and re-identifies every published face against the
gallery of all original faces with two attackers that know nothing of faces:

* colour: the mean CIELAB colour inside the face hull (the convex hull of the original's and the published face's
  outline, jaw plus forehead, cut identically on both sides as in the `face` protocol): skin tone and light;
* outline: the jaw line (landmarks 0-16) of the published geometry against each original's, after the least-squares
  similarity between them, in inter-ocular distances: the face's outline and, with it, the head's pose.

Rank-1 is the share of published faces whose own original is strictly nearer than every other gallery face (ties
are misses, as in docs/audit_protocols.md; chance: 1 / faces).
The same attackers on the originals themselves (probe = gallery) must give 100 %: a check of the script.

Usage: /usr/bin/python3 benchmarks/attribute_attackers.py IMAGES OUT [OUT ...]
"""
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "python"))
import ferguard  # noqa: E402

FOREHEAD_RISE = 0.6  # as face_outline in lib/face/face_geometry.cpp


def centroid(p, a, b):
    return p[a:b].mean(axis=0)


def face_outline(p):
    """Jaw 0-16, then the brows 26..17 raised along the face's vertical axis by 0.6 inter-ocular distances."""
    le, re, mouth = centroid(p, 36, 42), centroid(p, 42, 48), centroid(p, 48, 68)
    iod = np.linalg.norm(re - le)
    up = 0.5 * (le + re) - mouth
    n = np.linalg.norm(up)
    up = up / n if n > 1e-6 else np.array([0.0, -1.0])
    brows = p[26:16:-1] + FOREHEAD_RISE * iod * up
    return np.concatenate([p[:17], brows]), iod


def convex_hull(points):
    pts = sorted(map(tuple, points))

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def polygon_mask(poly, h, w):
    """Pixels whose centres lie inside the convex polygon (counter-clockwise or clockwise)."""
    x0, y0 = np.floor(poly.min(axis=0)).astype(int)
    x1, y1 = np.ceil(poly.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1 + 1, w), min(y1 + 1, h)
    ys, xs = np.mgrid[y0:y1, x0:x1]
    px, py = xs + 0.5, ys + 0.5
    inside_pos = np.ones(px.shape, bool)
    inside_neg = np.ones(px.shape, bool)
    for i in range(len(poly)):
        ax, ay = poly[i]
        bx, by = poly[(i + 1) % len(poly)]
        c = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
        inside_pos &= c >= 0
        inside_neg &= c <= 0
    mask = np.zeros((h, w), bool)
    mask[y0:y1, x0:x1] = inside_pos | inside_neg
    return mask


def srgb_to_lab(rgb):
    c = rgb / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def similarity_residual(a, b):
    """RMS distance of a to b after the least-squares similarity that maps a onto b."""
    za = (a[:, 0] - a[:, 0].mean()) + 1j * (a[:, 1] - a[:, 1].mean())
    zb = (b[:, 0] - b[:, 0].mean()) + 1j * (b[:, 1] - b[:, 1].mean())
    s = np.vdot(za, zb) / max(np.vdot(za, za).real, 1e-12)
    return float(np.sqrt(np.mean(np.abs(s * za - zb) ** 2)))


def load(images, out):
    faces = []
    for report in sorted(out.glob("*.json")):
        if report.name == "summary.json":
            continue
        r = json.loads(report.read_text())
        stem = report.stem
        src = [p for p in images.iterdir() if p.stem == stem]
        private = out / f"{stem}.private.png"
        if not src or not private.exists():
            continue
        orig = ferguard.read_image(str(src[0])).astype(np.float64)
        pub = ferguard.read_image(str(private)).astype(np.float64)
        for i, f in enumerate(r["faces"]):
            L = np.array(f["landmarks"], np.float64)
            P = np.array(f["published_landmarks"] or f["landmarks"], np.float64)
            outline_l, iod = face_outline(L)
            outline_p, _ = face_outline(P)
            hull = polygon_mask(convex_hull(np.concatenate([outline_l, outline_p])), *orig.shape[:2])
            faces.append({
                "name": f"{stem}#{i}", "status": f["status"], "iod": iod, "L": L, "P": P,
                "orig_lab": srgb_to_lab(orig[hull]).mean(axis=0), "pub_lab": srgb_to_lab(pub[hull]).mean(axis=0),
            })
    return faces


def rank1(distance, n):
    """Probes whose own original is strictly nearer than every other one (ties are misses, as in the audit)."""
    hits = 0
    for i in range(n):
        d = np.array([distance(i, j) for j in range(n)])
        hits += int(np.all(d[i] < np.delete(d, i)))
    return hits, n


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    images = pathlib.Path(sys.argv[1])
    print(f"{'output':<28} {'faces':>5} {'chance':>7} {'colour':>14} {'outline':>14}")
    first = None
    for out in map(pathlib.Path, sys.argv[2:]):
        faces = load(images, out)
        if first is None:
            first = faces
        n = len(faces)
        if n == 0:
            print(f"{str(out):<28} no faces")
            continue
        colour = rank1(lambda i, j: np.linalg.norm(faces[i]["pub_lab"] - faces[j]["orig_lab"]), n)
        outline = rank1(lambda i, j: similarity_residual(faces[i]["P"][:17], faces[j]["L"][:17]) / faces[j]["iod"], n)
        fmt = lambda h: f"{100 * h[0] / h[1]:5.1f}% ({h[0]}/{h[1]})"
        print(f"{str(out):<28} {n:5d} {100 / n:6.1f}% {fmt(colour):>14} {fmt(outline):>14}")
    # The script's own check: the originals (those of the first output) against themselves.
    faces, n = first, len(first)
    if n == 0:
        return
    self_colour = rank1(lambda i, j: np.linalg.norm(faces[i]["orig_lab"] - faces[j]["orig_lab"]), n)
    self_outline = rank1(lambda i, j: similarity_residual(faces[i]["L"][:17], faces[j]["L"][:17]), n)
    print(f"{'originals (check)':<28} {n:5d} {100 / n:6.1f}% {100 * self_colour[0] / n:13.1f}% "
          f"{100 * self_outline[0] / n:13.1f}%")


if __name__ == "__main__":
    main()
