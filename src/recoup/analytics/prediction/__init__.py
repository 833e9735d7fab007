"""Late-payment prediction and the cash forecast (see ``features``, ``model``, ``core``)."""
