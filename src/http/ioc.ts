import type { Request } from 'express';
import type { IocContainer, IocContainerFactory } from '@tsoa/runtime';

/**
 * tsoa asks this for controller instances. They are built by the composition root and kept on
 * the Express app, so there is no module-level state and every app (and test) has its own.
 */
export const iocContainer: IocContainerFactory<Request> = (request) => request.app.locals.controllers as IocContainer;

/** An IocContainer over already-built controller instances. */
export function controllerRegistry(instances: object[]): IocContainer {
  const get = (controller: unknown) => {
    const found = instances.find((i) => Object.getPrototypeOf(i) === (controller as { prototype?: unknown }).prototype);
    if (!found) throw new Error('controller not registered');
    return found;
  };
  return { get } as IocContainer;
}
