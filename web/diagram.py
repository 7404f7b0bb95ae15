"""The BPMN diagram of a case, drawn as SVG on the server from the process's BPMN DI.

No JavaScript viewer: the shapes and edges already carry their coordinates
(`bpmndi:BPMNShape`, `bpmndi:BPMNEdge`), so lanes, tasks, events, gateways and flows are
drawn as they were modelled, with completed elements and the current (ready) tasks
highlighted. Colours are set by class in style.css (the CSP forbids inline styles).

Names are the model's (`name`, or `name_en` in English: engine.bpmn_names), never ids. An
end event the case has reached is marked: the engine records completed user tasks and
fired timers, and what follows them without a choice (a service task, an end, a merging
gateway) happened in the same step, so `_reached` follows those flows.

The SVG is drawn at its natural size (11 px labels at zoom 1) inside a scrolling box:
on a narrow screen the reader scrolls instead of the text shrinking. static/diagram.js
adds zoom and pan with buttons and the keyboard.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import escape

from engine.bpmn_names import ElementName
from engine.bpmn_names import element_name
from engine.bpmn_sources import xml_documents
from engine.services.lookup import CasePosition

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
TASKS = {"userTask", "serviceTask", "scriptTask", "manualTask", "task", "businessRuleTask"}
# What runs on in the same engine step once reached: no person and no timer waits there.
AUTOMATIC = {
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "endEvent",
    "intermediateThrowEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
}
EVENTS = {"startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
PADDING = 20
PX_PER_CHAR = 5.8  # an average character of the 11 px labels (DejaVu Sans: 5.1 to 6.3)
LINE_HEIGHT = 13
BAND_WIDTH = 30  # the name band on the left of a pool or lane
BAND_PX_PER_CHAR = 7.2  # the 12 px bold pool and lane names
BAND_MARGIN = 8
BOUNDARY_LABEL_WIDTH = 130  # the widest a boundary event's label grows, in px
BOUNDARY_LABEL_MIN_WIDTH = 48  # narrower than this, a label moves down instead
EVENT_LABEL_WIDTH = 100  # start and end events: short lines that stay near the circle
LABEL_GAP = 6
_SLASH_BREAK = "/\x00 "


@dataclass(frozen=True)
class Element:
    id: str
    kind: str
    name: str
    is_timer: bool
    attached_to: str = ""
    source: str = ""
    target: str = ""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class CaseModel:
    """What the case page reads from the model besides the drawing: element names by id
    and each boundary event's task."""

    names: dict[str, ElementName]
    attached_to: dict[str, str]


def case_model(position: CasePosition) -> CaseModel:
    """The names of the case's BPMN elements (timers, tasks, ends) and what timers guard."""
    root = _document_of(position.source_xml, position.process_id)
    if root is None:
        return CaseModel({}, {})
    names: dict[str, ElementName] = {}
    attached: dict[str, str] = {}
    for node in root.iter():
        if not node.tag.startswith("{" + NS["bpmn"] + "}") or "id" not in node.attrib:
            continue
        names[node.attrib["id"]] = element_name(node)
        if node.get("attachedToRef"):
            attached[node.attrib["id"]] = node.attrib["attachedToRef"]
    return CaseModel(names, attached)


