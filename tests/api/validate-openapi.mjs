// Validates an OpenAPI document against the OpenAPI Initiative's schema for
// its version (3.1 here), with @seriousme/openapi-schema-validator from the
// window's dev dependencies (ui/node_modules): an implementation independent
// of the Rust code that writes the document.
//   node tests/api/validate-openapi.mjs FILE.json
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../ui/package.json"));
let entry;
try {
  entry = require.resolve("@seriousme/openapi-schema-validator");
} catch {
  console.error("@seriousme/openapi-schema-validator is missing: run `npm --prefix ui ci` (the README's set-up does)");
  process.exit(2);
}
const { Validator } = await import(pathToFileURL(entry).href);
const file = process.argv[2];
const validator = new Validator();
const res = await validator.validate(path.resolve(file));
if (!res.valid) {
  console.error(`${file}: not a valid OpenAPI ${validator.version} document`);
  console.error(JSON.stringify(res.errors, null, 2));
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version}`);
