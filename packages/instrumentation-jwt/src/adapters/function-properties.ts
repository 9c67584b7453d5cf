/** Gives a wrapper function the own properties of the function it stands for (`cache`, `jwks`, `reload`, getters…). */
export function copyOwnProperties(from: Function, to: Function): void {
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'prototype' || key === 'length' || key === 'name') continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(from, key);
    if (descriptor) Reflect.defineProperty(to, key, descriptor);
  }
  for (const key of ['name', 'length'] as const) {
    const descriptor = Reflect.getOwnPropertyDescriptor(from, key);
    if (descriptor) Reflect.defineProperty(to, key, descriptor);
  }
}
