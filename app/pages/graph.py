import pandas as pd
import streamlit as st

from magnet_graph.explore.app_cache import graph
from magnet_graph.explore.graph_view import filter_graph, function_detail, layout, network_figure

st.title("Graph explorer")
functions, edges = graph()
if not functions:
    st.info("The graph is empty: run `magnet-graph load bfcl` (or point --store at a loaded graph).")
    st.stop()

with st.sidebar:
    toolkits = st.multiselect("Toolkit", sorted({f.toolkit for f in functions}))
    categories = st.multiselect("Category", sorted({f.category for f in functions}))
    kinds = st.multiselect("Edge kind", sorted({e.kind for e in edges}))
    min_score = st.slider("Minimum edge score", 0.0, 1.0, 0.0, 0.05)

view = filter_graph(functions, edges, toolkits=toolkits, categories=categories, kinds=kinds, min_score=min_score)
st.caption(f"{len(view.functions)} functions, {len(view.edges)} edges")
names = sorted(f.name for f in view.functions)
clicked = st.session_state.get("graph_chart", {}).get("selection", {}).get("points", [])
if clicked and clicked[0].get("customdata") in names:
    st.session_state["function"] = clicked[0]["customdata"]
chosen = st.selectbox("Function", names, key="function")
st.plotly_chart(
    network_figure(view, layout(view), chosen), on_select="rerun", key="graph_chart", selection_mode="points"
)

if chosen:
    detail = function_detail(functions, edges, chosen)
    st.subheader(f"{detail['name']}  ·  {detail['toolkit']} / {detail['category']}")
    st.write(detail["description"])
    st.dataframe(pd.DataFrame(detail["parameters"]), hide_index=True)
    with st.expander("Output schema"):
        st.json(detail["output"] or {})
    for direction in ("incoming", "outgoing"):
        st.markdown(f"**{direction.title()} edges** ({len(detail[direction])})")
        for e in detail[direction]:
            with st.expander(
                f"{e['source']}.{e['source_field']} → {e['target']}.{e['target_param']} "
                f"({e['kind']}, score {e['score']:.2f})"
            ):
                st.json(e["evidence"])
