// The logging shape the adapter needs: pino's (obj, msg) calling convention,
// so a pino Logger (or a child of one) can be passed as it is.

export type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface KubeLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const ignore: LogFn = () => {};

export const silentKubeLogger: KubeLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** What a caught error becomes in a log line: fields, never the raw object (pino would serialize it anyway). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const fields: Record<string, unknown> = { err: err.message, errName: err.name };
    const { status, reason, code } = err as Error & { status?: unknown; reason?: unknown; code?: unknown };
    if (status !== undefined) fields.status = status;
    if (reason !== undefined) fields.reason = reason;
    if (code !== undefined) fields.code = code;
    return fields;
  }
  return { err: String(err) };
}
