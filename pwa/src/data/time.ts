/** A server timestamp as milliseconds: with its zone ('...Z', '+08:00'), or naive UTC as
 *  older answers and cached data have it; null when absent or unreadable. */
export function serverMillis(value: string | null | undefined): number | null {
  if (!value) return null;
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(value);
  const ms = Date.parse(zoned ? value : `${value}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/** A device time as a datetime-local input's value (minutes, the device's zone). */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value as ISO 8601 with the device's offset. */
export function withOffset(value: string): string {
  const date = new Date(value);
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${value}:00${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}
