import { createHash } from 'node:crypto';
import { AspectPriority, Aspects, CfnElement, type IAspect, Stack } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';

// CloudFormation knows a resource by its logical ID, and CDK derives that ID from the resource's
// construct path. Composing WxaReporter from parts adds one path segment per part: every resource
// would get a new ID, and an update would replace them all (the retained tables and buckets
// orphaned and recreated empty, the whitelisted Elastic IP changed, Glue refusing names that
// already exist). The parts are therefore transparent to CloudFormation: a resource inside one
// keeps the ID it had when the parts did not exist.

const HIDDEN_ID = 'Default';
const HIDDEN_FROM_HUMAN_ID = 'Resource';

/**
 * The logical ID CDK allocates to a resource at `path` inside its stack (CDK's `makeUniqueId`: the
 * path without "Default" segments; a human-readable part without "Resource" and repeated segments;
 * the first 8 hex digits of the MD5 of the path). CDK cannot change it without replacing every
 * resource of every CDK app; a unit test checks it against CDK's own allocation.
 */
export function logicalIdOf(path: readonly string[]): string {
  const components = path.filter((c) => c !== HIDDEN_ID);
  if (components.length === 0) throw new Error('a logical ID needs at least one path segment');
  const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (components.length === 1) {
    const candidate = alphanumeric(components[0] as string);
    if (candidate.length <= 255) return candidate;
  }
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of components) if (human.length === 0 || !(human[human.length - 1] as string).endsWith(c)) human.push(c);
  return (
    human
      .filter((c) => c !== HIDDEN_FROM_HUMAN_ID)
      .map(alphanumeric)
      .join('')
      .slice(0, 240) + hash
  );
}

/** The scopes from a construct's stack (excluded) down to the construct. */
function scopesInStack(construct: IConstruct): IConstruct[] {
  const scopes = construct.node.scopes;
  return scopes.slice(scopes.indexOf(Stack.of(construct)) + 1);
}

/** The path of a construct inside its stack without the parts' segments; undefined if in no part. */
function transparentPath(construct: IConstruct, parts: ReadonlySet<IConstruct>): string[] | undefined {
  const inside = scopesInStack(construct);
  if (!inside.some((s) => parts.has(s))) return undefined;
  return inside.filter((s) => !parts.has(s)).map((s) => s.node.id);
}

/**
 * `Names.nodeUniqueId` of the construct at `scope/children…`: what CDK puts into the ids it derives
 * from another construct's (an SQS event source is named after its queue). With `scope` outside
 * any transparent part, this is the id the construct had before the parts existed.
 */
export function nodeUniqueIdAt(scope: IConstruct, ...children: string[]): string {
  // Names.nodeUniqueId: the path from below the app (the stage and stack included).
  return logicalIdOf([...scope.node.scopes.slice(1).map((s) => s.node.id), ...children]);
}

class TransparentParts implements IAspect {
  private readonly parts: ReadonlySet<IConstruct>;
  private readonly done = new WeakSet<CfnElement>();

  constructor(parts: readonly IConstruct[]) {
    this.parts = new Set(parts);
  }

  visit(node: IConstruct): void {
    if (!(node instanceof CfnElement) || this.done.has(node)) return;
    const path = transparentPath(node, this.parts);
    if (path) node.overrideLogicalId(logicalIdOf(path));
    this.done.add(node);
  }
}

/**
 * Makes `parts` transparent to CloudFormation: every resource in them, now and added later, gets
 * the logical ID it would have without the parts' own path segments. Throws when two resources
 * would then share an ID (two parts with a child of the same id).
 */
export function keepLogicalIdsThroughParts(root: Construct, parts: readonly IConstruct[]): void {
  const aspect = new TransparentParts(parts);
  // Now, so that what the constructor resolves (cdk-nag acknowledgements naming a function's
  // logical ID) sees the final IDs; and at synthesis for resources added afterwards.
  for (const node of root.node.findAll()) aspect.visit(node);
  Aspects.of(root).add(aspect, { priority: AspectPriority.MUTATING });
  const seen = new Map<string, string>();
  for (const node of root.node.findAll()) {
    if (!(node instanceof CfnElement)) continue;
    const id = Stack.of(root).resolve(node.logicalId) as string;
    const other = seen.get(id);
    if (other) throw new Error(`${node.node.path} and ${other} would both be the resource ${id}`);
    seen.set(id, node.node.path);
  }
}
