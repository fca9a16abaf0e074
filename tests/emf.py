"""Reading what the entry points print: one JSON line per outcome, EMF where it counts."""

import json


def printed_lines(capsys):
    """Every JSON object printed to stdout since the last read."""
    out = capsys.readouterr().out
    lines = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines, out


def metric_documents(lines):
    """The lines that are EMF documents, as {metric name: the line}."""
    found = {}
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                found[metric["Name"]] = line
    return found


def directive(line):
    [only] = line["_aws"]["CloudWatchMetrics"]
    return only
