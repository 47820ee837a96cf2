"""Pure plan building: prioritised cues, an exercise programme, non-form advice, re-test guidance.

Rules
-----
* A positive red-flag triage suppresses everything here: no cues, no exercises, no advice.
* Cues: each cue scores (status weight x confidence) over its triggering metrics (watch/flag), times
  its evidence grade weight, plus a bonus when a top contributor with measured deviations lists it.
  A cue with triggers needs at least one of them at ``rules.confidence.min_for_flag`` or above (like a
  flag, it cannot rest on low-confidence measurements alone). One cue per ``family`` (cues in a family say the same thing), at most ``rules.plan.max_cues``.
* Cadence cue: metronome BPM = round(own cadence x 1.05), then x 1.10 (Bramah 2019; Heiderscheit 2011).
* Exercises: from the top two contributors (round robin), then exercises that support the chosen cues;
  exercises whose tags a listed contributor avoids (e.g. deep hip flexion with FAI) are left out, with
  the reason. At most ``rules.plan.max_exercises``. Like a cue, a contributor that rests only on
  low-confidence measurements (none at ``min_for_flag``) and not on the runner's pain location
  prescribes nothing: it is listed, and the notes say why no exercises follow from it.
* Re-test: after ``rules.retest.after_weeks`` weeks with the same setup; a change counts only when it
  exceeds the metric's minimal detectable change (``retest_change``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from formcheck.assessment import STATUS_WEIGHT, grade_weight
from formcheck.triage import Triage

if TYPE_CHECKING:  # pragma: no cover
    from formcheck.knowledge import Knowledge


@dataclass(frozen=True)
class PlannedCue:
    id: str
    title: str
    text: str
    why: str
    grade: str
    sources: tuple[str, ...]
    verified: bool
    bpm_first: int | None = None
    bpm_second: int | None = None


@dataclass(frozen=True)
class PlannedExercise:
    id: str
    name: str
    how: str
    dosage: str
    progression: str
    stage: str
    caution: str
    for_what: tuple[str, ...]
    grade: str
    sources: tuple[str, ...]
    verified: bool


@dataclass(frozen=True)
class AdviceItem:
    id: str
    title: str
    text: str
    grade: str
    sources: tuple[str, ...]
    verified: bool


@dataclass(frozen=True)
class RetestTarget:
    metric: str
    label: str
    now: str
    text: str


@dataclass(frozen=True)
class Retest:
    after_weeks: int
    setup: str
    targets: tuple[RetestTarget, ...]
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """What to change and do. Empty with ``suppressed=True`` after a red flag."""

    cues: tuple[PlannedCue, ...] = ()
    exercises: tuple[PlannedExercise, ...] = ()
    advice: tuple[AdviceItem, ...] = ()
    retest: Retest | None = None
    suppressed: bool = False
    suppressed_reason: str = ""
    left_out: tuple[tuple[str, str], ...] = ()  # (exercise name, why it was left out)
    notes: tuple[str, ...] = ()


def metronome_bpm(cadence_spm: float, increase_pct: float) -> int:
    """Metronome beats per minute (one step per beat) = own cadence + ``increase_pct`` %, rounded half up."""
    return int(math.floor(cadence_spm * (1.0 + increase_pct / 100.0) + 0.5))


def _cadence(metrics: Mapping, statuses=()) -> float | None:
    """The runner's own cadence for a metronome BPM; None when unmeasured or too uncertain to rate."""
    mv = metrics.get("cadence_spm")
    v = getattr(mv, "value", None)
    st = next((s for s in statuses if s.name == "cadence_spm"), None)
    if st is not None and st.status in ("not_measured", "unrated"):
        return None
    return float(v) if v is not None and math.isfinite(v) else None


