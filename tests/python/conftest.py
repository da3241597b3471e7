"""Shared fixtures: where the build tree's binaries and the repository's assets are."""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FERGUARD_BUILD_DIR", REPO / "build"))


@pytest.fixture(scope="session")
def cli():
    path = BUILD / "bin" / "ferguard"
    if not path.exists():
        pytest.fail(f"ferguard CLI not built at {path} (run make test)")
    return str(path)
