// Logging: pino, JSON in production, readable when stdout is a terminal.
// Messages are constant strings; details go in fields. Child loggers carry
// {pod: "ns/name"} and {plugin}. Nothing secret is ever passed to a logger;
// REDACT_PATHS is the safety net for a field that slips through anyway
// (pino redacts fields by path; it cannot see inside message strings).
//
// Readable output needs pino-pretty, a dev dependency: an install without
// dev dependencies (the container image, `npm install berth`) logs JSON even
// on a terminal, which is what production wants anyway.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Human-readable lines instead of JSON; default: when stdout is a terminal. */
  pretty?: boolean;
  name?: string;
  /** Where JSON lines go instead of stdout (tests). */
  destination?: DestinationStream;
}

/**
 * Fields that would hold a credential, at the top level and one or two levels
 * down ({headers: {authorization}}, {err: {config: {headers}}}): bearer tokens,
 * passwords, client keys and the kubeconfig's user entries.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'token',
  'bearerToken',
  'password',
  'client-key-data',
  'clientKeyData',
  'keyData',
  'client-key',
  'cookie',
  'set-cookie',
];
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.*.*["${k}"]`),
  'users',
  '*.users',
  'kubeconfig.users',
];
export const REDACTED = '[Redacted]';

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const redact = { paths: [...REDACT_PATHS], censor: REDACTED };
  if (options.destination) return pino({ level, name: options.name ?? 'berth', redact }, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    try {
      return pino({
        level,
        name: options.name ?? 'berth',
        redact,
        transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
      });
    } catch {
      // pino-pretty is a dev dependency: production installs log JSON.
    }
  }
  return pino({ level, name: options.name ?? 'berth', redact });
}

/** Writes out what the logger holds (a transport's buffer); gives up after timeoutMs. */
export function flushLogs(logger: Logger, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A logger that drops everything (tests, simulations). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The log methods a per-pod logger offers: pino's, with the same arguments. */
export type PodLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * A child logger `{...bindings}` made on the first line it writes at an
 * enabled level: a pod that schedules quietly (most of them, at info level)
 * costs no child logger.
 */
class LazyChild {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #write(level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
    if (!this.#parent.isLevelEnabled(level)) return;
    this.#child ??= this.#parent.child(this.#bindings);
    Reflect.apply(this.#child[level], this.#child, args);
  }

  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
}

export function lazyChild(parent: Logger, bindings: Record<string, unknown>): PodLog {
  return new LazyChild(parent, bindings);
}
