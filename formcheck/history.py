"""Athlete history: an embedded SQLite database of athletes, sessions, clips and metrics.

* One file (default ``<batch out>/formcheck.sqlite``, ``$FORMCHECK_HISTORY_DB``, or the user data dir),
  WAL journal (readers never block the writer: the app and a batch can share it), ``busy_timeout``.
* A session is one athlete on one date; it holds the clips filmed that day (several views).
  Recording the same clip content (sha256) into the same session again replaces its rows.
* ``metric_history`` picks, per session, metric and side, the value of the clip with the highest
  confidence (values from different clips are not averaged: their IQR and n stay meaningful).
* ``history_changes`` compares each session with the previous one through ``plan.retest_change`` (the
  re-test rule shared with the guidance: a change counts only beyond the metric's minimal detectable
  change).

Pure functions take and return DataFrames; only ``connect``/``record_*``/``metric_history`` touch the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

ENV_DB = "FORMCHECK_HISTORY_DB"
DB_NAME = "formcheck.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS athlete (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS session (
    id INTEGER PRIMARY KEY, athlete_id INTEGER NOT NULL REFERENCES athlete(id) ON DELETE CASCADE,
    date TEXT NOT NULL, notes TEXT DEFAULT '', UNIQUE (athlete_id, date));
CREATE TABLE IF NOT EXISTS clip (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL, path TEXT, view TEXT, view_confidence REAL, activity TEXT,
    model TEXT, model_sha256 TEXT, formcheck_version TEXT, schema_version TEXT, versions_json TEXT,
    config_json TEXT, runner_json TEXT, result_key TEXT, result_dir TEXT, n_frames INTEGER, fps REAL,
    notes TEXT DEFAULT '', recorded_at TEXT DEFAULT CURRENT_TIMESTAMP, UNIQUE (session_id, sha256));
CREATE TABLE IF NOT EXISTS metric (
    clip_id INTEGER NOT NULL REFERENCES clip(id) ON DELETE CASCADE, name TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('both', 'left', 'right')), value REAL, unit TEXT, q25 REAL, q75 REAL,
    n INTEGER, confidence REAL, PRIMARY KEY (clip_id, name, side));
CREATE INDEX IF NOT EXISTS session_athlete ON session (athlete_id, date);
"""

HISTORY_COLUMNS = ["date", "metric", "side", "value", "unit", "q25", "q75", "n", "confidence", "view", "clip"]
CHANGE_COLUMNS = HISTORY_COLUMNS + ["delta", "exceeds_noise"]


def default_db_path(out_dir: str | Path | None = None) -> Path:
    """``$FORMCHECK_HISTORY_DB``, else ``<out_dir>/formcheck.sqlite``, else the user data dir."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    if out_dir is not None:
        return Path(out_dir) / DB_NAME
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "formcheck" / DB_NAME


def connect(db_path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the history database in WAL mode with a busy timeout."""
    p = Path(db_path)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000)
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.executescript(SCHEMA)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return con


def _date_str(date: str | dt.date | None) -> str:
    if date is None:
        return dt.date.today().isoformat()
    if isinstance(date, dt.datetime):
        return date.date().isoformat()
    if isinstance(date, dt.date):
        return date.isoformat()
    try:
        return dt.date.fromisoformat(str(date).strip()[:10]).isoformat()
    except ValueError:
        raise ValueError(f"date must be YYYY-MM-DD, got {date!r}") from None


def metric_rows(metrics: Mapping[str, Mapping]) -> list[tuple]:
    """``(name, side, value, unit, q25, q75, n, confidence)`` rows from analysis.json metric dicts."""
    rows = []
    for name, m in metrics.items():
        for side in ("both", "left", "right"):
            src = m if side == "both" else m.get(side)
            if not src:
                continue
            rows.append((name, side, src.get("value"), m.get("unit", ""), src.get("q25"), src.get("q75"),
                         int(src.get("n") or 0), m.get("confidence")))
    return rows


