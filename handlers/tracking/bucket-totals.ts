// Sums a bucket's listing page by page, so a bucket of any size is counted without holding its keys.

export interface BucketTotals {
  totalSize: number;
  objectCount: number;
}

export interface ListingPage {
  Contents?: { Size?: number }[];
  IsTruncated?: boolean;
  NextContinuationToken?: string;
}

/** Fetches one ListObjectsV2 page; `token` is undefined for the first. */
export type ListPage = (token: string | undefined) => Promise<ListingPage>;

/** Reads pages until the listing says it is complete, following each continuation token. */
export async function measureBucket(listPage: ListPage): Promise<BucketTotals> {
  const totals: BucketTotals = { totalSize: 0, objectCount: 0 };
  let token: string | undefined;
  do {
    const page = await listPage(token);
    for (const object of page.Contents ?? []) {
      totals.totalSize += object.Size ?? 0;
      totals.objectCount += 1;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (page.IsTruncated && !token) throw new Error("listing is truncated but has no continuation token");
  } while (token);
  return totals;
}
