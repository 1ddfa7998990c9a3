#!/usr/bin/env node
// The mr-init entry point. Kept import-light: only @oclif/core loads here; commands and the chosen
// provider load on demand. Provider plugins are found among the dependencies of the installation's
// own package.json (the app root), so the installed set decides which backends an image has.
import { userInfo } from 'node:os';
import { execute } from '@oclif/core';
import { findAppRoot, PROVIDER_PLUGIN_GLOBS } from '../dist/providers/app-root.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// oclif asks the OS for the user's shell when SHELL is unset, and that throws for a uid without a passwd
// entry (OpenShift's restricted policy runs pods so): mr-init never uses a shell, so name one.
if (!process.env.SHELL) {
  try {
    userInfo();
  } catch {
    process.env.SHELL = '/bin/sh';
  }
}
const appRoot = findAppRoot(import.meta.url);
await execute({
  dir: import.meta.url,
  loadOptions: {
    root: new URL('..', import.meta.url).pathname,
    ...(appRoot ? { pluginAdditions: { core: PROVIDER_PLUGIN_GLOBS, path: appRoot } } : {}),
  },
});
