"""Render an ``Assessment`` as Markdown, self-contained HTML, or a JSON-ready dict (pure: returns data).

The HTML has inline CSS and inline SVG gauges, no external assets; extra images (plots, key frames)
are passed as bytes and embedded as base64 data URIs. All text that comes from users or files (clip
names, notes, athlete names, warnings) is HTML-escaped.

Order of sections: disclaimer, data-quality warnings, red-flag card, symptoms, metric cards,
asymmetry, likely contributors, cues, exercises, advice, re-test, images, citations, disclaimer.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import math
from collections.abc import Mapping, Sequence

from formcheck.guidance import PROVISIONAL_NOTE, Assessment
from formcheck.symptoms import CHARACTERS, LOCATIONS, WHEN

STATUS_TEXT = {"typical": "typical", "watch": "watch", "flag": "flag", "info": "info",
               "unrated": "not rated", "not_measured": "not measured"}
STATUS_COLOUR = {"typical": "#2e7d32", "watch": "#ef8f00", "flag": "#c62828", "info": "#607d8b",
                 "unrated": "#607d8b", "not_measured": "#9e9e9e"}
Images = Sequence[tuple[str, bytes]] | Mapping[str, bytes]


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _m(text) -> str:
    """Escape for Markdown output: no raw HTML from user text (quotes left readable)."""
    return html.escape(str(text), quote=False)


def _fin(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _symptom_lines(a: Assessment) -> list[str]:
    s = a.symptoms
    if s is None:
        return ["No symptoms were entered."]
    if not s.has_pain and not s.red_flags:
        return ["No pain reported."]
    lines = []
    if s.pain_side != "none":
        lines.append(f"Painful side: {s.pain_side}")
    if s.locations:
        lines.append("Where: " + ", ".join(LOCATIONS[x] for x in s.locations))
    if s.character:
        lines.append("Feels: " + ", ".join(CHARACTERS[x] for x in s.character))
    if s.when:
        lines.append("Hurts: " + ", ".join(WHEN[x] for x in s.when))
    if s.pain_score is not None:
        lines.append(f"Worst pain: {s.pain_score}/10")
    if s.duration_weeks is not None:
        lines.append(f"For: {s.duration_weeks:g} weeks")
    if s.notes:
        lines.append(f"Notes: {s.notes}")
    return lines


def _value_text(st) -> str:
    if st.status == "not_measured":
        return "not measured"
    main = st.fmt(st.value) if _fin(st.value) else ""
    sides = ", ".join(f"{sv.side[0].upper()} {sv.value:.{st.decimals}f}" for sv in st.sides)
    if not sides:
        return main or "n/a"
    return f"{main} ({sides})" if main else f"{sides} {st.unit_label}".strip()


def _conf_text(st) -> str:
    return "" if st.status == "not_measured" else f"confidence {st.confidence:.2f}"


# --------------------------------------------------------------------------- markdown
def render_markdown(assessment: Assessment, *, title: str = "formcheck report", subtitle: str = "",
                    warnings: Sequence[str] = ()) -> str:
    """The assessment as Markdown (user text HTML-escaped so it cannot inject markup)."""
    a, out = assessment, []
    out += [f"# {_m(title)}", ""]
    if subtitle:
        out += [_m(subtitle), ""]
    out += [f"> **{_m(a.disclaimer)}**", ""]
    quality = [*warnings, *a.data_quality]
    if quality:
        out += ["## Data quality", ""] + [f"- {_m(w)}" for w in quality] + [""]
    if a.triage.positive:
        out += [f"## {_m(a.triage.title)}", "", f"**{_m(a.triage.message)}**", ""]
        out += [f"- **{_m(h.label)}** ({_m(h.why)}): may point to {_m(h.possible)}. {_m(h.action)}"
                for h in a.triage.hits] + [""]
    out += ["## Symptoms", ""] + [f"- {_m(x)}" for x in _symptom_lines(a)] + [""]
    if a.cautions:
        out += ["## Safety notes", ""] + [f"- {_m(c)}" for c in a.cautions] + [""]
    out += ["## Measurements", "", "| Metric | Value | Status | Confidence | Typical | Clip |",
            "|---|---|---|---|---|---|"]
    for st in a.statuses:
        prov = " (provisional)" if st.sources and not st.verified else ""
        out.append(f"| {_m(st.label)} | {_m(_value_text(st))} | {STATUS_TEXT[st.status]} | "
                   f"{st.confidence:.2f} | {_m(st.typical_text())}{prov} | {_m(st.source_clip)} |")
    out.append("")
    notable = [st for st in a.statuses if st.status in ("watch", "flag")]
    if notable:
        out += [f"- **{_m(st.label)} ({st.status})**: {_m(st.reason)}. " + " ".join(_m(n) for n in st.notes)
                for st in notable] + [""]
    if a.asymmetries:
        out += ["## Left / right", ""] + [f"- **{_m(x.label)}** ({x.status}): {_m(x.text)}"
                                          for x in a.asymmetries] + [""]
    out += ["## Likely contributors", ""]
    if not a.contributors:
        out += ["Nothing in these clips or symptoms points to a specific condition.", ""]
    for i, c in enumerate(a.contributors[:5], 1):
        out += [f"{i}. **{_m(c.name)}** (evidence {c.grade}) - `{_m(c.chain)}`"]
        out += [f"   - {_m(r)}" for r in c.reasons]
    out.append("")
    p = a.plan
    if p.suppressed:
        out += ["## Plan", "", f"**No cues or exercises: {_m(p.suppressed_reason)}**", ""]
    else:
        out += ["## Running cues (one at a time)", ""]
        out += [f"{i}. **{_m(c.title)}** - {_m(c.text)} _(evidence {c.grade}; why: {_m(c.why)})_"
                for i, c in enumerate(p.cues, 1)] or ["No form change suggested."]
        out += ["", "## Exercises", ""]
        for ex in p.exercises:
            prov = " (provisional dosage)" if not ex.verified else ""
            out += [f"- **{_m(ex.name)}**: {_m(ex.dosage)}{prov}. {_m(ex.how)} Progression: {_m(ex.progression)} "
                    f"_(for {_m(', '.join(ex.for_what))}; evidence {ex.grade})_"]
        out += [f"- Left out: {_m(n)} - {_m(r)}" for n, r in p.left_out]
        out += [f"- Note: {_m(n)}" for n in p.notes]
        if not p.exercises:
            out.append("No exercise programme.")
        out += ["", "## Advice", ""] + [f"- **{_m(x.title)}**: {_m(x.text)} _(evidence {x.grade})_"
                                        for x in p.advice] + [""]
        if p.retest:
            out += ["## Re-test", "", _m(p.retest.text), ""]
            out += [f"- {_m(t.now)}: {_m(t.text)}" for t in p.retest.targets] + [""]
    out += ["## Sources", ""] + [f"{i}. {_m(cit)}" + ("" if ver else " _(not yet verified)_")
                                 for i, (_k, cit, ver) in enumerate(a.citations, 1)]
    out += ["", f"_{_m(PROVISIONAL_NOTE)}_", "", f"> **{_m(a.disclaimer)}**", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- html
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2430}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin:28px 0 10px;font-size:1.25rem}
.sub{color:#5b6472;margin-bottom:12px}
.disclaimer{background:#e8eef7;border-left:5px solid #3f6db3;padding:10px 14px;border-radius:6px;font-weight:600}
.quality{background:#fff8e1;border-left:5px solid #ef8f00;padding:8px 14px;border-radius:6px}
.redflag{background:#fdecea;border:2px solid #c62828;padding:14px 18px;border-radius:8px}
.redflag h2{color:#c62828;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card h3{font-size:.95rem;margin:0 0 6px}.val{font-size:1.3rem;font-weight:600}
.badge{display:inline-block;color:#fff;border-radius:10px;padding:1px 9px;font-size:.8rem;font-weight:600}
.small{font-size:.82rem;color:#5b6472}.chain{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;
background:#f0f2f5;padding:4px 8px;border-radius:4px;display:inline-block}
.box{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin-bottom:10px}
ol.cites{font-size:.85rem}figure{margin:0 0 12px}figure img{max-width:100%;border-radius:6px}
table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left}
"""


