// Structured logging (pino, JSON lines on stderr so stdout stays free for command output).
import { pino, type Logger } from 'pino';

let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino(
    { name: 'darkwatch', level: process.env.LOG_LEVEL || 'info', base: { pid: process.pid } },
    pino.destination(2),
  );
  return root;
}

export function childLogger(component: string): Logger {
  return logger().child({ component });
}