def record_doc(db_path: str | Path, doc: Mapping, athlete: str, date: str | dt.date | None = None, *,
               sha256: str | None = None, result_dir: str | Path | None = None, notes: str = "") -> int:
    """Record one ``analysis.json`` document for ``athlete`` on ``date``; returns the clip row id."""
    if not athlete or not str(athlete).strip():
        raise ValueError("an athlete name is needed to record history")
    day = _date_str(date)
    video = doc.get("video", {})
    sha = sha256 or doc.get("sha256") or video.get("sha256")
    if not sha:
        raise ValueError("the clip's sha256 is needed to record history")
    view = doc.get("view") or {}
    pose = doc.get("pose") or {}
    con = connect(db_path)
    try:
        with con:
            con.execute("INSERT OR IGNORE INTO athlete (name) VALUES (?)", (athlete.strip(),))
            (aid,) = con.execute("SELECT id FROM athlete WHERE name = ?", (athlete.strip(),)).fetchone()
            con.execute("INSERT OR IGNORE INTO session (athlete_id, date) VALUES (?, ?)", (aid, day))
            (sid,) = con.execute("SELECT id FROM session WHERE athlete_id = ? AND date = ?", (aid, day)).fetchone()
            con.execute("DELETE FROM clip WHERE session_id = ? AND sha256 = ?", (sid, sha))
            cur = con.execute(
                "INSERT INTO clip (session_id, sha256, path, view, view_confidence, activity, model, model_sha256, "
                "formcheck_version, schema_version, versions_json, config_json, runner_json, result_key, result_dir, "
                "n_frames, fps, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, sha, video.get("path"), view.get("name"), view.get("confidence"), doc.get("activity"),
                 pose.get("model"), pose.get("model_sha256"), doc.get("formcheck_version"),
                 doc.get("schema_version"), json.dumps(doc.get("versions") or {}), json.dumps(doc.get("config") or {}),
                 json.dumps(doc.get("runner") or {}), doc.get("result_key"),
                 str(result_dir) if result_dir is not None else None, video.get("n_frames"), video.get("fps"), notes))
            cid = cur.lastrowid
            con.executemany("INSERT INTO metric (clip_id, name, side, value, unit, q25, q75, n, confidence) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(cid, *r) for r in metric_rows(doc.get("metrics") or {})])
    finally:
        con.close()
    return cid


def record_analysis(db_path: str | Path, analysis, athlete: str, date: str | dt.date | None = None, *,
                    sha256: str | None = None, result_dir: str | Path | None = None, notes: str = "") -> int:
    """Record an ``Analysis`` (the clip's sha256 is computed from its file unless given)."""
    from formcheck.export import analysis_dict

    if sha256 is None:
        from formcheck.video import file_sha256

        sha256 = file_sha256(analysis.meta.path)
    return record_doc(db_path, analysis_dict(analysis), athlete, date, sha256=sha256, result_dir=result_dir,
                      notes=notes)


def athletes(db_path: str | Path) -> list[str]:
    con = connect(db_path)
    try:
        return [r[0] for r in con.execute("SELECT name FROM athlete ORDER BY name")]
    finally:
        con.close()


def metric_history(db_path: str | Path, athlete: str) -> pd.DataFrame:
    """One row per session x metric x side (columns ``HISTORY_COLUMNS``), sorted by metric, side, date.

    With several clips of a metric in one session, the most confident measured value is kept.
    """
    con = connect(db_path)
    try:
        df = pd.read_sql_query(
            "SELECT s.date AS date, m.name AS metric, m.side AS side, m.value AS value, m.unit AS unit, "
            "m.q25 AS q25, m.q75 AS q75, m.n AS n, m.confidence AS confidence, c.view AS view, c.path AS clip "
            "FROM metric m JOIN clip c ON c.id = m.clip_id JOIN session s ON s.id = c.session_id "
            "JOIN athlete a ON a.id = s.athlete_id WHERE a.name = ?", con, params=(athlete,))
    finally:
        con.close()
    if df.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    df["measured"] = df["value"].notna()
    df = df.sort_values(["measured", "confidence"], ascending=False, na_position="last")
    df = df.drop_duplicates(["date", "metric", "side"]).drop(columns="measured")
    return df.sort_values(["metric", "side", "date"]).reset_index(drop=True)[HISTORY_COLUMNS]


def _fallback_retest_change(metric: str, before, after) -> tuple[float, bool | None]:
    delta = float(getattr(after, "value", after)) - float(getattr(before, "value", before))
    return delta, None  # noise unknown without the guidance knowledge


def _retest_change():
    try:
        from formcheck.plan import retest_change
    except ImportError:  # guidance not installed: report changes without a noise verdict
        return _fallback_retest_change
    return retest_change


def history_changes(history: pd.DataFrame) -> pd.DataFrame:
    """Add ``delta`` (vs the previous session with a value) and ``exceeds_noise`` (True / False /
    None = noise unknown or first session) to a :func:`metric_history` table (pure)."""
    change = _retest_change()
    out = history.copy()
    deltas, exceeds = [], []
    for _, g in out.groupby(["metric", "side"], sort=False):
        prev = None
        for idx, row in g.iterrows():
            if prev is None or pd.isna(row["value"]):
                deltas.append((idx, float("nan")))
                exceeds.append((idx, None))
            else:
                d, e = change(row["metric"], float(prev), float(row["value"]))
                deltas.append((idx, d))
                exceeds.append((idx, e))
            if pd.notna(row["value"]):
                prev = row["value"]
    out["delta"] = pd.Series(dict(deltas), dtype=float)
    out["exceeds_noise"] = pd.Series(dict(exceeds), dtype=object)
    return out[CHANGE_COLUMNS] if len(out) else pd.DataFrame(columns=CHANGE_COLUMNS)


def plot_history(changes: pd.DataFrame, path: str | Path, *, athlete: str = "", side: str = "both") -> Path:
    """Trend chart (PNG or SVG by suffix): one panel per metric measured in two or more sessions,
    the median with its IQR, changes beyond measurement noise drawn as filled red markers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    d = changes[(changes["side"] == side) & changes["value"].notna()]
    counts = d.groupby("metric")["date"].nunique()
    metrics = [m for m in counts.index if counts[m] >= 2] or list(counts.index)
    n = max(1, len(metrics))
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(6 * cols, 2.6 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    for i, metric in enumerate(metrics):
        ax = fig.add_subplot(rows, cols, i + 1)
        g = d[d["metric"] == metric]
        x = pd.to_datetime(g["date"])
        y = g["value"].to_numpy(float)
        lo = (y - g["q25"].to_numpy(float))
        hi = (g["q75"].to_numpy(float) - y)
        ax.errorbar(x, y, yerr=[pd.Series(lo).fillna(0).clip(lower=0), pd.Series(hi).fillna(0).clip(lower=0)],
                    fmt="o-", color="#1f5f8b", capsize=3, lw=1.2)
        beyond = g["exceeds_noise"].apply(lambda v: v is True).to_numpy()
        if beyond.any():
            ax.plot(x[beyond], y[beyond], "o", color="#c0392b", ms=9, label="change beyond noise")
            ax.legend(fontsize=7, loc="best")
        unit = g["unit"].iloc[0] if len(g) else ""
        ax.set_title(f"{metric} [{unit}]", fontsize=9)
        ax.tick_params(labelsize=7)
        for label in ax.get_xticklabels():
            label.set_rotation(30)
    if not metrics:
        fig.add_subplot(1, 1, 1).text(0.5, 0.5, "no metrics recorded", ha="center", va="center")
    if athlete:
        fig.suptitle(f"{athlete}: metrics across sessions ({side})", fontsize=11)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".").lower() or "png", dpi=110)
    return path