def _select_cues(statuses, contributors, metrics, kn: Knowledge) -> tuple[PlannedCue, ...]:
    by_name = {s.name: s for s in statuses}
    top = [c for c in contributors if not c.refer and c.metrics][:3]
    min_conf = float(kn.rules["confidence"]["min_for_flag"])
    scored = []
    for cue in kn.cues.values():
        score, why, confident = 0.0, [], False
        for metric, _direction in cue.triggers:
            st = by_name.get(metric)
            if st is not None and st.status in STATUS_WEIGHT:
                score += STATUS_WEIGHT[st.status] * max(st.confidence, 0.1)
                why.append(f"{st.describe()} ({st.status})")
                confident |= st.confidence >= min_conf
        if cue.triggers and not confident:
            continue  # only low-confidence measurements point to it: like a flag, a cue needs one it can stand on
        score *= grade_weight(cue.evidence.grade)
        for rank, c in enumerate(top):
            # a contributor's cue counts only if its own triggers fired (or it has none)
            if cue.id in kn.conditions[c.id].cues and (score > 0 or not cue.triggers):
                score += 3.0 - rank
                why.append(f"linked with {c.short}")
        if score > 0:
            scored.append((score, cue, why))
    scored.sort(key=lambda t: (-t[0], t[1].priority, t[1].id))
    rules = kn.rules["retest"]
    cadence = _cadence(metrics, statuses)
    out, families = [], set()
    for _score, cue, why in scored:
        if cue.family in families:
            continue
        families.add(cue.family)
        bpm1 = bpm2 = None
        text = cue.text
        if cue.id == "cadence_up":
            p1, p2 = float(rules["cadence_first_step_pct"]), float(rules["cadence_second_step_pct"])
            if cadence is None:
                text = cue.text_no_cadence or cue.text
            else:
                bpm1, bpm2 = metronome_bpm(cadence, p1), metronome_bpm(cadence, p2)
                text = cue.text.format(bpm_first=bpm1, bpm_second=bpm2, first_pct=p1, second_pct=p2, cadence=cadence)
        out.append(PlannedCue(cue.id, cue.title, text, "; ".join(why), cue.evidence.grade, cue.evidence.source,
                              cue.evidence.verified, bpm1, bpm2))
        if len(out) >= int(kn.rules["plan"]["max_cues"]):
            break
    return tuple(out)


def _prescribes(c) -> bool:
    """Whether a contributor may choose exercises: not one to refer, and resting on at least one
    adequately confident measurement or on the runner's pain location (``Contributor.confidence``
    is "low" when every linked measurement is below ``min_for_flag``)."""
    return not c.refer and (c.confidence != "low" or c.location_fit is not None)


def _select_exercises(contributors, cues, asym, kn: Knowledge):
    chosen = [c for c in contributors if _prescribes(c)][:2]
    weak = [c for c in contributors if not c.refer and not _prescribes(c)]
    avoid: dict[str, object] = {}
    for c in contributors:
        cond = kn.conditions[c.id]
        for tag in cond.avoid_tags:
            avoid.setdefault(tag, cond)
    order: list[tuple[str, str]] = []
    lists = [[(e, kn.conditions[c.id].short) for e in kn.conditions[c.id].exercises] for c in chosen]
    for i in range(max((len(x) for x in lists), default=0)):
        order += [lst[i] for lst in lists if i < len(lst)]
    order += [(e, f"supports the cue '{cue.title.lower()}'") for cue in cues for e in kn.cues[cue.id].exercises]
    for_what: dict[str, list[str]] = {}
    for ex_id, what in order:
        for_what.setdefault(ex_id, [])
        if what not in for_what[ex_id]:
            for_what[ex_id].append(what)
    out, left_out = [], []
    for ex_id, whats in for_what.items():
        ex = kn.exercises[ex_id]
        blocked = [avoid[t] for t in ex.tags if t in avoid]
        if blocked:
            left_out.append((ex.name, f"left out because of {blocked[0].short}: {blocked[0].avoid_text}"))
            continue
        if len(out) < int(kn.rules["plan"]["max_exercises"]):
            out.append(PlannedExercise(ex.id, ex.name, ex.how, ex.dosage, ex.progression, ex.stage, ex.caution,
                                       tuple(whats), ex.evidence.grade, ex.evidence.source, ex.evidence.verified))
    notes = [f"No exercises for {c.short}: it rests only on low-confidence measurements "
             f"({', '.join(kn.metrics[m].label.lower() for m in c.metrics)}); film again as the recording "
             f"protocol says to confirm it." for c in weak]
    for a in asym:
        if a.status == "watch":
            notes.append(f"{a.label}: the {a.worse_side} side is worse and painful - do one extra set of the "
                         f"single-leg exercises on the {a.worse_side} (expert opinion).")
    avoid_texts = []
    for c in contributors:
        t = kn.conditions[c.id].avoid_text
        if t and t not in avoid_texts and c.id in {x.id for x in chosen}:
            avoid_texts.append(t)
    return tuple(out), tuple(left_out), tuple(notes + avoid_texts)


