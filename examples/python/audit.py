"""Audit what an anonymiser made of some photos and print the headline figures (PYTHONPATH=build/python).

    python3 examples/python/audit.py ORIGINALS_DIR ANONYMISED_DIR [REPORT_DIR]

Photos are paired by file name (or NAME.private.png, as `ferguard analyze` writes them); REPORT_DIR receives
audit.json, faces.csv and report.html.
"""
import sys

import ferguard

report = ferguard.audit(sys.argv[1], sys.argv[2])
for row in report.summary:  # same-photo rank-1 at the worst of 7 crops, per auditor and protocol
    r = row["rank1"]
    print(f"{row['auditor']:<11} {row['protocol']:<14} re-identified {100 * r['value']:5.1f} % "
          f"[{100 * r['lo']:.1f}, {100 * r['hi']:.1f}], chance {100 * row['chance']:.1f} %")
for e in report.report["utility"]["expression"]:
    a = e["agreement"]
    print(f"expression kept ({e['model']}, {e['role']}): {100 * a['value']:.1f} %, chance {100 * e['chance']:.1f} %")
for warning in report.warnings + [f"{e['input']}: {e['message']}" for e in report.report["errors"]]:
    print("warning:", warning)
if len(sys.argv) > 3:
    report.save(sys.argv[3])
    print("report:", sys.argv[3] + "/report.html")
