// Helpers for SignPlugin.signPod (interfaces.ts): a pod's fields as a
// signature fragment, cheaply. Pods of one template often share objects
// (their parsed requests always do: pod-info.ts), so the JSON of an object
// is remembered by identity.
const memo = new WeakMap<object, string>();

/** JSON of a field for a signature: '' when absent, remembered per object. */
export function signJSON(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return JSON.stringify(value);
  let json = memo.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    memo.set(value, json);
  }
  return json;
}
