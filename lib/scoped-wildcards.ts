import { type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** One wildcard we mean to grant, and why. */
export interface ExpectedWildcard {
  /** Matches the flattened resource (`<Logical.Arn>/raw/*`) or action (`kms:GenerateDataKey*`). */
  readonly pattern: RegExp;
  readonly kind: 'Resource' | 'Action';
  readonly reason: string;
}

// The same flattening cdk-nag applies to a resource before it names a finding (Fn::Join, Ref,
// Fn::GetAtt → "<Logical.Attr>"), so the acknowledgement ids match its findings exactly.
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const object = node as Record<string, unknown>;
  if (Array.isArray(object['Fn::Join'])) {
    const [delimiter, items] = object['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (object['Fn::Sub'] !== undefined) return flatten(object['Fn::Sub']);
  if (Array.isArray(object['Fn::GetAtt'])) {
    const [resource, attribute] = object['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (object['Fn::ImportValue'] !== undefined) return flatten(object['Fn::ImportValue']);
  if (object.Ref !== undefined) return `<${flatten(object.Ref)}>`;
  return JSON.stringify(node);
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Acknowledges AwsSolutions-IAM5 for the wildcards this construct grants on purpose, each with its
 * reason, and nothing else: a wildcard someone adds later still fails `cdk synth`.
 */
export class AcknowledgeExpectedWildcards implements IAspect {
  constructor(private readonly expected: readonly ExpectedWildcard[]) {}

  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as {
      Statement?: { Effect: string; Action?: string | string[]; Resource?: unknown }[];
    };
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const findings = [
        ...asArray(statement.Action)
          .filter((a) => a.includes('*'))
          .map((a) => ({ kind: 'Action' as const, value: a })),
        ...asArray(statement.Resource)
          .map(flatten)
          .filter((r) => r.includes('*'))
          .map((r) => ({ kind: 'Resource' as const, value: r })),
      ];
      for (const finding of findings) {
        const match = this.expected.find((e) => e.kind === finding.kind && e.pattern.test(finding.value));
        if (match) {
          Validations.of(node).acknowledge({
            id: `AwsSolutions-IAM5[${finding.kind}::${finding.value}]`,
            reason: match.reason,
          });
        }
      }
    }
  }
}
