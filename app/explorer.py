"""magnet-graph explorer: `magnet-graph app [--store URI] [--run DIR]` serves this with Streamlit."""

import streamlit as st

st.set_page_config(page_title="magnet-graph explorer", layout="wide")
pages = st.navigation(
    [
        st.Page("pages/graph.py", title="Graph explorer", default=True),
        st.Page("pages/path_lab.py", title="Path lab"),
        st.Page("pages/trajectories.py", title="Trajectories"),
        st.Page("pages/dashboard.py", title="Run dashboard"),
    ]
)
pages.run()
