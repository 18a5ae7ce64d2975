"""One module a dashboard page, run by ``st.navigation`` from ``dashboard/app.py``.

Not named ``pages/``: Streamlit treats a ``pages/`` folder beside the entry script as a legacy
multipage app, which runs a deep-linked page *without* the entry script on a server's first run
(so without login, loading and filters) and breaks AppTest reruns.
"""
