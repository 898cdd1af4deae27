// What a console page is: a function of the request's parameters that reads through the SDK clients and
// returns its title, breadcrumbs and body. The router and the layout around it live in index.ts/layout.ts.
import type { SafeHtml } from "../../handlers/common/html.ts";
import type { PolicyReportDocument } from "../iam/report.ts";
import type { ConsoleClients } from "./reader.ts";

export interface PageRequest {
  /** The region the page shows (services are per region; S3 bucket names and IAM are global). */
  region: string;
  params: URLSearchParams;
  clients: (region: string) => ConsoleClients;
  /** The edge's base URL, for invoke URLs and queue URLs that point back at it. */
  endpoint: string;
  dataDir: string;
  /** The IAM policy report (what each role's sessions used), read in process; undefined without IAM. */
  iamReport: () => PolicyReportDocument | undefined;
}

export interface ConsolePage {
  title: string;
  /** The service's list page first, the page itself last (without a link). */
  breadcrumbs: Array<{ label: string; href?: string }>;
  body: SafeHtml;
}

export type PageHandler = (request: PageRequest) => Promise<ConsolePage>;

/** A request the console cannot answer with a page: a missing parameter or a resource that is not there. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A required page parameter (the bucket's name, the function's name…), or a 400. */
export function requiredParam(request: PageRequest, name: string): string {
  const value = request.params.get(name);
  if (!value) throw new PageError(400, `This page needs the "${name}" parameter.`);
  return value;
}
