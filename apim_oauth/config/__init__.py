"""The stack configuration: typed models (one per product mode), reading, per-section and cross-section rules.

`settings.parse` / `settings.from_pulumi` give a `Settings`. Each section's models live in the module
named after it: `apim`, `apis` (with `onward`), `backend` (with `assignments`), `products`, `clients`
(with their secrets and `signIn`), `developer_portal` (with the APIs' `testConsole`); `requirements`
is what a token must carry at any scope, `stack` the whole file. The file's shapes are
`...Settings` models, or `...Config` where the rules resolve them into the `...Settings` the
components receive. Every rule that spans sections is in `rules/`, with those resolved types; the
building blocks are in `types`, the reading of YAML in `reading`, the one-line errors (and `key`)
in `errors`, and `schema` prints the JSON Schema.
"""
