"""The Temporal room: the process workflow, its activities and worker, the client side, and what they exchange.

An adapter-level room: it imports the domain, the service layer and the adapters, never the entrypoints. Keep
this file empty of imports: the workflow sandbox imports the package before `workflows.py`.
"""