def gauge_svg(st, width_px: int = 220) -> str:
    """Inline SVG bar: typical (green), watch (amber) and flag (red) zones with the value marked.

    Returns "" when the metric has no numbers to draw.
    """
    lo, hi = st.typical
    vals = [v for v in (st.value, *(s.value for s in st.sides)) if _fin(v)]
    refs = [v for v in (lo, hi, st.watch, st.flag) if _fin(v)]
    pts = refs + vals
    if not vals or not refs or len(set(pts)) < 2:
        return ""
    dmin, dmax = min(pts), max(pts)
    pad = 0.15 * (dmax - dmin)
    dmin, dmax = dmin - pad, dmax + pad
    h, bar_y, bar_h = 34, 10, 10

    def x(v: float) -> float:
        return round((v - dmin) / (dmax - dmin) * width_px, 1)

    rects = []

    def zone(a: float, b: float, colour: str) -> None:
        if _fin(a) and _fin(b) and b > a:
            rects.append(f'<rect x="{x(a)}" y="{bar_y}" width="{x(b) - x(a)}" height="{bar_h}" fill="{colour}"/>')

    rects.append(f'<rect x="0" y="{bar_y}" width="{width_px}" height="{bar_h}" fill="#e3e6ea"/>')
    tl = lo if _fin(lo) else dmin
    th = hi if _fin(hi) else dmax
    if st.concern == "high":
        zone(tl, st.watch if _fin(st.watch) else th, "#a5d6a7")
        zone(st.watch, st.flag if _fin(st.flag) else dmax, "#ffcc80")
        zone(st.flag, dmax, "#ef9a9a")
    elif st.concern == "low":
        zone(st.watch if _fin(st.watch) else tl, th, "#a5d6a7")
        zone(st.flag if _fin(st.flag) else dmin, st.watch, "#ffcc80")
        zone(dmin, st.flag, "#ef9a9a")
    else:
        zone(tl, th, "#c5d3e0")
    marks = [(s.value, s.side[0].upper()) for s in st.sides] or [(st.value, "")]
    for v, lab in marks:
        if _fin(v):
            rects.append(f'<line x1="{x(v)}" y1="4" x2="{x(v)}" y2="{bar_y + bar_h + 4}" stroke="#1d2430" '
                         f'stroke-width="2"/><text x="{x(v) + 3}" y="{h - 2}" font-size="9">{_e(lab)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{h}" role="img" '
            f'aria-label="{_e(st.label)} gauge">{"".join(rects)}</svg>')


