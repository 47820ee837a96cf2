"""Pose model bundles: pinned hashes, integrity checks, reproducible build layout."""

from __future__ import annotations

import zipfile

import pytest

from formcheck import models
from formcheck.errors import ModelNotFoundError


def test_built_bundles_match_pinned_hashes():
    for name in models.MODEL_NAMES:
        assert models.verify_bundle(name) == models.BUNDLE_SHA256[name]


def test_bundle_layout_is_aligned_and_stored():
    with zipfile.ZipFile(models.bundle_path("full")) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        for info in infos:
            assert info.compress_type == zipfile.ZIP_STORED
            data_offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            assert data_offset % 64 == 0


def test_rebuild_from_cached_inputs_is_byte_identical(tmp_path, monkeypatch):
    # same inputs (the verified package cache) -> the same output bytes
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    (tmp_path / ".build").mkdir()
    src = models.bundle_path.__globals__["Path"](models.__file__).resolve().parent.parent / "models" / ".build"
    for f in src.glob("*.whl"):
        (tmp_path / ".build" / f.name).symlink_to(f)
    built = models.build_models(["full"])
    assert models.sha256_bytes(built["full"].read_bytes()) == models.BUNDLE_SHA256["full"]


def test_corrupted_bundle_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    good = (models.Path(models.__file__).resolve().parent.parent / "models" / "pose_landmarker_lite.task").read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    models.bundle_path("lite").write_bytes(bytes(bad))
    with pytest.raises(ModelNotFoundError, match="corrupted"):
        models.verify_bundle("lite")


def test_corrupted_input_package_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    (tmp_path / ".build").mkdir()
    (tmp_path / ".build" / models.WHEEL_NAME).write_bytes(b"not really a wheel")
    with pytest.raises(ModelNotFoundError, match="sha256 mismatch"):
        models.fetch_wheel()
    assert not (tmp_path / ".build" / models.WHEEL_NAME).exists()  # removed so the next build re-downloads


def test_missing_model_message_names_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="formcheck models build heavy"):
        models.verify_bundle("heavy")


def test_without_npm_lite_fails_clearly_but_full_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(models.shutil, "which", lambda _name: None)
    (tmp_path / ".build").mkdir()
    src = models.Path(models.__file__).resolve().parent.parent / "models" / ".build"
    for f in src.glob("*.whl"):
        (tmp_path / ".build" / f.name).symlink_to(f)
    with pytest.raises(ModelNotFoundError, match="npm is not installed"):
        models.build_models(["full", "lite"])
    assert models.verify_bundle("full") == models.BUNDLE_SHA256["full"]  # full still built


def test_unknown_model_name():
    with pytest.raises(ModelNotFoundError, match="unknown pose model"):
        models.bundle_path("tiny")
