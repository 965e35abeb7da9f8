export * from './errors.ts';
export * from './event.ts';
export * from './lifecycle.ts';
export * from './live.ts';
export * from './plan.ts';
export * from './policy.ts';
export * from './registration.ts';
export * from './time.ts';
