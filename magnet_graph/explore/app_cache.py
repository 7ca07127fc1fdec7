"""The store connection and the graph, cached by Streamlit for every page of one app process."""

import streamlit as st

from ..store import open_store
from .settings import graph_name


@st.cache_resource
def store():
    return open_store(None, graph_name())


@st.cache_data(ttl=60)
def graph():
    s = store()
    return s.functions(), s.edges()
