"""The Starlette application: pages, the JSON API, signalling. It wires the other packages together."""
