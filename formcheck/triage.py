"""Red-flag triage: symptoms that need a clinician before any running advice.

``triage(symptoms, knowledge)`` combines the runner's explicit red-flag answers with flags implied
by their other answers (``derived_red_flags``: pain score, night/rest pain, groin pain on weight
bearing, a limp in adolescence) and returns a ``Triage``; when it is ``positive`` the plan is
suppressed (no cues, no exercises) and the message says whom to see, how urgently and why.
The red flags, their urgency and sources live in ``formcheck/data/red_flags.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from formcheck.symptoms import Symptoms

if TYPE_CHECKING:  # pragma: no cover
    from formcheck.knowledge import Knowledge


@dataclass(frozen=True)
class RedFlagHit:
    id: str
    label: str
    possible: str
    urgency: str
    action: str
    stop_running: bool
    why: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Triage:
    """Red-flag screen. ``positive`` = see a clinician; the plan is then suppressed."""

    hits: tuple[RedFlagHit, ...] = ()
    urgency: str | None = None
    title: str = ""
    message: str = ""
    stop_running: bool = False

    @property
    def positive(self) -> bool:
        return bool(self.hits)


def derived_red_flags(symptoms: Symptoms | None) -> dict[str, str]:
    """Red flags implied by other answers: {id: why}. Explicit answers are handled by ``triage``."""
    if symptoms is None:
        return {}
    out = {}
    if symptoms.pain_score is not None and symptoms.pain_score >= 7:
        out["severe_or_worsening"] = f"you rated the pain {symptoms.pain_score}/10"
    if {"night", "rest"} & set(symptoms.when):
        out["night_rest_pain"] = "you said it hurts at night or at rest"
    if "groin_front" in symptoms.locations and {"hopping", "weight_bearing"} & set(symptoms.when):
        out["groin_pain_weight_bearing"] = "you reported groin pain with weight bearing or hopping"
    if symptoms.limp and symptoms.age_years is not None and 9 <= symptoms.age_years <= 16:
        out["adolescent_limp"] = f"a limp at age {symptoms.age_years}"
    return out


def triage(symptoms: Symptoms | None, knowledge: Knowledge) -> Triage:
    """Red-flag screen: explicit answers plus flags implied by the other answers."""
    if symptoms is None:
        return Triage()
    why = {rid: "you answered yes" for rid in symptoms.red_flags}
    for rid, reason in derived_red_flags(symptoms).items():
        why.setdefault(rid, reason)
    if not why:
        return Triage()
    hits = []
    for rid, reason in why.items():
        rf = knowledge.red_flags[rid]
        hits.append(RedFlagHit(rid, rf.label, rf.possible, rf.urgency, rf.action, rf.stop_running, reason,
                               rf.evidence.source))
    hits.sort(key=lambda h: -knowledge.urgency[h.urgency].rank)
    top = knowledge.urgency[hits[0].urgency]
    because = "; ".join(f"{h.label} ({h.why}) may point to {h.possible}" for h in hits)
    stop = any(h.stop_running for h in hits)
    message = (f"See a clinician - {top.title.lower()}: {top.text} Why: {because}. "
               + ("Stop running until you have been examined. " if stop else "")
               + "formcheck has not shown running cues or an exercise programme: these need a clinician's "
                 "examination first. The measurements below are shown for information only.")
    return Triage(tuple(hits), top.level, f"See a clinician ({top.title.lower()})", message, stop)
