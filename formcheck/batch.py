"""Batch runs: many clips, in parallel processes or on a Dask cluster, resumable, failure-tolerant.

Flow (``run_batch``): for every ``ClipSpec`` the main process hashes the file and derives the result key
(file sha256 + runner facts + analysis settings + formcheck version). A clip folder whose ``result.key``
holds the same key is **skipped** (its ``analysis.json`` is reused); the others become ``ClipJob``s,
submitted to a ``concurrent.futures.Executor`` as ``process_clip(job)``: an importable top-level
function, so the same call runs in a spawn ``ProcessPoolExecutor`` or through Dask's
``Client.get_executor()``. A worker creates (and closes) its own pose landmarker per clip, with
``PoseConfig(workers=1)``; nothing holding a MediaPipe graph is ever pickled.

A clip that fails (unreadable, no runner, no gait, walking) becomes a ``ClipResult`` with
``status="failed"`` and its reason; the batch goes on. ``result.key`` is written last, so an
interrupted clip is redone on the next run. Frame progress comes back from the workers through a
queue (``formcheck.executors``: a manager queue locally, a ``distributed.Queue`` on Dask).

Outputs in ``out_dir``: one folder per clip (the files of ``formcheck analyze``), ``summary.csv`` /
``summary.parquet`` (one row per clip x side), ``failures.csv`` (one row per failed clip).
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import dataclasses
import datetime as dt
import glob
import hashlib
import json
import logging
import os
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from formcheck.config import AnalysisConfig
from formcheck.errors import ConfigError, FormcheckError
from formcheck.executors import ProgressChannel
from formcheck.types import KMH_PER_MPS, RunnerInfo

logger = logging.getLogger(__name__)

KEY_FILE = "result.key"
SUMMARY_ID_COLUMNS = ["clip", "athlete", "date", "view", "side"]
FAILURE_COLUMNS = ["clip", "path", "reason"]
MANIFEST_COLUMNS = ("path", "athlete", "view", "height_cm", "treadmill_speed_kmh", "treadmill_speed_mps",
                    "capture_fps", "date", "notes")
PROGRESS_INTERVAL_S = 0.25


# ---------------------------------------------------------------------------------------------- data

@dataclass(frozen=True)
class ClipSpec:
    """One clip to analyse, with the facts the user supplied (from the command line or a manifest row)."""

    path: Path
    runner: RunnerInfo = RunnerInfo()
    athlete: str | None = None
    date: str | None = None  # YYYY-MM-DD; None = the file's modification date
    notes: str = ""


@dataclass(frozen=True)
class ClipJob:
    """What a worker needs for one clip (small and picklable: paths and frozen settings only)."""

    clip_id: str
    path: Path
    out_dir: Path
    runner: RunnerInfo
    config: AnalysisConfig
    key: str
    sha256: str
    athlete: str | None = None
    date: str | None = None
    notes: str = ""
    write_video: bool = True
    allow_walking: bool = False
    progress: object = None  # queue-like with .put((clip_id, done, total)); None = no frame progress


@dataclass(frozen=True)
class ClipResult:
    clip_id: str
    path: Path
    status: str  # ok | skipped | failed
    reason: str = ""
    out_dir: Path | None = None
    key: str = ""
    wall_s: float = 0.0
    n_frames: int = 0
    doc: dict = field(default_factory=dict)  # analysis.json (ok / skipped)
    athlete: str | None = None
    date: str | None = None
    sha256: str = ""
    notes: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status in ("ok", "skipped")


@dataclass(frozen=True)
class BatchReport:
    results: tuple[ClipResult, ...]
    summary: pd.DataFrame
    failures: pd.DataFrame
    wall_s: float

    @property
    def n_failed(self) -> int:
        return sum(not r.succeeded for r in self.results)

    @property
    def exit_code(self) -> int:
        return 1 if self.n_failed else 0


# ---------------------------------------------------------------------------------------------- inputs

def _is_glob(s: str) -> bool:
    return any(ch in s for ch in "*?[")


def _video_files(folder: Path) -> list[Path]:
    from formcheck.video import VIDEO_SUFFIXES

    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def _opt_float(row: dict, key: str, where: str) -> float | None:
    v = (row.get(key) or "").strip()
    if not v:
        return None
    try:
        return float(v)
    except ValueError:
        raise ConfigError(f"{where}: {key} must be a number, got {v!r}") from None


def read_manifest(path: str | Path, defaults: ClipSpec = ClipSpec(Path("."))) -> list[ClipSpec]:
    """Rows of a manifest CSV (``MANIFEST_COLUMNS``; only ``path`` is required; relative paths are
    relative to the manifest). Empty cells take the values of ``defaults``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read manifest ({e})") from None
    reader = csv.DictReader(text.splitlines())
    cols = [c.strip() for c in (reader.fieldnames or [])]
    unknown = [c for c in cols if c not in MANIFEST_COLUMNS]
    if "path" not in cols or unknown:
        raise ConfigError(f"{path}: manifest columns must include 'path' and be among {', '.join(MANIFEST_COLUMNS)}"
                          + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    specs = []
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "") for k, v in raw.items()}
        where = f"{path.name} line {i}"
        if not row["path"].strip():
            continue
        clip = Path(row["path"].strip()).expanduser()
        clip = clip if clip.is_absolute() else path.parent / clip
        kmh, mps = _opt_float(row, "treadmill_speed_kmh", where), _opt_float(row, "treadmill_speed_mps", where)
        if kmh is not None and mps is not None:
            raise ConfigError(f"{where}: give treadmill_speed_kmh or treadmill_speed_mps, not both")
        d = defaults.runner
        height_cm = _opt_float(row, "height_cm", where)
        try:
            runner = RunnerInfo(
                view=row.get("view", "").strip() or d.view,
                height_m=height_cm / 100 if height_cm is not None else d.height_m,
                treadmill_speed_mps=mps if mps is not None else kmh / KMH_PER_MPS if kmh is not None
                else d.treadmill_speed_mps,
                capture_fps=_opt_float(row, "capture_fps", where) or d.capture_fps,
                athlete=row.get("athlete", "").strip() or defaults.athlete,
            )
        except ValueError as e:
            raise ConfigError(f"{where}: {e}") from None
        date = row.get("date", "").strip() or defaults.date
        if date:
            try:
                date = dt.date.fromisoformat(date).isoformat()
            except ValueError:
                raise ConfigError(f"{where}: date must be YYYY-MM-DD, got {date!r}") from None
        specs.append(ClipSpec(clip, runner, runner.athlete, date, row.get("notes", "").strip() or defaults.notes))
    return specs


