"""Writes variants of the example scenarios into a libFuzzer corpus directory:
each one as compact JSON, as YAML flow style, and with its workload switched
between open and closed, so the fuzzer starts from every syntax the parser
accepts. Usage: make_corpus.py OUT_DIR SCENARIO.yaml..."""

import json
import pathlib
import sys

import yaml


def variants(scenario):
    yield "json", json.dumps(scenario, separators=(",", ":"))
    yield "flow.yaml", yaml.safe_dump(scenario, default_flow_style=True, width=4096)
    workload = scenario.get("workload") or {}
    swapped = dict(workload)
    if "open" in swapped:
        swapped["closed"] = {"users": 8, "think_time": "10ms"}
        del swapped["open"]
    else:
        swapped.pop("closed", None)
        swapped["open"] = {"rate": 50, "arrivals": "constant"}
    yield "swapped.yaml", yaml.safe_dump({**scenario, "workload": swapped}, sort_keys=False)


def main(out_dir, sources):
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for source in map(pathlib.Path, sources):
        try:
            scenario = yaml.safe_load(source.read_text())
        except yaml.YAMLError:
            continue  # seeds may be deliberately odd YAML
        if not isinstance(scenario, dict):
            continue
        for suffix, text in variants(scenario):
            (out / f"{source.stem}.{suffix}").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
