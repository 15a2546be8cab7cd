// Builds the static assets the Django app serves: one compressed stylesheet compiled from
// GOV.UK Frontend's Sass with our settings, and GOV.UK Frontend's JavaScript as a module.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/commonweal/core/static/commonweal/build");
const frontend = join(root, "node_modules/govuk-frontend/dist/govuk");

mkdirSync(out, { recursive: true });

const result = sass.compile(join(root, "assets/scss/app.scss"), {
  style: "compressed",
  loadPaths: [join(root, "node_modules")],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), result.css);

for (const name of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
  cpSync(join(frontend, name), join(out, name));
}
cpSync(join(root, "assets/js/app.mjs"), join(out, "app.mjs"));
// Referenced by GOV.UK Frontend's stylesheet; the static manifest needs every referenced file.
cpSync(join(frontend, "assets/images"), join(out, "assets/images"), { recursive: true });
console.log(`assets built in ${out}`);
