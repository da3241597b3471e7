"""ferguard.audit(): the privacy auditor's entry point for Python (the same core as `ferguard audit`)."""
import csv
import io
import json
import os

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


class AuditReport:
    """The result of ferguard.audit().

    report: the whole report as a dict (schema ferguard.audit/1, docs/audit_json.md).
    summary: its headline rows (same-photo rank-1 per auditor and protocol at the worst crop).
    warnings: the report's warnings. json / csv: audit.json and faces.csv as text.
    rows(): one dict per face and auditor (numbers as numbers): pandas.DataFrame(report.rows()) works directly.
    save(folder): writes audit.json, faces.csv and report.html there.
    """

    def __init__(self, json_text, csv_text):
        self.json = json_text
        self.csv = csv_text
        self.report = json.loads(json_text)
        self.summary = self.report["summary"]
        self.warnings = self.report["warnings"]

    def rows(self):
        def value(key, text):
            if text == "":
                return None
            if key in ("face", "verified", "redetected") or key.startswith("rank_") or key.endswith(("_rank_face", "_agree")):
                return int(text)
            try:
                return float(text)
            except ValueError:
                return text  # class names

        text_columns = ("image", "identity", "auditor", "embedding_original", "embedding_anonymised")
        out = []
        for row in csv.DictReader(io.StringIO(self.csv)):
            out.append({k: (v if k in text_columns else value(k, v)) for k, v in row.items()})
        return out

    def html(self):
        """report.html as text (one self-contained page)."""
        from . import _core

        return _core.render_audit_html(self.json)

    def save(self, folder):
        os.makedirs(folder, exist_ok=True)
        for name, text in (("audit.json", self.json), ("faces.csv", self.csv), ("report.html", self.html())):
            tmp = os.path.join(folder, f".{name}.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, os.path.join(folder, name))

    def __repr__(self):
        head = ", ".join(
            f"{r['auditor']}/{r['protocol']} {100 * r['rank1']['value']:.1f}%" for r in self.summary if r["protocol"] == "face"
        )
        return f"AuditReport({self.report['inputs']['faces']} faces; face-protocol rank-1: {head})"


def _counterpart(folder, name):
    if os.path.isfile(os.path.join(folder, name)):
        return os.path.join(folder, name)
    stem = os.path.splitext(name)[0]
    found = [os.path.join(folder, stem + e) for e in _IMAGE_EXTENSIONS if os.path.isfile(os.path.join(folder, stem + e))]
    if len(found) == 1:
        return found[0]
    private = os.path.join(folder, stem + ".private.png")
    return private if os.path.isfile(private) else None


def _is_own_output(name):
    base = os.path.splitext(name)[0]
    return base.endswith(".private") or base.endswith(".annotated") or name == "contact_sheet.png" or name.startswith("sweep_")


def _run(fn, items, jobs):
    """fn over items, `jobs` at a time; the report does not depend on the order they finish in."""
    from concurrent.futures import ThreadPoolExecutor

    if jobs < 1:
        raise ValueError(f"audit: jobs: expected >= 1, got {jobs}")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for _ in pool.map(fn, list(items)):
            pass


def audit(originals, anonymised, identities=None, auditors=("faceapi", "faceres", "mobileface"),
          recognizer_models=(), expression_models=("faceapi", "emotion"), bootstrap=1000, seed=0,
          soft_biometrics=True, reversal=True, threads=1, jobs=2, min_faces=20):
    """Audit an anonymiser's output against the originals.

    originals, anonymised: two folders (paired by file name, or STEM.private.png as `ferguard analyze` writes), or
    two equal-length lists of HxWx3 uint8 RGB arrays. identities: a dict {file name (or "NAME#k" for face k in the
    order `ferguard detect` lists them): identity}, or for lists a list of identities (None for unknown); it enables the cross-photo and
    adaptive attackers. recognizer_models: specs "NAME=PATH/model.json:size=112,range=0-255,distance=cosine,crop=1.2"
    of your own TF.js graph recognisers. `jobs` pairs are audited at once (threads; the GIL is released), each model
    call on `threads` LibTorch threads. Returns an AuditReport. An image that cannot be read is listed in
    report["errors"]; the others are audited.
    """
    from . import _core

    auditor = _core.Auditor(auditors=list(auditors), recognizer_models=list(recognizer_models),
                            expression_models=list(expression_models), bootstrap=bootstrap, seed=seed,
                            soft_biometrics=soft_biometrics, reversal=reversal, threads=threads, min_faces=min_faces)
    if isinstance(originals, (str, os.PathLike)) != isinstance(anonymised, (str, os.PathLike)):
        raise _core.InvalidArgument("audit: originals and anonymised must both be folders or both lists of arrays")
    if isinstance(originals, (str, os.PathLike)):
        originals, anonymised = os.fspath(originals), os.fspath(anonymised)
        for folder, what in ((originals, "originals"), (anonymised, "anonymised")):
            if not os.path.isdir(folder):
                raise _core.InvalidArgument(f"audit: {what} '{folder}': not a folder")
        ids = dict(identities or {})
        listed = sorted(n for n in os.listdir(originals) if not n.startswith(".") and not _is_own_output(n))
        for name in listed:
            if name.lower().endswith(_VIDEO_EXTENSIONS):
                auditor.add_error(os.path.join(originals, name),
                                  f"'{name}': ferguard.audit() takes images; the ferguard audit command audits videos per track")
        names = [n for n in listed if n.lower().endswith(_IMAGE_EXTENSIONS)]

        def one(name):
            path = os.path.join(originals, name)
            other = _counterpart(anonymised, name)
            if other is None:
                auditor.add_error(path, f"'{path}': no anonymised image of that name in '{anonymised}'")
                return
            faces = {}
            for key, value in ids.items():
                if key.startswith(name + "#") and key[len(name) + 1:].isdigit():
                    faces[int(key[len(name) + 1:])] = value
            face_ids = [faces.get(k, "") for k in range(max(faces) + 1)] if faces else []
            try:
                auditor.add(name, _core.read_image(path), _core.read_image(other), ids.get(name, ""), face_ids)
            except (_core.Error, ValueError, OSError) as e:
                auditor.add_error(path, str(e))

        _run(one, names, jobs)
    else:
        originals, anonymised = list(originals), list(anonymised)
        if len(originals) != len(anonymised):
            raise _core.InvalidArgument(
                f"audit: {len(originals)} originals but {len(anonymised)} anonymised images: expected equal lengths")
        ids = list(identities) if identities is not None else [None] * len(originals)
        if len(ids) != len(originals):
            raise _core.InvalidArgument(f"audit: {len(ids)} identities for {len(originals)} images")
        _run(lambda i: auditor.add(f"image{i:05d}", originals[i], anonymised[i], ids[i] or ""),
             range(len(originals)), jobs)
    result = auditor.result()
    return AuditReport(result.json, result.csv)
