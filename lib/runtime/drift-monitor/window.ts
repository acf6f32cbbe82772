/** Hour arithmetic for the monitoring windows (all UTC). */

const HOUR_MS = 3_600_000;

/** The start of the hour containing `t`. */
export function floorHour(t: Date): Date {
  return new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
}

/** The `count` hour starts before `end` (exclusive), oldest first. */
export function hoursBefore(end: Date, count: number): Date[] {
  const out: Date[] = [];
  for (let i = count; i >= 1; i--) out.push(new Date(end.getTime() - i * HOUR_MS));
  return out;
}

/** `end` shifted back by whole hours. */
export function minusHours(end: Date, hours: number): Date {
  return new Date(end.getTime() - hours * HOUR_MS);
}

/** A label hour partition, `<root>dt=YYYY-MM-DD/hour=HH/`. */
export function labelHourPrefix(root: string, hourStart: Date): string {
  const iso = hourStart.toISOString();
  return `${root}dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
}
