"""From raw landmarks to gait events and metrics with confidence: ``analyze_gait``.

Decisions (measured on the shared clips and synthetic series, see ``docs/metrics.md``):

* No runner: a pose in fewer than 50 % of frames -> ``NoRunnerDetectedError``.
* No gait: no complete stride; fewer than ``EventConfig.min_strides`` strides whose cadence is
  more than 10 % off the spectral cadence; stride times too irregular (IQR / median > 0.25); steps
  not alternating (step-time IQR / median > 0.30: dribbling, drills); or a step rate below 70 spm
  with a walking-like duty factor (> 0.5; > 0.65 from zeni events, whose stances run long: lunges,
  standing exercises) -> ``NoGaitDetectedError``.
  One or two strides that match the spectral cadence are a result, with a warning and low confidence.
* Slowed footage: feet alternating below 100 steps/min -> event windows stretched by that factor
  (``events.detect_contacts(time_scale=...)``); running below 135 spm -> warning suggesting
  ``--capture-fps`` and every confidence capped at ``SLOWMO_CONFIDENCE``. Side view: when the default events are too
  few or irregular, the steadier ``zeni`` events are used (contact/flight/duty then not reported);
  in any view, when the events give fewer than ``min_strides`` strides (a short or receding pass,
  feet too small or mislabelled), steps come from the pelvis bounce (``frontal_events.bounce_contacts``),
  kept only when very regular or within 10 % of the spectral cadence (``_bounce_ok``), and only
  cadence and step/stride times are reported.
* Walking (median duty factor > 0.5 in a side view; in rear/front views a swing shank that never
  folds, ``views.swing_shank_ratio`` > 0.70, and fewer than 135 steps/min, with steps from the feet's alternation when the pelvis
  gives no steady rhythm, ``frontal_events.alternation_contacts``): temporal metrics are reported
  with a "walking, not running" caveat in every ``MetricValue.reason`` and in the warnings; walking
  below 70 spm is flagged as slowed footage like slow running. When the tracked person changes
  (``cleaning.longest_track``), the spectral cadence and the walking steps use the longest stretch
  with one person (a warning says so). Running-specific interpretation is up
  to the assessment, which should skip clips whose ``activity`` is not ``running``.
* Side views, left/right: the legs' labels are fixed per frame by continuity (``cleaning.fix_leg_swaps``),
  then per contact by the step alternation L, R, L, R (``contact_sides.assign_contact_sides``: which
  parity is near from the feet's landing height, the pose model's visibility and its labels; a
  "left/right uncertain" warning when they disagree); stances whose labels disagree are relabelled
  and the pose cleaned again, so per-side metrics use the right leg.
* Pelvic drop comes only from the waistband edge (``pose.features['waist_*']``), never from the hip
  landmarks; it is NaN with the clothing advice when the edge is not visible or not pelvis-attached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from formcheck import contact_sides as cs
from formcheck import events as ev
from formcheck import geometry as g
from formcheck import metrics as mx
from formcheck.cleaning import clean_pose, longest_track
from formcheck.config import AnalysisConfig
from formcheck.errors import NoGaitDetectedError, NoRunnerDetectedError
from formcheck.frontal_events import (
    ALT_METHOD,
    BOUNCE_METHOD,
    alternation_contacts,
    bounce_contacts,
    frontal_contacts,
    waist_rows_for_timing,
)
from formcheck.landmarks import Landmark as L
from formcheck.types import MetricValue, PoseSeries, RunnerInfo, ViewEstimate
from formcheck.views import (
    WALK_MIN_SHANK_RATIO,
    classify_setting,
    classify_view,
    facing_sign,
    swing_shank_ratio,
)

MIN_DETECTION_RATE = 0.5
CADENCE_AGREE_SPM = 2.0
SLOWMO_RUN_CADENCE_SPM = 135.0
MAX_STRIDE_IQR = 0.25  # stride-time IQR / median above this: no steady gait
MAX_STEP_IQR = 0.30  # step-time IQR / median above this: feet not alternating regularly (dribbling, drills)
FEW_STRIDES_AGREE = 0.10  # fewer than min_strides strides: kept only within 10 % of the spectral cadence
FAST_RUN_CADENCE_SPM = 200.0
SLOWMO_CONFIDENCE = 0.1  # every confidence is capped at this on suspected slow-motion footage: below the
# assessment's min_to_rate (0.2, data/rules.toml), so nothing from such a clip is rated or cued
SLOW_GAIT_SPM = 100.0  # feet alternating slower than this: slowed footage, stretch the event windows
SLOWMO_WALK_CADENCE_SPM = 70.0  # walking below this: slowed footage (flagged like slow running)
ZENI_WALK_DUTY = 0.65  # zeni duty factors above this: feet sharing the ground (its stances run long)
BOUNCE_MAX_STRIDE_IQR = 0.06  # pelvis-bounce strides kept only this regular (running clips 0.01-0.05, dribbling 0.11)
ALT_BAND_SPM = (70.0, 220.0)  # step-rate band of the foot-alternation detector at real-time pace
MIN_WAIST_WIDTH_PX = 40.0  # waist edge shorter than this: tilt too coarse (synthetic 640x480 runner: 44 px)
NOT_MEASURABLE_PELVIS = ("not measurable: wear a tucked/tight top with contrasting shorts, "
                         "or a belt/tape at the waist")


@dataclass(frozen=True, eq=False)
class GaitResult:
    clean: PoseSeries
    view: ViewEstimate
    activity: str
    contacts: pd.DataFrame
    rejected: pd.DataFrame
    strides: pd.DataFrame
    metrics: dict[str, MetricValue]
    warnings: tuple[str, ...]
    setting: str = "stationary"
    spectral_cadence_spm: float = float("nan")


def spectral_cadence_spm(xy: np.ndarray, t_s: np.ndarray, *, lo_spm: float = 36.0, hi_spm: float = 270.0) -> float:
    """Step rate from the spectrum: hip-midpoint height (1 peak per step) plus the left-right foot
    height difference (1 peak per stride) at half the frequency, ``lo_spm``-``hi_spm``, sub-bin refined."""
    fs = 1.0 / np.median(np.diff(t_s))
    hip_y = 0.5 * (xy[:, L.LEFT_HIP, 1] + xy[:, L.RIGHT_HIP, 1])
    diff = np.fmax(xy[:, L.LEFT_HEEL, 1], xy[:, L.LEFT_FOOT_INDEX, 1]) - np.fmax(xy[:, L.RIGHT_HEEL, 1], xy[:, L.RIGHT_FOOT_INDEX, 1])
    n = 16 * int(2 ** np.ceil(np.log2(len(t_s))))
    f = np.fft.rfftfreq(n, 1.0 / fs)

    def spec(x):
        ok = np.isfinite(x)
        if ok.sum() < 0.5 * len(x):
            return np.zeros_like(f)
        y = np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])
        y = y - np.polyval(np.polyfit(np.arange(len(y)), y, 2), np.arange(len(y)))
        p = np.abs(np.fft.rfft(y * np.hanning(len(y)), n)) ** 2
        return p / (p.max() + 1e-12)

    p_hip, p_diff = spec(hip_y), spec(diff)
    score = p_hip + np.interp(f / 2, f, p_diff)
    band = (f >= lo_spm / 60.0) & (f <= hi_spm / 60.0)
    if not band.any() or score[band].max() <= 0:
        return float("nan")
    i = np.flatnonzero(band)[np.argmax(score[band])]
    if 0 < i < len(f) - 1:
        a, b, c = score[i - 1 : i + 2]
        den = a - 2 * b + c
        i = i + (float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if den != 0 else 0.0)
    return float(60.0 * i * (f[1] - f[0]))


def stride_rate_spm(xy: np.ndarray, t_s: np.ndarray) -> float:
    """Step rate (2 x strides/min) from the left-right foot height difference alone, 10-270 spm.

    Drift-free (a difference of two feet), so its band can reach down to heavily slowed footage,
    where the hip signal's low-frequency camera drift would win. Used only to set the time scale."""
    diff = np.fmax(xy[:, L.LEFT_HEEL, 1], xy[:, L.LEFT_FOOT_INDEX, 1]) - np.fmax(xy[:, L.RIGHT_HEEL, 1], xy[:, L.RIGHT_FOOT_INDEX, 1])
    ok = np.isfinite(diff)
    if ok.sum() < max(10, 0.5 * len(diff)):
        return float("nan")
    fps = 1.0 / np.median(np.diff(t_s))
    per = ev.dominant_period_frames(diff, lo=fps * 120.0 / 270.0, hi=min(len(diff), fps * 120.0 / 10.0))
    return float(120.0 * fps / per) if np.isfinite(per) else float("nan")


