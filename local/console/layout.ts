// The frame around every console page: the service menu, the region selector (a plain GET form, so it
// works with the keyboard and without script), breadcrumbs, and the page's own title and body.
import { html, type SafeHtml } from "../../handlers/common/html.ts";
import type { ConsolePage } from "./page.ts";
import { CONSOLE_PATH, consoleHref } from "./ui.ts";

export const SERVICES: Array<{ page: string; label: string }> = [
  { page: "s3", label: "S3" },
  { page: "dynamodb", label: "DynamoDB" },
  { page: "lambda", label: "Lambda" },
  { page: "iam", label: "IAM" },
  { page: "apigateway", label: "API Gateway" },
  { page: "logs", label: "CloudWatch Logs" },
  { page: "sns", label: "SNS" },
  { page: "sqs", label: "SQS" },
  { page: "events", label: "EventBridge" },
  { page: "cloudwatch", label: "CloudWatch" },
];

/** The commercial regions, for the selector; any other well-formed region still works in the URL. */
export const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "af-south-1",
  "me-south-1",
];

export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export interface Frame {
  region: string;
  /** The service whose menu entry is current ("" on the home page). */
  service: string;
  endpoint: string;
}

export function renderPage(page: ConsolePage, frame: Frame): SafeHtml {
  const regions = REGIONS.includes(frame.region) ? REGIONS : [frame.region, ...REGIONS];
  const crumbs = [{ label: "Console", href: consoleHref("", { region: frame.region }) }, ...page.breadcrumbs];
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · s3size local console</title>
<link rel="stylesheet" href="${CONSOLE_PATH}console.css">
<link rel="icon" href="${CONSOLE_PATH}favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="${consoleHref("", { region: frame.region })}">s3size <span>local console</span></a>
<form class="region" method="get" action="${consoleHref(frame.service)}">
<label for="region-select">Region</label>
<select id="region-select" name="region">${regions.map(
    (region) =>
      html`<option value="${region}"${region === frame.region ? html` selected` : ""}>${region}</option>`,
  )}</select>
<button type="submit">Switch</button>
</form>
</header>
<nav class="services" aria-label="Services"><ul>${SERVICES.map(
    (service) =>
      html`<li><a href="${consoleHref(service.page, { region: frame.region })}"${
        service.page === frame.service ? html` aria-current="page"` : ""
      }>${service.label}</a></li>`,
  )}</ul></nav>
<main id="main" tabindex="-1">
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>${crumbs.map((crumb) =>
    crumb.href
      ? html`<li><a href="${crumb.href}">${crumb.label}</a></li>`
      : html`<li aria-current="page">${crumb.label}</li>`,
  )}</ol></nav>
<h1>${page.title}</h1>
${page.body}
</main>
<footer><p>A read-only view of the local cloud at <code>${frame.endpoint}</code>: nothing here changes it.</p></footer>
</body>
</html>`;
}
