"""Build and locate the BlazePose ``.task`` bundles, offline, from registry packages.

Nothing is downloaded from a model hub. The inputs are ordinary registry packages fetched with their
ordinary clients, checked by sha256, and the outputs are byte-reproducible (checked by sha256 too):

* PyPI ``mediapipe==0.10.21`` wheel (downloaded with ``pip download``, never installed): the pose
  detector and the **full** landmark network.
* npm ``@mediapipe/pose@0.5.1675469404`` (``npm pack``): the **lite** and **heavy** landmark networks.

The legacy ``.tflite`` files take float32 input without metadata, so each gets image-input metadata
with the NormalizationOptions of the legacy graphs (detector mean 127.5 / std 127.5 -> [-1, 1];
landmark model mean 0 / std 255 -> [0, 1]) before being zipped, 64-byte aligned, into a bundle. Both
packages are Apache-2.0. Facts and hashes: ``models/README.md``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import ModelNotFoundError

logger = logging.getLogger(__name__)

MODEL_NAMES = ("lite", "full", "heavy")

WHEEL_NAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
NPM_TGZ = "mediapipe-pose-0.5.1675469404.tgz"
NPM_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"


@dataclass(frozen=True)
class Member:
    source: str  # "pypi" or "npm"
    path: str  # member path inside the package
    sha256: str


DETECTOR = Member("pypi", "mediapipe/modules/pose_detection/pose_detection.tflite",
                  "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c")
LANDMARK_MEMBERS = {
    "full": Member("pypi", "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
                   "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"),
    "lite": Member("npm", "package/pose_landmark_lite.tflite",
                   "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"),
    "heavy": Member("npm", "package/pose_landmark_heavy.tflite",
                    "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"),
}
BUNDLE_SHA256 = {
    "lite": "c2d581f4a56cc829d8a2a10e1f6da62ae950007601a4e91838eb1a8ec5255c5a",
    "full": "a5da1addb22794d50a9dc7721fe28d9f4e6d05dc6e81d7ebdfbd1d9c922db049",
    "heavy": "fce4a4c83c0c582911ad31ccf4c7c49967a40694a31d2509672be0249ab01ca4",
}


def model_dir() -> Path:
    """Where bundles live: ``$FORMCHECK_MODEL_DIR``, else ``models/`` of a checkout, else a user dir."""
    env = os.environ.get("FORMCHECK_MODEL_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "models"
    if checkout.is_dir():
        return checkout
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "formcheck" / "models"


def bundle_path(name: str) -> Path:
    _check_name(name)
    return model_dir() / f"pose_landmarker_{name}.task"


def _check_name(name: str) -> None:
    if name not in MODEL_NAMES:
        raise ModelNotFoundError(f"unknown pose model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_bundle(name: str, path: Path | None = None) -> str:
    """Check a bundle's sha256 against the pinned value; return the hash or raise ModelNotFoundError."""
    path = path or bundle_path(name)
    if not path.exists():
        raise ModelNotFoundError(f"pose model '{name}' not found at {path}; run: formcheck models build {name}")
    digest = sha256_bytes(path.read_bytes())
    if digest != BUNDLE_SHA256[name]:
        raise ModelNotFoundError(
            f"pose model {path} is corrupted (sha256 {digest[:12]}..., expected {BUNDLE_SHA256[name][:12]}...); "
            f"delete it and run: formcheck models build {name}")
    return digest


def ensure_model(name: str, *, notify=None) -> Path:
    """Return the path of a verified bundle, building it first if it is missing (with a short message)."""
    path = bundle_path(name)
    if not path.exists():
        msg = f"pose model '{name}' not built yet - building it from registry packages (one-off, ~10 s)"
        logger.info(msg)
        if notify:
            notify(msg)
        build_models([name])
    verify_bundle(name, path)
    return path


# ---------------------------------------------------------------------------------------------------
# fetching inputs with the registries' ordinary clients


def _cache_dir() -> Path:
    d = model_dir() / ".build"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _checked(path: Path, sha: str, what: str) -> Path:
    digest = sha256_bytes(path.read_bytes())
    if digest != sha:
        path.unlink(missing_ok=True)
        raise ModelNotFoundError(f"{what}: sha256 mismatch ({digest[:12]}..., expected {sha[:12]}...)")
    return path


def fetch_wheel() -> Path:
    """``pip download`` the mediapipe 0.10.21 wheel (not installed), verified by sha256."""
    dest = _cache_dir() / WHEEL_NAME
    if dest.exists():
        return _checked(dest, WHEEL_SHA256, WHEEL_NAME)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--python-version",
           "3.11", "--platform", "manylinux_2_28_x86_64", "mediapipe==0.10.21", "-d", str(dest.parent), "-q"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 or not dest.exists():
        raise ModelNotFoundError(f"pip download mediapipe==0.10.21 failed: {res.stderr.strip()[-300:]}")
    return _checked(dest, WHEEL_SHA256, WHEEL_NAME)


