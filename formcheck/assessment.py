"""Pure rules: metric ratings, asymmetry, likely contributors (red flags: ``formcheck.triage``).

Rating a metric (``rate_metrics``)
    1. Pick the reference band for the runner's speed / height (``metrics.toml`` ``[[bands]]``). A
       band limited to a speed range is used with a caveat when the speed is unknown, and not at all
       when the speed is known and outside it ("unrated").
    2. Per-side metrics are rated per side (the stance side for pelvic drop); the metric takes its
       worst side.
    3. A watch value becomes a flag when a pattern partner (``flag_with``) is also watch/flag with
       adequate confidence (e.g. low cadence + overstride).
    4. A flag from a metric whose confidence is below ``rules.confidence.min_for_flag`` is downgraded
       to watch, with the reason, unless a confident partner agrees: it cannot flag on its own.
       Below ``rules.confidence.min_to_rate`` a metric is not rated at all ("unrated", information only).

Ranking contributors (``rank_contributors``)
    score = location fit (primary 10, secondary 5) + 1 per matching "when it hurts" word
            + sum over linked deviations of status weight (watch 1, flag 2) x grade weight
              (A 4 ... D 1; "C/D" = 1.5) x confidence x side factor (1.5 when the deviation is on
              the painful side, 0.5 when on the other side).
    When pain locations are given, conditions whose usual location does not fit are left out.
    Location dominates by design: it is what a clinician weighs first; the deviations and their
    evidence order conditions that fit equally well.

Nothing here states a diagnosis: texts say a deviation "is linked with" or "may contribute to".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from formcheck.symptoms import LOCATIONS, Symptoms

if TYPE_CHECKING:  # pragma: no cover
    from formcheck.knowledge import Band, Knowledge, MetricSpec

STATUS_RANK = {"not_measured": -3, "unrated": -2, "info": -1, "typical": 0, "watch": 1, "flag": 2}
STATUS_WEIGHT = {"watch": 1.0, "flag": 2.0}
GRADE_WEIGHT = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0}
LOCATION_WEIGHT = {"primary": 10.0, "secondary": 5.0}
AGGRAVATOR_WEIGHT = 1.0
SIDE_MATCH, SIDE_OTHER = 1.5, 0.5
NAN = float("nan")


def grade_weight(grade: str) -> float:
    """Mean weight of a grade such as "B" (3) or "C/D" (1.5)."""
    letters = grade.split("/")
    return sum(GRADE_WEIGHT[g] for g in letters) / len(letters)


def _fin(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


# --------------------------------------------------------------------------- result types
@dataclass(frozen=True)
class SideStatus:
    side: str
    value: float
    status: str
    n: int = 0


@dataclass(frozen=True)
class MetricStatus:
    """One metric's rating. ``status``: typical | watch | flag | info | unrated | not_measured."""

    name: str
    label: str
    value: float
    unit_label: str
    decimals: int
    status: str
    confidence: float
    source_clip: str = ""
    view: str = ""
    near_legs_both: bool = False  # side view, each leg measured as the near leg of its own clip (session)
    q25: float = NAN
    q75: float = NAN
    n: int = 0
    sides: tuple[SideStatus, ...] = ()
    worst_side: str | None = None
    typical: tuple[float, float] = (NAN, NAN)
    watch: float = NAN
    flag: float = NAN
    concern: str = "none"
    scored: bool = False
    side_phrase: str = "{side} leg"
    reason: str = ""
    notes: tuple[str, ...] = ()
    grade: str = ""
    sources: tuple[str, ...] = ()
    verified: bool = True
    mdc: float = NAN
    plane: str = ""

    def fmt(self, value: float) -> str:
        """Value with the metric's decimals and unit, e.g. "9.2 deg"."""
        if not _fin(value):
            return "n/a"
        unit = f" {self.unit_label}" if self.unit_label else ""
        return f"{value:.{self.decimals}f}{unit}"

    def describe(self, side: str | None = None) -> str:
        """e.g. "contralateral pelvic drop 9.2 deg in right stance" (worst side by default)."""
        side = side if side is not None else self.worst_side
        sv = next((s for s in self.sides if s.side == side), None)
        value = sv.value if sv else self.value
        where = f" {self.side_phrase.format(side=side)}" if sv else ""
        return f"{self.label[0].lower()}{self.label[1:]} {self.fmt(value)}{where}"

    def typical_text(self, one_sided: bool = False) -> str:
        lo, hi = self.typical
        fmt = self.fmt
        if one_sided and self.concern == "high" and _fin(hi):
            return f"typical up to {fmt(hi)}"
        if one_sided and self.concern == "low" and _fin(lo):
            return f"typical from {fmt(lo)}"
        if _fin(lo) and _fin(hi):
            return f"typical {lo:.{self.decimals}f}-{fmt(hi)}"
        if _fin(hi):
            return f"typical up to {fmt(hi)}"
        if _fin(lo):
            return f"typical from {fmt(lo)}"
        if _fin(self.watch):
            return f"watch {'above' if self.concern == 'high' else 'below'} {fmt(self.watch)}"
        return ""


