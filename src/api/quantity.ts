// Kubernetes resource quantities ("100m", "1.5Gi", "1e3"), parsed as
// k8s.io/apimachinery/pkg/api/resource ParseQuantity does (v0.36):
//
//   <quantity>        ::= <signedNumber><suffix>
//   <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <signedNumber>    ::= <number> | ("+" | "-") <number>
//   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//   <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//   <decimalExponent> ::= "e" <signedInteger> | "E" <signedInteger>
//
// Values are exact: the amount is kept as a BigInt count of nano-units,
// rounded away from zero to the nano as upstream rounds ("0.9n" is 1n), and a
// binary-SI amount is capped at 2^63-1 as upstream caps it ("8Ei").
// value()/milliValue() round away from zero like upstream Value/MilliValue
// (for a negative amount upstream's big-decimal path rounds towards +inf
// instead, off by one or two; negative requests never pass API validation) and
// return JS numbers: exact up to 2^53 (8 PiB in bytes), the nearest double
// above that (1Ei = 2^60 is still exact, being a power of two). Upstream's
// int64 accessors overflow above 2^63-1 (MilliValue of "1Ei" already does);
// these do not.
//
// Where Berth is stricter than upstream (each case is one upstream accepts
// only by accident; the digitless ones the apiserver stores as "0", so only
// hand-written input such as policy files and annotations can hold them):
// - a number must have a digit: upstream reads "Mi", "k", "+", "." and "e3"
//   as 0 but rejects "Ei" and "Pi" (ErrNumeric); Berth rejects them all with
//   that error, as the grammar above does.
// - a decimal exponent must fit in an int32: upstream wraps it ("1e4294967296"
//   is 1); Berth rejects it. (Upstream also hangs on "1e-2147483647", building
//   10^(2^31); Berth reads it as 1n, the nano it rounds up to.)
// - a magnitude of 10^300 or more is rejected (upstream takes any size, and
//   its int64 accessors overflow above 2^63-1): every accepted amount is a
//   finite double in units and in milli-units, so no Infinity or NaN reaches
//   the node table. "12E" (1.2e19) parses, and value() is 1.2e19.

/** The three notations; a quantity remembers the one it was written in. */
export const QuantityFormat = {
  DecimalSI: 'DecimalSI',
  BinarySI: 'BinarySI',
  DecimalExponent: 'DecimalExponent',
} as const;
export type QuantityFormat = (typeof QuantityFormat)[keyof typeof QuantityFormat];

export interface Quantity {
  /** The amount in units of 10^-9, rounded away from zero. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

/** Why a quantity was rejected; the first three are upstream's errors, word for word. */
export const QuantityErrorCode = {
  FormatWrong: 'FormatWrong',
  Numeric: 'Numeric',
  Suffix: 'Suffix',
  TooLarge: 'TooLarge',
} as const;
export type QuantityErrorCode = (typeof QuantityErrorCode)[keyof typeof QuantityErrorCode];

const SPLIT_RE_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

export const quantityErrorReasons: Record<QuantityErrorCode, string> = {
  FormatWrong: `quantities must match the regular expression '${SPLIT_RE_STRING}'`,
  Numeric: 'unable to parse numeric part of quantity',
  Suffix: "unable to parse quantity's suffix",
  TooLarge: 'quantity is too large: its magnitude must be below 1e300',
};

/**
 * A malformed quantity. The message is `<reason>: "<input>"`; `field`, when
 * the caller knows it, is where the quantity was read ("spec.overhead.cpu").
 */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  readonly code: QuantityErrorCode;
  /** The rejected input, as given (a number is shown as JS prints it). */
  readonly input: string;
  /** Upstream's wording of what is wrong, without the input. */
  readonly reason: string;
  /** The field path the quantity came from, if known. */
  readonly field: string | undefined;

  constructor(code: QuantityErrorCode, input: string, field?: string) {
    const reason = quantityErrorReasons[code];
    super(`${reason}: ${JSON.stringify(input)}`);
    this.code = code;
    this.input = input;
    this.reason = reason;
    this.field = field;
  }

