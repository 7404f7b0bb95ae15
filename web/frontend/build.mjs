// Bundles the workspace (bpmn-js, dmn-js and our panel) into web/static/build/, which the
// app serves itself: no CDN, and no inline script, so the strict CSP holds (web/__init__.py).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { rmSync } from "node:fs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

// Start clean, so assets of an earlier build (hashed names) are not served forever.
rmSync(path.join(root, "web/static/build"), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { workspace: "web/frontend/workspace.js" },
  outdir: "web/static/build",
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["chrome110", "firefox110", "safari16"],
  legalComments: "linked",
  loader: {
    ".woff": "file",
    ".woff2": "file",
    ".ttf": "file",
    ".eot": "file",
    ".svg": "file",
  },
  assetNames: "assets/[name]-[hash]",
  logLevel: "warning",
});
console.log("built web/static/build/workspace.{js,css}");
