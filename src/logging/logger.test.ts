// Nothing secret in the logs: fields that hold credentials are redacted
// wherever they sit, in plain objects and in errors.
import { Writable } from 'node:stream';
import { createLogger, flushLogs, lazyChild, REDACTED } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines, text: () => text };
}

const SECRET = 'sekret-3f9a0c';

describe('redaction', () => {
  test.each<{ name: string; fields: Record<string, unknown>; path: (line: Record<string, unknown>) => unknown }>([
    { name: 'a token at the top', fields: { token: SECRET }, path: (l) => l.token },
    { name: 'request headers', fields: { headers: { authorization: `Bearer ${SECRET}` } }, path: (l) => (l.headers as Record<string, unknown>).authorization },
    { name: 'Authorization, capitalised', fields: { headers: { Authorization: `Bearer ${SECRET}` } }, path: (l) => (l.headers as Record<string, unknown>).Authorization },
    {
      name: 'an error config two levels down',
      fields: { cause: { config: { headers: { authorization: SECRET } } } },
      path: (l) => (((l.cause as Record<string, unknown>).config as Record<string, unknown>).headers as Record<string, unknown>).authorization,
    },
    { name: 'a password', fields: { auth: { password: SECRET } }, path: (l) => (l.auth as Record<string, unknown>).password },
    { name: 'a bearer token field', fields: { user: { bearerToken: SECRET } }, path: (l) => (l.user as Record<string, unknown>).bearerToken },
    { name: 'client key data of a kubeconfig user', fields: { user: { 'client-key-data': SECRET } }, path: (l) => (l.user as Record<string, unknown>)['client-key-data'] },
    { name: "a kubeconfig's users", fields: { kubeconfig: { users: [{ name: 'u', user: { token: SECRET } }] } }, path: (l) => (l.kubeconfig as Record<string, unknown>).users },
  ])('$name', ({ fields, path }) => {
    const { logger, lines, text } = capture();
    logger.info(fields, 'message');
    expect(path(lines[0]!)).toBe(REDACTED);
    expect(text()).not.toContain(SECRET);
  });

  test('in an Error, and in a child logger per pod', () => {
    const { logger, lines, text } = capture();
    const err = Object.assign(new Error('request failed'), { headers: { authorization: `Bearer ${SECRET}` } });
    logger.child({ pod: 'ns/p' }).error({ err }, 'bind failed');
    expect(lines[0]).toMatchObject({ pod: 'ns/p', msg: 'bind failed', err: { message: 'request failed', headers: { authorization: REDACTED } } });
    expect(text()).not.toContain(SECRET);
  });

  test('what is not secret stays: paths, names, counts', () => {
    const { logger, lines } = capture();
    logger.info({ kubeconfig: '/home/me/.kube/config', node: 'n1', tokens: 3 }, 'message');
    expect(lines[0]).toMatchObject({ kubeconfig: '/home/me/.kube/config', node: 'n1', tokens: 3 });
  });

  test('flushLogs resolves', async () => {
    const { logger } = capture();
    logger.info('x');
    await expect(flushLogs(logger)).resolves.toBeUndefined();
  });
});

describe('lazyChild', () => {
  test('writes with its bindings at enabled levels, nothing below the level, and makes the child once', () => {
    const { logger, lines } = capture();
    const info = createLogger({ level: 'info', destination: new Writable({ write: (_c, _e, done) => done() }) });
    let children = 0;
    const child = info.child.bind(info);
    info.child = ((...a: Parameters<typeof child>) => {
      children++;
      return child(...a);
    }) as typeof info.child;
    const quiet = lazyChild(info, { pod: 'ns/q' });
    quiet.debug({ node: 'n1' }, 'node selected');
    expect(children).toBe(0);
    quiet.info('one');
    quiet.warn('two');
    expect(children).toBe(1);
    const log = lazyChild(logger, { pod: 'ns/p' });
    log.debug({ node: 'n1' }, 'node selected');
    log.error({ err: new Error('boom') }, 'bind failed');
    expect(lines).toMatchObject([
      { pod: 'ns/p', node: 'n1', msg: 'node selected', level: 20 },
      { pod: 'ns/p', msg: 'bind failed', level: 50, err: { message: 'boom' } },
    ]);
  });
});
