// The syntax of label keys and values, in apimachinery's words
// (k8s.io/apimachinery/pkg/api/validate/content: IsLabelKey, IsLabelValue,
// IsDNS1123Subdomain, MaxLenError, RegexError). Lengths are counted in
// UTF-16 units, not bytes; a value outside ASCII fails the regex anyway.
//
// Upstream v1.35+ calls a bad key "a valid label key"; v1.34 and earlier
// (validation.IsQualifiedName) "a qualified name". Selector parsing still
// prints the older noun (qualifiedNameErrors), plugin args the newer one
// (labelKeyErrors); the checks are the same.

function regexError(msg: string, format: string, ...examples: string[]): string {
  const e = examples.length > 0 ? `e.g. ${examples.map((x) => `'${x}'`).join(',  or ')}, ` : '';
  return `${msg} (${e}regex used for validation is '${format}')`;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** [prefix/]name, one message per problem; `noun` names the whole in the too-many-slashes message. */
function keyErrors(value: string, noun: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 bytes');
      if (!DNS1123_SUBDOMAIN.test(prefix)) errs.push(`prefix part ${regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
    }
  } else {
    return [
      `${noun} ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 bytes');
  if (!QUALIFIED_NAME.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsLabelKey with the v1.34 noun ("a qualified name"): label selector and node selector keys, topology keys. */
export function qualifiedNameErrors(value: string): string[] {
  return keyErrors(value, 'a qualified name');
}

/** content.IsLabelKey as v1.36 words it ("a valid label key"). */
export function labelKeyErrors(value: string): string[] {
  return keyErrors(value, 'a valid label key');
}

/** content.IsLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 bytes');
  if (!LABEL_VALUE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}
