"""Privatize every face of a photo and print the leakage beside each prediction (PYTHONPATH=build/python)."""
import sys

import ferguard

pipeline = ferguard.Pipeline(strength_shape=1.0, auditors=["faceres"])  # the template method, default strengths
result = pipeline.analyze(ferguard.read_image(sys.argv[1]))   # HxWx3 uint8 RGB in
ferguard.write_image(sys.argv[2], result.private_image)        # same size out
for face in result.faces:
    if face["status"] == "masked":
        print("masked:", face["reason"])
        continue
    audits = ", ".join(f"{a['auditor']} {a['distance']:.2f}/{a['threshold']:.2f} match={a['match']}" for a in face["audits"])
    print(face["expression"]["label"], f"leakage {face['leakage']:.2f}", audits)