def _mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data.lstrip().startswith((b"<svg", b"<?xml")):
        return "image/svg+xml"
    return "application/octet-stream"


def _card(st) -> str:
    colour = STATUS_COLOUR[st.status]
    prov = ' <span class="small">(provisional reference)</span>' if st.sources and not st.verified else ""
    notes = "".join(f'<div class="small">{_e(n)}</div>' for n in st.notes if not n.startswith("Provisional reference"))
    reason = "" if st.status == "typical" else f'<div class="small">{_e(st.reason)}</div>'
    src = f'<div class="small">clip: {_e(st.source_clip)}{f" ({_e(st.view)} view)" if st.view else ""}</div>' \
        if st.source_clip else ""
    return (f'<div class="card"><h3>{_e(st.label)}</h3><div class="val">{_e(_value_text(st))}</div>'
            f'<span class="badge" style="background:{colour}">{STATUS_TEXT[st.status]}</span> '
            f'<span class="small">{_e(_conf_text(st))}</span>{gauge_svg(st)}'
            f'<div class="small">{_e(st.typical_text())}{prov}</div>'
            f'{reason}{notes}{src}</div>')


def render_html(assessment: Assessment, *, title: str = "formcheck report", subtitle: str = "",
                warnings: Sequence[str] = (), images: Images = ()) -> str:
    """A self-contained HTML page (inline CSS and SVG; ``images`` embedded as data URIs)."""
    a, p = assessment, assessment.plan
    body = [f"<h1>{_e(title)}</h1>"]
    if subtitle:
        body.append(f'<div class="sub">{_e(subtitle)}</div>')
    body.append(f'<p class="disclaimer" id="disclaimer">{_e(a.disclaimer)}</p>')
    quality = [*warnings, *a.data_quality]
    if quality:
        body.append('<div class="quality"><strong>Data quality</strong><ul>'
                    + "".join(f"<li>{_e(w)}</li>" for w in quality) + "</ul></div>")
    if a.triage.positive:
        body.append(f'<section class="redflag" id="red-flags"><h2>{_e(a.triage.title)}</h2>'
                    f"<p><strong>{_e(a.triage.message)}</strong></p><ul>"
                    + "".join(f"<li><strong>{_e(h.label)}</strong> ({_e(h.why)}): may point to {_e(h.possible)}. "
                              f"{_e(h.action)}</li>" for h in a.triage.hits) + "</ul></section>")
    body.append('<h2>Symptoms</h2><div class="box"><ul>' + "".join(f"<li>{_e(x)}</li>" for x in _symptom_lines(a))
                + "</ul></div>")
    if a.cautions:
        body.append('<div class="quality"><strong>Safety notes</strong><ul>'
                    + "".join(f"<li>{_e(c)}</li>" for c in a.cautions) + "</ul></div>")
    body.append('<h2>Measurements</h2><div class="cards">' + "".join(_card(st) for st in a.statuses) + "</div>")
    if a.asymmetries:
        body.append("<h2>Left / right</h2>" + "".join(
            f'<div class="box"><strong>{_e(x.label)}</strong> <span class="badge" '
            f'style="background:{STATUS_COLOUR[x.status]}">{x.status}</span><div>{_e(x.text)}</div></div>'
            for x in a.asymmetries))
    body.append("<h2>Likely contributors</h2>")
    if not a.contributors:
        body.append('<div class="box">Nothing in these clips or symptoms points to a specific condition.</div>')
    for i, c in enumerate(a.contributors[:5], 1):
        refer = '<div class="small">A clinician should assess this one; formcheck gives no exercises for it.</div>' \
            if c.refer else ""
        body.append(f'<div class="box"><strong>{i}. {_e(c.name)}</strong> <span class="small">evidence {c.grade}'
                    f', measurement confidence {_e(c.confidence)}</span><div class="chain">{_e(c.chain)}</div>'
                    "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in c.reasons) + f"</ul>{refer}</div>")
    body += _plan_html(p)
    for caption, data in (images.items() if isinstance(images, Mapping) else images):
        b64 = base64.b64encode(bytes(data)).decode("ascii")
        body.append(f'<figure><img alt="{_e(caption)}" src="data:{_mime(bytes(data))};base64,{b64}">'
                    f"<figcaption class=\"small\">{_e(caption)}</figcaption></figure>")
    body.append('<h2>Sources</h2><ol class="cites">' + "".join(
        f"<li>{_e(cit)}{'' if ver else ' <em>(not yet verified)</em>'}</li>" for _k, cit, ver in a.citations)
        + f'</ol><p class="small">{_e(PROVISIONAL_NOTE)}</p>')
    body.append(f'<p class="disclaimer">{_e(a.disclaimer)}</p>')
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
            + "\n".join(body) + "</main></body></html>")


