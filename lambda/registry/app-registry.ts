import { type AppConfig, appConfigSchema, checkAppChannels, describeIssues } from '../config/deployment-config.js';

/** One app as the registry holds it: usable, or refused with what is wrong (naming the field). */
export type RegistryEntry =
  | { readonly name: string; readonly app: AppConfig }
  | {
      readonly name: string;
      readonly problem: string;
      /** The raw entry's display name, when it has a usable one: the digest names the app by it. */
      readonly displayName?: string;
      /** Where the entry lives, so the advice fits: a `run` config file, or the deployment's registry. @default 'registry' */
      readonly source?: 'config-file' | 'registry';
    };

/** Where the deployment's apps live, so adding one needs no redeploy. */
export interface AppRegistry {
  /** Every app, paged through the store; an invalid entry is yielded with its problem, never thrown. */
  list(): AsyncIterable<RegistryEntry>;
  get(name: string): Promise<RegistryEntry | undefined>;
}

export interface WritableAppRegistry extends AppRegistry {
  put(app: AppConfig): Promise<void>;
  /** False when there was no such app. */
  remove(name: string): Promise<boolean>;
}

export interface EntryRules {
  /** Whether the deployment has an email transport (recipients need one). */
  readonly hasEmail: boolean;
  /** Registry entries must carry the AppID; a cdk.json seed may leave it in SSM. @default true */
  readonly requireAppid?: boolean;
}

/** Validates a stored entry with the deployment config's rules and messages. */
export function parseRegistryEntry(raw: unknown, fallbackName: string, rules: EntryRules): RegistryEntry {
  const name =
    typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string'
      ? (raw as { name: string }).name
      : fallbackName;
  const parsed = appConfigSchema.safeParse(raw);
  const shown = rawDisplayName(raw);
  const named = shown ? { displayName: shown } : {};
  if (!parsed.success) return { name, problem: describeIssues(parsed.error.issues).join('; '), ...named };
  const problems: string[] = [];
  if (rules.requireAppid !== false && !parsed.data.appid) problems.push('appid is required');
  checkAppChannels(parsed.data, rules.hasEmail, (path, message) =>
    problems.push(`${path.join('.') || '(entry)'} ${message}`),
  );
  return problems.length ? { name, problem: problems.join('; '), ...named } : { name, app: parsed.data };
}

/** A non-empty display name from an entry that may be invalid elsewhere (its own field unchecked). */
function rawDisplayName(raw: unknown): string | undefined {
  const value = typeof raw === 'object' && raw !== null ? (raw as { displayName?: unknown }).displayName : undefined;
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The registry's store failed (the cause says how; its classification says whether to retry). */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

/** The reason code of an invalid entry: its advice depends on where the entry lives. */
export const invalidEntryReason = (entry: { readonly source?: 'config-file' | 'registry' }) =>
  entry.source === 'config-file' ? ('invalid-config' as const) : ('invalid-entry' as const);

export const isValidEntry = (entry: RegistryEntry): entry is { name: string; app: AppConfig } => 'app' in entry;

/** Apps given up front: a `run` config file, or the deployment's seed in cdk.json. */
export class StaticAppRegistry implements AppRegistry {
  private readonly byName: Map<string, RegistryEntry>;

  constructor(entries: readonly (RegistryEntry | AppConfig)[]) {
    this.byName = new Map(
      entries.map((e) => ('app' in e || 'problem' in e ? [e.name, e] : [e.name, { name: e.name, app: e }])),
    );
  }

  /** Raw entries (a config file's `apps`), each validated on its own; a repeated name is refused. */
  static fromRaw(raw: readonly unknown[], rules: EntryRules): StaticAppRegistry {
    const seen = new Set<string>();
    return new StaticAppRegistry(
      raw.map((item, i): RegistryEntry => {
        const entry = parseRegistryEntry(item, `apps.${i}`, rules);
        if (seen.has(entry.name))
          return {
            name: `apps.${i}`,
            problem: `apps.${i}.name "${entry.name}" is listed twice`,
            source: 'config-file',
            ...('displayName' in entry && entry.displayName ? { displayName: entry.displayName } : {}),
          };
        seen.add(entry.name);
        return 'problem' in entry ? { ...entry, problem: `apps.${i}: ${entry.problem}`, source: 'config-file' } : entry;
      }),
    );
  }

  async *list(): AsyncIterable<RegistryEntry> {
    yield* this.byName.values();
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    return this.byName.get(name);
  }
}

/** The registry first, then seed apps it does not have (the registry wins on a shared name). */
export class LayeredAppRegistry implements AppRegistry {
  constructor(
    private readonly primary: AppRegistry,
    private readonly seed: AppRegistry,
  ) {}

  async *list(): AsyncIterable<RegistryEntry> {
    const seen = new Set<string>();
    for await (const entry of this.primary.list()) {
      seen.add(entry.name);
      yield entry;
    }
    for await (const entry of this.seed.list()) if (!seen.has(entry.name)) yield entry;
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    return (await this.primary.get(name)) ?? this.seed.get(name);
  }
}

/** The same layers, written to the registry table (a seed in cdk.json is read-only). */
export class WritableLayeredAppRegistry extends LayeredAppRegistry implements WritableAppRegistry {
  constructor(
    private readonly table: WritableAppRegistry,
    seed: AppRegistry,
  ) {
    super(table, seed);
  }

  put(app: AppConfig): Promise<void> {
    return this.table.put(app);
  }

  remove(name: string): Promise<boolean> {
    return this.table.remove(name);
  }
}
