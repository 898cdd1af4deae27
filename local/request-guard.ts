// Who may talk to the local cloud. It listens on loopback only, but every web page the user opens can reach
// a loopback port: a page on a rebinding domain (attacker.example resolving to 127.0.0.1) would read the
// answers, and any page can send "simple" cross-site requests (a form POST, a text/plain fetch). So the
// edge answers only loopback Host names, and a browser's cross-site request may read, never change state.
import { isIPv4 } from "node:net";

/** Methods a cross-site page may use: reads (a presigned URL opened from a link, an <img> of a chart). */
const READS = new Set(["GET", "HEAD"]);
/** Services a cross-site read may reach: objects (presigned URLs) and deployed APIs, as on AWS. */
const READABLE_CROSS_SITE = new Set(["s3", "execute-api"]);

/**
 * Whether a Host header names this machine: `localhost`, `*.localhost`, 127.0.0.0/8, `[::1]` (and
 * IPv4-mapped loopback), or the host the cloud was bound to, each with or without a port. A request
 * without Host (HTTP/1.0 tools) is no browser's and passes.
 */
export function isLoopbackHost(host: string | undefined, boundHost: string): boolean {
  if (host === undefined) return true;
  const parsed = host.match(/^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(?::(\d{1,5}))?$/);
  if (!parsed) return false;
  const name = parsed[1]!.toLowerCase().replace(/\.$/, "");
  const bound = boundHost.includes(":") ? `[${boundHost.toLowerCase()}]` : boundHost.toLowerCase();
  if (name === bound || name === "localhost" || name.endsWith(".localhost")) return true;
  if (isIPv4(name)) return name.startsWith("127.");
  if (!name.startsWith("[")) return false;
  let canonical: string;
  try {
    canonical = new URL(`http://${name}/`).hostname;
  } catch {
    return false;
  }
  return canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** Whether an Origin header is a page served from this machine (`null`, as sandboxed pages send, is not). */
export function isLoopbackOrigin(origin: string, boundHost: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.host, boundHost);
}

/**
 * Why a request must be refused as a browser's cross-site attempt to change state, or undefined when it
 * may pass. Cross-site means an Origin that is not a loopback page, or `Sec-Fetch-Site: cross-site`
 * without an Origin to tell. Such a request may only read S3 objects and deployed APIs; a CORS
 * preflight to S3 passes so that S3 answers it with the bucket's own CORS rules.
 */
export function crossSiteRefusal(
  method: string,
  headers: Record<string, string | string[] | undefined>,
  service: string,
  boundHost: string,
): string | undefined {
  const origin = single(headers.origin);
  const site = single(headers["sec-fetch-site"]);
  const foreign = origin !== undefined ? !isLoopbackOrigin(origin, boundHost) : site === "cross-site";
  if (!foreign) return undefined;
  if (method === "OPTIONS" && service === "s3") return undefined;
  if (READS.has(method) && READABLE_CROSS_SITE.has(service)) return undefined;
  const source = origin !== undefined ? `from Origin ${origin}` : "(Sec-Fetch-Site: cross-site)";
  return `The local cloud refuses a browser's cross-site ${method} request ${source}: only pages served from this machine may change its state.`;
}

export function hostRefusal(host: string | undefined): string {
  return `The local cloud answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]), not Host ${JSON.stringify(host)}: a web page may be using DNS rebinding to reach it.`;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
