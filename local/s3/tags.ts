// Tag sets of buckets and objects: read from a Tagging document or the x-amz-tagging header, checked
// with S3's limits and words, written back as XML.
import { type XmlElement, xmlEscape } from "../protocol/xml.ts";
import { S3Failure } from "./failure.ts";
import type { Tag } from "./store/records.ts";
import { malformedXml, S3_NS, type S3Call, xmlBody } from "./wire.ts";

function invalidTag(message: string): S3Failure {
  return new S3Failure(400, "InvalidTag", message);
}

export function checkTags(tags: Tag[], limit: { count: number; message: string }): Tag[] {
  if (tags.length > limit.count) throw new S3Failure(400, "BadRequest", limit.message);
  if (new Set(tags.map((tag) => tag.key)).size !== tags.length) {
    throw invalidTag("Cannot provide multiple Tags with the same key");
  }
  for (const tag of tags) {
    if (tag.key.toLowerCase().startsWith("aws:"))
      throw invalidTag("System tags cannot be added/updated by requester");
    if (tag.key.length < 1 || tag.key.length > 128)
      throw invalidTag("The TagKey you have provided is invalid");
    if (tag.value.length > 256) throw invalidTag("The TagValue you have provided is invalid");
  }
  return tags;
}

export const OBJECT_TAG_LIMIT = { count: 10, message: "Object tags cannot be greater than 10" };
export const BUCKET_TAG_LIMIT = { count: 50, message: "Bucket tag count cannot be greater than 50" };

/** A `<Tagging><TagSet><Tag><Key/><Value/></Tag>…` request body. */
export function tagsFromBody(call: S3Call): Tag[] {
  return tagsFromXml(xmlBody(call));
}

export function tagsFromXml(root: XmlElement): Tag[] {
  const set = root.children.find((child) => child.name === "TagSet");
  if (root.name !== "Tagging" || !set) {
    throw malformedXml();
  }
  return set.children
    .filter((child) => child.name === "Tag")
    .map((tag) => ({
      key: tag.children.find((child) => child.name === "Key")?.text ?? "",
      value: tag.children.find((child) => child.name === "Value")?.text ?? "",
    }));
}

/** The x-amz-tagging header: a URL query string ("a=1&b=2"). */
export function tagsFromHeader(value: string | undefined): Tag[] | undefined {
  if (value === undefined) return undefined;
  return [...new URLSearchParams(value)].map(([key, tagValue]) => ({ key, value: tagValue }));
}

export function renderTagging(tags: Tag[]): string {
  const items = tags.map(
    (tag) => `<Tag><Key>${xmlEscape(tag.key)}</Key><Value>${xmlEscape(tag.value)}</Value></Tag>`,
  );
  return `<Tagging ${S3_NS}><TagSet>${items.join("")}</TagSet></Tagging>`;
}
