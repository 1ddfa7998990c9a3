// Preloaded with `node --import` by the lazy-loading guard: records every module the CLI loads
// (ESM through a resolve hook, CommonJS through Module._load) into the file named by MR_INIT_MODULE_TRACE.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.MR_INIT_MODULE_TRACE;
if (out) {
  register('./module-trace-hooks.mjs', import.meta.url, { data: { out } });
  const load = Module._load;
  Module._load = function traced(request, parent, isMain) {
    appendFileSync(out, `cjs ${request}\n`);
    return load.call(this, request, parent, isMain);
  };
}
