import { LineSplitter, LineTooLongError } from './ndjson.ts';

function split(chunks: (string | Buffer)[], maxLineBytes?: number): { lines: string[]; rest: string } {
  const splitter = new LineSplitter(maxLineBytes);
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  return { lines, rest: splitter.finish() };
}

describe('LineSplitter', () => {
  const event = (n: number) => JSON.stringify({ type: 'ADDED', object: { metadata: { name: `p${n}`, resourceVersion: String(n) } } });
  const euro = Buffer.from('{"note":"€"}\n'); // € is three bytes

  test.each([
    { name: 'one event per chunk', chunks: [`${event(1)}\n`, `${event(2)}\n`], lines: [event(1), event(2)], rest: '' },
    { name: 'several events in one chunk', chunks: [`${event(1)}\n${event(2)}\n${event(3)}\n`], lines: [event(1), event(2), event(3)], rest: '' },
    {
      name: 'an event cut across chunks',
      chunks: [event(1).slice(0, 10), event(1).slice(10, 30), `${event(1).slice(30)}\n`],
      lines: [event(1)],
      rest: '',
    },
    { name: 'a cut right before the newline', chunks: [event(1), '\n', event(2), '\n'], lines: [event(1), event(2)], rest: '' },
    { name: 'blank lines and CRLF are skipped', chunks: ['\n\n{"a":1}\r\n', '  \n'], lines: ['{"a":1}'], rest: '' },
    { name: 'an unterminated last line is the rest', chunks: [`${event(1)}\n{"type":"BOO`], lines: [event(1)], rest: '{"type":"BOO' },
    {
      name: 'a multi-byte character cut across chunks',
      chunks: [euro.subarray(0, 10), euro.subarray(10)],
      lines: ['{"note":"€"}'],
      rest: '',
    },
    { name: 'nothing at all', chunks: [], lines: [], rest: '' },
  ])('$name', ({ chunks, lines, rest }) => {
    expect(split(chunks)).toEqual({ lines, rest });
  });

  test('every cut point of a stream gives the same lines', () => {
    const stream = Buffer.from(`${event(1)}\n${event(2)}\n{"note":"héllo €"}\n${event(3)}\n`);
    const whole = split([stream]).lines;
    expect(whole).toHaveLength(4);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(split([stream.subarray(0, cut), stream.subarray(cut)]).lines).toEqual(whole);
    }
  });

  test('keeps its own copy of a partial line (the transport may reuse chunk memory)', () => {
    const splitter = new LineSplitter();
    const chunk = Buffer.from('{"a":');
    expect(splitter.push(chunk)).toEqual([]);
    chunk.fill(0x20);
    expect(splitter.push(Buffer.from('1}\n'))).toEqual(['{"a":1}']);
  });

  test('an endless line is an error, not unbounded memory', () => {
    const splitter = new LineSplitter(16);
    expect(splitter.push(Buffer.from('0123456789'))).toEqual([]);
    expect(() => splitter.push(Buffer.from('0123456789'))).toThrow(LineTooLongError);
  });
});
