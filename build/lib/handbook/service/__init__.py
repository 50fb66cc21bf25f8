"""The records web service: the API, HR exports and the HR page, beside the built site."""