def _select_advice(symptoms, asym, cues, exercises, contributors, kn: Knowledge) -> tuple[AdviceItem, ...]:
    has_pain = bool(symptoms and symptoms.has_pain)
    camber = bool(symptoms and symptoms.cambered_roads) or any(a.status == "watch" for a in asym)
    cond_advice = {a for c in contributors[:3] for a in kn.conditions[c.id].advice}
    active = {"always": True, "pain": has_pain, "camber": camber, "cues": bool(cues), "exercises": bool(exercises)}
    out = []
    for adv in kn.advice.values():
        if active.get(adv.when, False) or (adv.when == "condition" and adv.id in cond_advice):
            out.append(AdviceItem(adv.id, adv.title, adv.text, adv.evidence.grade, adv.evidence.source,
                                  adv.evidence.verified))
    return tuple(out)


def _retest(statuses, cues, kn: Knowledge) -> Retest:
    rules = kn.rules["retest"]
    targets, sources = [], list(rules["evidence"].source)
    cadence_cue = next((c for c in cues if c.bpm_first is not None), None)
    for st in statuses:
        if st.status not in STATUS_WEIGHT and not (cadence_cue and st.name == "cadence_spm"):
            continue
        spec = kn.metrics[st.name]
        if math.isfinite(st.mdc):
            noise = f"a change of more than {st.fmt(st.mdc)} would be beyond measurement noise"
            if not spec.mdc_evidence.verified:
                noise += " (provisional noise estimate)"
            sources += [s for s in spec.mdc_evidence.source if s not in sources]
        else:
            noise = "its measurement noise is unknown, so trust only large changes seen in two clips"
        goal = ""
        if st.name == "cadence_spm" and cadence_cue:
            goal = f"Aim for about {cadence_cue.bpm_first}, later {cadence_cue.bpm_second} steps/min. "
        targets.append(RetestTarget(st.name, st.label, st.describe(), f"{goal}{noise[0].upper()}{noise[1:]}."))
    weeks = int(rules["after_weeks"])
    if targets:
        text = (f"Re-test after {weeks} weeks of practising the cues. {rules['setup']} Compare each metric "
                "with today's value; smaller changes than those below cannot be told apart from noise.")
    else:
        text = ("Nothing needs changing from these clips. Re-test with the same setup if symptoms appear or to "
                f"track changes. {rules['setup']}")
    return Retest(weeks, str(rules["setup"]), tuple(targets), text, tuple(sources))


def build_plan(statuses, contributors, asym, triage_result: Triage, symptoms, metrics: Mapping,
               knowledge: Knowledge) -> Plan:
    """Cues, exercises, advice and re-test guidance; suppressed entirely when triage is positive."""
    if triage_result.positive:
        return Plan(suppressed=True, suppressed_reason=triage_result.message)
    cues = _select_cues(statuses, contributors, metrics, knowledge)
    exercises, left_out, notes = _select_exercises(contributors, cues, asym, knowledge)
    if symptoms is not None and symptoms.has_pain and not contributors:
        notes += ("No specific programme: neither the measurements nor the pain pattern pointed to a linked "
                  "condition. If the pain persists, have it examined.",)
    advice = _select_advice(symptoms, asym, cues, exercises, contributors, knowledge)
    return Plan(cues, exercises, advice, _retest(statuses, cues, knowledge), False, "", left_out, notes)


def retest_change(metric: str, before, after, *, knowledge: Knowledge | None = None) -> tuple[float, bool | None]:
    """Change between two recordings and whether it exceeds measurement noise.

    Parameters
    ----------
    metric : str
        Metric name (key of ``metrics.toml``).
    before, after : float or MetricValue
        Values from the earlier and the later recording (same setup).

    Returns
    -------
    delta : float
        ``after - before`` in the metric's unit (NaN when either value is missing).
    exceeds_noise : bool or None
        True when ``|delta|`` is larger than the metric's minimal detectable change; None when the
        noise is unknown for this metric (or the metric is unknown) or a value is missing.
    """
    if knowledge is None:
        from formcheck.knowledge import load_knowledge

        knowledge = load_knowledge()
    b = float(getattr(before, "value", before))
    a = float(getattr(after, "value", after))
    delta = a - b
    spec = knowledge.metrics.get(metric)
    if not math.isfinite(delta) or spec is None or not math.isfinite(spec.mdc):
        return delta, None
    return delta, abs(delta) > spec.mdc
