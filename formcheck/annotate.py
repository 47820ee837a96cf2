"""Draw the skeleton (and, once gait events exist, contacts and live metrics) over the runner.

``draw_frame`` is pure (returns a new array); ``write_annotated_video`` is the edge that re-reads the
clip and writes a browser-playable H.264 MP4, upright, with the clip's own timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from formcheck.landmarks import SKELETON_EDGES, Landmark
from formcheck.video import H264Writer, iter_frames

# RGB colours: runner's left = orange, right = cyan (the convention in most gait software: L warm, R cool)
COLOURS = {"left": (255, 140, 0), "right": (0, 200, 255), "mid": (235, 235, 235)}
MAX_SIDE_PX = 1280


def output_size(width: int, height: int, max_side: int = MAX_SIDE_PX) -> tuple[int, int, float]:
    """(width, height, scale) of the annotated video: at most ``max_side`` px, even dimensions."""
    scale = min(1.0, max_side / max(width, height))
    w, h = int(round(width * scale)), int(round(height * scale))
    return w - w % 2, h - h % 2, scale


WAIST_COLOUR = (255, 60, 200)  # magenta: the pelvis line formcheck measured (rear/front views)


def draw_frame(rgb: np.ndarray, xy_px: np.ndarray, visibility: np.ndarray, *, min_visibility: float = 0.3,
               in_contact: dict[str, bool] | None = None, lines: tuple[str, ...] = (),
               waist: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Return a copy of ``rgb`` with the skeleton, contact markers and text lines drawn on it.

    ``xy_px`` are landmark positions in this image's pixels (33, 2); NaN or low-visibility points
    are not drawn. ``in_contact`` marks feet on the ground with a ring under the heel. ``waist`` =
    (centre x, centre y, tilt deg (+ image-right end lower), width) of the waistband edge, in this
    image's pixels: drawn as the line pelvic drop is measured from.
    """
    out = rgb.copy()
    h = out.shape[0]
    thick = max(2, int(round(h / 300)))
    rad = max(3, int(round(h / 200)))
    ok = np.isfinite(xy_px).all(axis=1) & ~(np.nan_to_num(visibility, nan=1.0) < min_visibility)
    pts = np.nan_to_num(xy_px).round().astype(int)
    for a, b, side in SKELETON_EDGES:
        if ok[a] and ok[b]:
            cv2.line(out, tuple(pts[a]), tuple(pts[b]), COLOURS[side], thick, cv2.LINE_AA)
    for lm in Landmark:
        if ok[lm] and lm >= Landmark.LEFT_SHOULDER:
            side = "left" if lm.name.startswith("LEFT") else "right"
            cv2.circle(out, tuple(pts[lm]), rad, COLOURS[side], -1, cv2.LINE_AA)
            cv2.circle(out, tuple(pts[lm]), rad, (20, 20, 20), 1, cv2.LINE_AA)
    for side, on in (in_contact or {}).items():
        heel = Landmark.LEFT_HEEL if side == "left" else Landmark.RIGHT_HEEL
        if on and ok[heel]:
            cv2.circle(out, tuple(pts[heel]), rad * 3, COLOURS[side], thick, cv2.LINE_AA)
    if waist is not None and np.all(np.isfinite(waist)):
        cx, cy, tilt, width = waist
        dx, dy = 0.5 * width * np.cos(np.radians(tilt)), 0.5 * width * np.sin(np.radians(tilt))
        cv2.line(out, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), WAIST_COLOUR, thick + 1, cv2.LINE_AA)
    scale = h / 900
    for i, text in enumerate(lines):
        org = (int(12 * scale) + 4, int((34 + 34 * i) * scale) + 6)
        cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale + 0.2, (0, 0, 0), thick + 3, cv2.LINE_AA)
        cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale + 0.2, (255, 255, 255), thick, cv2.LINE_AA)
    return out


def contact_mask(contacts, n_frames: int) -> dict[str, np.ndarray]:
    """Per side, (n_frames,) bool: the foot is on the ground (from a contacts table with side/ic/tc)."""
    masks = {s: np.zeros(n_frames, bool) for s in ("left", "right")}
    if contacts is None or len(contacts) == 0:
        return masks
    for side, ic, tc in zip(contacts["side"], contacts["ic"], contacts["tc"]):
        if np.isfinite(ic) and np.isfinite(tc):
            masks[str(side)][int(ic): int(tc) + 1] = True
    return masks


