// A bucket's Objects section: the current objects with their sizes, or every version and delete marker
// ("Show versions"), filtered by prefix and paged with an opaque cursor, 100 at a time.
import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { html, type SafeHtml } from "../../../handlers/common/html.ts";
import { settle, shown } from "../outcome.ts";
import type { PageRequest } from "../page.ts";
import { bytes, consoleHref, link, section, status, table, time } from "../ui.ts";

const PAGE_SIZE = 100;

/** A listing position as one opaque URL parameter. */
export function encodeCursor(position: Record<string, string | undefined>): string {
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

export function decodeCursor(cursor: string | null): Record<string, string> {
  if (!cursor) return {};
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  } catch {
    return {};
  }
}

export async function objectsSection(request: PageRequest, s3: S3Client, bucket: string): Promise<SafeHtml> {
  const prefix = request.params.get("prefix") ?? "";
  const versions = request.params.get("versions") === "1";
  const position = decodeCursor(request.params.get("cursor"));
  const here = (extra: Record<string, string | undefined>) =>
    consoleHref("s3/bucket", {
      name: bucket,
      region: request.region,
      ...(prefix ? { prefix } : {}),
      ...(versions ? { versions: "1" } : {}),
      ...extra,
    });

  let listing: SafeHtml;
  let next: string | undefined;
  if (versions) {
    const page = await settle(
      s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: PAGE_SIZE,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(position.key ? { KeyMarker: position.key } : {}),
          ...(position.version ? { VersionIdMarker: position.version } : {}),
        }),
      ),
    );
    if (page.ok && page.value.IsTruncated) {
      next = encodeCursor({ key: page.value.NextKeyMarker, version: page.value.NextVersionIdMarker });
    }
    listing = shown(page, "object versions", (value) => {
      const entries = [
        ...(value.Versions ?? []).map((version) => ({ ...version, marker: false })),
        ...(value.DeleteMarkers ?? []).map((marker) => ({ ...marker, Size: undefined, marker: true })),
      ].sort((a, b) => (a.Key ?? "").localeCompare(b.Key ?? "") || Number(b.IsLatest) - Number(a.IsLatest));
      return table({
        caption: "Objects and versions",
        headers: ["Name", "Version ID", "Latest", "Type", "Size", "Last modified"],
        rows: entries.map((entry) => [
          html`<span class="key">${entry.Key}</span>`,
          html`<code>${entry.VersionId}</code>`,
          entry.IsLatest ? status("Latest", "good") : "",
          entry.marker ? "Delete marker" : "Object",
          entry.marker ? "" : bytes(entry.Size),
          time(entry.LastModified),
        ]),
        empty: "No objects.",
      });
    });
  } else {
    const page = await settle(
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: PAGE_SIZE,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(position.token ? { ContinuationToken: position.token } : {}),
        }),
      ),
    );
    if (page.ok && page.value.IsTruncated) next = encodeCursor({ token: page.value.NextContinuationToken });
    listing = shown(page, "objects", (value) =>
      table({
        caption: `Objects (${value.KeyCount ?? value.Contents?.length ?? 0}${value.IsTruncated ? "+" : ""})`,
        headers: ["Name", "Size", "Last modified", "Storage class", "ETag"],
        rows: (value.Contents ?? []).map((object) => [
          html`<span class="key">${object.Key}</span>`,
          bytes(object.Size),
          time(object.LastModified),
          object.StorageClass ?? "STANDARD",
          html`<code>${object.ETag}</code>`,
        ]),
        empty: prefix ? `No objects with the prefix "${prefix}".` : "No objects.",
      }),
    );
  }

  const toggle = versions
    ? link(here({ versions: undefined, cursor: undefined }), "Hide versions")
    : link(here({ versions: "1", cursor: undefined }), "Show versions");
  return section(
    "objects",
    "Objects",
    html`<form class="filter" method="get" action="${consoleHref("s3/bucket")}">
<input type="hidden" name="name" value="${bucket}"><input type="hidden" name="region" value="${request.region}">
${versions ? html`<input type="hidden" name="versions" value="1">` : ""}
<label for="prefix">Find objects by prefix</label>
<input id="prefix" name="prefix" value="${prefix}" autocomplete="off">
<button type="submit">Filter</button>
</form>
<p>${toggle}</p>
${listing}
<nav class="pager" aria-label="Object pages">${
      position.token || position.key ? link(here({ cursor: undefined }), "First page") : ""
    } ${next ? link(here({ cursor: next }), "Next page") : ""}</nav>`,
  );
}
