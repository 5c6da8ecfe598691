"""A report as one standalone HTML page: a result in, a string out.

The page is made to be opened from a CI artifact, offline: no external assets (a
Content-Security-Policy forbids any), one inline style sheet and one small inline
script. It shows, in this order: the summary (figures, then counts by rule, each a
link that filters the page), a legend, filters (rule, kind, a search box), a table
of the articles with their counts, each a link to the article, and the articles
themselves, collapsed. The filters live in the URL too (``#rule=run&kind=paragraph``
or ``?q=cookie``; ``&open=1`` expands the articles shown), so a filtered view can be
linked to and is applied on load.

Size: a few hundred bytes per article and per entry, plus the text shown (context
and removed text, clipped). Every piece of article text and every name is escaped,
and its control characters made visible.
"""

from __future__ import annotations

import html
import json
from typing import Any

from .text import LEGEND, clip, common_folder, head, plural, printable, size, tail
from .view import ArticleView, Entry, Report, terms_used

CONTEXT = 80  # characters of context on each side of a removal
REMOVED = 1500  # characters of removed text shown
KEPT = 300  # characters of kept text shown

_STYLE = """
:root{--fg:#1d1f21;--bg:#fff;--dim:#6a6f75;--line:#dde1e5;--del:#b3261e;--delbg:#fde8e6;
--ins:#1b7a34;--mark:#fff3c4;--head:#f4f6f8;--link:#0b5cad}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#16181b;--dim:#9aa0a6;--line:#33373c;
--del:#ff8a80;--delbg:#3b1e1c;--ins:#81c995;--mark:#4a4020;--head:#202328;--link:#8ab4f8}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:70rem;padding:1rem 1.5rem 4rem;font:15px/1.45 system-ui,sans-serif;
color:var(--fg);background:var(--bg)}
a{color:var(--link)}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
.headline{margin:.2rem 0 1rem;font-size:1.05rem}
.figures{display:flex;flex-wrap:wrap;gap:.4rem 1.6rem;margin:0;padding:0;list-style:none}
.figures b{font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.25rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--head);font-weight:600}
td.n,th.n{text-align:right}
td.id{word-break:break-all}
.errors li{color:var(--del)}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
dl.legend dt{font-weight:600}dl.legend dd{margin:0}
#filters{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:center;padding:.6rem 0;
position:sticky;top:0;background:var(--bg);z-index:2;border-bottom:1px solid var(--line)}
#filters input[type=search]{min-width:16rem}
#shown{color:var(--dim)}
details.article{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;
content-visibility:auto;contain-intrinsic-size:auto 2.5rem}
details.article>summary{cursor:pointer;padding:.4rem .7rem;background:var(--head);border-radius:6px}
details.article[open]>summary{border-radius:6px 6px 0 0}
.what{color:var(--dim);margin-left:.6rem}
.group{padding:0 .9rem}.group h3{font-size:.95rem;margin:.7rem 0 .2rem}
.group h3 small{color:var(--dim);font-weight:400}
ol.entries{margin:0;padding-left:1.3rem}ol.entries li{margin:.35rem 0}
.where{margin:0}.scores{color:var(--dim)}
.text{margin:.1rem 0;white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.45 ui-monospace,monospace}
.ctx{color:var(--dim)}
del{color:var(--del);background:var(--delbg);text-decoration:line-through}
ins{color:var(--ins);text-decoration:none;font-weight:700}
mark{background:var(--mark);color:inherit}
.kept{margin:.1rem 0 .3rem;color:var(--dim);font-size:.9rem}
.up{margin:.3rem .9rem .6rem;font-size:.85rem}
.empty{color:var(--dim)}
"""

