/** @mr-init/core public API: the provider contract, the error classes and the library entry points. */
export * from './providers/contract.js';
export * from './errors.js';