def _waist_measurable(features: dict, xy: np.ndarray, stance: np.ndarray) -> tuple[bool, str]:
    """Is a pelvis-attached edge visible? Needs the edge found in most frames, with contrast and
    coverage, sitting above the hip landmarks, and not simply following the shoulder line (a hem
    of a loose top moves with the trunk)."""
    need = ("waist_tilt_deg", "waist_strength", "waist_coverage", "waist_rel_y_frac")
    if not all(k in features for k in need):
        return False, "no waistband features in the pose series (pose estimated without image features)"
    tilt = np.asarray(features["waist_tilt_deg"], float)
    found = np.isfinite(tilt) & (np.nan_to_num(features["waist_coverage"]) >= 0.6) & (np.nan_to_num(features["waist_strength"]) >= 8)
    if found.mean() < 0.6:
        return False, f"waistband edge found in only {100 * found.mean():.0f}% of frames"
    rel = np.nanmedian(np.asarray(features["waist_rel_y_frac"], float)[found])
    if rel > -0.05:
        return False, f"the strongest edge sits at the hips (rel. height {rel:+.2f} torso), like a hem, not a waistband"
    width = float(np.nanmedian(np.asarray(features.get("waist_width_px", np.full(len(tilt), np.nan)), float)[found]))
    if np.isfinite(width) and width < MIN_WAIST_WIDTH_PX:
        return False, (f"the runner is too small in the frame: the waist edge spans {width:.0f} px (at least "
                       f"{MIN_WAIST_WIDTH_PX:.0f} px needed, 1 deg = {width * 0.0175:.1f} px over it); film closer")
    with np.errstate(all="ignore"):
        sh_tilt = g.image_tilt_deg(xy[:, L.LEFT_SHOULDER], xy[:, L.RIGHT_SHOULDER])
    ok = found & np.isfinite(sh_tilt)
    if ok.sum() > 20:
        a, b = tilt[ok] - np.median(tilt[ok]), sh_tilt[ok] - np.median(sh_tilt[ok])
        if np.std(a) > 0 and np.std(b) > 0:
            r = float(np.corrcoef(a, b)[0, 1])
            gain = float(np.dot(a, b) / np.dot(b, b))
            if r > 0.8 and 0.6 < gain < 1.6:
                return False, f"the edge tilts with the shoulders (r {r:.2f}, gain {gain:.2f}): it is on the trunk"
            if abs(r) > 0.85:  # loose synthetic top: r -0.90; tucked waistband |r| <= 0.61 with trunk roll 0-8 deg
                return False, f"the edge tilt is locked to the shoulder line (r {r:.2f}): it moves with the trunk, like a hem"
    if rel > -0.08:
        return True, (f"the edge sits close to the hip joints (rel. height {rel:+.2f} torso): if a loose top or "
                      "jacket ends there, this is its hem and measures the trunk")
    return True, ""


