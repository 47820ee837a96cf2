"""Symptom intake: where and how the hip hurts, and the red-flag questions.

One model, three ways in: a TOML/JSON file (``load_symptoms``), a mapping (``symptoms_from_mapping``,
used by the Streamlit page) and CLI flags (``symptom_options`` click decorator). The vocabularies
below are the only accepted words; the red-flag ids come from ``data/red_flags.toml``.

Example file (``symptoms.toml``)::

    pain_side = "right"
    locations = ["outer_hip"]
    character = ["ache"]
    when = ["lying_on_side", "stairs_hills"]
    pain_score = 4
    duration_weeks = 6
    red_flags = []
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from formcheck.errors import ConfigError

PAIN_SIDES = ("none", "left", "right", "both")

LOCATIONS: dict[str, str] = {
    "outer_hip": "outer hip",
    "groin_front": "groin / front of the hip",
    "buttock_sit_bone": "buttock / sit bone",
    "back_of_thigh": "back of the thigh",
    "low_back": "low back",
}
#: Friendlier spellings accepted on input (CLI and files).
LOCATION_ALIASES: dict[str, str] = {
    "lateral": "outer_hip", "outer": "outer_hip", "lateral_hip": "outer_hip",
    "groin": "groin_front", "front": "groin_front", "anterior": "groin_front",
    "buttock": "buttock_sit_bone", "sit_bone": "buttock_sit_bone", "posterior": "buttock_sit_bone",
    "back_thigh": "back_of_thigh", "hamstring": "back_of_thigh", "posterior_thigh": "back_of_thigh",
    "back": "low_back", "lower_back": "low_back",
}

CHARACTERS: dict[str, str] = {
    "ache": "ache", "sharp": "sharp", "burning": "burning", "deep": "deep", "pinching": "pinching",
    "tingling": "tingling", "stiffness": "stiffness", "throbbing": "throbbing",
}

WHEN: dict[str, str] = {
    "during_run": "during runs", "after_run": "after runs", "start_of_run": "at the start of runs",
    "later_in_run": "at a predictable point into a run", "next_morning": "the morning after running",
    "morning": "in the morning", "night": "at night", "rest": "at rest", "sitting": "when sitting",
    "lying_on_side": "lying on that side", "crossed_legs": "with crossed legs",
    "stairs_hills": "on stairs or hills", "uphill": "running uphill", "downhill": "running downhill",
    "speed_work": "with speed work", "hip_flexion": "lifting the knee / bending the hip",
    "standing_one_leg": "standing on one leg", "weight_bearing": "with weight bearing",
    "hopping": "when hopping",
}


def _norm(word: str) -> str:
    return str(word).strip().lower().replace("-", "_").replace(" ", "_")


@functools.lru_cache(maxsize=1)
def _red_flag_ids() -> tuple[str, ...]:
    from formcheck.knowledge import load_knowledge  # lazy: knowledge imports this module

    return tuple(load_knowledge().red_flags)


def _check_words(kind: str, words: Iterable[str], valid: Iterable[str],
                 aliases: Mapping[str, str] | None = None) -> tuple[str, ...]:
    valid = tuple(valid)
    out: list[str] = []
    for w in words:
        n = _norm(w)
        n = (aliases or {}).get(n, n)
        if n not in valid:
            raise ConfigError(f"unknown {kind} {w!r}; valid: {', '.join(valid)}")
        if n not in out:
            out.append(n)
    return tuple(out)


@dataclass(frozen=True)
class Symptoms:
    """What the runner reports. Every field is optional; an empty ``Symptoms()`` means "no pain".

    Attributes
    ----------
    pain_side : {"none", "left", "right", "both"}
        Painful side. With locations but side "none", the side is treated as unknown.
    locations : tuple of str
        Keys of ``LOCATIONS`` (aliases such as "lateral" or "groin" are accepted on input).
    character, when : tuple of str
        Keys of ``CHARACTERS`` and ``WHEN``.
    pain_score : int or None
        Worst pain in the last week, 0-10. 7 or more counts as a red flag.
    duration_weeks : float or None
        How long it has hurt.
    age_years : int or None
        Needed for the adolescent-limp red flag (with ``limp``).
    limp : bool
        The runner limps.
    cambered_roads : bool
        Most runs are on the same side of cambered roads.
    red_flags : tuple of str
        Ids in ``data/red_flags.toml`` answered "yes".
    notes : str
        Free text; shown escaped in reports, never interpreted.
    """

    pain_side: str = "none"
    locations: tuple[str, ...] = ()
    character: tuple[str, ...] = ()
    when: tuple[str, ...] = ()
    pain_score: int | None = None
    duration_weeks: float | None = None
    age_years: int | None = None
    limp: bool = False
    cambered_roads: bool = False
    red_flags: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        side = _norm(self.pain_side or "none")
        if side not in PAIN_SIDES:
            raise ConfigError(f"pain_side must be one of {', '.join(PAIN_SIDES)}, got {self.pain_side!r}")
        object.__setattr__(self, "pain_side", side)
        object.__setattr__(self, "locations", _check_words("pain location", self.locations, LOCATIONS,
                                                           LOCATION_ALIASES))
        object.__setattr__(self, "character", _check_words("pain character", self.character, CHARACTERS))
        object.__setattr__(self, "when", _check_words("'when it hurts' word", self.when, WHEN))
        object.__setattr__(self, "red_flags", _check_words("red flag", self.red_flags, _red_flag_ids()))
        if self.pain_score is not None:
            if not 0 <= float(self.pain_score) <= 10:
                raise ConfigError(f"pain_score must be within 0-10, got {self.pain_score}")
            object.__setattr__(self, "pain_score", int(round(float(self.pain_score))))
        if self.duration_weeks is not None and float(self.duration_weeks) < 0:
            raise ConfigError(f"duration_weeks must be >= 0, got {self.duration_weeks}")
        if self.age_years is not None and not 3 <= int(self.age_years) <= 110:
            raise ConfigError(f"age_years must be within 3-110, got {self.age_years}")
        object.__setattr__(self, "notes", str(self.notes or ""))

    @property
    def has_pain(self) -> bool:
        """True when any pain is reported (side, location or a score above 0)."""
        return self.pain_side != "none" or bool(self.locations) or bool(self.pain_score)

    @property
    def side_known(self) -> str | None:
        """"left"/"right"/"both" when the painful side is known, else None."""
        return None if self.pain_side == "none" else self.pain_side


_FIELDS = tuple(f.name for f in fields(Symptoms))
_LIST_FIELDS = ("locations", "character", "when", "red_flags")


def symptoms_from_mapping(data: Mapping) -> Symptoms:
    """Build ``Symptoms`` from a plain mapping (file content, a web form); rejects unknown keys."""
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"unknown symptom field(s) {', '.join(unknown)}; valid: {', '.join(_FIELDS)}")
    kwargs = dict(data)
    for key in _LIST_FIELDS:
        if key in kwargs:
            v = kwargs[key]
            kwargs[key] = (v,) if isinstance(v, str) else tuple(v or ())
    return Symptoms(**kwargs)


def load_symptoms(path: str | Path) -> Symptoms:
    """Read a ``.toml`` or ``.json`` symptom file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read symptom file {p}: {e}") from e
    try:
        data = json.loads(raw) if p.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"symptom file {p} is not valid {'JSON' if p.suffix == '.json' else 'TOML'}: {e}") from e
    if not isinstance(data, Mapping):
        raise ConfigError(f"symptom file {p} must contain a table/object of fields")
    return symptoms_from_mapping(data)


