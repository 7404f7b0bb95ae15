"""WCAG 2.1 AA contrast of the colours web/static/style.css actually pairs (issue 5).

The stylesheet is parsed: its `:root` custom properties and its rules. Every pair below
names, for a designer, what is checked; each side is read from the rule that sets it, so a
changed colour is checked where it is used. Text needs 4.5:1 (SC 1.4.3; nothing here is
large text, so 3:1 for text is not used), borders, outlines and diagram strokes that show a
control or a state need 3:1 (SC 1.4.11). The focus ring is two bands (a yellow outline over
a dark box-shadow, technique C40): the bands need 9:1 between them, so that one of them
reaches 3:1 against any surface, and each surface it sits on is checked as well.

A rule, selector, property or custom property the pairs name that is no longer in the
stylesheet fails the test by name, rather than being skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "web" / "static" / "style.css"

TEXT = 4.5  # SC 1.4.3, normal-size text
UI = 3.0  # SC 1.4.11, user-interface components and graphics (and large text)
FOCUS_BANDS = 9.0  # technique C40, two-colour focus indicator

NAMED = {"white": "#ffffff", "black": "#000000"}
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|var\(\s*(--[\w-]+)\s*\)|\b(?:white|black)\b")


# --- the stylesheet ------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    selectors: tuple[str, ...]
    declarations: dict[str, str]


@dataclass(frozen=True)
class Sheet:
    variables: dict[str, str]
    rules: tuple[Rule, ...]


def _normal(selector: str) -> str:
    return " ".join(selector.split())


def _blocks(text: str) -> list[tuple[str, str]]:
    """(prelude, body) of each top-level block; @media and the like are opened up."""
    found: list[tuple[str, str]] = []
    depth, start, prelude_start = 0, 0, 0
    for index, char in enumerate(text):
        if char == "{":
            if depth == 0:
                start = index + 1
                prelude = text[prelude_start:index].strip()
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise AssertionError(f"style.css: unbalanced '}}' at offset {index}")
            if depth == 0:
                body = text[start:index]
                if prelude.startswith("@"):
                    found.extend(_blocks(body))
                else:
                    found.append((prelude, body))
                prelude_start = index + 1
    if depth != 0:
        raise AssertionError("style.css: unbalanced '{'")
    return found


def _declarations(body: str) -> dict[str, str]:
    declarations: dict[str, str] = {}
    for part in body.split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            declarations[name.strip().lower()] = value.strip()
    return declarations


def parse(text: str) -> Sheet:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    variables: dict[str, str] = {}
    rules: list[Rule] = []
    for prelude, body in _blocks(text):
        declarations = _declarations(body)
        selectors = tuple(_normal(s) for s in prelude.split(","))
        if selectors == (":root",):
            variables.update({k: v for k, v in declarations.items() if k.startswith("--")})
        rules.append(Rule(selectors, declarations))
    return Sheet(variables, tuple(rules))


@cache
def sheet() -> Sheet:
    return parse(STYLESHEET.read_text(encoding="utf-8"))


def resolve(value: str, sheet: Sheet, where: str) -> str:
    """The first colour in a declaration's value as #rrggbb, following var(--name)."""
    found = _COLOUR.search(value)
    if found is None:
        raise AssertionError(f"{where}: no colour in {value!r}")
    if found.group(1):
        name = found.group(1)
        if name not in sheet.variables:
            raise AssertionError(f"{where}: style.css no longer defines the variable {name}")
        return resolve(sheet.variables[name], sheet, f"{where} → {name}")
    token = NAMED.get(found.group(0).lower(), found.group(0))
    digits = token[1:]
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 8 and digits[6:].lower() != "ff":
        raise AssertionError(f"{where}: {token} is translucent; contrast needs its backdrop")
    return "#" + digits[:6].lower()


# --- the WCAG 2.1 formulas ------------------------------------------------------------


