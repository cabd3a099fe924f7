import winston from 'winston';
import type { BerthConfig } from '../config/config.schema';

/** The process's one logger: JSON lines by default, readable text when `[log] format = "text"`. */
export function createLogger(config: BerthConfig['log'], component: string): winston.Logger {
  const format =
    config.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.errors({ stack: true }),
          winston.format.printf(({ timestamp, level, message, component: c, ...rest }) => {
            const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
            return `${String(timestamp)} ${level.toUpperCase().padEnd(5)} [${String(c)}] ${String(message)}${fields}`;
          }),
        );
  return winston.createLogger({
    level: config.level,
    format,
    defaultMeta: { component },
    transports: [new winston.transports.Console()],
  });
}
