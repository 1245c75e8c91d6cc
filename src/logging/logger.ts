// Logging: pino, JSON in production, readable when stdout is a terminal.
// Messages are constant strings; details go in fields. Child loggers carry
// {pod: "ns/name"} and {plugin}. Nothing secret is ever passed to a logger.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Human-readable lines instead of JSON; default: when stdout is a terminal. */
  pretty?: boolean;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    try {
      return pino({
        level,
        name: options.name ?? 'berth',
        transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
      });
    } catch {
      // pino-pretty is a dev dependency: production installs log JSON.
    }
  }
  return pino({ level, name: options.name ?? 'berth' });
}

/** A logger that drops everything (tests, simulations). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
