// Field errors as Berth prints them ("path: Invalid value: <value>: reason"),
// after apimachinery's field.Error. Values print as JSON (strings quoted,
// undefined as null); upstream prints Go's %#v for lists, which only the
// label-selector parser reproduces (framework/label-selector.ts).

/** A bad value: Go's %q for strings, JSON for the rest, undefined as null. */
export function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** field.Invalid. */
export function invalid(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${show(value)}: ${detail}`;
}

/** field.NotSupported. */
export function notSupported(path: string, value: unknown, supported: readonly string[]): string {
  return `${path}: Unsupported value: ${show(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
}
