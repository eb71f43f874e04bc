/**
 * The fixed style and script of the plan page (html.ts). They hold no plan
 * data: the script reads only the page's DOM (data-* attributes and text),
 * so nothing from a plan is ever placed in a script or style context, and
 * the page's Content-Security-Policy allows exactly these two by hash.
 */

export const PAGE_STYLE = `
:root { --create: #1a7f37; --update: #9a6700; --delete: #cf222e; --restart: #0969da; --reload: #0969da;
  --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem 1.5rem 3rem; font: 14px/1.45 system-ui, sans-serif; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.totals { margin: 0 0 1rem; color: var(--muted); }
table.counts { border-collapse: collapse; margin-bottom: 1rem; font-variant-numeric: tabular-nums; }
table.counts th, table.counts td { border: 1px solid var(--line); padding: .2rem .6rem; text-align: right; }
table.counts th:first-child, table.counts td:first-child { text-align: left; }
table.counts tfoot td { font-weight: 600; background: var(--bg-soft); }
td.zero { color: #afb8c1; }
td.failed, .failed-note { color: var(--delete); font-weight: 600; }
.toolbar { position: sticky; top: 0; background: #fff; padding: .5rem 0; display: flex; gap: .5rem;
  align-items: center; border-bottom: 1px solid var(--line); margin-bottom: .75rem; z-index: 1; }
#filter { flex: 0 1 32rem; padding: .35rem .5rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; }
button { font: inherit; padding: .3rem .7rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg-soft); cursor: pointer; }
#shown { color: var(--muted); }
details.host { border: 1px solid var(--line); border-radius: 6px; margin-bottom: .5rem; }
details.host > summary { padding: .45rem .75rem; cursor: pointer; background: var(--bg-soft); border-radius: 6px; }
details.host[open] > summary { border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
.hostname { font-weight: 600; margin-right: .5rem; }
.badge { display: inline-block; border-radius: 10px; padding: 0 .5rem; margin-right: .25rem; font-size: 12px; color: #fff; }
.badge.create { background: var(--create); } .badge.update { background: var(--update); }
.badge.delete { background: var(--delete); } .badge.restart, .badge.reload { background: var(--restart); }
.badge.none { background: #8c959f; } .badge.error { background: var(--delete); }
.took { color: #57606a; font-size: 12px; margin-left: .25rem; }
.host-body { padding: .25rem .75rem .5rem; }
details.action { margin: .35rem 0; border-left: 3px solid var(--line); padding-left: .5rem; }
details.action > summary { cursor: pointer; font-family: ui-monospace, monospace; }
details.action.create { border-color: var(--create); } details.action.update { border-color: var(--update); }
details.action.delete { border-color: var(--delete); } details.action.restart, details.action.reload { border-color: var(--restart); }
.sign { display: inline-block; width: 1.2em; font-weight: 700; }
.sign.create { color: var(--create); } .sign.update { color: var(--update); } .sign.delete { color: var(--delete); }
.sign.restart, .sign.reload { color: var(--restart); }
.verb { color: var(--muted); font-family: system-ui, sans-serif; }
.why { color: var(--restart); font-family: system-ui, sans-serif; }
.field { margin: .35rem 0 .35rem 1.2rem; }
.fname { font-family: ui-monospace, monospace; }
.secret { color: var(--update); font-style: italic; }
pre.diff { margin: .2rem 0; padding: .4rem .6rem; background: var(--bg-soft); border-radius: 6px; overflow-x: auto;
  font: 12px/1.4 ui-monospace, monospace; }
.l { display: block; white-space: pre; }
.l.add { background: #dafbe1; } .l.del { background: #ffebe9; } .l.hunk { color: var(--muted); }
.l.more { color: var(--muted); font-style: italic; }
ul.notes, ul.errors { margin: .3rem 0 .3rem 1.2rem; padding-left: 1rem; }
.unknown, .after { margin: .3rem 0 .3rem 1.2rem; color: var(--muted); }
code { font-family: ui-monospace, monospace; }
[hidden] { display: none !important; }
`;

/**
 * The filter box and the expand/collapse buttons. A term matches a host
 * name, a resource kind, an action or a resource id (substring, any case);
 * `host:`, `kind:` and `action:` restrict a term to one of them; every term
 * must match. A host shows when one of its actions does (or, without
 * actions, when its name and status match).
 */
export const PAGE_SCRIPT = `
(() => {
  "use strict";
  const input = document.getElementById("filter");
  const shown = document.getElementById("shown");
  const hosts = Array.from(document.querySelectorAll("details.host"));
  const FIELDS = ["host", "kind", "action"];
  const matches = (term, item) => {
    const colon = term.indexOf(":");
    if (colon > 0 && FIELDS.includes(term.slice(0, colon)))
      return item[term.slice(0, colon)].includes(term.slice(colon + 1));
    return item.host.includes(term) || item.kind.includes(term) || item.action.includes(term) || item.id.includes(term);
  };
  const lower = (s) => (s || "").toLowerCase();
  const apply = () => {
    const terms = input.value.toLowerCase().split(/\\s+/).filter((t) => t.length > 0);
    let hostCount = 0;
    let actionCount = 0;
    for (const h of hosts) {
      const host = lower(h.dataset.host);
      const actions = Array.from(h.querySelectorAll("details.action"));
      let any = false;
      for (const a of actions) {
        const item = { host, kind: lower(a.dataset.kind), action: lower(a.dataset.action), id: lower(a.dataset.id) };
        const ok = terms.every((t) => matches(t, item));
        a.hidden = !ok;
        if (ok) { any = true; actionCount++; }
      }
      const item = { host, kind: "", action: lower(h.dataset.status), id: "" };
      const show = actions.length > 0 ? any : terms.every((t) => matches(t, item));
      h.hidden = !show;
      if (show) hostCount++;
      if (show && terms.length > 0 && actions.length > 0) h.open = true;
    }
    shown.textContent = terms.length === 0 ? "" : hostCount + " host(s), " + actionCount + " action(s) match";
  };
  input.addEventListener("input", apply);
  const openAll = (open) => {
    for (const d of document.querySelectorAll("details")) if (!d.hidden) d.open = open;
  };
  document.getElementById("expand").addEventListener("click", () => openAll(true));
  document.getElementById("collapse").addEventListener("click", () => openAll(false));
  apply();
})();
`;
