"""Result tables (pure) and the files written for one analysed clip (the output edge).

Tables (every column is documented in ``docs/data-schema.md``; a test keeps the two equal)
------------------------------------------------------------------------------------------
``to_tables(analysis)`` returns four DataFrames, each carrying ``df.attrs["schema_version"]``,
``df.attrs["table"]`` and ``df.attrs["units"]`` (column -> unit):

* ``landmarks`` - one row per decoded frame: ``frame``, ``t_s``, ``detected``, then per landmark
  ``<name>_x_px``, ``<name>_y_px`` (upright image pixels, y down), ``<name>_x_norm``, ``<name>_y_norm``
  (the same divided by the image width / height, MediaPipe's normalised coordinates),
  ``<name>_visibility``, ``<name>_presence``, ``<name>_world_{x,y,z}_m`` (MediaPipe world coordinates,
  hip-centred, approximate), then per-frame image features ``feature_<name>``.
* ``events`` - one row per detected foot contact, kept or rejected (``status``, ``reason``).
* ``strides`` - one row per stride with the per-stride metrics.
* ``summary`` - one row per metric x side (``both`` = the clip value, then ``left`` / ``right``).

Files: ``write_outputs`` writes the tables as CSV and Parquet (Parquet files carry the units, the
schema version and, for landmarks, the video facts needed to rebuild a ``PoseSeries`` in their
metadata) plus ``analysis.json``. ``load_pose`` rebuilds the landmarks without MediaPipe;
``export_result`` converts a result folder to csv / parquet / json / trc / c3d (marker files:
``formcheck.mocap_formats``).
"""

from __future__ import annotations

import json
import math
import platform
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from formcheck.landmarks import LANDMARK_NAMES, N_LANDMARKS
from formcheck.mocap_formats import marker_trajectories, write_c3d, write_trc
from formcheck.types import Analysis, MetricValue, PoseSeries, VideoMeta

SCHEMA_VERSION = "1.1"
PARQUET_META_KEY = b"formcheck"
TABLE_NAMES = ("landmarks", "events", "strides", "summary")
EXPORT_FORMATS = ("csv", "parquet", "json", "trc", "c3d")
SIDE_ROWS = ("both", "left", "right")
_VERSIONED_PACKAGES = ("numpy", "scipy", "pandas", "pyarrow", "av", "mediapipe", "opencv-contrib-python")


# ---------------------------------------------------------------------------------------------- tables

def _landmark_units(name: str) -> dict[str, str]:
    return {f"{name}_x_px": "px", f"{name}_y_px": "px", f"{name}_x_norm": "1", f"{name}_y_norm": "1",
            f"{name}_visibility": "1", f"{name}_presence": "1",
            f"{name}_world_x_m": "m", f"{name}_world_y_m": "m", f"{name}_world_z_m": "m"}


def landmarks_table(pose: PoseSeries) -> pd.DataFrame:
    """Wide per-frame landmark table of a ``PoseSeries`` (raw, image pixels)."""
    w, h = float(pose.meta.width_px), float(pose.meta.height_px)
    cols: dict[str, np.ndarray] = {"frame": pose.frame, "t_s": pose.t_s, "detected": pose.detected}
    for j, name in enumerate(LANDMARK_NAMES):
        cols[f"{name}_x_px"] = pose.xy[:, j, 0]
        cols[f"{name}_y_px"] = pose.xy[:, j, 1]
        cols[f"{name}_x_norm"] = pose.xy[:, j, 0] / w
        cols[f"{name}_y_norm"] = pose.xy[:, j, 1] / h
        cols[f"{name}_visibility"] = pose.visibility[:, j]
        cols[f"{name}_presence"] = pose.presence[:, j]
        for k, axis in enumerate("xyz"):
            cols[f"{name}_world_{axis}_m"] = pose.world[:, j, k]
    for key, arr in pose.features.items():
        cols[f"feature_{key}"] = arr
    return pd.DataFrame(cols)


def events_table(contacts: pd.DataFrame | None, rejected: pd.DataFrame | None) -> pd.DataFrame:
    """Kept contacts (``status="kept"``, empty ``reason``) followed by rejected ones."""
    parts = []
    if contacts is not None and len(contacts):
        parts.append(contacts.assign(status="kept", reason=""))
    if rejected is not None and len(rejected):
        r = rejected if "reason" in rejected else rejected.assign(reason="")
        parts.append(r.assign(status="rejected"))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def summary_from_metric_docs(metrics: dict[str, dict]) -> pd.DataFrame:
    """One row per metric x side from ``analysis.json``-style metric dicts (see :func:`metric_dict`)."""
    rows = []
    for name, m in metrics.items():
        conf = m.get("confidence")
        for side in SIDE_ROWS:
            src = m if side == "both" else m.get(side)
            if src is None:
                continue
            rows.append({"metric": name, "side": side, "value": _num(src.get("value")), "unit": m.get("unit", ""),
                         "q25": _num(src.get("q25")), "q75": _num(src.get("q75")), "n": int(src.get("n") or 0),
                         "confidence": _num(conf), "reason": (m.get("reason") or "") if side == "both" else ""})
    cols = ["metric", "side", "value", "unit", "q25", "q75", "n", "confidence", "reason"]
    return pd.DataFrame(rows, columns=cols)


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def summary_table(metrics: dict[str, MetricValue]) -> pd.DataFrame:
    return summary_from_metric_docs({name: metric_dict(m) for name, m in (metrics or {}).items()})


