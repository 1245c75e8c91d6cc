// Ported from upstream pkg/scheduler/apis/config/validation/validation_pluginargs_test.go
// (TestValidateVolumeBindingArgs, StorageCapacityScoring off as in v1.36's
// defaults) and the v1 defaults (SetDefaults_VolumeBindingArgs), with Berth's
// type and unknown-field checks.
import { DEFAULT_BIND_TIMEOUT_SECONDS, defaultVolumeBindingArgs, parseVolumeBindingArgs, validateVolumeBindingArgs } from './args.ts';

describe('VolumeBindingArgs defaults (upstream SetDefaults_VolumeBindingArgs)', () => {
  test('bindTimeoutSeconds defaults to 600', () => {
    expect(DEFAULT_BIND_TIMEOUT_SECONDS).toBe(600);
    expect(defaultVolumeBindingArgs).toEqual({ bindTimeoutSeconds: 600 });
    expect(parseVolumeBindingArgs(undefined)).toEqual({ args: { bindTimeoutSeconds: 600 }, errors: [] });
    expect(parseVolumeBindingArgs(null)).toEqual({ args: { bindTimeoutSeconds: 600 }, errors: [] });
    expect(parseVolumeBindingArgs({})).toEqual({ args: { bindTimeoutSeconds: 600 }, errors: [] });
    expect(parseVolumeBindingArgs({ bindTimeoutSeconds: null }).args).toEqual({ bindTimeoutSeconds: 600 });
  });

  test('parsing does not change the defaults it starts from', () => {
    parseVolumeBindingArgs({ bindTimeoutSeconds: 5 });
    expect(defaultVolumeBindingArgs.bindTimeoutSeconds).toBe(600);
  });
});

describe('validateVolumeBindingArgs (upstream TestValidateVolumeBindingArgs)', () => {
  const cases: { name: string; args: unknown; want: string[] }[] = [
    { name: 'zero is a valid config', args: { bindTimeoutSeconds: 0 }, want: [] },
    { name: 'positive value is valid config', args: { bindTimeoutSeconds: 10 }, want: [] },
    {
      name: 'negative value is invalid config',
      args: { bindTimeoutSeconds: -10 },
      want: ['bindTimeoutSeconds: Invalid value: -10: invalid BindTimeoutSeconds, should not be a negative value'],
    },
    {
      name: '[StorageCapacityScoring=off] error if the shape is not nil (Berth has no capacity scoring)',
      args: { bindTimeoutSeconds: 10, shape: [{ utilization: 1, score: 1 }] },
      want: [
        'shape: Invalid value: [{"utilization":1,"score":1}]: unsupported: Berth does not score nodes by storage capacity (upstream StorageCapacityScoring)',
      ],
    },
    // Berth's own.
    { name: 'a fraction is not an integer', args: { bindTimeoutSeconds: 1.5 }, want: ['bindTimeoutSeconds: Invalid value: 1.5: must be an integer'] },
    { name: 'a string is not an integer', args: { bindTimeoutSeconds: '600' }, want: ['bindTimeoutSeconds: Invalid value: "600": must be an integer'] },
    { name: 'unknown fields are named', args: { bindTimeout: 5 }, want: ['bindTimeout: unknown field'] },
    { name: 'args must be an object', args: [1], want: ['<args>: Invalid value: [1]: must be an object'] },
    {
      name: 'every problem is reported',
      args: { bindTimeoutSeconds: -1, extra: true },
      want: ['extra: unknown field', 'bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value'],
    },
  ];
  test.each(cases)('$name', ({ args, want }) => {
    expect(validateVolumeBindingArgs(args)).toEqual(want);
  });

  test('a valid value is kept', () => {
    expect(parseVolumeBindingArgs({ bindTimeoutSeconds: 0 }).args).toEqual({ bindTimeoutSeconds: 0 });
  });
});
