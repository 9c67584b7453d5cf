/**
 * Gives a wrapper the `name` and `length` of the function it replaces, so that code inspecting the library's
 * functions (arity checks, promisify helpers, logs naming them) sees no difference.
 */
export function copySignature(from: Function, to: Function): void {
  for (const key of ['name', 'length'] as const) {
    const descriptor = Reflect.getOwnPropertyDescriptor(from, key);
    if (descriptor) Reflect.defineProperty(to, key, descriptor);
  }
}

/** Gives a wrapper function the own properties of the function it stands for (`cache`, `jwks`, `reload`, getters…). */
export function copyOwnProperties(from: Function, to: Function): void {
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'prototype' || key === 'length' || key === 'name') continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(from, key);
    if (descriptor) Reflect.defineProperty(to, key, descriptor);
  }
  copySignature(from, to);
}