  /** The same error, read at `field`. */
  at(field: string): QuantityError {
    return new QuantityError(this.code, this.input, field);
  }
}

const NANOS_PER_UNIT = 1_000_000_000n;
const MAX_INT64 = (1n << 63n) - 1n;
/** Upstream caps a binary-SI amount at the largest int64. */
const MAX_BINARY_NANOS = MAX_INT64 * NANOS_PER_UNIT;
/** Berth's limit: an amount must be below 10^300 (so this many integer digits at most). */
const MAX_INTEGER_DIGITS = 300;
const LIMIT_NANOS = 10n ** BigInt(MAX_INTEGER_DIGITS + 9);

const SUFFIX_CHARS = 'eEinumkKMGTP';

interface Suffix {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

const SUFFIXES: Record<string, Suffix> = {
  '': { base: 10, exponent: 0, format: QuantityFormat.DecimalSI },
  n: { base: 10, exponent: -9, format: QuantityFormat.DecimalSI },
  u: { base: 10, exponent: -6, format: QuantityFormat.DecimalSI },
  m: { base: 10, exponent: -3, format: QuantityFormat.DecimalSI },
  k: { base: 10, exponent: 3, format: QuantityFormat.DecimalSI },
  M: { base: 10, exponent: 6, format: QuantityFormat.DecimalSI },
  G: { base: 10, exponent: 9, format: QuantityFormat.DecimalSI },
  T: { base: 10, exponent: 12, format: QuantityFormat.DecimalSI },
  P: { base: 10, exponent: 15, format: QuantityFormat.DecimalSI },
  E: { base: 10, exponent: 18, format: QuantityFormat.DecimalSI },
  Ki: { base: 2, exponent: 10, format: QuantityFormat.BinarySI },
  Mi: { base: 2, exponent: 20, format: QuantityFormat.BinarySI },
  Gi: { base: 2, exponent: 30, format: QuantityFormat.BinarySI },
  Ti: { base: 2, exponent: 40, format: QuantityFormat.BinarySI },
  Pi: { base: 2, exponent: 50, format: QuantityFormat.BinarySI },
  Ei: { base: 2, exponent: 60, format: QuantityFormat.BinarySI },
};

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Go's strconv.ParseInt(s, 10, 64) grammar. */
const INT64_RE = /^[+-]?[0-9]+$/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57; // '0'..'9'
}

function interpretSuffix(s: string): Suffix | undefined {
  const known = SUFFIXES[s];
  if (known !== undefined) return known;
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const digits = s.slice(1);
    if (!INT64_RE.test(digits)) return undefined;
    const exponent = BigInt(digits);
    if (exponent > MAX_INT64 || exponent < -MAX_INT64 - 1n) return undefined;
    // Upstream truncates to int32 here; Berth rejects instead (see the header).
    if (exponent > BigInt(INT32_MAX) || exponent < BigInt(INT32_MIN)) return undefined;
    return { base: 10, exponent: Number(exponent), format: QuantityFormat.DecimalExponent };
  }
  return undefined;
}

interface Scanned {
  positive: boolean;
  /** Integer digits without leading zeros; "0" when there are none. */
  num: string;
  /** Fraction digits, as written. */
  denom: string;
  suffix: string;
  sawDigit: boolean;
}

/** Upstream's parseQuantityString, step for step; null means ErrFormatWrong. */
function scan(str: string): Scanned | null {
  const end = str.length;
  let pos = 0;
  let positive = true;
  let sawDigit = false;
  const result = (num: string, denom: string, suffix: string): Scanned => ({
    positive,
    num: num === '' ? '0' : num,
    denom,
    suffix,
    sawDigit,
  });

  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }

  // leading zeros
  while (pos < end && str[pos] === '0') {
    sawDigit = true;
    pos++;
  }
  if (pos >= end) return result('0', '', '');

  // integer part
  let i = pos;
  while (i < end && isDigit(str.charCodeAt(i))) i++;
  const num = str.slice(pos, i);
  if (num !== '') sawDigit = true;
  if (i >= end) return result(num, '', '');
  pos = i;

  // fraction
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str.charCodeAt(i))) i++;
    denom = str.slice(pos, i);
    if (denom !== '') sawDigit = true;
    if (i >= end) return result(num, denom, '');
    pos = i;
  }

  // suffix: letters, then an optional sign, then digits to the end
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos] as string)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str.charCodeAt(pos))) pos++;
  if (pos < end) return null;
  return result(num, denom, str.slice(suffixStart));
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** ceil(n / d) for n >= 0, d > 0. */
function divCeil(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : q + 1n;
}

