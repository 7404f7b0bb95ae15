"""A stored source is cut into documents only at XML declarations that are markup (issue 10)."""

from __future__ import annotations

from engine.bpmn_names import process_name
from engine.bpmn_sources import xml_documents

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">
  <bpmn:process id="p" name="Reservkort">
    <bpmn:documentation><![CDATA[Exempel: <?xml version="1.0"?> <a/>]]></bpmn:documentation>
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="name_en" value="Reserve card" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <!-- <?xml in a comment starts nothing either -->
  </bpmn:process>
</bpmn:definitions>"""
DMN = '<?xml version="1.0"?>\n<definitions id="d"/>'


def test_xml_inside_cdata_or_a_comment_does_not_cut_the_source() -> None:
    documents = xml_documents(BPMN + "\n" + DMN)
    assert len(documents) == 2
    assert documents[0].startswith("<?xml") and documents[0].endswith("</bpmn:definitions>")
    assert documents[1] == DMN


def test_a_process_quoting_xml_in_its_documentation_keeps_its_names() -> None:
    names = process_name(BPMN + "\n" + DMN, "p")
    assert names is not None
    assert (names.sv, names.en) == ("Reservkort", "Reserve card")
