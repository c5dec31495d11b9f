import { printable } from '../shared/printable.js';
import { type SqlTable, withCloudNames } from '../sql/tables.js';

/**
 * Why a raw body cannot be one of `table`'s answers, or undefined when it can: empty, not JSON, not
 * a JSON object, WeChat's error answer (`{"errcode":-1,"errmsg":"system error"}`, or the cloud
 * call's `errCode`), or an object with none of the API's fields. A genuinely empty answer
 * (`{"list":[]}`) is one. Such a body compacted would read as "no data that day": it is left out
 * and named instead. Source: the WeChat datacube pages (every answer is an object with the API's
 * fields; an error is `errcode` ≠ 0).
 */
export function bodyProblem(table: Pick<SqlTable, 'body'>, text: string | Error): string | undefined {
  if (text instanceof Error) return `unreadable (${printable(text.message)})`;
  if (text.trim() === '') return text.length === 0 ? 'empty (0 bytes)' : 'empty (only white space)';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not JSON (${printable((error as Error).message, { max: 200 })})`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return `not an answer (a JSON ${Array.isArray(json) ? 'array' : json === null ? 'null' : typeof json}, not an object)`;
  const body = json as Record<string, unknown>;
  const code = body.errcode ?? body.errCode;
  if (code !== undefined && code !== 0 && code !== '0') {
    const message = body.errmsg ?? body.errMsg;
    return `WeChat's error answer, not data (errcode ${String(code)}${typeof message === 'string' ? `: ${printable(message, { max: 100 })}` : ''})`;
  }
  const fields = withCloudNames(table.body, 'duckdb').map(([name]) => name);
  if (!fields.some((name) => name in body))
    return `not an answer of this API (none of its fields: ${table.body.map(([name]) => name).join(', ')})`;
  return undefined;
}
