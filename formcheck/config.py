"""Analysis settings: the only place defaults live.

Facts about a clip (view, height, treadmill speed, capture fps) are ``types.RunnerInfo``, not config.
Tuning knobs live here as frozen dataclasses; ``load_config(path)`` merges a TOML file over the
defaults and rejects unknown keys.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.errors import ConfigError


def _doc(default, doc: str, unit: str = ""):
    return field(default=default, metadata={"doc": doc, "unit": unit})


@dataclass(frozen=True)
class PoseConfig:
    model: str = _doc("full", "BlazePose variant: lite (fastest), full (default), heavy (most accurate, ~3x slower)")
    min_pose_detection_confidence: float = _doc(0.5, "detector score needed to start tracking a person", "0-1")
    min_pose_presence_confidence: float = _doc(0.5, "landmark presence score needed to keep a pose", "0-1")
    min_tracking_confidence: float = _doc(0.5, "tracking score below which the detector runs again", "0-1")
    workers: int = _doc(1, "processes that estimate contiguous chunks of one clip in parallel", "processes")
    cache: bool = _doc(True, "reuse landmarks cached for the same file content, model and settings")

    def __post_init__(self) -> None:
        if self.model not in ("lite", "full", "heavy"):
            raise ConfigError(f"pose.model must be lite|full|heavy, got {self.model!r}")
        for name in ("min_pose_detection_confidence", "min_pose_presence_confidence", "min_tracking_confidence"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"pose.{name} must be within 0-1, got {v}")
        if self.workers < 1:
            raise ConfigError(f"pose.workers must be >= 1, got {self.workers}")

    def cache_key(self) -> dict:
        """Settings that change the landmarks (workers and cache do not)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("workers", "cache")}


@dataclass(frozen=True)
class CleaningConfig:
    min_visibility: float = _doc(0.3, "landmarks with a lower visibility score are masked (NaN)", "0-1")
    max_gap_s: float = _doc(0.15, "gaps up to this long are interpolated; longer gaps stay NaN", "s")
    lowpass_cutoff_hz: float = _doc(8.0, "zero-phase Butterworth low-pass cut-off", "Hz")
    filter_order: int = _doc(2, "Butterworth order (applied forward and backward)")
    outlier_window_s: float = _doc(0.25, "running-median window of the Hampel outlier filter", "s")
    outlier_k: float = _doc(6.0, "points further than this many scaled MADs from the running median are masked")

    def __post_init__(self) -> None:
        if not 0 <= self.min_visibility <= 1:
            raise ConfigError(f"cleaning.min_visibility must be within 0-1, got {self.min_visibility}")
        if self.max_gap_s < 0:
            raise ConfigError(f"cleaning.max_gap_s must be >= 0, got {self.max_gap_s}")
        if self.lowpass_cutoff_hz <= 0:
            raise ConfigError(f"cleaning.lowpass_cutoff_hz must be > 0, got {self.lowpass_cutoff_hz}")
        if self.filter_order < 1:
            raise ConfigError(f"cleaning.filter_order must be >= 1, got {self.filter_order}")
        if self.outlier_window_s <= 0 or self.outlier_k <= 0:
            raise ConfigError("cleaning.outlier_window_s and cleaning.outlier_k must be > 0")


@dataclass(frozen=True)
class EventConfig:
    method: str = _doc("auto", "gait-event method: auto|zeni|height|fellin|hybrid (measured comparison in formcheck/events.py)")
    min_contact_time_s: float = _doc(0.08, "shorter contacts are rejected", "s")
    max_contact_time_s: float = _doc(1.0, "longer contacts are rejected", "s")
    max_stride_time_s: float = _doc(1.6, "longer strides are rejected", "s")
    min_strides: int = _doc(3, "fewer valid strides (both sides together) = no gait detected", "strides")

    def __post_init__(self) -> None:
        if self.method not in ("auto", "zeni", "height", "fellin", "hybrid"):
            raise ConfigError(f"events.method must be auto|zeni|height|fellin|hybrid, got {self.method!r}")
        if not 0 < self.min_contact_time_s < self.max_contact_time_s:
            raise ConfigError("events: need 0 < min_contact_time_s < max_contact_time_s")
        if self.max_stride_time_s <= 0:
            raise ConfigError("events.max_stride_time_s must be > 0")


@dataclass(frozen=True)
class AnalysisConfig:
    pose: PoseConfig = field(default_factory=PoseConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    events: EventConfig = field(default_factory=EventConfig)


def _merge(obj, data: dict, prefix: str):
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes = {}
    for key, value in data.items():
        if key not in fields:
            valid = ", ".join(sorted(fields))
            raise ConfigError(f"unknown key '{prefix}{key}'; valid: {valid}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"'{prefix}{key}' must be a table")
            changes[key] = _merge(current, value, f"{prefix}{key}.")
        else:
            changes[key] = value
    return dataclasses.replace(obj, **changes)


def load_config(path: str | Path | None = None, **overrides) -> AnalysisConfig:
    """Defaults, overlaid by a TOML file (if given), overlaid by nested ``overrides`` dicts."""
    cfg = AnalysisConfig()
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{path}: cannot read config ({e})") from None
        cfg = _merge(cfg, data, "")
    if overrides:
        cfg = _merge(cfg, overrides, "")
    return cfg


def default_config_toml() -> str:
    """A commented TOML file holding every default (generated, so there is no second copy)."""
    lines = ["# formcheck configuration - every key is optional; values shown are the defaults", ""]
    for section in dataclasses.fields(AnalysisConfig):
        lines.append(f"[{section.name}]")
        for f in dataclasses.fields(section.default_factory()):
            v = f.default
            val = f'"{v}"' if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else repr(v)
            unit = f" [{f.metadata['unit']}]" if f.metadata.get("unit") else ""
            lines.append(f"{f.name} = {val}  # {f.metadata.get('doc', '')}{unit}")
        lines.append("")
    return "\n".join(lines)