def symptoms_from_cli(*, symptoms_file: str | Path | None = None, pain_side: str | None = None,
                      pain_location: Iterable[str] = (), pain_character: Iterable[str] = (),
                      pain_when: Iterable[str] = (), pain_score: int | None = None,
                      pain_weeks: float | None = None, age: int | None = None, limp: bool = False,
                      cambered_roads: bool = False, red_flag: Iterable[str] = (),
                      symptom_notes: str | None = None) -> Symptoms | None:
    """Turn CLI values into ``Symptoms`` (flags override / extend the file). None when nothing given."""
    base = load_symptoms(symptoms_file) if symptoms_file else None
    data = {k: getattr(base, k) for k in _FIELDS} if base else {}
    given = False
    for key, value in (("pain_side", pain_side), ("pain_score", pain_score), ("duration_weeks", pain_weeks),
                       ("age_years", age), ("notes", symptom_notes)):
        if value is not None:
            data[key], given = value, True
    for key, value in (("locations", pain_location), ("character", pain_character), ("when", pain_when),
                       ("red_flags", red_flag)):
        if value:
            data[key], given = tuple(data.get(key, ())) + tuple(value), True
    for key, value in (("limp", limp), ("cambered_roads", cambered_roads)):
        if value:
            data[key], given = True, True
    if base is None and not given:
        return None
    return symptoms_from_mapping(data)