def render_diagram(
    position: CasePosition,
    role_name: Callable[[str], str],
    lang: str,
    reached_label: str = "",
) -> str:
    """SVG markup for the case's process, or an empty string when it has no diagram.

    `reached_label`: the words added to a reached end event's tooltip ("reached").
    """
    root = _document_of(position.source_xml, position.process_id)
    if root is None:
        return ""
    elements = _elements(root, lang)
    done = _reached(elements, position)
    shapes: list[tuple[str, Box]] = []
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        bounds = shape.find("dc:Bounds", NS)
        if bounds is None:
            continue
        box = Box(*(float(bounds.get(k, "0")) for k in ("x", "y", "width", "height")))
        shapes.append((shape.get("bpmnElement", ""), box))
    if not shapes:
        return ""
    edges = [
        (
            edge.get("bpmnElement", ""),
            [
                (float(p.get("x", "0")), float(p.get("y", "0")))
                for p in edge.iterfind("di:waypoint", NS)
            ],
        )
        for edge in root.iterfind(".//bpmndi:BPMNEdge", NS)
    ]
    left = min(b.x for _, b in shapes) - PADDING
    top = min(b.y for _, b in shapes) - PADDING
    right = max(b.x + b.w for _, b in shapes) + PADDING
    bottom = max(b.y + b.h for _, b in shapes) + PADDING
    title = "Processkarta" if lang == "sv" else "Process diagram"
    width, height = right - left, bottom - top
    out = [
        f'<svg class="bpmn" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="bpmn-title" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}">',
        f'<title id="bpmn-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'class="arrowhead"/></marker></defs>',
    ]
    ordered = sorted(shapes, key=lambda s: _layer(elements.get(s[0])))
    event_labels = _boundary_labels(elements, shapes)
    lanes = [box for element_id, box in shapes if _is_pool(elements.get(element_id))]
    for element_id, box in ordered:
        element = elements.get(element_id)
        if element is None:
            continue
        if _is_pool(element):
            name = role_name(element.name) if element.kind == "lane" else element.name
            out.append(_pool(element, box, name))
    for flow_id, points in edges:
        if len(points) < 2:
            continue
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
        state = _state(flow_id, position, done)
        out.append(f'<polyline class="flow {state}" points="{path}" marker-end="url(#arrow)"/>')
        name = elements[flow_id].name if flow_id in elements else ""
        if name:
            (x1, y1), (x2, y2) = points[0], points[1]
            out.append(_text(name, (x1 + x2) / 2 + 4, (y1 + y2) / 2 - 6, "flow-label", 120))
    for element_id, box in ordered:
        element = elements.get(element_id)
        if element is None or element.kind in ("participant", "lane"):
            continue
        label = event_labels.get(element_id) or _event_label(element, box, lanes)
        state = _state(element_id, position, done)
        if element.kind == "endEvent" and state == "done":
            state = "done reached"
            tip = f"{element.name} – {reached_label}" if reached_label else element.name
            element = Element(element.id, element.kind, tip, False)
        out.append(_node(element, box, state, label))
    out.append("</svg>")
    return "\n".join(out)


def _document_of(source: str, process_id: str) -> ElementTree.Element | None:
    """The BPMN document that defines `process_id` among those deployed together."""
    for document in xml_documents(source):
        root = ElementTree.fromstring(document)
        for process in root.iterfind("bpmn:process", NS):
            if process.get("id") == process_id:
                return root
    return None


def _elements(root: ElementTree.Element, lang: str) -> dict[str, Element]:
    found: dict[str, Element] = {}
    for node in root.iter():
        if not node.tag.startswith("{" + NS["bpmn"] + "}") or "id" not in node.attrib:
            continue
        kind = node.tag.split("}", 1)[1]
        is_timer = node.find("bpmn:timerEventDefinition", NS) is not None
        found[node.attrib["id"]] = Element(
            node.attrib["id"],
            kind,
            element_name(node).in_language(lang),
            is_timer,
            node.get("attachedToRef", ""),
            node.get("sourceRef", ""),
            node.get("targetRef", ""),
        )
    return found


def _reached(elements: dict[str, Element], position: CasePosition) -> frozenset[str]:
    """The elements and flows the case has passed: what the engine recorded (completed
    tasks, fired timers) and what follows them without a choice or a wait."""
    flows = [e for e in elements.values() if e.kind == "sequenceFlow"]
    outgoing: dict[str, list[Element]] = {}
    for flow in flows:
        outgoing.setdefault(flow.source, []).append(flow)
    done = set(position.completed)
    waiting = list(done)
    while waiting:
        leaving = outgoing.get(waiting.pop(), [])
        if len(leaving) != 1:
            continue
        target = elements.get(leaving[0].target)
        if target is not None and target.kind in AUTOMATIC and target.id not in done:
            done.add(target.id)
            waiting.append(target.id)
    passed = {
        flow.id
        for flow in flows
        if flow.source in done and (flow.target in done or flow.target in position.ready)
    }
    return frozenset(done | passed)


def _layer(element: Element | None) -> int:
    if element is None:
        return 9
    order = {"participant": 0, "lane": 1, "boundaryEvent": 5}
    return order.get(element.kind, 3)


def _state(element_id: str, position: CasePosition, done: frozenset[str]) -> str:
    if element_id in position.ready:
        return "current"
    if element_id in done:
        return "done"
    return "idle"


