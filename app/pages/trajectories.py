import pandas as pd
import streamlit as st

import magnet_graph as mg
from magnet_graph.explore.path_lab import turn_rows
from magnet_graph.explore.settings import run_dir
from magnet_graph.explore.trajectories import chat_rows, hints, label, lineage_path, side_by_side

st.title("Trajectories")
run = run_dir()
if run is None:
    st.info("No run directory: start with `magnet-graph app --run RUN_DIR`.")
    st.stop()


@st.cache_data
def read_records(path: str):
    return mg.read_run(path).records


records = read_records(str(run))
kinds = st.multiselect("Kind", sorted({r.kind for r in records}))
shown = [r for r in records if not kinds or r.kind in kinds]
labels = {label(r): r for r in shown}
record = labels[st.selectbox("Trajectory", list(labels), key="trajectory")]
show_hints = st.toggle("Show the teacher's hints (reference calls)", key="hints")


def chat(rows):
    for row in rows:
        with st.chat_message(
            "assistant" if row["role"] == "assistant" else "user",
            avatar={"tool": ":material/build:", "system": ":material/settings:"}.get(row["role"]),
        ):
            if row["diverges"]:
                st.markdown(":orange-background[**⚠ diverges here**]")
            st.caption(row["role"] + (f" · {row['name']}" if row["name"] else ""))
            if row["calls"]:
                st.code(row["text"], language="python")
            else:
                st.markdown(row["text"] or "_(empty)_")


if show_hints:
    st.dataframe(pd.DataFrame(hints(record)), hide_index=True)
if record.negatives:
    options = [f"{i}: {n.error_type} ({n.source})" for i, n in enumerate(record.negatives)]
    chosen = int(st.selectbox("Negative", options, key="negative").split(":")[0])
    pair = side_by_side(record, chosen)
    with st.expander(f"Shared prefix ({len(pair['shared'])} messages)"):
        chat(pair["shared"])
    left, right = st.columns(2)
    with left:
        st.markdown("**Positive**")
        chat(pair["positive"])
    with right:
        st.markdown(f"**Negative: {pair['error_type']}**")
        chat(pair["negative"])
else:
    chat(chat_rows(record.messages))

st.subheader("Lineage")
st.json(record.lineage.to_dict(), expanded=False)
path = lineage_path(run, record)
if path is not None:
    st.dataframe(pd.DataFrame(turn_rows(path)), hide_index=True)
