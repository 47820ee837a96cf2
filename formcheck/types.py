"""Core data types. All frozen; every array has time on axis 0.

Coordinate conventions (see ``docs/metrics.md`` for the full table):

* **Image frame** - pixels of the *upright* frame (rotation metadata already applied), origin top-left,
  +x right, +y **down**. MediaPipe's normalised x, y are multiplied by (width_px, height_px) in
  ``pose.py`` the moment they arrive, so angles are never computed on anisotropic coordinates.
* **Time** - ``t_s`` are seconds from each decoded frame's presentation timestamp (exact on variable
  frame rate clips), rescaled by ``container_fps / capture_fps`` for slow-motion footage. Event times
  are frame indices into the decoded sequence, with ``_s`` columns alongside.
* **Sides** - "left"/"right" are the runner's anatomical sides (MediaPipe ``LEFT_*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from formcheck.landmarks import N_LANDMARKS, Landmark

KMH_PER_MPS = 3.6  # km/h in one m/s

View = Literal["side", "rear", "front"]
ViewChoice = Literal["auto", "side", "rear", "front"]


@dataclass(frozen=True)
class VideoMeta:
    """Facts about one clip, read from its container (``video.read_video_meta``)."""

    path: Path
    n_frames: int | None  # frames the container announces; None when it does not say (webm)
    width_px: int  # upright size, after rotation
    height_px: int
    rotation_deg: int  # display rotation applied when decoding (counter-clockwise, FFmpeg convention)
    container_fps: float  # [Hz] average rate stored in the file
    capture_fps: float  # [Hz] real-world rate; differs from container_fps for slow-motion clips
    duration_s: float | None  # container duration in *file* time; None when unknown
    codec: str = ""

    @property
    def time_scale(self) -> float:
        """Factor from file seconds to real seconds (``container_fps / capture_fps``)."""
        return self.container_fps / self.capture_fps


@dataclass(frozen=True)
class RunnerInfo:
    """Facts about this clip and athlete that the user supplies (not tuning parameters)."""

    view: ViewChoice = "auto"
    height_m: float | None = None
    treadmill_speed_mps: float | None = None  # None = overground / unknown
    capture_fps: float | None = None  # override for slow-motion footage
    athlete: str | None = None

    def __post_init__(self) -> None:
        if self.view not in ("auto", "side", "rear", "front"):
            raise ValueError(f"view must be auto|side|rear|front, got {self.view!r}")
        if self.height_m is not None and not 0.8 <= self.height_m <= 2.5:
            raise ValueError(f"height_m must be within 0.8-2.5 m, got {self.height_m}")
        if self.treadmill_speed_mps is not None and not 0.3 <= self.treadmill_speed_mps <= 12:
            raise ValueError(f"treadmill speed must be within 0.3-12 m/s, got {self.treadmill_speed_mps}")
        if self.capture_fps is not None and not 1 <= self.capture_fps <= 2000:
            raise ValueError(f"capture_fps must be within 1-2000 Hz, got {self.capture_fps}")


def _readonly(a: np.ndarray, dtype) -> np.ndarray:
    a = np.array(a, dtype=dtype, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class PoseSeries:
    """One runner's landmarks over time, in image pixels. Axis 0 is time.

    Attributes
    ----------
    frame : (T,) int        index of the decoded frame in the source clip
    t_s : (T,) float        seconds since the first frame, strictly increasing
    xy : (T, 33, 2) float   image landmarks [px]; NaN where no pose was found
    visibility : (T, 33)    MediaPipe visibility score in [0, 1] (not a calibrated probability)
    presence : (T, 33)      MediaPipe presence score in [0, 1]
    world : (T, 33, 3)      MediaPipe world landmarks [m], hip-centred; approximate, never used for angles
    """

    frame: np.ndarray
    t_s: np.ndarray
    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    meta: VideoMeta
    model: str = ""
    model_sha256: str = ""
    features: dict = field(default_factory=dict)  # name -> (T,) per-frame image features (e.g. waistband)

    def __post_init__(self) -> None:
        n = len(self.t_s)
        shapes = {
            "frame": (self.frame, (n,)),
            "xy": (self.xy, (n, N_LANDMARKS, 2)),
            "visibility": (self.visibility, (n, N_LANDMARKS)),
            "presence": (self.presence, (n, N_LANDMARKS)),
            "world": (self.world, (n, N_LANDMARKS, 3)),
        }
        for name, (arr, shape) in shapes.items():
            if np.shape(arr) != shape:
                raise ValueError(f"PoseSeries.{name}: expected shape {shape}, got {np.shape(arr)}")
        t = np.asarray(self.t_s, dtype=float)
        if n > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("PoseSeries.t_s must be strictly increasing")
        object.__setattr__(self, "frame", _readonly(self.frame, np.int64))
        object.__setattr__(self, "t_s", _readonly(t, np.float64))
        for name in ("xy", "visibility", "presence", "world"):
            object.__setattr__(self, name, _readonly(getattr(self, name), np.float64))
        feats = {}
        for key, arr in dict(self.features).items():
            if np.shape(arr) != (n,):
                raise ValueError(f"PoseSeries.features[{key!r}]: expected shape {(n,)}, got {np.shape(arr)}")
            feats[key] = _readonly(arr, np.float64)
        object.__setattr__(self, "features", feats)

    def __len__(self) -> int:
        return len(self.t_s)

    def point(self, lm: Landmark | int) -> np.ndarray:
        """(T, 2) image position of one landmark."""
        return self.xy[:, int(lm), :]

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: a pose was found in the frame."""
        return np.isfinite(self.xy[:, :, 0]).any(axis=1)

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if len(self) else 0.0

    @property
    def fps(self) -> float:
        """Median real-time frame rate [Hz] from the timestamps."""
        if len(self) < 2:
            return float(self.meta.capture_fps)
        return float(1.0 / np.median(np.diff(self.t_s)))

    @staticmethod
    def empty_arrays(n: int) -> dict[str, np.ndarray]:
        """NaN-filled arrays of the right shapes for ``n`` frames (used by estimators and tests)."""
        return {
            "xy": np.full((n, N_LANDMARKS, 2), np.nan),
            "visibility": np.full((n, N_LANDMARKS), np.nan),
            "presence": np.full((n, N_LANDMARKS), np.nan),
            "world": np.full((n, N_LANDMARKS, 3), np.nan),
        }


