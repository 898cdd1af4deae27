import { expect } from "chai";
import { documentText, escapeHtml, html, rawHtml, safeUrl } from "../../handlers/common/html.ts";

describe("html templates", () => {
  it("escapes every interpolated value, in content and in quoted attributes", () => {
    const key = `<img src=x onerror=alert(1)>`;
    const quote = `" onmouseover="alert(2)`;
    const page = html`<td title="${quote}">${key}</td><td title='${"'"}'>${"`"}</td>`;
    expect(page.text).to.equal(
      "<td title=\"&quot; onmouseover=&quot;alert(2)\">&lt;img src=x onerror=alert(1)&gt;</td><td title='&#39;'>&#96;</td>",
    );
    expect(escapeHtml("a & b")).to.equal("a &amp; b");
  });

  it("inserts nested templates as markup, joins arrays, and renders nothing for null, undefined and false", () => {
    const rows = ["<a>", "b"].map((cell) => html`<li>${cell}</li>`);
    expect(html`<ul>${rows}</ul>${null}${undefined}${false}${0}`.text).to.equal(
      "<ul><li>&lt;a&gt;</li><li>b</li></ul>0",
    );
    expect(html`${rawHtml("<b>constant</b>")}`.text).to.equal("<b>constant</b>");
    expect(documentText(html`<p>x</p>`)).to.equal("<!doctype html>\n<p>x</p>");
  });

  it("keeps a plain object's text from passing as markup", () => {
    const forged = { text: "<script>alert(1)</script>", toString: () => "<script>" } as unknown as string;
    expect(html`${forged}`.text).to.equal("&lt;script&gt;");
  });

  it("lets only relative and http(s) URLs into links", () => {
    expect(safeUrl("/_s3size/console/s3?region=us-east-1")).to.equal("/_s3size/console/s3?region=us-east-1");
    expect(safeUrl("?cursor=abc")).to.equal("?cursor=abc");
    expect(safeUrl("https://abc.execute-api.us-east-1.amazonaws.com/demo/")).to.equal(
      "https://abc.execute-api.us-east-1.amazonaws.com/demo/",
    );
    for (const hostile of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "data:text/html,<b>",
      "//evil.example/",
      "/\\evil.example",
    ]) {
      expect(safeUrl(hostile), hostile).to.equal("#");
    }
  });
});
