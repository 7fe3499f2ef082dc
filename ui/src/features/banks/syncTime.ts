/**
 * "2026-11-23 14:05": an RFC 3339 UTC time in the person's own time zone, to the minute. Text
 * that is not a time is shown as it came.
 */
export function formatSyncedAt(iso: string, zone?: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}