def _pool(element: Element, box: Box, name: str) -> str:
    """A pool or lane with its name read upwards in the band: two lines at most, the
    rest cut with "…" and the whole name in a tooltip."""
    band = BAND_WIDTH
    cx, cy = box.x + band / 2, box.y + box.h / 2
    lines = _wrap(name, box.h - 2 * BAND_MARGIN, BAND_PX_PER_CHAR, max_lines=2)
    return (
        f'<g class="{element.kind}"><rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" '
        f'height="{box.h:.0f}"/><line x1="{box.x + band:.0f}" y1="{box.y:.0f}" '
        f'x2="{box.x + band:.0f}" y2="{box.y + box.h:.0f}"/>'
        f'<text x="{cx:.0f}" y="{cy - (len(lines) - 1) * LINE_HEIGHT / 2:.1f}" '
        f'transform="rotate(-90 {cx:.0f} {cy:.0f})" text-anchor="middle" '
        f'dominant-baseline="middle"><title>{escape(name)}</title>{_spans(lines, cx)}</text></g>'
    )


def _boundary_labels(elements: dict[str, Element], shapes: list[tuple[str, Box]]) -> dict[str, str]:
    """Labels of boundary events, placed so that they neither cross the flow leaving the
    event's bottom nor overlap each other.

    A label starts just right of its event's outgoing flow and is as wide as the room up
    to the next event on the same task (two lines at most). Where even that does not
    keep two labels apart, the later one moves down below the earlier.
    """
    events = sorted(
        (box.x + box.w / 2, box.y + box.h, element_id)
        for element_id, box in shapes
        if element_id in elements and elements[element_id].kind == "boundaryEvent"
    )
    placed: list[Box] = []
    labels: dict[str, str] = {}
    for cx, bottom, element_id in events:
        element = elements[element_id]
        if not element.name:
            continue
        siblings = [
            other_cx
            for other_cx, _, other_id in events
            if other_cx > cx and elements[other_id].attached_to == element.attached_to
        ]
        width: float = BOUNDARY_LABEL_WIDTH
        if siblings:
            width = min(width, min(siblings) - cx - 2 * LABEL_GAP)
        width = max(width, BOUNDARY_LABEL_MIN_WIDTH)
        lines = _wrap(element.name, width, PX_PER_CHAR, max_lines=3)
        used = max(len(line) for line in lines) * PX_PER_CHAR
        area = Box(cx + LABEL_GAP, bottom + 4, used, len(lines) * LINE_HEIGHT)
        while any(_overlaps(area, other) for other in placed):
            area = Box(area.x, area.y + LINE_HEIGHT, area.w, area.h)
        placed.append(area)
        spans = _spans(lines, area.x)
        labels[element_id] = (
            f'<text class="event-label" x="{area.x:.0f}" y="{area.y + LINE_HEIGHT / 2:.1f}" '
            f'text-anchor="start" dominant-baseline="middle">{spans}</text>'
        )
    return labels


def _overlaps(a: Box, b: Box) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def _is_pool(element: Element | None) -> bool:
    return element is not None and element.kind in ("participant", "lane")


def _event_label(element: Element, box: Box, lanes: list[Box]) -> str:
    """A start, end or catch event's name below it, kept inside its lane's drawing area."""
    if element.kind not in EVENTS or not element.name:
        return ""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    lines = _wrap(element.name, EVENT_LABEL_WIDTH, PX_PER_CHAR, max_lines=4)
    half = max(len(line) for line in lines) * PX_PER_CHAR / 2
    around = [lane for lane in lanes if _overlaps(lane, Box(cx, cy, 0.1, 0.1))]
    if around:
        lane = min(around, key=lambda lane: lane.w * lane.h)
        left, right = lane.x + BAND_WIDTH + LABEL_GAP + half, lane.x + lane.w - LABEL_GAP - half
        cx = min(max(cx, left), right) if left <= right else cx
    return (
        f'<text class="event-label" x="{cx:.0f}" y="{box.y + box.h + 14:.0f}" '
        f'text-anchor="middle" dominant-baseline="middle">{_spans(lines, cx)}</text>'
    )