def _iqr_rel(x) -> float:
    """Interquartile range over the median (the regularity of stride or step times)."""
    x = np.asarray(x, float)
    return float((np.percentile(x, 75) - np.percentile(x, 25)) / np.median(x))


def _spectral(xy: np.ndarray, t: np.ndarray, time_scale: float) -> float:
    """``spectral_cadence_spm`` over 36-270 steps/min of gait time (slowed by ``time_scale``)."""
    return spectral_cadence_spm(xy, t, lo_spm=36.0 / time_scale, hi_spm=270.0 / time_scale)


def _steady(strides: pd.DataFrame, config: AnalysisConfig) -> bool:
    """Enough strides with regular stride times (IQR <= 25 % of the median) and regular steps (the
    step-time test ``analyze_gait`` applies later, so a fallback is tried before a refusal)."""
    if len(strides) < config.events.min_strides:
        return False
    st = strides.stride_time_s.to_numpy()
    if _iqr_rel(st) > MAX_STRIDE_IQR:
        return False
    stp = _all_step_times(strides)
    return len(stp) < 4 or _iqr_rel(stp) <= MAX_STEP_IQR


def _all_step_times(strides: pd.DataFrame) -> np.ndarray:
    """Both steps of every stride (this foot's IC to the other's, and back): how regularly the feet
    alternate, whichever foot each step is credited to in the per-side summaries."""
    if not len(strides):
        return np.array([])
    return np.r_[(strides.other_ic_s - strides.start_s).to_numpy(), (strides.end_s - strides.other_ic_s).to_numpy()]


def _detect(xy, t, facing, leg_px, method, config, time_scale, merge_lifts=True, waist_y_px=None):
    ec = config.events
    if method == "frontal":
        contacts, rejected = frontal_contacts(xy, t, min_contact_time_s=ec.min_contact_time_s,
                                              max_contact_time_s=ec.max_contact_time_s, waist_y_px=waist_y_px)
        strides, bad = ev.build_strides(contacts, max_stride_time_s=ec.max_stride_time_s * time_scale)
        return contacts, rejected, strides, bad, time_scale
    if method == BOUNCE_METHOD:
        contacts, rejected = bounce_contacts(xy, t, lo_spm=ALT_BAND_SPM[0] / time_scale, hi_spm=ALT_BAND_SPM[1] / time_scale,
                                             min_contact_time_s=ec.min_contact_time_s,
                                             max_contact_time_s=ec.max_contact_time_s * time_scale)
        strides, bad = ev.build_strides(contacts, max_stride_time_s=ec.max_stride_time_s * time_scale)
        return contacts, rejected, strides, bad, time_scale
    if method == ALT_METHOD:
        contacts, rejected = alternation_contacts(xy, t, leg_px=leg_px, lo_spm=ALT_BAND_SPM[0] / time_scale,
                                                  hi_spm=ALT_BAND_SPM[1] / time_scale,
                                                  min_contact_time_s=ec.min_contact_time_s,
                                                  max_contact_time_s=ec.max_contact_time_s * time_scale)
        strides, bad = ev.build_strides(contacts, max_stride_time_s=ec.max_stride_time_s * time_scale)
        return contacts, rejected, strides, bad, time_scale
    contacts, rejected = ev.detect_contacts(xy, t, facing=facing, leg_px=leg_px, method=method, time_scale=time_scale,
                                            merge_lifts=merge_lifts,
                                            min_contact_time_s=ec.min_contact_time_s, max_contact_time_s=ec.max_contact_time_s)
    strides, bad = ev.build_strides(contacts, max_stride_time_s=ec.max_stride_time_s * time_scale)
    return contacts, rejected, strides, bad, time_scale


