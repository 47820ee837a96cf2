"""Combine several clips of one runner into one session (pure).

No single view measures everything: cadence, overstride and trunk lean come best from the side;
pelvic drop and crossover only from behind (or the front). ``combine_session`` takes each metric from
the clip whose view measures it best (``views`` in ``data/metrics.toml``, best first), and names that
clip in ``MetricValue.source`` (the view goes to ``extra["view"]``). One clip is the smallest session.

Choice per metric, in order:
1. clips whose view is suitable for the metric, measured values first, best view first, then higher
   confidence, then more strides (``n``);
2. only if no clip has a suitable view: any clip, measured first, with a caveat in ``reason``.
Metrics unknown to the knowledge base take the measured value with the highest confidence.

**Each leg from its own side.** A side view summarises the posture-at-contact metrics
(``formcheck.metrics`` specs with ``near_leg_only``: overstride, shank angle, knee flexion, foot
strike angle) over the near leg only. When the session has side clips filmed from both sides, so
that the left leg is the near leg in one and the right leg in another, ``combine_session`` takes
each leg from the clip where it was near (the best such clip by confidence, then strides). The
combined value is the mean of the two legs' medians (each leg counts once, however many strides
each clip had), ``q25``/``q75`` span both legs' quartiles (the lower q25 and the higher q75),
``n`` is the sum and ``confidence`` the lower of the two; ``source`` names both clips and
``extra["near_legs"] = "both"`` marks that left and right were both measured as near legs, so a
left/right difference is not the near/far bias of one view (``assessment.asymmetries``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from formcheck.types import MetricValue

if TYPE_CHECKING:  # pragma: no cover
    from formcheck.knowledge import Knowledge
    from formcheck.types import Analysis

ClipMetrics = tuple[str, str, Mapping[str, MetricValue]]  # (clip name, view name, metrics)


def _clip_triplet(clip: Analysis | ClipMetrics) -> ClipMetrics:
    if isinstance(clip, tuple):
        name, view, metrics = clip
        return str(name), str(view or "unknown"), metrics
    view = clip.view.name if getattr(clip, "view", None) is not None else ""
    if not view or view == "auto":
        runner_view = getattr(getattr(clip, "runner", None), "view", "auto")
        view = runner_view if runner_view != "auto" else "unknown"
    return clip.meta.path.name, view, clip.metrics


def _measured(mv: MetricValue) -> bool:
    return bool(math.isfinite(mv.value)) or any(
        sv is not None and math.isfinite(sv.value) for sv in (mv.left, mv.right))


def combine_session(clips: Sequence[Analysis | ClipMetrics], *,
                    knowledge: Knowledge | None = None) -> dict[str, MetricValue]:
    """One metric dict for the session, each metric from the clip that measures it best.

    Parameters
    ----------
    clips : sequence of Analysis or (clip_name, view_name, dict[str, MetricValue])
        The runner's clips. View names: side | rear | front (anything else ranks last).
    knowledge : Knowledge, optional
        Supplies each metric's preferred views; defaults to the packaged knowledge.

    Returns
    -------
    dict[str, MetricValue]
        Every metric any clip reported, with ``source`` = clip name and ``extra["view"]`` = its view.
        Empty when ``clips`` is empty.
    """
    if knowledge is None:
        from formcheck.knowledge import load_knowledge

        knowledge = load_knowledge()
    triplets = [_clip_triplet(c) for c in clips]
    names: list[str] = []
    for _clip, _view, metrics in triplets:
        names += [n for n in metrics if n not in names]
    out = {}
    for name in names:
        cands = [(clip, view, m[name]) for clip, view, m in triplets if name in m]
        out[name] = _near_legs_from_both_sides(name, cands) or _pick(name, cands, knowledge)
    return out


def _one_measured_side(mv: MetricValue) -> str | None:
    sides = [s for s in ("left", "right") if (sv := getattr(mv, s)) is not None and math.isfinite(sv.value)]
    return sides[0] if len(sides) == 1 else None


def _near_legs_from_both_sides(name: str, cands: list[tuple[str, str, MetricValue]]) -> MetricValue | None:
    """The combined value of a near-leg-only metric when side clips filmed from both sides give the
    left leg (near in one) and the right leg (near in another); None otherwise (module docstring)."""
    from formcheck.metrics import SPECS, strike_pattern

    spec = SPECS.get(name)
    if spec is None or not spec.near_leg_only:
        return None
    best: dict[str, tuple[str, MetricValue]] = {}
    for clip, view, mv in cands:
        side = _one_measured_side(mv) if view == "side" else None
        if side is None:
            continue
        if side not in best or (mv.confidence, mv.n) > (best[side][1].confidence, best[side][1].n):
            best[side] = (clip, mv)
    if set(best) != {"left", "right"}:
        return None
    (clip_l, mv_l), (clip_r, mv_r) = best["left"], best["right"]
    left, right = mv_l.left, mv_r.right
    origin = (f"left leg from {clip_l}, right leg from {clip_r}: each leg measured from its own side "
              "(the near leg of each side view)")
    reason = "; ".join(r for r in (origin, spec.caveat) if r)
    extra = {**(mv_l.extra or {}), **(mv_r.extra or {}), "view": "side", "near_legs": "both"}
    value = 0.5 * (left.value + right.value)
    if name == "foot_strike_angle_deg":
        extra["pattern"] = strike_pattern(value)
    return MetricValue(name, value, mv_r.unit, q25=min(left.q25, right.q25), q75=max(left.q75, right.q75),
                       n=left.n + right.n, confidence=min(mv_l.confidence, mv_r.confidence), left=left, right=right,
                       reason=reason, source=f"{clip_l} + {clip_r}", extra=extra)


def _pick(name: str, cands: list[tuple[str, str, MetricValue]], knowledge: Knowledge) -> MetricValue:
    spec = knowledge.metrics.get(name)
    views = spec.views if spec else ()

    def key(c):
        _clip, view, mv = c
        rank = views.index(view) if view in views else len(views)
        return (not _measured(mv), rank, -float(mv.confidence or 0.0), -int(mv.n or 0))

    suitable = [c for c in cands if not views or c[1] in views]
    clip, view, mv = min(suitable or cands, key=key)
    reason = mv.reason
    if views and not suitable:
        caveat = f"measured from a {view} view, which is not suited to this metric (best: {', '.join(views)})"
        reason = f"{reason}; {caveat}" if reason else caveat
    return replace(mv, source=clip, reason=reason, extra={**(mv.extra or {}), "view": view})


def session_warnings(clips: Sequence[Analysis]) -> tuple[str, ...]:
    """Every clip's ``Analysis.warnings``, prefixed with the clip name (for the report's top)."""
    out = []
    for a in clips:
        out += [f"{a.meta.path.name}: {w}" for w in getattr(a, "warnings", ())]
    return tuple(out)