def luminance(colour: str) -> float:
    """Relative luminance, WCAG 2.1 (sRGB, the 0.04045 threshold of the sRGB standard)."""
    channels = []
    for offset in (1, 3, 5):
        c = int(colour[offset : offset + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- what is checked ------------------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """A custom property of :root."""

    name: str

    def colour(self, sheet: Sheet) -> str:
        return resolve(f"var({self.name})", sheet, self.name)


@dataclass(frozen=True)
class Decl:
    """The colour a rule sets: the last rule whose selector list holds `selector`."""

    selector: str
    prop: str

    def colour(self, sheet: Sheet) -> str:
        value = None
        for rule in sheet.rules:
            if self.selector in rule.selectors and self.prop in rule.declarations:
                value = rule.declarations[self.prop]
        if value is None:
            raise AssertionError(
                f"style.css has no rule `{self.selector} {{ {self.prop}: … }}` any more"
            )
        return resolve(value, sheet, f"{self.selector} {{ {self.prop} }}")


@dataclass(frozen=True)
class Pair:
    name: str
    fg: Var | Decl
    bg: Var | Decl
    minimum: float


PAGE = Decl("body", "background")
PANEL = Decl("section", "background")  # sections, .facts, forms, tables: var(--paper)
HEADER = Decl(".site-header", "background")
TEXT_COLOUR = Decl("body", "color")

PAIRS = [
    # Body text and links
    Pair("Body text on the page background", TEXT_COLOUR, PAGE, TEXT),
    Pair("Body text on a panel (sections, forms, tables)", TEXT_COLOUR, PANEL, TEXT),
    Pair("Text typed in a form field", Decl("input", "color"), Decl("input", "background"), TEXT),
    Pair("Link on the page background", Decl("a", "color"), PAGE, TEXT),
    Pair("Link on a panel", Decl("a", "color"), PANEL, TEXT),
    Pair("Hovered link on a panel", Decl("a:hover", "color"), PANEL, TEXT),
    Pair("Skip link when focused", Decl("a", "color"), Decl(".skip-link", "background"), TEXT),
    # Muted and secondary text
    Pair("Muted text (.muted) on a panel", Decl(".muted", "color"), PANEL, TEXT),
    Pair("Muted text (.muted) on the page background", Decl(".muted", "color"), PAGE, TEXT),
    Pair("Help text under a field", Decl(".help", "color"), PANEL, TEXT),
    Pair("Help text on the page (login)", Decl(".help", "color"), PAGE, TEXT),
    Pair("Rules line under a form", Decl(".rules", "color"), PANEL, TEXT),
    Pair("Table column headings", Decl("th", "color"), PANEL, TEXT),
    Pair("Term in a fact list (dt)", Decl("dt", "color"), PANEL, TEXT),
    Pair("Empty-queue text", Decl(".empty", "color"), PANEL, TEXT),
    Pair("Text on a refused history row", TEXT_COLOUR, Decl("tr.refused td", "background"), TEXT),
    Pair(
        "Muted text on a refused history row",
        Decl(".muted", "color"),
        Decl("tr.refused td", "background"),
        TEXT,
    ),
    # Header
    Pair("Header: product name", Decl(".brand", "color"), HEADER, TEXT),
    Pair("Header: hovered product name", Decl(".brand:hover", "color"), HEADER, TEXT),
    Pair("Header: signed-in name", Decl(".site-header", "color"), HEADER, TEXT),
    Pair("Header: menu link", Decl(".nav a", "color"), HEADER, TEXT),
    Pair(
        "Header: current or hovered menu link",
        Decl(".nav a", "color"),
        Decl(".nav a:hover", "background"),
        TEXT,
    ),
    Pair(
        "Header: language and sign-out buttons",
        Decl(".site-header button.link", "color"),
        HEADER,
        TEXT,
    ),
    Pair(
        "Header: search button text",
        Decl(".search button", "color"),
        Decl(".search button", "background"),
        TEXT,
    ),
    Pair(
        "Header: search button edge against the header",
        Decl(".search button", "border-color"),
        HEADER,
        UI,
    ),
    Pair("Header: search field against the header", Decl("input", "background"), HEADER, UI),
    # Buttons and fields
    Pair("Button text", Decl("button", "color"), Decl("button", "background"), TEXT),
    Pair("Button edge against a panel", Decl("button", "border"), PANEL, UI),
    Pair(
        "Hovered secondary button",
        Decl("button", "color"),
        Decl("button.secondary:hover", "background"),
        TEXT,
    ),
    Pair(
        "Primary button text",
        Decl("button.primary", "color"),
        Decl("button.primary", "background"),
        TEXT,
    ),
    Pair(
        "Hovered primary button text",
        Decl("button.primary", "color"),
        Decl("button.primary:hover", "background"),
        TEXT,
    ),
    Pair("Primary button against a panel", Decl("button.primary", "background"), PANEL, UI),
    Pair(
        "Placeholder hint in a field (the search field's only visible label)",
        Decl("::placeholder", "color"),
        Decl("input", "background"),
        TEXT,
    ),
    Pair("Form field edge against a panel", Decl("input", "border"), PANEL, UI),
    Pair("Form field edge with an error", Decl(".has-error input", "border-color"), PANEL, UI),
    # Errors and warnings
    Pair("Error next to a field", Decl(".field-error", "color"), PANEL, TEXT),
    Pair("Required-field asterisk", Decl(".required", "color"), PANEL, TEXT),
    Pair("Deadline near (due soon)", Decl(".due-soon", "color"), PANEL, TEXT),
    Pair(
        "Notice: success",
        Decl(".notice.success", "color"),
        Decl(".notice.success", "background"),
        TEXT,
    ),
    Pair("Notice: info", Decl(".notice.info", "color"), Decl(".notice.info", "background"), TEXT),
    Pair(
        "Notice: warning",
        Decl(".notice.warning", "color"),
        Decl(".notice.warning", "background"),
        TEXT,
    ),
    Pair(
        "Notice: error", Decl(".notice.error", "color"), Decl(".notice.error", "background"), TEXT
    ),
    # Status pills
    Pair(
        "Status pill: open / ready / waiting",
        Decl(".state-open", "color"),
        Decl(".state-open", "background"),
        TEXT,
    ),
    Pair(
        "Status pill: completed / issued / fired",
        Decl(".state-completed", "color"),
        Decl(".state-completed", "background"),
        TEXT,
    ),
    Pair(
        "Status pill: lapsed / expired / cancelled / revoked / failed",
        Decl(".state-lapsed", "color"),
        Decl(".state-lapsed", "background"),
        TEXT,
    ),
    Pair(
        "Status pill: in stock",
        Decl(".state-in_stock", "color"),
        Decl(".state-in_stock", "background"),
        TEXT,
    ),
    # The BPMN diagram and its legend
    Pair(
        "Diagram: label in a task",
        Decl("svg.bpmn text", "fill"),
        Decl("svg.bpmn .task rect", "fill"),
        TEXT,
    ),
    Pair(
        "Diagram: label in the current task",
        Decl("svg.bpmn text", "fill"),
        Decl("svg.bpmn .current rect", "fill"),
        TEXT,
    ),
    Pair(
        "Diagram: label in a done task",
        Decl("svg.bpmn text", "fill"),
        Decl("svg.bpmn .done rect", "fill"),
        TEXT,
    ),
    Pair("Diagram: pool and lane names", Decl("svg.bpmn .lane text", "fill"), PANEL, TEXT),
    Pair("Diagram: flow labels", Decl("svg.bpmn .flow-label", "fill"), PANEL, TEXT),
    Pair("Diagram: task outline", Decl("svg.bpmn .task rect", "stroke"), PANEL, UI),
    Pair("Diagram: sequence flows", Decl("svg.bpmn .flow", "stroke"), PANEL, UI),
    Pair("Diagram: arrowheads", Decl("svg.bpmn .arrowhead", "fill"), PANEL, UI),
    Pair("Diagram: pool and lane lines", Decl("svg.bpmn .lane rect", "stroke"), PANEL, UI),
    Pair("Diagram: current task outline", Decl("svg.bpmn .current rect", "stroke"), PANEL, UI),
    Pair("Diagram: done task outline", Decl("svg.bpmn .done rect", "stroke"), PANEL, UI),
    Pair("Legend: 'now' swatch", Decl(".swatch.current", "border-color"), PANEL, UI),
    Pair("Legend: 'done' swatch", Decl(".swatch.done", "border-color"), PANEL, UI),
    Pair("Legend: 'not reached' swatch", Decl(".swatch.idle", "border-color"), PANEL, UI),
    # Focus: the two bands of the ring, then each surface a focused control sits on
    Pair(
        "Focus ring: yellow outline against its dark inner band (C40)",
        Decl(":focus-visible", "outline"),
        Decl(":focus-visible", "box-shadow"),
        FOCUS_BANDS,
    ),
]

# The surfaces a focused control sits on; one of the two focus bands needs 3:1 on each.
FOCUS_SURFACES = [
    ("Focus ring on the page background", PAGE),
    ("Focus ring on a panel or form", PANEL),
    ("Focus ring in the header", HEADER),
    ("Focus ring on the current menu link", Decl(".nav a:hover", "background")),
    ("Focus ring on a primary button", Decl("button.primary", "background")),
    ("Focus ring on a refused history row", Decl("tr.refused td", "background")),
]
FOCUS_BANDS_DECLS = (Decl(":focus-visible", "outline"), Decl(":focus-visible", "box-shadow"))

# Colours no pair needs, each with the reason; anything else in :root must be checked.
DECORATIVE = {
    "--line": "panel and table borders: the panels also differ from the page by fill",
}


# --- the tests ------------------------------------------------------------------------


def test_the_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#949494", "#ffffff") == pytest.approx(3.03, abs=0.01)
    assert resolve("2px solid #abc", sheet(), "test") == "#aabbcc"


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_pair_meets_wcag_aa(pair: Pair) -> None:
    fg, bg = pair.fg.colour(sheet()), pair.bg.colour(sheet())
    ratio = contrast(fg, bg)
    assert ratio >= pair.minimum, (
        f"{pair.name}: {fg} on {bg} is {ratio:.2f}:1, needs {pair.minimum}:1"
    )


@pytest.mark.parametrize("surface", FOCUS_SURFACES, ids=[s[0] for s in FOCUS_SURFACES])
def test_focus_ring_shows_on_every_surface(surface: tuple[str, Decl]) -> None:
    name, background = surface
    bg = background.colour(sheet())
    ratios = {band.prop: contrast(band.colour(sheet()), bg) for band in FOCUS_BANDS_DECLS}
    assert max(ratios.values()) >= UI, f"{name}: neither band reaches 3:1 on {bg}: {ratios}"


def test_every_variable_used_is_defined() -> None:
    text = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.DOTALL)
    used = set(re.findall(r"var\(\s*(--[\w-]+)", text))
    missing = sorted(used - set(sheet().variables))
    assert not missing, f"style.css uses undefined custom properties: {missing}"


def test_the_named_variables_still_exist() -> None:
    """The palette the pairs and this file's comments speak of."""
    expected = {
        "--ink", "--muted", "--line", "--paper", "--wash", "--brand", "--brand-dark",
        "--ok", "--ok-wash", "--warn", "--warn-wash", "--bad", "--bad-wash", "--now",
        "--now-wash", "--focus",
    }  # fmt: skip
    missing = sorted(expected - set(sheet().variables))
    assert not missing, f"style.css no longer defines {missing}; update the contrast pairs"


def test_every_colour_variable_is_checked_or_declared_decorative() -> None:
    checked: set[str] = set()
    colours = {name: Var(name).colour(sheet()) for name in sheet().variables}
    for pair in PAIRS:
        for side in (pair.fg, pair.bg):
            checked.add(side.colour(sheet()))
    for _, surface in FOCUS_SURFACES:
        checked.add(surface.colour(sheet()))
    unchecked = sorted(n for n, c in colours.items() if c not in checked and n not in DECORATIVE)
    assert not unchecked, f"colours in :root that no contrast pair checks: {unchecked}"


def test_every_text_colour_in_the_stylesheet_is_in_a_pair() -> None:
    """A new rule that sets `color` (or an SVG text `fill`) needs a pair above."""
    named = {(d.selector, d.prop) for p in PAIRS for d in (p.fg, p.bg) if isinstance(d, Decl)}
    missing = []
    for rule in sheet().rules:
        for prop in ("color", "fill"):
            if prop not in rule.declarations or not _COLOUR.search(rule.declarations[prop]):
                continue
            if prop == "fill" and not any(s.endswith("text") for s in rule.selectors):
                continue  # shapes: checked through their strokes
            if not any((s, prop) in named for s in rule.selectors):
                missing.append(f"{', '.join(rule.selectors)} {{ {prop} }}")
    assert not missing, f"text colours without a contrast pair: {missing}"