# Filters: rule, kind and a search box; their state lives in the URL (``#rule=...`` or
# ``?rule=...``) so a filtered view can be linked to, and is applied on load.
_SCRIPT = """
(function(){
var keys=JSON.parse(document.getElementById('keys').textContent);
var rule=document.getElementById('f-rule'),kind=document.getElementById('f-kind'),
q=document.getElementById('f-q'),shown=document.getElementById('shown');
var rows=[].slice.call(document.querySelectorAll('#articles tbody tr'));
var texts={};
function art(row){return document.getElementById(row.getAttribute('data-a'));}
function words(el){var t=texts[el.id];if(t===undefined){t=texts[el.id]=el.textContent.toLowerCase();}return t;}
function fits(k){var x=keys[k];return (!rule.value||x[0]===rule.value)&&(!kind.value||x[1]===kind.value);}
function apply(){
var needle=q.value.trim().toLowerCase(),n=0;
rows.forEach(function(row){
var a=art(row),groups=[].slice.call(a.querySelectorAll('.group')),any=false;
var byName=needle&&row.getAttribute('data-name').toLowerCase().indexOf(needle)>=0;
groups.forEach(function(g){
var ok=fits(+g.getAttribute('data-k'));
if(ok&&needle&&!byName){ok=words(g).indexOf(needle)>=0;}
g.hidden=!ok;any=any||ok;});
row.hidden=a.hidden=!any;if(any){n++;}});
shown.textContent=n+' of '+rows.length+' articles shown';
}
function state(){
var p=[];[['rule',rule],['kind',kind],['q',q]].forEach(function(f){
if(f[1].value){p.push(f[0]+'='+encodeURIComponent(f[1].value));}});return p.join('&');}
function save(){var s=state();history.replaceState(null,'',s?'#'+s:location.pathname+location.search);}
function load(text){
var p={};text.replace(/^[#?]/,'').split('&').forEach(function(kv){
var i=kv.indexOf('=');if(i>0){p[kv.slice(0,i)]=decodeURIComponent(kv.slice(i+1).replace(/[+]/g,' '));}});
rule.value=p.rule||'';kind.value=p.kind||'';q.value=p.q||'';
apply();if(p.open){expand();}}
function expand(){
document.querySelectorAll('details.article:not([hidden])').forEach(function(d){d.open=true;});}
function target(){
var id=decodeURIComponent(location.hash.slice(1)),el=id&&document.getElementById(id);
if(el&&el.tagName==='DETAILS'){el.open=true;el.scrollIntoView();}}
function route(){if(location.hash.indexOf('=')>0){load(location.hash);}else{target();}}
var timer;
rule.onchange=kind.onchange=function(){apply();save();};
q.oninput=function(){clearTimeout(timer);timer=setTimeout(function(){apply();save();},150);};
document.getElementById('f-open').onclick=expand;
document.getElementById('f-close').onclick=function(){
document.querySelectorAll('details.article').forEach(function(d){d.open=false;});};
document.getElementById('f-clear').onclick=function(){rule.value=kind.value=q.value='';apply();save();};
document.addEventListener('click',function(e){
var a=e.target.closest&&e.target.closest('a[href^="#a"]');
if(a&&a.getAttribute('href')===location.hash){target();}});
window.addEventListener('hashchange',route);
if(location.search.indexOf('=')>0){load(location.search);}else{apply();}
route();
})();
"""


def clean_page(result: Any, *, dry_run: bool = False, elapsed: float | None = None) -> str:
    """The page of a :class:`dedup.pipeline.clean.CleanResult`."""
    from .clean import report

    return page(report(result, dry_run=dry_run, elapsed=elapsed))


def scan_page(result: Any, *, elapsed: float | None = None) -> str:
    """The page of a :class:`dedup.pipeline.scan.ScanResult`."""
    from .scan import report

    return page(report(result, elapsed=elapsed))


def _e(text: str) -> str:
    return html.escape(printable(text, keep_lines=True), quote=True)


