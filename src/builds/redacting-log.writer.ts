import { BuildLogWriter } from './build-log.writer';
import type { LogRedactor } from './log-redactor';

/** A build log writer that hides the build's secret values in every line before it is stored. */
export class RedactingLogWriter extends BuildLogWriter {
  constructor(
    readonly redactor: LogRedactor,
    ...writer: ConstructorParameters<typeof BuildLogWriter>
  ) {
    super(...writer);
  }

  override line(text: string): boolean {
    return super.line(this.redactor.redact(text));
  }
}
