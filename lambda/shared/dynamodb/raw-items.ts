import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NumberValueImpl as NumberValue, unmarshall } from '@aws-sdk/util-dynamodb';
import { printable } from '../printable.js';

/**
 * Items read one by one. The document client unmarshals a whole answer at once and throws on the
 * first number JavaScript cannot hold (a valid DynamoDB number such as 12345678901234567.5): one
 * damaged item would fail a whole page, so every app on it. Here each item is unmarshalled on its
 * own, such numbers stay readable as their text (`NumberValue`), and the caller validates each
 * item at the boundary and names the one it cannot use.
 */
export type RawItem = Record<string, AttributeValue>;

/** Numbers held exactly stay numbers; any other stays its text, for the schema to refuse by name. */
export function readableNumber(text: string): number | NumberValue {
  const value = Number(text);
  return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : NumberValue.from(text);
}

/** One item's values; unreadable numbers as `NumberValue`. */
export const itemValues = (item: RawItem): Record<string, unknown> => unmarshall(item, { wrapNumbers: readableNumber });

/** Where an item holds a number it could not read exactly (`displayName`, `summary.visitors`), with the number. */
export function unreadableNumbers(value: unknown, path: readonly string[] = []): string[] {
  if (value instanceof NumberValue) return [`${path.join('.') || '(item)'} holds ${value.value}`];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => unreadableNumbers(item, [...path, key]));
}

/** How a value of a damaged item is shown in a message: numbers as DynamoDB holds them. */
export function showValue(value: unknown): string {
  if (value instanceof NumberValue) return value.value;
  if (value === undefined) return 'nothing';
  const text = printable(JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** An item's string key attributes, for naming it: `pk "daily#2026-11-22", sk "app#shop"`. */
export function describeKey(item: RawItem, names: readonly string[]): string {
  return names.map((name) => `${name} ${JSON.stringify(item[name]?.S ?? item[name]?.N ?? '?')}`).join(', ');
}

// A document client shares its middleware stack with the plain client it wraps: a plain command sent
// through it gets the raw attribute values back, without the document client's whole-answer unmarshalling.
const plain = (client: DynamoDBDocumentClient) => client as unknown as DynamoDBClient;

export async function getRawItem(client: DynamoDBDocumentClient, input: GetItemCommandInput) {
  return (await plain(client).send(new GetItemCommand(input))).Item;
}

/** Every item of a Query, page after page. */
export const queryRawItems = (client: DynamoDBDocumentClient, input: QueryCommandInput) =>
  paged((start) => plain(client).send(new QueryCommand({ ...input, ExclusiveStartKey: start })));

/** Every item of a Scan (1 MB pages), page after page. */
export const scanRawItems = (client: DynamoDBDocumentClient, input: ScanCommandInput) =>
  paged((start) => plain(client).send(new ScanCommand({ ...input, ExclusiveStartKey: start })));

async function* paged(
  page: (start: RawItem | undefined) => Promise<{ Items?: RawItem[]; LastEvaluatedKey?: RawItem }>,
): AsyncIterable<RawItem> {
  let start: RawItem | undefined;
  do {
    const answer = await page(start);
    yield* answer.Items ?? [];
    start = answer.LastEvaluatedKey;
  } while (start);
}