def write_annotated_video(analysis, out_path: str | Path, *, progress: Callable[[int, int], None] | None = None,
                          lines: tuple[str, ...] = ()) -> Path:
    """Re-read the clip and write the annotated H.264 MP4 (upright, source timing)."""
    pose = analysis.clean if analysis.clean is not None else analysis.pose
    meta = analysis.meta
    w, h, scale = output_size(meta.width_px, meta.height_px)
    row_of = {int(f): i for i, f in enumerate(pose.frame)}
    contact = contact_mask(analysis.contacts, int(pose.frame.max()) + 1 if len(pose) else 0)
    fps = meta.container_fps  # playback keeps the file's own timing (slow motion stays slow)
    out_path = Path(out_path)
    n = len(pose)
    pelvic = analysis.metrics.get("pelvic_drop_deg") if analysis.metrics else None
    show_waist = pelvic is not None and pelvic.measured  # only a line that was actually used
    with H264Writer(out_path, w, h, fps=fps) as writer:
        for k, (idx, t, rgb) in enumerate(iter_frames(meta)):
            if scale < 1.0:
                rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
            i = row_of.get(idx)
            if i is not None:
                on = {s: bool(m[idx]) for s, m in contact.items() if idx < len(m)}
                rgb = draw_frame(rgb, pose.xy[i] * scale, pose.visibility[i], in_contact=on, lines=lines,
                                 waist=_waist_line(pose, i, scale) if show_waist else None)
            writer.write(rgb, t / meta.time_scale)
            if progress:
                progress(k + 1, n)
    return out_path


def _waist_line(pose, i: int, scale: float) -> tuple[float, float, float, float] | None:
    f = pose.features
    if not {"waist_tilt_deg", "waist_y_px", "waist_width_px"} <= set(f):
        return None
    cx = np.nanmean(pose.xy[i, [23, 24], 0])
    return (cx * scale, f["waist_y_px"][i] * scale, float(f["waist_tilt_deg"][i]), f["waist_width_px"][i] * scale)


def key_frame_at_contact(analysis, *, side: str | None = None) -> tuple[str, np.ndarray] | None:
    """(caption, RGB image) of the clip's frame at a typical initial contact, skeleton and angles drawn.

    Side views: the near leg's contact whose knee flexion is the median of that leg's contacts, with
    the knee flexion and shank angle written on the frame. Reads the clip (an edge function).
    """
    strides = analysis.strides
    if strides is None or not len(strides) or analysis.view is None or analysis.view.name not in ("side", "oblique"):
        return None
    pose = analysis.clean if analysis.clean is not None else analysis.pose
    cols = [c for c in ("knee_flexion_ic_deg", "shank_angle_ic_deg") if c in strides]
    rows = strides[np.isfinite(strides[cols[0]].astype(float))] if cols else strides.iloc[0:0]
    if side is None and len(rows):
        side = rows["side"].value_counts().idxmax()
    rows = rows[rows["side"] == side]
    if not len(rows):
        return None
    med = rows[cols[0]].astype(float).median()
    row = rows.iloc[int(np.argmin(np.abs(rows[cols[0]].astype(float) - med)))]
    frame_idx = int(row["start"])
    i = int(np.searchsorted(pose.frame, frame_idx))
    if i >= len(pose) or pose.frame[i] != frame_idx:
        return None
    meta = analysis.meta
    w, h, scale = output_size(meta.width_px, meta.height_px, max_side=960)
    for idx, _t, rgb in iter_frames(meta, start=frame_idx, stop=frame_idx + 1):
        if scale < 1.0:
            rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
        text = tuple(f"{c.replace('_ic_deg', '').replace('_', ' ')} {float(row[c]):.0f} deg" for c in cols)
        img = draw_frame(rgb, pose.xy[i] * scale, pose.visibility[i], in_contact={side: True}, lines=text)
        return (f"{meta.path.name}: {side} foot at initial contact (frame {idx}, a typical contact of that leg)", img)
    return None
