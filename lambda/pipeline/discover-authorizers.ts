import type { AppConfig } from '../config/deployment-config.js';
import type { RegistryEntry, WritableAppRegistry } from '../registry/app-registry.js';
import type { Logger } from '../shared/logger.js';
import type { Authorizer, AuthorizerInfo } from '../wechat/component/component-api.js';

/** What discovery needs of the platform: its authorizers and what each granted. */
export interface AuthorizerDirectory {
  authorizers(): AsyncIterable<Authorizer>;
  authorizerInfo(appid: string): Promise<AuthorizerInfo>;
}

export interface DiscoveryResult {
  readonly added: readonly string[];
  readonly enabled: readonly string[];
  readonly disabled: readonly { readonly name: string; readonly reason: string }[];
  readonly unchanged: number;
}

export const NO_DATA_PERMISSION = 'the Mini Program has not granted the data-analysis permission (set 18 or 21)';
export const NOT_AUTHORIZED = 'the Mini Program no longer authorizes the platform';

/**
 * Keeps the registry in step with the Mini Programs that authorized the platform: a new one is
 * added (named by its AppID, shown by its name, reported to the platform's default audience); one
 * without the data permission, or that withdrew its authorization, is disabled with the reason
 * (listed, never called); one that granted it again is enabled. Entries a person edited keep their
 * audience and name: only `tokenMode`, `disabled` and the AppID are the discovery's.
 */
export async function discoverAuthorizers(deps: {
  readonly directory: AuthorizerDirectory;
  readonly registry: WritableAppRegistry;
  readonly defaults: Pick<AppConfig, 'recipients' | 'webhooks' | 'language'>;
  readonly logger: Logger;
}): Promise<DiscoveryResult> {
  const byAppid = new Map<string, Extract<RegistryEntry, { app: AppConfig }>>();
  for await (const entry of deps.registry.list())
    if ('app' in entry && entry.app.appid) byAppid.set(entry.app.appid, entry);
  const result = {
    added: [] as string[],
    enabled: [] as string[],
    disabled: [] as { name: string; reason: string }[],
    unchanged: 0,
  };
  const seen = new Set<string>();
  for await (const authorizer of deps.directory.authorizers()) {
    seen.add(authorizer.appid);
    const info = await deps.directory.authorizerInfo(authorizer.appid);
    const { next, change } = reconcile(byAppid.get(authorizer.appid)?.app, info, deps.defaults);
    if (change === 'unchanged') {
      result.unchanged += 1;
      continue;
    }
    await deps.registry.put(next);
    if (change === 'added') result.added.push(next.name);
    if (change === 'enabled') result.enabled.push(next.name);
    if (next.disabled) result.disabled.push({ name: next.name, reason: next.disabled });
  }
  for (const [appid, entry] of byAppid) {
    if (seen.has(appid) || entry.app.tokenMode !== 'component' || entry.app.disabled === NOT_AUTHORIZED) continue;
    await deps.registry.put({ ...entry.app, disabled: NOT_AUTHORIZED });
    result.disabled.push({ name: entry.name, reason: NOT_AUTHORIZED });
  }
  deps.logger.info('authorizers discovered', {
    added: result.added.length,
    enabled: result.enabled.length,
    disabled: result.disabled.length,
    unchanged: result.unchanged,
  });
  return result;
}

/**
 * One authorization event pushed by WeChat, applied with the discovery's rules: `authorized` and
 * `updateauthorized` add or update the app from what it granted now; `unauthorized` disables it.
 * Returns what changed, for the log.
 */
export async function applyAuthorizationEvent(
  deps: {
    readonly directory: Pick<AuthorizerDirectory, 'authorizerInfo'>;
    readonly registry: WritableAppRegistry;
    readonly defaults: Pick<AppConfig, 'recipients' | 'webhooks' | 'language'>;
    readonly logger: Logger;
  },
  event: { readonly kind: 'authorized' | 'updateauthorized' | 'unauthorized'; readonly authorizerAppid: string },
): Promise<{ readonly name?: string; readonly change: 'added' | 'enabled' | 'updated' | 'disabled' | 'unchanged' }> {
  let existing: AppConfig | undefined;
  for await (const entry of deps.registry.list())
    if ('app' in entry && entry.app.appid === event.authorizerAppid) existing = entry.app;
  if (event.kind === 'unauthorized') {
    if (existing?.tokenMode !== 'component' || existing.disabled === NOT_AUTHORIZED)
      return { name: existing?.name, change: 'unchanged' };
    await deps.registry.put({ ...existing, disabled: NOT_AUTHORIZED });
    deps.logger.info('authorization withdrawn: app disabled', { app: existing.name });
    return { name: existing.name, change: 'disabled' };
  }
  const info = await deps.directory.authorizerInfo(event.authorizerAppid);
  const { next, change } = reconcile(existing, info, deps.defaults);
  if (change !== 'unchanged') await deps.registry.put(next);
  deps.logger.info('authorization event applied', { app: next.name, event: event.kind, change });
  return { name: next.name, change: change === 'updated' && next.disabled ? 'disabled' : change };
}

/** The registry entry an authorizer should have, and how it differs from the one there is. */
function reconcile(
  existing: AppConfig | undefined,
  info: AuthorizerInfo,
  defaults: Pick<AppConfig, 'recipients' | 'webhooks' | 'language'>,
): { next: AppConfig; change: 'added' | 'enabled' | 'updated' | 'unchanged' } {
  const disabled = info.dataPermission ? undefined : NO_DATA_PERMISSION;
  if (!existing) {
    return {
      change: 'added',
      next: {
        name: info.appid,
        appid: info.appid,
        displayName: info.name.slice(0, 80) || undefined,
        recipients: [...defaults.recipients],
        webhooks: [...defaults.webhooks],
        language: defaults.language,
        tokenMode: 'component',
        disabled,
      },
    };
  }
  const next: AppConfig = { ...existing, tokenMode: 'component', disabled };
  if (existing.tokenMode === 'component' && existing.disabled === disabled) return { next, change: 'unchanged' };
  return { next, change: existing.disabled && !disabled ? 'enabled' : 'updated' };
}