def collect_inputs(items: Iterable[str | Path], defaults: ClipSpec = ClipSpec(Path("."))) -> list[ClipSpec]:
    """Expand files, folders (their video files), globs and manifest CSVs into clip specs, in order,
    without duplicates. A path that does not exist is kept (it becomes a 'file not found' failure)."""
    specs: list[ClipSpec] = []
    for item in items:
        s = str(item)
        p = Path(s).expanduser()
        if p.suffix.lower() == ".csv":
            specs += read_manifest(p, defaults)
            continue
        if p.is_dir():
            paths = _video_files(p)
        elif _is_glob(s) and not p.exists():
            paths = sorted(Path(m) for m in glob.glob(os.path.expanduser(s), recursive=True) if Path(m).is_file())
            if not paths:
                raise ConfigError(f"{s}: no file matches")
        else:
            paths = [p]
        specs += [dataclasses.replace(defaults, path=q) for q in paths]
    seen, out = set(), []
    for sp in specs:
        k = str(sp.path.resolve()) if sp.path.exists() else str(sp.path)
        if k not in seen:
            seen.add(k)
            out.append(sp)
    return out


def clip_ids(paths: Sequence[Path]) -> list[str]:
    """Folder name per clip: the file stem, plus a short path hash where stems collide."""
    stems = [p.stem for p in paths]
    dup = {s for s in stems if stems.count(s) > 1}
    return [f"{p.stem}-{hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:6]}" if p.stem in dup else p.stem
            for p in paths]


# ---------------------------------------------------------------------------------------------- keys

def settings_dict(runner: RunnerInfo, config: AnalysisConfig) -> dict:
    """The settings that change a clip's result (pose workers and cache do not; the athlete does not)."""
    from formcheck import __version__
    from formcheck.export import SCHEMA_VERSION

    cfg = dataclasses.asdict(config)
    cfg["pose"] = {k: v for k, v in cfg["pose"].items() if k not in ("workers", "cache")}
    run = {k: v for k, v in dataclasses.asdict(runner).items() if k != "athlete"}
    return {"runner": run, "config": cfg, "formcheck_version": __version__, "schema_version": SCHEMA_VERSION}


