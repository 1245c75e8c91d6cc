import { milliValue, parseQuantity, QuantityError, QuantityFormat, quantityErrorReasons, value } from './quantity.ts';
import type { Quantity, QuantityErrorCode } from './quantity.ts';

const { DecimalSI, BinarySI, DecimalExponent } = QuantityFormat;

/** Upstream's decQuantity(m, exponent, format): m × 10^exponent, as nanos. */
function dec(m: bigint | number, exponent: number, format: QuantityFormat): Quantity {
  const shift = exponent + 9;
  const mm = BigInt(m);
  return { nanos: shift >= 0 ? mm * 10n ** BigInt(shift) : mm / 10n ** BigInt(-shift), format };
}

const MAX_INT64 = (1n << 63n) - 1n;
const maxAllowed = (format: QuantityFormat): Quantity => ({ nanos: MAX_INT64 * 1_000_000_000n, format });

describe('parseQuantity', () => {
  // Upstream TestQuantityParse (apimachinery v0.36.3 quantity_test.go), every row.
  const upstream: { input: string; want: Quantity }[] = [
    { input: '0', want: dec(0, 0, DecimalSI) },
    { input: '0n', want: dec(0, 0, DecimalSI) },
    { input: '0u', want: dec(0, 0, DecimalSI) },
    { input: '0m', want: dec(0, 0, DecimalSI) },
    { input: '0Ki', want: dec(0, 0, BinarySI) },
    { input: '0k', want: dec(0, 0, DecimalSI) },
    { input: '0Mi', want: dec(0, 0, BinarySI) },
    { input: '0M', want: dec(0, 0, DecimalSI) },
    { input: '0Gi', want: dec(0, 0, BinarySI) },
    { input: '0G', want: dec(0, 0, DecimalSI) },
    { input: '0Ti', want: dec(0, 0, BinarySI) },
    { input: '0T', want: dec(0, 0, DecimalSI) },
    // Quantity less numbers are allowed
    { input: '1', want: dec(1, 0, DecimalSI) },
    // Binary suffixes
    { input: '1Ki', want: dec(1024, 0, BinarySI) },
    { input: '8Ki', want: dec(8 * 1024, 0, BinarySI) },
    { input: '7Mi', want: dec(7 * 1024 * 1024, 0, BinarySI) },
    { input: '6Gi', want: dec(6 * 1024 * 1024 * 1024, 0, BinarySI) },
    { input: '5Ti', want: dec(5n * 1024n ** 4n, 0, BinarySI) },
    { input: '4Pi', want: dec(4n * 1024n ** 5n, 0, BinarySI) },
    { input: '3Ei', want: dec(3n * 1024n ** 6n, 0, BinarySI) },
    { input: '10Ti', want: dec(10n * 1024n ** 4n, 0, BinarySI) },
    { input: '100Ti', want: dec(100n * 1024n ** 4n, 0, BinarySI) },
    // Decimal suffixes
    { input: '5n', want: dec(5, -9, DecimalSI) },
    { input: '4u', want: dec(4, -6, DecimalSI) },
    { input: '3m', want: dec(3, -3, DecimalSI) },
    { input: '9', want: dec(9, 0, DecimalSI) },
    { input: '8k', want: dec(8, 3, DecimalSI) },
    { input: '50k', want: dec(5, 4, DecimalSI) },
    { input: '7M', want: dec(7, 6, DecimalSI) },
    { input: '6G', want: dec(6, 9, DecimalSI) },
    { input: '5T', want: dec(5, 12, DecimalSI) },
    { input: '40T', want: dec(4, 13, DecimalSI) },
    { input: '300T', want: dec(3, 14, DecimalSI) },
    { input: '2P', want: dec(2, 15, DecimalSI) },
    { input: '1E', want: dec(1, 18, DecimalSI) },
    // Decimal exponents
    { input: '1E-3', want: dec(1, -3, DecimalExponent) },
    { input: '1e3', want: dec(1, 3, DecimalExponent) },
    { input: '1E6', want: dec(1, 6, DecimalExponent) },
    { input: '1e9', want: dec(1, 9, DecimalExponent) },
    { input: '1E12', want: dec(1, 12, DecimalExponent) },
    { input: '1e15', want: dec(1, 15, DecimalExponent) },
    { input: '1E18', want: dec(1, 18, DecimalExponent) },
    // Nonstandard but still parsable
    { input: '1e14', want: dec(1, 14, DecimalExponent) },
    { input: '1e13', want: dec(1, 13, DecimalExponent) },
    { input: '100.035k', want: dec(100035, 0, DecimalSI) },
    // Things that look like floating point
    { input: '0.001', want: dec(1, -3, DecimalSI) },
    { input: '0.0005k', want: dec(5, -1, DecimalSI) },
    { input: '0.005', want: dec(5, -3, DecimalSI) },
    { input: '0.05', want: dec(5, -2, DecimalSI) },
    { input: '0.5', want: dec(5, -1, DecimalSI) },
    { input: '0.00050k', want: dec(5, -1, DecimalSI) },
    { input: '0.00500', want: dec(5, -3, DecimalSI) },
    { input: '0.05000', want: dec(5, -2, DecimalSI) },
    { input: '0.50000', want: dec(5, -1, DecimalSI) },
    { input: '0.5e0', want: dec(5, -1, DecimalExponent) },
    { input: '0.5e-1', want: dec(5, -2, DecimalExponent) },
    { input: '0.5e-2', want: dec(5, -3, DecimalExponent) },
    { input: '10.035M', want: dec(10035, 3, DecimalSI) },
    { input: '1.2e3', want: dec(12, 2, DecimalExponent) },
    { input: '1.3E+6', want: dec(13, 5, DecimalExponent) },
    { input: '1.40e9', want: dec(14, 8, DecimalExponent) },
    { input: '1.53E12', want: dec(153, 10, DecimalExponent) },
    { input: '1.6e15', want: dec(16, 14, DecimalExponent) },
    { input: '1.7E18', want: dec(17, 17, DecimalExponent) },
    { input: '9.01', want: dec(901, -2, DecimalSI) },
    { input: '8.1k', want: dec(81, 2, DecimalSI) },
    { input: '7.123456M', want: dec(7123456, 0, DecimalSI) },
    { input: '6.987654321G', want: dec(6987654321, 0, DecimalSI) },
    { input: '5.444T', want: dec(5444, 9, DecimalSI) },
    { input: '40.1T', want: dec(401, 11, DecimalSI) },
    { input: '300.2T', want: dec(3002, 11, DecimalSI) },
    { input: '2.5P', want: dec(25, 14, DecimalSI) },
    { input: '1.01E', want: dec(101, 16, DecimalSI) },
    // Things that saturate/round
    { input: '3.001n', want: dec(4, -9, DecimalSI) },
    { input: '1.1E-9', want: dec(2, -9, DecimalExponent) },
    { input: '0.0000000001', want: dec(1, -9, DecimalSI) },
    { input: '0.0000000005', want: dec(1, -9, DecimalSI) },
    { input: '0.00000000050', want: dec(1, -9, DecimalSI) },
    { input: '0.5e-9', want: dec(1, -9, DecimalExponent) },
    { input: '0.9n', want: dec(1, -9, DecimalSI) },
    { input: '0.00000012345', want: dec(124, -9, DecimalSI) },
    { input: '0.00000012354', want: dec(124, -9, DecimalSI) },
    { input: '9Ei', want: maxAllowed(BinarySI) },
    { input: '9223372036854775807Ki', want: maxAllowed(BinarySI) },
    { input: '12E', want: dec(12, 18, DecimalSI) },
    // We'll accept fractional binary stuff, too.
    { input: '100.035Ki', want: dec(10243584, -2, BinarySI) },
    { input: '0.5Mi', want: dec(0.5 * 1024 * 1024, 0, BinarySI) },
    { input: '0.05Gi', want: dec(536870912, -1, BinarySI) },
    { input: '0.025Ti', want: dec(274877906944, -1, BinarySI) },
    // Things written by trolls
    { input: '0.000000000001Ki', want: dec(2, -9, DecimalSI) }, // rounds up, changes format
    { input: '.001', want: dec(1, -3, DecimalSI) },
    { input: '.0001k', want: dec(100, -3, DecimalSI) },
    { input: '1.', want: dec(1, 0, DecimalSI) },
    { input: '1.G', want: dec(1, 9, DecimalSI) },
  ];

  describe.each(upstream)('$input', ({ input, want }) => {
    test('as written', () => {
      expect(parseQuantity(input)).toEqual(want);
    });
    // Upstream runs each row again with an explicit sign.
    test('with a minus sign', () => {
      expect(parseQuantity(`-${input}`)).toEqual({ nanos: -want.nanos, format: want.format });
    });
    test('with a plus sign', () => {
      expect(parseQuantity(`+${input}`)).toEqual(want);
    });
  });

  // Checked against apimachinery v0.36.3 ParseQuantity (the same value and format).
  const more: { name: string; input: string | number; want: Quantity }[] = [
    { name: 'a tenth of a core is exactly 100m', input: '0.1', want: dec(100, -3, DecimalSI) },
    { name: 'exa-binary is exact', input: '1Ei', want: dec(1n << 60n, 0, BinarySI) },
    { name: 'binary is capped at 2^63-1', input: '8Ei', want: maxAllowed(BinarySI) },
    { name: 'negative binary is capped at -(2^63-1)', input: '-9Ei', want: { nanos: -maxAllowed(BinarySI).nanos, format: BinarySI } },
    { name: 'fractional Gi', input: '1.5Gi', want: dec(1536n * 1024n * 1024n, 0, BinarySI) },
    { name: 'fractional Mi rounds to the nano, not the byte', input: '0.3Mi', want: dec(3145728, -1, BinarySI) },
    { name: 'exponent with a plus sign', input: '1e+5', want: dec(1, 5, DecimalExponent) },
    { name: 'exponent with leading zeros', input: '1e03', want: dec(1, 3, DecimalExponent) },
    { name: 'tiny exponent rounds up to one nano', input: '1e-5000', want: dec(1, -9, DecimalExponent) },
    { name: 'zero with a huge exponent is zero', input: '0e99999', want: dec(0, 0, DecimalExponent) },
    { name: 'exponent at -2^31 rounds up to one nano (upstream hangs)', input: '1e-2147483648', want: dec(1, -9, DecimalExponent) },
    { name: 'the largest int64', input: '9223372036854775807', want: maxAllowed(DecimalSI) },
    { name: 'decimal is not capped at 2^63-1', input: '18446744073709551616', want: dec(1n << 64n, 0, DecimalSI) },
    { name: 'just below the limit', input: `${'9'.repeat(300)}`, want: dec(10n ** 300n - 1n, 0, DecimalSI) },
    { name: 'the largest decimal in milli', input: '9223372036854775807000m', want: maxAllowed(DecimalSI) },
    { name: 'a fraction of a nano above the largest decimal rounds to it', input: '9223372036854775806.9999999999', want: maxAllowed(DecimalSI) },
    { name: 'sub-nano digits round up', input: '1.0000000001', want: dec(1000000001, -9, DecimalSI) },
    { name: 'leading zeros', input: '007', want: dec(7, 0, DecimalSI) },
    { name: 'minus zero', input: '-0', want: dec(0, 0, DecimalSI) },
    { name: 'a JSON number', input: 2, want: dec(2, 0, DecimalSI) },
    { name: 'a fractional JSON number', input: 0.25, want: dec(25, -2, DecimalSI) },
    { name: 'a JSON number JS prints with an exponent', input: 1e-7, want: dec(1, -7, DecimalExponent) },
  ];
  test.each(more)('$name', ({ input, want }) => {
    expect(parseQuantity(input)).toEqual(want);
  });

  const invalid: { name: string; input: string | number; want: QuantityErrorCode }[] = [
    // upstream TestQuantityParse's invalid list, with upstream's error
    { name: 'two dots', input: '1.1.M', want: 'FormatWrong' },
    { name: 'a sign in the middle', input: '1+1.0M', want: 'FormatWrong' },
    { name: 'lower-case binary', input: '0.1mi', want: 'Suffix' },
    { name: 'unknown suffix letter', input: '0.1am', want: 'FormatWrong' },
    { name: 'letters', input: 'aoeu', want: 'FormatWrong' },
    { name: 'bare i after a fraction', input: '.5i', want: 'Suffix' },
    { name: 'bare i', input: '1i', want: 'Suffix' },
    { name: 'bare i, negative', input: '-3.01i', want: 'Suffix' },
    { name: 'exponent without digits', input: '-3.01e-', want: 'Suffix' },
    { name: 'leading whitespace', input: ' 1', want: 'FormatWrong' },
    { name: 'trailing whitespace', input: '1 ', want: 'FormatWrong' },
    // more, each checked against apimachinery v0.36.3
    { name: 'empty', input: '', want: 'FormatWrong' },
    { name: 'three dots', input: '1.5.5', want: 'FormatWrong' },
    { name: 'space before the suffix', input: '1 Gi', want: 'FormatWrong' },
    { name: 'lower-case gi', input: '1gi', want: 'FormatWrong' },
    { name: 'two signs', input: '+-1', want: 'Suffix' },
    { name: 'capital K', input: '1K', want: 'Suffix' },
    { name: 'two suffixes', input: '1kk', want: 'Suffix' },
    { name: 'digits after a suffix', input: '1Ki5', want: 'Suffix' },
    { name: 'bare e', input: '1e', want: 'Suffix' },
    { name: 'sign-only exponent', input: '1e+', want: 'Suffix' },
    { name: 'two exponent signs', input: '1e-+5', want: 'FormatWrong' },
    { name: 'hex', input: '0x10', want: 'FormatWrong' },
    { name: 'digit separators', input: '1_000', want: 'FormatWrong' },
    { name: 'exponent beyond int64', input: '1e-99999999999999999999', want: 'Suffix' },
    { name: 'digitless Ei (upstream ErrNumeric too)', input: 'Ei', want: 'Numeric' },
    { name: 'NaN', input: Number.NaN, want: 'FormatWrong' },
    { name: 'Infinity', input: Number.POSITIVE_INFINITY, want: 'FormatWrong' },
    // where Berth is stricter than upstream (see quantity.ts)
    { name: 'digitless Mi (upstream: 0)', input: 'Mi', want: 'Numeric' },
    { name: 'digitless k (upstream: 0)', input: 'k', want: 'Numeric' },
    { name: 'a lone sign (upstream: 0)', input: '+', want: 'Numeric' },
    { name: 'a lone dot (upstream: 0)', input: '.', want: 'Numeric' },
    { name: 'a signed dot (upstream: 0)', input: '-.', want: 'Numeric' },
    { name: 'a bare exponent (upstream: 0)', input: 'e3', want: 'Numeric' },
    { name: 'exponent beyond int32 (upstream wraps it to 1)', input: '1e4294967296', want: 'Suffix' },
    { name: 'exponent below -2^31', input: '1e-2147483649', want: 'Suffix' },
    { name: '1e300', input: '1e300', want: 'TooLarge' },
    { name: '-1e300', input: '-1e300', want: 'TooLarge' },
    { name: 'rounding up to 1e300', input: `${'9'.repeat(300)}.9999999999`, want: 'TooLarge' },
    { name: 'a huge exponent', input: '1e2147483647', want: 'TooLarge' },
    { name: 'a huge JSON number', input: 1e300, want: 'TooLarge' },
  ];
  test.each(invalid)('rejects $name', ({ input, want }) => {
    let err: unknown;
    try {
      parseQuantity(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuantityError);
    const qe = err as QuantityError;
    expect(qe.code).toBe(want);
    expect(qe.input).toBe(String(input));
    expect(qe.message).toBe(`${quantityErrorReasons[want]}: ${JSON.stringify(String(input))}`);
  });

  test('the format error quotes upstream word for word', () => {
    expect(() => parseQuantity('abc')).toThrow(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "abc"`,
    );
  });

  test('rejects a value that is not a string or number', () => {
    expect(() => parseQuantity(null as unknown as string)).toThrow(QuantityError);
    expect(() => parseQuantity({} as unknown as string)).toThrow(QuantityError);
  });
});

describe('value and milliValue', () => {
  // value: upstream Value (ceil away from zero to units); milli: MilliValue.
  const table: { input: string; value: number; milli: number }[] = [
    { input: '0', value: 0, milli: 0 },
    { input: '1', value: 1, milli: 1000 },
    { input: '100m', value: 1, milli: 100 },
    { input: '0.1', value: 1, milli: 100 },
    { input: '1.5', value: 2, milli: 1500 },
    { input: '1n', value: 1, milli: 1 },
    { input: '1u', value: 1, milli: 1 },
    { input: '1m', value: 1, milli: 1 },
    { input: '0.5m', value: 1, milli: 1 },
    { input: '1.0000000001', value: 2, milli: 1001 },
    { input: '1k', value: 1000, milli: 1_000_000 },
    { input: '200Mi', value: 209715200, milli: 209715200000 },
    { input: '1.5Gi', value: 1610612736, milli: 1610612736000 },
    { input: '0.3Mi', value: 314573, milli: 314572800 },
    { input: '1Pi', value: 2 ** 50, milli: 2 ** 50 * 1000 },
    { input: '8Pi', value: 2 ** 53, milli: 2 ** 53 * 1000 },
    { input: '9007199254740993', value: 9007199254740992, milli: 9007199254740993000 }, // 2^53+1: nearest double
    { input: '1Ei', value: 2 ** 60, milli: 2 ** 60 * 1000 }, // upstream's MilliValue overflows int64 here
    { input: '8Ei', value: Number(MAX_INT64), milli: Number(MAX_INT64 * 1000n) }, // 2^63-1 as the nearest double, 2^63
    { input: '1E', value: 1e18, milli: 1e21 },
    { input: '12E', value: 1.2e19, milli: 1.2e22 }, // upstream's Value overflows int64 here
    { input: '1e299', value: 1e299, milli: 1e302 },
    { input: '-1.5', value: -2, milli: -1500 },
    { input: '-0.5m', value: -1, milli: -1 },
    { input: '12', value: 12, milli: 12000 },
  ];
  test.each(table)('$input', ({ input, value: wantValue, milli }) => {
    const q = parseQuantity(input);
    expect(value(q)).toBe(wantValue);
    expect(milliValue(q)).toBe(milli);
  });

  // Upstream TestScaledValue, for the scales Berth reads.
  const scaled: { input: string; value: number; milli: number }[] = [
    { input: '1n', value: 1, milli: 1 },
    { input: '1u', value: 1, milli: 1 },
    { input: '1m', value: 1, milli: 1 },
    { input: '1', value: 1, milli: 1000 },
  ];
  test.each(scaled)('scaled $input', ({ input, value: wantValue, milli }) => {
    const q = parseQuantity(input);
    expect(value(q)).toBe(wantValue);
    expect(milliValue(q)).toBe(milli);
  });
});
