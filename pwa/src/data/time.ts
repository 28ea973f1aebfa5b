/** A server timestamp as milliseconds: with its zone ('...Z', '+08:00'), or naive UTC as
 *  older answers and cached data have it; null when absent or unreadable. */
export function serverMillis(value: string | null | undefined): number | null {
  if (!value) return null;
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(value);
  const ms = Date.parse(zoned ? value : `${value}Z`);
  return Number.isNaN(ms) ? null : ms;
}
