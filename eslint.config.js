// ESLint for the kiosk pages' ES modules (static/): recommended rules, browser globals.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "tests/artifacts/", "bench/results/"] },
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      // Globals on window are how the old scripts talked; modules import instead.
      "no-implicit-globals": "error",
      "no-restricted-globals": ["error", { name: "WB", message: "import from a module instead" }],
      "max-len": ["error", { code: 100, ignoreUrls: true }],
      eqeqeq: "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
];
