"""Clinical knowledge: typed, validated tables loaded from ``formcheck/data/*.toml``.

The content - metric reference bands, conditions, cues, exercises, advice, red flags, rules and
their sources - lives in TOML so that a clinician can review it without reading code.
``load_knowledge`` parses and cross-checks it and raises ``KnowledgeError`` naming the file, the
entry and the problem; every claim carries its source, evidence grade and whether it was verified.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from formcheck.errors import ConfigError
from formcheck.symptoms import LOCATIONS, WHEN

VIEWS = ("side", "rear", "front")
GRADE_RE = re.compile(r"^[ABCD](/[ABCD])?$")
FILES = ("sources", "metrics", "conditions", "cues", "exercises", "advice", "red_flags", "rules")


class KnowledgeError(ConfigError):
    """A knowledge file is malformed or refers to something that does not exist."""


# --------------------------------------------------------------------------- knowledge types
@dataclass(frozen=True)
class Evidence:
    """Where a claim comes from: ``source`` keys (sources.toml), grade A-D (or "C/D"), verified."""

    source: tuple[str, ...]
    grade: str
    verified: bool
    note: str = ""


@dataclass(frozen=True)
class Band:
    """Reference values for one metric, optionally limited to a speed / height range."""

    typical: tuple[float, float]
    watch: float
    flag: float
    speed_mps: tuple[float, float] | None
    height_m: tuple[float, float] | None
    evidence: Evidence


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    unit: str
    unit_label: str
    decimals: int
    plane: str
    views: tuple[str, ...]
    per_side: bool
    concern: str  # high | low | none
    scored: bool
    definition: str
    validity: str
    validity_source: tuple[str, ...]
    side_phrase: str
    bands: tuple[Band, ...]
    flag_with: tuple[str, ...]
    flag_with_evidence: Evidence | None
    mdc: float  # NaN = unknown
    mdc_evidence: Evidence | None


@dataclass(frozen=True)
class Link:
    metric: str
    direction: str  # high | low | asymmetry
    side: str  # stance | any
    evidence: Evidence


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    short: str
    locations: tuple[tuple[str, str], ...]  # (location | "any", "primary" | "secondary")
    location_evidence: Evidence
    character: str
    aggravators: tuple[str, ...]
    exercises: tuple[str, ...]
    cues: tuple[str, ...]
    avoid_tags: tuple[str, ...]
    avoid_text: str
    advice: tuple[str, ...]
    refer: bool
    safety_note: str
    requires: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Cue:
    id: str
    family: str
    title: str
    text: str
    text_no_cadence: str
    priority: int
    triggers: tuple[tuple[str, str], ...]
    exercises: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    how: str
    dosage: str
    progression: str
    stage: str
    tags: tuple[str, ...]
    caution: str
    evidence: Evidence


@dataclass(frozen=True)
class Advice:
    id: str
    title: str
    text: str
    when: str
    evidence: Evidence


@dataclass(frozen=True)
class RedFlag:
    id: str
    question: str
    label: str
    possible: str
    urgency: str
    action: str
    stop_running: bool
    conditions: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True)
class Urgency:
    level: str
    rank: int
    title: str
    text: str


@dataclass(frozen=True)
class Source:
    key: str
    citation: str
    verified: bool
    note: str = ""


@dataclass(frozen=True, eq=False)
class Knowledge:
    """All clinical content, validated. Mappings are read-only views keyed by id."""

    sources: Mapping[str, Source]
    metrics: Mapping[str, MetricSpec]
    conditions: Mapping[str, Condition]
    cues: Mapping[str, Cue]
    exercises: Mapping[str, Exercise]
    advice: Mapping[str, Advice]
    red_flags: Mapping[str, RedFlag]
    urgency: Mapping[str, Urgency]
    rules: Mapping[str, Any]


# --------------------------------------------------------------------------- parsing helpers
class _Reader:
    """Typed access to one TOML table with errors that name the file and the entry."""

    def __init__(self, file: str, where: str, table: Mapping, sources: Mapping[str, Any] | None):
        if not isinstance(table, Mapping):
            raise KnowledgeError(f"{file}.toml [{where}]: expected a table, got {type(table).__name__}")
        self.file, self.where, self.t, self.sources, self.used = file, where, table, sources, set()

    def err(self, msg: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}.toml [{self.where}]: {msg}")

    def get(self, key: str, typ, default=...):
        self.used.add(key)
        if key not in self.t:
            if default is ...:
                raise self.err(f"missing required key '{key}'")
            return default
        v = self.t[key]
        if typ is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, typ):
            raise self.err(f"'{key}' must be {typ.__name__}, got {type(v).__name__} {v!r}")
        return v

    def strs(self, key: str, default=...) -> tuple[str, ...]:
        v = self.get(key, list, default)
        if not all(isinstance(x, str) for x in v):
            raise self.err(f"'{key}' must be a list of strings")
        return tuple(v)

    def pair(self, key: str) -> tuple[float, float] | None:
        v = self.get(key, list, None)
        if v is None:
            return None
        if len(v) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            raise self.err(f"'{key}' must be [low, high] numbers, got {v!r}")
        lo, hi = float(v[0]), float(v[1])
        if not (math.isnan(lo) or math.isnan(hi)) and lo > hi:
            raise self.err(f"'{key}' low {lo} is above high {hi}")
        return lo, hi

    def evidence(self, note_key: str = "note") -> Evidence:
        src = self.get("source", (list, str))
        src = (src,) if isinstance(src, str) else tuple(src)
        if not src:
            raise self.err("'source' must name at least one key of sources.toml")
        if self.sources is not None:
            missing = [s for s in src if s not in self.sources]
            if missing:
                raise self.err(f"unknown source(s) {missing}; add them to sources.toml")
        grade = self.get("grade", str)
        if not GRADE_RE.match(grade):
            raise self.err(f"grade must be A, B, C or D (or a range such as 'C/D'), got {grade!r}")
        return Evidence(src, grade, self.get("verified", bool), self.get(note_key, str, ""))

    def done(self, extra_ok: tuple[str, ...] = ()) -> None:
        unknown = sorted(set(self.t) - self.used - set(extra_ok))
        if unknown:
            raise self.err(f"unknown key(s) {unknown}")


def _choice(r: _Reader, key: str, valid: tuple[str, ...], default=...) -> str:
    v = r.get(key, str, default)
    if v not in valid:
        raise r.err(f"'{key}' must be one of {valid}, got {v!r}")
    return v


def _nan(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _parse_metric(name: str, t: Mapping, src: Mapping) -> MetricSpec:
    r = _Reader("metrics", name, t, src)
    views = r.strs("views")
    if not views or any(v not in VIEWS for v in views):
        raise r.err(f"'views' must be a non-empty list drawn from {VIEWS}, got {views}")
    concern = _choice(r, "concern", ("high", "low", "none"))
    bands = []
    for i, bt in enumerate(r.get("bands", list, [])):
        br = _Reader("metrics", f"{name}.bands[{i}]", bt, src)
        typical = br.pair("typical") or (float("nan"), float("nan"))
        watch, flag = _nan(br.get("watch", float, None)), _nan(br.get("flag", float, None))
        if concern == "none" and not (math.isnan(watch) and math.isnan(flag)):
            raise br.err("a metric with concern = 'none' cannot have watch/flag thresholds")
        if not math.isnan(watch) and not math.isnan(flag) and (flag - watch) * (1 if concern == "high" else -1) < 0:
            raise br.err(f"flag {flag} must lie beyond watch {watch} in the '{concern}' direction")
        bands.append(Band(typical, watch, flag, br.pair("speed_mps"), br.pair("height_m"), br.evidence()))
        br.done()
    fw, fw_ev = (), None
    if "flag_with" in t:
        fr = _Reader("metrics", f"{name}.flag_with", r.get("flag_with", dict), src)
        fw, fw_ev = fr.strs("metrics"), fr.evidence()
        fr.done()
    mdc, mdc_ev = float("nan"), None
    if "mdc" in t:
        mr = _Reader("metrics", f"{name}.mdc", r.get("mdc", dict), src)
        mdc, mdc_ev = mr.get("value", float), mr.evidence()
        if not mdc > 0:
            raise mr.err(f"mdc value must be > 0, got {mdc}")
        mr.done()
    vs = r.strs("validity_source")
    if not vs or any(s not in src for s in vs):
        raise r.err(f"validity_source must name keys of sources.toml, got {vs}")
    spec = MetricSpec(
        name=name, label=r.get("label", str), unit=r.get("unit", str), unit_label=r.get("unit_label", str),
        decimals=r.get("decimals", int), plane=_choice(r, "plane", ("temporal", "spatial", "sagittal", "frontal")),
        views=views, per_side=r.get("per_side", bool), concern=concern, scored=r.get("scored", bool),
        definition=r.get("definition", str), validity=r.get("validity", str), validity_source=vs,
        side_phrase=r.get("side_phrase", str, "{side} leg"), bands=tuple(bands), flag_with=fw,
        flag_with_evidence=fw_ev, mdc=mdc, mdc_evidence=mdc_ev)
    if spec.scored and not spec.bands:
        raise r.err("a scored metric needs at least one [[bands]] entry (it may hold only a source)")
    r.done()
    return spec


def _parse_condition(cid: str, t: Mapping, src: Mapping) -> Condition:
    r = _Reader("conditions", cid, t, src)
    locs = r.get("locations", dict)
    for k, v in locs.items():
        if k not in (*LOCATIONS, "any") or v not in ("primary", "secondary"):
            raise r.err(f"locations: {k!r} = {v!r}; keys from {(*LOCATIONS, 'any')}, values primary|secondary")
    aggr = r.strs("aggravators")
    bad = [a for a in aggr if a not in WHEN]
    if bad:
        raise r.err(f"aggravators {bad} are not 'when' words ({', '.join(WHEN)})")
    loc_ev = Evidence(*_loc_evidence(r))
    links = []
    for i, lt in enumerate(r.get("links", list, [])):
        lr = _Reader("conditions", f"{cid}.links[{i}]", lt, src)
        links.append(Link(lr.get("metric", str), _choice(lr, "direction", ("high", "low", "asymmetry")),
                          _choice(lr, "side", ("stance", "any")), lr.evidence()))
        lr.done()
    c = Condition(
        id=cid, name=r.get("name", str), short=r.get("short", str), locations=tuple(locs.items()),
        location_evidence=loc_ev, character=r.get("character", str), aggravators=aggr,
        exercises=r.strs("exercises"), cues=r.strs("cues"), avoid_tags=r.strs("avoid_tags"),
        avoid_text=r.get("avoid_text", str), advice=r.strs("advice"), refer=r.get("refer", bool, False),
        safety_note=r.get("safety_note", str, ""),
        requires=_choice(r, "requires", ("", "camber_or_asymmetry", "red_flag"), ""), links=tuple(links))
    r.done()
    return c


def _loc_evidence(r: _Reader) -> tuple:
    sub = _Reader(r.file, f"{r.where} location_*", {"source": r.get("location_source", list),
                                                    "grade": r.get("location_grade", str),
                                                    "verified": r.get("location_verified", bool)}, r.sources)
    ev = sub.evidence()
    return ev.source, ev.grade, ev.verified


def _parse_simple(file: str, key: str, t: Mapping, src: Mapping):
    r = _Reader(file, key, t, src)
    if file == "cues":
        trig = []
        for i, tr in enumerate(r.get("triggers", list)):
            tr_r = _Reader(file, f"{key}.triggers[{i}]", tr, None)
            trig.append((tr_r.get("metric", str), _choice(tr_r, "direction", ("high", "low"))))
            tr_r.done()
        obj = Cue(key, r.get("family", str), r.get("title", str), r.get("text", str),
                  r.get("text_no_cadence", str, ""), r.get("priority", int), tuple(trig), r.strs("exercises"),
                  r.evidence())
    elif file == "exercises":
        obj = Exercise(key, r.get("name", str), r.get("how", str), r.get("dosage", str),
                       r.get("progression", str), _choice(r, "stage", ("early", "middle", "late")),
                       r.strs("tags"), r.get("caution", str), r.evidence())
    elif file == "advice":
        obj = Advice(key, r.get("title", str), r.get("text", str),
                     _choice(r, "when", ("always", "pain", "camber", "cues", "exercises", "condition")),
                     r.evidence())
    else:  # red_flags
        obj = RedFlag(key, r.get("question", str), r.get("label", str), r.get("possible", str),
                      r.get("urgency", str), r.get("action", str), r.get("stop_running", bool),
                      r.strs("conditions"), r.evidence())
    r.done()
    return obj


def _read_toml(directory: Path | None, name: str) -> dict:
    try:
        if directory is None:
            text = (resources.files("formcheck") / "data" / f"{name}.toml").read_text(encoding="utf-8")
        else:
            text = (Path(directory) / f"{name}.toml").read_text(encoding="utf-8")
        return tomllib.loads(text)
    except FileNotFoundError as e:
        raise KnowledgeError(f"knowledge file {name}.toml not found") from e
    except tomllib.TOMLDecodeError as e:
        raise KnowledgeError(f"{name}.toml is not valid TOML: {e}") from e


def parse_knowledge(raw: Mapping[str, Mapping]) -> Knowledge:
    """Validate raw TOML tables (``{file stem: parsed table}``) into a ``Knowledge``.

    Raises
    ------
    KnowledgeError
        On a missing or unknown key, a wrong type, an unknown source / metric / cue / exercise /
        advice / condition / urgency id, an invalid grade, or thresholds in the wrong order.
    """
    sources = {}
    for key, t in raw["sources"].items():
        r = _Reader("sources", key, t, None)
        sources[key] = Source(key, r.get("citation", str), r.get("verified", bool), r.get("note", str, ""))
        r.done()
    metrics = {k: _parse_metric(k, t, sources) for k, t in raw["metrics"].items()}
    conditions = {k: _parse_condition(k, t, sources) for k, t in raw["conditions"].items()}
    cues = {k: _parse_simple("cues", k, t, sources) for k, t in raw["cues"].items()}
    exercises = {k: _parse_simple("exercises", k, t, sources) for k, t in raw["exercises"].items()}
    advice = {k: _parse_simple("advice", k, t, sources) for k, t in raw["advice"].items()}
    rf_raw = dict(raw["red_flags"])
    urgency = {}
    for level, t in rf_raw.get("urgency", {}).items():
        r = _Reader("red_flags", f"urgency.{level}", t, None)
        urgency[level] = Urgency(level, r.get("rank", int), r.get("title", str), r.get("text", str))
        r.done()
    red_flags = {k: _parse_simple("red_flags", k, t, sources) for k, t in rf_raw.get("flags", {}).items()}
    rules = _parse_rules(raw["rules"], sources)
    k = Knowledge(*(MappingProxyType(d) for d in (sources, metrics, conditions, cues, exercises, advice,
                                                 red_flags, urgency)), MappingProxyType(rules))
    _cross_check(k)
    return k


def _parse_rules(t: Mapping, src: Mapping) -> dict:
    required = {"confidence": ("min_for_flag", "min_to_rate"), "asymmetry": ("si_pct",),
                "retest": ("after_weeks", "cadence_first_step_pct", "cadence_second_step_pct",
                           "cadence_first_step_weeks", "setup"),
                "plan": ("max_cues", "max_exercises")}
    out = {}
    for section, keys in required.items():
        r = _Reader("rules", section, t.get(section, None) if section in t else {}, src)
        if section not in t:
            raise r.err("missing section")
        d = {k: r.get(k, (int, float, str)) for k in keys}
        d["evidence"] = r.evidence()
        r.done()
        out[section] = MappingProxyType(d)
    return out


def _cross_check(k: Knowledge) -> None:
    def need(file: str, where: str, kind: str, ids, table) -> None:
        missing = [i for i in ids if i not in table]
        if missing:
            raise KnowledgeError(f"{file}.toml [{where}]: unknown {kind} {missing}")

    for m in k.metrics.values():
        need("metrics", f"{m.name}.flag_with", "metric(s)", m.flag_with, k.metrics)
    for c in k.conditions.values():
        need("conditions", c.id, "exercise(s)", c.exercises, k.exercises)
        need("conditions", c.id, "cue(s)", c.cues, k.cues)
        need("conditions", c.id, "advice", c.advice, k.advice)
        for ln in c.links:
            need("conditions", f"{c.id}.links", "metric", [ln.metric], k.metrics)
            concern = k.metrics[ln.metric].concern
            if ln.direction in ("high", "low") and ln.direction != concern:
                raise KnowledgeError(f"conditions.toml [{c.id}.links]: direction '{ln.direction}' for "
                                     f"{ln.metric} disagrees with its concern '{concern}' in metrics.toml")
    for cue in k.cues.values():
        need("cues", cue.id, "exercise(s)", cue.exercises, k.exercises)
        for metric, direction in cue.triggers:
            need("cues", f"{cue.id}.triggers", "metric", [metric], k.metrics)
            if k.metrics[metric].concern != direction:
                raise KnowledgeError(f"cues.toml [{cue.id}.triggers]: direction '{direction}' for {metric} "
                                     f"disagrees with its concern '{k.metrics[metric].concern}'")
    for rf in k.red_flags.values():
        need("red_flags", rf.id, "urgency", [rf.urgency], k.urgency)
        need("red_flags", rf.id, "condition(s)", rf.conditions, k.conditions)


def load_knowledge(directory: str | Path | None = None) -> Knowledge:
    """Load and validate the knowledge files (package data by default; cached).

    Parameters
    ----------
    directory : path, optional
        A folder holding edited copies of all files in ``FILES`` (for clinical review).
    """
    if directory is None:
        return _default_knowledge()
    return parse_knowledge({name: _read_toml(Path(directory), name) for name in FILES})


@functools.lru_cache(maxsize=1)
def _default_knowledge() -> Knowledge:
    return parse_knowledge({name: _read_toml(None, name) for name in FILES})