def _detect_with_time_scale(xy, t, facing, leg_px, method, config, merge_lifts=True, waist_y_px=None):
    """Events at real-time pace; when that finds fewer than ``min_strides`` strides and the feet
    alternate much slower than any gait (a step rate below ``SLOW_GAIT_SPM`` from the foot-height
    difference, i.e. slowed footage), again with every window stretched by the time scale; the
    attempt with more valid strides wins."""
    first = _detect(xy, t, facing, leg_px, method, config, 1.0, merge_lifts, waist_y_px)
    if len(first[2]) >= config.events.min_strides:
        return first
    rate = stride_rate_spm(xy, t)
    if not (np.isfinite(rate) and rate < SLOW_GAIT_SPM):
        return first
    second = _detect(xy, t, facing, leg_px, method, config, SLOW_GAIT_SPM / rate, merge_lifts, waist_y_px)
    return second if len(second[2]) > len(first[2]) else first


def _labels_by_alternation(pose, clean, rep, view_name, facing, leg_px, config, passes: int = 3):
    """Side views: contacts alternate L, R, L, R. Events are detected, their sides assigned by the
    alternation (``contact_sides.assign_contact_sides``; stances from the ``height`` method); where a stance's labels disagree, the legs are
    anchored to the assigned side over that stance and the pose is cleaned again (continuity decides
    between stances, ``cleaning.fix_leg_swaps``). Repeated (up to ``passes`` times) while contacts
    still change sides: cleaner labels give cleaner contacts. Returns (clean, report, contacts
    relabelled in the first pass, the last pass's ``SideAssignment.evidence``)."""
    first = None
    anchors_raw = None
    for _ in range(passes):
        # stances from the foot height alone: which foot is on the floor, whatever the event method
        contacts, rejected, _, _, time_scale = _detect_with_time_scale(clean.xy, clean.t_s, facing, leg_px, "height", config,
                                                                       merge_lifts=False)
        # stances cut short where a label jumped to the other leg take part too (they merge with their other half)
        cut = rejected[rejected.reason.str.startswith(("contact shorter", "no toe-off"))] if len(rejected) else rejected
        spm = _spectral(clean.xy, clean.t_s, time_scale)
        sa = cs.assign_contact_sides(contacts, clean.xy, facing=facing, leg_px=leg_px, fragments=cut,
                                     step_s=60.0 / spm if np.isfinite(spm) else None,
                                     visibility=cs.visibility_in_labels(pose.visibility, rep.leg_swapped))
        first = sa.relabelled if first is None else first
        anchors = cs.leg_label_anchors(sa.contacts, clean.xy, leg_px=leg_px)
        if sa.relabelled == 0 or not (anchors == 1).any():
            break
        new = np.where(anchors >= 0, anchors ^ rep.leg_swapped.astype(np.int8), -1)  # relative to the model's labels
        if anchors_raw is not None:  # keep earlier passes' anchors where this pass has none
            new = np.where(new >= 0, new, anchors_raw)
        anchors_raw = new
        clean, rep = clean_pose(pose, config.cleaning, view=view_name, leg_anchors=anchors_raw)
    return clean, rep, first or 0, sa.evidence


def _bounce_ok(strides: pd.DataFrame, xy, t, time_scale: float, config: AnalysisConfig) -> bool:
    """Pelvis-bounce steps are a weaker cue than foot events: kept with ``min_strides`` strides only
    when the strides are very regular (stride-time IQR / median <= ``BOUNCE_MAX_STRIDE_IQR``; the
    later step-time test still applies), with fewer only within ``FEW_STRIDES_AGREE`` of the spectral
    cadence."""
    if len(strides) >= config.events.min_strides:
        st = strides.stride_time_s.to_numpy()
        return _iqr_rel(st) <= BOUNCE_MAX_STRIDE_IQR
    sp = _spectral(xy, t, time_scale)
    return bool(np.isfinite(sp) and abs(120.0 / np.median(strides.stride_time_s) - sp) <= FEW_STRIDES_AGREE * sp)


