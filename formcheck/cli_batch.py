"""``formcheck batch``, ``formcheck history`` and ``formcheck export`` (thin shells over
``formcheck.batch``, ``formcheck.history`` and ``formcheck.export``).

Exit codes: 0 ok, 1 a clip failed or bad input (one-line message), 2 usage error.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import click

from formcheck.cli_options import runner_from_options, runner_options
from formcheck.errors import FormcheckError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


class RichBatchProgress:
    """Two bars on stderr: clips done, and frames done over all clips (with ETA)."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("eta"), TimeRemainingColumn(), console=_console(stderr=True), transient=True)
        self._frames: dict[str, int] = {}
        self.clips = self.frames_task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)

    def start(self, n_clips: int, n_frames: int, n_skipped: int) -> None:
        self.clips = self.bar.add_task(f"clips (skipped {n_skipped} done before)", total=n_clips + n_skipped)
        self.frames_task = self.bar.add_task("frames", total=n_frames or None)

    def frames(self, clip_id: str, done: int, total: int) -> None:
        self._frames[clip_id] = done
        self.bar.update(self.frames_task, completed=sum(self._frames.values()), description=f"frames ({clip_id})")

    def clip_done(self, r) -> None:
        self.bar.advance(self.clips)
        mark = {"ok": "[green]ok[/]", "skipped": "[cyan]skipped[/] (result exists)", "failed": "[red]failed[/]"}
        msg = f"{mark[r.status]} {r.clip_id}"
        if r.status == "ok":
            msg += f" ({r.n_frames} frames, {r.wall_s:.1f} s)"
        if r.reason:
            msg += f": {r.reason}"
        self.bar.console.print(msg)


def _print_batch_report(report, out_dir: Path) -> None:
    from rich.table import Table

    con = _console()
    s = report.summary
    if len(s):
        both = s[s["side"] == "both"]
        key_metrics = [m for m in ("cadence_spm", "contact_time_s", "overstride_cm", "trunk_lean_deg",
                                   "vertical_oscillation_cm", "pelvic_drop_deg") if m in both]
        t = Table(title="summary (both sides)", header_style="bold")
        for col in ["clip", "view", *key_metrics]:
            t.add_column(col)
        for _, row in both.iterrows():
            t.add_row(str(row["clip"]), str(row["view"]),
                      *[("-" if not math.isfinite(row[m]) else f"{row[m]:.3g}") for m in key_metrics])
        con.print(t)
    if len(report.failures):
        t = Table(title="failures", header_style="bold")
        t.add_column("clip")
        t.add_column("reason")
        for _, row in report.failures.iterrows():
            t.add_row(str(row["clip"]), str(row["reason"]))
        con.print(t)
    n = len(report.results)
    con.print(f"{n - report.n_failed} of {n} clips analysed ({sum(r.status == 'skipped' for r in report.results)} "
              f"skipped as already done), {report.n_failed} failed; wall time {report.wall_s:.1f} s")
    con.print(f"results: {out_dir} (summary.csv, summary.parquet, failures.csv)")


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("formcheck-results"),
              show_default=True, help="Output folder: one folder per clip plus the batch tables.")
@runner_options(" Manifest rows override it.")
@click.option("--athlete", help="Athlete name: records the results in the history database.")
@click.option("--date", "date", type=click.DateTime(["%Y-%m-%d"]), help="Session date [default: file date].")
@click.option("--model", type=click.Choice(["lite", "full", "heavy"]), default="full", show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="TOML file with tuning settings.")
@click.option("--workers", type=click.IntRange(1, 256), help="Local worker processes [default: usable cores].")
@click.option("--scheduler", envvar="FORMCHECK_SCHEDULER",
              help="Dask scheduler address (tcp://HOST:PORT) to run the clips on a cluster [env FORMCHECK_SCHEDULER].")
@click.option("--force", is_flag=True, help="Redo clips whose result already exists.")
@click.option("--no-video", is_flag=True, help="Skip writing annotated.mp4.")
@click.option("--no-cache", is_flag=True, help="Re-run pose estimation even if cached.")
@click.option("--include-walking", is_flag=True, help="Keep clips detected as walking as results (default: failures).")
@click.option("--db", "db_path", type=click.Path(path_type=Path), envvar="FORMCHECK_HISTORY_DB",
              help="History database [default: <out>/formcheck.sqlite; env FORMCHECK_HISTORY_DB].")
