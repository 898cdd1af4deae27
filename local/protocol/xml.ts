// XML wire formats: S3's REST-XML errors and the Query protocol (IAM, STS) responses and errors.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";

export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export function sendXml(
  res: ServerResponse,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    "x-amz-request-id": randomUUID(),
    ...headers,
  });
  res.end(body);
}

/** S3 REST-XML error: `<Error><Code>…` (the SDK raises an exception named by Code). */
export function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  const fields = Object.entries(extra)
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join("");
  sendXml(
    res,
    status,
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${fields}<RequestId>${randomUUID()}</RequestId></Error>`,
  );
}

/** Query protocol (IAM, STS) error: `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`. */
export function sendQueryError(res: ServerResponse, status: number, code: string, message: string): void {
  const type = status >= 500 ? "Receiver" : "Sender";
  sendXml(
    res,
    status,
    `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/** An XML element as the request parsers read it: attributes are dropped, text is entity-decoded. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (entity, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? entity;
  });
}

/**
 * Parses the small request documents S3 clients send (configurations, delete lists). Namespace
 * prefixes are dropped from names; throws on a document that is not well formed.
 */
export function parseXml(document: string): XmlElement {
  const body = document.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  const root: XmlElement = { name: "#document", children: [], text: "" };
  const stack: XmlElement[] = [root];
  const tag =
    /<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let last = 0;
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    const current = stack[stack.length - 1]!;
    current.text += decodeEntities(body.slice(last, match.index));
    last = tag.lastIndex;
    if (match[5] !== undefined) {
      current.text += match[5];
      continue;
    }
    const name = match[2]!.replace(/^[\w.-]+:/, "");
    if (match[1]) {
      if (current.name !== name || stack.length === 1) throw new Error(`unexpected </${name}>`);
      stack.pop();
      continue;
    }
    const element: XmlElement = { name, children: [], text: "" };
    current.children.push(element);
    if (!match[4]) stack.push(element);
  }
  if (stack.length !== 1 || root.children.length !== 1 || body.slice(last).trim() !== "") {
    throw new Error("the XML is not well formed");
  }
  return root.children[0]!;
}

export function xmlChildren(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((child) => child.name === name) ?? [];
}

export function xmlChild(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((child) => child.name === name);
}

/** The trimmed text of a child element, or undefined when there is none. */
export function xmlText(element: XmlElement | undefined, name: string): string | undefined {
  return xmlChild(element, name)?.text.trim();
}