@dataclass(frozen=True)
class Asymmetry:
    metric: str
    label: str
    left: float
    right: float
    diff: float  # right - left
    si_pct: float  # (R - L) / (0.5 (R + L)) x 100; NaN when the mean is not positive
    worse_side: str | None
    exceeds_noise: bool
    matches_pain: bool
    status: str  # info | watch
    text: str


@dataclass(frozen=True)
class Contributor:
    """A condition a finding is linked with, and why. Never a diagnosis."""

    id: str
    name: str
    short: str
    score: float
    grade: str
    confidence: str  # adequate | low | n/a
    chain: str
    reasons: tuple[str, ...]
    sources: tuple[str, ...]
    location_fit: str | None
    refer: bool
    metrics: tuple[str, ...]


# --------------------------------------------------------------------------- rating
def _select_band(spec: MetricSpec, speed: float | None, height: float | None) -> tuple[Band | None, str]:
    for band in spec.bands:
        note = ""
        for rng, val, what, unit in ((band.speed_mps, speed, "speed", "m/s"), (band.height_m, height, "height", "m")):
            if rng is None:
                continue
            if val is None:
                note = (f"Reference values assume a {what} of {rng[0]:g}-{rng[1]:g} {unit}; enter the "
                        f"{'treadmill speed' if what == 'speed' else 'height'} for a matched rating.")
            elif not rng[0] <= val <= rng[1]:
                break
        else:
            return band, note
    desc = ", ".join(f"{v:g} {u}" for v, u in ((speed, "m/s"), (height, "m")) if v is not None)
    return None, f"No reference values for {desc or 'this runner'}; reported without a rating."


def _rate_value(value: float, band: Band, concern: str) -> str:
    sign = 1.0 if concern == "high" else -1.0
    if _fin(band.flag) and sign * (value - band.flag) >= 0:
        return "flag"
    if _fin(band.watch) and sign * (value - band.watch) > 0:
        return "watch"
    return "typical"


def _sides(mv) -> list[tuple[str, object]]:
    return [(s, sv) for s in ("left", "right") if (sv := getattr(mv, s, None)) is not None and _fin(sv.value)]