/**
 * Parses a quantity as upstream ParseQuantity does (see the header for where
 * Berth is stricter). A number (JSON allows `cpu: 2`) is read as JS prints it.
 * @throws QuantityError
 */
export function parseQuantity(input: string | number): Quantity {
  let str: string;
  if (typeof input === 'number') {
    str = String(input);
    if (!Number.isFinite(input)) throw new QuantityError(QuantityErrorCode.FormatWrong, str);
  } else if (typeof input === 'string') {
    str = input;
  } else {
    // JSON from the wire may hold anything; never let it through as a value.
    throw new QuantityError(QuantityErrorCode.FormatWrong, String(input));
  }
  if (str === '') throw new QuantityError(QuantityErrorCode.FormatWrong, str);

  const scanned = scan(str);
  if (scanned === null) throw new QuantityError(QuantityErrorCode.FormatWrong, str);
  const suffix = interpretSuffix(scanned.suffix);
  if (suffix === undefined) throw new QuantityError(QuantityErrorCode.Suffix, str);
  if (!scanned.sawDigit) throw new QuantityError(QuantityErrorCode.Numeric, str);

  const { num, denom } = scanned;
  const digits = BigInt(num + denom);
  let format = suffix.format;
  if (digits === 0n) return { nanos: 0n, format };

  let nanos: bigint;
  if (suffix.base === 10) {
    // amount = digits × 10^(exponent - denom.length); look at its size before building it
    const scale = suffix.exponent - denom.length;
    const significant = digits.toString().length;
    if (significant + scale > MAX_INTEGER_DIGITS) throw new QuantityError(QuantityErrorCode.TooLarge, str);
    const shift = scale + 9;
    if (shift >= 0) {
      nanos = digits * pow10(shift);
    } else if (-shift >= significant) {
      nanos = 1n; // below one nano: rounds up to it
    } else {
      nanos = divCeil(digits, pow10(-shift));
    }
    if (nanos >= LIMIT_NANOS) throw new QuantityError(QuantityErrorCode.TooLarge, str);
  } else {
    // amount = digits × 2^exponent / 10^denom.length, capped at 2^63-1 like upstream
    const scaled = digits << BigInt(suffix.exponent);
    nanos = denom.length <= 9 ? scaled * pow10(9 - denom.length) : divCeil(scaled, pow10(denom.length - 9));
    if (nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS;
    // Upstream prints a binary amount below 1 in decimal ("0.000000000001Ki" is "2n").
    if (nanos < NANOS_PER_UNIT) format = QuantityFormat.DecimalSI;
  }
  return { nanos: scanned.positive ? nanos : -nanos, format };
}

/** nanos / 10^scale, rounded away from zero. */
function scaled(q: Quantity, divisor: bigint): number {
  const n = q.nanos;
  if (n >= 0n) return Number(divCeil(n, divisor));
  return -Number(divCeil(-n, divisor));
}

const NANOS_PER_MILLI = 1_000_000n;

/** The amount in whole units, rounded away from zero (upstream Value). Exact up to 2^53. */
export function value(q: Quantity): number {
  return scaled(q, NANOS_PER_UNIT);
}

/** The amount in thousandths, rounded away from zero (upstream MilliValue). Exact up to 2^53. */
export function milliValue(q: Quantity): number {
  return scaled(q, NANOS_PER_MILLI);
}