def _plan_html(p) -> list[str]:
    if p.suppressed:
        return [f'<h2>Plan</h2><div class="redflag" id="plan-suppressed"><strong>No running cues or exercises.'
                f"</strong> {_e(p.suppressed_reason)}</div>"]
    out = ['<h2>Running cues <span class="small">(one at a time)</span></h2>']
    out += [f'<div class="box" id="cue-{_e(c.id)}"><strong>{i}. {_e(c.title)}</strong><div>{_e(c.text)}</div>'
            f'<div class="small">why: {_e(c.why)} - evidence {c.grade}</div></div>'
            for i, c in enumerate(p.cues, 1)] or ['<div class="box">No form change suggested.</div>']
    out.append("<h2>Exercises</h2>")
    for ex in p.exercises:
        prov = " (provisional dosage)" if not ex.verified else ""
        caution = f'<div class="small">Caution: {_e(ex.caution)}</div>' if ex.caution else ""
        out.append(f'<div class="box exercise"><strong>{_e(ex.name)}</strong> - {_e(ex.dosage)}{prov}'
                   f"<div>{_e(ex.how)}</div><div class=\"small\">Progression: {_e(ex.progression)}</div>{caution}"
                   f'<div class="small">for {_e(", ".join(ex.for_what))}; stage {ex.stage}; evidence {ex.grade}</div></div>')
    if not p.exercises:
        out.append('<div class="box">No exercise programme.</div>')
    extra = [f"Left out: {n} - {r}" for n, r in p.left_out] + list(p.notes)
    if extra:
        out.append('<div class="box small"><ul>' + "".join(f"<li>{_e(x)}</li>" for x in extra) + "</ul></div>")
    if p.advice:
        out.append("<h2>Advice</h2>" + "".join(
            f'<div class="box"><strong>{_e(x.title)}</strong>: {_e(x.text)} <span class="small">evidence {x.grade}'
            f'{"" if x.verified else ", provisional"}</span></div>' for x in p.advice))
    if p.retest:
        out.append(f'<h2>Re-test</h2><div class="box"><p>{_e(p.retest.text)}</p><ul>'
                   + "".join(f"<li><strong>{_e(t.now)}</strong>: {_e(t.text)}</li>" for t in p.retest.targets)
                   + "</ul></div>")
    return out


# --------------------------------------------------------------------------- json
def _clean(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def to_json_dict(assessment: Assessment) -> dict:
    """JSON-ready dict for ``analysis.json`` (key ``assessment``); NaN becomes null.

    Keys: schema, disclaimer, findings, asymmetries, contributors, cautions, red_flags, plan,
    data_quality, citations, symptoms.
    """
    a = assessment
    asdict = dataclasses.asdict
    tri = a.triage
    return _clean({
        "schema": "formcheck.assessment/1",
        "disclaimer": a.disclaimer,
        "findings": [asdict(s) for s in a.statuses],
        "asymmetries": [asdict(x) for x in a.asymmetries],
        "contributors": [asdict(c) for c in a.contributors],
        "cautions": list(a.cautions),
        "red_flags": {"positive": tri.positive, "urgency": tri.urgency, "title": tri.title, "message": tri.message,
                      "stop_running": tri.stop_running, "hits": [asdict(h) for h in tri.hits]},
        "plan": asdict(a.plan),
        "data_quality": list(a.data_quality),
        "citations": [{"key": k, "citation": c, "verified": v} for k, c, v in a.citations],
        "symptoms": asdict(a.symptoms) if a.symptoms is not None else None,
    })