def result_key(sha256: str, runner: RunnerInfo, config: AnalysisConfig) -> str:
    payload = json.dumps({"sha256": sha256, **settings_dict(runner, config)}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def existing_result(clip_dir: Path, key: str, *, need_video: bool) -> dict | None:
    """The saved ``analysis.json`` when ``clip_dir`` holds a complete result for ``key``, else None."""
    try:
        stored = json.loads((clip_dir / KEY_FILE).read_text())
        if stored.get("key") != key:
            return None
        if need_video and not (clip_dir / "annotated.mp4").exists():
            return None
        return json.loads((clip_dir / "analysis.json").read_text())
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------- worker

def _progress_callback(job: ClipJob):
    if job.progress is None:
        return None
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_INTERVAL_S and not (total and done >= total):
            return
        last[0] = now
        try:
            job.progress.put((job.clip_id, int(done), int(total or 0)))
        except Exception:  # noqa: BLE001 - progress must never fail a clip
            pass

    return report


def process_clip(job: ClipJob) -> ClipResult:
    """Analyse one clip and write its folder. Never raises for a bad clip: returns ``status="failed"``."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    t0 = time.perf_counter()
    base = dict(clip_id=job.clip_id, path=job.path, out_dir=job.out_dir, key=job.key, athlete=job.athlete,
                date=job.date, sha256=job.sha256, notes=job.notes)
    try:
        from formcheck.export import write_json, write_outputs
        from formcheck.pipeline import analyze_pose, estimate

        cfg = dataclasses.replace(job.config, pose=dataclasses.replace(job.config.pose, workers=1))
        (job.out_dir / KEY_FILE).unlink(missing_ok=True)
        pose, warnings, seconds = estimate(job.path, job.runner, cfg, progress=_progress_callback(job))
        a = analyze_pose(pose, job.runner, cfg, warnings=warnings, pose_seconds=seconds)
        extra = {"sha256": job.sha256, "result_key": job.key,
                 "batch": {"clip": job.clip_id, "athlete": job.athlete, "date": job.date, "notes": job.notes}}
        write_outputs(a, job.out_dir, extra=extra)
        if job.write_video:
            from formcheck.annotate import write_annotated_video

            write_annotated_video(a, job.out_dir / "annotated.mp4")
        doc = json.loads((job.out_dir / "analysis.json").read_text())
        wall = time.perf_counter() - t0
        if a.activity != "running" and not job.allow_walking:
            why = "; ".join(a.warnings) or f"activity detected: {a.activity}"
            return ClipResult(**base, status="failed", reason=f"not running ({a.activity}): {why}", wall_s=wall,
                              n_frames=len(pose))
        write_json({"key": job.key, "sha256": job.sha256, **settings_dict(job.runner, job.config)},
                   job.out_dir / KEY_FILE)
        return ClipResult(**base, status="ok", wall_s=wall, n_frames=len(pose), doc=doc)
    except FormcheckError as e:
        return ClipResult(**base, status="failed", reason=str(e), wall_s=time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - one clip's bug must not stop a 200-clip batch; the reason says so
        logger.error("internal error on %s:\n%s", job.path, traceback.format_exc())
        return ClipResult(**base, status="failed", reason=f"internal error: {type(e).__name__}: {e}",
                          wall_s=time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- tables

def summary_rows(r: ClipResult) -> list[dict]:
    """One row per side (``both``, ``left``, ``right``): ids, then ``<metric>`` and ``<metric>_confidence``."""
    doc = r.doc
    view = (doc.get("view") or {}).get("name") or (doc.get("runner") or {}).get("view")
    rows = []
    for side in ("both", "left", "right"):
        row = {"clip": r.clip_id, "athlete": r.athlete or "", "date": r.date or "", "view": view, "side": side}
        for name, m in (doc.get("metrics") or {}).items():
            src = m if side == "both" else (m.get(side) or {})
            v = src.get("value")
            row[name] = float("nan") if v is None else float(v)
            c = m.get("confidence")
            row[f"{name}_confidence"] = float("nan") if c is None else float(c)
        rows.append(row)
    return rows


def summary_frame(results: Iterable[ClipResult]) -> pd.DataFrame:
    rows = [row for r in results if r.succeeded for row in summary_rows(r)]
    return pd.DataFrame(rows, columns=None if rows else SUMMARY_ID_COLUMNS)


def failures_frame(results: Iterable[ClipResult]) -> pd.DataFrame:
    return pd.DataFrame([{"clip": r.clip_id, "path": str(r.path), "reason": r.reason}
                         for r in results if not r.succeeded], columns=FAILURE_COLUMNS)


# ---------------------------------------------------------------------------------------------- run

class BatchProgress:
    """Progress hooks of ``run_batch`` (no-ops; the CLI draws a rich progress bar)."""

    def start(self, n_clips: int, n_frames: int, n_skipped: int) -> None: ...

    def frames(self, clip_id: str, done: int, total: int) -> None: ...

    def clip_done(self, result: ClipResult) -> None: ...


def _file_date(path: Path) -> str:
    return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


def _prepare(specs: Sequence[ClipSpec], out_dir: Path, config: AnalysisConfig, *, force: bool, write_video: bool,
             allow_walking: bool) -> tuple[list[ClipJob], list[ClipResult], dict[str, int]]:
    from formcheck.video import expected_frames, file_sha256, read_video_meta

    jobs, done, frames = [], [], {}
    for spec, cid in zip(specs, clip_ids([s.path for s in specs])):
        clip_dir = out_dir / cid
        base = dict(clip_id=cid, path=spec.path, out_dir=clip_dir, athlete=spec.athlete, notes=spec.notes)
        if not spec.path.is_file():
            why = "is a folder, not a video file" if spec.path.is_dir() else "file not found"
            done.append(ClipResult(**base, date=spec.date, status="failed", reason=f"{spec.path}: {why}"))
            continue
        date = spec.date or _file_date(spec.path)
        sha = file_sha256(spec.path)
        key = result_key(sha, spec.runner, config)
        doc = None if force else existing_result(clip_dir, key, need_video=write_video)
        if doc is not None:
            done.append(ClipResult(**base, date=date, status="skipped", key=key, doc=doc, sha256=sha,
                                   n_frames=int((doc.get("video") or {}).get("n_frames") or 0)))
            continue
        try:
            frames[cid] = expected_frames(read_video_meta(spec.path, capture_fps=spec.runner.capture_fps)) or 0
        except FormcheckError:
            frames[cid] = 0  # the worker reports the reason
        jobs.append(ClipJob(clip_id=cid, path=spec.path, out_dir=clip_dir, runner=spec.runner, config=config, key=key,
                            sha256=sha, athlete=spec.athlete, date=date, notes=spec.notes, write_video=write_video,
                            allow_walking=allow_walking))
    return jobs, done, frames


def _record_history(db_path: Path | None, r: ClipResult) -> None:
    if db_path is None or not r.succeeded or not r.athlete:
        return
    from formcheck.history import record_doc

    try:
        record_doc(db_path, r.doc, r.athlete, r.date, sha256=r.sha256 or None, result_dir=r.out_dir, notes=r.notes)
    except Exception as e:  # noqa: BLE001 - history is a by-product; never lose the batch over it
        logger.warning("could not record %s in the history database: %s", r.clip_id, e)


def run_batch(specs: Sequence[ClipSpec], out_dir: str | Path, executor: cf.Executor, *,
              config: AnalysisConfig = AnalysisConfig(), force: bool = False, write_video: bool = True,
              allow_walking: bool = False, progress: BatchProgress | None = None,
              db_path: str | Path | None = None) -> BatchReport:
    """Run every clip through ``executor`` and write the per-clip folders and the batch tables."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or BatchProgress()
    db = Path(db_path) if db_path is not None else None
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, workers=1))
    jobs, results, frames = _prepare(specs, out, config, force=force, write_video=write_video,
                                     allow_walking=allow_walking)
    progress.start(len(jobs), sum(frames.values()), sum(r.status == "skipped" for r in results))
    for r in results:
        _record_history(db, r)
        progress.clip_done(r)
    if jobs:
        channel = ProgressChannel(executor)
        try:
            pending = {executor.submit(process_clip, dataclasses.replace(j, progress=channel.sink)): j for j in jobs}
            while pending:
                finished, _ = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                for cid, d, n in channel.drain():
                    progress.frames(cid, d, n or frames.get(cid, 0))
                for fut in finished:
                    job = pending.pop(fut)
                    try:
                        r = fut.result()
                    except Exception as e:  # noqa: BLE001 - a worker died (e.g. out of memory): record, go on
                        r = ClipResult(clip_id=job.clip_id, path=job.path, status="failed", out_dir=job.out_dir,
                                       reason=f"worker failed: {type(e).__name__}: {e}", athlete=job.athlete,
                                       date=job.date)
                    progress.frames(job.clip_id, frames.get(job.clip_id, 0), frames.get(job.clip_id, 0))
                    _record_history(db, r)
                    progress.clip_done(r)
                    results.append(r)
        finally:
            channel.close()
    order = {s.path: i for i, s in enumerate(specs)}
    results.sort(key=lambda r: order.get(r.path, 0))
    summary, failures = summary_frame(results), failures_frame(results)
    write_batch_tables(out, summary, failures)
    return BatchReport(tuple(results), summary, failures, time.perf_counter() - t0)


def write_batch_tables(out_dir: Path, summary: pd.DataFrame, failures: pd.DataFrame) -> None:
    from formcheck.export import write_parquet

    summary.to_csv(out_dir / "summary.csv", index=False, float_format="%.6g")
    s = summary.copy()
    s.attrs = {"table": "batch_summary"}
    write_parquet(s, out_dir / "summary.parquet")
    failures.to_csv(out_dir / "failures.csv", index=False)
