"""Result tables (pure) and the files written for one analysed clip (the output edge).

Tables
------
``landmarks_table(pose)`` - one row per decoded frame: ``frame``, ``t_s``, ``detected``, then per
landmark ``<name>_x_px``, ``<name>_y_px`` (upright image pixels, y down), ``<name>_visibility``,
``<name>_presence``, ``<name>_world_{x,y,z}_m`` (MediaPipe world coordinates, hip-centred, approximate),
then per-frame image features ``feature_<name>``. Column documentation: ``docs/data-schema.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from formcheck.landmarks import LANDMARK_NAMES
from formcheck.types import Analysis, MetricValue, PoseSeries

SCHEMA_VERSION = "1.0"


def landmarks_table(pose: PoseSeries) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {"frame": pose.frame, "t_s": pose.t_s, "detected": pose.detected}
    for j, name in enumerate(LANDMARK_NAMES):
        cols[f"{name}_x_px"] = pose.xy[:, j, 0]
        cols[f"{name}_y_px"] = pose.xy[:, j, 1]
        cols[f"{name}_visibility"] = pose.visibility[:, j]
        cols[f"{name}_presence"] = pose.presence[:, j]
        for k, axis in enumerate("xyz"):
            cols[f"{name}_world_{axis}_m"] = pose.world[:, j, k]
    for key, arr in pose.features.items():
        cols[f"feature_{key}"] = arr
    return pd.DataFrame(cols)


def _clean(x):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, Path):
        return str(x)
    return x


def metric_dict(m: MetricValue) -> dict:
    d = asdict(m)
    d.pop("name")
    return _clean(d)


def events_dict(contacts: pd.DataFrame | None) -> dict:
    out = {}
    if contacts is None or len(contacts) == 0:
        return out
    for side in ("left", "right"):
        c = contacts[contacts["side"] == side]
        out[side] = {
            "ic_frame": [int(v) for v in c["ic"].dropna()],
            "ic_s": [float(v) for v in c["ic_s"].dropna()],
            "tc_frame": [int(v) for v in c["tc"].dropna()],
            "tc_s": [float(v) for v in c["tc_s"].dropna()],
        }
    return out


def analysis_dict(a: Analysis) -> dict:
    """The ``analysis.json`` document (schema in ``docs/data-schema.md``)."""
    meta = a.meta
    doc = {
        "schema_version": SCHEMA_VERSION,
        "formcheck_version": a.formcheck_version,
        "video": {
            "path": str(meta.path),
            "width": meta.width_px,
            "height": meta.height_px,
            "rotation": meta.rotation_deg,
            "fps": meta.capture_fps,
            "container_fps": meta.container_fps,
            "n_frames": len(a.pose),
            "duration_s": float(a.pose.t_s[-1] - a.pose.t_s[0]) + 1.0 / meta.capture_fps if len(a.pose) else 0.0,
            "codec": meta.codec,
        },
        "runner": asdict(a.runner),
        "pose": {
            "model": a.pose.model,
            "model_sha256": a.pose.model_sha256,
            "detection_rate": a.pose.detection_rate,
            "seconds": a.pose_seconds,
        },
        "activity": a.activity,
        "warnings": list(a.warnings),
    }
    if a.config is not None:
        doc["config"] = asdict(a.config)
    if a.view is not None:
        doc["view"] = asdict(a.view)
    if a.contacts is not None:
        doc["events"] = events_dict(a.contacts)
    if a.metrics:
        doc["metrics"] = {name: metric_dict(m) for name, m in a.metrics.items()}
    return _clean(doc)


def write_json(doc: dict, path: Path) -> Path:
    path.write_text(json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n")
    return path


def write_table(df: pd.DataFrame, stem: Path, formats=("csv", "parquet")) -> list[Path]:
    paths = []
    if "csv" in formats:
        p = stem.with_suffix(".csv")
        df.to_csv(p, index=False, float_format="%.6g")
        paths.append(p)
    if "parquet" in formats:
        p = stem.with_suffix(".parquet")
        df.to_parquet(p, index=False)
        paths.append(p)
    return paths


def write_outputs(a: Analysis, out_dir: str | Path, *, extra: dict | None = None) -> dict[str, Path]:
    """Write landmarks, strides, events and ``analysis.json`` into ``out_dir`` (created)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    p_csv, p_pq = write_table(landmarks_table(a.pose), out / "landmarks")
    written["landmarks.csv"], written["landmarks.parquet"] = p_csv, p_pq
    if a.strides is not None and len(a.strides):
        s_csv, s_pq = write_table(a.strides, out / "strides")
        written["strides.csv"], written["strides.parquet"] = s_csv, s_pq
    if a.contacts is not None and len(a.contacts):
        events = pd.concat([a.contacts.assign(status="kept", reason=""),
                            a.rejected.assign(status="rejected") if a.rejected is not None else None])
        e_csv, e_pq = write_table(events, out / "events")
        written["events.csv"], written["events.parquet"] = e_csv, e_pq
    doc = analysis_dict(a)
    if extra:
        doc.update(extra)
    written["analysis.json"] = write_json(doc, out / "analysis.json")
    return written
