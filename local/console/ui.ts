// The console's building blocks: links into the console, sections, key–value panels, tables, JSON blocks,
// sizes and times, each escaping what it is given (through `html`) so a page never has to think about it.
import { type HtmlValue, html, type SafeHtml } from "../../handlers/common/html.ts";

export const CONSOLE_PATH = "/_s3size/console/";

/** A link to a console page with its parameters (region always carried along). */
export function consoleHref(page: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  const search = query.toString();
  return `${CONSOLE_PATH}${page}${search ? `?${search}` : ""}`;
}

export function link(href: string, label: HtmlValue): SafeHtml {
  return html`<a href="${href}">${label}</a>`;
}

/** A titled part of a page, with an anchor so the page's contents list can jump to it. */
export function section(id: string, title: string, content: HtmlValue, description?: string): SafeHtml {
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>${description ? html`<p class="hint">${description}</p>` : ""}
${content}
</section>`;
}

/** A list of label → value pairs, as the AWS console's "details" panels show them. */
export function keyValues(pairs: Array<[string, HtmlValue]>): SafeHtml {
  return html`<dl class="details">${pairs.map(
    ([label, value]) =>
      html`<div><dt>${label}</dt><dd>${value === undefined || value === "" ? dash() : value}</dd></div>`,
  )}</dl>`;
}

export interface TableOptions {
  caption: string;
  headers: string[];
  rows: HtmlValue[][];
  /** Shown instead of an empty table. */
  empty: string;
}

/** A table that scrolls sideways on a phone; its scroll area is keyboard-focusable and named. */
export function table(options: TableOptions): SafeHtml {
  if (options.rows.length === 0) return html`<p class="empty">${options.empty}</p>`;
  return html`<div class="table-scroll" role="region" aria-label="${options.caption}" tabindex="0">
<table><caption>${options.caption}</caption>
<thead><tr>${options.headers.map((header) => html`<th scope="col">${header}</th>`)}</tr></thead>
<tbody>${options.rows.map(
    (row) =>
      html`<tr>${options.headers.map((_, index) => html`<td>${row[index] === undefined || row[index] === "" ? dash() : row[index]}</td>`)}</tr>`,
  )}</tbody>
</table></div>`;
}

/** A JSON document (a policy, a pattern, an item) pretty-printed as text. */
export function jsonBlock(value: unknown, label: string): SafeHtml {
  const text = typeof value === "string" ? prettyJson(value) : JSON.stringify(value, null, 2);
  return html`<pre class="json" tabindex="0" aria-label="${label}"><code>${text}</code></pre>`;
}

/** A policy document as IAM returns it (URL-encoded in IAM's answers) or as JSON text. */
export function prettyJson(text: string): string {
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.stringify(JSON.parse(candidate), null, 2);
    } catch {
      // not JSON this way
    }
  }
  return text;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function dash(): SafeHtml {
  return html`<span class="muted" aria-label="none">–</span>`;
}

/** A status word with its colour (Active, Failed, ALARM, OK, Pending confirmation…). */
export function status(word: string | undefined, tone: "good" | "bad" | "neutral" | "warn"): SafeHtml {
  if (!word) return dash();
  return html`<span class="status ${tone}">${word}</span>`;
}

export function bytes(size: number | undefined): SafeHtml {
  if (size === undefined || !Number.isFinite(size)) return dash();
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? `${size} B` : `${value.toFixed(1)} ${units[unit]}`;
  return html`<span title="${size.toLocaleString("en-US")} bytes">${shown}</span>`;
}

/** A time in UTC, machine-readable in `datetime`. Accepts a Date, epoch milliseconds or ISO text. */
export function time(value: Date | number | string | undefined): SafeHtml {
  if (value === undefined || value === "") return dash();
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return html`${String(value)}`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")
    .replace(/Z$/, " UTC")}</time>`;
}

/** What a section shows when its read failed: the service's own words. */
export function readFailure(what: string, error: unknown): SafeHtml {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return html`<p class="error" role="status">Could not read ${what}: ${message}</p>`;
}

export function notConfigured(what: string): SafeHtml {
  return html`<p class="empty">${what}</p>`;
}

/** Tags as every service's console shows them, from a list of {Key, Value} or a map. */
export function tagsTable(
  tags: Array<{ Key?: string; Value?: string }> | Record<string, string> | undefined,
): SafeHtml {
  const pairs = Array.isArray(tags) ? tags.map((tag) => [tag.Key, tag.Value]) : Object.entries(tags ?? {});
  return table({
    caption: `Tags (${pairs.length})`,
    headers: ["Key", "Value"],
    rows: pairs,
    empty: "No tags.",
  });
}

/** A resource page's breadcrumbs: the service, its list, the resource. */
export function resourceCrumbs(
  service: { label: string; page: string },
  list: { label: string; params?: Record<string, string> },
  name: string,
  region: string,
): Array<{ label: string; href?: string }> {
  return [
    { label: service.label, href: consoleHref(service.page, { region }) },
    { label: list.label, href: consoleHref(service.page, { ...list.params, region }) },
    { label: name },
  ];
}
