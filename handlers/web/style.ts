// The dashboard's stylesheet, inlined in the page (one response, no asset routes) and allowed by its
// hash in the Content-Security-Policy. Readable on a phone; focus always visible.
export const DASHBOARD_CSS = `
:root { --ink:#16191f; --muted:#5f6b7a; --line:#d1d5db; --page:#f2f3f3; --brand:#232f3e; --link:#0654b6;
  --good:#037f0c; --bad:#b3261e; --warn:#8d6605;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--page); line-height: 1.45; }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #ff9900; outline-offset: 2px; }
header { background: var(--brand); color: #fff; padding: 0.75rem 1rem; }
header h1 { margin: 0; font-size: 1.3rem; }
header p { margin: 0.15rem 0 0; color: #d5dbdb; font-size: 0.9rem; overflow-wrap: anywhere; }
main { max-width: 70rem; margin: 0 auto; padding: 1rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.75rem; }
form.view { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; }
form.view div { display: flex; flex-direction: column; gap: 0.2rem; }
select, input, button { font: inherit; padding: 0.35rem 0.55rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
input[type=number] { width: 8rem; }
input[type=file] { max-width: 100%; }
button { cursor: pointer; }
button.primary { background: #ff9900; border-color: #ff9900; font-weight: 600; }
button.danger { color: var(--bad); border-color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 1rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.cards li { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; }
.cards .label { color: var(--muted); font-size: 0.9rem; }
.cards .value { font-size: 1.4rem; font-weight: 600; overflow-wrap: anywhere; }
.cards .note { color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
figure { margin: 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 0.4rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #fafafa; white-space: nowrap; }
td { overflow-wrap: anywhere; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#objects td:first-child { min-width: 10rem; }
.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.muted, .empty { color: var(--muted); }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.pager { display: flex; gap: 1rem; margin-top: 0.5rem; }
.status-line { min-height: 1.4em; margin: 0.5rem 0 0; }
footer { color: var(--muted); font-size: 0.85rem; text-align: center; padding: 1rem; }
@media (max-width: 40rem) { main { padding: 0.5rem; } section { padding: 0.75rem; } th, td { padding: 0.35rem 0.4rem; } }
`;