def table_units(table: str, df: pd.DataFrame) -> dict[str, str]:
    """Unit of every column (``"1"`` = dimensionless, ``""`` = not a quantity) from the naming rules."""
    units: dict[str, str] = {}
    if table == "landmarks":
        units.update({"frame": "frame", "t_s": "s", "detected": ""})
        for name in LANDMARK_NAMES:
            units.update(_landmark_units(name))
    elif table == "summary":
        units.update({"value": "see unit column", "q25": "see unit column", "q75": "see unit column",
                      "n": "strides", "confidence": "1"})
    for c in df.columns:
        units.setdefault(str(c), unit_of(str(c)))
    return {str(c): units[str(c)] for c in df.columns}


_SUFFIX_UNITS = (("_ms", "ms"), ("_s", "s"), ("_px", "px"), ("_mps", "m/s"), ("_m", "m"), ("_cm", "cm"), ("_deg", "deg"),
                 ("_spm", "steps/min"), ("_frac", "1"), ("_leg", "leg lengths"), ("_hz", "Hz"), ("_pct", "%"))


def unit_of(column: str) -> str:
    """Unit implied by a column name's suffix (the project's naming rule); ``""`` when none."""
    if column in ("ic", "tc", "start", "end", "frame"):
        return "frame"
    if column in ("duty_factor",):
        return "1"
    for suffix, unit in _SUFFIX_UNITS:
        if column.endswith(suffix):
            return unit
    return ""


def _with_attrs(df: pd.DataFrame, table: str) -> pd.DataFrame:
    df = df.copy()
    df.attrs = {"schema_version": SCHEMA_VERSION, "table": table, "units": table_units(table, df)}
    return df


def to_tables(a: Analysis) -> dict[str, pd.DataFrame]:
    """The result tables of one analysis: ``landmarks``, ``events``, ``strides``, ``summary`` (pure)."""
    strides = a.strides if a.strides is not None else pd.DataFrame()
    return {
        "landmarks": _with_attrs(landmarks_table(a.pose), "landmarks"),
        "events": _with_attrs(events_table(a.contacts, a.rejected), "events"),
        "strides": _with_attrs(pd.DataFrame(strides).reset_index(drop=True), "strides"),
        "summary": _with_attrs(summary_table(a.metrics), "summary"),
    }


# ---------------------------------------------------------------------------------------------- json

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


def video_meta_dict(meta: VideoMeta) -> dict:
    """Every ``VideoMeta`` field (JSON-safe), enough to rebuild it with :func:`video_meta_from_dict`."""
    return _clean(asdict(meta))


def video_meta_from_dict(d: dict) -> VideoMeta:
    d = dict(d)
    d["path"] = Path(d["path"])
    return VideoMeta(**{k: v for k, v in d.items() if k in VideoMeta.__dataclass_fields__})


def versions() -> dict[str, str]:
    """Python and key package versions (reproducibility record)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in _VERSIONED_PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def pose_scale_m_per_px(pose: PoseSeries, height_m: float | None) -> float | None:
    """Metres per image pixel at the runner's depth from the entered height (None without one)."""
    if height_m is None or len(pose) == 0:
        return None
    from formcheck.geometry import leg_length_px, m_per_px_from_height
    from formcheck.landmarks import side_lm

    legs = []
    for side in ("left", "right"):
        legs.append(leg_length_px(pose.point(side_lm("hip", side)), pose.point(side_lm("knee", side)),
                                  pose.point(side_lm("ankle", side))))
    legs = [v for v in legs if math.isfinite(v)]
    if not legs:
        return None
    s = m_per_px_from_height(max(legs), height_m)
    return s if math.isfinite(s) else None


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
        "video_meta": video_meta_dict(meta),
        "runner": asdict(a.runner),
        "pose": {
            "model": a.pose.model,
            "model_sha256": a.pose.model_sha256,
            "detection_rate": a.pose.detection_rate,
            "seconds": a.pose_seconds,
        },
        "scale": {"m_per_px": pose_scale_m_per_px(a.pose, a.runner.height_m),
                  "method": "entered height / leg length (90th percentile of thigh + shank)"},
        "activity": a.activity,
        "warnings": list(a.warnings),
        "versions": versions(),
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


