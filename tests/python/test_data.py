"""Contracts of the data binding: synth_faces' shapes, dtypes, labels, splits, determinism; open_dataset."""
import numpy as np
import pytest

import ferguard


def test_synth_faces_shapes_labels_and_splits():
    images, identity, expression, split = ferguard.synth_faces(identities=3, samples=4, size=48, seed=5)
    n = 3 * 7 * 4
    assert images.shape == (n, 48, 48, 3) and images.dtype == np.uint8
    assert identity.dtype == np.int32 and expression.dtype == np.int32
    assert split.shape == (n,)
    np.testing.assert_array_equal(identity, np.repeat(np.arange(3), 28))
    np.testing.assert_array_equal(expression, np.tile(np.repeat(np.arange(7), 4), 3))
    assert set(split.tolist()) == {"train", "val", "test"}
    assert ferguard.EXPRESSIONS[6] == "surprised"
    # Every (identity, expression) has exactly one test sample with samples=4.
    test = split == "test"
    assert test.sum() == 21
    assert len(set(zip(identity[test].tolist(), expression[test].tolist()))) == 21
    # Faces are not blank: images vary within each one.
    assert images.reshape(n, -1).std(axis=1).min() > 10


def test_synth_faces_is_deterministic_and_seeded():
    a = ferguard.synth_faces(identities=2, samples=1, size=40, seed=1)[0]
    b = ferguard.synth_faces(identities=2, samples=1, size=40, seed=1, threads=1)[0]
    c = ferguard.synth_faces(identities=2, samples=1, size=40, seed=2)[0]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 5


def test_synth_faces_bad_values_raise_value_error():
    with pytest.raises(ValueError, match="size"):
        ferguard.synth_faces(identities=1, samples=1, size=8)
    with pytest.raises(ValueError, match="identities"):
        ferguard.synth_faces(identities=0)


def test_open_dataset_synth_and_csv_issues(tmp_path):
    d = ferguard.open_dataset("synth:identities=2,samples=1,size=32")
    assert len(d) == 14 and d.num_identities == 2
    image, identity, expression, split = d[13]
    assert image.shape == (32, 32, 3) and identity == 1 and expression == 6
    assert d.label(13) == (1, 6, split)
    with pytest.raises(IndexError):
        d[14]
    ferguard.write_image(str(tmp_path / "a.png"), image)
    (tmp_path / "m.csv").write_text("a.png,p1,happy,val\nb.png,p1,happy\n")
    c = ferguard.open_dataset("csv:" + str(tmp_path / "m.csv"), face_size=0)
    assert len(c) == 1 and c.label(0) == (0, 1, "val")
    assert len(c.issues) == 1 and c.issues[0][1] == 2 and "b.png" in c.issues[0][2]
    with pytest.raises(OSError, match="m.csv:2"):
        ferguard.open_dataset("csv:" + str(tmp_path / "m.csv"), on_error="fail")
    with pytest.raises(ValueError, match="on_error"):
        ferguard.open_dataset("synth", on_error="maybe")
