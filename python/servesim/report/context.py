"""What every report states around its numbers: the deployment in plain words, the
assumptions behind the model and the command that reproduces the report."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any

from servesim.comparison.report import _duration_text, _phase_text, _settings_text
from servesim.report.html import bullets, esc, section
from servesim.scenario import Scenario

__all__ = ["assumptions", "deployment", "workload_text"]


def _settings(data: Mapping[str, Any] | None, *skip: str) -> str:
    return _settings_text({key: value for key, value in (data or {}).items() if key not in skip})


def workload_text(workload: Mapping[str, Any]) -> str:
    """``Poisson arrivals at 250 req/s`` or ``100 users, thinking 1s between requests``, with the mix."""
    if "open" in workload:
        open_ = dict(workload["open"] or {})
        arrivals = open_.pop("arrivals", "poisson")
        rate = open_.pop("rate", None)
        rate_text = f"{rate:,.6g}" if isinstance(rate, float) else str(rate)
        text = f"{arrivals} arrivals" + (f" at {rate_text} req/s" if rate is not None else "")
        if open_:
            text += f" ({_settings_text(open_)})"
    else:
        closed = dict(workload.get("closed") or {})
        text = f"{closed.get('users')} concurrent users"
        if closed.get("think_time") is not None:
            text += f", each thinking {_duration_text(closed['think_time'])} between an answer and its next request"
    if workload.get("mix"):
        text += f"; mix {_settings_text(workload['mix'])}"
    rest = _settings(workload, "open", "closed", "mix")
    return text + (f"; {rest}" if rest else "")


def deployment(scenario: Scenario, title: str = "The deployment") -> str:
    """Hosts, servers, endpoints, databases, services, workload and run settings, as written."""
    data = scenario.to_dict()
    items = [f"host {name}: {_settings(settings) or 'defaults'}" for name, settings in data["hosts"].items()]
    for name, settings in data["servers"].items():
        settings = dict(settings or {})
        items.append(f"server {name}: {settings.get('kind', 'gunicorn-sync')} on host {settings.get('host')}"
                     + (f", {_settings(settings, 'kind', 'host')}" if _settings(settings, 'kind', 'host') else ""))
    for name, settings in data["endpoints"].items():
        settings = dict(settings or {})
        phases = ", then ".join(_phase_text(phase) for phase in settings.get("phases", []))
        where = f" on {settings['server']}" if settings.get("server") else ""
        items.append(f"endpoint {name}{where}: {phases}")
    for kind in ("databases", "services", "balancers"):
        for name, settings in (data.get(kind) or {}).items():
            items.append(f"{kind[:-1]} {name}: {_settings(settings) or 'defaults'}")
    items.append(f"workload: {workload_text(data['workload'])}")
    warmup = "automatic warm-up" if scenario.warmup == "auto" else f"{scenario.warmup:g} s warm-up"
    items.append(f"run: {scenario.duration:g} s simulated ({warmup}), {scenario.replications} "
                 f"replication(s), seed {scenario.seed}")
    return section(title, bullets(items), intro=f"Scenario {scenario.name}, as its file states it.")


def assumptions(engine: str, command: str | None, extra: list[str] | None = None) -> str:
    """The model, engine and versions, and how to get this report again."""
    from servesim import __version__

    import matplotlib

    items = [f"servesim {__version__}, {engine} engine (discrete-event simulation of the servers' "
             "workers, threads, event loops, GIL, cores and connection pools); Python "
             f"{platform.python_version()}, matplotlib {matplotlib.__version__}.",
             "Framework overheads are the presets named by each server's framework; CPU phases need "
             "their process's GIL and a core, io waits need neither.",
             "Numbers are means over independent replications with 95 % Student-t confidence "
             "half-widths (±); a run of one replication has no interval.",
             *(extra or [])]
    how = (f"<pre>{esc(command)}</pre>" if command else
           "<p>Made from Python; pass <code>command=</code> to record how.</p>")
    return section("Assumptions and how to reproduce", bullets(items), how)
