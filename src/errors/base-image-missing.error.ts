import { BuildFailedError } from './build-failed.error';

/**
 * A build's FROM image is neither on the engine nor pullable. `setBy` says where the image name
 * came from, for the message's advice: a `[buildpacks]` key, or else the Dockerfile line.
 */
export class BaseImageMissingError extends BuildFailedError {
  constructor(
    readonly image: string,
    readonly instruction: string,
    readonly engineMessage: string,
    setBy?: string,
  ) {
    super(BaseImageMissingError.describe(image, instruction, engineMessage, setBy), 'base_image_missing');
  }

  /** The same failure, told with the `[buildpacks]` key that chose the image. */
  withKey(key: string): BaseImageMissingError {
    return new BaseImageMissingError(this.image, this.instruction, this.engineMessage, key);
  }

  private static describe(image: string, instruction: string, engineMessage: string, key?: string): string {
    const what = `base image ${JSON.stringify(image)}`;
    const fix = key
      ? `${what}, set by [buildpacks] ${key}, is neither on the engine nor pullable: pull it on the engine's host, or point [buildpacks] ${key} at an image the engine has`
      : `${what} of the Dockerfile line "${instruction}" is neither on the engine nor pullable: pull it on the engine's host, or change that line to an image the engine has`;
    return `${fix} (engine: ${engineMessage})`;
  }
}
