#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the fetched models and sample
photos: small pieces of real files, so that the fuzzer starts from inputs the readers accept.

    tests/fuzz/make_seeds.py [ASSETS] [OUT]      (defaults: assets, tests/fuzz/corpus)

Standard library only; the output is deterministic. The seeds are committed: run this again only to change them.
"""
import json
import math
import struct
import sys
import zlib
from pathlib import Path

ASSETS = Path(sys.argv[1] if len(sys.argv) > 1 else "assets")
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "tests/fuzz/corpus")


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def element_bytes(w):
    q = (w.get("quantization") or {}).get("dtype")
    return {"uint8": 1, "uint16": 2, "float16": 2}.get(q, 4)


def entry_bytes(w):
    return math.prod(w["shape"]) * element_bytes(w)


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


# --- TF.js weights manifests: the first entries of face-api's manifests, with the matching shard bytes.
def tfjs_weights_seeds():
    for model, count in [("face_landmark_68_tiny_model", 2), ("face_expression_model", 2), ("tiny_face_detector_model", 3)]:
        manifest = json.loads((ASSETS / "faceapi/model" / f"{model}-weights_manifest.json").read_text())
        shard = b"".join((ASSETS / "faceapi/model" / p).read_bytes() for p in manifest[0]["paths"])
        weights = manifest[0]["weights"][:count]
        size = sum(entry_bytes(w) for w in weights)
        group = {"paths": manifest[0]["paths"][:1], "weights": weights}
        write("tfjs_weights", model, dumps([group]).encode() + b"\0" + shard[:size])
    # Every storage the reader decodes, one element each: raw float32 and int32, uint8, uint16, float16.
    entries = [
        {"name": "f", "shape": [2], "dtype": "float32"},
        {"name": "i", "shape": [1], "dtype": "int32"},
        {"name": "u8", "shape": [2], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}},
        {"name": "u16", "shape": [1, 1], "dtype": "int32", "quantization": {"dtype": "uint16", "scale": 2, "min": 0}},
        {"name": "h", "shape": [1], "dtype": "float32", "quantization": {"dtype": "float16"}},
    ]
    shard = struct.pack("<ffi", 1.5, -2.0, 7) + bytes([0, 255]) + struct.pack("<H", 300) + struct.pack("<H", 0x3C00)
    write("tfjs_weights", "every_storage", dumps([{"paths": ["w.bin"], "weights": entries}]).encode() + b"\0" + shard)
    # Two groups: the harness shares the shard bytes out evenly between them.
    two = [{"paths": ["a.bin"], "weights": [entries[0]]}, {"paths": ["b.bin"], "weights": [dict(entries[0], name="g")]}]
    write("tfjs_weights", "two_groups", dumps(two).encode() + b"\0" + struct.pack("<ffff", 1, 2, 3, 4))


# --- Graph models: the first layer of the emotion model (its input and a fused convolution).
def tfjs_graph_seeds():
    model = json.loads((ASSETS / "human/models/emotion.json").read_text())
    nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
    keep = set()

    def visit(name):
        if name in keep:
            return
        keep.add(name)
        for i in nodes[name].get("input", []):
            visit(i.lstrip("^").split(":")[0])

    visit("StatefulPartitionedCall/model_1/block1_conv1_act/Relu")
    group = model["weightsManifest"][0]
    shard = (ASSETS / "human/models" / group["paths"][0]).read_bytes()
    offset, weights, data = 0, [], b""
    for w in group["weights"]:
        n = entry_bytes(w)
        if w["name"] in keep:
            weights.append(w)
            data += shard[offset:offset + n]
        offset += n
    small = {
        "format": model.get("format"),
        "modelTopology": {"node": [n for n in model["modelTopology"]["node"] if n["name"] in keep]},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": weights}],
    }
    write("tfjs_graph", "emotion_first_layer", dumps(small).encode() + b"\0" + data)
    # No weights: a placeholder through element-wise ops and a softmax.
    tiny = {
        "modelTopology": {"node": [
            {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}}},
            {"name": "r", "op": "Relu", "input": ["x"]},
            {"name": "s", "op": "Softmax", "input": ["r:0"]},
            {"name": "y", "op": "Identity", "input": ["s", "^x"]},
        ]},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": []}],
    }
    write("tfjs_graph", "no_weights", dumps(tiny).encode() + b"\0")


# --- Images: tiny PNGs, a BMP, and the headers of a face-api sample JPEG.
def png(width, height, colour_type, depth, raw_rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw_rows, 9)) +
            chunk(b"IEND", b""))


def image_seeds():
    write("image", "rgb_2x2.png", png(2, 2, 2, 8, b"\0" + bytes([255, 0, 0, 0, 255, 0]) + b"\0" + bytes([0, 0, 255] * 2)))
    write("image", "grey16_1x1.png", png(1, 1, 0, 16, b"\0\x12\x34"))
    write("image", "rgba_1x1.png", png(1, 1, 6, 8, b"\0\x10\x20\x30\x80"))
    pixels = bytes([0, 0, 255, 0, 255, 0, 0, 0]) * 2  # 2x2 BGR rows padded to 4 bytes
    bmp_header = b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54)
    dib = struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    write("image", "bgr_2x2.bmp", bmp_header + dib + pixels)
    # A JPEG cut after its start-of-frame and Huffman tables: the probe reads the size, the decoder sees no scan.
    jpeg = (ASSETS / "faceapi/samples/sample1.jpg").read_bytes()
    sos = jpeg.find(b"\xff\xda")
    write("image", "sample1_headers.jpg", jpeg[:sos])
    write("image", "sample1_first_scan_bytes.jpg", jpeg[:sos + 600])


# --- CSV manifests: the harness provides a.png, b.jpg and faces/c.png next to the manifest.
def csv_seeds():
    write("csv_manifest", "header_and_rows.csv",
          "path,identity,expression,split\na.png,alice,happy,train\nb.jpg,bob,2,val\n\"faces/c.png\",-1,neutral,\n")
    write("csv_manifest", "numeric_identities.csv", "# comment\n a.png , 10 , 0\nb.jpg,2,surprised,test\nb.jpg,,sad\n")
    write("csv_manifest", "quotes_and_errors.csv",
          "\"a.png\",\"x,\"\"y\"\"\",angry\nmissing.png,1,happy\nb.jpg,1,7\nb.jpg,1,happy,holdout\n\"unterminated,1,2\n")


# --- Template banks (docs/template_bank.md), without the trailing checksum the harness appends.
def template_bank_seeds():
    def shape(dx):
        return b"".join(struct.pack("<ff", 0.2 + 0.6 * (i % 17) / 16 + dx, 0.2 + 0.6 * (i // 17) / 3)
                        for i in range(68))
    side = 32
    for name, donors in [("one_donor", [(1, b"", 3)]), ("two_people", [(7, b"ann", 1), (9, b"bo", 1)])]:
        body = b"FGTBANK\0" + struct.pack("<IIII", 1, side, 1, len(donors)) + shape(0)
        for photo, identity, expression in donors:
            body += struct.pack("<QI", photo, len(identity)) + identity + struct.pack("<I", expression)
            body += shape(0.01 * photo) + bytes((photo * 37 + i) % 256 for i in range(side * side * 3))
        write("template_bank", name, body)


tfjs_weights_seeds()
tfjs_graph_seeds()
image_seeds()
csv_seeds()
template_bank_seeds()