def _half_cadences(xy, t, strides, time_scale) -> tuple[float, float, float, float] | None:
    """Spectral and event cadence of the first and second half of the clip when both estimates say
    the pace changed between the halves (each by more than ``CADENCE_AGREE_SPM``, the same way), else None."""
    if len(t) < 120 or len(strides) < 2 * 3:
        return None
    mid = t[len(t) // 2]
    m = t < mid
    sp = [_spectral(xy[k], t[k], time_scale) for k in (m, ~m)]
    first = (strides.start_s + strides.end_s) / 2 < mid
    if first.sum() < 3 or (~first).sum() < 3:
        return None
    evc = [float(120.0 / np.median(strides.stride_time_s[k])) for k in (first, ~first)]
    ds, de = sp[1] - sp[0], evc[1] - evc[0]
    if not (np.isfinite(ds) and abs(ds) > CADENCE_AGREE_SPM and abs(de) > CADENCE_AGREE_SPM and ds * de > 0):
        return None
    return sp[0], sp[1], evc[0], evc[1]


def _activity(strides: pd.DataFrame, view: str, cadence: float, method: str = "height",
              shank_ratio: float = float("nan")) -> str:
    """Walking when the feet share the ground (median duty factor above 0.5 in a side view, 0.55 in
    other views, 0.65 with zeni events, whose toe-off comes late); otherwise running, whatever the
    cadence (slowed footage has a low cadence and still a flight phase). Rear/front stance windows
    (``frontal``/``alternation``/``bounce`` events) have a fixed width, so there the swing knee and the
    step rate decide: walking when the swing shank never folds (``views.swing_shank_ratio`` above
    ``WALK_MIN_SHANK_RATIO``) and the steps are slower than running (below ``SLOWMO_RUN_CADENCE_SPM``;
    a small, receding runner's knee fold can be lost: 0.88 on one at 167 spm).
    Without a duty factor: running from 70 steps/min up."""
    if method in ("frontal", ALT_METHOD, BOUNCE_METHOD) and view in ("rear", "front") and np.isfinite(shank_ratio):
        return "walking" if shank_ratio > WALK_MIN_SHANK_RATIO and cadence < SLOWMO_RUN_CADENCE_SPM else "running"
    duty = float(np.median(strides.contact_time_s / strides.stride_time_s)) if len(strides) else np.nan
    if np.isfinite(duty):
        limit = ZENI_WALK_DUTY if method == "zeni" else 0.5 if view == "side" else 0.55
        return "walking" if duty > limit else "running"
    return "running" if cadence >= 70 else "walking"


def analyze_gait(pose: PoseSeries, runner: RunnerInfo, config: AnalysisConfig = AnalysisConfig()) -> GaitResult:
    """Clean, classify, detect events and compute metrics (see the module docstring).

    Raises
    ------
    NoRunnerDetectedError : a pose in < 50 % of frames.
    NoGaitDetectedError : a person but no regular alternating steps.
    """
    warnings: list[str] = []
    rate = pose.detection_rate
    if len(pose) < 10 or rate < MIN_DETECTION_RATE:
        raise NoRunnerDetectedError(f"no runner detected: a person was found in {100 * rate:.0f}% of {len(pose)} frames "
                                    f"(at least {100 * MIN_DETECTION_RATE:.0f}% needed)")
    det = pose.detected
    view, vfeat = classify_view(pose.xy[det], pose.t_s[det], user_view=runner.view)
    if view.source == "user" and view.reason:
        warnings.append(f"view: you said {view.name}, but the {view.reason}")
    elif view.name == "oblique":
        warnings.append(f"view looks oblique ({view.reason}): side- and rear-view metrics are less accurate")
    clean, rep = clean_pose(pose, config.cleaning, view=view.name)
    xy, t = clean.xy, clean.t_s
    fps = clean.fps
    setting = classify_setting(vfeat, treadmill_speed_mps=runner.treadmill_speed_mps, view=view.name)
    facing = facing_sign(xy) if view.name in ("side", "oblique") else 1.0
    if view.name in ("side", "oblique"):
        view = ViewEstimate(view.name, view.confidence, "right" if facing > 0 else "left", view.source, view.reason)
    near = cs.near_side(facing)
    leg_px = g.leg_length_px(xy[:, L[f"{near.upper()}_HIP"]], xy[:, L[f"{near.upper()}_KNEE"]], xy[:, L[f"{near.upper()}_ANKLE"]])
    method = config.events.method if config.events.method != "auto" else ev.DEFAULT_METHOD
    if view.name in ("side", "oblique"):
        clean, rep, n_relabelled, side_evidence = _labels_by_alternation(pose, clean, rep, view.name, facing, leg_px, config)
        if "conflict" in side_evidence:
            warnings.append("left/right uncertain: the pose model's near/far legs and the feet's landing height in the image "
                            "disagree (feet landing across the midline, a camera at floor level, or mirrored labels); "
                            "per-side values may belong to the other leg")
        xy = clean.xy
        if n_relabelled:
            warnings.append(f"{n_relabelled} contacts were labelled with the wrong foot by the pose model; left/right "
                            "were reassigned from the step alternation and the legs relabelled over those stances")
    if view.name in ("rear", "front") and config.events.method == "auto":
        method = "frontal"  # foot height fails from behind/in front (formcheck/frontal_events.py)
    elif view.name in ("rear", "front") and method == "zeni":
        method = "height"
    waist_y = waist_rows_for_timing(clean.features) if view.name in ("rear", "front") else None
    contacts, rejected, strides, bad_strides, time_scale = _detect_with_time_scale(
        xy, t, facing, leg_px, method, config, waist_y_px=waist_y)
    shank = swing_shank_ratio(xy) if view.name in ("rear", "front") else float("nan")
    # one person's frames (a crowd: the longest stretch before the tracked person changes) for the
    # spectral cadence and the walking steps
    tr0, tr1, switches = longest_track(pose.xy)
    span = slice(tr0, tr1)
    if method == "frontal" and shank > WALK_MIN_SHANK_RATIO and not _steady(strides, config):
        # a walker's pelvis barely bounces: steps from the feet's alternation (frontal_events.py, "Fallback")
        xy_alt = xy.copy()
        xy_alt[:tr0], xy_alt[tr1:] = np.nan, np.nan
        alt = _detect_with_time_scale(xy_alt, t, facing, leg_px, ALT_METHOD, config)
        if len(alt[2]) > len(strides):
            contacts, rejected, strides, bad_strides, time_scale = alt
            method = ALT_METHOD
    if config.events.method == "auto" and view.name in ("side", "oblique") and not _steady(strides, config):
        alt = _detect_with_time_scale(xy, t, facing, leg_px, "zeni", config)
        if _steady(alt[2], config) or len(alt[2]) > 2 * len(strides):
            contacts, rejected, strides, bad_strides, time_scale = alt
            method = "zeni"
            warnings.append(f"{ev.DEFAULT_METHOD} events were too few or irregular here; events come from the foot position "
                            "relative to the hips (zeni): cadence is reliable, contacts start early and end late, so "
                            "contact time, flight time and duty factor are not reported")
    if config.events.method == "auto" and len(strides) < config.events.min_strides:
        # a short or receding pass with feet too small or mislabelled for foot events: steps from the pelvis bounce
        bn = _detect(xy, t, facing, leg_px, BOUNCE_METHOD, config, time_scale)
        if len(bn[2]) > len(strides) and _bounce_ok(bn[2], xy[span], t[span], time_scale, config):
            contacts, rejected, strides, bad_strides, time_scale = bn
            method = BOUNCE_METHOD
    if switches:
        at = ", ".join(f"{t[i]:.1f}" for i in switches[:4]) + (" ..." if len(switches) > 4 else "")
        what = "steps and the spectral cadence come from" if method == ALT_METHOD else "the spectral cadence comes from"
        warnings.append(f"the tracked person changes (or the pose jumps) {len(switches)} time{'s' if len(switches) > 1 else ''} "
                        f"(at {at} s): {what} the longest stretch with one person, {t[tr0]:.1f}-{t[tr1 - 1]:.1f} s")
    if method == ALT_METHOD:
        warnings.append("the pelvis gives no steady step rhythm: steps come from which foot is lower in the image, "
                        "so only cadence and step/stride times are reported")
    elif method == BOUNCE_METHOD:
        warnings.append("too few foot events (feet small, hidden or mislabelled): steps come from the pelvis bounce, "
                        "so only cadence and step/stride times are reported")
    if time_scale > 1:
        warnings.append(f"the feet alternate {time_scale:.1f}x slower than any running or walking gait: events were "
                        "searched with windows stretched to match (slow-motion footage?)")
    n_str = len(strides)
    if n_str < 1:
        raise NoGaitDetectedError(f"no running or walking gait detected: no complete stride (IC to the next IC of the "
                                  f"same foot with the other foot's IC in between); {len(contacts)} contacts kept, "
                                  f"{len(rejected)} rejected")
    if n_str < config.events.min_strides:
        warnings.append(f"only {n_str} valid stride{'s' if n_str > 1 else ''} (at least {config.events.min_strides} "
                        "wanted): every value is low confidence; film >= 10 s of steady running")
    st = strides.stride_time_s.to_numpy()
    irregular = _iqr_rel(st)
    cadence = ev.cadence_spm_from_strides(st)
    duty = float(np.median(strides.contact_time_s / strides.stride_time_s))
    if irregular > MAX_STRIDE_IQR:
        raise NoGaitDetectedError(f"no steady gait detected: stride times vary too much (IQR {100 * irregular:.0f}% of the median)")
    stp = _all_step_times(strides)
    step_irr = _iqr_rel(stp)
    if len(stp) >= 4 and step_irr > MAX_STEP_IQR:
        raise NoGaitDetectedError(f"no steady gait detected: the feet do not alternate regularly (step-time IQR "
                                  f"{100 * step_irr:.0f}% of the median; running is below {100 * MAX_STEP_IQR:.0f}%)")
    if cadence < 70 and duty > (ZENI_WALK_DUTY if method == "zeni" else 0.5):  # zeni contacts start early, end late
        raise NoGaitDetectedError(f"no running or walking gait detected: {cadence:.0f} steps/min with "
                                  f"{100 * duty:.0f}% ground contact looks like a strength exercise")
    spectral = _spectral(xy[span], t[span], time_scale)
    if n_str < config.events.min_strides and not (np.isfinite(spectral) and abs(cadence - spectral) <= FEW_STRIDES_AGREE * spectral):
        raise NoGaitDetectedError(f"no running or walking gait detected: only {n_str} stride{'s' if n_str > 1 else ''}, and "
                                  f"their {cadence:.0f} steps/min do not match the body's rhythm ({spectral:.0f} steps/min)")
    activity = _activity(strides, view.name, cadence, method, shank)
    caveat = ""
    slowmo = False
    if activity == "walking":
        caveat = "walking, not running: running norms do not apply"
        why = (f"the swing knee never folds: shank ratio {shank:.2f}" if method in ("frontal", ALT_METHOD, BOUNCE_METHOD)
               else f"duty factor {duty:.2f}")
        warnings.append(f"walking, not running ({why}): temporal metrics are reported for walking; "
                        "running metrics not rated")
        if cadence < SLOWMO_WALK_CADENCE_SPM:
            slowmo = True
            warnings.append(f"cadence {cadence:.0f} steps/min is implausibly low even for walking: if this is slow-motion "
                            "footage, pass the real capture rate with --capture-fps (every value is low confidence until then)")
    elif cadence < SLOWMO_RUN_CADENCE_SPM:
        slowmo = True
        warnings.append(f"cadence {cadence:.0f} steps/min is implausibly low for running: if this is slow-motion footage, "
                        "pass the real capture rate with --capture-fps (every value is low confidence until then)")
    elif cadence > FAST_RUN_CADENCE_SPM:
        warnings.append(f"cadence {cadence:.0f} steps/min is above the usual running range (140-{FAST_RUN_CADENCE_SPM:.0f}): "
                        "sprinting, or extra events from a second person or a leg swap")

    # metrics per stride
    m_per_px = g.m_per_px_from_height(leg_px, runner.height_m)
    if view.name in ("side", "oblique"):
        cols = mx.side_stride_metrics(xy, t, strides, facing=facing, leg_px=leg_px, m_per_px=m_per_px,
                                      treadmill_speed_mps=runner.treadmill_speed_mps)
        waist_ok, waist_reason = False, "needs a rear or front view"
    else:
        waist = clean.features.get("waist_tilt_deg")
        stance = np.zeros(len(t), bool)
        waist_ok, waist_reason = _waist_measurable(clean.features, xy, stance)
        cols = mx.frontal_stride_metrics(xy, t, strides, view=view.name, m_per_px=m_per_px,
                                         waist_tilt_deg=np.asarray(waist, float) if waist_ok else None)
    strides = pd.concat([strides, cols], axis=1)
    strides["cadence_spm"] = 120.0 / strides.stride_time_s
    strides["duty_factor"] = strides.contact_time_s / strides.stride_time_s

    metrics = _summaries(strides, view, fps, clean, caveat, runner, m_per_px, waist_ok, waist_reason)
    metrics["cadence_spm"] = _robust_cadence(metrics["cadence_spm"], strides)
    ev_cad = metrics["cadence_spm"].value
    if np.isfinite(spectral) and abs(spectral - ev_cad) > CADENCE_AGREE_SPM:
        halves = _half_cadences(xy[span], t[span], strides, time_scale)
        why = "events may be missed or the pace changes"
        if halves is not None:
            why = (f"the pace changes: {halves[0]:.0f} then {halves[1]:.0f} steps/min (spectral, first and second half; "
                   f"events {halves[2]:.0f} then {halves[3]:.0f})")
        warnings.append(f"event-based cadence {ev_cad:.1f} and spectral cadence {spectral:.1f} steps/min disagree "
                        f"by more than {CADENCE_AGREE_SPM:.0f}: {why}")
    metrics["cadence_spm"] = _with_extra(metrics["cadence_spm"], spectral_spm=spectral)
    if method in (BOUNCE_METHOD, ALT_METHOD):
        why = ("steps from the pelvis bounce only" if method == BOUNCE_METHOD else
               "steps from the feet's alternation, whose instant is not mid-stance")
        for name, mv in metrics.items():
            if name not in ("cadence_spm", "step_time_s", "stride_time_s"):
                metrics[name] = MetricValue(name, float("nan"), mv.unit, reason=f"not reported: {why}")
    if method == "zeni":
        for name in ("contact_time_s", "flight_time_s", "duty_factor"):
            metrics[name] = MetricValue(name, float("nan"), metrics[name].unit,
                                        reason="not reported: events from the foot position relative to the hips (zeni fallback)")
    if slowmo:
        import dataclasses

        metrics = {k: dataclasses.replace(v, confidence=min(v.confidence, SLOWMO_CONFIDENCE)) for k, v in metrics.items()}
    if fps < 60:
        warnings.append(f"{fps:.0f} fps: contact and flight times are hidden below 60 fps and approximate below 100 fps; film at 120 fps")
    if len(rejected) > 0.3 * max(1, len(contacts) + len(rejected)):
        warnings.append(f"{len(rejected)} of {len(contacts) + len(rejected)} detected contacts were rejected (see rejected events)")
    if rep.leg_swapped_frames > 0.05 * len(t):
        warnings.append(f"left/right legs were swapped by the pose model in {rep.leg_swapped_frames} frames and corrected")
    if view.name in ("side", "oblique"):
        warnings.append(f"the {'right' if near == 'left' else 'left'} leg is the far leg: its values are less reliable; "
                        "film the other side too before reading left/right asymmetry")
    if len(bad_strides):
        rej_str = bad_strides.assign(ic=bad_strides.start, tc=bad_strides.tc)
        rejected = pd.concat([rejected, rej_str.reindex(columns=rejected.columns)], ignore_index=True)
    return GaitResult(clean=clean, view=view, activity=activity, contacts=contacts, rejected=rejected,
                      strides=strides, metrics=metrics, warnings=tuple(warnings), setting=setting,
                      spectral_cadence_spm=spectral)


def _robust_cadence(m: MetricValue, strides: pd.DataFrame) -> MetricValue:
    """The cadence summary with its value (and each side's) from ``events.cadence_spm_from_strides``
    (120 / mean inlier stride time, where event jitter cancels) instead of the per-stride median;
    q25/q75/n stay those of the per-stride cadences."""
    import dataclasses

    if not np.isfinite(m.value):
        return m
    sides = {}
    for side in ("left", "right"):
        sv = getattr(m, side)
        if sv is not None:
            v = ev.cadence_spm_from_strides(strides.loc[strides.side == side, "stride_time_s"].to_numpy())
            sides[side] = dataclasses.replace(sv, value=v) if np.isfinite(v) else sv
    return dataclasses.replace(m, value=ev.cadence_spm_from_strides(strides.stride_time_s.to_numpy()), **sides)


def _with_extra(m: MetricValue, **extra) -> MetricValue:
    import dataclasses

    return dataclasses.replace(m, extra={**m.extra, **extra})


def _summaries(strides, view, fps, clean, caveat, runner, m_per_px, waist_ok, waist_reason) -> dict[str, MetricValue]:
    out: dict[str, MetricValue] = {}
    vis = float(np.nanmean(clean.visibility[:, [23, 24, 25, 26, 27, 28, 29, 30, 31, 32]])) if np.isfinite(clean.visibility).any() else 0.5
    vname = "side" if view.name == "oblique" else view.name
    near = cs.near_side(1.0 if view.facing == "right" else -1.0) if vname == "side" else None
    for spec in mx.METRICS:
        ok_view = vname in spec.views
        col = spec.name
        if spec.name == "crossover_frac":
            col = "crossover"
        if spec.name == "arm_crossover_frac":
            col = "arm_crossover"
        reason = caveat
        if not ok_view:
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason=f"not measurable from a {view.name} view")
            continue
        if spec.timing and fps < 60:
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason=f"hidden below 60 fps ({fps:.0f} fps): one frame is too large a share of a contact")
            continue
        if spec.name == "pelvic_drop_deg" and not waist_ok:
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason=f"{NOT_MEASURABLE_PELVIS} ({waist_reason})")
            continue
        if spec.name.endswith(("_cm",)) and not np.isfinite(m_per_px) and spec.name != "overstride_cm":
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason="needs the runner's height for a pixel scale")
            continue
        if spec.name == "overstride_cm" and not np.isfinite(m_per_px):
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason="needs the runner's height; see overstride_leg")
            continue
        if spec.name in ("step_length_m", "stride_length_m") and runner.treadmill_speed_mps is None and not np.isfinite(m_per_px):
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason="needs the treadmill speed or the runner's height")
            continue
        if spec.timing and fps < 100:
            reason = "; ".join(x for x in (caveat, f"approximate at {fps:.0f} fps (one frame = {1000 / fps:.0f} ms)") if x)
        if col not in strides:
            out[spec.name] = MetricValue(spec.name, float("nan"), spec.unit, reason="not computed for this view")
            continue
        rows = strides
        if near is not None and spec.near_leg_only and "side" in strides:
            rows = strides[strides.side == near]
            reason = "; ".join(r for r in (reason, f"{near} (near) leg only: the far leg's landmarks are unreliable "
                                                   "in a side view; film the other side for the other leg") if r)
        x = rows[col].astype(float)
        med = np.nanmedian(x) if np.isfinite(x).any() else np.nan
        iqr_rel = (np.nanpercentile(x, 75) - np.nanpercentile(x, 25)) / abs(med) if np.isfinite(med) and med != 0 else 1.0
        if spec.unit == "deg":
            iqr_rel = (np.nanpercentile(x, 75) - np.nanpercentile(x, 25)) / 10.0 if np.isfinite(med) else 1.0
        conf = mx.confidence(view_conf=view.confidence, view_ok=True, fps=fps, timing=spec.timing, visibility=vis,
                             n=int(np.isfinite(x).sum()), iqr_rel=min(iqr_rel, 5.0))
        if spec.name == "pelvic_drop_deg" and waist_reason:
            reason = "; ".join(r for r in (reason, f"caveat: {waist_reason}") if r)
        if spec.name == "hip_adduction_deg" and not waist_ok:
            reason = "; ".join(r for r in (reason, "femoral adduction only (pelvis not measurable)") if r)
        if spec.name == "arm_crossover_frac" and not np.isfinite(x).any():
            reason = "wrists hidden (visibility < min_visibility): arm crossover needs a front view"
        if spec.name == "knee_fppa_deg":
            conf *= 0.5
            reason = "; ".join(r for r in (reason, "low confidence: 2D knee valgus does not track 3D knee abduction") if r)
        frac = spec.name.endswith("_frac")
        extra = {}
        if spec.name == "crossover_frac" and "foot_lateral_cm" in strides:
            extra = {"foot_lateral_px_median": float(np.nanmedian(strides.foot_lateral_px))}
        mv = mx.summarise_column(spec.name, rows, col, confidence=conf, reason=reason, frac=frac, extra=extra)
        if spec.name == "foot_strike_angle_deg":
            mv = _with_extra(mv, pattern=mx.strike_pattern(mv.value))
        out[spec.name] = mv
    return out