def _rate_one(name: str, mv, spec: MetricSpec | None, speed, height) -> MetricStatus:
    conf = float(getattr(mv, "confidence", 0.0) or 0.0)
    extra = getattr(mv, "extra", None) or {}
    common = dict(name=name, value=float(mv.value), confidence=conf, source_clip=getattr(mv, "source", ""),
                  view=str(extra.get("view", "")), q25=float(mv.q25), q75=float(mv.q75), n=int(mv.n),
                  near_legs_both=extra.get("near_legs") == "both")
    if spec is None:
        return MetricStatus(label=name.replace("_", " "), unit_label=getattr(mv, "unit", ""), decimals=2,
                            status="unrated", reason="No reference values in formcheck's knowledge base.",
                            **common)
    value = float(mv.value)
    if spec.unit == "leg" and getattr(mv, "unit", "") in ("%", "pct"):
        value /= 100.0  # one conversion point: percent of leg length -> leg lengths
        common["value"] = value
    base = dict(label=spec.label, unit_label=spec.unit_label, decimals=spec.decimals, concern=spec.concern,
                scored=spec.scored, side_phrase=spec.side_phrase, mdc=spec.mdc, plane=spec.plane, **common)
    sides = _sides(mv)
    if not _fin(value) and not sides:
        return MetricStatus(status="not_measured", reason=getattr(mv, "reason", "") or "Not measured.", **base)
    band, band_note = _select_band(spec, speed, height)
    notes = [band_note] if band_note else []
    if band is not None:
        base.update(typical=band.typical, watch=band.watch, flag=band.flag, grade=band.evidence.grade,
                    sources=band.evidence.source, verified=band.evidence.verified)
        if not band.evidence.verified:
            notes.append("Provisional reference values (source not yet verified).")
    if getattr(mv, "reason", ""):
        notes.append(f"Caveat: {mv.reason}")
    ratable = spec.scored and band is not None and (_fin(band.watch) or _fin(band.flag))
    side_st = tuple(SideStatus(s, float(sv.value), _rate_value(sv.value, band, spec.concern) if ratable else "info",
                               int(sv.n)) for s, sv in sides)
    if not spec.scored:
        note = band.evidence.note if band else ""
        status = "info"
        why = note if note.lower().startswith("descriptive") else ("Descriptive only. " + note).strip()
    elif band is None:
        status, why = "unrated", band_note
    elif not ratable:
        status, why = "unrated", band.evidence.note or "No reference values verified yet."
    elif spec.per_side and side_st:
        status = max((s.status for s in side_st), key=STATUS_RANK.get)
        why = ""
    else:
        status, why = _rate_value(value, band, spec.concern), ""
    worst = _worst_side(side_st, spec.concern) if side_st else None
    st = MetricStatus(status=status, sides=side_st, worst_side=worst, notes=tuple(notes), **base)
    return _with_reason(st, why)


def _worst_side(sides: tuple[SideStatus, ...], concern: str) -> str:
    sign = -1.0 if concern == "low" else 1.0
    return max(sides, key=lambda s: (STATUS_RANK[s.status], sign * s.value)).side


def _with_reason(st: MetricStatus, why: str) -> MetricStatus:
    from dataclasses import replace

    if why or st.status not in ("typical", "watch", "flag"):
        return replace(st, reason=why)
    where = {"typical": "within the typical range", "watch": "outside the typical range",
             "flag": "well outside the typical range"}[st.status]
    thr = ""
    if st.status == "flag" and _fin(st.flag):
        thr = f"; flag from {st.fmt(st.flag)}"
    elif st.status == "watch" and _fin(st.watch):
        thr = f"; watch {'above' if st.concern == 'high' else 'below'} {st.fmt(st.watch)}"
    typ = st.typical_text()
    return replace(st, reason=f"{st.describe()}: {where}" + (f" ({typ}{thr})" if typ or thr else ""))


def rate_metrics(metrics: Mapping, knowledge: Knowledge, runner=None) -> tuple[MetricStatus, ...]:
    """Rate every metric (see module docstring). Knowledge-file order first, unknown metrics last."""
    from dataclasses import replace

    speed = getattr(runner, "treadmill_speed_mps", None)
    height = getattr(runner, "height_m", None)
    min_conf = float(knowledge.rules["confidence"]["min_for_flag"])
    min_rate = float(knowledge.rules["confidence"]["min_to_rate"])
    raw = {n: _rate_one(n, mv, knowledge.metrics.get(n), speed, height) for n, mv in metrics.items()}

    def partners(spec: MetricSpec) -> list[MetricStatus]:
        return [raw[p] for p in spec.flag_with
                if p in raw and raw[p].status in ("watch", "flag") and raw[p].confidence >= min_conf]

    out = {}
    for name, st in raw.items():
        spec = knowledge.metrics.get(name)
        notes, status = list(st.notes), st.status
        agree = partners(spec) if spec else []
        if status == "watch" and agree:
            status = "flag"
            notes.append(f"Flagged as a pattern together with {', '.join(p.label.lower() for p in agree)} "
                         f"(evidence {spec.flag_with_evidence.grade}).")
        if status in ("typical", "watch", "flag") and st.confidence < min_rate:
            status = "unrated"
            notes.append(f"Confidence {st.confidence:.2f} is below {min_rate:g}: too uncertain to rate; "
                         "shown for information only.")
        elif status == "flag" and st.confidence < min_conf and not agree:
            status = "watch"
            notes.append(f"Confidence {st.confidence:.2f} is below {min_conf:g}: a low-confidence measurement "
                         "cannot raise a flag on its own, so it is shown as 'watch'.")
        if status != st.status or notes != list(st.notes):
            cap = STATUS_RANK[status]
            sides = tuple(replace(s, status=status) if STATUS_RANK.get(s.status, -9) > cap else s for s in st.sides)
            st = _with_reason(replace(st, status=status, notes=tuple(notes), sides=sides, reason=""), "")
        out[name] = st
    order = [n for n in knowledge.metrics if n in out] + [n for n in out if n not in knowledge.metrics]
    return tuple(out[n] for n in order)