def red_flag_questions() -> tuple[tuple[str, str], ...]:
    """(id, question) for every red flag, in file order (for the page and interactive prompts)."""
    from formcheck.knowledge import load_knowledge

    return tuple((k, f.question) for k, f in load_knowledge().red_flags.items())


def symptom_options(func: Callable) -> Callable:
    """Click decorator: adds the symptom flags and passes ``symptoms=Symptoms | None`` to the command.

    Flags: ``--symptoms FILE``, ``--pain-side``, ``--pain-location`` (repeatable), ``--pain-character``,
    ``--pain-when``, ``--pain-score``, ``--pain-weeks``, ``--age``, ``--limp``, ``--cambered-roads``,
    ``--red-flag NAME`` (repeatable), ``--symptom-notes``. Bad values are click usage errors (exit 2).
    """
    import click

    locs = sorted(set(LOCATIONS) | set(LOCATION_ALIASES))
    options = [
        click.option("--symptoms", "symptoms_file", type=click.Path(exists=True, dir_okay=False),
                     help="TOML or JSON symptom file (flags below override it)."),
        click.option("--pain-side", type=click.Choice(PAIN_SIDES), help="Painful side."),
        click.option("--pain-location", multiple=True, type=click.Choice(locs),
                     help="Where it hurts (repeatable)."),
        click.option("--pain-character", multiple=True, type=click.Choice(sorted(CHARACTERS)),
                     help="What the pain feels like (repeatable)."),
        click.option("--pain-when", multiple=True, type=click.Choice(sorted(WHEN)),
                     help="When it hurts (repeatable)."),
        click.option("--pain-score", type=click.IntRange(0, 10), help="Worst pain in the last week, 0-10."),
        click.option("--pain-weeks", type=click.FloatRange(0), help="How many weeks it has hurt."),
        click.option("--age", type=click.IntRange(3, 110), help="Runner's age in years."),
        click.option("--limp", is_flag=True, help="The runner limps."),
        click.option("--cambered-roads", is_flag=True, help="Most runs are on one side of cambered roads."),
        click.option("--red-flag", multiple=True, metavar="NAME",
                     help="A red-flag question answered yes (repeatable); see formcheck's red-flag list."),
        click.option("--symptom-notes", help="Free-text notes shown in the report."),
    ]
    names = ("symptoms_file", "pain_side", "pain_location", "pain_character", "pain_when", "pain_score",
             "pain_weeks", "age", "limp", "cambered_roads", "red_flag", "symptom_notes")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        values = {n: kwargs.pop(n, None) for n in names}
        values = {k: v for k, v in values.items() if v not in (None, (), False)}
        try:
            kwargs["symptoms"] = symptoms_from_cli(**values)
        except ConfigError as e:
            raise click.BadParameter(str(e)) from e
        return func(*args, **kwargs)

    for opt in reversed(options):
        wrapper = opt(wrapper)
    return wrapper
