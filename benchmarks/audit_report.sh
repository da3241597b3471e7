#!/usr/bin/env bash
# `ferguard audit` on face-api's 22 sample faces, as docs/audit.md reports it: ferguard's default (template), blur and
# pixelate, each published by `ferguard analyze --method M --no-audit`, then audited with the three built-in auditors,
# every protocol and crop variant, the reversal attacker and soft biometrics, as two pairs at a time on one thread each. Prints the seconds each
# audit took (the target: <= 60 s on 2 cores) and a comparison table; keeps the reports in OUT.
#
#   benchmarks/audit_report.sh [BUILD_DIR] [OUT]      (after make; about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${2:-$(mktemp -d)}
PY=/usr/bin/python3
mkdir -p "$OUT"
for m in template blur pixelate; do
  "$BUILD/bin/ferguard" analyze assets/faceapi/samples --method "$m" --no-audit --quiet --out "$OUT/$m/published" >/dev/null
  start=$(date +%s.%N)
  "$BUILD/bin/ferguard" audit --originals assets/faceapi/samples --anonymised "$OUT/$m/published" \
    --out "$OUT/$m/audit" --jobs 2 --quiet >/dev/null
  end=$(date +%s.%N)
  echo "$m: audit took $(echo "$end - $start" | bc) s"
done
"$PY" - "$OUT" <<'PYEOF'
import json, sys
out = sys.argv[1]
rows = {}
for m in ("template", "blur", "pixelate"):
    rows[m] = json.load(open(f"{out}/{m}/audit/audit.json"))
def pct(r):
    return f"{100 * r['value']:.1f} [{100 * r['lo']:.1f}, {100 * r['hi']:.1f}]"
j = rows["template"]
print(f"\n{j['inputs']['faces']} faces in {j['inputs']['images']} photos; same-photo rank-1 at the worst crop, % [95 % interval]")
print("| auditor | protocol | chance | " + " | ".join(rows) + " |")
print("|---|---|---|" + "---|" * len(rows))
for i, r in enumerate(j["summary"]):
    cells = [pct(rows[m]["summary"][i]["rank1"]) for m in rows]
    print(f"| {r['auditor']} | {r['protocol']} | {100 * r['chance']:.1f} | " + " | ".join(cells) + " |")
print("\nreversal (Wiener deconvolution, best sigma for the attacker), face protocol, own crop: rank-1 %")
for k, r in enumerate(j["reversal"]["results"]):
    print(f"| {r['auditor']} | " + " | ".join(
        f"{100 * rows[m]['reversal']['results'][k]['rank1_without']['value']:.1f} -> {100 * rows[m]['reversal']['results'][k]['rank1']['value']:.1f}"
        for m in rows) + " |")
print("\nutility, %")
for k, e in enumerate(j["utility"]["expression"]):
    print(f"| expression agreement, {e['model']} ({e['role']}) | " + " | ".join(pct(rows[m]["utility"]["expression"][k]["agreement"]) for m in rows) + " |")
    if "originals_agree_with_ferguard" in e:
        print(f"| reference: {e['model']} gives ferguard's model's top class on the originals | " + " | ".join(pct(rows[m]["utility"]["expression"][k]["originals_agree_with_ferguard"]) for m in rows) + " |")
print("| re-detected | " + " | ".join(pct(rows[m]["utility"]["redetection"]["rate"]) for m in rows) + " |")
print("| landmark error, inter-ocular distances (mean) | " + " | ".join(f"{rows[m]['utility']['landmark_error']['mean']:.3f}" for m in rows) + " |")
print("| gender flipped (faceres) | " + " | ".join(pct(rows[m]["soft_biometrics"]["gender_flip"]) for m in rows) + " |")
print("| age change, mean absolute (years) | " + " | ".join(f"{rows[m]['soft_biometrics']['age_mae']:.1f}" for m in rows) + " |")
print("| PSNR outside the faces, dB (min) | " + " | ".join(f"{rows[m]['utility']['outside_faces']['psnr_min']:.1f}" for m in rows) + " |")
PYEOF
echo "reports: $OUT/{template,blur,pixelate}/audit/report.html"
