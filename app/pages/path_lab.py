import pandas as pd
import streamlit as st

import magnet_graph as mg
from magnet_graph.explore.app_cache import graph, store
from magnet_graph.explore.path_lab import apply, turn_rows, walk

st.title("Path lab")
functions, _ = graph()
left, middle, right = st.columns(3)
seed = left.number_input("Seed", min_value=0, value=7, step=1)
start = middle.selectbox("Start function", ["(any)"] + sorted(f.name for f in functions))
max_steps = right.slider("Functions per walk (S)", 2, 10, 7)

steps = st.session_state.setdefault("lab_steps", [])
buttons = st.columns(4)
try:
    if buttons[0].button("Run walk", key="walk", type="primary"):
        steps.clear()
        steps.append(walk(store(), int(seed), None if start == "(any)" else start, max_steps))
    current = next((s.path for s in reversed(steps) if s.path is not None), None)
    for column, operation in zip(buttons[1:], ("merge", "insert", "split")):
        if column.button(operation.title(), key=operation, disabled=current is None):
            steps.append(apply(store(), current, operation, int(seed) + len(steps)))
except mg.MagnetGraphError as exc:
    st.error(str(exc))

for number, step in enumerate(steps):
    st.subheader(f"{number + 1}. {step.name}")
    if step.path is None:
        st.info("This step changed nothing: no copy could be split from the path.")
    else:
        st.caption(f"path {step.path.id}" + (f" (copy of {step.path.parent})" if step.path.parent else ""))
        st.dataframe(pd.DataFrame(turn_rows(step.path)), hide_index=True)
    with st.expander(f"Cypher that ran ({len(step.queries)} queries)"):
        for query in step.queries:
            st.markdown(f"`{query['name']}`")
            st.code(query["cypher"], language="cypher")
