// POST Object: the browser form upload. The form names the key, carries a signed policy S3 enforces
// (expiry, conditions, size range, no unlisted fields), and S3 answers 204, 200, 201 or a redirect.
import type { OutgoingHttpHeaders } from "node:http";
import { xmlEscape } from "../../protocol/xml.ts";
import { S3Failure } from "../failure.ts";
import { boundaryOf, type FormField, parseFormData } from "../form-data.ts";
import { checkKey } from "../names.ts";
import { storedHeaders, userMetadata, versionHeaders } from "../object-headers.ts";
import { checkPostPolicy } from "../post-policy.ts";
import { checkTags, OBJECT_TAG_LIMIT, tagsFromXml } from "../tags.ts";
import { header, parseXmlBody, S3_NS, type S3Call, sendEmpty, sendXml } from "../wire.ts";
import { createdChange } from "./objects.ts";
import { denial, objectArn, requireBucket, type S3Operation } from "./table.ts";

function invalidArgument(message: string, name: string, value = ""): S3Failure {
  return new S3Failure(400, "InvalidArgument", message, { ArgumentName: name, ArgumentValue: value });
}

function missingField(name: string): S3Failure {
  return invalidArgument(
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    name,
  );
}

const V4_FIELDS = ["x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"];
const V2_FIELDS = ["AWSAccessKeyId", "signature"];

/** The fields before the file (S3 ignores what follows it), by lower-case name, and the file. */
function readForm(call: S3Call): { fields: Map<string, string>; file: FormField } {
  const boundary = boundaryOf(header(call, "content-type"));
  const form = boundary ? parseFormData(call.req.body, boundary) : undefined;
  if (!form) {
    throw new S3Failure(
      400,
      "MalformedPOSTRequest",
      "The body of your POST request is not well-formed multipart/form-data.",
    );
  }
  const fields = new Map<string, string>();
  for (const field of form) {
    if (field.name.toLowerCase() === "file") return { fields, file: field };
    fields.set(field.name.toLowerCase(), field.value);
  }
  throw invalidArgument("POST requires exactly one file upload per request.", "file", "0");
}

/** The call as the form's signer makes it: the key in its credential, the session token it carries. */
function signerOf(call: S3Call, fields: Map<string, string>): S3Call {
  const credential = fields.get("x-amz-credential")?.split("/")[0] ?? fields.get("awsaccesskeyid");
  if (!credential) return call;
  const token = fields.get("x-amz-security-token");
  const headers = { ...call.req.headers };
  if (token === undefined) delete headers["x-amz-security-token"];
  else headers["x-amz-security-token"] = token;
  return { ...call, req: { ...call.req, accessKeyId: credential, headers } };
}

function checkSignatureFields(fields: Map<string, string>): void {
  const v4 = V4_FIELDS.some((name) => fields.has(name));
  const v2 = V2_FIELDS.some((name) => fields.has(name.toLowerCase()));
  const required = v4 || !v2 ? V4_FIELDS : V2_FIELDS;
  for (const name of required) if (!fields.has(name.toLowerCase())) throw missingField(name);
}

export const postObjectOperation: S3Operation = {
  name: "PostObject",
  scope: "bucket",
  method: "POST",
  subresource: "",
  when: (call) => /^multipart\/form-data/i.test(header(call, "content-type") ?? ""),
  // The key is in the form: PutObject on it is authorized once the form is read.
  iam: () => [],
  async run(env, call, res) {
    requireBucket(env, call);
    const { fields, file } = readForm(call);
    const rawKey = fields.get("key");
    if (rawKey === undefined || rawKey === "") throw missingField("key");
    // The policy speaks of the fields as sent; ${filename} becomes the file's name only in the stored key.
    const policy = fields.get("policy");
    if (policy !== undefined) {
      checkSignatureFields(fields);
      checkPostPolicy(policy, { bucket: call.bucket, fields, fileSize: file.data.length });
    }
    const key = rawKey.replace(/\$\{filename\}/g, file.filename ?? "");
    checkKey(key);
    // S3 authorizes a browser upload as whoever signed the form, not as the (unsigned) request.
    const decision = env.authorize(signerOf(call, fields), {
      action: "s3:PutObject",
      resources: [objectArn(call.bucket, key)],
    });
    if (!decision.allowed) throw denial(decision);

    const formHeaders = Object.fromEntries(fields);
    const tagging = fields.get("tagging");
    const tags = tagging
      ? checkTags(tagsFromXml(parseXmlBody(Buffer.from(tagging))), OBJECT_TAG_LIMIT)
      : undefined;
    const body = await env.store.stage(file.data);
    const { version, bucket } = await env.store.putObject(call.bucket, key, {
      key,
      body,
      size: body.size,
      etag: body.md5,
      headers: storedHeaders(formHeaders),
      metadata: userMetadata(formHeaders),
      ...(tags ? { tags } : {}),
    });
    await env.notifier.publish(
      bucket,
      createdChange("s3:ObjectCreated:Post", "POST Object", bucket, version),
      call,
    );

    const location = `${env.ctx.endpoint}/${encodeURIComponent(call.bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`;
    const headers: OutgoingHttpHeaders = {
      etag: `"${version.etag}"`,
      location,
      ...versionHeaders(bucket, version),
    };
    const redirect = fields.get("success_action_redirect") ?? fields.get("redirect");
    if (redirect) {
      try {
        const target = new URL(redirect);
        target.searchParams.set("bucket", call.bucket);
        target.searchParams.set("key", key);
        target.searchParams.set("etag", `"${version.etag}"`);
        sendEmpty(res, call, 303, { ...headers, location: target.toString() });
        return;
      } catch {
        // S3 ignores a redirect that is not a URL and answers as if none was given.
      }
    }
    const status = fields.get("success_action_status");
    if (status === "201") {
      sendXml(
        res,
        call,
        201,
        `<PostResponse ${S3_NS}><Location>${xmlEscape(location)}</Location><Bucket>${call.bucket}</Bucket><Key>${xmlEscape(key)}</Key><ETag>"${version.etag}"</ETag></PostResponse>`,
        headers,
      );
    } else {
      sendEmpty(res, call, status === "200" ? 200 : 204, headers);
    }
  },
};
