// multipart/form-data as browsers send an HTML form upload (S3's POST Object): the fields in order,
// the file's bytes untouched.

export interface FormField {
  name: string;
  value: string;
  /** Set on the file field. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = contentType?.match(/^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i);
  return match?.[1] ?? match?.[2];
}

/** The fields of a form body, or undefined when the body is not a well-formed multipart form. */
export function parseFormData(body: Buffer, boundary: string): FormField[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: FormField[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString("latin1") === "--") return fields;
    if (body.subarray(position, position + 2).toString("latin1") !== "\r\n") return undefined;
    const headersEnd = body.indexOf("\r\n\r\n", position);
    if (headersEnd < 0) return undefined;
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) return undefined;
    const headers = body
      .subarray(position + 2, headersEnd)
      .toString("utf8")
      .split("\r\n");
    const disposition = headers.find((line) => /^content-disposition:/i.test(line)) ?? "";
    const name = disposition.match(/\bname="([^"]*)"/i)?.[1];
    if (name === undefined) return undefined;
    const filename = disposition.match(/\bfilename="([^"]*)"/i)?.[1];
    const contentType = headers
      .find((line) => /^content-type:/i.test(line))
      ?.replace(/^content-type:\s*/i, "");
    const data = body.subarray(headersEnd + 4, next);
    fields.push({
      name,
      value: data.toString("utf8"),
      ...(filename !== undefined ? { filename } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      data,
    });
    position = next + 2;
  }
}
