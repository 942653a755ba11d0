/**
 * IP address checks as upstream does them: netutils.ParseIPSloppy (IPv4 octets may carry leading
 * zeros), IsValidIP and ValidateNonSpecialIP with their messages.
 */
import { FieldError, fieldErrors } from '../field-errors';

/** 16 bytes (IPv4 as ::ffff:a.b.c.d), or null when `value` is not an IP address. */
export function parseIPSloppy(value: string): { v4: boolean; bytes: number[] } | null {
  const v4 = parseV4(value);
  if (v4) return { v4: true, bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4] };
  const v6 = parseV6(value);
  return v6 ? { v4: false, bytes: v6 } : null;
}

function parseV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | null {
  if (s.length < 2 || s.includes('%')) return null;
  let tail4: number[] | null = null;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (!tail4) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return null;
  const groupsOf = (t: string): string[] => (t === '' ? [] : t.split(':'));
  let head: string[];
  let tail: string[] = [];
  if (dbl >= 0) {
    head = groupsOf(text.slice(0, dbl));
    tail = groupsOf(text.slice(dbl + 2));
    if (head.length + tail.length > 7) return null;
  } else {
    head = groupsOf(text);
    if (head.length !== 8) return null;
  }
  const groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail4) bytes.splice(12, 4, ...tail4);
  return bytes;
}

export const INVALID_IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** validation.IsValidIP(fldPath, value). */
export function validateIP(path: string, value: string): FieldError[] {
  return parseIPSloppy(value) ? [] : [fieldErrors.invalid(path, value, INVALID_IP_MESSAGE)];
}

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [fieldErrors.invalid(path, value, 'must be a valid IP address')];
  const b = ip.bytes;
  const errs: FieldError[] = [];
  const v4 = ip.v4 ? b.slice(12) : null;
  const unspecified = v4 ? v4.every((x) => x === 0) : b.every((x) => x === 0);
  if (unspecified) errs.push(fieldErrors.invalid(path, value, `may not be unspecified (${value})`));
  const loopback = v4 ? v4[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  if (loopback) errs.push(fieldErrors.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  const linkLocal = v4 ? v4[0] === 169 && v4[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
  if (linkLocal) errs.push(fieldErrors.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  const llMulticast = v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02;
  if (llMulticast) {
    errs.push(fieldErrors.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}
