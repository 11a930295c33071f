"""The stack configuration: typed models (one per product mode), reading, per-section and cross-section rules.

`settings.parse` / `settings.from_pulumi` give a `Settings`; each section's models live in the module
named after it (`apim`, `apis`, `backend`, `products`, `clients`), the cross-section rules in `rules`,
the reading of YAML in `reading`, the one-line errors in `errors`, and `schema` prints the JSON Schema.
"""
