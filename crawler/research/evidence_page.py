"""The human side of an evidence bundle: ``evidence/article.json`` (the versions as
extracted, the word diffs between them, the removals and returns, the copies) and the
summary page ``evidence/summary.html`` that says it in words: what, when, which run,
which crawler."""

from __future__ import annotations

import html
import itertools
from typing import TYPE_CHECKING, Any

from crawler.research.history import field_diffs

if TYPE_CHECKING:
    from archive.store import EventRecord, StoredArticle, TextSide
    from crawler.research.evidence_records import BundleRecord

__all__ = ["article_json", "summary_html"]


def _version(number: int, stored: StoredArticle) -> dict[str, Any]:
    ref = stored.capture
    return {
        "number": number,
        "version_id": stored.version_id,
        "fetched_at": stored.fetched_at.isoformat(),
        "first_seen": stored.first_seen.isoformat(),
        "last_seen": stored.last_seen.isoformat(),
        "capture": {"filename": ref.filename, "offset": ref.offset, "record_id": ref.record_id},
        "conversion_record_id": stored.conversion_id,
        "metadata_record_id": stored.metadata_id,
        "article": stored.article.to_dict(),
    }


def article_json(
    url: str,
    versions: list[StoredArticle],
    events: list[EventRecord],
    copies: list[TextSide],
    made: dict[str, str],
) -> dict[str, Any]:
    """Everything the records database says of ``url``, JSON-ready."""
    return {
        "url": url,
        "made": made,
        "versions": [_version(n, v) for n, v in enumerate(versions, 1)],
        "diffs": [
            {"from": n, "to": n + 1, "fields": field_diffs(old, new)}
            for n, (old, new) in enumerate(itertools.pairwise(versions), 1)
        ],
        "events": [
            {
                "kind": e.kind,
                "at": e.at.isoformat(),
                "status": e.status,
                "detail": e.detail,
                "collection": e.collection,
            }
            for e in events
        ],
        "copies": [c.to_dict() for c in copies],
    }


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _diff_html(diff: str) -> str:
    text = _esc(diff)
    text = text.replace("[-", '<del class="removed">').replace("-]", "</del>")
    return text.replace("{+", '<ins class="added">').replace("+}", "</ins>")


def _runs(records: list[BundleRecord], infos: dict[str, dict[str, str]]) -> list[str]:
    rows = []
    for name in sorted({r.filename for r in records}):
        info = infos.get(name, {})
        rows.append(
            f"<tr><td>{_esc(name)}</td><td>{_esc(info.get('archivist-run-id', '?'))}</td>"
            f"<td>{_esc(info.get('software', '?'))}</td>"
            f"<td>{_esc(info.get('archivist-source', '?'))}</td></tr>"
        )
    return rows


def _captures(records: list[BundleRecord], captured: dict[str, str]) -> list[str]:
    rows = []
    for r in records:
        if r.role not in {"capture", "copy"}:
            continue
        rows.append(
            f"<tr><td>{_esc(captured.get(r.record_id, ''))}</td><td>{_esc(r.role)}</td>"
            f"<td>{_esc(r.rec_type)}</td><td>{_esc(r.url)}</td>"
            f"<td>{_esc(r.filename)}:{r.offset}</td><td><code>{_esc(r.record_id)}</code></td></tr>"
        )
    return rows


_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .4em;"
    "font-size:.9em;vertical-align:top}del.removed{background:#fdd}ins.added{background:#dfd}"
)


def summary_html(
    facts: dict[str, Any],
    records: list[BundleRecord],
    infos: dict[str, dict[str, str]],
    captured: dict[str, str],
) -> bytes:
    """The summary page: the article, its versions, what changed, removals, copies,
    the captures held and the runs and crawler that made them."""
    versions, out = facts["versions"], []
    title = versions[-1]["article"]["title"] if versions else facts["url"]
    out.append(f"<!doctype html><meta charset='utf-8'><title>Evidence: {_esc(title)}</title>")
    out.append(f"<style>{_STYLE}</style><h1>Evidence: {_esc(title)}</h1>")
    out.append(f"<p>URL: <code>{_esc(facts['url'])}</code><br>")
    made = facts["made"]
    out.append(f"Bundle made {_esc(made['at'])} by {_esc(made['software'])}; ")
    out.append(f"signed by {_esc(made['signer'] or 'nobody (unsigned)')}.</p>")
    out.append("<h2>Versions</h2><table><tr><th>#</th><th>captured</th><th>seen until</th>")
    out.append("<th>title</th><th>words</th><th>record</th></tr>")
    for v in versions:
        a = v["article"]
        out.append(
            f"<tr><td>{v['number']}</td><td>{_esc(v['fetched_at'])}</td>"
            f"<td>{_esc(v['last_seen'])}</td><td>{_esc(a['title'])}</td>"
            f"<td>{a['word_count']}</td><td><code>{_esc(v['capture']['record_id'])}</code></td></tr>"
        )
    out.append("</table><h2>What changed</h2>")
    for diff in facts["diffs"]:
        out.append(f"<h3>version {diff['from']} &rarr; {diff['to']}</h3>")
        out.extend(
            f"<p><b>{_esc(name)}</b>: {_diff_html(text)}</p>"
            for name, text in diff["fields"].items()
        )
    if not facts["diffs"]:
        out.append("<p>One version only.</p>")
    out.append("<h2>Removals and returns</h2><ul>")
    out.extend(
        f"<li>{_esc(e['at'])}: {_esc(e['kind'])} ({_esc(e['status'])}) {_esc(e['detail'])}</li>"
        for e in facts["events"]
    )
    out.append("</ul><h2>Copies that republished it</h2><ul>")
    out.extend(
        f"<li>{_esc(c['site'])}: <code>{_esc(c['url'])}</code> (version {c['version']})</li>"
        for c in facts["copies"]
    )
    out.append("</ul><h2>Captures held (original WARC records)</h2><table>")
    out.append("<tr><th>WARC-Date</th><th>role</th><th>type</th><th>URL</th>")
    out.append("<th>original file:offset</th><th>record id</th></tr>")
    out.extend(_captures(records, captured))
    out.append("</table><h2>Runs and crawler</h2><table>")
    out.append("<tr><th>WARC file</th><th>run</th><th>software</th><th>source</th></tr>")
    out.extend(_runs(records, infos))
    out.append("</table><p>The records are the archive's own bytes, copied unchanged; ")
    out.append("<code>archivist evidence verify</code> checks them and the signature.</p>")
    return "\n".join(out).encode("utf-8")
