#!/usr/bin/python3
"""Peak resident memory of `ferguard analyze` on a long video against a short one: two 640x480 clips of face-api's
sample1 (a window that pans and zooms across the photo, so that faces move and change size), of --short and --long
frames, each analysed by the CLI in its own process; peak RSS from getrusage of the child. The bound to check: the
long clip's peak within 1.2x of the short one's.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/video_memory.py [--method template] [--long 3000]
"""
import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

import ferguard

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "faceapi" / "samples" / "sample1.jpg"


def make_clip(path, frames, photo):
    """frames x 640x480: a window zooming from 100 % to 85 % of the photo's height and panning, over 300 frames,
    back and forth (a longer clip repeats the motion)."""
    ph, pw = photo.shape[:2]
    with ferguard.VideoWriter(str(path), 640, 480, 25.0) as w:
        for i in range(frames):
            k = i % 600
            t = (k if k < 300 else 599 - k) / 299.0
            h = ph * (1.0 - 0.15 * t)
            wd = h * 640.0 / 480.0
            x = (pw - wd) * (0.3 + 0.4 * t)
            y = (ph - h) * 0.5
            rows = (y + (np.arange(480) + 0.5) * h / 480.0).astype(np.int64).clip(0, ph - 1)
            cols = (x + (np.arange(640) + 0.5) * wd / 640.0).astype(np.int64).clip(0, pw - 1)
            w.write(np.ascontiguousarray(photo[rows][:, cols]))


def peak_rss_mib(cmd):
    """Runs cmd in a child process; its peak resident set in MiB and its wall time."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)  # the summary the CLI prints is not this script's output
        os.execv(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"video_memory: {' '.join(cmd)} exited with {os.waitstatus_to_exitcode(status)}")
    return usage.ru_maxrss / 1024.0, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--method", default="template")
    ap.add_argument("--short", type=int, default=300)
    ap.add_argument("--long", type=int, default=3000)
    ap.add_argument("--audit", action="store_true", help="also audit every frame (default: --no-audit)")
    args = ap.parse_args()
    photo = ferguard.read_image(str(SAMPLE))
    cli = str(pathlib.Path(args.build) / "bin" / "ferguard")
    res = {"method": args.method, "audit": args.audit}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.short, args.long):
            clip = pathlib.Path(tmp) / f"clip{n}.mkv"
            make_clip(clip, n, photo)
            cmd = [cli, "analyze", str(clip), "--out", str(pathlib.Path(tmp) / f"out{n}"), "--method", args.method,
                   "--threads", "1", "--quiet"] + ([] if args.audit else ["--no-audit"])
            rss, secs = peak_rss_mib(cmd)
            res[f"frames_{n}"] = {"peak_rss_mib": round(rss, 1), "seconds": round(secs, 1)}
            print(f"{n} frames: peak RSS {rss:.1f} MiB, {secs:.0f} s", file=sys.stderr)
    res["ratio_long_to_short"] = round(res[f"frames_{args.long}"]["peak_rss_mib"] / res[f"frames_{args.short}"]["peak_rss_mib"], 3)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