def batch(inputs, out_dir, view, height_cm, treadmill_speed_kmh, treadmill_speed_mps, capture_fps, athlete, date,
          model, config_path, workers, scheduler, force, no_video, no_cache, include_walking, db_path):
    """Analyse many clips: files, folders, globs or a manifest CSV, in parallel, resumable.

    Manifest columns: path, athlete, view, height_cm, treadmill_speed_kmh (or treadmill_speed_mps),
    capture_fps, date, notes. Exit code 1 when any clip failed (see failures.csv).
    """
    from formcheck.batch import ClipSpec, collect_inputs, run_batch
    from formcheck.config import load_config
    from formcheck.executors import make_executor

    runner = runner_from_options(view, height_cm, treadmill_speed_kmh, treadmill_speed_mps, capture_fps, athlete)
    defaults = ClipSpec(Path("."), runner, athlete, date.date().isoformat() if date else None)
    try:
        config = load_config(config_path, pose={"model": model, "workers": 1, "cache": not no_cache})
        specs = collect_inputs(inputs, defaults)
        if not specs:
            _fail("no clips found")
        executor = make_executor(workers, scheduler)
    except FormcheckError as e:
        _fail(str(e))
    with executor, RichBatchProgress() as bar:
        report = run_batch(specs, out_dir, executor, config=config, force=force, write_video=not no_video,
                           allow_walking=include_walking, progress=bar,
                           db_path=db_path or (out_dir / "formcheck.sqlite"))
    _print_batch_report(report, out_dir)
    sys.exit(report.exit_code)


def _default_history_db() -> Path:
    from formcheck.history import DB_NAME, default_db_path

    local = Path("formcheck-results") / DB_NAME
    return local if local.exists() and not os.environ.get("FORMCHECK_HISTORY_DB") else default_db_path()


@click.command()
@click.argument("athlete")
@click.option("--db", "db_path", type=click.Path(path_type=Path), envvar="FORMCHECK_HISTORY_DB",
              help="History database [default: formcheck-results/formcheck.sqlite if present, else the user data dir].")
@click.option("--side", type=click.Choice(["both", "left", "right", "all"]), default="both", show_default=True)
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), help="Write a trend chart (.png or .svg).")
def history(athlete, db_path, side, plot_path):
    """Show an athlete's metrics across sessions, the change and whether it exceeds measurement noise."""
    from rich.table import Table

    from formcheck.history import athletes, history_changes, metric_history, plot_history

    db = db_path or _default_history_db()
    if not db.exists():
        _fail(f"{db}: no history database (run 'formcheck batch --athlete NAME ...' first)")
    h = metric_history(db, athlete)
    if h.empty:
        known = ", ".join(athletes(db)) or "none"
        _fail(f"no sessions for athlete {athlete!r} in {db} (athletes: {known})")
    ch = history_changes(h)
    shown = ch if side == "all" else ch[ch["side"] == side]
    con = _console()
    t = Table(title=f"{athlete}: {ch['date'].nunique()} sessions (side: {side})", header_style="bold")
    t.add_column("metric", no_wrap=True)
    if side == "all":
        t.add_column("side", no_wrap=True)
    t.add_column("date", no_wrap=True, min_width=10)
    for col in ("value", "IQR", "n", "conf.", "change", ">noise"):
        t.add_column(col, no_wrap=True)
    last = None
    for _, r in shown.iterrows():
        first_row = (r["metric"], r["side"]) != last
        last = (r["metric"], r["side"])
        v = "-" if not math.isfinite(r["value"]) else f"{r['value']:.4g}"
        iqr = "" if not (math.isfinite(r["q25"]) and math.isfinite(r["q75"])) else f"{r['q25']:.4g}-{r['q75']:.4g}"
        delta = "" if not math.isfinite(r["delta"]) else f"{r['delta']:+.3g}"
        ex = r["exceeds_noise"]
        verdict = "" if not math.isfinite(r["delta"]) else \
            "[bold red]yes[/]" if ex is True else "no" if ex is False else "unknown"
        conf = "" if not math.isfinite(r["confidence"]) else f"{r['confidence']:.2f}"
        cells = [r["metric"] if first_row else ""] + ([r["side"] if first_row else ""] if side == "all" else [])
        t.add_row(*cells, r["date"], v, iqr, str(int(r["n"])), conf, delta, verdict)
    con.print(t)
    if plot_path:
        if plot_path.suffix.lower() not in (".png", ".svg"):
            raise click.BadParameter("the plot file must end in .png or .svg", param_hint="--plot")
        p = plot_history(ch, plot_path, athlete=athlete, side="both" if side == "all" else side)
        con.print(f"trend chart: {p}")


@click.command("export")
@click.argument("result_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json", "trc", "c3d"]), required=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: RESULT_DIR/export].")
@click.option("--space", type=click.Choice(["image", "world"]), default="image", show_default=True,
              help="TRC/C3D coordinates: image (px, or mm with a known height; Y up) or MediaPipe world (mm).")
def export_cmd(result_dir, fmt, out_dir, space):
    """Export a result folder for research tools: csv | parquet | json | trc (OpenSim) | c3d."""
    from formcheck.export import export_result

    if not (result_dir / "analysis.json").exists():
        _fail(f"{result_dir}: not a formcheck result folder (no analysis.json)")
    try:
        paths = export_result(result_dir, fmt, out_dir, space=space)
    except FormcheckError as e:
        _fail(str(e))
    for p in paths:
        click.echo(str(p))


export = export_cmd