def page(report: Report) -> str:
    """The whole page of ``report``."""
    keys: dict[tuple[str, str], int] = {}
    for article in report.articles:
        for key, _ in article.groups():
            keys.setdefault(key, len(keys))
    title = f"{report.title}: {report.headline}"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<header id=\"top\"><h1>{_e(report.title)}</h1>"
        f"<p class=\"headline\">{_e(report.headline)}"
        + (f" <span class=\"scores\">({report.elapsed:.2f} s)</span>" if report.elapsed is not None else "")
        + "</p></header>",
        _summary(report, keys),
        _legend(report),
        _browser(report, keys),
        _details(report, keys),
        "<script type=\"application/json\" id=\"keys\">"
        + json.dumps([list(k) for k in keys]).replace("<", "\\u003c") + "</script>",
        f"<script>{_SCRIPT}</script></body></html>\n",
    ]
    return "\n".join(parts)


def _summary(report: Report, keys: dict[tuple[str, str], int]) -> str:
    out = ["<section id=\"summary\"><h2>Summary</h2><ul class=\"figures\">"]
    out += [f"<li>{_e(name)} <b>{value:,}</b></li>" for name, value in report.totals]
    out.append(f"<li>errors <b>{len(report.errors):,}</b></li></ul>")
    if report.errors:
        out.append("<h2>Errors</h2><ul class=\"errors\">")
        out += [f"<li>{_e(e.input)}: {_e(e.message)}</li>" for e in report.errors]
        out.append("</ul>")
    rows = report.rules
    if rows:
        out.append("<h2>By rule</h2><table class=\"rules\"><thead><tr><th>rule</th><th>kind</th>"
                   "<th class=\"n\">count</th><th class=\"n\">articles</th>"
                   + ("<th class=\"n\">bytes</th>" if report.removes else "") + "</tr></thead><tbody>")
        for row in rows:
            link = f"#rule={_url(row.rule)}&amp;kind={_url(row.kind)}"
            out.append(f"<tr><td><a href=\"{link}\">{_e(row.label)}</a></td><td>{_e(row.kind)}</td>"
                       f"<td class=\"n\">{row.count:,}</td><td class=\"n\">{row.articles:,}</td>"
                       + (f"<td class=\"n\">{size(row.bytes) if row.bytes else ''}</td>"
                          if report.removes else "") + "</tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def _url(text: str) -> str:
    from urllib.parse import quote

    return html.escape(quote(text, safe=""), quote=True)


def _legend(report: Report) -> str:
    terms = [t for t in terms_used(report, kept=True) if t in LEGEND]
    if not terms:
        return ""
    out = ["<section id=\"legend\"><h2>Legend</h2><dl class=\"legend\">"]
    out += [f"<dt>{_e(t)}</dt><dd>{_e(LEGEND[t])}</dd>" for t in terms]
    if report.removes:
        out.append("<dt><del>text</del></dt><dd>removed text</dd>"
                   "<dt><ins>␣</ins></dt><dd>a space put back between glued sentences</dd>")
    else:
        out.append("<dt><del>text</del></dt><dd>the copy a clean would remove</dd>"
                   "<dt><mark>text</mark></dt><dd>a repeat that stays</dd>")
    out.append("</dl></section>")
    return "\n".join(out)


def _browser(report: Report, keys: dict[tuple[str, str], int]) -> str:
    """The filters and the table of articles."""
    rules = dict.fromkeys(rule for rule, _ in keys)
    kinds = dict.fromkeys(kind for _, kind in keys)
    labels = {row.rule: row.label for row in report.rules}
    folder = common_folder([a.id for a in report.articles])
    out = [f"<section id=\"browse\"><h2>Articles ({len(report.articles):,} of "
           f"{report.total_articles:,})" + (f" in {_e(folder)}" if folder else "") + "</h2>",
           "<form id=\"filters\" role=\"search\" onsubmit=\"return false\">",
           "<label>Rule <select id=\"f-rule\"><option value=\"\">all</option>"
           + "".join(f"<option value=\"{_e(r)}\">{_e(labels.get(r, r))}</option>" for r in rules)
           + "</select></label>",
           "<label>Kind <select id=\"f-kind\"><option value=\"\">all</option>"
           + "".join(f"<option value=\"{_e(k)}\">{_e(k)}</option>" for k in kinds)
           + "</select></label>",
           "<label>Search <input id=\"f-q\" type=\"search\" placeholder=\"text or file name\"></label>",
           "<button type=\"button\" id=\"f-clear\">Clear</button>"
           "<button type=\"button\" id=\"f-open\">Expand all</button>"
           "<button type=\"button\" id=\"f-close\">Collapse all</button>",
           f"<output id=\"shown\">{len(report.articles):,} of {len(report.articles):,} articles "
           "shown</output></form>"]
    if not report.articles:
        out.append("<p class=\"empty\">Nothing to show.</p></section>")
        return "\n".join(out)
    out.append("<table id=\"articles\"><thead><tr><th>article</th><th>what</th>"
               "<th class=\"n\">entries</th>"
               + ("<th class=\"n\">bytes</th>" if report.removes else "") + "</tr></thead><tbody>")
    for n, article in enumerate(report.articles):
        out.append(f"<tr data-a=\"a{n}\" data-name=\"{_e(article.id)}\">"
                   f"<td class=\"id\"><a href=\"#a{n}\">{_e(article.id[len(folder):])}</a></td>"
                   f"<td>{_e(article.what)}</td><td class=\"n\">{len(article.entries):,}</td>"
                   + (f"<td class=\"n\">{size(article.bytes) if article.bytes else ''}</td>"
                      if report.removes else "") + "</tr>")
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _details(report: Report, keys: dict[tuple[str, str], int]) -> str:
    out = ["<main id=\"details\">"]
    for n, article in enumerate(report.articles):
        out.append(_article(n, article, keys, report.removes))
    out.append("</main>")
    return "\n".join(out)


def _article(n: int, article: ArticleView, keys: dict[tuple[str, str], int], removes: bool) -> str:
    out = [f"<details class=\"article\" id=\"a{n}\"><summary><b>{_e(article.id)}</b>"
           f"<span class=\"what\">{_e(article.what)}</span></summary>"]
    for key, entries in article.groups():
        removed = sum(e.bytes for e in entries)
        out.append(f"<section class=\"group\" data-k=\"{keys[key]}\"><h3>{_e(entries[0].label)} · "
                   f"{_e(key[1])} <small>{plural(len(entries), 'entry', 'entries')}"
                   + (f", {size(removed)}" if removes and removed else "") + "</small></h3><ol class=\"entries\">")
        out += [_entry(e) for e in entries]
        out.append("</ol></section>")
    out.append("<p class=\"up\"><a href=\"#articles\">↑ articles</a></p></details>")
    return "".join(out)


def _entry(entry: Entry) -> str:
    scores = f" <span class=\"scores\">· {_e(entry.scores)}</span>" if entry.scores else ""
    text = []
    if entry.before:
        text.append(f"<span class=\"ctx\">{_e(tail(entry.before, CONTEXT))}</span>")
    if entry.removed:
        tag = "del" if entry.marked else "mark"
        text.append(f"<{tag}>{_e(clip(entry.removed, REMOVED))}</{tag}>")
    if entry.inserted:
        text.append("<ins title=\"a space put back\">␣</ins>")
    if entry.after:
        text.append(f"<span class=\"ctx\">{_e(head(entry.after, CONTEXT))}</span>")
    kept = ""
    if entry.kept:
        where = f"kept {entry.kept_where}" if entry.kept_where else "kept"
        kept = f"<p class=\"kept\"><b>{_e(where)}:</b> {_e(clip(entry.kept, KEPT))}</p>"
    return (f"<li><p class=\"where\">{_e(entry.where)}{scores}</p>"
            + (f"<p class=\"text\">{''.join(text)}</p>" if text else "") + f"{kept}</li>")
