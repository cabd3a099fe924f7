import type { Request } from 'express';
import type { Controller, IocContainer, IocContainerFactory } from '@tsoa/runtime';

/** Builds one controller. Called once per request: tsoa keeps the answer's status on the instance. */
export interface ControllerFactory {
  type: abstract new (...args: never[]) => Controller;
  make: () => Controller;
}

/**
 * tsoa asks this for controller instances. The factories are made by the composition root and
 * kept on the Express app, so there is no module-level state and every app (and test) has its own.
 */
export const iocContainer: IocContainerFactory<Request> = (request) => request.app.locals.controllers as IocContainer;

/**
 * An IocContainer that builds a fresh controller for every call: tsoa's `setStatus` is stored on
 * the instance, so a shared one would hand one request's status to another running at once.
 * Controllers hold nothing but their services, so building one costs next to nothing.
 */
export function controllerRegistry(factories: readonly ControllerFactory[]): IocContainer {
  const get = (controller: unknown) => {
    const found = factories.find((f) => f.type === controller);
    if (!found) throw new Error('controller not registered');
    return found.make();
  };
  return { get } as IocContainer;
}
