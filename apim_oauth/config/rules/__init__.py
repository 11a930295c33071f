"""Every rule that spans sections of the configuration, and the resolved settings those rules produce.

Each section's model checks what it can alone; the rules here need two or more sections (the backend
app and the products, the clients and their products, the portal and the tier...). They run after
every section is valid, in the order `settings.parse` calls them, and each raises `ConfigError`
naming the key to change.

- `backend`: the providers point at the stack's cloud and tenant; the App ID URI is one the tenant
  accepts; every role and scope the policies name is one the backend app defines for those callers
  (the one role check every other rule uses).
- `products`: products name existing APIs and APIM users; policy layers a token can pass; APIs
  shared between products; names joined into one resource name.
- `clients`: each client resolved into the model of its products' mode (`EntraAppClientSettings`,
  `ManagedIdentityClientSettings`, `ApimManagedClientSettings`), granted what its products require; clients that sign users in.
- `credentials`: what each kind of credential needs from the rest: a managed identity's client ID
  where `validate-azure-ad-token` lists callers, a vault for the secrets' readers.
- `people`: the developer portal resolved (`DeveloperPortalSettings`: host, test consoles, sign-in),
  and who may sign in to the backend (AADSTS50105).
- `onward`: how the gateway calls each API's backend with its own identity (`Onward`), and the
  gateway's app role on the backend app.
"""
