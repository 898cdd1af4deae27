// HTML that is safe by construction, for the dashboard and the local console: every value put into an
// `html` template is escaped unless it is itself the output of a template, so an object key, a tag, a log
// line or a policy document can only ever render as text.

/** Markup produced by `html` (or `rawHtml` for constant, trusted text): inserted into a template unescaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => ESCAPES[character]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/**
 * The template tag: `html\`<td>${key}</td>\``. Values are escaped; arrays are joined; null, undefined and
 * false render as nothing. Attributes must be quoted (`href="${url}"`): escaping covers quoted values only.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let text = strings[0]!;
  for (let index = 0; index < values.length; index += 1) {
    text += render(values[index]!) + strings[index + 1]!;
  }
  return new SafeHtml(text);
}

/** Markup written in the code itself (a stylesheet, an icon), never data. */
export function rawHtml(text: string): SafeHtml {
  return new SafeHtml(text);
}

/**
 * A URL for an href or src: relative ones and http(s) ones pass, anything else (javascript:, data:) becomes
 * "#", so a value that reached a link can never run script.
 */
export function safeUrl(url: string): string {
  const trimmed = url.trim();
  if (/^(\/(?![/\\])|\?|#|\.\/)/.test(trimmed)) return trimmed;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "#";
  } catch {
    return "#";
  }
}

/** A whole document's text, for a response body. */
export function documentText(body: SafeHtml): string {
  return `<!doctype html>\n${body.text}`;
}
