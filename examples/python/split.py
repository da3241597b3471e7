"""Split a face image into its low- and high-frequency streams (run with PYTHONPATH=build/python)."""
import sys

import numpy as np

import ferguard

image = ferguard.read_image(sys.argv[1])             # HxWx3 uint8 RGB
low, high = ferguard.split(image, cutoff=0.1, filter="gaussian")
assert np.allclose(low + high, image / 255.0, atol=1e-5)
ferguard.write_image("low.png", (np.clip(low, 0, 1) * 255 + 0.5).astype(np.uint8))
ferguard.write_image("high.png", (np.clip(high + 0.5, 0, 1) * 255 + 0.5).astype(np.uint8))
print("low/high energy:", float((low**2).sum()), float((high**2).sum()))
