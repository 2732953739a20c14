"""Results as JUnit XML, the report CI systems read (one suite per test file)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.etree import ElementTree

from rulesengine.diagnostics import printable
from rulesengine.ruletest.run import ERROR, FAILED, CaseResult


def junit_xml(files: Sequence[tuple[str, Sequence[CaseResult]]], details: Callable[[CaseResult], str]) -> bytes:
    """The XML of every file's results; `details` writes the text of a failure or error."""
    top = ElementTree.Element("testsuites", {"name": "rulesengine test", **_counts(
        [result for _, results in files for result in results])})
    for path, results in files:
        suite = ElementTree.SubElement(top, "testsuite", {"name": path, **_counts(results)})
        for result in results:
            case = ElementTree.SubElement(suite, "testcase", name=printable(result.case.name), classname=path,
                                          file=path, line=str(result.case.position.line))
            if result.status in (FAILED, ERROR):
                first = (result.problems[0].headline() if result.problems
                         else f"{len(result.mismatches)} of the expectations not met")
                element = ElementTree.SubElement(case, "failure" if result.status == FAILED else "error",
                                                 message=printable(first), type=result.status)
                element.text = "\n".join(printable(line) for line in details(result).splitlines())
    ElementTree.indent(top)
    return ElementTree.tostring(top, encoding="utf-8", xml_declaration=True) + b"\n"


def _counts(results: Sequence[CaseResult]) -> dict[str, str]:
    statuses = [result.status for result in results]
    return {"tests": str(len(statuses)), "failures": str(statuses.count(FAILED)),
            "errors": str(statuses.count(ERROR)), "skipped": "0"}
