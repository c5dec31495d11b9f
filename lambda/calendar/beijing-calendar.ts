/**
 * WeChat's statistics calendar is Asia/Shanghai (UTC+8, no DST since 1991). Every "day" and
 * "month" in this project is a civil date in that zone, represented as a string so that it can
 * never be shifted by the machine's own time zone.
 */

/** A civil date, `YYYY-MM-DD`. */
export type IsoDate = string;
/** A calendar month, `YYYY-MM`. */
export type YearMonth = string;

/** The one place that knows "now"; injected everywhere else so tests never depend on the date. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const WECHAT_TIME_ZONE = 'Asia/Shanghai';

// A fixed offset, not Intl with a time zone: Asia/Shanghai has been UTC+8 all year since 1991, and
// building a zoned Intl formatter loads ICU's zone data (~20 ms of every Lambda cold start).
const BEIJING_OFFSET_MS = 8 * 3_600_000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR_MONTH = /^(\d{4})-(\d{2})$/;

export class InvalidDateError extends Error {
  override name = 'InvalidDateError';
}

/** Today's date in Beijing at instant `now`. */
export function beijingToday(now: Date): IsoDate {
  return new Date(now.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** Yesterday in Beijing: the newest day WeChat can have published. */
export function beijingYesterday(now: Date): IsoDate {
  return addDays(beijingToday(now), -1);
}

/** The last natural month that has fully ended in Beijing. */
export function lastCompleteMonth(now: Date): YearMonth {
  return addMonths(beijingToday(now).slice(0, 7), -1);
}

export function isValidIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

/** Parses a user-supplied `YYYY-MM-DD` (or `YYYYMMDD`), throwing a message that says what is wrong. */
export function parseIsoDate(value: string, what = 'date'): IsoDate {
  const normalised = /^\d{8}$/.test(value) ? fromCompactDate(value) : value;
  if (!isValidIsoDate(normalised)) {
    throw new InvalidDateError(`${what} "${value}" is not a real calendar date in the form YYYY-MM-DD`);
  }
  return normalised;
}

export function parseYearMonth(value: string, what = 'month'): YearMonth {
  const m = YEAR_MONTH.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
    throw new InvalidDateError(`${what} "${value}" is not a month in the form YYYY-MM`);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Civil-date arithmetic on UTC midnights: the zone never enters, so no DST or offset surprises.
function toUtc(date: IsoDate): Date {
  const m = ISO_DATE.exec(date);
  if (!m) throw new InvalidDateError(`"${date}" is not a date in the form YYYY-MM-DD`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function fromUtc(d: Date): IsoDate {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = toUtc(date);
  d.setUTCDate(d.getUTCDate() + days);
  return fromUtc(d);
}

export function addMonths(month: YearMonth, months: number): YearMonth {
  const m = YEAR_MONTH.exec(month);
  if (!m) throw new InvalidDateError(`"${month}" is not a month in the form YYYY-MM`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1 + months, 1));
  return d.toISOString().slice(0, 7);
}

export function firstDayOfMonth(month: YearMonth): IsoDate {
  return `${month}-01`;
}

export function lastDayOfMonth(month: YearMonth): IsoDate {
  return addDays(firstDayOfMonth(addMonths(month, 1)), -1);
}

/** Every date of a month, in order. */
export function daysOfMonth(month: YearMonth): IsoDate[] {
  const days: IsoDate[] = [];
  for (let d = firstDayOfMonth(month); d.startsWith(month); d = addDays(d, 1)) days.push(d);
  return days;
}

/** 0 = Sunday … 6 = Saturday, for a civil date. */
export function weekday(date: IsoDate): number {
  return toUtc(date).getUTCDay();
}

/** Whole days from `a` to `b` (positive when `b` is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((toUtc(b).getTime() - toUtc(a).getTime()) / 86_400_000);
}

/** `2026-11-22` → `20261122`, the form the datacube API takes. */
export function toCompactDate(date: IsoDate): string {
  return date.replaceAll('-', '');
}

/** `20261122` → `2026-11-22`. */
export function fromCompactDate(compact: string): IsoDate {
  return `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
}

/** The hour (0-23) at instant `now` in a time zone. */
export function hourIn(now: Date, timeZone: string = WECHAT_TIME_ZONE): number {
  if (timeZone === WECHAT_TIME_ZONE) return new Date(now.getTime() + BEIJING_OFFSET_MS).getUTCHours();
  const hour = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(now);
  return Number(hour);
}