def _node(element: Element, box: Box, state: str, event_label: str = "") -> str:
    label = f"<title>{escape(element.name or element.id)}</title>"
    if element.kind in TASKS:
        lines = max(2, int((box.h - 6) // LINE_HEIGHT))
        return (
            f'<g class="task {state}">{label}<rect x="{box.x:.0f}" y="{box.y:.0f}" '
            f'width="{box.w:.0f}" height="{box.h:.0f}" rx="10"/>'
            f"{_text(element.name, box.x + box.w / 2, box.y + box.h / 2, 'task-label', box.w - 12, centre=True, max_lines=lines)}</g>"
        )
    if element.kind in GATEWAYS:
        cx, cy, r = box.x + box.w / 2, box.y + box.h / 2, box.w / 2
        diamond = f"{cx:.0f},{box.y:.0f} {box.x + box.w:.0f},{cy:.0f} {cx:.0f},{box.y + box.h:.0f} {box.x:.0f},{cy:.0f}"
        cross = r * 0.35
        return (
            f'<g class="gateway {state}">{label}<polygon points="{diamond}"/>'
            f'<path d="M{cx - cross:.0f},{cy - cross:.0f} L{cx + cross:.0f},{cy + cross:.0f} '
            f'M{cx + cross:.0f},{cy - cross:.0f} L{cx - cross:.0f},{cy + cross:.0f}" class="mark"/>'
            f"{_text(element.name, cx, box.y - 8, 'event-label', 160, above=True)}</g>"
        )
    if element.kind in EVENTS:
        cx, cy, r = box.x + box.w / 2, box.y + box.h / 2, box.w / 2
        parts = [
            f'<g class="event {element.kind} {state}">{label}<circle cx="{cx:.0f}" cy="{cy:.0f}" r="{r:.0f}"/>'
        ]
        if element.kind in ("boundaryEvent", "intermediateCatchEvent"):
            parts.append(f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="{r - 4:.0f}" class="inner"/>')
        if "reached" in state.split():
            parts.append(
                f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="{r - 8:.0f}" class="reached-mark"/>'
            )
        if element.is_timer:
            parts.append(
                f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="{r - 9:.0f}" class="clock"/>'
                f'<path d="M{cx:.0f},{cy:.0f} L{cx:.0f},{cy - r + 12:.0f} M{cx:.0f},{cy:.0f} '
                f'L{cx + r - 13:.0f},{cy:.0f}" class="mark"/>'
            )
        parts.append(event_label)
        parts.append("</g>")
        return "".join(parts)
    return ""


def _text(
    text: str,
    x: float,
    y: float,
    css: str,
    width: float,
    *,
    centre: bool = False,
    above: bool = False,
    max_lines: int = 4,
) -> str:
    if not text:
        return ""
    lines = _wrap(text, width, PX_PER_CHAR, max_lines=max_lines)
    if centre:
        y -= (len(lines) - 1) * LINE_HEIGHT / 2
    elif above:
        y -= (len(lines) - 1) * LINE_HEIGHT
    return (
        f'<text class="{css}" x="{x:.0f}" y="{y:.0f}" text-anchor="middle" '
        f'dominant-baseline="middle">{_spans(lines, x)}</text>'
    )


def _spans(lines: list[str], x: float) -> str:
    return "".join(
        f'<tspan x="{x:.0f}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )


def _wrap(text: str, width: float, px_per_char: float, max_lines: int) -> list[str]:
    """`text` in lines that fit `width` px, at most `max_lines`; what does not fit ends in "…"."""
    limit = max(6, int(width / px_per_char))
    # A line may also break after a slash ("TjänsteID/Servicecenter"), as after a hyphen.
    breakable = " ".join(
        _hyphenate(word, limit) for word in text.replace("/", _SLASH_BREAK).split(" ")
    )
    lines = textwrap.wrap(breakable, limit, break_long_words=False) or [breakable]
    lines = [line.replace(_SLASH_BREAK, "/").replace(_SLASH_BREAK.rstrip(), "/") for line in lines]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_shorten(line, limit) for line in lines]


def _hyphenate(word: str, limit: int) -> str:
    """A word longer than a line ("reservkortsadministratör") broken with hyphens, so
    that it wraps instead of being cut."""
    if len(word) <= limit:
        return word
    step = limit - 1
    parts = [word[i : i + step] for i in range(0, len(word), step)]
    return "- ".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
