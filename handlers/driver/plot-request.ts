// Where the driver asks for the plot: the configured API URL, pointed at the demo's bucket and window.

/** The plotting API's URL for the demo's bucket and window, unless the configured URL already has a query. */
export function plotRequestUrl(apiUrl: string, bucket: string, seconds = 10): string {
  const url = new URL(apiUrl);
  if (url.search === "") {
    url.searchParams.set("bucket", bucket);
    url.searchParams.set("seconds", String(seconds));
  }
  return url.toString();
}
