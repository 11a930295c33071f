"""Pulumi components: `entra/` (the apps this program registers in Entra), `apim/` (the API Management side), and `deployment` (wires one stack)."""
