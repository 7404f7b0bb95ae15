"""The names a process owner gives BPMN elements, in Swedish and English.

A BPMN element has one `name`, written in Swedish (the organisation's language). Its
English name is the extension property `name_en` on the same element
(docs/process-properties.md):

    <bpmn:userTask id="issue_loa2" name="Utfärda LoA2-certifikat">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="name_en" value="Issue LoA2 certificate" />

It may stand on any element with a name: the process, its pool (participant), tasks,
events, gateways and sequence flows. Without it the English pages show the Swedish name,
never the element's id.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from engine.bpmn_sources import xml_documents

NAME_EN = "name_en"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_PROPERTY = f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property"


@dataclass(frozen=True)
class ElementName:
    """An element's Swedish name and, where the model gives one, its English name."""

    sv: str
    en: str = ""

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.sv


def element_name(node: ElementTree.Element) -> ElementName:
    """The names of one parsed BPMN element."""
    english = next(
        (p.get("value", "") for p in node.iterfind(_PROPERTY) if p.get("name") == NAME_EN), ""
    )
    return ElementName(node.get("name", ""), english.strip())


def element_names(root: ElementTree.Element) -> dict[str, ElementName]:
    """Every named BPMN element of one document by its id."""
    return {
        node.attrib["id"]: element_name(node)
        for node in root.iter()
        if node.tag.startswith(f"{{{BPMN}}}") and "id" in node.attrib and node.get("name")
    }


def process_name(source_xml: str, process_id: str) -> ElementName | None:
    """The names of `process_id` among the BPMN documents deployed together, if found.

    A document that does not parse on its own is passed over: the names are for reading,
    and the process id stays the caller's fallback.
    """
    for document in xml_documents(source_xml):
        if f'id="{process_id}"' not in document:
            continue
        try:
            root = ElementTree.fromstring(document.strip())
        except ElementTree.ParseError:
            continue
        for process in root.iterfind(f"{{{BPMN}}}process"):
            if process.get("id") == process_id:
                return element_name(process)
    return None
