"""The FastAPI layer: the app factory and one router per resource. Only this package imports FastAPI."""
