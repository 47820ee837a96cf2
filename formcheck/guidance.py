"""The one-call entry point from measured metrics to conclusions.

Shells call::

    from formcheck.guidance import assess_session
    assessment = assess_session(metrics, symptoms, runner)   # pure; never raises on odd metrics

``assess_session`` rates every metric (``assessment.rate_metrics``), screens red flags
(``triage.triage``), ranks likely contributors and builds the plan (``plan.build_plan``), all
from the packaged knowledge (``formcheck.knowledge``).

formcheck informs, it does not diagnose: every text produced here says a deviation "may contribute
to" or "is linked with" a condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from formcheck.knowledge import Knowledge, load_knowledge
from formcheck.symptoms import Symptoms
from formcheck.triage import Triage, triage

DISCLAIMER = (
    "formcheck informs, it does not diagnose. It describes how you ran in these clips and which "
    "conditions such patterns are linked with in research; it cannot tell you what is causing your pain. "
    "Video measurements carry errors (see each metric's confidence). If pain persists or worsens, or a "
    "red flag applies, see a physiotherapist or doctor."
)
PROVISIONAL_NOTE = ("Values marked 'provisional' come from sources that have not been verified yet; "
                    "treat them as a rough guide.")


# --------------------------------------------------------------------------- entry point
@dataclass(frozen=True)
class Assessment:
    """Everything formcheck concludes from one session. Frozen; picklable (holds no knowledge tables).

    Attributes
    ----------
    statuses : tuple of MetricStatus
        One per metric received, in knowledge-file order (unknown metrics last).
    asymmetries : tuple of Asymmetry
        Left/right comparisons; informational unless they match the painful side.
    contributors : tuple of Contributor
        Likely contributors, best first, each with its chain of reasons.
    cautions : tuple of str
        Safety notes that apply to the reported pain location (not red flags).
    triage : Triage
        Red-flag result; ``triage.positive`` suppresses the cues and exercise programme.
    plan : Plan
        Cues, exercises, advice and re-test guidance (empty and ``suppressed`` after a red flag).
    data_quality : tuple of str
        Measurement caveats to show above the results.
    citations : tuple of (key, citation, verified)
        Every source the assessment cites, in order of first use.
    symptoms, runner
        The inputs, echoed for the report.
    """

    statuses: tuple
    asymmetries: tuple
    contributors: tuple
    cautions: tuple
    triage: Triage
    plan: object
    data_quality: tuple
    citations: tuple
    symptoms: Symptoms | None = None
    runner: object = None
    disclaimer: str = DISCLAIMER

    def status(self, name: str):
        """The ``MetricStatus`` of one metric, or None."""
        return next((s for s in self.statuses if s.name == name), None)


def assess_session(metrics: Mapping, symptoms: Symptoms | None = None, runner=None, *,
                   knowledge: Knowledge | None = None) -> Assessment:
    """Rate a session's metrics, screen red flags, rank contributors and build the plan.

    Parameters
    ----------
    metrics : dict[str, MetricValue]
        One clip's ``Analysis.metrics`` or a combined session (``session.combine_session``).
    symptoms : Symptoms, optional
        None = nothing reported (treated as no pain and no red flags).
    runner : RunnerInfo, optional
        Treadmill speed and height select speed/height-specific reference bands.
    knowledge : Knowledge, optional
        Defaults to the packaged knowledge.

    Returns
    -------
    Assessment
        ``assessment.triage.positive`` means the plan is suppressed (no cues, no exercises).
    """
    from formcheck import assessment as am
    from formcheck import plan as pm

    kn = knowledge or load_knowledge()
    statuses = am.rate_metrics(metrics, kn, runner)
    asym = am.asymmetries(statuses, symptoms, kn)
    tri = triage(symptoms, kn)
    contributors = am.rank_contributors(statuses, asym, symptoms, kn, tuple(h.id for h in tri.hits))
    plan = pm.build_plan(statuses, contributors, asym, tri, symptoms, metrics, kn)
    cautions = am.cautions(symptoms, kn)
    quality = am.data_quality(metrics, statuses, kn)
    cited = am.collect_sources(statuses, asym, contributors, tri, plan, kn)
    citations = tuple((key, kn.sources[key].citation, kn.sources[key].verified) for key in cited)
    return Assessment(statuses, asym, contributors, cautions, tri, plan, quality, citations, symptoms, runner)
