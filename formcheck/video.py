"""Video input and output with PyAV (the I/O edge for pixels).

* Frames are **streamed** (never the whole clip in memory), upright (``frame.rotation`` applied with
  ``np.rot90``), with times from each frame's presentation timestamp, so variable-frame-rate clips
  keep exact timing. PyAV never rotates by itself; OpenCV's behaviour changed between versions.
* Slow-motion clips: ``capture_fps`` rescales file time to real time
  (``t_real = t_file * container_fps / capture_fps``).
* Output is H.264 (``libx264``, yuv420p, even size, ``+faststart``) so Chromium plays it.
"""

from __future__ import annotations

import fractions
import hashlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from formcheck.errors import VideoReadError
from formcheck.types import VideoMeta

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")


def _open(path: Path):
    import av

    if not path.exists():
        raise VideoReadError(f"{path}: file not found")
    if path.is_dir():
        raise VideoReadError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoReadError(f"{path}: file is empty")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise VideoReadError(f"{path}: not a readable video ({type(e).__name__}: {e})") from None


def read_video_meta(path: str | Path, *, capture_fps: float | None = None) -> VideoMeta:
    """Read a clip's container facts without decoding it all.

    Raises
    ------
    VideoReadError
        missing or empty file, not a media file, no video stream, or no decodable frame.
    """
    path = Path(path)
    with _open(path) as c:
        if not c.streams.video:
            raise VideoReadError(f"{path}: contains no video stream")
        s = c.streams.video[0]
        rate = s.average_rate or s.guessed_rate or s.base_rate
        n_frames = int(s.frames) if s.frames else None
        duration_s = None
        if s.duration is not None and s.time_base is not None:
            duration_s = float(s.duration * s.time_base)
        elif c.duration is not None:
            duration_s = c.duration / 1_000_000
        # decode the first frame: proves the stream is decodable and gives rotation and size
        first = None
        try:
            for first in c.decode(s):
                break
        except Exception as e:  # noqa: BLE001 - any decoder failure means "not a readable video"
            raise VideoReadError(f"{path}: video stream cannot be decoded ({type(e).__name__}: {e})") from None
        if first is None:
            raise VideoReadError(f"{path}: video stream has no frames")
        rotation = int(getattr(first, "rotation", 0) or 0) % 360
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        codec = s.codec_context.name
    if rate is None or float(rate) <= 0:
        if duration_s and n_frames:
            rate = n_frames / duration_s
        else:
            raise VideoReadError(f"{path}: frame rate unknown; pass the capture fps explicitly")
    container_fps = float(rate)
    return VideoMeta(
        path=path,
        n_frames=n_frames,  # None when unknown; expected_frames() estimates from duration x fps
        width_px=int(w),
        height_px=int(h),
        rotation_deg=rotation,
        container_fps=container_fps,
        capture_fps=float(capture_fps) if capture_fps else container_fps,
        duration_s=duration_s,
        codec=codec,
    )


def expected_frames(meta: VideoMeta) -> int | None:
    """Best estimate of the number of frames, for progress bars (None = unknown)."""
    if meta.n_frames:
        return meta.n_frames
    if meta.duration_s:
        return max(1, int(round(meta.duration_s * meta.container_fps)))
    return None


def upright(img: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation (counter-clockwise degrees, FFmpeg convention)."""
    k = (int(rotation_deg) // 90) % 4
    return np.ascontiguousarray(np.rot90(img, k)) if k else img


def iter_frames(
    meta: VideoMeta,
    *,
    start: int = 0,
    stop: int | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(frame_index, t_s, rgb)`` for frames ``start <= index < stop``.

    ``t_s`` is real time since the clip's first frame (pts-based, slow-motion corrected). ``rgb`` is an
    upright ``(H, W, 3) uint8`` array. A truncated or corrupt tail stops the iteration with a warning
    (through ``on_warning``) instead of an exception, so what could be decoded is kept.
    """
    import av

    scale = meta.time_scale
    with _open(meta.path) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        t0 = None
        last_t = -np.inf
        idx = -1
        try:
            for f in c.decode(s):
                idx += 1
                t_file = f.time if f.time is not None else idx / meta.container_fps
                if t0 is None:
                    t0 = t_file
                t = (t_file - t0) * scale
                if t <= last_t:  # duplicate/out-of-order pts: keep time strictly increasing
                    t = last_t + 1e-6
                last_t = t
                if idx < start:
                    continue
                if stop is not None and idx >= stop:
                    break
                img = upright(f.to_ndarray(format="rgb24"), int(getattr(f, "rotation", 0) or 0))
                yield idx, float(t), img
        except (av.error.FFmpegError, EOFError) as e:
            _warn(on_warning, f"{meta.path.name}: decoding stopped after frame {idx} ({type(e).__name__}); "
                              "file may be truncated")
            return
    if stop is None and meta.n_frames and idx + 1 < 0.98 * meta.n_frames:
        _warn(on_warning, f"{meta.path.name}: decoded {idx + 1} of the {meta.n_frames} frames the container "
                          "announces; file may be truncated")


def _warn(on_warning: Callable[[str], None] | None, msg: str) -> None:
    logger.warning(msg)
    if on_warning:
        on_warning(msg)


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes (used to key caches and to record provenance)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class H264Writer:
    """Write RGB frames to a browser-playable H.264 MP4 (a resource, hence a class).

    ``write(rgb, t_s)`` keeps each frame's own time, so variable frame rate survives.
    """

    def __init__(self, path: str | Path, width: int, height: int, fps: float = 30.0, *, crf: int = 23,
                 preset: str = "veryfast", rotation_deg: int = 0) -> None:
        import av

        self.path = Path(path)
        self._c = av.open(str(self.path), "w", options={"movflags": "+faststart"})
        rate = fractions.Fraction(fps).limit_denominator(1001)
        self._s = self._c.add_stream("libx264", rate=rate, options={"preset": preset, "crf": str(crf)})
        self._s.width, self._s.height = width - width % 2, height - height % 2
        self._s.pix_fmt = "yuv420p"
        # codec time base as fine as the stream's, or VFR frames closer than 1/fps collide
        self._s.time_base = self._s.codec_context.time_base = fractions.Fraction(1, 90000)
        if rotation_deg:
            self._s.set_display_rotation(rotation_deg)
        self._last_pts = -1
        self._n = 0
        self._fps = fps

    def write(self, rgb: np.ndarray, t_s: float | None = None) -> None:
        import av

        t = self._n / self._fps if t_s is None else t_s
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[: self._s.height, : self._s.width]),
                                           format="rgb24")
        pts = max(int(round(t * 90000)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, self._s.time_base
        self._last_pts = pts
        self._n += 1
        for p in self._s.encode(frame):
            self._c.mux(p)

    def close(self) -> None:
        if self._c is None:
            return
        for p in self._s.encode():
            self._c.mux(p)
        self._c.close()
        self._c = None

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
