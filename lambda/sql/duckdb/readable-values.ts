import {
  DuckDBDecimalValue,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';

// A query's values as a person and a script read them, from @duckdb/node-api's own JSON conversion:
// dates and times as DuckDB (and Athena) print them (`2026-10-01`, `2026-10-01 12:34:56.789`),
// lists as arrays, structs as objects, maps as [{key, value}]. Only the whole numbers it gives as
// strings (BIGINT, HUGEINT: every count and sum) and DECIMALs are numbers here, where a JSON number
// holds them exactly; past that they stay the exact digits, as a string.

/** Integers JS numbers hold exactly; beyond ±2^53 a JSON reader would change the last digits. */
const exactInteger = (value: bigint): number | string =>
  Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();

/**
 * A double holds any decimal of 15 significant digits or fewer exactly enough to print it back
 * (DBL_DIG, IEEE 754): such a DECIMAL is a number, a longer one its exact digits.
 */
function exactDecimal(value: DuckDBDecimalValue): number | string {
  const digits = (value.value < 0n ? -value.value : value.value).toString().replace(/0+$/, '');
  return digits.length <= 15 ? Number(value.toString()) : value.toString();
}

const WHOLE_NUMBERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * A DuckDB value as JSON (nested values through the same rules); pass it to a result reader's
 * `convertRowObjects`. NULL is null.
 */
export const readableValue: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (typeof value === 'bigint' && WHOLE_NUMBERS.has(type.typeId)) return exactInteger(value);
  if (value instanceof DuckDBDecimalValue) return exactDecimal(value);
  return JsonDuckDBValueConverter(value, type, converter);
};
