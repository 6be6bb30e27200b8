"""MkDocs hooks for ``make docs``: the site keeps the repository's own links working.

The pages in docs/ link to files beside them in the repository (``../scenarios/flask-orders.yaml``,
``../notebooks/01-quickstart.ipynb``, ``../README.md``) so that they read right where they are
written. MkDocs knows only docs/, and in strict mode a link out of it fails the build. These
hooks copy each linked repository file into the site under ``repo/`` (Markdown ones as pages,
whose links are followed in turn), give each linked folder a page listing its files, render
the top-level README as the page ``overview.md``, and rewrite the links to match. A link to
something that does not exist is left alone, so MkDocs still reports it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

REPO_ROOT = Path(__file__).resolve().parents[1]
PREFIX = "repo"                # where repository files land in the site
OVERVIEW = "overview.md"       # the top-level README.md as a page

# [text](target) and [text](target "title"); external URLs and anchors are skipped later.
_LINK = re.compile(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_FENCE = re.compile(r"^(```|~~~)")


def _links(markdown: str) -> list[tuple[int, int, str]]:
    """(start, end, target) of each link outside code fences."""
    found = []
    offset = 0
    fenced = False
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            found += [(offset + m.start(2), offset + m.end(2), m.group(2)) for m in _LINK.finditer(line)]
        offset += len(line)
    return found


def _repo_path(page: str, target: str) -> str | None:
    """The repository path a relative link of the page at repository path ``page`` points to."""
    if "://" in target or target.startswith(("#", "/", "mailto:")):
        return None
    path = target.split("#", 1)[0]
    if not path:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    return None if joined.startswith("../") else joined


def _site_path(linked: str) -> str:
    """Where the repository path ``linked`` is in the site."""
    if linked == "README.md":
        return OVERVIEW
    if linked == "docs":
        return "README.md"
    if linked.startswith("docs/"):
        return linked.removeprefix("docs/")
    if (REPO_ROOT / linked).is_dir():
        return f"{PREFIX}/{linked}/index.md"
    return f"{PREFIX}/{linked}"


def _repo_sources(files: Files) -> dict[str, str]:
    """The repository path of each page whose links the hooks rewrite, by its src_uri."""
    pages = {}
    for f in files.documentation_pages():
        if f.src_uri == OVERVIEW:
            pages[f.src_uri] = "README.md"
        elif not f.src_uri.startswith(f"{PREFIX}/"):
            pages[f.src_uri] = f"docs/{f.src_uri}"
        elif f.abs_src_path is not None:  # a copied Markdown file, not a folder listing
            pages[f.src_uri] = f.src_uri.removeprefix(f"{PREFIX}/")
    return pages


def _add(files: Files, config: Any, src_uri: str, *, path: Path | None = None, content: str | None = None) -> None:
    if files.get_file_from_path(src_uri) is None:
        files.append(File.generated(config, src_uri, abs_src_path=str(path) if path else None, content=content))


def _listing(folder: str) -> str:
    path = REPO_ROOT / folder
    entries = sorted(p.name for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    subfolders = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    lines = [f"# {folder}/", "", f"The files of the repository's `{folder}/` folder:", ""]
    lines += [f"- [{name}]({name})" for name in entries] + [f"- `{name}/`" for name in subfolders]
    return "\n".join(lines) + "\n"


def on_files(files: Files, config: Any) -> Files:
    _add(files, config, OVERVIEW, path=REPO_ROOT / "README.md")
    pending = list(_repo_sources(files).values())
    seen = set(pending)
    while pending:
        page = pending.pop()
        for _, _, target in _links((REPO_ROOT / page).read_text(encoding="utf-8")):
            linked = _repo_path(page, target)
            if linked is None or linked in seen or not (REPO_ROOT / linked).exists():
                continue
            seen.add(linked)
            site = _site_path(linked)
            if not site.startswith(f"{PREFIX}/"):
                continue  # a page of docs/ or the overview
            if (REPO_ROOT / linked).is_dir():
                _add(files, config, site, content=_listing(linked))
                for entry in sorted((REPO_ROOT / linked).iterdir()):
                    if entry.is_file() and not entry.name.startswith("."):
                        seen.add(f"{linked}/{entry.name}")
                        _add(files, config, f"{site.removesuffix('index.md')}{entry.name}", path=entry)
                        if entry.suffix == ".md":
                            pending.append(f"{linked}/{entry.name}")
            else:
                _add(files, config, site, path=REPO_ROOT / linked)
                if linked.endswith(".md"):
                    pending.append(linked)
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    source = _repo_sources(files).get(page.file.src_uri)
    if source is None:
        return markdown
    here = posixpath.dirname(page.file.src_uri) or "."
    pieces = []
    last = 0
    for start, end, target in _links(markdown):
        linked = _repo_path(source, target)
        if linked is None or not (REPO_ROOT / linked).exists():
            continue  # external, an anchor, or broken (MkDocs reports it)
        anchor = target[len(target.split("#", 1)[0]):]
        pieces += [markdown[last:start], posixpath.relpath(_site_path(linked), here) + anchor]
        last = end
    pieces.append(markdown[last:])
    return "".join(pieces)
