// The upload's presigned POST: what S3 will accept from the browser, written into the signed policy so
// that S3 itself enforces it — the data bucket only, keys under the upload prefix only, at most the
// configured size, for ten minutes. The page's own size check is a courtesy; this is the limit.
import type { PresignedPostOptions } from "@aws-sdk/s3-presigned-post";
import type { WebConfig } from "./config.ts";

export const UPLOAD_FORM_EXPIRES_SECONDS = 600;
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's placeholder for the uploaded file's name, not a template
export const FILENAME_PLACEHOLDER = "${filename}";

export function uploadPostOptions(config: WebConfig): PresignedPostOptions {
  return {
    Bucket: config.dataBucket,
    // S3 puts the chosen file's name in place of ${filename}; the policy holds the prefix.
    Key: `${config.uploadPrefix}${FILENAME_PLACEHOLDER}`,
    Conditions: [
      ["starts-with", "$key", config.uploadPrefix],
      ["content-length-range", 0, config.uploadMaxBytes],
      ["starts-with", "$Content-Type", ""],
      { success_action_status: "201" },
    ],
    Fields: { success_action_status: "201" },
    Expires: UPLOAD_FORM_EXPIRES_SECONDS,
  };
}

/** What the page gets: where to post, the fields to send before the file, and the limits to tell the user. */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  prefix: string;
  /** ISO 8601: after this S3 refuses the policy; the page asks for a new form for every upload. */
  expiresAt: string;
}

export function uploadForm(
  post: { url: string; fields: Record<string, string> },
  config: WebConfig,
  now: number,
): UploadForm {
  return {
    url: post.url,
    fields: post.fields,
    maxBytes: config.uploadMaxBytes,
    prefix: config.uploadPrefix,
    expiresAt: new Date(now + UPLOAD_FORM_EXPIRES_SECONDS * 1000).toISOString(),
  };
}

/** Decodes the base64 policy a presigned POST carries, for tests and logs. */
export function decodedPolicy(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.Policy ?? "", "base64").toString("utf8"));
}
