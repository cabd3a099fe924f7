import { AppError } from './app.error';

/** The engine reported that an image build failed: the user's build, not Berth, is at fault. */
export class BuildFailedError extends AppError {
  constructor(message: string, code = 'build_failed') {
    super(code, message);
  }
}
