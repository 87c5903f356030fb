// eslint.config.mjs - lint rules of the emulator (flat config, ESLint 10): the
// recommended set plus the checks this code already passes. `make lint` runs it.
import js from "@eslint/js";
import globals from "globals";

export default [
    js.configs.recommended,
    {
        files: ["**/*.mjs"],
        languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node } },
        rules: {
            "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
            "no-var": "error",
            "prefer-const": "error",
            eqeqeq: ["error", "smart"],
            "no-shadow": "off",
        },
    },
    { ignores: ["node_modules/**", ".node/**"] },
];
