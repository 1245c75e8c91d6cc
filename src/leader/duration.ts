// Durations written as Go writes them (time.ParseDuration), as upstream's
// --leader-elect-* flags take them: "15s", "500ms", "1m30s", "1.5h".

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Milliseconds of a Go duration string; undefined when it is not one. "0" needs no unit, as in Go. */
export function parseDuration(text: string): number | undefined {
  if (/^[-+]?0$/.test(text)) return 0;
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(PART)) total += Number(value) * UNIT_MS[unit!]!;
  return text.startsWith('-') ? -total : total;
}
