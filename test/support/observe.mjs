/** Everything about a call's outcome that the calling application can see, in comparable form. */

export function observe(settled) {
  if ('value' in settled) return { kind: 'value', value: settled.value, sync: settled.sync };
  const e = settled.error;
  return {
    kind: 'error',
    sync: settled.sync,
    prototype: Object.getPrototypeOf(e),
    name: e?.name,
    code: e?.code,
    message: e?.message,
    fields: Object.fromEntries(Object.entries(e ?? {}).filter(([k]) => k !== 'stack')),
  };
}

/** Calls `call` and settles it: `sync` says whether the result (or error) came back without a promise. */
export async function settle(call) {
  let sync = true;
  try {
    const result = call();
    if (result && typeof result.then === 'function') {
      sync = false;
      return { value: await result, sync };
    }
    return { value: result, sync };
  } catch (error) {
    return { error, sync };
  }
}

/** Callback form: the arguments the callback got, and whether it ran before the call returned. */
export function settleCallback(call) {
  return new Promise((resolve) => {
    let returned = false;
    try {
      call((...args) => resolve({ value: { args, beforeReturn: !returned }, sync: true }));
    } catch (error) {
      resolve({ error, sync: true });
    }
    returned = true;
  });
}
