"""A version's stored source as its XML documents.

A version may store several documents one after another (BPMN and DMN deployed together),
each starting with `<?xml …?>`. The same characters inside CDATA (a script or
documentation quoting XML) or a comment start nothing: cutting there made every case page
of such a process a 500 (issue 10), so every reader of a source cuts it here.
"""

from __future__ import annotations

import re

_XML_DECLARATION = re.compile(r"<\?xml\s")
_NOT_MARKUP = re.compile(r"<!\[CDATA\[.*?\]\]>|<!--.*?-->", re.DOTALL)


def xml_documents(source: str) -> list[str]:
    """The XML documents in `source`, cut at each XML declaration that is markup."""
    hidden = [match.span() for match in _NOT_MARKUP.finditer(source)]
    starts = [
        match.start()
        for match in _XML_DECLARATION.finditer(source)
        if not any(first <= match.start() < end for first, end in hidden)
    ]
    cuts = [0, *(start for start in starts if start > 0), len(source)]
    pieces = (source[first:end].strip() for first, end in zip(cuts, cuts[1:], strict=False))
    return [piece for piece in pieces if piece]
