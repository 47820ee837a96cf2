"""Test helpers shared by the test modules (import as ``from fcutil import ...``).

Clips are generated with PyAV; real clips come from ../shared/data when present.
"""

from __future__ import annotations

import fractions
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FORMCHECK_SHARED_DATA", ROOT.parent / "shared" / "data"))
VIDEOS = SHARED / "videos"
MOCAP = SHARED / "mocap"
SAMPLES = ROOT / "sample_videos"
ARTIFACTS = ROOT / "test-artifacts"


def needs_shared():
    return pytest.mark.skipif(not VIDEOS.is_dir(), reason="shared test data not present")


def coded_frame(index: int, w: int, h: int) -> np.ndarray:
    """A frame whose top-left block encodes ``index`` (8 bits as black/white cells) and whose top
    edge is red, so orientation and identity survive compression."""
    img = np.full((h, w, 3), 90, np.uint8)
    img[:8, :, :] = (255, 0, 0)  # red band along the top of the *stored* picture
    for b in range(8):
        v = 255 if (index >> b) & 1 else 0
        img[16:32, 16 + 16 * b: 32 + 16 * b] = v
    return img


def decode_index(img: np.ndarray) -> int:
    return sum((1 << b) for b in range(8) if img[24, 24 + 16 * b].mean() > 128)


def write_clip(path: Path, times_s, *, w=160, h=96, rotation=0, codec="libx264", fmt=None) -> Path:
    import av

    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream(codec, rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        tb = fractions.Fraction(1, 90000) if codec != "mpeg4" else fractions.Fraction(1, 30)  # mpeg4: denominator < 2^16
        s.time_base = s.codec_context.time_base = tb
        if rotation:
            s.set_display_rotation(rotation)
        for i, t in enumerate(times_s):
            f = av.VideoFrame.from_ndarray(coded_frame(i, w, h), format="rgb24")
            f.pts, f.time_base = int(round(t / tb)), s.time_base
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


