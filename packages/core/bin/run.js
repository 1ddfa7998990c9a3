#!/usr/bin/env node
// The mr-init entry point. Kept import-light: only @oclif/core loads here; commands and the chosen
// provider load on demand. Provider plugins are found among the dependencies of the installation's
// own package.json (the app root), so the installed set decides which backends an image has.
import { execute } from '@oclif/core';
import { findAppRoot, PROVIDER_PLUGIN_GLOBS } from '../dist/providers/app-root.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const appRoot = findAppRoot(import.meta.url);
await execute({
  dir: import.meta.url,
  loadOptions: {
    root: new URL('..', import.meta.url).pathname,
    ...(appRoot ? { pluginAdditions: { core: PROVIDER_PLUGIN_GLOBS, path: appRoot } } : {}),
  },
});
