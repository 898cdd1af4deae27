// The dashboard page, a pure function of what the reads found: the chart of the last N seconds, the
// current size and the maximum, the history (newest first, paged), the bucket's objects with sizes, the
// upload and delete, and the failure count and alarm state. Works as plain HTML; the script adds refresh,
// upload and delete. Every value is escaped by the `html` template.
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH } from "../chart/layout.ts";
import type { HistoryPoint } from "../common/history-query.ts";
import { documentText, html, rawHtml, type SafeHtml } from "../common/html.ts";
import type { DashboardStatus, HistoryPage, MaxRecord, ObjectsPage } from "./reads.ts";
import { DASHBOARD_SCRIPT } from "./script.ts";
import { DASHBOARD_CSS } from "./style.ts";

export interface DashboardView {
  bucket: string;
  trackedBuckets: string[];
  seconds: number;
  refreshSeconds: number;
  history: HistoryPage;
  /** The history page shown is an older one (the `cursor` the URL carries). */
  cursor?: number;
  /** The bucket's newest record, for "Current size" (also when an older history page is shown). */
  newest?: HistoryPoint;
  max?: MaxRecord;
  objects: ObjectsPage | { error: string };
  status: DashboardStatus;
  /** Present when the bucket shown is the data bucket, the one uploads go to. */
  upload?: { prefix: string; maxBytes: number };
}

const number = (value: number) => value.toLocaleString("en-US");
/** A limit as people say it: "10 MiB" when it is a whole number of MiB, else in bytes. */
export const sizeLimit = (bytes: number) =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${number(bytes / (1024 * 1024))} MiB`
    : `${number(bytes)} bytes`;
const count = (value: number, noun: string) => `${number(value)} ${noun}${value === 1 ? "" : "s"}`;
/** CloudWatch's state values as its console words them. */
export const ALARM_STATES: Record<string, string> = {
  OK: "OK",
  ALARM: "In alarm",
  INSUFFICIENT_DATA: "Insufficient data",
};
const when = (iso: string | undefined) => (iso ? iso.replace("T", " ").replace("Z", " UTC") : "");

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) search.set(name, String(value));
  return `?${search.toString()}`;
}

function card(label: string, id: string, value: string, note: SafeHtml | string, tone = ""): SafeHtml {
  return html`<li><div class="label">${label}</div><div class="value ${tone}" id="${id}">${value}</div><div class="note" id="${id.replace(/-size$/, "")}-note">${note}</div></li>`;
}

/** The failure count and the alarm, each only when the stack has it: a card saying "none" helps nobody. */
function statusCards(view: DashboardView): SafeHtml {
  const { failures, alarm } = view.status;
  const cards: SafeHtml[] = [];
  if (failures.configured && !("missing" in failures)) {
    const known = "waiting" in failures;
    cards.push(
      card(
        "Failures waiting",
        "failures",
        known ? number(failures.waiting) : "unknown",
        known
          ? "Failed tracker events waiting in the failure queue (s3size failures lists them)."
          : `Could not read the queue: ${failures.error}`,
        known && failures.waiting > 0 ? "bad" : "",
      ),
    );
  }
  if (alarm.configured && !("missing" in alarm)) {
    if ("state" in alarm) {
      const tone = alarm.state === "OK" ? "good" : alarm.state === "ALARM" ? "bad" : "warn";
      const note = `${alarm.name}${alarm.updatedAt ? ` since ${when(alarm.updatedAt)}` : ""}`;
      cards.push(card("Tracker errors alarm", "alarm", ALARM_STATES[alarm.state] ?? alarm.state, note, tone));
    } else {
      const note = `Could not read the alarm ${alarm.name}: ${alarm.error}`;
      cards.push(card("Tracker errors alarm", "alarm", "unknown", note));
    }
  }
  return html`${cards}`;
}

function historySection(view: DashboardView): SafeHtml {
  const here = (cursor?: string) => query({ bucket: view.bucket, seconds: view.seconds, cursor });
  const rows =
    view.history.records.length === 0
      ? html`<tr><td colspan="3" class="empty">No records yet for this bucket.</td></tr>`
      : view.history.records.map(
          (record) =>
            html`<tr><td>${when(record.recordedAt)}</td><td class="number">${number(record.totalSize)}</td><td class="number">${number(record.objectCount)}</td></tr>`,
        );
  return html`<section aria-labelledby="history-title">
<h2 id="history-title">History</h2>
<div class="scroll" role="region" aria-label="History records" tabindex="0">
<table id="history"><caption>Records of ${view.bucket}, newest first${view.cursor === undefined ? "" : " (older page)"}</caption>
<thead><tr><th scope="col">Recorded at</th><th scope="col" class="number">Size (bytes)</th><th scope="col" class="number">Objects</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<nav class="pager" aria-label="History pages">${view.cursor === undefined ? "" : html`<a href="${here()}">Newest records</a>`}${
    view.history.next ? html`<a href="${here(view.history.next)}">Older records</a>` : ""
  }</nav>
