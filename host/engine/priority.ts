// RFC 9218 extensible priorities: the Priority field value (also carried by
// PRIORITY_UPDATE frames) and its two parameters.

/** DEFAULT_URGENCY is RFC 9218 §4.1's default: "The default value is 3". */
export const DEFAULT_URGENCY = 3;
/** URGENCY_LEVELS: "urgency ... an Integer between 0 and 7, inclusive". */
export const URGENCY_LEVELS = 8;

/** Priority is a stream's urgency (0 most urgent .. 7) and whether its response may be interleaved. */
export interface Priority {
  urgency: number;
  incremental: boolean;
}

/** parsePriority reads a Priority field value (an RFC 8941 dictionary) into p. RFC 9218 §4:
 *  unknown parameters, and values out of range or of the wrong type, are ignored. */
export function parsePriority(value: string, p: Priority): void {
  for (const member of value.split(',')) {
    const m = member.trim();
    if (m.length === 0) continue;
    const eq = m.indexOf('=');
    const key = (eq < 0 ? m : m.slice(0, eq)).split(';')[0].trim();
    const v = eq < 0 ? '?1' : m.slice(eq + 1).split(';')[0].trim();
    if (key === 'u') {
      if (/^[0-7]$/.test(v)) p.urgency = Number(v);
    } else if (key === 'i') {
      if (v === '?1') p.incremental = true;
      else if (v === '?0') p.incremental = false;
    }
  }
}
