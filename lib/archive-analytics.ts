/**
 * Where `ArchiveAnalytics` was imported from before the construct was split into parts; it now
 * lives in `lib/parts/analytics/`. Kept so that code importing this path still compiles.
 */
export { ArchiveAnalytics, type ArchiveAnalyticsProps, NAMED_QUERIES } from './parts/analytics/archive-analytics.js';
