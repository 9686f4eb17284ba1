// Reading the built site: which pages are posts, and which outbound links each post's content holds.
export { scanSite } from './scan.ts';
export type { ScanOptions, ScannedPage, SiteOptions, SiteWarning } from './types.ts';