# --------------------------------------------------------------------------- asymmetry
def asymmetries(statuses, symptoms: Symptoms | None, knowledge: Knowledge) -> tuple[Asymmetry, ...]:
    """Left/right comparison of every per-side metric measured on both sides.

    Informational by default (asymmetry did not predict injury, Malisoux 2024). Raised to "watch"
    only when the difference exceeds the metric's minimal detectable change, the symmetry index
    exceeds ``rules.asymmetry.si_pct``, the worse side is the painful side, the metric is rated, and
    the two sides were not measured as the near and the far leg of one side view (a session with
    side clips from both sides measures each leg as a near leg: ``session.combine_session``).
    """
    si_limit = float(knowledge.rules["asymmetry"]["si_pct"])
    pain = symptoms.pain_side if symptoms and symptoms.pain_side in ("left", "right") else None
    out = []
    for st in statuses:
        spec = knowledge.metrics.get(st.name)
        vals = {s.side: s.value for s in st.sides}
        if spec is None or not spec.per_side or set(vals) != {"left", "right"}:
            continue
        left, right = vals["left"], vals["right"]
        diff, mean = right - left, 0.5 * (right + left)
        si = diff / mean * 100.0 if mean > 0 else NAN
        worse = None
        if diff != 0 and st.concern in ("high", "low"):
            worse = "right" if (diff > 0) == (st.concern == "high") else "left"
        exceeds = _fin(st.mdc) and abs(diff) > st.mdc and (not _fin(si) or abs(si) > si_limit)
        matches = pain is not None and worse == pain
        # one side view measures the near and the far leg with different errors (the far leg's
        # landmarks are less reliable; at contact it reads ~0.04 leg more overstride on rendered
        # runners), so a left/right difference there is never raised above "info"
        one_side_view = st.view == "side" and not st.near_legs_both
        status = "watch" if exceeds and matches and st.scored and not one_side_view else "info"
        si_txt = f", symmetry index {si:+.0f}%" if _fin(si) else ""
        text = f"Right {st.fmt(right)} vs left {st.fmt(left)} (difference {diff:+.{st.decimals}f}{si_txt}). "
        if not _fin(st.mdc):
            text += "Measurement noise for this metric is unknown, so the difference cannot be called real. "
        elif not exceeds:
            text += "Within measurement noise. "
        elif matches:
            text += f"Beyond measurement noise, and the {worse} side is your painful side. "
        else:
            text += "Beyond measurement noise, but " + (
                "no painful side was given. " if pain is None else f"not on your painful side ({pain}). ")
        text += "Asymmetry on its own is not linked with injury."
        if one_side_view:
            text += " From a side view the far leg is less reliable: confirm with a clip filmed from the other side."
        out.append(Asymmetry(st.name, st.label, left, right, diff, si, worse, bool(exceeds), matches, status, text))
    return tuple(out)


# --------------------------------------------------------------------------- contributors
def _location_fit(cond, locations: tuple[str, ...]) -> str | None:
    fits = [fit for loc, fit in cond.locations if loc == "any" or loc in locations]
    if not fits:
        return None
    return "primary" if "primary" in fits else "secondary"


