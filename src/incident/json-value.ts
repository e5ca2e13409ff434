/**
 * Reading parsed JSON of unknown shape (AWS CLI answers, CloudTrail records) without trusting it:
 * each accessor returns undefined where the value is not what is asked for.
 */
export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A value at a path of object keys: at(record, 'responseElements', 'user', 'userName'). */
export function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    const object = asObject(current);
    if (!object) return undefined;
    current = object[key];
  }
  return current;
}

export const stringAt = (value: unknown, ...keys: string[]): string | undefined => asString(at(value, ...keys));

/** CloudTrail writes EC2 lists as {"items": [...]}: the items, whichever way the list is written. */
export function itemsAt(value: unknown, ...keys: string[]): JsonObject[] {
  const list = at(value, ...keys);
  const items = Array.isArray(list) ? list : asArray(at(list, 'items'));
  return items.map(asObject).filter((item): item is JsonObject => item !== undefined);
}

/**
 * A time as the review shows and sorts it: ISO 8601 in UTC to the second. Accepts ISO strings
 * (CloudTrail records, AWS CLI v2) and epoch seconds (AWS CLI v1 prints timestamps as numbers).
 */
export function isoTime(value: unknown): string | undefined {
  let date: Date | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value * 1000);
  else if (typeof value === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) date = new Date(value);
  else if (typeof value === 'string') date = cloudTrailClockTime(value);
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * CloudTrail writes STS `credentials.expiration` as "Jul 18, 2023, 4:50:39 AM" (older records
 * without the second comma), in UTC like every CloudTrail time. Date.parse would read it as local
 * time, so it is read here.
 */
function cloudTrailClockTime(value: string): Date | undefined {
  const match = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d\d):(\d\d) ([AP]M)$/.exec(value.trim());
  if (!match) return undefined;
  const [, month, day, year, hour, minute, second, half] = match;
  const monthIndex = MONTHS.indexOf(month!);
  const hour24 = (Number(hour) % 12) + (half === 'PM' ? 12 : 0);
  if (monthIndex < 0 || Number(hour) > 12) return undefined;
  return new Date(Date.UTC(Number(year), monthIndex, Number(day), hour24, Number(minute), Number(second)));
}
