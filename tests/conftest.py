"""Shared fixtures; plain helpers live in ``fcutil.py`` (importable from every test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fcutil import ARTIFACTS, write_clip

@pytest.fixture
def make_clip(tmp_path):
    def _make(name="clip.mp4", n=30, fps=30.0, **kw):
        return write_clip(tmp_path / name, [i / fps for i in range(n)], **kw)

    return _make


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