def _pain_phrase(symptoms: Symptoms | None, cond) -> str:
    if not symptoms or not symptoms.locations:
        return ""
    locs = [loc for loc in symptoms.locations if any(loc == c or c == "any" for c, _ in cond.locations)]
    locs = locs or list(symptoms.locations)
    where = " and ".join(LOCATIONS[loc] for loc in locs)
    side = {"left": " on the left", "right": " on the right", "both": " on both sides"}.get(symptoms.pain_side, "")
    return f"{where} pain{side}"


def rank_contributors(statuses, asym, symptoms: Symptoms | None, knowledge: Knowledge,
                      red_flag_ids: tuple[str, ...] = ()) -> tuple[Contributor, ...]:
    """Conditions the findings and symptoms are linked with, best first (see module docstring)."""
    by_name = {s.name: s for s in statuses}
    asym_by = {a.metric: a for a in asym}
    locs = symptoms.locations if symptoms else ()
    pain = symptoms.pain_side if symptoms else "none"
    min_conf = float(knowledge.rules["confidence"]["min_for_flag"])
    flagged_conditions = {c for rid in red_flag_ids for c in knowledge.red_flags[rid].conditions}
    out = []
    for cond in knowledge.conditions.values():
        fit = _location_fit(cond, locs) if locs else None
        if locs and fit is None:
            continue
        if cond.requires == "red_flag" and cond.id not in flagged_conditions:
            continue
        found = []  # (support, reason, chain_head, link, status-or-None)
        for ln in cond.links:
            gw = grade_weight(ln.evidence.grade)
            if ln.direction == "asymmetry":
                a = asym_by.get(ln.metric)
                if a is not None and a.status == "watch":
                    head = f"{a.label.lower()} higher on the {a.worse_side} (your painful side)"
                    found.append((gw, f"{head}: {a.text} Linked with {cond.short} (evidence {ln.evidence.grade}): "
                                      f"{ln.evidence.note}", head, ln, None))
                continue
            st = by_name.get(ln.metric)
            if st is None or st.status not in STATUS_WEIGHT:
                continue
            factor, side_txt = 1.0, ""
            if ln.side == "stance" and st.worst_side and pain in ("left", "right"):
                same = st.worst_side == pain
                factor = SIDE_MATCH if same else SIDE_OTHER
                side_txt = " - on your painful side" if same else f" - on the other side from your pain ({pain})"
            support = STATUS_WEIGHT[st.status] * gw * max(st.confidence, 0.1) * factor
            head = f"{st.describe()}, {st.typical_text(one_sided=True)}".rstrip(", ")
            reason = (f"{st.describe()} ({st.status}, confidence {st.confidence:.2f}){side_txt}; "
                      f"{st.typical_text(one_sided=True)}. Linked with {cond.short} "
                      f"(evidence {ln.evidence.grade}): {ln.evidence.note}")
            found.append((support, reason, head, ln, st))
        camber = bool(symptoms and symptoms.cambered_roads)
        if cond.requires == "camber_or_asymmetry" and not camber and not any(f[4] is None for f in found):
            continue
        aggr = [w for w in (symptoms.when if symptoms else ()) if w in cond.aggravators]
        support = sum(f[0] for f in found)
        if not (support > 0 or fit == "primary" or cond.id in flagged_conditions or (camber and cond.requires)):
            continue
        found.sort(key=lambda f: -f[0])
        score = LOCATION_WEIGHT.get(fit, 0.0) + AGGRAVATOR_WEIGHT * len(aggr) + support + (2.0 if camber and cond.requires else 0.0)
        out.append(_contributor(cond, fit, found, aggr, symptoms, score, min_conf, camber))
    out.sort(key=lambda c: (-c.score, -grade_weight(c.grade), c.id))
    return tuple(out)


