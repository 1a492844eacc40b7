"""HTTP routes as Chalice blueprints, one per capability; `app.py` registers them."""
