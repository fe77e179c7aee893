"""JUnit XML of a gate comparison: one testcase per family, for CI test-report viewers.

The common JUnit shape (as Jenkins, GitLab and GitHub test reporters read it): a
``<testsuites>`` root holding one ``<testsuite>`` with ``tests``, ``failures``, ``errors``,
``skipped`` and ``time``, and one ``<testcase classname=... name=... time=...>`` per family
with at most one ``<failure message type>`` (the family fails the gate; the text names the
evidence: b, c, the p-values, the newly failing runs with their replay commands) or
``<skipped message>`` (inconclusive, or waived). A failing latency budget adds a testcase
``latency p95``. With a determinism defect every family is skipped with the defect as message.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

_EVIDENCE_RUNS = 10


def junit_xml(data: dict[str, Any]) -> bytes:
    """The XML document (UTF-8, with declaration)."""
    verdict, gate = data["verdict"], data["gate"]
    suite = ET.Element("testsuite", name=f"simfarm gate {gate['name']}: {data['candidate']['target']} vs "
                                        f"{data['baseline']['target']}", timestamp=gate["today"], time="0")
    props = ET.SubElement(suite, "properties")
    for name, value in (("verdict", verdict["outcome"]), ("exit_code", str(verdict["exit_code"])),
                        ("alpha", f"{gate['alpha']:g}"), ("baseline", data["baseline"]["target"]),
                        ("candidate", data["candidate"]["target"])):
        ET.SubElement(props, "property", name=name, value=value)
    failing: dict[str, list[dict[str, Any]]] = {}
    for row in data["newly_failing"]["listed"]:
        failing.setdefault(row["family"], []).append(row)
    for fam in data["families"]:
        case = ET.SubElement(suite, "testcase", classname=f"simfarm.gate.{fam['criticality']}", name=fam["family"],
                             time="0")
        _judge_case(case, fam, failing.get(fam["family"], []), data)
    latency = (data.get("latency") or {}).get("judgement")
    if latency is not None:
        case = ET.SubElement(suite, "testcase", classname="simfarm.gate", name="latency p95", time="0")
        if latency["outcome"] == "fail":
            ET.SubElement(case, "failure", message=latency["reason"], type="latency").text = latency["reason"]
        elif latency["outcome"] == "inconclusive":
            ET.SubElement(case, "skipped", message=latency["reason"])
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    root = ET.Element("testsuites", {"name": "simfarm report compare",
                                     **{k: suite.get(k, "0") for k in ("tests", "failures", "errors", "skipped",
                                                                       "time")}})
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _judge_case(case: ET.Element, fam: dict[str, Any], failing: list[dict[str, Any]], data: dict[str, Any]) -> None:
    j, v = fam["judgement"], fam["verdict"]
    summary = (f"pairs {v['n']}, b (newly failing) {v['b']}, c (newly passing) {v['c']}, one-sided McNemar p "
               f"{_num(v['p_regression'])}, Holm p {_num(j['p_holm'])}, upper bound {_num(v['upper_bound'])} "
               f"vs margin {fam['margin']:g}")
    if data["determinism"]["defect"]:
        ET.SubElement(case, "skipped", message=f"DETERMINISM DEFECT: {data['determinism']['reason']}")
    elif j["outcome"] == "fail":
        runs = "\n".join(f"  {r['candidate_status']} {r['scenario_key']} {r['fidelity']} params {r['params']}: "
                         f"{'; '.join(r['fail_reasons'])}\n    {r['replay']}" for r in failing[:_EVIDENCE_RUNS])
        more = f"\n  ... {v['b'] - _EVIDENCE_RUNS} more in report.json" if v["b"] > _EVIDENCE_RUNS else ""
        text = "; ".join(j["reasons"]) + f"\n{summary}\nnewly failing runs:\n{runs}{more}"
        ET.SubElement(case, "failure", message="; ".join(j["reasons"]), type="gate").text = text
    elif j["outcome"] in ("inconclusive", "waived"):
        ET.SubElement(case, "skipped", message="; ".join(j["reasons"]))
    ET.SubElement(case, "system-out").text = summary


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"
