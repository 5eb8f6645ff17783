/**
 * The value checks behind the built-in route constraints: .NET number, boolean, GUID and date parsing
 * (invariant culture), approximated with regular expressions.
 */

/** `NumberStyles.Integer`: optional white space around an optional sign and digits. */
const INTEGER_PATTERN = /^[\t\n\v\f\r ]*([+-]?\d+)[\t\n\v\f\r ]*$/;
/** `NumberStyles.Float | AllowThousands` (double, float). */
const FLOAT_PATTERN = /^[\t\n\v\f\r ]*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?[\t\n\v\f\r ]*$/i;
const FLOAT_SYMBOL_PATTERN = /^[\t\n\v\f\r ]*[+-]?(?:infinity|∞|nan)[\t\n\v\f\r ]*$/i;
/** `NumberStyles.Number` (decimal): a leading or a trailing sign, thousands, no exponent. */
const DECIMAL_PATTERN = /^[\t\n\v\f\r ]*([+-]?)(\d[\d,]*(?:\.\d*)?|\.\d+)([+-]?)[\t\n\v\f\r ]*$/;
/** `decimal.MaxValue` is 2^96 − 1; compared as a double, so 2^96 is the nearest bound. */
const DECIMAL_MAX = 2 ** 96;
const GUID_D = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `Guid.TryParse` formats N, D, B and P (X is not supported). */
const GUID_PATTERN = new RegExp(`^\\s*(?:[0-9a-f]{32}|${GUID_D}|\\{${GUID_D}\\}|\\(${GUID_D}\\))\\s*$`, 'i');
const DATE_TIME_PATTERN =
  /^(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}))(?:(?:T|\s+)(.+))?$/i;
const TIME_PATTERN =
  /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?(?:\s*([AP]M))?(?:\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?))?$/i;

/** Parses a .NET integer of the given width, or returns undefined. */
export function parseInteger(text: string, bits: 32 | 64): bigint | undefined {
  const digits = INTEGER_PATTERN.exec(text)?.[1];
  if (digits === undefined) {
    return undefined;
  }
  const value = BigInt(digits);
  const limit = 1n << BigInt(bits - 1);
  return value >= -limit && value < limit ? value : undefined;
}

/** `bool.TryParse`: `true` or `false` in any case, white space allowed around. */
export function isBoolean(value: string): boolean {
  return /^\s*(?:true|false)\s*$/i.test(value);
}

/** `double.TryParse` / `float.TryParse` (invariant), including infinity and NaN symbols. */
export function isFloatingPoint(value: string): boolean {
  return FLOAT_PATTERN.test(value) || FLOAT_SYMBOL_PATTERN.test(value);
}

/** `decimal.TryParse` (invariant): a sign on one side at most, within the decimal range. */
export function isDecimal(value: string): boolean {
  const match = DECIMAL_PATTERN.exec(value);
  if (!match || (match[1] && match[3])) {
    return false;
  }
  return Math.abs(Number((match[2] ?? '').replaceAll(',', ''))) <= DECIMAL_MAX;
}

/** `Guid.TryParse` in formats N, D, B and P. */
export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/** An approximation of `DateTime.TryParse` (invariant): numeric dates, optional time, or a time alone. */
export function isDateTime(value: string): boolean {
  const text = value.trim();
  const match = DATE_TIME_PATTERN.exec(text);
  if (!match) {
    return isTimeOfDay(text);
  }
  const [, isoYear, isoMonth, isoDay, usMonth, usDay, usYear, time] = match;
  const dateOk = isoYear
    ? isCalendarDate(isoYear, isoMonth, isoDay)
    : isCalendarDate(usYear ?? '', usMonth, usDay);
  return dateOk && (time === undefined || isTimeOfDay(time.trim()));
}

function isCalendarDate(yearText: string, monthText = '', dayText = ''): boolean {
  const [year, month, day] = [Number(yearText), Number(monthText), Number(dayText)];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isTimeOfDay(text: string): boolean {
  const match = TIME_PATTERN.exec(text);
  if (!match) {
    return false;
  }
  const [, hour = '', minute = '', second = '0', meridiem] = match;
  const maxHour = meridiem ? 12 : 23;
  return Number(hour) <= maxHour && Number(minute) <= 59 && Number(second) <= 59;
}