def _contributor(cond, fit, found, aggr, symptoms, score, min_conf, camber) -> Contributor:
    from formcheck.symptoms import WHEN

    reasons = [f[1] for f in found]
    pain_txt = _pain_phrase(symptoms, cond)
    if fit:
        reasons.append(f"{pain_txt[0].upper()}{pain_txt[1:]} fits the usual location of {cond.short} "
                       f"({'typical' if fit == 'primary' else 'possible'} location, evidence "
                       f"{cond.location_evidence.grade}). Usually: {cond.character}")
    if aggr:
        reasons.append("It hurts " + ", ".join(WHEN[w] for w in aggr) + f", which fits {cond.short}.")
    if camber and cond.requires:
        reasons.append("You run mostly on one side of cambered roads.")
    if not found and fit:
        reasons.append("No linked form deviation was measured: this rests on the pain location only.")
    grades = [f[3].evidence.grade for f in found] or [cond.location_evidence.grade]
    best = max(grades, key=grade_weight)
    parts = [found[0][2]] if found else []
    if pain_txt:
        parts.append(pain_txt)
    chain = " + ".join(parts) if parts else "reported symptoms"
    chain += f" -> {cond.short}, evidence {best}"
    if not pain_txt and found:
        chain += " (no pain location given)"
    confs = [f[4].confidence for f in found if f[4] is not None]
    conf = "n/a" if not confs else ("low" if max(confs) < min_conf else "adequate")
    srcs = []
    for f in found:
        srcs += [s for s in f[3].evidence.source if s not in srcs]
    srcs += [s for s in cond.location_evidence.source if fit and s not in srcs]
    metrics = tuple(f[3].metric for f in found)
    return Contributor(cond.id, cond.name, cond.short, round(score, 3), best, conf, chain, tuple(reasons),
                       tuple(srcs), fit, cond.refer, metrics)


# --------------------------------------------------------------------------- cautions, quality, sources
def cautions(symptoms: Symptoms | None, knowledge: Knowledge) -> tuple[str, ...]:
    """Safety notes of conditions whose usual location matches the reported pain."""
    if not symptoms or not symptoms.locations:
        return ()
    out: list[str] = []
    for cond in knowledge.conditions.values():
        if cond.safety_note and _location_fit(cond, symptoms.locations) == "primary" \
                and cond.safety_note not in out:
            out.append(cond.safety_note)
    return tuple(out)


def data_quality(metrics: Mapping, statuses, knowledge: Knowledge) -> tuple[str, ...]:
    """Caveats to show above the results: missing views, unmeasured and low-confidence metrics."""
    min_conf = float(knowledge.rules["confidence"]["min_for_flag"])
    measured = {s.name for s in statuses if s.status != "not_measured"}
    out = []
    groups = (("frontal", "rear (or front)", "pelvic drop, hip adduction, step width and crossover"),
              ("sagittal", "side", "overstride, knee and shank angles at contact, trunk lean and thigh extension"))
    for plane, view, names in groups:
        if not any(knowledge.metrics[n].plane == plane for n in measured if n in knowledge.metrics):
            out.append(f"No {view}-view measurements: {names} need a {view}-view clip.")
    for s in statuses:
        if s.status == "not_measured" and s.scored:
            out.append(f"{s.label} not measured: {s.reason}")
        elif s.status not in ("not_measured", "unrated") and s.scored and s.confidence < min_conf:
            out.append(f"{s.label}: low confidence ({s.confidence:.2f}); treat it as a rough indication.")
        if s.plane == "frontal" and s.view == "front" and s.status != "not_measured":
            out.append(f"{s.label} comes from a front view; a rear view measures it more reliably.")
    return tuple(out)


def collect_sources(statuses, asym, contributors, triage_result, plan, knowledge: Knowledge) -> tuple[str, ...]:
    """Source keys cited anywhere in the assessment, in order of first use."""
    keys: list[str] = []

    def add(srcs) -> None:
        keys.extend(s for s in srcs if s not in keys)

    for s in statuses:
        add(s.sources)
    if asym:
        add(knowledge.rules["asymmetry"]["evidence"].source)
    if any("low-confidence" in n for s in statuses for n in s.notes):
        add(knowledge.rules["confidence"]["evidence"].source)
    for c in contributors:
        add(c.sources)
    for h in triage_result.hits:
        add(h.sources)
    for item in (*plan.cues, *plan.exercises, *plan.advice):
        add(item.sources)
    if plan.retest is not None:
        add(plan.retest.sources)
    return tuple(k for k in keys if k in knowledge.sources)