# ---------------------------------------------------------------------------------------------- files

def parquet_metadata(df: pd.DataFrame, extra: dict | None = None) -> dict:
    """The ``formcheck`` key stored in a Parquet file's metadata."""
    d = {"schema_version": SCHEMA_VERSION, "table": df.attrs.get("table", ""),
         "units": df.attrs.get("units") or {str(c): unit_of(str(c)) for c in df.columns}}
    if extra:
        d.update(extra)
    return _clean(d)


def write_parquet(df: pd.DataFrame, path: Path, extra_meta: dict | None = None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    plain = df.copy()
    plain.attrs = {}  # the formcheck key carries them; keeps pandas' own metadata small
    table = pa.Table.from_pandas(plain, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PARQUET_META_KEY] = json.dumps(parquet_metadata(df, extra_meta)).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def read_parquet_metadata(path: str | Path) -> dict:
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(PARQUET_META_KEY)
    return json.loads(raw) if raw else {}


def write_table(df: pd.DataFrame, stem: Path, formats=("csv", "parquet"), *, extra_meta: dict | None = None) -> list[Path]:
    paths = []
    if "csv" in formats:
        p = stem.with_suffix(".csv")
        df.to_csv(p, index=False, float_format="%.6g")
        paths.append(p)
    if "parquet" in formats:
        paths.append(write_parquet(df, stem.with_suffix(".parquet"), extra_meta))
    return paths


def pose_metadata(pose: PoseSeries) -> dict:
    """What :func:`load_pose` needs besides the columns: video facts and the model."""
    return {"video_meta": video_meta_dict(pose.meta), "model": pose.model, "model_sha256": pose.model_sha256}


def write_outputs(a: Analysis, out_dir: str | Path, *, extra: dict | None = None) -> dict[str, Path]:
    """Write landmarks, strides, events, summary and ``analysis.json`` into ``out_dir`` (created).

    Strides and events are written only when there are any; ``extra`` is merged into analysis.json.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = to_tables(a)
    written: dict[str, Path] = {}
    p_csv, p_pq = write_table(tables["landmarks"], out / "landmarks", extra_meta=pose_metadata(a.pose))
    written["landmarks.csv"], written["landmarks.parquet"] = p_csv, p_pq
    for name in ("strides", "events", "summary"):
        if len(tables[name]):
            t_csv, t_pq = write_table(tables[name], out / name)
            written[f"{name}.csv"], written[f"{name}.parquet"] = t_csv, t_pq
    doc = analysis_dict(a)
    if extra:
        doc.update(extra)
    written["analysis.json"] = write_json(doc, out / "analysis.json")
    return written


# ---------------------------------------------------------------------------------------------- reading back

def _landmarks_path(path: str | Path) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / "landmarks.parquet"
    if not p.exists():
        from formcheck.errors import FormcheckError

        raise FormcheckError(f"{p}: no saved landmarks (expected a result folder or a landmarks.parquet file)")
    return p


def load_pose(path: str | Path) -> PoseSeries:
    """Rebuild the raw ``PoseSeries`` from a result folder or its ``landmarks.parquet`` (no MediaPipe).

    The video facts (``VideoMeta``) and the model come from the Parquet metadata, falling back to the
    folder's ``analysis.json`` for files written before they were stored there.
    """
    p = _landmarks_path(path)
    meta_doc = read_parquet_metadata(p)
    if "video_meta" not in meta_doc:
        doc = json.loads((p.parent / "analysis.json").read_text())
        meta_doc = {"video_meta": doc.get("video_meta") or _legacy_meta(doc["video"]),
                    "model": doc.get("pose", {}).get("model", ""),
                    "model_sha256": doc.get("pose", {}).get("model_sha256", "")}
    df = pd.read_parquet(p)
    return pose_from_table(df, video_meta_from_dict(meta_doc["video_meta"]), model=meta_doc.get("model") or "",
                           model_sha256=meta_doc.get("model_sha256") or "")


def load_run(result_dir: str | Path):
    """``(pose, runner, config)`` of a saved result folder: everything ``analyze_pose`` needs to redo the
    analysis without MediaPipe (``analyze_pose(*load_run(d))``)."""
    from formcheck.config import load_config
    from formcheck.types import RunnerInfo

    d = Path(result_dir)
    doc = json.loads((d / "analysis.json").read_text())
    runner = RunnerInfo(**{k: v for k, v in (doc.get("runner") or {}).items() if k in RunnerInfo.__dataclass_fields__})
    config = load_config(None, **(doc.get("config") or {}))
    return load_pose(d), runner, config


def _legacy_meta(v: dict) -> dict:
    return {"path": v["path"], "n_frames": v.get("n_frames"), "width_px": v["width"], "height_px": v["height"],
            "rotation_deg": v.get("rotation", 0), "container_fps": v.get("container_fps") or v["fps"],
            "capture_fps": v["fps"], "duration_s": v.get("duration_s"), "codec": v.get("codec", "")}


def pose_from_table(df: pd.DataFrame, meta: VideoMeta, *, model: str = "", model_sha256: str = "") -> PoseSeries:
    """Inverse of :func:`landmarks_table`."""
    n = len(df)

    def col(name: str) -> np.ndarray:
        return df[name].to_numpy(dtype=float) if name in df else np.full(n, np.nan)

    xy = np.empty((n, N_LANDMARKS, 2))
    world = np.empty((n, N_LANDMARKS, 3))
    vis = np.empty((n, N_LANDMARKS))
    pres = np.empty((n, N_LANDMARKS))
    for j, name in enumerate(LANDMARK_NAMES):
        xy[:, j, 0], xy[:, j, 1] = col(f"{name}_x_px"), col(f"{name}_y_px")
        vis[:, j], pres[:, j] = col(f"{name}_visibility"), col(f"{name}_presence")
        for k, axis in enumerate("xyz"):
            world[:, j, k] = col(f"{name}_world_{axis}_m")
    feats = {c[len("feature_"):]: df[c].to_numpy(dtype=float) for c in df.columns if c.startswith("feature_")}
    return PoseSeries(frame=df["frame"].to_numpy(), t_s=df["t_s"].to_numpy(dtype=float), xy=xy, visibility=vis,
                      presence=pres, world=world, meta=meta, model=model, model_sha256=model_sha256, features=feats)


def read_tables(result_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a saved result folder (missing events/strides -> empty tables)."""
    d = Path(result_dir)
    doc = json.loads((d / "analysis.json").read_text())
    out = {}
    for name in ("landmarks", "events", "strides"):
        p = d / f"{name}.parquet"
        out[name] = _with_attrs(pd.read_parquet(p) if p.exists() else pd.DataFrame(), name)
    out["summary"] = _with_attrs(summary_from_metric_docs(doc.get("metrics") or {}), "summary")
    return out


# ---------------------------------------------------------------------------------------------- export

def _rate_hz(t_s: np.ndarray, fallback: float) -> float:
    d = np.diff(np.asarray(t_s, float))
    return float(1.0 / np.median(d)) if d.size else float(fallback)


def export_result(result_dir: str | Path, fmt: str, out_dir: str | Path | None = None, *,
                  space: str = "image") -> list[Path]:
    """Convert a saved result folder to ``csv|parquet|json|trc|c3d`` files in ``out_dir``
    (default: ``<result_dir>/export``). Returns the written paths."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {'|'.join(EXPORT_FORMATS)}, got {fmt!r}")
    src = Path(result_dir)
    dst = Path(out_dir) if out_dir is not None else src / "export"
    dst.mkdir(parents=True, exist_ok=True)
    doc = json.loads((src / "analysis.json").read_text())
    stem = Path(doc.get("video", {}).get("path", src.name)).stem or src.name
    if fmt in ("trc", "c3d"):
        lm = pd.read_parquet(_landmarks_path(src))
        m_per_px = (doc.get("scale") or {}).get("m_per_px")
        names, xyz, units = marker_trajectories(lm, height_px=int(doc["video"]["height"]), m_per_px=m_per_px,
                                                space=space)
        rate = _rate_hz(lm["t_s"].to_numpy(), doc["video"]["fps"])
        t = lm["t_s"].to_numpy(float)
        if fmt == "trc":
            return [write_trc(dst / f"{stem}.trc", names, xyz, t, rate, units)]
        return [write_c3d(dst / f"{stem}.c3d", names, xyz, rate, units)]
    tables = read_tables(src)
    written: list[Path] = []
    if fmt == "json":
        payload = {"schema_version": SCHEMA_VERSION, "analysis": doc,
                   "tables": {name: {"units": df.attrs["units"],
                                     "rows": json.loads(df.to_json(orient="records", double_precision=15))}
                              for name, df in tables.items()}}
        p = dst / f"{stem}.json"
        p.write_text(json.dumps(payload, allow_nan=False) + "\n")
        return [p]
    for name, df in tables.items():
        extra = None
        if name == "landmarks":
            extra = read_parquet_metadata(_landmarks_path(src))
            extra.pop("units", None), extra.pop("table", None), extra.pop("schema_version", None)
        written += write_table(df, dst / f"{stem}_{name}", formats=(fmt,), extra_meta=extra)
    return written
