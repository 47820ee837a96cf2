"""Which foot each side-view contact belongs to (``assign_contact_sides``), and the near leg.

A side camera sees the two legs overlap at every step, so a pose model's left/right labels can hop
between them for whole stances. Contacts from ``events.detect_contacts`` are therefore re-sided by
the step alternation (left, right, left, ...): within each run of regularly spaced contacts only the
parity is free, and three cues decide it (landing height on the floor, the pose model's stance-knee
visibility, the label majority), with "left/right uncertain" when decisive cues disagree.
``leg_label_anchors`` then tells the cleaning (``cleaning.fix_leg_swaps``) where the labels must be
swapped, and ``near_side`` names the leg nearer the camera.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from formcheck.cleaning import swap_leg_labels
from formcheck.events import CONTACT_COLUMNS, lowest_point
from formcheck.landmarks import side_lm


@dataclass(frozen=True)
class SideAssignment:
    """Result of ``assign_contact_sides``.

    ``contacts`` is the input with ``side`` set by the alternation and ``label`` = the side the pose
    model's labels gave the contact; ``relabelled`` counts contacts whose side changed; ``dropped``
    lists duplicate detections (the same touch found under both labels, merged into the earlier one). ``evidence`` says what fixed
    the left/right choice of each run of alternating contacts ("near/far", "visibility", "labels",
    "none" for a tied vote, "short" for a run under ``min_run`` contacts, or a single "irregular" when the
    contacts' step time does not match ``step_s``), followed by "conflict" when another decisive cue
    said the opposite (the run's left/right is uncertain).
    """

    contacts: pd.DataFrame
    relabelled: int
    dropped: pd.DataFrame
    evidence: tuple[str, ...]


def near_side(facing: float) -> str:
    """The runner's side nearer a side camera: a runner travelling to image +x is seen from their
    right (camera on the runner's right), so the right leg is near; travelling to -x, the left."""
    return "right" if facing > 0 else "left"


NEAR_FAR_MIN_T = 3.0  # t statistic of the near/far floor-height difference between the two parities
NEAR_FAR_MIN_PX_LEG = 0.01  # ... and the difference must exceed this share of the leg length
VIS_MIN_T = 3.0  # t statistic of the parities' stance-knee visibility difference (pose model's near/far)
VIS_MIN_DIFF = 0.05  # ... and the difference of the parities' medians [visibility score]


def visibility_in_labels(visibility: np.ndarray, leg_swapped: np.ndarray | None) -> np.ndarray:
    """The pose model's visibility (T, 33) with the legs' scores swapped in the frames where the
    cleaning swapped the legs' labels (``CleaningReport.leg_swapped``), so that each score belongs
    to the point that now carries its label."""
    if leg_swapped is None:
        return np.array(visibility, dtype=float, copy=True)
    return swap_leg_labels(visibility, leg_swapped)


def _stance_knee_visibility(xy: np.ndarray, visibility: np.ndarray, ic: float, tc: float) -> float:
    """Median over a stance window of the pose model's knee visibility of the stance leg (the one
    whose heel or toe is lower in the image, whatever its label) minus the other leg's: > 0 when the
    model sees the stance leg as the unoccluded, near one."""
    a, b = max(0, int(np.floor(ic))), int(np.ceil(tc)) + 1
    b = max(a + 1, b)
    if not np.isfinite(xy[a:b, :, 1]).any():
        return float("nan")
    low = {s: -lowest_point(xy[a:b], (s,)) for s in ("left", "right")}  # image y of each foot's lowest point
    vl, vr = visibility[a:b, int(side_lm("knee", "left"))], visibility[a:b, int(side_lm("knee", "right"))]
    with np.errstate(all="ignore"):
        d = np.where(low["left"] > low["right"], vl - vr, np.where(low["right"] > low["left"], vr - vl, np.nan))
    return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def _parity_verdict(v: np.ndarray, par: np.ndarray, min_t: float, min_diff: float) -> bool | None:
    """True when parity 0's values are higher than parity 1's by at least ``min_t`` standard errors
    and ``min_diff`` (difference of medians), False when lower, None when undecided or < 3 each."""
    v0, v1 = v[par == 0], v[par == 1]
    v0, v1 = v0[np.isfinite(v0)], v1[np.isfinite(v1)]
    if len(v0) < 3 or len(v1) < 3:
        return None
    diff = float(np.median(v0) - np.median(v1))
    se = float(np.sqrt(np.var(v0, ddof=1) / len(v0) + np.var(v1, ddof=1) / len(v1))) + 1e-9
    if abs(diff) / se >= min_t and abs(diff) >= min_diff:
        return diff > 0
    return None


def _stance_floor_y(xy: np.ndarray, ic: float, tc: float) -> float:
    """Median image y [px] of the lowest foot point (heel or toe of either foot, whatever its label:
    the stance foot) over a stance window."""
    a, b = int(np.floor(ic)), int(np.ceil(tc)) + 1
    low = -lowest_point(xy[max(0, a):max(a + 1, b)])
    return float(np.nanmedian(low)) if np.isfinite(low).any() else float("nan")


def assign_contact_sides(
    contacts: pd.DataFrame, xy: np.ndarray, *, facing: float, leg_px: float, fragments: pd.DataFrame | None = None,
    step_s: float | None = None, max_residual: float = 0.3, min_run: int = 4, min_regular: float = 0.75,
    visibility: np.ndarray | None = None,
) -> SideAssignment:
    """Left/right of every contact from the step alternation (side views).

    In running (and walking) the feet touch down alternately, L, R, L, R. The contacts of both labels
    are pooled in time order; a contact of the other label starting within 0.6 step of a contact and
    before its toe-off + 0.25 step is the same touch found under both labels (merged: the earlier
    IC, the later toe-off; the other foot's real contact comes a whole step later). Each contact gets a step number (time since the
    previous contact / median step time, rounded; a residual above ``max_residual`` of a step starts
    a new run, so a missed contact keeps the parity but an irregular gap does not). Within a run the
    even steps are one foot and the odd steps the other; which parity is the near side
    (``near_side``: right when the runner faces image +x) comes from three cues:

    * floor: the near foot lands lower in the image (it stands on the floor closer to the camera),
      decisive when the two parities' median stance heights differ by more than ``NEAR_FAR_MIN_T``
      standard errors and ``NEAR_FAR_MIN_PX_LEG`` leg lengths. It needs a camera above the floor
      and feet landing on their own side of the midline: a crossover gait (feet landing across the
      midline) or a camera at floor level inverts it (rendered crossover clip: the near foot lands
      4 px higher; a real treadmill clip filmed from below the deck: the near foot 4 px higher);
    * visibility: the pose model sees the near leg unoccluded; the stance leg's knee visibility
      minus the other knee's (``visibility``, in the labels of ``xy``), decisive when the parities
      differ by ``VIS_MIN_T`` standard errors and ``VIS_MIN_DIFF``. Measured: +-0.2 on every
      rendered side clip (crossover too) and 0.1-0.3 on the real side clips. It is the model's own
      belief, not an independent measurement: where the model swaps the labels the score moves
      with the label (single-frame swaps keep the near label's higher score on the far leg);
    * labels: the majority of the pose model's labels (right far more often than not).

    The visibility and the labels are the pose model's view ("model", when they agree or only one
    of them decides). The floor decides when it agrees with the model or the model has no verdict
    (labels mirrored with the visibility following the legs: the labels are overruled). When the
    floor and a model backed by both its labels and its visibility disagree, the evidence is
    ambiguous (a crossover runner and a model that mirrored labels and visibility together look
    the same in the landmarks): the model is followed, because on every clip measured its near
    label matched the facing direction while the floor cue was inverted by a crossover and by a
    low camera, and the run's evidence says "conflict". In every other disagreement the floor is
    followed, also with "conflict", except labels overruled by the floor and the visibility
    together (a confident relabelling). A tie of the labels and no other cue leaves the labels as
    they are.

    Parameters
    ----------
    contacts : ``detect_contacts`` output (``CONTACT_COLUMNS``), both feet.
    fragments : rejected contacts that may be part of a touch (a stance cut short where a label
        jumped to the other leg; ``tc`` -1 = no toe-off). They merge with their other half; one that
        neither merges nor falls on the step grid is dropped instead of breaking the run.
    step_s : the body's step time (e.g. from the spectral cadence) [s]. When the contacts' median
        step differs from it by more than 15 %, the contacts are not a clean step sequence (missed
        or extra events) and nothing is reassigned (evidence "irregular").
    min_run : runs with fewer contacts keep their labels (evidence "short").
    min_regular : share of consecutive contacts exactly one step apart needed to reassign anything
        (evidence "irregular" otherwise: with many missed or extra contacts the parity is noise).
    xy : (T, 33, 2) the landmarks the contacts were found on [px].
    facing : +1 runner faces image +x, -1 otherwise.
    leg_px : leg length [px].
    visibility : (T, 33) the pose model's visibility scores in the labels of ``xy``
        (``visibility_in_labels`` after a leg-swap fix); None = no visibility cue.

    Returns
    -------
    ``SideAssignment`` (new DataFrames; the input is not modified).
    """
    cols = list(CONTACT_COLUMNS)
    parts = [contacts[cols].assign(fragment=False)]
    if fragments is not None and len(fragments):
        parts.append(fragments[cols].assign(fragment=True))
    c = pd.concat(parts, ignore_index=True).sort_values(["ic_s", "fragment"], ignore_index=True)
    c["label"] = c["side"]
    empty = SideAssignment(c.drop(columns="fragment"), 0, c.iloc[:0].drop(columns="fragment"), ())
    if len(c) < 3:
        return empty
    ic = c.ic_s.to_numpy(float)
    gaps = np.diff(ic)
    if not (gaps > 0).any():
        return empty
    whole = np.diff(c.ic_s[~c.fragment].to_numpy(float))
    step = float(np.median(whole[whole > 0])) if (whole > 0).any() else float(np.median(gaps[gaps > 0]))
    if step_s is not None and abs(step / step_s - 1.0) > 0.15:
        return dataclasses.replace(empty, evidence=("irregular",))
    # one touch found under both labels (labels switched within the stance, or both on one leg):
    # the other label's contact starts within 0.6 step and before this one's toe-off + 0.25 step
    # (the real next contact comes a whole step later); keep the earlier IC, extend to the later TO
    keep = np.ones(len(c), bool)
    tc_s = np.array(c.tc_s.where(c.tc >= 0, np.nan), dtype=float)
    for k in range(1, len(c)):
        j = int(np.flatnonzero(keep[:k])[-1])
        end = tc_s[j] + 0.25 * step if np.isfinite(tc_s[j]) else ic[j] + 0.4 * step
        if ic[k] - ic[j] < 0.6 * step and ic[k] <= end and c.side.iloc[k] != c.side.iloc[j]:
            keep[k] = False
            if c.tc.iloc[j] >= 0 and c.tc_s.iloc[k] > c.tc_s.iloc[j]:
                c.loc[j, ["tc", "tc_s"]] = c.loc[k, ["tc", "tc_s"]].to_numpy()
                c.loc[j, "contact_time_s"] = c.tc_s.iloc[j] - c.ic_s.iloc[j]
                tc_s[j] = c.tc_s.iloc[j]
    merged = c[~keep]
    c = c[keep].reset_index(drop=True)
    ic = c.ic_s.to_numpy(float)
    n_step = np.zeros(len(c), int)
    run = np.zeros(len(c), int)
    on_grid = np.ones(len(c), bool)
    prev = 0
    for k in range(1, len(c)):
        q = (ic[k] - ic[prev]) / step
        r = round(q)
        if r < 1 or abs(q - r) > max_residual:
            if c.fragment.iloc[k]:
                on_grid[k] = False  # a stray piece: drop it, keep the run going
                continue
            run[k], n_step[k] = run[prev] + 1, 0
        else:
            run[k], n_step[k] = run[prev], n_step[prev] + r
        prev = k
    dropped = pd.concat([merged, c[~on_grid]], ignore_index=True)
    c, n_step, run = c[on_grid].reset_index(drop=True), n_step[on_grid], run[on_grid]
    single = np.mean((np.diff(n_step) == 1) & (np.diff(run) == 0)) if len(c) > 1 else 0.0
    if single < min_regular:  # too many missed, extra or irregular contacts for the parity to mean much
        return SideAssignment(c.drop(columns="fragment").assign(step=n_step, run=run), 0,
                              dropped.drop(columns="fragment"), ("irregular",))
    near = near_side(facing)
    far = "right" if near == "left" else "left"
    windows = [(a, b if np.isfinite(b) else a + 0.3 * step) for a, b in zip(c.ic, c.tc.where(c.tc >= 0, np.nan))]
    y = np.array([_stance_floor_y(xy, a, b) for a, b in windows])
    vis = (np.array([_stance_knee_visibility(xy, visibility, a, b) for a, b in windows]) if visibility is not None
           else np.full(len(c), np.nan))
    sides = c.label.to_numpy(object).copy()
    evidence = []
    for rid in np.unique(run):
        m = run == rid
        par = n_step[m] % 2
        lab = c.label.to_numpy(object)[m]
        if len(par) < min_run or (par == 0).all() or (par == 1).all():
            evidence.append("short")
            continue
        # verdicts on the hypothesis "parity 0 is the near side" (None: undecided)
        floor = _parity_verdict(y[m], par, NEAR_FAR_MIN_T, NEAR_FAR_MIN_PX_LEG * leg_px)  # lower in the image = near
        seen = _parity_verdict(vis[m], par, VIS_MIN_T, VIS_MIN_DIFF)  # the model sees parity 0's leg better
        votes = np.sum(np.where(par == 0, lab == near, lab == far)) - np.sum(np.where(par == 0, lab == far, lab == near))
        named = None if votes == 0 else bool(votes > 0)
        model = seen if seen is not None else named
        backed = seen is not None and named is not None and seen == named
        if floor is not None and (model is None or floor == model or not backed):
            choice = floor
            evidence.append("near/far")
        elif model is not None:
            choice = model
            evidence.append("visibility" if seen is not None else "labels")
        else:
            evidence.append("none")
            continue
        # labels overruled by the floor and the visibility together are a confident relabelling;
        # any other decisive cue against the choice makes the run's sides uncertain
        against = [v is not None and v != choice for v in (floor, seen)]
        if any(against) or (named is not None and named != choice and not (floor == choice and seen == choice)):
            evidence.append("conflict")
        sides[m] = np.where((par == 0) == choice, near, far)
    c["side"] = sides
    c["step"] = n_step
    c["run"] = run
    return SideAssignment(c.drop(columns="fragment"), int((c.side != c.label).sum()), dropped.drop(columns="fragment"),
                          tuple(evidence))


def leg_label_anchors(assigned: pd.DataFrame, xy: np.ndarray, *, leg_px: float, min_gap_leg: float = 0.08) -> np.ndarray:
    """(T,) int per frame for ``cleaning.fix_leg_swaps(anchors=...)``.

    Inside each contact's stance (IC to TO frame, cut at the next contact's IC) the stance foot is
    the lower one. Where the two
    labelled feet's lowest points differ by more than ``min_gap_leg`` leg lengths in image height,
    the frame is anchored: 0 when the lower foot carries the contact's assigned side's label, 1 when
    it carries the other one (legs swapped there). Everywhere else -1 (free: continuity decides),
    also where two stances overlap with different verdicts."""
    n = len(xy)
    out = np.full(n, -1, dtype=np.int8)
    y_low = {s: -lowest_point(xy, (s,)) for s in ("left", "right")}  # image y of each foot's lowest point
    c = assigned.sort_values("ic")
    nxt = np.r_[c.ic.to_numpy()[1:], n]
    for r, following in zip(c.itertuples(), nxt):
        if r.tc < 0:
            continue
        a, b = max(0, int(r.ic)), min(n - 1, int(r.tc), int(following) - 1)  # a stance ends by the next touch-down
        if b < a:
            continue
        d = y_low[r.side][a:b + 1] - y_low["right" if r.side == "left" else "left"][a:b + 1]  # > 0: own label lower
        v = np.full(b - a + 1, -1, dtype=np.int8)
        v[d > min_gap_leg * leg_px] = 0
        v[d < -min_gap_leg * leg_px] = 1
        seg = out[a:b + 1]
        clash = (seg >= 0) & (v >= 0) & (seg != v)
        take = (seg < 0) & (v >= 0)
        seg[take] = v[take]
        seg[clash] = -1
    return out
