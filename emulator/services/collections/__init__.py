"""Momento's collection RPCs (``cache_client.Scs``): parse the request, call the core once, build the response.

One module per collection type; the registry table holds their rows.
"""
