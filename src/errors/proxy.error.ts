import { AppError } from './app.error';

/**
 * HAProxy refused or did not complete what Berth asked of it: `proxy_error` (a command or a
 * configuration it rejected, 502) or `proxy_timeout` (a server did not come up, a reload did not
 * take, 504). `details.answer` holds HAProxy's own words.
 */
export class ProxyError extends AppError {
  constructor(code: 'proxy_error' | 'proxy_timeout', message: string, details?: Record<string, unknown>) {
    super(code, message, undefined, details);
  }
}
