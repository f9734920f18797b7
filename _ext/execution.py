"""Where a chapter's outputs come from, told by the build (a Sphinx extension, listed in ``_config.yml``).

MyST-NB records, for every page it executes or finds in its execution cache, when the notebook was executed and
how many seconds it took. From that record and from ``_toc.yml``, and from nothing a chapter types:

- every chapter (a page of a numbered part of ``_toc.yml``, see ``mlbook_build.execute.numbered``) gets a line
  under its title that says when its outputs were computed, in how long, on which kind of device and in which
  profile, linked to the execution report;
- the ``{execution-report}`` directive is a table of all chapters in reading order with the same facts.

The profile and the kind of device are those of the build: they are part of every chapter's cache key
(``mlbook_build.deps``), so no output computed in another profile or on another kind of device is ever shown.
MyST-NB writes every page with an ``nb-exec-table`` again when any page executes; the report is marked the same
way, so its table is never older than the chapters.
"""

from __future__ import annotations

import datetime

from docutils import nodes
from myst_nb.ext.execution_tables import METADATA_KEY as REWRITE_ON_EXECUTION
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from mlbook_build import execute

HAS_REPORT = "mlbook_execution_report"  # the pages with the directive, in MyST-NB's per-page metadata
HEADER = ("章节", "执行时刻（UTC）", "用时（秒）")


class report_placeholder(nodes.General, nodes.Element):
    """Where the table goes, once every page has been read and executed."""


class ExecutionReport(SphinxDirective):
    """``{execution-report}``: a row per chapter, in the order of ``_toc.yml``."""

    def run(self):
        NbMetadataCollector.set_doc_data(self.env, self.env.docname, REWRITE_ON_EXECUTION, True)
        NbMetadataCollector.set_doc_data(self.env, self.env.docname, HAS_REPORT, True)
        return [report_placeholder()]


def _when(exec_data) -> str:
    # jupyter-cache stores the UTC time without its zone; MyST-NB reads it back as a local time, so the local
    # reading of the timestamp is the UTC time again
    return datetime.datetime.fromtimestamp(exec_data["mtime"]).strftime("%Y-%m-%d %H:%M")


def _seconds(exec_data) -> str:
    return "—" if exec_data.get("runtime") is None else f"{exec_data['runtime']:.1f}"


def _where() -> str:
    # torch is imported here, not when Sphinx loads the extension: unpickling the saved environment with torch's
    # objects already in memory makes the garbage collector slow it down (a no-change rebuild spends 0.2 s more)
    from mlbook import runtime

    return f"设备 {runtime.device()}，{runtime.profile()} 配置"


def _doc_link(env, from_doc: str, target: str) -> pending_xref:
    """A link to ``target`` that shows its title, as ``{doc}`` would."""
    link = pending_xref("", refdomain="std", reftype="doc", reftarget="/" + target, refdoc=from_doc,
                        refexplicit=False, refwarn=True)
    link += nodes.inline(target, target)
    return link


def _chapters(env) -> list[str]:
    return execute.numbered(env.external_site_map)


def _table(env, docname: str) -> nodes.table:
    rows, total = [], 0.0
    for chapter in _chapters(env):
        data = NbMetadataCollector.get_exec_data(env, chapter)
        number = ".".join(map(str, env.toc_secnumbers.get(chapter, {}).get("", ())))
        title = nodes.paragraph("", f"{number} " if number else "")
        title += _doc_link(env, docname, chapter)
        if data:
            total += data.get("runtime") or 0.0
            rows.append([title, nodes.paragraph("", _when(data)), nodes.paragraph("", _seconds(data))])
        else:
            rows.append([title, nodes.paragraph("", "未执行"), nodes.paragraph("", "—")])
    rows.append([nodes.paragraph("", "合计"), nodes.paragraph("", ""), nodes.paragraph("", f"{total:.1f}")])

    table = nodes.table(classes=["colwidths-auto", "execution-report"])
    group = nodes.tgroup(cols=len(HEADER))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in HEADER]
    head = nodes.thead()
    head += nodes.row("", *[nodes.entry("", nodes.paragraph("", text)) for text in HEADER])
    body = nodes.tbody()
    body += [nodes.row("", *[nodes.entry("", cell) for cell in row]) for row in rows]
    group += [head, body]
    return table


def _provenance(env, docname: str, data) -> nodes.paragraph:
    """The line under a chapter's title."""
    line = nodes.paragraph(classes=["mlbook-provenance"])
    line += nodes.Text(f"本章的输出在构建时计算：{_when(data)} UTC 执行，用时 {_seconds(data)} 秒，{_where()}")
    reports = [doc for doc, meta in NbMetadataCollector.get_doc_data(env).items() if meta.get(HAS_REPORT)]
    if reports:
        line += nodes.Text("（见")
        line += _doc_link(env, docname, reports[0])
        line += nodes.Text("）")
    line += nodes.Text("。")
    return line


class ExecutionFacts(SphinxPostTransform):
    """Fill in the report's table and the line under each chapter's title."""

    default_priority = 8  # before the references are resolved (10), as MyST-NB's nb-exec-table

    def run(self, **kwargs) -> None:
        docname = self.env.docname
        for node in list(self.document.findall(report_placeholder)):
            node.replace_self(_table(self.env, docname))
        data = NbMetadataCollector.get_exec_data(self.env, docname)
        if data and docname in _chapters(self.env):
            section = next(self.document.findall(nodes.section), None)
            if section is not None:
                section.insert(section.first_child_matching_class(nodes.title) + 1,
                               _provenance(self.env, docname, data))


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.add_node(report_placeholder)
    app.add_directive("execution-report", ExecutionReport)
    app.add_post_transform(ExecutionFacts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
