// What the site shows, as text, before normalisation: both the profile engine and the generic
// extractor produce these; `finalise` turns them into the SPEC §7 records.
export interface RawListing {
  title: string | null;
  description: string | null;
  price: string | null;
  /** Currency given separately (JSON-LD priceCurrency, a profile field). */
  currency?: string | null;
  vendor: string | null;
  vendorUrl?: string | null;
  category: string | null;
  shipsFrom: string | null;
  shipsTo: string | null | string[];
  url: string | null;
}

export interface RawPost {
  threadTitle: string | null;
  author: string | null;
  postedAt: string | null;
  body: string | null;
}

export interface RawPage {
  pageType: import('../../core/types.js').PageType;
  listings: RawListing[];
  posts: RawPost[];
  vendorName: string | null;
  /** Which extractor produced it: a profile name or "generic". */
  via: string;
}

export function emptyListing(): RawListing {
  return {
    title: null,
    description: null,
    price: null,
    vendor: null,
    category: null,
    shipsFrom: null,
    shipsTo: null,
    url: null,
  };
}
