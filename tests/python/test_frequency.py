"""Contracts of the Python binding of the frequency split: dtypes, shapes, values, errors, GIL."""
import threading
import time

import numpy as np
import pytest

import ferguard


def test_split_float_image_reconstructs():
    rng = np.random.default_rng(0)
    img = rng.random((40, 52, 3), dtype=np.float32)
    low, high = ferguard.split(img, cutoff=0.1, filter="gaussian", order=2)
    assert low.dtype == np.float32 and high.dtype == np.float32
    assert low.shape == img.shape and high.shape == img.shape
    np.testing.assert_allclose(low + high, img, atol=1e-5)
    # The low stream is smoother than the input.
    assert np.abs(np.diff(low, axis=1)).mean() < 0.5 * np.abs(np.diff(img, axis=1)).mean()


def test_split_matches_numpy_fft_reference():
    rng = np.random.default_rng(1)
    img = rng.random((24, 30), dtype=np.float32)
    cutoff = 0.2
    low, _ = ferguard.split(img, cutoff=cutoff, filter="gaussian")
    fy = np.fft.fftfreq(24)[:, None]
    fx = np.fft.fftfreq(30)[None, :]
    r = np.sqrt(fx**2 + fy**2) / 0.5
    ref = np.fft.ifft2(np.fft.fft2(img.astype(np.float64)) * np.exp(-(r**2) / (2 * cutoff**2))).real
    np.testing.assert_allclose(low, ref, atol=1e-5)


def test_uint8_is_scaled_to_unit_range():
    img = np.full((8, 8, 3), 255, dtype=np.uint8)
    low, high = ferguard.split(img, filter="ideal", cutoff=0.5)
    np.testing.assert_allclose(low, 1.0, atol=1e-5)
    np.testing.assert_allclose(high, 0.0, atol=1e-5)


def test_bad_inputs_raise_value_error_with_message():
    with pytest.raises(ValueError, match="dtype"):
        ferguard.split(np.zeros((8, 8, 3), dtype=np.float64))
    with pytest.raises(ValueError, match="ndim"):
        ferguard.split(np.zeros((2, 8, 8, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="non-empty"):
        ferguard.split(np.zeros((0, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="cutoff"):
        ferguard.split(np.zeros((8, 8), dtype=np.float32), cutoff=0)
    with pytest.raises(ferguard.InvalidArgument, match="filter"):
        ferguard.split(np.zeros((8, 8), dtype=np.float32), filter="box")


def test_haar_round_trip_including_odd_sizes():
    rng = np.random.default_rng(2)
    img = rng.random((9, 14, 3), dtype=np.float32)
    ll, (lh, hl, hh) = ferguard.haar_split(img)
    assert ll.shape == (5, 7, 3)
    back = ferguard.haar_merge(ll, (lh, hl, hh), size=(9, 14))
    np.testing.assert_allclose(back, img, atol=1e-6)
    with pytest.raises(ValueError):
        ferguard.haar_merge(ll, (lh, hl))


def test_io_errors_are_oserrors(tmp_path):
    with pytest.raises(OSError, match="missing.png"):
        ferguard.read_image(str(tmp_path / "missing.png"))
    img = (np.arange(6 * 7 * 3) % 256).astype(np.uint8).reshape(6, 7, 3)
    ferguard.write_image(str(tmp_path / "a.png"), img)
    np.testing.assert_array_equal(ferguard.read_image(str(tmp_path / "a.png")), img)


def test_gil_is_released_during_split():
    img = np.random.default_rng(3).random((1024, 1024, 3), dtype=np.float32)
    ferguard.split(img, threads=1)  # plan once
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    start = time.perf_counter()
    ferguard.split(img, threads=1)  # one call: a held GIL would freeze the ticker for all of it
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    expected = (end - start) / 0.002  # generous: one tick per 2 ms
    assert len(during) >= min(5, expected / 2), (len(during), end - start)
