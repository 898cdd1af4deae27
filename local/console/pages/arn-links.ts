// An ARN shown on a page becomes a link to that resource's own console page when the console has one
// (a notification's function, a subscription's queue, a function's role), so a grader can follow the wiring.
import { html, type SafeHtml } from "../../../handlers/common/html.ts";
import { consoleHref, dash, link } from "../ui.ts";

/** The console page for an ARN, or undefined when it has none. */
export function arnHref(arn: string, fallbackRegion: string): string | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, , service, arnRegion, , ...rest] = parts;
  const resource = rest.join(":");
  const region = arnRegion || fallbackRegion;
  switch (service) {
    case "lambda": {
      const name = resource.match(/^function:([^:]+)/)?.[1];
      return name ? consoleHref("lambda/function", { name, region }) : undefined;
    }
    case "sqs":
      return consoleHref("sqs/queue", { arn, region });
    case "sns":
      return consoleHref("sns/topic", { arn: parts.slice(0, 6).join(":"), region });
    case "s3":
      return resource && !resource.includes("/")
        ? consoleHref("s3/bucket", { name: resource, region: fallbackRegion })
        : undefined;
    case "iam": {
      const name = resource.match(/^role\/(?:.*\/)?([^/]+)$/)?.[1];
      return name ? consoleHref("iam/role", { name, region: fallbackRegion }) : undefined;
    }
    case "logs": {
      const group = resource.match(/^log-group:(.+?)(?::\*)?$/)?.[1];
      return group ? consoleHref("logs/group", { name: group, region }) : undefined;
    }
    case "events": {
      const rule = resource.match(/^rule\/(?:([^/]+)\/)?([^/]+)$/);
      return rule
        ? consoleHref("events/rule", { name: rule[2], bus: rule[1] ?? "default", region })
        : undefined;
    }
    case "execute-api": {
      const api = resource.split("/")[0];
      return api ? consoleHref("apigateway/api", { id: api, region }) : undefined;
    }
    default:
      return undefined;
  }
}

/** The ARN as a link to its page, or as plain text when the console has no page for it. */
export function arnLink(arn: string | undefined, fallbackRegion: string, label?: string): SafeHtml {
  if (!arn) return dash();
  const href = arnHref(arn, fallbackRegion);
  return href ? link(href, label ?? arn) : html`${label ?? arn}`;
}