</section>`;
}

function objectsSection(view: DashboardView): SafeHtml {
  const upload = view.upload;
  let body: SafeHtml;
  if ("error" in view.objects) {
    body = html`<tr><td colspan="4" class="bad">Could not list the bucket: ${view.objects.error}</td></tr>`;
  } else if (view.objects.objects.length === 0) {
    body = html`<tr><td colspan="4" class="empty">The bucket is empty.</td></tr>`;
  } else {
    body = html`${view.objects.objects.map(
      (object) =>
        html`<tr><td><span class="key">${object.key}</span></td><td class="number">${number(object.size)}</td><td>${when(object.lastModified)}</td><td>${
          upload && object.key.startsWith(upload.prefix)
            ? html`<button type="button" class="danger" data-key="${object.key}" aria-label="Delete ${object.key}">Delete</button>`
            : ""
        }</td></tr>`,
    )}`;
  }
  const more =
    !("error" in view.objects) && view.objects.next
      ? html`<p class="muted">The first ${view.objects.objects.length} objects are shown.</p>`
      : "";
  return html`<section aria-labelledby="objects-title">
<h2 id="objects-title">Objects</h2>
${
  upload
    ? html`<form id="upload" class="view">
<div><label for="file">Upload a file (at most ${sizeLimit(upload.maxBytes)}; stored under <span class="key">${upload.prefix}</span>)</label>
<input id="file" name="file" type="file" required></div>
<button type="submit" class="primary">Upload</button>
</form>
<noscript><p class="muted">Uploading and deleting need JavaScript.</p></noscript>`
    : html`<p class="muted">Uploads go to the data bucket only; objects uploaded there can be deleted here.</p>`
}
<p id="action-status" class="status-line" role="status" aria-live="polite"></p>
<div class="scroll" role="region" aria-label="Objects" tabindex="0">
<table id="objects"><caption>Current objects of ${view.bucket}</caption>
<thead><tr><th scope="col">Key</th><th scope="col" class="number">Size (bytes)</th><th scope="col">Last modified</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${body}</tbody></table></div>
${more}
</section>`;
}

export function renderDashboard(view: DashboardView): string {
  const chartAlt = `Size of ${view.bucket} over the last ${view.seconds} seconds, in bytes`;
  const plot = `plot${query({ format: "png", bucket: view.bucket, seconds: view.seconds })}`;
  const newest = view.newest;
  const page = html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>s3size · ${view.bucket}</title>
<style>${rawHtml(DASHBOARD_CSS)}</style>
<script>${rawHtml(DASHBOARD_SCRIPT)}</script>
</head>
<body>
<header><h1>s3size dashboard</h1><p>How the total size of ${view.bucket} changes over time</p></header>
<main data-bucket="${view.bucket}" data-seconds="${view.seconds}" data-refresh="${view.refreshSeconds}" data-can-upload="${view.upload ? "true" : "false"}" data-prefix="${view.upload?.prefix ?? ""}" data-max-bytes="${view.upload?.maxBytes ?? 0}"${
    view.cursor === undefined ? "" : html` data-cursor="${view.cursor}"`
  }>
<section aria-labelledby="view-title">
<h2 id="view-title">View</h2>
<form class="view" method="get" action="">
<div><label for="bucket">Tracked bucket</label>
<select id="bucket" name="bucket">${view.trackedBuckets.map(
    (bucket) =>
      html`<option value="${bucket}"${bucket === view.bucket ? html` selected` : ""}>${bucket}</option>`,
  )}</select></div>
<div><label for="seconds">Chart window (seconds)</label>
<input id="seconds" name="seconds" type="number" min="1" max="86400" value="${view.seconds}" required></div>
<button type="submit">Show</button>
</form>
</section>
<ul class="cards">
${card("Current size", "current-size", newest ? `${number(newest.totalSize)} bytes` : "no records yet", newest ? `${count(newest.objectCount, "object")} at ${when(newest.recordedAt)}` : "")}
${card(
  "Maximum (all tracked buckets)",
  "max-size",
  view.max ? `${number(view.max.totalSize)} bytes` : "no records yet",
  view.max ? `${view.max.bucket} at ${when(new Date(view.max.timestamp).toISOString())}` : "",
)}
${statusCards(view)}
</ul>
<section aria-labelledby="chart-title">
<h2 id="chart-title">Size over the last ${view.seconds} seconds</h2>
<figure><a href="${plot}"><img id="chart" src="${plot}" alt="${chartAlt}" width="${DEFAULT_CHART_WIDTH}" height="${DEFAULT_CHART_HEIGHT}"></a>
<figcaption>Refreshes every ${view.refreshSeconds} seconds while this page is open; select it to open it at full size. <span id="chart-status" role="status"></span></figcaption></figure>
</section>
${historySection(view)}
${objectsSection(view)}
</main>
<footer><p>Served by the stack's REST API, throttled like the rest of it. Nothing here is secret; uploads are limited by a signed policy.</p></footer>
</body>
</html>`;
  return documentText(page);
}
