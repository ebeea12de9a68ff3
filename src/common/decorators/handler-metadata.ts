import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * Reads a decorator's metadata of a route (handler, else its controller) once
 * per handler: it never changes at run time, and the global guards ask on
 * every request.
 */
export function handlerMetadata<T>(reflector: Reflector, key: string): (context: ExecutionContext) => T | undefined {
  const known = new WeakMap<object, { value: T | undefined }>();
  return (context) => {
    const handler = context.getHandler();
    let entry = known.get(handler);
    if (!entry) {
      entry = { value: reflector.getAllAndOverride<T>(key, [handler, context.getClass()]) };
      known.set(handler, entry);
    }
    return entry.value;
  };
}