def fetch_npm() -> Path:
    """``npm pack`` @mediapipe/pose (lite and heavy networks), verified by sha256."""
    dest = _cache_dir() / NPM_TGZ
    if dest.exists():
        return _checked(dest, NPM_SHA256, NPM_TGZ)
    npm = shutil.which("npm")
    if npm is None:
        raise ModelNotFoundError("npm is not installed: the lite and heavy pose models come from the npm "
                                 f"package {NPM_SPEC}; install Node.js/npm or use --model full")
    res = subprocess.run([npm, "pack", NPM_SPEC, "--silent", "--pack-destination", str(dest.parent)],
                         capture_output=True, text=True)
    if res.returncode != 0 or not dest.exists():
        raise ModelNotFoundError(f"npm pack {NPM_SPEC} failed: {res.stderr.strip()[-300:]}")
    return _checked(dest, NPM_SHA256, NPM_TGZ)


def _read_member(member: Member) -> bytes:
    if member.source == "pypi":
        with zipfile.ZipFile(fetch_wheel()) as z:
            data = z.read(member.path)
    else:
        with tarfile.open(fetch_npm(), "r:gz") as t:
            fh = t.extractfile(member.path)
            if fh is None:
                raise ModelNotFoundError(f"{member.path} missing from {NPM_TGZ}")
            data = fh.read()
    digest = sha256_bytes(data)
    if digest != member.sha256:
        raise ModelNotFoundError(f"{member.path}: sha256 mismatch ({digest[:12]}..., expected {member.sha256[:12]}...)")
    return data


# ---------------------------------------------------------------------------------------------------
# metadata and bundle layout


def _metadata_writer():
    """Import mediapipe's metadata writer; stub the compiled version module missing from 1.2.x wheels.

    The stub only supplies the ``min_parser_version`` string ("1.0.0" for image-normalisation
    metadata); bundles built with it are byte-identical to those built by mediapipe 0.10.21.
    """
    try:
        from mediapipe.tasks.cc.metadata.python import _pywrap_metadata_version  # noqa: F401
    except ImportError:
        stub = types.ModuleType("mediapipe.tasks.cc.metadata.python._pywrap_metadata_version")
        stub.GetMinimumMetadataParserVersion = lambda _buf: "1.0.0"
        for n in ("mediapipe.tasks.cc", "mediapipe.tasks.cc.metadata", "mediapipe.tasks.cc.metadata.python"):
            sys.modules.setdefault(n, types.ModuleType(n))
        sys.modules[stub.__name__] = stub
        sys.modules["mediapipe.tasks.cc.metadata.python"]._pywrap_metadata_version = stub
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    return metadata_writer


def add_image_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    w = _metadata_writer().MetadataWriter.create(bytearray(model))
    w.add_general_info(name, "BlazePose " + name)
    w.add_image_input(norm_mean=[mean], norm_std=[std])
    data = bytes(w.populate()[0])
    w._temp_folder.cleanup()  # its __del__ fails at interpreter shutdown if left to the GC
    del w
    return data


def _write_aligned(z: zipfile.ZipFile, name: str, data: bytes, align: int = 64) -> None:
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    base = z.fp.tell() + 30 + len(name.encode()) + 4
    pad = (-base) % align
    info.extra = struct.pack("<HH", 0xD935, pad) + b"\0" * pad
    z.writestr(info, data)


def make_bundle(detector_tflite: bytes, landmark_tflite: bytes) -> bytes:
    """Bytes of a ``.task`` bundle: detector then landmark model, metadata added, stored, aligned."""
    det = add_image_metadata(detector_tflite, "pose_detector", 127.5, 127.5)
    lmk = add_image_metadata(landmark_tflite, "pose_landmarks_detector", 0.0, 255.0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        _write_aligned(z, "pose_detector.tflite", det)
        _write_aligned(z, "pose_landmarks_detector.tflite", lmk)
    return buf.getvalue()


def build_models(names=MODEL_NAMES, *, force: bool = False) -> dict[str, Path]:
    """Build the requested bundles into ``model_dir()``; verify every input and output sha256.

    Raises ModelNotFoundError (e.g. lite/heavy without npm); bundles already built are kept.
    """
    out: dict[str, Path] = {}
    errors: list[str] = []
    detector = None
    for name in names:
        _check_name(name)
        path = bundle_path(name)
        if path.exists() and not force:
            try:
                verify_bundle(name, path)
                out[name] = path
                continue
            except ModelNotFoundError:
                path.unlink()
        try:
            detector = detector or _read_member(DETECTOR)
            data = make_bundle(detector, _read_member(LANDMARK_MEMBERS[name]))
        except ModelNotFoundError as e:
            errors.append(f"{name}: {e}")
            continue
        digest = sha256_bytes(data)
        if digest != BUNDLE_SHA256[name]:
            errors.append(f"{name}: built bundle sha256 {digest[:12]}... differs from the pinned "
                          f"{BUNDLE_SHA256[name][:12]}... (mediapipe metadata writer changed?)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
        os.chmod(path, 0o644)
        out[name] = path
    if errors:
        raise ModelNotFoundError("; ".join(errors))
    return out
