import type { Archive } from '../archive/archive.js';
import type { Logger } from '../shared/logger.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';
import type { DatacubeEndpoint } from '../wechat/datacube-endpoints.js';
import { provenanceOf } from './provenance.js';

/**
 * Reads an archived datacube body back through the endpoint's own parser, so archived data is held
 * to the same rules as fresh data. A body that no longer parses counts as missing, with a warning.
 */
export async function readArchived<Period, Value>(
  archive: Archive,
  key: string,
  endpoint: DatacubeEndpoint<Period, Value>,
  period: Period,
  logger: Logger,
): Promise<Value | undefined> {
  const body = await archive.get(key);
  if (!body) return undefined;
  try {
    return endpoint.parse(JSON.parse(body.toString('utf8')), period);
  } catch (error) {
    logger.warn('archived body is unreadable, treating it as missing', {
      location: archive.locate(key),
      error: (error as Error).message,
    });
    return undefined;
  }
}

export type FetchedAndArchived<Value> =
  | { readonly value: Value; readonly location: string }
  /** `empty`: WeChat answered with nothing in it, rather than "not computed yet" (61503). */
  | { readonly notYetAvailable: string; readonly empty: boolean };

/** Fetches one period and archives its raw bytes at once, before anything else can fail. */
export async function fetchAndArchive<Value>(
  fetch: () => Promise<DatacubeOutcome<Value>>,
  archive: Archive,
  key: string,
  appid: string,
  toolVersion: string,
): Promise<FetchedAndArchived<Value>> {
  const outcome = await fetch();
  if (outcome.status === 'not-yet-available') return { notYetAvailable: outcome.reason, empty: outcome.empty };
  await archive.put(key, outcome.raw, provenanceOf(appid, outcome, toolVersion));
  return { value: outcome.value, location: archive.locate(key) };
}
