// Structural equality of JSON values (API objects as parsed from JSON).

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON values; a missing key equals an undefined one. Makes no arrays (it runs for every pod update). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k in a) if (Object.hasOwn(a, k) && !deepEqual(a[k], b[k])) return false;
    for (const k in b) if (Object.hasOwn(b, k) && !(k in a) && b[k] !== undefined) return false;
    return true;
  }
  return false;
}
