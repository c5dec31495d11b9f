import type { Provenance } from '../archive/archive.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';

export function provenanceOf(
  appid: string,
  outcome: Extract<DatacubeOutcome<unknown>, { status: 'ok' }>,
  toolVersion: string,
): Provenance {
  return {
    appid,
    api: outcome.api,
    request: { ...outcome.request },
    fetchedAt: outcome.fetchedAt.toISOString(),
    toolVersion,
    shape: outcome.shape,
    accessPoint: outcome.accessPoint,
  };
}