@dataclass(frozen=True)
class SideValue:
    value: float
    q25: float
    q75: float
    n: int


@dataclass(frozen=True)
class MetricValue:
    """Summary of one metric over the clip (or session). NaN ``value`` + ``reason`` = not measurable."""

    name: str
    value: float
    unit: str
    q25: float = float("nan")
    q75: float = float("nan")
    n: int = 0
    confidence: float = 0.0  # 0-1
    left: SideValue | None = None
    right: SideValue | None = None
    reason: str = ""  # why not measurable, or a caveat
    source: str = ""  # clip the value comes from (sessions)
    extra: dict = field(default_factory=dict)  # e.g. strike pattern, per-foot fractions

    @property
    def measured(self) -> bool:
        return bool(np.isfinite(self.value))


@dataclass(frozen=True)
class ViewEstimate:
    """Camera view of a clip. ``name`` is side|rear|front|oblique; ``facing`` is the direction the
    runner travels in the image for side views ("left"/"right"), else None."""

    name: str
    confidence: float
    facing: str | None = None
    source: str = "auto"  # "auto" or "user"
    reason: str = ""


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything ``analyze()`` learns about one clip. Holds no video frames.

    ``contacts``/``rejected``/``strides`` are pandas DataFrames (schemas in ``docs/metrics.md``);
    they and ``metrics`` are empty when the gait could not be analysed (``warnings`` says why).
    """

    meta: VideoMeta
    runner: RunnerInfo
    pose: PoseSeries  # raw landmarks, image px
    clean: PoseSeries | None = None  # cleaned landmarks, image px (drawn on the annotated video)
    view: ViewEstimate | None = None
    activity: str = "unknown"  # running | walking | none | unknown
    contacts: object = None  # pd.DataFrame
    rejected: object = None  # pd.DataFrame
    strides: object = None  # pd.DataFrame
    metrics: dict = field(default_factory=dict)  # name -> MetricValue
    warnings: tuple[str, ...] = ()
    config: object = None  # AnalysisConfig
    formcheck_version: str = ""
    pose_seconds: float = float("nan")  # wall time of pose estimation (0 when cached)
