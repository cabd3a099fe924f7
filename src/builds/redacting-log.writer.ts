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

  /**
   * After the escapes are gone, so a secret printed in colour, or with a colour code inside it,
   * is still found.
   */
  protected override clean(text: string): string {
    return this.redactor.redact(super.clean(text));
  }
}
